#!/bin/sh
# crash_test.sh: kill -9 the poller at seeded random moments (DCS_KILLS times,
# default 20) while it writes the store, and after each kill check that:
#   - the engine opens the store (dcscore inspect), and h5dump opens a copy after
#     h5clear -s (what a person would do with HDF5's own tools);
#   - every polling tick older than one flush interval (+ one poll interval)
#     before the kill has its sample on disk;
#   - poll resumes on the same day file (recovering it, and taking over the
#     writer lock the killed one left) and finishes cleanly.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
KILLS=${DCS_KILLS:-20}
DCSCORE=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-crash.XXXXXX")
fail() { echo "FAIL crash_test: $*"; exit 1; }
trap '"$SRC/fixtures/fleet.sh" down "$DIR/fleet"; rm -rf "$DIR"' EXIT INT TERM

"$SRC/fixtures/fleet.sh" up "$DIR/fleet" "$BUILD" >/dev/null || fail "fleet did not start"
cd "$DIR/fleet" || fail "no fleet dir"
: >runs.txt
delays=$(awk -v n="$KILLS" 'BEGIN { srand(20261123); for (i = 0; i < n; i++) printf "%.2f\n", 1.5 + 2.5 * rand() }')
i=0
for d in $delays; do
    i=$((i + 1))
    start=$(date +%s%N)
    "$DCSCORE" poll --flush-interval 1 site.yaml 2>>poll.log &
    pid=$!
    sleep "$d"
    kill_ns=$(date +%s%N)
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    echo "$start $kill_ns" >>runs.txt
    "$DCSCORE" inspect site.yaml >/dev/null || fail "kill $i: the engine cannot open the store"
    for f in store/*/*.h5; do
        cp "$f" copy.h5 && h5clear -s copy.h5 && h5dump -H copy.h5 >/dev/null ||
            fail "kill $i: h5dump cannot open $f after h5clear"
    done
done
"$DCSCORE" poll --duration 2 -q site.yaml || fail "poll did not resume after the last kill"
for f in store/*/*.h5; do h5dump -H "$f" >/dev/null || fail "h5dump cannot open $f after a clean stop"; done
grep -q "recovered a file left open" poll.log || fail "no recovery was logged"
grep -q "took over the lock left by PID [0-9]* (dcscore poll), which is no longer running" poll.log ||
    fail "the lock a killed poller left was not taken over"

DCS_SRC="$SRC" /usr/bin/python3 - <<'PY' || fail "samples missing before a kill"
import glob, os, sys, h5py, numpy as np
sys.path.insert(0, os.environ["DCS_SRC"] + "/tests")
from store_h5 import channel
t = np.concatenate([channel(h5py.File(p, "r"), "facility_power")[0] for p in sorted(glob.glob("store/*/*.h5"))])
iv, flush = 1_000_000_000, 1_000_000_000
missing = 0
for line in open("runs.txt"):
    start, kill = map(int, line.split())
    # From this run's first stored sample (start-up time is not data loss) ...
    first = t[(t >= start) & (t < kill)]
    if len(first) == 0:
        if kill - start > flush + 3 * iv:
            missing += 1
            print(f"run started at {start} stored nothing before its kill at {kill}")
        continue
    tick = first.min() // iv * iv
    while tick < kill - flush - 2 * iv:     # ... to a flush interval (+ margin) before the kill
        if not np.any((t >= tick) & (t < tick + 900_000_000)):
            missing += 1
            print(f"no sample for tick {tick} (kill at {kill})")
        tick += iv
print(f"{len(open('runs.txt').readlines())} kills, {len(t)} samples, {missing} missing")
raise SystemExit(1 if missing else 0)
PY
echo "ok crash_test: $KILLS kills"
