#!/bin/sh
# reports_test.sh: every report rendered by headless Chromium (PNG screenshot and
# PDF) in English and Chinese: the page is not blank, it carries the figures that
# `dcscore score --json` gives, and a site named <script>alert(1)</script> shows
# as text. Cohort reports: the pilot office's region report and its scheduling
# feed, the procurement report and its CSV.
set -u
BUILD=$(cd "${DCS_BUILD:-build}" && pwd)
SRC=$(cd "${DCS_SRC:-.}" && pwd)
D=$BUILD/dcscore
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dcscore-reports.XXXXXX")
fail() { echo "FAIL reports_test: $*"; exit 1; }
trap 'rm -rf "$DIR"' EXIT INT TERM
cd "$DIR" || fail "no scratch dir"
[ -x /usr/bin/chromium ] || fail "chromium is not installed (make deps installs it)"

cat >site.yaml <<'YAML'
site: {id: xss-01, name: "<script>alert(1)</script> 临港", region: lingang, pue_category: 1,
       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}
devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]
channels:
  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: kW, role: facility_total}
  - {id: it, device: m, function: 4, address: 2, type: float32, kind: power, unit: kW, role: it_total}
YAML
/usr/bin/python3 - <<'PY'
with open("h.csv", "w") as f:
    f.write("time,fac,it\n")
    for m in range(121):
        f.write(f"2026-11-24 {8 + m // 60:02d}:{m % 60:02d}:00,{1300 + (m % 7) * 3},{1000 + (m % 5) * 2}\n")
PY
"$D" import --csv h.csv site.yaml >/dev/null || fail "import failed"
"$D" score --json site.yaml >score.json || fail "score failed"
pue=$(/usr/bin/python3 -c 'import json; print("%.3f" % json.load(open("score.json"))["pue"])')

shot() { # HTML PNG: screenshot, and the page must not be blank
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$DIR/prof" \
        --window-size=1000,1300 --screenshot="$2" "file://$1" >/dev/null 2>&1
    [ -s "$2" ] && [ "$(stat -c %s "$2")" -gt 30000 ] || fail "$2 is missing or blank"
}

for lang in en zh; do
    out=$("$D" report --lang $lang --pdf -o site.$lang.html site.yaml) || fail "site report ($lang)"
    [ "$(echo "$out" | wc -l)" -eq 2 ] || fail "site report ($lang) did not print HTML and PDF paths"
    grep -q '<script>' site.$lang.html && fail "an unescaped <script> in site.$lang.html"
    grep -q '&lt;script&gt;alert(1)&lt;/script&gt; 临港' site.$lang.html || fail "site name not shown as text ($lang)"
    pdftotext site.$lang.pdf site.$lang.txt || fail "site.$lang.pdf is not a PDF"
    grep -q "$pue" site.$lang.txt || fail "PUE $pue missing from the $lang PDF"
    grep -q '<script>alert(1)</script>' site.$lang.txt || fail "the site name is not printed as text ($lang)"
    shot "$DIR/site.$lang.html" site.$lang.png
done
grep -q "Energy split" site.en.txt || fail "English labels missing"
grep -q "能耗构成" site.zh.txt || fail "Chinese labels missing"
grep -q "2026年11月24日" site.zh.txt || fail "Chinese dates missing"

C=$SRC/fixtures/cohort/pilot-2026q4.yaml
"$D" report --region qingpu --lang en --pdf -o qp-en.html "$C" >/dev/null || fail "region report (en)"
pdftotext qp-en.pdf qp-en.txt && grep -q "Effective compute efficiency evaluation" qp-en.txt || fail "region PDF (en)"
shot "$DIR/qp-en.html" qp-en.png
"$D" report --region qingpu --lang zh --pdf -o qp.html "$C" >/dev/null || fail "region report"
pdftotext qp.pdf qp.txt && grep -q "有效算力效率评估" qp.txt && grep -q "qp-04" qp.txt || fail "region PDF content"
# zh: the region, grades and policy rules in Chinese from the policy file, each rule
# whose wording is not yet the primary document's marked, and no placeholder
grep -q "<title>[^<]*青浦区" qp.html || fail "region title not 青浦区"
grep -q "GB 40879 [123]级" qp.html || fail "grades not in Chinese"
grep -q "长三角示范区枢纽" qp.html && grep -q "非官方译文" qp.html || fail "policy rules not in Chinese, or not marked"
grep -qi "verify wording" qp.html && fail "a wording placeholder in the regional report"
grep -q "评估结论" qp.html && grep -q "综合评分最高的是" qp.html || fail "no conclusions in the zh regional report"
grep -q "个排名数据中心符合" qp.html || fail "no per-rule count in the zh conclusions"
grep -q "PUE 与有效算力效率" qp.html && grep -q "<circle" qp.html || fail "no PUE/CUE scatter in the regional report"
for part in 发布日期 区域汇总 附录：方法与数据质量; do
    grep -q "$part" qp.html || fail "the zh regional report has no $part"
