#!/bin/sh
# snmp_scale.sh: dcscore polling a fleet of SNMP agents (dcs-snmpfleet, one
# process, consecutive loopback UDP ports), 10 % of them silent (receive, never
# answer), 1 s timeout, one GET per agent every 10 s cycle. Two runs of
# different length give the CPU of a cycle without start-up (sessions opened,
# config read): (cpu_long - cpu_short) / (cycles_long - cycles_short).
# Prints cycles, overruns, cycle times and CPU per cycle. Bounded: the fleet
# stops by itself (--duration) and each poll run by --duration.
#   bench/snmp_scale.sh BUILD [AGENTS] [BASE_PORT]
set -eu
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-10000}
BASE=${3:-20000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-snmp-scale.XXXXXX")
trap 'kill "$fleet" 2>/dev/null; rm -rf "$DIR"' EXIT INT TERM
/usr/bin/python3 "$(dirname "$0")/../fixtures/snmp_site.py" "$N" "$BASE" 10000 1000 >"$DIR/site.yaml"
"$BUILD/dcs-snmpfleet" --udp "$BASE:$N" --oids 4 --fault silent:every:10 --duration 200 \
    >"$DIR/fleet.out" 2>&1 &
fleet=$!
i=0
until grep -q READY "$DIR/fleet.out"; do
    i=$((i + 1)); [ $i -gt 100 ] && { cat "$DIR/fleet.out"; exit 1; }; sleep 0.1
done
. "$(dirname "$0")/poll_run.sh"
short=$(poll_run 21)
long=$(poll_run 61)
echo "SNMP fleet: $N agents (10 % silent), 1 s timeout, 10 s cycles, dcscore poll"
echo "$short" "$long" | awk '{
    printf "short run: %d cycles, %d overruns, max cycle %.0f ms, cpu %.2f s\n", $1, $2, $3, $5
    printf "long run:  %d cycles, %d overruns, cycle p50 %.0f ms, p99 %.0f ms, max %.0f ms, cpu %.2f s\n", $10, $11, $17, $18, $12, $14
    printf "samples in the long run: %d ok, %d timeout (the silent agents)\n", $15, $16
    if ($10 > $1) printf "CPU per 10 s cycle without start-up: %.3f s = %.1f %% of one core (target <= 100 %%)\n", ($14 - $5) / ($10 - $1), 100 * ($14 - $5) / ($10 - $1) / 10
}'
