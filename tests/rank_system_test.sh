#!/bin/sh
# rank_system_test.sh: `dcscore rank --system` on the shipped Shanghai example
# and its Qingpu/Lingang cohort, as a procurement officer reads it: the table
# names the system and its hash, lists the two entries that cannot be ranked
# with their reasons; --explain's points add up to each composite (0.01);
# --json is dcscore.rank/2 and agrees with the table; --csv starts with a UTF-8
# BOM (Excel), --no-bom without; the same draws and seed give the same answer;
# report --procurement --system writes the report a vendor can check.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-rank.XXXXXX")
fail() { echo "FAIL rank_system_test: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT INT TERM
SYS=$SRC/engine/index/systems/shanghai-pilot-example.yaml
C=$SRC/fixtures/cohort/pilot-2026q4-system.csv
cd "$DIR" || fail "no scratch dir"

"$D" rank --system "$SYS" --draws 300 --explain "$C" >t.txt 2>t.err || fail "table: exit $? ($(cat t.err))"
grep -q '^index system shanghai-pilot-example 2026.1-example (sha256 ' t.txt || fail "no system line"
grep -q 'lg-05 .*not ranked: coverage 71 % below the cohort.s 95 %' t.txt || fail "lg-05 reason"
grep -q 'lg-06 .*not ranked: no wue figure (leaf wue)' t.txt || fail "lg-06 reason"
grep -q '^   1  lg-01 ' t.txt || fail "rank 1: $(grep '^   1 ' t.txt)"
"$D" rank --system "$SYS" --draws 300 --json "$C" >r.json 2>/dev/null || fail "json"
/usr/bin/python3 - "$DIR/t.txt" <<'PY' || fail "explain/json"
import json, re, sys
j = json.load(open("r.json"))
assert j["schema"] == "dcscore.rank/2" and len(j["system"]["sha256"]) == 64
ranked = [e for e in j["entries"] if e["ranked"]]
assert len(ranked) == 10 and [e["id"] for e in j["entries"] if not e["ranked"]] == ["lg-05", "lg-06"]
for e in ranked:  # the points add up to the composite
    assert abs(sum(l["points"] for l in e["leaves"]) - e["composite"]) < 1e-3, e["id"]
leaves = [n for n in j["system"]["nodes"] if n["leaf"]]
for e in ranked:  # a rank under each node's weight +-20 %, for every node
    assert set(e["sensitivity"]) == {n["id"] for n in j["system"]["nodes"]}, e["id"]
    assert all(1 <= r <= 10 for pair in e["sensitivity"].values() for r in pair), e["id"]
assert abs(sum(n["global_weight"] for n in leaves) - 1) < 1e-6
text = open(sys.argv[1]).read()
for e in ranked:  # the table shows the JSON's composite
    assert re.search(rf"^\s*{e['rank']}\s+{e['id']}\s.*\s{e['composite']:.2f}\s", text, re.M), e["id"]
PY
"$D" rank --system "$SYS" --draws 300 --csv "$C" >r.csv 2>/dev/null || fail "csv"
head -c 3 r.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "no BOM"
"$D" rank --system "$SYS" --draws 300 --csv --no-bom "$C" | head -c 4 | grep -q '^rank' || fail "--no-bom"
"$D" rank --system "$SYS" --draws 300 --json "$C" 2>/dev/null | cmp -s - r.json || fail "same seed, other answer"
"$D" rank --system "$SYS" --min-coverage 95 "$C" >/dev/null 2>bad.err; rc=$?
[ $rc -eq 1 ] && grep -q "bad value '95' for --min-coverage (0..1)" bad.err || fail "--min-coverage 95: exit $rc"
# The procurement report on the system: dated, the system's hash, every ranked
# entry, each expert's CR, and the ranking CSV (with a BOM) beside it.
"$D" report --procurement --system "$SYS" --lang zh -o proc.html "$C" >proc.out 2>proc.err ||
    fail "report --procurement --system: exit $? ($(cat proc.err))"
hash=$(/usr/bin/python3 -c 'import json; print(json.load(open("r.json"))["system"]["sha256"])')
grep -q "SHA-256 $hash" proc.html || fail "report: no system hash"
grep -q '日期' proc.html && grep -q '专家 1: CR 0.0074' proc.html || fail "report: date or expert CR"
grep -q '权重敏感性' proc.html && grep -q 'energy +20%' proc.html || fail "report: no sensitivity per group"
for id in lg-01 qp-04 qp-06; do grep -q "($id)" proc.html || fail "report: $id missing"; done
grep -q '未参与排名: 临港存储L Lingang Storage L &mdash; no wue figure' proc.html || fail "report: not ranked"
head -c 3 proc.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "report CSV: no BOM"
# A cohort YAML (docs/rank.md) on the default system ranks as `rank` does.
"$D" rank --json "$SRC/fixtures/cohort/pilot-2026q4.yaml" >v1.json 2>/dev/null || fail "rank v1"
"$D" rank --system "$SRC/engine/index/systems/default.yaml" --json "$SRC/fixtures/cohort/pilot-2026q4.yaml" \
    >v2.json 2>/dev/null || fail "rank --system on a cohort YAML"
/usr/bin/python3 - <<'PY' || fail "default system on the cohort YAML differs from rank"
import json
a = {e["id"]: e for e in json.load(open("v1.json"))["entries"]}
b = {e["id"]: e for e in json.load(open("v2.json"))["entries"]}
assert a.keys() == b.keys()
for i in a:
    assert a[i]["ranked"] == b[i]["ranked"], i
    if a[i]["ranked"]:
        assert a[i]["rank"] == b[i]["rank"] and abs(a[i]["composite"] - b[i]["composite"]) < 1e-3, i
PY

# The regional report on the system: Qingpu's sites only, in cohort rank order,
# every leaf's figure and score.
"$D" report --region qingpu --system "$SYS" --lang zh -o qp.html "$C" >/dev/null 2>qp.err ||
    fail "report --region --system: exit $? ($(cat qp.err))"
grep -q '水资源使用效率' qp.html && grep -q '青浦算力D' qp.html || fail "regional report: leaves or sites missing"
! grep -q '临港' qp.html || fail "regional report shows another region's site"
echo "ok   rank_system_test.sh"
