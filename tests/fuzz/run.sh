#!/bin/sh
# run.sh FUZZ_BUILD MODE SECONDS: every fuzz target in FUZZ_BUILD/tests/fuzz.
# MODE smoke (make test): replay the committed corpus tests/fuzz/corpus/TARGET
# (every seed and every past crash kept there), then fuzz SECONDS more. MODE long
# (make fuzz): fuzz SECONDS per target, growing a working corpus in
# FUZZ_BUILD/corpus/TARGET. A crash, leak, timeout or sanitizer report fails
# the target: its input is saved as FUZZ_BUILD/crash-TARGET-*, to be added to
# the corpus with a dated regression test. Prints the executions per target.
# FUZZ_ONLY="fuzz_a fuzz_b" runs those targets only (two halves in parallel).
set -u
FB=$(cd "$1" && pwd)
MODE=$2
SECS=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export DCS_SRC="$SRC" DCSCORE_PROFILES="$SRC/probes/profiles" TZ=UTC LC_ALL=C
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$SRC/tests/fuzz/lsan.supp:print_suppressions=0"
failed=0
# what a failing run found, on stdout, so a CI log says it without the files
why() {
    grep -E -m 12 'ERROR: |SUMMARY: |runtime error|Test unit written|#[0-9]+ 0x[0-9a-f]+ in [a-z_0-9]+ ' "$1" | sed 's/^/     /'
}
for bin in "$FB"/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    t=$(basename "$bin")
    case " ${FUZZ_ONLY:-$t} " in *" $t "*) ;; *) continue ;; esac # FUZZ_ONLY="a b": those only
    seeds="$SRC/tests/fuzz/corpus/$t"
    work="$FB/corpus/$t"
    mkdir -p "$work"
    log="$FB/$t.log"
    common="-timeout=20 -rss_limit_mb=2048 -artifact_prefix=$FB/crash-$t- -print_final_stats=1"
    if [ "$MODE" = smoke ] && ! "$bin" $common -runs=0 "$seeds" >"$log" 2>&1; then
        echo "FAIL $t: a corpus input fails again ($log)"; why "$log"; failed=$((failed + 1)); continue
    fi
    if ! "$bin" $common -max_total_time="$SECS" "$work" "$seeds" >>"$log" 2>&1; then
        echo "FAIL $t: see $log and $FB/crash-$t-*"; why "$log"; failed=$((failed + 1)); continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "ok   $t: ${runs:-?} executions in $SECS s ($(ls "$seeds" | wc -l) seeds)"
done
[ "$failed" -eq 0 ]
