#!/bin/sh
# http_scale.sh: dcscore polling N accelerator exporters (dcs-sim dcgm --fleet,
# 8 GPUs each, a 17 kB page) and N Redfish BMCs (dcs-sim redfish --fleet, two
# supplies and EnvironmentMetrics: 3 GETs a cycle after discovery), 10 % of each
# silent (a listener that accepts and never answers), 1 s timeout, 10 s cycles,
# plain HTTP on loopback (keep-alive: TLS would cost its handshakes once).
# Two runs of different length give the CPU of a cycle without start-up
# (config read, discovery): (cpu_long - cpu_short) / (cycles_long - cycles_short).
# The fixtures' CPU is not counted. Bounded: every run has --duration, and the
# fixtures are stopped at exit.
#   bench/http_scale.sh BUILD [N]
set -eu
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-1000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-http-scale.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$DIR"' EXIT INT TERM
start() { # NAME ARGS...: a fixture; prints its port
    name=$1; shift
    "$@" >"$DIR/$name.out" 2>&1 &
    pids="$pids $!"
    i=0
    until grep -q '^READY port=' "$DIR/$name.out"; do
        i=$((i + 1)); [ $i -gt 100 ] && { cat "$DIR/$name.out" >&2; exit 1; }; sleep 0.1
    done
    sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$DIR/$name.out"
}
exp=$(start exporters "$BUILD/dcs-sim" dcgm --fleet "$N" --units 8 --port 0)
bmc=$(start bmcs "$BUILD/dcs-sim" redfish --layout new --units 2 --fleet "$N" --quiet 1 --port 0)
silent=$(start silent /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4096)
print("READY port=%d" % s.getsockname()[1], flush=True)
held, end = [], time.time() + 600
s.settimeout(1)
while time.time() < end:
    try: held.append(s.accept()[0])
    except socket.timeout: pass
')
/usr/bin/python3 "$(dirname "$0")/../fixtures/http_site.py" "$N" "$exp" "$bmc" "$silent" 10000 1000 >"$DIR/site.yaml"
. "$(dirname "$0")/poll_run.sh"
short=$(poll_run 21)
long=$(poll_run 61)
echo "HTTP fleet: $N dcgm exporters + $N Redfish BMCs (10 % of each silent), 1 s timeout, 10 s cycles, dcscore poll"
echo "$short" "$long" | awk -v n="$N" '{
    printf "short run: %d cycles, %d overruns, max cycle %.0f ms, cpu %.2f s\n", $1, $2, $3, $5
    printf "long run:  %d cycles, %d overruns, cycle p50 %.0f ms, p99 %.0f ms, max %.0f ms, cpu %.2f s\n", $10, $11, $17, $18, $12, $14
    printf "samples in the long run: %d ok, %d timeout (the silent endpoints)\n", $15, $16
    if ($10 > $1) {
        c = ($14 - $5) / ($10 - $1)
        printf "CPU per 10 s cycle without start-up: %.3f s = %.1f %% of one core (target <= 10 %%)\n", c, 100 * c / 10
        printf "CPU per sample: %.1f us (%d samples a cycle)\n", 1e6 * c / (($15 - $6) / ($10 - $1)), ($15 - $6) / ($10 - $1)
    }
}'
