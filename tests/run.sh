#!/bin/sh
# run.sh BUILD: run every test binary in BUILD/tests, each on its own (one failing
# test does not hide the others), and end with "N passed, N failed".
BUILD=${1:-build}
export DCS_BUILD DCS_SRC
DCS_BUILD=$(cd "$BUILD" && pwd)
DCS_SRC=$(cd "$(dirname "$0")/.." && pwd)
export TZ=UTC LC_ALL=C LC_NUMERIC=C
export DCSCORE_PROFILES="$DCS_SRC/probes/profiles"
passed=0
failed=0
for t in "$DCS_BUILD"/tests/*_test; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$(mktemp)
    timeout 300 "$t" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed, timed out or failed before cmocka's summary
    fi
    if [ "$f" -ne 0 ]; then
        cat "$out"
        echo "FAIL $name (exit $rc)"
    else
        echo "ok   $name ($p tests)"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    rm -f "$out"
done
# Shell tests (real processes: crash, tools): one test each.
for t in "$DCS_SRC"/tests/*_test.sh; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$(mktemp)
    timeout 600 "$t" >"$out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        cat "$out"
        echo "FAIL $name (exit $rc)"
        failed=$((failed + 1))
    fi
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
