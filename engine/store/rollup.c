/* rollup.c: per-day rollup files beside the raw day files:
 * STORE/SITE/rollup/SITE_YYYYMMDD.h5 with /channels/<id>/<level>/{start_ns,
 * count, sum, min, max, e_wh, covered_s} for levels PT1M, PT15M and PT1H.
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
static const char *level_names[DCS_STORE_NLEVELS] = {"PT1M", "PT15M", "PT1H"};

void dcs_store_rollup_path(const dcs_store_t *st, int64_t day, char *buf, size_t len)
{
    char raw[4200];
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
    const char *base = strrchr(raw, '/');
    snprintf(buf, len, "%s/rollup%s", st->dir, base ? base : "/x.h5");
}

static int write_1d(hid_t g, const char *name, hid_t type, const void *data, hsize_t n)
{
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : n ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

/* Roll channel ci's samples s (the day with a gap's margin) up at every level. */
static int rollup_channel(dcs_store_t *st, hid_t f, unsigned ci, int64_t day,
                          const dcs_store_series_t *sp)
{
    const dcs_config_channel_t *c = &st->cfg->channels[ci];
    int64_t lo = day * 86400 * DCS_NS_PER_S, hi = lo + 86400 * DCS_NS_PER_S;
    int64_t gap = (int64_t)(st->cfg->site->gap_limit_s * 1e9);
    dcs_store_series_t s = *sp;
    int rc = 0;
    char path[160];
    snprintf(path, sizeof path, "/channels/%s", c->id);
    hid_t g = H5Gcreate2(f, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int l = 0; !rc && l < DCS_STORE_NLEVELS; l++) {
        size_t nb = (size_t)(86400 * DCS_NS_PER_S / dcs_store_rollup_widths_ns[l]), got;
        dcs_agg_rollup_t *r = malloc(nb * sizeof *r);
        int64_t *t0 = malloc(nb * sizeof *t0);
        uint64_t *cnt = malloc(nb * sizeof *cnt);
        double *col = malloc(5 * nb * sizeof *col);
        if (!r || !t0 || !cnt || !col || g < 0)
            rc = DCS_ENOMEM;
        else if (c->kind == DCS_CONFIG_ENERGY) /* counters: spread deltas like scoring does */
            rc = dcs_agg_rollup_counter(s.t_ns, s.value, s.n, lo, hi, dcs_store_rollup_widths_ns[l],
                                        c->counter_modulus_raw * fabs(c->scale) * c->to_si, c->max_w, r, &got);
        else
            rc = dcs_agg_rollup(s.t_ns, s.value, s.n, lo, hi, dcs_store_rollup_widths_ns[l], gap, r, &got);
        hid_t lg = rc ? -1 : H5Gcreate2(g, level_names[l], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (!rc && lg < 0)
            rc = DCS_ESTORE;
        for (size_t k = 0; !rc && k < got; k++) {
            t0[k] = r[k].start_ns, cnt[k] = r[k].count;
            col[k] = r[k].sum, col[nb + k] = r[k].min, col[2 * nb + k] = r[k].max;
            col[3 * nb + k] = r[k].e_wh, col[4 * nb + k] = r[k].covered_s;
        }
        if (!rc && (write_1d(lg, "start_ns", H5T_NATIVE_INT64, t0, got) ||
                    write_1d(lg, "count", H5T_NATIVE_UINT64, cnt, got) ||
                    write_1d(lg, "sum", H5T_NATIVE_DOUBLE, col, got) ||
                    write_1d(lg, "min", H5T_NATIVE_DOUBLE, col + nb, got) ||
                    write_1d(lg, "max", H5T_NATIVE_DOUBLE, col + 2 * nb, got) ||
                    write_1d(lg, "e_wh", H5T_NATIVE_DOUBLE, col + 3 * nb, got) ||
                    write_1d(lg, "covered_s", H5T_NATIVE_DOUBLE, col + 4 * nb, got)))
            rc = DCS_ESTORE;
        if (lg >= 0)
            H5Gclose(lg);
        free(r), free(t0), free(cnt), free(col);
    }
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

/* Every channel of the day, read a group of channels at a time (one read of
 * each day file per group). */
#define ROLLUP_GROUP 64
static int rollup_channels(dcs_store_t *st, hid_t f, int64_t day)
{
    int64_t lo = day * 86400 * DCS_NS_PER_S, hi = lo + 86400 * DCS_NS_PER_S;
    int64_t gap = (int64_t)(st->cfg->site->gap_limit_s * 1e9);
    int rc = 0;
    for (unsigned g0 = 0; !rc && g0 < st->cfg->channels_count; g0 += ROLLUP_GROUP) {
        unsigned m = st->cfg->channels_count - g0 < ROLLUP_GROUP ? st->cfg->channels_count - g0
                                                                  : ROLLUP_GROUP;
        const char *ids[ROLLUP_GROUP];
        dcs_store_series_t s[ROLLUP_GROUP];
        for (unsigned j = 0; j < m; j++)
            ids[j] = st->cfg->channels[g0 + j].id;
        rc = dcs_store_read_many(st, ids, m, lo - gap, hi + gap, s);
        for (unsigned j = 0; !rc && j < m; j++)
            rc = rollup_channel(st, f, g0 + j, day, &s[j]);
        for (unsigned j = 0; j < m; j++)
            dcs_store_series_free(&s[j]);
    }
    return rc;
}

/* Size and modification time of a day's raw file, {-1, -1} when it is gone. A
 * rollup records them and is current while they are unchanged. */
static void raw_signature(const dcs_store_t *st, int64_t day, long long sig[2])
{
    char raw[4200];
    struct stat sb;
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
    sig[0] = sig[1] = -1;
    if (stat(raw, &sb) == 0) {
        sig[0] = (long long)sb.st_size;
        sig[1] = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    }
}

int dcs_store_rollup_current(const dcs_store_t *st, int64_t day)
{
    char path[4400];
    struct stat sb;
    long long now[2];
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (stat(path, &sb) != 0)
        return 0;
    raw_signature(st, day, now);
    if (now[0] < 0)
        return 1; /* raw gone: the rollup is all there is */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return 0;
    int same = store_attr_read(f, "raw_size") == now[0] && store_attr_read(f, "raw_mtime_ns") == now[1];
    H5Fclose(f);
    return same;
}

int dcs_store_rollup_day(dcs_store_t *st, int64_t day)
{
    char path[4400], tmp[4500];
    long long sig[2];
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (dcs_store_rollup_current(st, day))
        return 0; /* done before, and the raw day has not changed since */
    raw_signature(st, day, sig); /* before reading: a write meanwhile makes it stale */
    snprintf(tmp, sizeof tmp, "%.*s", (int)(strrchr(path, '/') - path), path);
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", tmp, strerror(errno)), DCS_ESTORE;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return store_set_err(st, "%s: cannot create", tmp), DCS_ESTORE;
    hid_t g = H5Gcreate2(f, "/channels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 ? DCS_ESTORE : 0;
    if (g >= 0)
        H5Gclose(g);
    if (store_attr_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) ||
        store_attr_int(f, "day_start_ns", day * 86400 * DCS_NS_PER_S) ||
        store_attr_int(f, "raw_size", sig[0]) || store_attr_int(f, "raw_mtime_ns", sig[1]))
        rc = DCS_ESTORE;
    if (!rc)
        rc = rollup_channels(st, f, day);
    if (H5Fclose(f) < 0 && !rc)
        rc = DCS_ESTORE;
    if (!rc && rename(tmp, path) != 0) /* complete or absent, never half-written */
        rc = (store_set_err(st, "%s: cannot rename: %s", path, strerror(errno)), DCS_ESTORE);
    if (rc) {
        unlink(tmp);
        if (!st->errmsg[0] || rc == DCS_ENOMEM)
            store_set_err(st, "%s: rollup failed", path);
    }
    return rc;
}

int dcs_store_rollup_read(dcs_store_t *st, const char *channel_id, int64_t day, int level,
                          dcs_agg_rollup_t **out, size_t *n)
{
    char path[4400], g[200];
    struct stat sb;
    *out = NULL;
    *n = 0;
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (stat(path, &sb) != 0)
        return DCS_ENODATA;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return store_set_err(st, "%s: cannot open rollup", path), DCS_ESTORE;
    snprintf(g, sizeof g, "/channels/%s/%s", channel_id, level_names[level]);
    int rc = H5Lexists(f, "/channels", H5P_DEFAULT) > 0 && H5Lexists(f, g, H5P_DEFAULT) > 0 ? 0 : DCS_ENODATA;
    static const char *cols[7] = {"start_ns", "count", "sum", "min", "max", "e_wh", "covered_s"};
    void *buf[7] = {0};
    size_t dims = SIZE_MAX;
    hid_t lg = rc ? -1 : H5Gopen2(f, g, H5P_DEFAULT);
    for (int k = 0; !rc && k < 7; k++) {
        hid_t type = k == 0 ? H5T_NATIVE_INT64 : k == 1 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE;
        size_t len = 0;
        if (lg < 0 || store_read_1d(lg, cols[k], type, 8, &buf[k], &len))
            rc = (store_set_err(st, "%s: %s/%s unreadable", path, g, cols[k]), DCS_ESTORE);
        dims = len < dims ? len : dims; /* the common length, should one be short */
    }
    if (lg >= 0)
        H5Gclose(lg);
    H5Fclose(f);
    if (!rc && !(*out = malloc((dims ? dims : 1) * sizeof **out)))
        rc = DCS_ENOMEM;
    for (size_t i = 0; !rc && i < dims; i++)
        (*out)[i] = (dcs_agg_rollup_t){((int64_t *)buf[0])[i], (size_t)((uint64_t *)buf[1])[i],
                                       ((double *)buf[2])[i], ((double *)buf[3])[i],
                                       ((double *)buf[4])[i], ((double *)buf[5])[i],
                                       ((double *)buf[6])[i]};
    if (!rc)
        *n = dims;
    for (int k = 0; k < 7; k++)
        free(buf[k]);
    return rc;
}

int dcs_store_compact(dcs_store_t *st, int64_t keep_after_day, size_t *removed)
{
    *removed = 0;
    int64_t first, last;
    int rc = dcs_store_range(st, &first, &last);
    if (rc)
        return rc == DCS_ENODATA ? 0 : rc;
    for (int64_t day = dcs_time_day(first); day < keep_after_day; day++) {
        char raw[4200];
        struct stat sb;
        dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
        if (stat(raw, &sb) != 0)
            continue;
        if ((rc = dcs_store_rollup_day(st, day))) /* made, or remade if stale */
            return rc; /* no current rollup, no deletion */
        if (unlink(raw) != 0)
            return store_set_err(st, "%s: cannot remove: %s", raw, strerror(errno)), DCS_EIO;
        (*removed)++;
    }
    return 0;
}
