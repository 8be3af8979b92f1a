#!/bin/sh
# report_periods_test.sh: the site report at every period length. A year of
# 15-minute history at 472 kW facility and 400 kW IT (PUE 1.18): the report of
# a day has 24 hourly rows, of a month 30 daily rows, of the year 12 monthly
# rows; energies scale (a day 11.33 MWh of E_DC, the year 4134.72 MWh: 472 kW x
# 8760 h), the period is given in days, and no nan or inf is printed. Month to
# date with 2 days of data in 20 reads "insufficient data (10.0 %)". A month
# report draws its PUE as a heatmap of 720 hourly cells; a day's has none.
# Printed, a month and a year are 2 to 6 numbered A4 pages. Two monthly
# submissions in a regional store: the regional report states the change of
# the median PUE against the previous period.
set -u
TEST_NAME=report_periods_test
. "$(cd "${DCS_SRC:-.}" && pwd)/tests/lib.sh"
cat >site.yaml <<'YAML'
site: {id: yr-01, name: Year site, region: lingang, pue_category: 1, poll_interval_ms: 900000, store_dir: store}
devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]
channels:
  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: kW, role: facility_total}
  - {id: it, device: m, function: 4, address: 2, type: float32, kind: power, unit: kW, role: it_total}
YAML
/usr/bin/python3 "$SRC/tests/data/quarters.py" 2026-01-01 365 fac=472 it=400 >year.csv
"$D" import --csv year.csv site.yaml >import.log 2>&1 || fail "import: $(cat import.log)"

rows() { # rows FILE TITLE: the rows of the report's interval table
    /usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.index("<h2>" + sys.argv[2])
print(s[i:s.index("</table>", i)].count("<tr><td"))
PY
}
check() { # check FROM TO TITLE ROWS ENERGY [LANG]
    "$D" report --from "$1" --to "$2" --lang "${6:-en}" -o r.html site.yaml >rep.log 2>&1 || fail "report $1..$2: $(cat rep.log)"
    n=$(rows r.html "$3") || fail "no '$3' table in the report of $1..$2"
    [ "$n" -eq "$4" ] || fail "report $1..$2: $n rows in '$3', want $4"
    grep -q "E_DC<b>$5</b>MWh" r.html || fail "report $1..$2: E_DC is not $5 MWh"
    grep -qiw 'nan\|inf' r.html && fail "report $1..$2: nan or inf printed"
    return 0
}
check 2026-03-10 2026-03-11 "Per interval" 24 "11.33"
grep -q "PUE by hour of day" r.html && fail "a day report has a heatmap"
check 2026-04-01 2026-05-01 "Per day" 30 "339.84"
# the month's heatmap: one cell per hour, 30 x 24
[ "$(grep -c '<rect x="[0-9.]*" y="[0-9]*" width="[0-9.]*" height="9" fill="#' r.html)" -eq 720 ] ||
    fail "the month's PUE heatmap does not have 720 hourly cells"
check 2026-01-01 2027-01-01 "Per month" 12 "4134.72"
check 2026-01-01 2027-01-01 "逐月统计" 12 "4134.72" zh
grep -q "365 天" r.html || fail "the year is not given in days"
# Printed: a month and a year fit a few numbered A4 pages (not 29 of hourly rows)
for span in "2026-04-01 2026-05-01" "2026-01-01 2027-01-01"; do
    set -- $span
    "$D" report --pdf --from "$1" --to "$2" -o p.html site.yaml >/dev/null 2>&1 || fail "report --pdf $1..$2"
    pages=$(pdfinfo p.pdf | sed -n 's/^Pages: *//p')
    [ "$pages" -ge 2 ] && [ "$pages" -le 6 ] || fail "report $1..$2: $pages PDF pages, want 2..6"
    pdftotext p.pdf - | grep -q "^Page $pages of $pages$" || fail "report $1..$2: pages are not numbered"
done
# From a regional store with two months: the conclusions compare the median PUE
# with the previous period's (both 1.18: +0.000); submit takes a named period
cp "$SRC/tests/data/pue-only.yaml" pue.yaml
"$D" keygen --operator op-yr -o op-yr | grep '^  - {id:' | sed '1i operators:' >ring.yaml || fail "keygen"
for m in 2026-03 2026-04; do
    "$D" submit --key op-yr.key --system pue.yaml --period $m -o $m.dcsb site.yaml >sub.log 2>&1 || fail "submit $m: $(cat sub.log)"
    grep -q "period $m," sub.log || fail "submit --period $m: $(cat sub.log)"
done
"$D" region ingest --region-store r.sqlite --keyring ring.yaml --system pue.yaml 2026-03.dcsb 2026-04.dcsb >ing.log 2>&1 ||
    fail "ingest: $(cat ing.log)"
"$D" report --region lingang --region-store r.sqlite --period 2026-04 --system pue.yaml -o rs.html >/dev/null 2>&1 ||
    fail "regional report from the store"
grep -q "Median PUE 1.180 against 1.180 in the previous period (2026-03, 1 sites): +0.000." rs.html ||
    fail "no change against the previous period: $(grep -o 'Conclusions.\{0,400\}' rs.html)"
# Month to date with two days of data in twenty: "insufficient data", not a PUE
sed -e 's/id: yr-01/id: md-01/' -e 's/store_dir: store/store_dir: store-md/' site.yaml >md.yaml
/usr/bin/python3 "$SRC/tests/data/quarters.py" 2026-03-19 2 fac=472 it=400 >md.csv
"$D" import --csv md.csv md.yaml >/dev/null 2>&1 || fail "import md"
"$D" report --from 2026-03-20 --to 2026-03-21 -o md.html md.yaml >/dev/null 2>&1 || fail "report md"
grep -q "insufficient data (10.0 %)" md.html || fail "month to date: $(grep -o 'Month to date.\{0,200\}' md.html)"
echo "ok report_periods_test"
