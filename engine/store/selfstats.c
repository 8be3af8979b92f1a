/* selfstats.c: the poller's self-metrics stored with the samples, in the same day
 * file (see dcs_store.h): /poller/t_ns int64[rows] and /poller/stats
 * float64[rows][DCS_STORE_STATS_N], whose "columns" attribute names the columns.
 * The writer keeps the latest row handed to it and writes it at the next flush,
 * into the file of its day. */
#include "dcs_store.h"
#include "../base/dcs_base.h"
#include "store_int.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

const char *const dcs_store_stats_names[DCS_STORE_STATS_N] = {
    "cycles", "polls", "overruns", "late_answers", "samples_written",
    "samples_ok", "samples_timeout", "samples_exception", "samples_garbage",
    "samples_no_connection", "samples_no_such_object", "samples_out_of_range",
    "samples_backoff", "latency_p50_ms", "latency_p99_ms", "cycle_p50_ms", "cycle_p99_ms",
    "max_cycle_ms", "devices_down"};

static int columns_attr(hid_t d)
{
    char names[512] = "";
    for (int k = 0; k < DCS_STORE_STATS_N; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? "," : "",
                 dcs_store_stats_names[k]);
    return store_attr_str(d, "columns", names);
}

static hid_t create(hid_t g, const char *name, hid_t type, int rank)
{
    hsize_t dims[2] = {0, DCS_STORE_STATS_N}, maxd[2] = {H5S_UNLIMITED, DCS_STORE_STATS_N};
    hsize_t chunk[2] = {64, DCS_STORE_STATS_N};
    hid_t sp = H5Screate_simple(rank, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

int store_stats_prepare(hid_t f)
{
    if (H5Lexists(f, "/poller", H5P_DEFAULT) > 0)
        return 0;
    hid_t g = H5Gcreate2(f, "/poller", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    hid_t t = create(g, "t_ns", H5T_NATIVE_INT64, 1), v = create(g, "stats", H5T_NATIVE_DOUBLE, 2);
    int rc = t < 0 || v < 0 || columns_attr(v) ? -1 : 0;
    if (t >= 0)
        H5Dclose(t);
    if (v >= 0)
        H5Dclose(v);
    H5Gclose(g);
    return rc;
}

/* Append one row to dataset `name` of /poller (rank 1 or 2). */
static int append(hid_t f, const char *name, hid_t type, int rank, const void *row)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0}, start[2] = {0, 0}, count[2] = {1, DCS_STORE_STATS_N};
    int bad = store_extent(sp, rank, dims);
    H5Sclose(sp);
    if (bad)
        return H5Dclose(d), -1;
    start[0] = dims[0]++;
    int rc = H5Dset_extent(d, dims) < 0 ? -1 : 0;
    sp = rc ? -1 : H5Dget_space(d);
    hid_t mem = H5Screate_simple(rank, count, NULL);
    rc = rc || H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
         H5Dwrite(d, type, mem, sp, H5P_DEFAULT, row) < 0;
    H5Sclose(mem);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return rc ? -1 : 0;
}

int dcs_store_put_stats(dcs_store_t *st, int64_t t_ns, const double *v)
{
    st->stats_t = t_ns;
    memcpy(st->stats, v, sizeof st->stats);
    st->stats_pending = 1;
    return 0;
}

int store_stats_write(dcs_store_t *st)
{
    if (!st->stats_pending || st->file < 0 || dcs_time_day(st->stats_t) != st->file_day)
        return 0;
    if (append(st->file, "/poller/t_ns", H5T_NATIVE_INT64, 1, &st->stats_t) ||
        append(st->file, "/poller/stats", H5T_NATIVE_DOUBLE, 2, st->stats))
        return -1;
    st->stats_pending = 0;
    return 0;
}
