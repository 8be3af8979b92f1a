"""Independent check of dcscore's arithmetic: read the HDF5 store with h5py,
recompute every power channel's energy (trapezoid over real timestamps, gaps
longer than gap_limit_s and segments with a missing end count as missing,
clipped to the window) and the PUE, and compare with `dcscore score --json`.
Usage: /usr/bin/python3 tests/h5py_check.py STORE_SITE_DIR SCORE.json GAP_LIMIT_S
Exit 0 when everything agrees to 1e-9 relative."""
import glob
import json
import math
import sys

import os

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from store_h5 import channel, channel_ids  # noqa: E402

site_dir, score_path, gap_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
score = json.load(open(score_path))
lo, hi = score["window"]["from_ns"], score["window"]["to_ns"]
gap_ns = int(gap_s * 1e9)

series = {}
for path in sorted(glob.glob(site_dir + "/*.h5")):
    with h5py.File(path, "r", swmr=True) as f:
        for cid in channel_ids(f):
            t, v, _ = channel(f, cid)
            old = series.get(cid, (np.empty(0, np.int64), np.empty(0)))
            series[cid] = (np.concatenate([old[0], t]), np.concatenate([old[1], v]))


def energy_wh(t, v):
    parts = []
    for i in range(len(t) - 1):
        ta, tb, pa, pb = int(t[i]), int(t[i + 1]), v[i], v[i + 1]
        dt = tb - ta
        if dt <= 0 or dt > gap_ns or not (math.isfinite(pa) and math.isfinite(pb)):
            continue
        x, y = max(ta, lo), min(tb, hi)
        if x >= y:
            continue
        px = pa + (pb - pa) * (x - ta) / dt
        py = pa + (pb - pa) * (y - ta) / dt
        parts.append(0.5 * (px + py) * (y - x) * 1e-9 / 3600.0)
    return math.fsum(parts)


bad = 0
sums = {"facility_total": [], "it_total": []}
for ch in score["channels"]:
    if ch["kind"] != "power":
        continue
    t, v = series[ch["id"]]
    mine = energy_wh(t, v)
    rel = abs(mine - ch["e_wh"]) / max(abs(mine), 1e-300)
    print(f"{ch['id']:20s} h5py {mine:.12f} Wh  dcscore {ch['e_wh']:.12f} Wh  rel {rel:.2e}")
    bad += rel > 1e-9
    if not ch["cross_check"] and ch["role"] in sums:
        sums[ch["role"]].append(mine)
pue = math.fsum(sums["facility_total"]) / math.fsum(sums["it_total"])
rel = abs(pue - score["pue"]) / pue
print(f"PUE h5py {pue:.15f}  dcscore {score['pue']:.15f}  rel {rel:.2e}")
bad += rel > 1e-9
sys.exit(1 if bad else 0)
