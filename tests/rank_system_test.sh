#!/bin/sh
# rank_system_test.sh: `dcscore rank --system` on the shipped Shanghai example
# and its Qingpu/Lingang cohort, as a procurement officer reads it: the table
# names the system and its hash, lists the two entries that cannot be ranked
# with their reasons; --explain's points add up to each composite (0.01);
# --json is dcscore.rank/2 and agrees with the table; --csv starts with a UTF-8
# BOM (Excel), --no-bom without; the same draws and seed give the same answer;
# report --procurement --system writes the report a vendor can check; a cohort
# YAML without a system ranks on the default one, or on the one it names; the
# regional report refuses an unknown region and counts only ranked sites.
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
grep -q '未参与排名: 临港存储L Lingang Storage L &mdash; 缺少指标 wue 的数值' proc.html || fail "report: not ranked"
head -c 3 proc.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "report CSV: no BOM"
# A cohort YAML (docs/rank.md) without a system is ranked on the shipped default:
# lg-01 (PUE 1.12, CUE 45, EUE 16): scores 97.778, 100 (clamped), 53.333 with
# weights 0.296961, 0.539615, 0.163424 -> 91.714 (1e-3).
"$D" rank --json "$SRC/fixtures/cohort/pilot-2026q4.yaml" >v1.json 2>/dev/null || fail "rank cohort YAML"
/usr/bin/python3 - <<'PY' || fail "default system on the cohort YAML"
import json
j = json.load(open("v1.json"))
assert j["system"]["id"] == "dcscore-default", j["system"]
e = {x["id"]: x for x in j["entries"]}
assert e["lg-01"]["rank"] == 1 and abs(e["lg-01"]["composite"] - 91.714) < 1e-3, e["lg-01"]
assert not e["qp-07"]["ranked"] and "coverage 62 %" in e["qp-07"]["why_not"]
PY
# A cohort names its own system (relative to the cohort file): fixed 1:1:2 on
# the default anchors; x (1.2, 20, 10): 0.25 x 88.889 + 0.25 x 50 + 0.5 x 33.333
# = 51.389. --system overrides it. A cohort's own method is refused.
cat >fixed.yaml <<'Y'
index_system: {id: fixed3, version: '1', source: test, weights: {method: fixed}}
nodes:
  - {id: pue, weight: 1, indicator: pue, normalise: {method: linear, best: 1.10, worst: 2.00}}
  - {id: cue, weight: 1, indicator: compute_eff_it, normalise: {method: linear, best: 40, worst: 0}}
  - {id: eue, weight: 2, indicator: econ_output, normalise: {method: linear, best: 30, worst: 0}}
Y
cat >own.yaml <<'Y'
cohort: {name: own, system: fixed.yaml, draws: 0}
sites: [{id: x, name: X, region: qingpu, pue: 1.2, cue_tflops_per_kw: 20, eue_yuan_per_kwh: 10, coverage: 0.99}]
Y
"$D" rank --json own.yaml >own.json 2>own.err || fail "cohort system: exit $? ($(cat own.err))"
/usr/bin/python3 -c 'import json; j = json.load(open("own.json")); assert j["system"]["id"] == "fixed3" and abs(j["entries"][0]["composite"] - 51.389) < 1e-3, j' ||
    fail "cohort's own system not used"
"$D" rank --system "$SRC/engine/index/systems/default.yaml" --json own.yaml 2>/dev/null | grep -q '"id": "dcscore-default"' ||
    fail "--system does not override the cohort's system"
printf 'cohort:\n  name: t\n  method: entropy\nsites: []\n' >old.yaml
"$D" rank old.yaml >/dev/null 2>old.err && fail "a cohort method was accepted"
grep -q 'old.yaml:3: cohort.method: the weights and the method are the index system' old.err || fail "method: $(cat old.err)"

# The regional report on the default system: a misspelt region is refused and
# writes nothing; Qingpu's site at 62 % coverage is listed as not ranked and left
# out of the medians and compliance (Sites 7, Ranked 6).
"$D" report --region qinpu -o typo.html "$SRC/fixtures/cohort/pilot-2026q4.yaml" >/dev/null 2>typo.err &&
    fail "an unknown region gave a report"
grep -q "no entry of region 'qinpu' (the cohort's regions: qingpu, lingang)" typo.err || fail "typo: $(cat typo.err)"
[ ! -e typo.html ] || fail "an unknown region wrote a report"
"$D" report --region qingpu -o qd.html "$SRC/fixtures/cohort/pilot-2026q4.yaml" >/dev/null 2>&1 || fail "region report"
/usr/bin/python3 - <<'PY' || fail "regional report counts a site that is not ranked"
import re
t = re.sub(r"<[^>]+>", " ", open("qd.html").read())
t = re.sub(r"\s+", " ", t)
assert re.search(r"Sites 7 ", t) and re.search(r"Ranked 6 ", t), t[:800]
assert "Not ranked: Qingpu Newcomer N" in t and "coverage 62 %" in t
assert "qp-07 " not in t.split("Compliance with the regional limits")[1].split("Not ranked")[0]
PY

# The regional report on the system: Qingpu's sites only, in cohort rank order,
# every leaf's figure and score.
"$D" report --region qingpu --system "$SYS" --lang zh -o qp.html "$C" >/dev/null 2>qp.err ||
    fail "report --region --system: exit $? ($(cat qp.err))"
grep -q '水资源使用效率' qp.html && grep -q '青浦算力D' qp.html || fail "regional report: leaves or sites missing"
! grep -q '临港' qp.html || fail "regional report shows another region's site"
echo "ok   rank_system_test.sh"
