#!/bin/sh
# verdict_test.sh: what the command line refuses. A good site scores with exit 0;
# a mis-scaled UPS meter (values in kW on a W channel) gives a PUE above the
# ceiling: exit 2, the finding in the table and the JSON, the verdicts withheld,
# and a report still written with its "Not publishable" banner; --allow-partial
# prints it marked and exits 0. A facility gap without a counter: coverage below
# 95 %, exit 2. A month of 15-minute history at its own interval: 100 %. A
# meter's scale slipping x1000 on one day: exit 2, though the PUE looks fine. An unknown zone, an impossible date and an empty window: exit 1.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-verdict.XXXXXX")
fail() { echo "FAIL verdict_test: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT INT TERM
cd "$DIR" || fail "no scratch dir"

site() { # site ID: facility and UPS-output power channels in W
    cat >"$1.yaml" <<YAML
site: {id: $1, name: Verdict $1, region: lingang, pue_category: 1,
       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}
devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]
channels:
  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: W, role: facility_total}
  - {id: ups, device: m, function: 4, address: 2, type: float32, kind: power, unit: W, role: it_total}
YAML
}
rows() { # rows FAC UPS [SKIP_FROM SKIP_TO]: 2 h of 1-min rows; fac empty in [SKIP_FROM, SKIP_TO)
    /usr/bin/python3 - "$@" <<'PY'
import sys
fac, ups = sys.argv[1], sys.argv[2]
lo, hi = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (-1, -1)
print("time,fac,ups")
for m in range(121):
    print(f"2026-11-24 {8 + m // 60:02d}:{m % 60:02d}:00,{'' if lo <= m < hi else fac},{ups}")
PY
}
quarters() { # quarters HEADER DAYS FAC_EVEN FAC_ODD UPS [FROM_ROW UPS_FROM_THEN]:
    # 15-minute rows from 2026-11-01T00:00:00+08:00, DAYS x 96 + 1 of them; the
    # facility alternates FAC_EVEN/FAC_ODD; the UPS reads UPS_FROM_THEN from row FROM_ROW
    /usr/bin/python3 - "$@" <<'PY'
import sys
head, days, even, odd, ups = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
row, later = (int(sys.argv[6]), sys.argv[7]) if len(sys.argv) > 7 else (-1, ups)
print("time," + head)
for q in range(days * 96 + 1):
    print(f"@{1793462400 + 900 * q},{even if q % 2 == 0 else odd},{later if 0 <= row <= q else ups}")
PY
}
W="--from 2026-11-24T08:00:00+08:00 --to 2026-11-24T10:00:00+08:00"

site good && rows 1300000 1000000 >good.csv
"$D" import --csv good.csv good.yaml >/dev/null || fail "import good"
"$D" score $W good.yaml >good.txt 2>good.err || fail "good site: exit $? ($(cat good.err))"
grep -q '^PUE1       1.3000' good.txt || fail "good site: PUE 1.3 missing"
grep -q '^grade ' good.txt && ! grep -q withheld good.txt || fail "good site: grade withheld"
# no inventory, no finance: the indicators say why they are missing, never nan
grep -q '^CUE_IT     not measured (no inventory)$' good.txt || fail "good site: CUE_IT: $(grep CUE_IT good.txt)"
grep -q '^EUE        not measured (no finance data)$' good.txt || fail "good site: EUE: $(grep EUE good.txt)"
grep -qiw 'nan\|inf' good.txt && fail "good site: nan or inf in the table: $(grep -iw 'nan\|inf' good.txt)"
"$D" report $W -o good.html good.yaml >/dev/null 2>&1 || fail "good site: report"
grep -q 'not measured (no inventory)' good.html || fail "good site: the report's CUE card gives no reason"
grep -qiw 'nan' good.html && fail "good site: nan in the report"

