# lib.sh: what the shell tests share. `TEST_NAME=NAME; . tests/lib.sh` (a
# sourced file takes no arguments in POSIX sh) gives BUILD, SRC, D (the dcscore
# binary), a scratch DIR (removed at exit) as the working folder, fail()
# naming the test, and the source tree's policy and profiles.
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-$TEST_NAME.XXXXXX")
fail() { echo "FAIL $TEST_NAME: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT INT TERM
cd "$DIR" || fail "no scratch dir"
export DCSCORE_POLICY="$SRC/engine/index/policy.yaml" DCSCORE_PROFILES="$SRC/probes/profiles"
