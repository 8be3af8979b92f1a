#!/bin/sh
# operate_test.sh: dcscore poll as a service would run it.
#   - --metrics on a kernel-picked loopback port: the scrape parses as Prometheus
#     text exposition, with every channel's series and labels and the self-metrics;
#   - SIGHUP with a changed config reloads (a new channel appears); SIGHUP with a
#     broken config is refused and polling goes on;
#   - SIGTERM exits 0, and every sample polled (the final summary) is in the store;
#   - a device that stays down is logged once, not once per cycle;
#   - poll --stats prints self-metrics as JSON that add up;
#   - long jobs (rank's Monte-Carlo) show progress on a terminal only.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-operate.XXXXXX")
fail() { echo "FAIL operate_test: $*"; [ -f "$DIR/fleet/poll.log" ] && tail -5 "$DIR/fleet/poll.log"; exit 1; }
trap '[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null; "$SRC/fixtures/fleet.sh" down "$DIR/fleet"; rm -rf "$DIR"' EXIT INT TERM
"$SRC/fixtures/fleet.sh" up "$DIR/fleet" "$BUILD" >/dev/null || fail "fleet did not start"
cd "$DIR/fleet" || fail "no fleet dir"
cp site.yaml site.orig.yaml

"$D" poll --metrics 127.0.0.1:0 --flush-interval 1 --summary-interval 0 site.yaml 2>poll.log &
pid=$!
i=0
until grep -q "metrics on http" poll.log; do i=$((i + 1)); [ $i -gt 100 ] && fail "no metrics line"; sleep 0.1; done
port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' poll.log)
sleep 2.5

scrape() { # scrape CHANNEL [slip]: slip = the IT meter reads 1/1000 (PUE far above 4)
    /usr/bin/python3 - "$port" "$1" "${2:-}" <<'PY' || fail "scrape: $1 $2"
import re, sys, urllib.request
port, want, slip = sys.argv[1], sys.argv[2], sys.argv[3] == "slip"
text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*)\})? (NaN|[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]Inf)$')
series, types = {}, {}
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        types[name] = kind
        continue
    if line.startswith("#") or not line:
        continue
    m = line_re.match(line)
    assert m, f"not exposition format: {line!r}"
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    assert m.group(1) in types, f"{m.group(1)} has no # TYPE"
    series.setdefault(m.group(1), []).append((labels, float(m.group(6))))
ch = {l["channel"]: v for l, v in series["dcscore_channel_value"]}
for l, v in series["dcscore_channel_value"]:
    assert set(l) == {"site", "device", "channel", "role", "unit"}, l
assert want in ch, f"no series for channel {want}"
# The load model's facility power spans about 695-979 kW over a day (fixtures/loadmodel.c).
assert 650e3 < ch["facility_power"] < 1.05e6, ch["facility_power"]
pue = series["dcscore_live_pue"][0][1]
live = {l["id"]: v for l, v in series["dcscore_live_finding"]}
if slip:  # the gauge of the finding is 1, the others 0
    assert pue > 1000, pue
    assert live == {"no_pue": 0, "pue_below_min": 0, "pue_above_max": 1}, live
    raise SystemExit(0)
assert 1.2 < pue < 1.7, pue
assert live == {"no_pue": 0, "pue_below_min": 0, "pue_above_max": 0}, live
assert series["dcscore_poll_cycles_total"][0][1] >= 1
assert {l["status"] for l, v in series["dcscore_samples_total"]} >= {"ok", "timeout", "no-connection"}
PY
}
scrape facility_power
# One writer per store: a second poller and an import are refused while it runs.
"$D" poll --duration 1 site.yaml 2>second.log; rc=$?
[ $rc -ne 0 ] && grep -q "is being written by PID $pid (dcscore poll): one writer per store" second.log ||
    fail "a second poller on the store: exit $rc, $(cat second.log)"
printf 'time,facility_power\n2020-01-01T00:00:00Z,1000\n' >late.csv
"$D" import --csv late.csv site.yaml >/dev/null 2>import.log; rc=$?
[ $rc -ne 0 ] && grep -q "is being written by PID $pid (dcscore poll)" import.log ||
    fail "an import beside the poller: exit $rc, $(cat import.log)"

# Reload with one more channel (rack 1's energy counter), then with a broken file.
sed 's|^  - {id: rack1_power,|  - {id: rack1_energy, device: rack-pdus, oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.9.1, kind: energy, unit: kWh, scale: 0.1, role: it_rack, cross_check: true}\n&|' \
    site.orig.yaml >site.yaml
kill -HUP "$pid"
i=0
until grep -q "reloaded" poll.log; do i=$((i + 1)); [ $i -gt 50 ] && fail "no reload"; sleep 0.1; done
sleep 2
scrape rack1_energy
echo "site: [broken" >site.yaml
kill -HUP "$pid"
sleep 2
grep -q "reload refused" poll.log || fail "a broken config was not refused"
kill -0 "$pid" || fail "poll died on a broken config"
scrape rack1_energy
# The IT meter's scale slips (read as kW into the W channel): the live finding's gauge is 1.
sed 's|point: total_power,  role: it_total,|point: total_power,  role: it_total, scale: 0.001,|' site.orig.yaml >site.yaml
grep -q 'scale: 0.001' site.yaml || fail "no IT channel to mis-scale"
kill -HUP "$pid"
i=0
until [ "$(grep -c "reloaded" poll.log)" -ge 2 ]; do i=$((i + 1)); [ $i -gt 50 ] && fail "no second reload"; sleep 0.1; done
sleep 2
scrape it_power slip

