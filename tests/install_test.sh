#!/bin/sh
# install_test.sh: `make install` puts everything in place (binary, policy data,
# example site, man page, systemd units with real paths), the units pass
# `systemd-analyze verify`, the man page renders without warnings and names every
# command and long option that `--help` shows, the installed binary finds its
# policy data, and `make uninstall` leaves nothing behind.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-install.XXXXXX")
fail() { echo "FAIL install_test: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT INT TERM
P=$DIR/prefix
make -C "$SRC" --no-print-directory -s install BUILD="$BUILD" PREFIX="$P" >"$DIR/install.log" 2>&1 ||
    { cat "$DIR/install.log"; fail "make install"; }
for f in bin/dcscore share/dcscore/policy.yaml share/dcscore/example-site.yaml share/man/man1/dcscore.1 \
    lib/systemd/system/dcscore-poll@.service lib/systemd/system/dcscore-score-daily@.service \
    lib/systemd/system/dcscore-score-daily@.timer lib/systemd/system/dcscore-score-monthly@.service \
    lib/systemd/system/dcscore-score-monthly@.timer; do
    [ -e "$P/$f" ] || fail "missing $f"
done
grep -q "ExecStart=$P/bin/dcscore poll /etc/dcscore/%i.yaml" "$P/lib/systemd/system/dcscore-poll@.service" ||
    fail "unit paths not filled in"
grep -q '@' "$P/lib/systemd/system/dcscore-poll@.service" | grep -q '@BINDIR@' && fail "placeholder left"
if command -v systemd-analyze >/dev/null; then
    (cd "$P/lib/systemd/system" && systemd-analyze verify --man=no dcscore-poll@site.service \
        dcscore-score-daily@site.service dcscore-score-daily@site.timer \
        dcscore-score-monthly@site.service dcscore-score-monthly@site.timer dcscore-collect.service) >"$DIR/verify.log" 2>&1 ||
        { cat "$DIR/verify.log"; fail "systemd-analyze verify"; }
fi
groff -man -ww -z "$P/share/man/man1/dcscore.1" 2>"$DIR/groff.log" && [ ! -s "$DIR/groff.log" ] ||
    { cat "$DIR/groff.log"; fail "man page warnings"; }
man_text=$(sed 's/\\-/-/g' "$P/share/man/man1/dcscore.1")
for cmd in poll score report rank inspect export import rollup compact keygen submit region collect; do
    echo "$man_text" | grep -q "\.B dcscore $cmd\|^\.B $cmd" || fail "man page lacks the command $cmd"
    for opt in $("$P/bin/dcscore" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        echo "$man_text" | grep -q -- "$opt" || fail "man page lacks $cmd $opt"
    done
done
# The installed binary finds the installed policy data (cohort ranking needs it).
DCSCORE_POLICY= env -u DCSCORE_POLICY "$P/bin/dcscore" rank "$SRC/fixtures/cohort/pilot-2026q4.yaml" >/dev/null ||
    fail "installed dcscore cannot rank"
make -C "$SRC" --no-print-directory -s uninstall PREFIX="$P" >/dev/null 2>&1 || fail "make uninstall"
left=$(find "$P" -type f | head -3)
[ -z "$left" ] || fail "uninstall left $left"
echo "ok install_test: tree, units verified, man page matches --help, uninstall clean"
