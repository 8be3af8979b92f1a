#!/bin/sh
# collect_test.sh: `dcscore collect` on loopback, as sites and a scheduler use it.
# Signed status messages of three sites are accepted (202); a forged, a
# replayed, an oversized and a malformed one are refused with 401, 409, 413 and
# 400 and their reason, and nothing of them is stored; one address over its rate
# gets 429. The schedule (JSON and CSV) gives each site's figures, a site silent
# for 3 intervals as stale and never available, and the placement of 100 TFLOPS
# FP16 in the hand-computed order (B 0.467, A 0.600, C 0.880 kW per TFLOPS).
# A site's history lists its messages; /metrics counts them by result.
set -u
TEST_NAME=collect_test
. "$(cd "${DCS_SRC:-.}" && pwd)/tests/lib.sh"
"$D" keygen --operator op-a -o op-a >ka.out && "$D" keygen --operator op-b -o op-b >kb.out || fail "keygen"
{ echo "operators:"; grep -h '^  - {id:' ka.out kb.out | sed 's/valid_from: [0-9-]*/valid_from: 2026-01-01/'; } >ring.yaml
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$D" collect --listen 127.0.0.1:$PORT --region-store feed.sqlite --keyring ring.yaml --rate 50 2>collect.log &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT INT TERM
DCS_PORT=$PORT DCS_DIR=$DIR /usr/bin/python3 - <<'PY' || fail "see above"
import json, os, sys, time, urllib.request, urllib.error
import nacl.signing
base = "http://127.0.0.1:%s" % os.environ["DCS_PORT"]
def key(op):
    hexsk = open(os.path.join(os.environ["DCS_DIR"], op + ".key")).read().split()[2]
    return nacl.signing.SigningKey(bytes.fromhex(hexsk)[:32])
keys = {"op-a": key("op-a"), "op-b": key("op-b")}
def req(path, body=None, sig=None):
    r = urllib.request.Request(base + path, data=body, method="POST" if body is not None else "GET")
    if sig:
        r.add_header("X-Dcscore-Signature", sig)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
for _ in range(100):            # the collector starts
    try:
        req("/metrics"); break
    except OSError:
        time.sleep(0.1)
now = time.time_ns()
def status(op, site, region, seq, t, pue, it_kw, r16, e16, signer=None):
    b = json.dumps({"schema": "dcscore.status/1", "operator": op, "site": site, "region": region, "seq": seq,
                    "t_ns": t, "interval_s": 60, "pue": pue, "it_kw": it_kw, "facility_kw": pue * it_kw,
                    "fp16": {"rated_tflops": r16, "effective_tflops": e16},
                    "fp32": {"rated_tflops": 10, "effective_tflops": 5}, "coverage": 1, "findings": []}).encode()
    return b, keys[signer or op].sign(b).signature.hex()
def post(b, s, want, reason=""):
    code, text = req("/v1/status", b, s)
    if code != want or reason not in text:
        sys.exit(f"POST: {code} {text!r}, want {want} {reason!r}")
t = now - 30 * 10**9
post(*status("op-a", "qp-a", "qingpu", 1, t, 1.2, 500, 2000, 1000), 202, "accepted")
post(*status("op-a", "qp-b", "qingpu", 1, t, 1.4, 300, 1000, 900), 202)
post(*status("op-b", "lg-c", "lingang", 1, t, 1.1, 400, 4000, 500), 202)
post(*status("op-b", "lg-d", "lingang", 1, now - 600 * 10**9, 1.0, 400, 9000, 1), 202)
post(*status("op-a", "qp-a", "qingpu", 2, t, 9.9, 500, 2000, 1000, signer="op-b"), 401, "does not verify")
post(*status("op-a", "qp-a", "qingpu", 1, t, 9.9, 500, 2000, 1000), 409, "a replay")
post(b" " * 70000, "00", 413, "at most")
post(b"{not json", "00", 400, "not one JSON object")
code, text = req("/v1/schedule")
sched = json.loads(text)
assert code == 200 and sched["schema"] == "dcscore.schedule/2", text
sites = {s["site"]: s for s in sched["sites"]}
assert sites["qp-a"]["pue"] == 1.2 and sites["qp-a"]["seq"] == 1, sites["qp-a"]   # the forged 9.9 is not there
assert sites["lg-d"]["stale"] and sites["lg-d"]["fp16"]["available_tflops"] is None, sites["lg-d"]
assert sites["qp-a"]["fp16"]["available_tflops"] == 1000 and not sites["qp-a"]["stale"]
code, text = req("/v1/schedule?need_tflops=100&precision=fp16")
pl = json.loads(text)["placement"]
order = [(x["site"], round(x["marginal_kw_per_tflops"], 3)) for x in pl["order"]]
assert order == [("qp-b", 0.467), ("qp-a", 0.6), ("lg-c", 0.88)], order
assert {"site": "lg-d", "why": "stale: no message for 3 intervals"} in pl["excluded"], pl
code, text = req("/v1/schedule?format=csv&region=qingpu")
rows = text.strip().split("\r\n")
assert code == 200 and rows[0].startswith("site,region,seq") and len(rows) == 3, rows
code, text = req("/v1/sites/qp-a/history")
h = json.loads(text)
assert [x["seq"] for x in h["status"]] == [1] and h["status"][0]["pue"] == 1.2, h
code, text = req("/v1/schedule?need_tflops=-1")
assert code == 400, (code, text)
for i in range(2, 200):          # over the rate: 50/s with a burst of 100
    b, s = status("op-a", "qp-b", "qingpu", i, t, 1.4, 300, 1000, 900)
    code, text = req("/v1/status", b, s)
    if code == 429:
        break
else:
    sys.exit("no 429 from an address over its rate")
code, text = req("/metrics")
assert 'result="bad_signature"} 1' in text and 'result="replay"} 1' in text and 'result="too_large"} 1' in text, text
PY
kill $PID; wait $PID 2>/dev/null
grep -q "collecting on http://127.0.0.1:$PORT" collect.log || fail "collect.log: $(cat collect.log)"
echo "ok collect_test: accepted, refused by reason, stale, placement by hand, CSV, history, rate limit"