# UPS output read in kW into a W channel: 1000 'W' against 1.3 MW -> PUE 1300.
site bad && rows 1300000 1000 >bad.csv
"$D" import --csv bad.csv bad.yaml >/dev/null || fail "import bad"
"$D" score $W bad.yaml >bad.txt 2>bad.err; rc=$?
[ $rc -eq 2 ] || fail "mis-scaled site: exit $rc, want 2"
grep -q 'not publishable: PUE 1300.0000 is above the plausible ceiling 4.00' bad.err || fail "reason: $(cat bad.err)"
grep -q '^finding    error   pue_above_max' bad.txt || fail "finding line missing"
grep -q '^grade      withheld: ' bad.txt || fail "grade not withheld"
"$D" score --json $W bad.yaml >bad.json 2>/dev/null
/usr/bin/python3 - <<'PY' || fail "JSON findings"
import json
j = json.load(open("bad.json"))
assert j["publishable"] is False and "ceiling" in j["withheld"], j["withheld"]
assert [f["id"] for f in j["findings"]] == ["pue_above_max"], j["findings"]
assert j["findings"][0]["severity"] == "error"
a = j["assessment"]
assert a["grade"] is None and a["withheld"] and j["index_system"]["composite"] is None
assert j["schema"] == "dcscore.score/2" and j["index_system"]["id"] == "dcscore-default"
assert all(p["met"] is None for p in a["policies"])
PY
# On an index system the composite is withheld too.
"$D" score --json --system "$SRC/engine/index/systems/default.yaml" $W bad.yaml >bads.json 2>/dev/null
/usr/bin/python3 - <<'PY' || fail "index system composite not withheld"
import json
s = json.load(open("bads.json"))["index_system"]
assert s["id"] == "dcscore-default" and s["composite"] is None and "ceiling" in s["withheld"], s
PY
"$D" report $W -o bad.html bad.yaml >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "report of the mis-scaled site: exit $rc, want 2"
grep -q 'Not publishable:</b> PUE 1300.0000' bad.html || fail "report banner missing"
"$D" report $W --lang zh -o bad.zh.html bad.yaml >/dev/null 2>&1
grep -q '不可发布：</b> PUE 1300.0000 高于合理上限' bad.zh.html || fail "zh report: the reason is not in Chinese"
/usr/bin/python3 "$SRC/tests/zh_leaks.py" bad.zh.html bad.yaml "$SRC/engine/index/systems/default.yaml" ||
    fail "English in the zh report of a refused site"
"$D" score --allow-partial $W bad.yaml >/dev/null 2>partial.err || fail "--allow-partial: exit $?"
grep -q 'partial (--allow-partial), verdicts withheld' partial.err || fail "--allow-partial not marked"

# The facility meter silent for rows 30-39 with no counter: the segment from
# minute 29 to 40 is missing, so E_DC is measured for 109 of 120 min (constant
# power: energy coverage = time coverage = 90.8 %).
site gap && rows 1300000 1000000 30 40 >gap.csv
"$D" import --csv gap.csv gap.yaml >/dev/null || fail "import gap"
"$D" score $W gap.yaml >gap.txt 2>gap.err; rc=$?
[ $rc -eq 2 ] || fail "gap: exit $rc, want 2"
grep -q 'coverage 90.8 % (E_DC 90.8 %, E_IT 100.0 %) is below min_coverage 95 %' gap.err || fail "gap reason: $(cat gap.err)"

"$D" report $W -o gap.html gap.yaml >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'Not publishable:</b> coverage 90.8 %' gap.html || fail "gap report: exit $rc, no banner"

# inspect counts the gap as score does: fac 90.8 % over the stored span.
"$D" inspect gap.yaml >gap.inspect 2>&1 || fail "inspect gap: $(cat gap.inspect)"
grep -q '^fac .* 90.8 %$' gap.inspect && grep -q '^ups .* 100.0 %$' gap.inspect || fail "inspect: $(cat gap.inspect)"

# The gap site's last hour is whole and publishable; its month to date (from
# 2026-11-01, almost no data) is not: the report's periods row withholds that PUE
# as insufficient data, with its coverage.
"$D" report --from 2026-11-24T09:00:00+08:00 --to 2026-11-24T10:00:00+08:00 -o gap.html gap.yaml \
    >/dev/null 2>gap-report.err || fail "gap site's whole hour: exit $? ($(cat gap-report.err))"
grep -q 'Month to date.*insufficient data ([0-9.]* %)' gap.html || fail "month-to-date PUE not withheld"

