/* rollup.c: per-day rollup files beside the raw day files:
 * STORE/SITE/rollup/SITE_YYYYMMDD.h5 with /<level>/start_ns[buckets] and
 * /<level>/{count, sum, min, max, e_wh, covered_s}[buckets][channels] for levels
 * PT1M, PT15M and PT1H; /channels names each column.
 * Sums, counts, energies and coverage (never an averaged ratio), so any coarser
 * figure and any PUE derive exactly. Written per complete day by `dcscore
 * rollup` (a separate file: the poller stays the raw files' only writer). A
 * rollup records the size and mtime of its raw day file and is current while
 * they are unchanged; a stale one is rewritten by the next rollup pass. Scoring
 * reads current rollups in place of raw days, and rollups alone for days whose
 * raw file was compacted away. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../aggregate/dcs_aggregate.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const int64_t dcs_store_rollup_widths_ns[DCS_STORE_NLEVELS] = {60 * DCS_NS_PER_S, 900 * DCS_NS_PER_S,
                                                               3600 * DCS_NS_PER_S};
const char *const store_rollup_level_names[DCS_STORE_NLEVELS] = {"PT1M", "PT15M", "PT1H"};

void dcs_store_rollup_path(const dcs_store_t *st, int64_t day, char *buf, size_t len)
{
    char raw[4200];
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
    const char *base = strrchr(raw, '/');
    snprintf(buf, len, "%s/rollup%s", st->dir, base ? base : "/x.h5");
}

/* Layout 2 (rollup_layout = 2): /channels is a string dataset naming the
 * column of every channel; each level is a group with start_ns[buckets] and six
 * matrices [buckets][columns]. Layout 1 (no rollup_layout attribute, written by
 * earlier versions) had a group per channel and level; it is still read. */
static const char *const stat_names[6] = {"count", "sum", "min", "max", "e_wh", "covered_s"};

size_t dcs_store_rollup_buckets(int level)
{
    return (size_t)(86400 * DCS_NS_PER_S / dcs_store_rollup_widths_ns[level]);
}

static hid_t stat_type(int k)
{
    return k == 0 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE;
}

/* The channel-id column names: fixed-length UTF-8 strings, as long as the longest. */
int store_rollup_write_ids(const dcs_config_t *cfg, hid_t f)
{
    const char **ids = malloc((cfg->channels_count + 1) * sizeof *ids);
    for (size_t i = 0; ids && i < cfg->channels_count; i++)
        ids[i] = cfg->channels[i].id;
    int rc = ids ? store_names_write(f, "/channels", ids, cfg->channels_count) : -1;
    free(ids);
    return rc;
}

/* Create levels lo..hi's start_ns (filled: the day's bucket starts) and their
 * six empty matrices of ncols columns. */
