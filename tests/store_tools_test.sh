#!/bin/sh
# store_tools_test.sh: the store from the outside, while and after polling:
#   - dcscore score reads the day file while poll writes it (SWMR reader), twice,
#     and sees more samples the second time;
#   - h5dump opens the file after a clean stop;
#   - h5py (tests/h5py_check.py) recomputes every channel's energy and the PUE
#     independently and agrees with `dcscore score --json` to 1e-9 relative.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
DCSCORE=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-tools.XXXXXX")
fail() { echo "FAIL store_tools_test: $*"; exit 1; }
trap '"$SRC/fixtures/fleet.sh" down "$DIR/fleet"; rm -rf "$DIR"' EXIT INT TERM

"$SRC/fixtures/fleet.sh" up "$DIR/fleet" "$BUILD" >/dev/null || fail "fleet did not start"
cd "$DIR/fleet" || fail "no fleet dir"
"$DCSCORE" poll --duration 7 --flush-interval 1 -q site.yaml &
pid=$!
sleep 3
"$DCSCORE" score --json site.yaml >live1.json 2>/dev/null
rc=$?
[ $rc -le 2 ] || fail "score while polling exited $rc"
sleep 2
"$DCSCORE" score --json site.yaml >live2.json 2>/dev/null
wait "$pid" || fail "poll failed"
n1=$(/usr/bin/python3 -c 'import json; print(json.load(open("live1.json"))["channels"][0]["samples"])')
n2=$(/usr/bin/python3 -c 'import json; print(json.load(open("live2.json"))["channels"][0]["samples"])')
[ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ] || fail "SWMR reads saw $n1 then $n2 samples"
for f in store/*/*.h5; do h5dump -H "$f" >/dev/null || fail "h5dump cannot open $f"; done
"$DCSCORE" score --json site.yaml >score.json || fail "final score failed"
/usr/bin/python3 "$SRC/tests/h5py_check.py" store/demo-qp-01 score.json 5 >h5py.txt ||
    { cat h5py.txt; fail "h5py disagrees with dcscore"; }
echo "ok store_tools_test: live reads saw $n1 then $n2 samples; h5py agrees"
