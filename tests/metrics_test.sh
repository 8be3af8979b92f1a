#!/bin/sh
# metrics_test.sh: /metrics at fleet size. dcscore poll with 1,100 SNMP devices
# (a net-snmp session, so a descriptor, each: past select()'s 1,024) and 100
# slow clients holding half-sent requests: a scrape still answers, in time, with
# the poller's counters, and the poller keeps its cycles. (select() gave an
# empty reply past 1,024 descriptors; 16 connections were the limit.)
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
N=1100
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-metrics.XXXXXX")
fail() { echo "FAIL metrics_test: $*"; [ -f "$DIR/poll.log" ] && tail -3 "$DIR/poll.log"; exit 1; }
cleanup() {
    [ -n "${poll:-}" ] && kill "$poll" 2>/dev/null && wait "$poll" 2>/dev/null
    [ -n "${fleet:-}" ] && kill "$fleet" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
cd "$DIR" || fail "no scratch dir"
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
BASE=$((40000 + ($$ % 40) * 200 % 8000))
/usr/bin/python3 "$SRC/fixtures/snmp_site.py" "$N" "$BASE" 2000 500 >site.yaml
"$BUILD/dcs-snmpfleet" --udp "$BASE:$N" --oids 1 --duration 90 >fleet.out 2>&1 &
fleet=$!
i=0
until grep -q READY fleet.out; do i=$((i + 1)); [ $i -gt 100 ] && fail "fleet: $(cat fleet.out)"; sleep 0.1; done
"$D" poll --metrics 127.0.0.1:0 --summary-interval 0 --duration 60 site.yaml 2>poll.log &
poll=$!
i=0
until grep -q "metrics on http" poll.log; do i=$((i + 1)); [ $i -gt 200 ] && fail "no metrics line"; sleep 0.1; done
port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' poll.log)
i=0 # the sessions open during the first cycle
until [ "$(ls /proc/$poll/fd | wc -l)" -gt 1024 ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the poller holds only $(ls /proc/$poll/fd | wc -l) descriptors"; sleep 0.1
done
/usr/bin/python3 - "$port" <<'PY' || fail "scrape with 100 slow clients"
import socket, sys, time, urllib.request
port = int(sys.argv[1])
slow = []
for _ in range(100):  # half-sent requests, held open
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(b"GET /metr")
    slow.append(s)
def scrape():
    t0 = time.monotonic()
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    return body, time.monotonic() - t0
def cycles(body):
    c = [l for l in body.splitlines() if l.startswith("dcscore_poll_cycles_total")]
    return float(c[0].split()[-1]) if c else 0
deadline = time.monotonic() + 15
body, took = scrape()
while cycles(body) < 1 and time.monotonic() < deadline:  # the first cycle opens 1,100 sessions
    time.sleep(0.5)
    body, took = scrape()
assert cycles(body) >= 1, body[:300]
body, took = scrape()  # with the slow clients still open
assert took < 2.0, took
ok = [l for l in body.splitlines() if l.startswith('dcscore_samples_total{') and 'status="ok"' in l]
assert ok and float(ok[0].split()[-1]) >= 1000, ok
for s in slow:
    s.close()
print(f"scraped in {took * 1000:.0f} ms beside 100 slow clients")
PY
kill -TERM "$poll"; wait "$poll"; rc=$?; poll=
[ $rc -eq 0 ] || fail "poll exit $rc"
echo "ok   metrics_test.sh"
