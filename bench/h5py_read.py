"""h5py's bare read of every raw day file of a store folder: the whole t_ns and
value matrices of /samples, as a user's own script would load them (no
integration). Prints h5py_read_s=SECONDS."""
import glob
import sys
import time

try:
    import h5py
except ImportError:
    print("skip: h5py not installed (make deps installs python3-h5py)")
    sys.exit(0)

t0 = time.perf_counter()
cells = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.h5")):
    with h5py.File(path, "r", swmr=True) as f:
        t = f["samples/t_ns"][...]
        v = f["samples/value"][...]
        cells += t.size + v.size
print(f"h5py_read_s={time.perf_counter() - t0:.3f}")
print(f"cells={cells}")
