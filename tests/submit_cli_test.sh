#!/bin/sh
# submit_cli_test.sh: the submission commands as an operator and a pilot office
# use them. keygen writes a 0600 key (never over one); submit writes a bundle
# that tar, Python's tarfile and h5py open as docs/submit.md says; region ingest
# accepts it (PUE 1.5 by hand: 1200 W facility over 800 W IT for two days),
# list and show answer what operator op-qp submitted; a second ingest is a
# replay (exit 2, nothing stored); rank and the regional report take their
# entries from the store, each naming its bundle (composite on a PUE-only
# system: 100 x (2.0 - 1.5) / (2.0 - 1.1) = 55.56), the regional totals by
# hand (E_DC 0.06 MWh, FP16 rated 9900 / effective 4950 TFLOPS); a key others
# may read is refused (exit 1).
set -u
TEST_NAME=submit_cli_test
. "$(cd "${DCS_SRC:-.}" && pwd)/tests/lib.sh"

cat >site.yaml <<'YAML'
site: {id: qp-cli, name: Qingpu CLI, region: qingpu, pue_category: 1,
       poll_interval_ms: 900000, store_dir: store}
devices: [{id: m, protocol: snmp, host: 127.0.0.1, port: 16161, community: n0t-in-any-bundle}]
channels:
  - {id: fac, device: m, oid: 1.3.6.1.4.1.99.1, kind: power, unit: W, role: facility_total}
  - {id: it, device: m, oid: 1.3.6.1.4.1.99.2, kind: power, unit: W, role: it_total}
  - {id: util, device: m, oid: 1.3.6.1.4.1.99.3, kind: utilisation, unit: percent, role: server}
inventory:
  servers: [{id: gpu, count: 10, utilisation: util, fp32_tflops: 60, fp16_tflops: 990}]
YAML
/usr/bin/python3 "$SRC/tests/data/quarters.py" 2026-11-01 2 fac=1200 it=800 util=50 >hist.csv
"$D" import --csv hist.csv site.yaml >import.log 2>&1 || fail "import: $(cat import.log)"

mkdir keys
"$D" keygen --operator op-qp -o keys/op-qp >keygen.out || fail "keygen"
[ "$(stat -c %a keys/op-qp.key)" = 600 ] || fail "the private key is not 0600"
"$D" keygen --operator op-qp -o keys/op-qp >/dev/null 2>err.txt && fail "keygen overwrote a key"
grep -q "exists" err.txt || fail "keygen over a key: $(cat err.txt)"
{ echo "operators:"; grep '^  - {id: op-qp' keygen.out; } >keyring.yaml
cp "$SRC/tests/data/pue-only.yaml" pue.yaml

"$D" submit --key keys/op-qp.key --system pue.yaml --from 2026-11-01 --to 2026-11-03 site.yaml >submit.out 2>&1 ||
    fail "submit: $(cat submit.out)"
B=$(head -1 submit.out)
[ -f "$B" ] || fail "no bundle named in: $(cat submit.out)"
[ "$(cat keys/op-qp.key.seq)" = 1 ] || fail "the submission number was not recorded"
grep -q "n0t-in-any-bundle" "$B" && fail "the SNMP community is in the bundle"
[ "$(tar -tf "$B" | head -2 | tr '\n' ' ')" = "manifest.json manifest.sig " ] || fail "tar lists: $(tar -tf "$B")"
/usr/bin/python3 - "$B" <<'PY' || fail "the documented h5py example does not read the bundle"
import sys, tarfile, json, hashlib, io, h5py
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))
    for f in m["files"]:
        data = t.extractfile(f["name"]).read()
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["name"]
    day = [f["name"] for f in m["files"] if "/rollup/" in f["name"]][0]
    with h5py.File(io.BytesIO(t.extractfile(day).read()), "r") as h:
        assert list(h["PT15M"]["e_wh"].shape)[0] == 96
assert abs(m["claimed"]["pue"] - 1.5) < 1e-12, m["claimed"]["pue"]
PY

