#!/usr/bin/python3
"""zh_leaks.py REPORT.html DATA...: the English words a zh report shows
outside the allow-list: units, standard numbers, indicator abbreviations,
and every id and name the input files (DATA: site, cohort, CSV) give, which
are the user's own words. Prints them and exits 1 when there are any."""
import html
import re
import sys

ALLOW = set("""PUE pPUE CUE CUE_IT CUE_DC EUE WUE ERF REF E_DC E_IT C_eff IT PDU UPS kWh MWh GWh kW MW TFLOPS
FP16 FP32 FP64 INT8 FP32-eq UTC ISO IEC GB SHA JSON CSV AHP TOPSIS CR kgCO dcscore
dcscore-metrics dcscore-default METRICS md CI RI CRITIC max yaml csv html Asia Shanghai schedule""".split())

def data_words(paths):
    words = set()
    for p in paths:
        text = open(p, encoding="utf-8-sig", errors="replace").read()
        for m in re.finditer(r"\b(?:id|name|device|region|utilisation|zone|point|profile|indicator|version)\s*:\s*\"?([^\",}\n]+)", text):
            words.update(re.findall(r"[A-Za-z][A-Za-z0-9_\-]*", m.group(1)))
        for line in text.splitlines()[1:] if p.endswith(".csv") else []:
            words.update(re.findall(r"[A-Za-z][A-Za-z0-9_\-]*", ",".join(line.split(",")[:3])))
        words.update(re.findall(r"[A-Za-z][A-Za-z0-9_\-]*", p))
    return words

def leaks(report, allowed):
    s = open(report, encoding="utf-8").read()
    s = re.sub(r"<(style|code|title)[^>]*>.*?</\1>", " ", s, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", s))
    bad = []
    for w in re.findall(r"[A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9]|[A-Za-z]{2,}", text):
        parts = [w] + re.split(r"[_\-]", w)
        if w in allowed or all(p in allowed or len(p) < 2 or not p.isalpha() for p in parts):
            continue
        bad.append(w)
    return bad

if __name__ == "__main__":
    allowed = ALLOW | data_words(sys.argv[2:])
    bad = leaks(sys.argv[1], allowed)
    if bad:
        print(f"{sys.argv[1]}: English in the zh report: {' '.join(sorted(set(bad)))}")
        sys.exit(1)
