"""Reading a dcscore day file with h5py alone, as docs/store.md shows: the
tests' independent reader. channel(f, id) -> (t_ns, value, flag) arrays of the
samples a channel holds (schema 2: its column of /samples, cells with flag 255
dropped; schema 1: its own datasets)."""
import numpy as np

ABSENT = 255


def channel(f, cid):
    g = f["channels"][cid]
    if f.attrs["schema_version"] < 2:
        t, v, fl = g["t_ns"][:], g["value"][:], g["flag"][:]
        n = min(len(t), len(v), len(fl))
        return t[:n], v[:n], fl[:n]
    c = int(g.attrs["column"])
    s = f["samples"]
    n = min(s[k].shape[0] for k in ("t_ns", "value", "flag"))
    t, v, fl = s["t_ns"][:n, c], s["value"][:n, c], s["flag"][:n, c]
    keep = fl != ABSENT
    return t[keep], v[keep], fl[keep]


def channel_ids(f):
    return list(f["channels"].keys())