int store_rollup_create_levels(hid_t f, int64_t day, size_t ncols, int lo, int hi)
{
    int rc = 0;
    for (int l = lo; !rc && l <= hi; l++) {
        size_t nb = dcs_store_rollup_buckets(l);
        hsize_t dims[2] = {nb, ncols}, chunk[2] = {nb, ncols < STORE_ROLLUP_GROUP ? ncols : STORE_ROLLUP_GROUP};
        hid_t g = H5Gcreate2(f, store_rollup_level_names[l], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        int64_t *t0 = malloc(nb * sizeof *t0);
        for (size_t k = 0; t0 && k < nb; k++)
            t0[k] = day * 86400 * DCS_NS_PER_S + (int64_t)k * dcs_store_rollup_widths_ns[l];
        hid_t sp1 = H5Screate_simple(1, dims, NULL);
        hid_t d = g < 0 || !t0 ? -1 : H5Dcreate2(g, "start_ns", H5T_NATIVE_INT64, sp1, H5P_DEFAULT,
                                                 H5P_DEFAULT, H5P_DEFAULT);
        rc = d < 0 || H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, t0) < 0 ? -1 : 0;
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(sp1);
        free(t0);
        hid_t sp2 = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (ncols)
            H5Pset_chunk(dcpl, 2, chunk);
        for (int k = 0; !rc && k < 6; k++) {
            d = H5Dcreate2(g, stat_names[k], stat_type(k), sp2, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            rc = d < 0 ? -1 : 0;
            if (d >= 0)
                H5Dclose(d);
        }
        H5Pclose(dcpl);
        H5Sclose(sp2);
        if (g >= 0)
            H5Gclose(g);
    }
    return rc;
}

/* The six statistics of r[j * nb + b] (channel j, bucket b) in chunk order:
 * for each block of cw columns, its nb x cw cells (a chunk of the matrix,
 * columns past m zero), blocks one after another; statistic k at buf + k * nb *
 * blocks * cw (cw = m: one row-major nb x m matrix each). One pass over r, 8
 * channels at a time so each row of a chunk is written a cache line at a time;
 * the count goes as the uint64 the matrix stores. */
static void transpose_chunks(const dcs_agg_rollup_t *r, size_t nb, size_t m, size_t cw, double *buf)
{
    size_t blocks = (m + cw - 1) / cw, cells = nb * blocks * cw;
    for (size_t c = 0; c < blocks * cw; c += cw) {
        double *base = buf + c * nb;
        for (size_t j0 = c; j0 < c + cw; j0 += 8)
            for (size_t b = 0; b < nb; b++)
                for (size_t j = j0; j < j0 + 8 && j < c + cw; j++) {
                    double *o = base + b * cw + (j - c);
                    if (j >= m) {
                        for (int k = 0; k < 6; k++)
                            o[k * cells] = 0;
                        continue;
                    }
                    const dcs_agg_rollup_t *x = &r[j * nb + b];
                    uint64_t n = x->count;
                    memcpy(o, &n, 8);
                    o[cells] = x->sum;
                    o[2 * cells] = x->min;
                    o[3 * cells] = x->max;
                    o[4 * cells] = x->e_wh;
                    o[5 * cells] = x->covered_s;
                }
    }
}

/* The chunk width of d when its chunks are whole columns of nb rows that a
 * write at column col0 can fill directly (unfiltered, col0 on a chunk's
 * edge), else 0. */
static size_t direct_width(hid_t d, size_t nb, size_t col0)
{
    hid_t p = H5Dget_create_plist(d);
    hsize_t c[2] = {0, 0};
    int ok = p >= 0 && H5Pget_layout(p) == H5D_CHUNKED && H5Pget_chunk(p, 2, c) == 2 && H5Pget_nfilters(p) == 0 &&
             c[0] == nb && c[1] > 0 && c[1] <= STORE_ROLLUP_GROUP && col0 % c[1] == 0;
    if (p >= 0)
        H5Pclose(p);
    return ok ? (size_t)c[1] : 0;
}

/* Write m columns from col0 of level l's six matrices from r[j * nb + k]
 * (channel j, bucket k), through the scratch buffer buf of 6 x nb x (m + 63)
 * doubles: transposed once into chunk order, then written chunk by chunk with
 * H5Dwrite_chunk (no copy through HDF5's chunk cache). The matrices are those
 * store_rollup_create_levels made: chunks of nb rows, and col0 on a chunk's
 * edge (groups of STORE_ROLLUP_GROUP); anything else is refused (-1). */
int store_rollup_write_columns(hid_t f, int l, size_t col0, size_t m, const dcs_agg_rollup_t *r, double *buf)
{
    size_t nb = dcs_store_rollup_buckets(l);
    hid_t g = H5Gopen2(f, store_rollup_level_names[l], H5P_DEFAULT);
    hid_t d0 = g < 0 ? -1 : H5Dopen2(g, stat_names[0], H5P_DEFAULT);
    size_t cw = d0 < 0 ? 0 : direct_width(d0, nb, col0), blocks = cw ? (m + cw - 1) / cw : 0;
    int rc = cw ? 0 : -1;
    if (!rc)
        transpose_chunks(r, nb, m, cw, buf);
    for (int k = 0; k < 6 && (k == 0 || !rc); k++) {
        hid_t d = k ? H5Dopen2(g, stat_names[k], H5P_DEFAULT) : d0;
        rc = rc || d < 0 || direct_width(d, nb, col0) != cw ? -1 : 0;
        for (size_t i = 0; !rc && i < blocks; i++) {
            hsize_t off[2] = {0, col0 + i * cw};
            rc = H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, nb * cw * 8, buf + (k * blocks + i) * nb * cw) < 0 ? -1 : 0;
        }
        if (d >= 0)
            H5Dclose(d);
    }
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

/* Layout 1: channel id's group of one level, into out[0 .. nb). */
static int read_v1(dcs_store_t *st, hid_t f, const char *path, const char *id, int64_t day, int level,
                   dcs_agg_rollup_t *out, uint8_t *have)
{
    static const char *cols[7] = {"start_ns", "count", "sum", "min", "max", "e_wh", "covered_s"};
    char g[200];
    snprintf(g, sizeof g, "/channels/%s/%s", id, store_rollup_level_names[level]);
    *have = H5Lexists(f, "/channels", H5P_DEFAULT) > 0 && H5Lexists(f, g, H5P_DEFAULT) > 0;
    if (!*have)
        return 0;
    void *buf[7] = {0};
    size_t dims = dcs_store_rollup_buckets(level);
    hid_t lg = H5Gopen2(f, g, H5P_DEFAULT);
    int rc = 0;
    for (int k = 0; !rc && k < 7; k++) {
        size_t len = 0;
        if (lg < 0 || store_read_1d(lg, cols[k], k ? stat_type(k - 1) : H5T_NATIVE_INT64, 8, &buf[k], &len))
            rc = (store_set_err(st, "%s: %s/%s unreadable", path, g, cols[k]), DCS_ESTORE);
        dims = len < dims ? len : dims; /* the common length, should one be short */
    }
    if (lg >= 0)
        H5Gclose(lg);
    for (size_t i = 0; !rc && i < dims; i++)
        out[i] = (dcs_agg_rollup_t){((int64_t *)buf[0])[i], (size_t)((uint64_t *)buf[1])[i],
                                    ((double *)buf[2])[i], ((double *)buf[3])[i],
                                    ((double *)buf[4])[i], ((double *)buf[5])[i],
                                    ((double *)buf[6])[i]};
    for (size_t i = dims; !rc && i < dcs_store_rollup_buckets(level); i++) /* short: empty buckets */
        out[i] = (dcs_agg_rollup_t){day * 86400 * DCS_NS_PER_S + (int64_t)i * dcs_store_rollup_widths_ns[level],
                                    0, 0, NAN, NAN, 0, 0};
    for (int k = 0; k < 7; k++)
        free(buf[k]);
    return rc;
}

/* 1 when dataset d's extent is exactly dims[0..rank-1]. */
static int extent_is(hid_t d, int rank, const hsize_t *dims)
{
    hsize_t got[2] = {0, 0};
    hid_t sp = H5Dget_space(d);
    int ok = rank <= 2 && store_extent(sp, rank, got) == 0;
    for (int k = 0; ok && k < rank; k++)
        ok = got[k] == dims[k];
    if (sp >= 0)
        H5Sclose(sp);
    return ok;
}

/* Layout 2: the column of each of ids in /channels, -1 when absent. */
static int find_columns(hid_t f, const char *const *ids, size_t n, long long *col)
{
    size_t ncols = 0, w = 0;
    char *names = store_names_read(f, "/channels", &ncols, &w);
    size_t from = 0; /* ids mostly come in column order: start after the last match */
    for (size_t j = 0; j < n; j++) {
        col[j] = -1;
        for (size_t k = 0; names && k < ncols && col[j] < 0; k++) {
            size_t c = (from + k) % ncols;
            if (strncmp(names + c * w, ids[j], w) == 0 && strlen(ids[j]) < w)
                col[j] = (long long)c, from = c + 1;
        }
    }
    int rc = names ? 0 : -1;
    free(names);
    return rc;
}

/* Layout 2: columns col[0..n-1] of one level, reading the span of columns they
 * cover once per matrix. */
static int read_v2(hid_t f, const long long *col, size_t n, int level, dcs_agg_rollup_t *out)
{
    long long lo = -1, hi = -1;
    for (size_t j = 0; j < n; j++)
        if (col[j] >= 0) {
            lo = lo < 0 || col[j] < lo ? col[j] : lo;
            hi = col[j] > hi ? col[j] : hi;
        }
    if (lo < 0)
        return 0;
    size_t nb = dcs_store_rollup_buckets(level), span = (size_t)(hi - lo + 1);
    hsize_t start[2] = {0, (hsize_t)lo}, count[2] = {nb, span};
    double *m[6] = {0};
    int64_t *t0 = malloc(nb * sizeof *t0);
    hid_t g = H5Gopen2(f, store_rollup_level_names[level], H5P_DEFAULT), mem = H5Screate_simple(2, count, NULL);
    hid_t d = g < 0 ? -1 : H5Dopen2(g, "start_ns", H5P_DEFAULT);
    int rc = !t0 || d < 0 || !extent_is(d, 1, (hsize_t[]){nb}) || !store_dataset_fits(d, 8) ||
             H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, t0) < 0 ? -1 : 0;
    if (d >= 0)
        H5Dclose(d);
    for (int k = 0; !rc && k < 6; k++) {
        d = H5Dopen2(g, stat_names[k], H5P_DEFAULT);
        hid_t fs = d < 0 ? -1 : H5Dget_space(d);
        m[k] = malloc(nb * span * sizeof(double));
        hsize_t ext[2];
        rc = !m[k] || store_extent(fs, 2, ext) || ext[0] != nb || ext[1] <= (hsize_t)hi || !store_dataset_fits(d, 8) ||
             H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                     H5Dread(d, stat_type(k), mem, fs, H5P_DEFAULT, m[k]) < 0 ? -1 : 0;
        if (fs >= 0)
            H5Sclose(fs);
        if (d >= 0)
            H5Dclose(d);
    }
    for (size_t j = 0; !rc && j < n; j++)
        for (size_t b = 0; col[j] >= 0 && b < nb; b++) {
            size_t c = b * span + (size_t)(col[j] - lo);
            out[j * nb + b] = (dcs_agg_rollup_t){t0[b], (size_t)((uint64_t *)m[0])[c], m[1][c], m[2][c],
                                                 m[3][c], m[4][c], m[5][c]};
        }
    for (int k = 0; k < 6; k++)
        free(m[k]);
    free(t0);
    H5Sclose(mem);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

int dcs_store_rollup_read_many(dcs_store_t *st, const char *const *ids, size_t n, int64_t day, int level,
                               dcs_agg_rollup_t *out, uint8_t *have)
{
    char path[4400];
    struct stat sb;
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (stat(path, &sb) != 0)
        return DCS_ENODATA;
    hid_t f = store_reader_open(path);
    if (f < 0)
        return store_set_err(st, "%s: cannot open rollup", path), DCS_ESTORE;
    long long layout = store_attr_read(f, "rollup_layout");
    long long *col = malloc((n ? n : 1) * sizeof *col);
    int rc = col ? 0 : DCS_ENOMEM;
    if (!rc && layout > STORE_ROLLUP_LAYOUT)
        rc = (store_set_err(st, "%s: rollup layout %lld is newer than this dcscore reads (%d)", path, layout,
                            STORE_ROLLUP_LAYOUT), DCS_ESTORE);
    for (size_t j = 0; !rc && layout < 0 && j < n; j++) /* layout 1 */
        rc = read_v1(st, f, path, ids[j], day, level, out + j * dcs_store_rollup_buckets(level), &have[j]);
    if (!rc && layout == STORE_ROLLUP_LAYOUT) {
        if (find_columns(f, ids, n, col) || read_v2(f, col, n, level, out))
            rc = (store_set_err(st, "%s: %s unreadable", path, store_rollup_level_names[level]), DCS_ESTORE);
        for (size_t j = 0; !rc && j < n; j++)
            have[j] = col[j] >= 0;
    }
    free(col);
    H5Fclose(f);
    return rc;
}

int dcs_store_rollup_read(dcs_store_t *st, const char *channel_id, int64_t day, int level,
                          dcs_agg_rollup_t **out, size_t *n)
{
    uint8_t have = 0;
    *n = 0;
    if (!(*out = malloc(dcs_store_rollup_buckets(level) * sizeof **out)))
        return DCS_ENOMEM;
    int rc = dcs_store_rollup_read_many(st, &channel_id, 1, day, level, *out, &have);
    if (!rc && !have)
        rc = DCS_ENODATA;
    if (rc) {
        free(*out);
        *out = NULL;
    } else {
        *n = dcs_store_rollup_buckets(level);
    }
    return rc;
}

/* Every config channel's buckets of one level, from the day's rollup into a
 * new file holding that level alone (a channel the rollup lacks gets empty
 * buckets: no data, as it had). */
static int extract_level(dcs_store_t *st, int64_t day, int level, hid_t f)
{
    size_t nb = dcs_store_rollup_buckets(level), n = st->cfg->channels_count;
    dcs_agg_rollup_t *r = malloc((n ? n : 1) * nb * sizeof *r);
    double *buf = malloc(6 * (n < STORE_ROLLUP_GROUP ? n + 1 : STORE_ROLLUP_GROUP) * nb * sizeof *buf + 6 * 63 * nb * 8);
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    uint8_t *have = calloc(n ? n : 1, 1);
    int rc = r && buf && ids && have ? 0 : DCS_ENOMEM;
    for (size_t j = 0; !rc && j < n; j++) {
        ids[j] = st->cfg->channels[j].id;
        for (size_t b = 0; b < nb; b++)
            r[j * nb + b] = (dcs_agg_rollup_t){day * 86400 * DCS_NS_PER_S + (int64_t)b * dcs_store_rollup_widths_ns[level],
                                               0, 0, NAN, NAN, 0, 0};
    }
    if (!rc)
        rc = dcs_store_rollup_read_many(st, ids, n, day, level, r, have);
    for (size_t g0 = 0; !rc && g0 < n; g0 += STORE_ROLLUP_GROUP)
        if (store_rollup_write_columns(f, level, g0, n - g0 < STORE_ROLLUP_GROUP ? n - g0 : STORE_ROLLUP_GROUP, r + g0 * nb, buf))
            rc = (store_set_err(st, "cannot write the extracted rollup of day %lld", (long long)day), DCS_ESTORE);
    free(r), free(buf), free(ids), free(have);
    return rc;
}

int dcs_store_rollup_extract(dcs_store_t *st, int64_t day, int level, const char *path)
{
    char src[4400];
    dcs_store_rollup_path(st, day, src, sizeof src);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return store_set_err(st, "%s: cannot create", path), DCS_ESTORE;
    int rc = store_rollup_write_ids(st->cfg, f) || store_rollup_create_levels(f, day, st->cfg->channels_count, level, level) ||
                     store_attr_int(f, "rollup_layout", STORE_ROLLUP_LAYOUT) ||
                     store_attr_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) ||
                     store_attr_int(f, "day_start_ns", day * 86400 * DCS_NS_PER_S) ||
                     store_attr_int(f, "raw_size", -1) || store_attr_int(f, "raw_mtime_ns", -1)
                 ? DCS_ESTORE : 0;
    if (!rc)
        rc = extract_level(st, day, level, f);
    if (H5Fclose(f) < 0 && !rc)
        rc = DCS_ESTORE;
    if (rc) {
        unlink(path);
        if (!st->errmsg[0])
            store_set_err(st, "%s: cannot extract %s from %s", path, store_rollup_level_names[level], src);
    }
    return rc;
}

void dcs_store_rollups_only(dcs_store_t *st, int level)
{
    st->rollups_only = level + 1;
}

int dcs_store_rollup_cap(const dcs_store_t *st)
{
    return st->rollups_only - 1;
}