# A device that stays down: logged once.
kill -9 "$(awk '$2 == "cooling-meter" {print $1}' fleet.pids)"
sleep 4
[ "$(grep -c "cooling-meter" poll.log)" -eq 1 ] || fail "a device that stays down logged $(grep -c cooling-meter poll.log) lines"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "SIGTERM exit code $rc"
cp site.orig.yaml site.yaml
DCS_SRC="$SRC" /usr/bin/python3 - <<'PY' || fail "samples lost"
import glob, os, re, sys, h5py
sys.path.insert(0, os.environ["DCS_SRC"] + "/tests")
from store_h5 import channel, channel_ids
last = [l for l in open("poll.log") if "summary:" in l][-1]
ok, missing = map(int, re.search(r"(\d+) samples ok, (\d+) missing", last).groups())
stored = 0
for p in glob.glob("store/*/*.h5"):
    with h5py.File(p, "r") as f:
        stored += sum(len(channel(f, c)[0]) for c in channel_ids(f))
print(f"polled {ok + missing}, stored {stored}")
raise SystemExit(0 if stored == ok + missing else 1)
PY
# --stats: one JSON line at exit; the dead cooling meter shows up by outcome.
"$D" poll --duration 3.5 --stats --summary-interval 0 -q site.yaml >stats.json 2>>poll.log ||
    fail "poll --stats failed"
/usr/bin/python3 - <<'PY' || fail "poll --stats output"
import json
s = json.loads(open("stats.json").read().splitlines()[-1])
assert s["cycles"] >= 2, s
assert s["samples_written"] == sum(s["samples"].values()), s
assert s["samples"]["ok"] > 0 and s["samples"]["no-connection"] + s["samples"]["backoff"] > 0, s
assert s["devices_down"] == 1 and s["overruns"] == 0, s
assert 0 < s["latency_ms"]["p50"] <= s["latency_ms"]["p99"], s
# Cycle quantiles are upper bucket edges (4 per octave): the p99 of a few cycles
# is the longest cycle's bucket, at most 19 % above it.
c = s["cycle_ms"]
assert 0 < c["p50"] <= c["p99"] and s["max_cycle_ms"] <= c["p99"] <= 1.19 * s["max_cycle_ms"], s
# The same figures are stored with the samples: the newest /poller row is the exit's.
import glob, h5py
rows = []
for p in glob.glob("store/*/*.h5"):
    with h5py.File(p, "r") as f:
        if "poller" in f:
            cols = f["poller/stats"].attrs["columns"]
            cols = (cols.decode() if isinstance(cols, bytes) else cols).split(",")
            rows += [(t, dict(zip(cols, r))) for t, r in zip(f["poller/t_ns"][:], f["poller/stats"][:])]
last = max(rows, key=lambda r: r[0])[1]
assert (last["cycles"], last["samples_ok"], last["samples_written"], last["devices_down"]) == \
    (s["cycles"], s["samples"]["ok"], s["samples_written"], s["devices_down"]), (last, s)
PY
# One row per cycle: a flush interval shorter than the cycle flushes once a
# cycle, after every device's samples, never once per device (11 rows a cycle,
# each nearly empty, would make the day file 11 x larger and cost the CPU).
sed 's/^  store_dir: store$/  store_dir: store_rows/' site.yaml >rows.yaml
grep -q 'store_dir: store_rows' rows.yaml || fail "rows.yaml: no store_dir line to change"
"$D" poll --duration 3.5 --flush-interval 0.5 --stats --summary-interval 0 -q rows.yaml >rows.json 2>>poll.log ||
    fail "poll --flush-interval 0.5 failed"
/usr/bin/python3 - <<'PY' || fail "rows per cycle"
import glob, json, h5py
s = json.loads(open("rows.json").read().splitlines()[-1])
rows = 0
for p in glob.glob("store_rows/*/*.h5"):
    with h5py.File(p, "r") as f:
        rows += f["samples/t_ns"].shape[0]
print(f"{s['cycles']} cycles, {rows} rows")
raise SystemExit(0 if rows == s["cycles"] else 1)
PY
# Long jobs show progress on a terminal and nothing when not on one.
C=$SRC/fixtures/cohort/pilot-2026q4.yaml
script -qec "$D rank $C" /dev/null | grep -q "Monte-Carlo draws 1000/2000" || fail "no progress on a TTY"
[ -z "$("$D" rank "$C" 2>&1 >/dev/null)" ] || fail "progress printed without a TTY"
echo "ok operate_test: metrics, SIGHUP reload and refusal, SIGTERM keeps every sample, no log flood, --stats, TTY progress, self-metrics stored"