"$D" region ingest --region-store region.sqlite --keyring keyring.yaml --system pue.yaml "$B" >ingest.out 2>&1 ||
    fail "ingest: $(cat ingest.out)"
grep -q "^accepted .*submission #1, site qp-cli.*composite 55.56" ingest.out || fail "ingest said: $(cat ingest.out)"
[ -f "region.sqlite.archive/$(sha256sum "$B" | cut -c1-64).dcsb" ] || fail "the bundle was not archived"
"$D" region list --region-store region.sqlite --operator op-qp >list.out || fail "list"
grep -q "qp-cli .*accepted" list.out || fail "list: $(cat list.out)"
"$D" region show --region-store region.sqlite 1 >show.out || fail "show"
grep -Eq "^pue +1.5 +1.5" show.out || fail "show: $(cat show.out)"
"$D" region ingest --region-store region.sqlite --keyring keyring.yaml "$B" >again.out 2>&1
[ $? -eq 2 ] || fail "a replay was not exit 2"
grep -q "refused .*a replay" again.out || fail "replay: $(cat again.out)"
[ "$("$D" region list --region-store region.sqlite | wc -l)" -eq 2 ] || fail "the replay was stored"

DIGEST=$(sha256sum "$B" | cut -c1-64)
P=2026-11-01..2026-11-03
"$D" rank --region-store region.sqlite --period $P --system pue.yaml --draws 0 >rank.out 2>&1 ||
    fail "rank from the store: $(cat rank.out)"
grep -Eq "^ +1 +qp-cli .* 55.56" rank.out || fail "rank: $(cat rank.out)"
grep -Eq "qp-cli +submission #1, bundle sha256 $DIGEST" rank.out || fail "rank names no bundle: $(cat rank.out)"
"$D" rank --region-store region.sqlite --period $P --system pue.yaml --draws 0 --json | grep -q "\"source\": \"submission #1, bundle sha256 $DIGEST\"" ||
    fail "rank --json names no bundle"
"$D" rank --region-store region.sqlite --period 2026-10 --system pue.yaml >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -q "no accepted submission for period '2026-10'" err.txt || fail "an empty period: $(cat err.txt)"
"$D" report --region qingpu --region-store region.sqlite --period $P --system pue.yaml -o qp.html >rep.out 2>&1 ||
    fail "regional report from the store: $(cat rep.out)"
grep -q "qp-cli" qp.html || fail "the regional report lacks the site"
grep -q "submission #1, bundle sha256 $DIGEST" qp.html || fail "the regional report names no bundle"
# its totals and period come from the store: E_DC 1200 W x 48 h = 0.0576 MWh, the region's PUE 1.5
grep -q 'PUE of the region<b>1.500</b>' qp.html && grep -q 'E_DC<b>0.06</b>MWh' qp.html ||
    fail "the regional report's totals: $(grep -o 'Regional totals.\{0,300\}' qp.html)"
grep -q "<td class=\"l\">$P</td>" qp.html || fail "the regional report does not give the site's period"
# compute by precision, by hand: 10 servers of 990 FP16 and 60 FP32 TFLOPS at 50 %
for want in "AI compute (FP16), rated<b>9900</b>" "AI compute (FP16), effective<b>4950</b>" \
    "General compute (FP32), rated<b>600</b>" "General compute (FP32), effective<b>300</b>"; do
    grep -q "$want" qp.html || fail "the regional totals lack '$want'"
done
"$D" report --procurement --region-store region.sqlite --period $P --system pue.yaml --lang zh -o pr.html >rep.out 2>&1 ||
    fail "procurement report from the store: $(cat rep.out)"
grep -q "签名数据来源" pr.html && grep -q "bundle sha256 $DIGEST" pr.html || fail "the procurement report names no bundle"

chmod 644 keys/op-qp.key
"$D" submit --key keys/op-qp.key --from 2026-11-01 --to 2026-11-03 site.yaml >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "a readable key was used"
grep -q "chmod 600" err.txt || fail "key mode: $(cat err.txt)"
echo "ok submit_cli_test"
