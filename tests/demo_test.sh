#!/bin/sh
# demo_test.sh: the demo leaves nothing running. fixtures/demo.sh (short poll,
# its own folder, no PDFs) after a normal end, after a failure (no policy file:
# score fails) and after SIGINT while it polls: every process its fleet
# started (the Modbus meters, snmpd and its helpers) is gone.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-demo.XXXXXX")
fail() { echo "FAIL demo_test: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT
# nothing started for the demo in folder $1 still runs: by pid (fleet.sh keeps
# the list as fleet.stopped) and by command line (snmpd's helpers name the folder)
none_left() {
    [ -s "$1/fleet.stopped" ] || fail "$2: the fleet was not stopped (no fleet.stopped)"
    sleep 0.5
    while read -r pid what; do
        kill -0 "$pid" 2>/dev/null && fail "$2: $what (pid $pid) still runs"
    done <"$1/fleet.stopped"
    left=$(pgrep -f -- "$1/" | grep -v "^$$\$" || true)
    [ -z "$left" ] || fail "$2: still running: $(ps -o pid=,args= -p $(echo $left | tr ' ' ,))"
    return 0
}
export DCS_DEMO_PDF=0
DCS_DEMO_SECONDS=2 DCS_DEMO_DIR="$DIR/ok" "$SRC/fixtures/demo.sh" "$BUILD" >"$DIR/ok.log" 2>&1 ||
    fail "the demo failed: $(tail -3 "$DIR/ok.log")"
grep -q "demo: reports" "$DIR/ok.log" || fail "the demo did not reach its reports"
none_left "$DIR/ok" "normal end"
DCSCORE_POLICY=/nonexistent DCS_DEMO_SECONDS=1 DCS_DEMO_DIR="$DIR/bad" "$SRC/fixtures/demo.sh" "$BUILD" \
    >"$DIR/bad.log" 2>&1 && fail "the demo with no policy file succeeded"
none_left "$DIR/bad" "failure"
DCS_DEMO_SECONDS=30 DCS_DEMO_DIR="$DIR/int" "$SRC/fixtures/demo.sh" "$BUILD" >"$DIR/int.log" 2>&1 &
demo=$!
i=0
until grep -q "demo: polling" "$DIR/int.log"; do i=$((i + 1)); [ $i -gt 200 ] && fail "no polling line"; sleep 0.1; done
sleep 1
kill -INT "$demo"
wait "$demo"
none_left "$DIR/int" "SIGINT"
echo "ok   demo_test.sh"