# A month of 15-minute BMS history (November 2026 in Shanghai, 2881 rows),
# imported without touching the site's 120 s gap limit: import states the step
# and the gap limit it keeps for those days (2 x 900 s, as 120 s is 2 polls),
# and the month scores at 100 % coverage with the trapezoid PUE. The facility
# alternates 1200/1400 kW, the UPS gives 1000 kW: every 15-minute trapezoid
# averages 1300 kW, so PUE = 1.3 exactly (the mean of the samples would give
# (1441 x 1200 + 1440 x 1400) / 2881 / 1000 = 1.29993). 30 local days.
quarters "fac (kW),ups (kW)" 30 1200 1400 1000 >bms.csv
site bms
"$D" import --csv bms.csv bms.yaml >bms.out 2>bms.err || fail "import bms: $(cat bms.err)"
grep -q 'imported 2881 rows, 5762 samples, one row every 900 s (median step); gap limit for these days 1800 s' bms.out ||
    fail "import: $(cat bms.out)"
"$D" score --json --bucket 1d --from 2026-11-01 --to 2026-12-01 bms.yaml >bms.json 2>bms.err ||
    fail "bms month: exit $? ($(cat bms.err))"
/usr/bin/python3 - <<'PY' || fail "bms month figures"
import json
j = json.load(open("bms.json"))
assert abs(j["coverage"] - 1) < 1e-12, j["coverage"]
assert abs(j["pue"] - 1.3) < 1e-9, j["pue"]
b = j["buckets"]["rows"]
assert len(b) == 30 and b[0]["start_local"].startswith("2026-11-01T00:00:00+08:00"), (len(b), b[0])
PY

# The UPS meter's scale slips on the third day (kW into the W channel). Over the
# 288 quarter-hours, trapezoids: E_DC = 288 x 1.3 MW, E_IT = 191 x 1 MW + one of
# (1 MW + 1 kW) / 2 + 96 x 1 kW, so PUE = 374.4 / 191.5965 = 1.9541, inside the
# ceiling; but the UPS's day mean steps from (95 x 1 MW + 0.5005 MW) / 96 =
# 994797 W on the second day to 1000 W on the third (x0.001005): refused.
quarters "fac (W),ups (W)" 3 1300000 1300000 1000000 192 1000 >slip.csv
site slip
"$D" import --csv slip.csv slip.yaml >/dev/null 2>&1 || fail "import slip"
"$D" score --from 2026-11-01 --to 2026-11-04 slip.yaml >slip.txt 2>slip.err; rc=$?
[ $rc -eq 2 ] || fail "scale slip: exit $rc, want 2"
grep -q '^PUE1       1.9541' slip.txt || fail "slip PUE: $(grep PUE1 slip.txt)"
grep -q 'not publishable: ups: mean power 994797 W the day before 2026-11-03, 1000 W that day (x0.001005,' slip.err ||
    fail "slip reason: $(cat slip.err)"

# Inputs that cannot be mistaken.
sed 's/store_dir: store}/store_dir: store, timezone: Asia\/Shangai}/' good.yaml >zone.yaml
"$D" score zone.yaml >/dev/null 2>zone.err; rc=$?
[ $rc -eq 1 ] && grep -q "zone.yaml:[0-9]*: site.timezone: 'Asia/Shangai' is not an IANA time zone (closest: Asia/Shanghai" zone.err ||
    fail "unknown zone: exit $rc, $(cat zone.err)"
"$D" import --zone Asia/Shangai --csv good.csv good.yaml >/dev/null 2>izone.err; rc=$?
[ $rc -eq 1 ] && grep -q "closest: Asia/Shanghai" izone.err || fail "import --zone: exit $rc"
"$D" score --from 2026-02-30 good.yaml >/dev/null 2>date.err; rc=$?
[ $rc -eq 1 ] && grep -q "bad time '2026-02-30'" date.err || fail "impossible date: exit $rc, $(cat date.err)"
for t in 9999-01-01 @1e300 @-5; do # outside int64 ns: refused, never a wrapped window
    "$D" score --from "$t" good.yaml >/dev/null 2>big.err; rc=$?
    [ $rc -eq 1 ] && grep -q "bad time '$t': not a valid date and time between 1970 and 2262-04-11" big.err ||
        fail "time $t: exit $rc, $(cat big.err)"
done
"$D" score --from 2026-11-24T10:00:00+08:00 --to 2026-11-24T08:00:00+08:00 good.yaml >/dev/null 2>&1
[ $? -eq 1 ] || fail "--from after --to accepted"
echo "ok   verdict_test.sh"
