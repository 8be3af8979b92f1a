"""h5py appending to 1,000 chunked, extendible float64 datasets with SWMR on, at
1, 60 and 600 samples per append (the same shapes as store_bench.c). Prints
h5py_N=SAMPLES_PER_SECOND."""
import sys
import time

try:
    import h5py
    import numpy as np
except ImportError:
    print("skip: h5py/numpy not installed (make deps installs python3-h5py)")
    sys.exit(0)

NCH = 1000


def run(path, per_append, appends):
    with h5py.File(path, "w", libver="latest") as f:
        ds = [f.create_dataset(f"c{i:04d}", shape=(0,), maxshape=(None,), dtype="f8", chunks=(4096,))
              for i in range(NCH)]
        f.swmr_mode = True
        block = np.arange(per_append, dtype="f8")
        t0 = time.perf_counter()
        for _ in range(appends):
            for d in ds:
                n = d.shape[0]
                d.resize((n + per_append,))
                d[n:] = block
            f.flush()
        return NCH * per_append * appends / (time.perf_counter() - t0)


path = sys.argv[1]
print(f"h5py_1={run(path, 1, 20):.1f}")
print(f"h5py_60={run(path, 60, 10):.1f}")
print(f"h5py_600={run(path, 600, 5):.1f}")
