#!/bin/sh
# screenshots.sh DEMO_DIR: README's report pictures (docs/img/*.png) from the
# reports `make demo` wrote in DEMO_DIR (build/demo), with headless Chromium.
# `make screenshots` runs the demo first, then this.
set -eu
DEMO=$(cd "${1:-build/demo}" && pwd)
OUT=$(cd "$(dirname "$0")/../docs/img" && pwd)
PROFILE=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-shots.XXXXXX")
trap 'rm -rf "$PROFILE"' EXIT
shot() { # HTML PNG
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$PROFILE" --hide-scrollbars \
        --window-size=1000,1300 --screenshot="$OUT/$2" "file://$DEMO/$1" >/dev/null 2>&1
    [ -s "$OUT/$2" ] || { echo "screenshots: $2 was not written" >&2; exit 1; }
    echo "  $OUT/$2"
}
shot site-report.html site-report.png
shot site-report.zh.html site-report.zh.png
shot qingpu-store-report.html qingpu-report.png
shot procurement-store-report.html procurement-report.png
