#!/usr/bin/python3
# feed_check.py CHECK ARGS: what feed_live_test.sh asks of the collector at
# $DCS_BASE (HTTPS, verified by $DCS_CA). Exits 0 when the check holds, else 1
# with the reason on stderr.
#   fresh SITE...        each site is in the schedule, not stale, with figures
#   stale SITE           the site is stale, its available compute null
#   refusals MSG_FILE    the queued message MSG_FILE (already delivered) replayed:
#                        409; with a figure changed under its signature: 401;
#                        a 70,000-byte body: 413; each with its reason
#   placement            100 TFLOPS FP16: lg-c, qp-b, qp-a, marginals by hand
#   sequence SITE N      the site's messages are 1..N, received in that order
import json, os, ssl, sys, urllib.error, urllib.request

BASE = os.environ["DCS_BASE"]
CTX = ssl.create_default_context(cafile=os.environ["DCS_CA"])

def req(path, body=None, sig=None):
    r = urllib.request.Request(BASE + path, data=body, method="POST" if body is not None else "GET")
    if sig:
        r.add_header("X-Dcscore-Signature", sig)
    try:
        with urllib.request.urlopen(r, timeout=10, context=CTX) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def sites():
    code, text = req("/v1/schedule")
    assert code == 200, (code, text)
    return {s["site"]: s for s in json.loads(text)["sites"]}

def fresh(*ids):
    s = sites()
    for i in ids:
        assert i in s and not s[i]["stale"] and s[i]["pue"] is not None, s.get(i)
        assert s[i]["fp16"]["available_tflops"] is not None, s[i]

def stale(i):
    s = sites()[i]
    assert s["stale"] and s["fp16"]["available_tflops"] is None and s["fp32"]["available_tflops"] is None, s

def refusals(path):
    raw = open(path, "rb").read()
    head, body = raw.split(b"\n", 1)
    sig = head.split()[3].decode()
    want = [(body, sig, 409, "a replay"),
            (body.replace(b'"interval_s": 2', b'"interval_s": 3'), sig, 401, "does not verify"),
            (b" " * 70000, sig, 413, "at most")]
    for b, s, code, why in want:
        got, text = req("/v1/status", b, s)
        assert got == code and why in text, (got, text, code, why)

def placement():
    code, text = req("/v1/schedule?need_tflops=100&precision=fp16")
    assert code == 200, (code, text)
    doc = json.loads(text)
    s = {x["site"]: x for x in doc["sites"]}
    order = [x["site"] for x in doc["placement"]["order"]]
    assert order == ["lg-c", "qp-b", "qp-a"], (order, doc["placement"])
    for x in doc["placement"]["order"]:
        f = s[x["site"]]
        by_hand = f["pue"] * f["it_kw"] / f["fp16"]["effective_tflops"]
        assert abs(x["marginal_kw_per_tflops"] - by_hand) <= 1e-3 * by_hand, (x, by_hand)
    m = {x["site"]: x["marginal_kw_per_tflops"] for x in doc["placement"]["order"]}
    # the same meters, inventories x1, x2, x4: ratios 2 and 4 within the
    # spread of samples taken a few milliseconds apart
    assert abs(m["qp-a"] / m["lg-c"] - 4) < 0.2 and abs(m["qp-b"] / m["lg-c"] - 2) < 0.1, m

def sequence(site, n):
    code, text = req("/v1/sites/%s/history" % site)
    assert code == 200, (code, text)
    h = json.loads(text)["status"]
    seqs = [x["seq"] for x in h]
    assert seqs == list(range(1, int(n) + 1)), (site, n, seqs)
    rx = [x["received_ns"] for x in h]
    assert rx == sorted(rx), (site, "received out of order")

try:
    globals()[sys.argv[1]](*sys.argv[2:])
except AssertionError as e:
    sys.exit("feed_check %s: %s" % (" ".join(sys.argv[1:]), e))