done
# no English in the zh site and regional reports outside ids, names, units and standards
/usr/bin/python3 "$SRC/tests/zh_leaks.py" site.zh.html site.yaml "$SRC/engine/index/systems/default.yaml" ||
    fail "English in the zh site report"
/usr/bin/python3 "$SRC/tests/zh_leaks.py" qp.html "$C" "$SRC/fixtures/cohort/vendors.csv" "$SRC/engine/index/policy.yaml" "$SRC/engine/index/systems/default.yaml" ||
    fail "English in the zh regional report"
shot "$DIR/qp.html" qp.png
/usr/bin/python3 - <<'PY' || fail "scheduling feed"
import csv, json
j = json.load(open("qp.schedule.json"))
assert j["schema"] == "dcscore.schedule/1" and len(j["sites"]) == 7, j
s = {x["id"]: x for x in j["sites"]}
assert abs(s["qp-04"]["available_tflops"] - (60000 - 22800)) < 1e-6
assert abs(s["qp-01"]["cue_dc_tflops_per_kw"] - 32.0 / 1.18) < 1e-3
assert len(list(csv.DictReader(open("qp.schedule.csv")))) == 7
PY
"$D" report --procurement --lang zh --pdf -o proc-zh.html "$C" >/dev/null || fail "procurement report (zh)"
/usr/bin/python3 "$SRC/tests/zh_leaks.py" proc-zh.html "$C" "$SRC/fixtures/cohort/vendors.csv" "$SRC/engine/index/policy.yaml" \
    "$SRC/engine/index/systems/default.yaml" || fail "English in the zh procurement report"
pdftotext proc-zh.pdf proc-zh.txt && grep -q "权重敏感性" proc-zh.txt || fail "procurement PDF (zh)"
shot "$DIR/proc-zh.html" proc-zh.png
"$D" report --procurement --pdf -o proc.html "$C" >/dev/null || fail "procurement report"
pdftotext proc.pdf proc.txt || fail "procurement PDF"
top=$("$D" rank --json "$C" | /usr/bin/python3 -c 'import json,sys; e=[x for x in json.load(sys.stdin)["entries"] if x.get("rank")==1][0]; print(e["id"], "%.1f" % e["composite"])')
grep -q "${top% *}" proc.txt && grep -q "${top#* }" proc.txt || fail "procurement PDF lacks the first place ($top)"
grep -q "Sensitivity to weights" proc.txt || fail "no sensitivity table"
[ "$(wc -l <proc.csv)" -eq 15 ] || fail "procurement CSV should have 14 rows and a header"
head -c 3 proc.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "procurement CSV: no BOM for Excel"
"$D" rank --csv --no-bom "$C" 2>/dev/null | head -c 4 | grep -q '^rank' || fail "rank --csv --no-bom"
shot "$DIR/proc.html" proc.png
# No nan or inf in any report, feed or CSV; every PDF a few numbered A4 pages
for out in site.en.html site.zh.html qp-en.html qp.html proc.html proc-zh.html qp.schedule.json qp.schedule.csv \
    proc.csv site.en.txt site.zh.txt qp.txt proc.txt proc-zh.txt; do
    [ -f "$out" ] || continue
    grep -qiw 'nan\|inf\|-inf' "$out" && fail "$out prints nan or inf: $(grep -oiw '.\{30\}nan.\{10\}' "$out" | head -2)"
done
for pdf in site.en.pdf site.zh.pdf qp-en.pdf qp.pdf proc.pdf proc-zh.pdf; do
    pages=$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')
    [ "$pages" -ge 1 ] && [ "$pages" -le 12 ] || fail "$pdf: $pages pages (want 1..12)"
    pdftotext "$pdf" - | grep -q "^Page 1 of $pages\$\|^第 1 页，共 $pages 页\$" || fail "$pdf: pages not numbered"
done
echo "ok reports_test: site, region and procurement reports in en and zh: HTML, PNG, PDF"
