"""Time numpy and pandas on the buffer agg_bench wrote (raw float64, 1 s apart).
Prints numpy_s=SECONDS and pandas_s=SECONDS (best of a few runs)."""
import sys
import time

try:
    import numpy as np
except ImportError:
    print("skip: numpy not installed (make deps installs python3-numpy)")
    sys.exit(0)

v = np.fromfile(sys.argv[1], dtype=np.float64)


def best(fn, reps):
    out = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


print(f"numpy_s={best(lambda: (np.nansum(v), np.nanmin(v), np.nanmax(v)), 3):.6f}")
try:
    import pandas as pd
except ImportError:
    print("skip: pandas not installed (make deps installs python3-pandas)")
    sys.exit(0)
s = pd.Series(v, index=pd.date_range("2026-11-24", periods=len(v), freq="1s", tz="UTC"))
print(f"pandas_s={best(lambda: s.resample('15min').agg(['sum', 'min', 'max', 'count']), 2):.6f}")
