/* store_read.c: reading channels back from day files, for score, report and
 * inspect. Opens each file as an SWMR reader, so the poller may be writing it.
 * A day file is small (86,400 samples per channel at 1 s), so it is read whole
 * and cut to the window in memory. */
#include "store_int.h"
#include "../base/dcs_base.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Remember a skipped day file (once per file). */
static void add_problem(dcs_store_t *st)
{
    for (size_t i = 0; i < st->nproblems; i++)
        if (strcmp(st->problems[i], st->errmsg) == 0)
            return;
    if (st->nproblems < sizeof st->problems / sizeof st->problems[0])
        memcpy(st->problems[st->nproblems++], st->errmsg, sizeof st->problems[0]);
}

const char *dcs_store_problem(const dcs_store_t *st, size_t i)
{
    return i < st->nproblems ? st->problems[i] : NULL;
}

/* Open a day file for reading; -1 with errmsg set (or 0 errmsg when absent). */
static hid_t open_read(dcs_store_t *st, const char *path, int *absent)
{
    struct stat sb;
    *absent = stat(path, &sb) != 0;
    if (*absent)
        return -1;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (f < 0)
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        store_set_err(st, "%s: cannot open (not HDF5 or truncated)", path);
        return -1;
    }
    if (store_check_schema(st, f, path)) {
        H5Fclose(f);
        return -1;
    }
    return f;
}

static int read_ds(hid_t g, const char *name, hid_t type, size_t elem, void **out, size_t *n)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    H5Drefresh(d);
    hid_t sp = H5Dget_space(d);
    hsize_t dims = 0;
    H5Sget_simple_extent_dims(sp, &dims, NULL);
    H5Sclose(sp);
    *out = malloc(dims ? dims * elem : 1);
    herr_t rc = !*out ? -1 : dims ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) : 0;
    H5Dclose(d);
    *n = (size_t)dims;
    return rc < 0 ? -1 : 0;
}

/* Append the samples of one file's channel that lie in [from, to] to out. */
static int read_file_channel(hid_t f, const char *id, int64_t from, int64_t to,
                             dcs_store_series_t *out)
{
    char path[128];
    snprintf(path, sizeof path, "/channels/%s", id);
    if (H5Lexists(f, "/channels", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return 0; /* channel added later than this file: nothing here */
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    int64_t *t = NULL;
    double *v = NULL;
    uint8_t *fl = NULL;
    size_t nt = 0, nv = 0, nf = 0;
    int rc = g < 0 ? -1
                   : read_ds(g, "t_ns", H5T_NATIVE_INT64, 8, (void **)&t, &nt) |
                         read_ds(g, "value", H5T_NATIVE_DOUBLE, 8, (void **)&v, &nv) |
                         read_ds(g, "flag", H5T_NATIVE_UINT8, 1, (void **)&fl, &nf);
    if (g >= 0)
        H5Gclose(g);
    /* A reader may see one dataset extended before its neighbours: use the
     * common length. */
    size_t n = nt < nv ? nt : nv;
    n = n < nf ? n : nf;
    size_t lo = 0, hi = n;
    while (!rc && lo < n && t[lo] < from)
        lo++;
    while (!rc && hi > lo && t[hi - 1] > to)
        hi--;
    size_t k = hi - lo, m = out->n + k;
    if (!rc && k) {
        rc = store_arrays_reserve(&out->t_ns, &out->value, &out->flag, m);
        if (!rc) {
            memcpy(out->t_ns + out->n, t + lo, k * sizeof *t);
            memcpy(out->value + out->n, v + lo, k * sizeof *v);
            memcpy(out->flag + out->n, fl + lo, k);
            out->n = m;
        }
    }
    free(t);
    free(v);
    free(fl);
    return rc;
}

int dcs_store_read(dcs_store_t *st, const char *channel_id, int64_t from_ns, int64_t to_ns,
                   dcs_store_series_t *out)
{
    memset(out, 0, sizeof *out);
    if (dcs_config_channel_find(st->cfg, channel_id) < 0) {
        store_set_err(st, "store: no channel '%s' in the site config", channel_id);
        return DCS_EINVAL;
    }
    for (int64_t day = dcs_time_day(from_ns); day <= dcs_time_day(to_ns); day++) {
        char path[4200];
        int absent, rc;
        dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, path, sizeof path);
        hid_t f = open_read(st, path, &absent);
        if (f < 0) {
            if (!absent)
                add_problem(st); /* skip the bad day; the others still count */
            continue;
        }
        rc = read_file_channel(f, channel_id, from_ns, to_ns, out);
        H5Fclose(f);
        if (rc == DCS_ENOMEM)
            return store_set_err(st, "%s: out of memory", path), DCS_ENOMEM;
        if (rc) {
            store_set_err(st, "%s: channel '%s' unreadable", path, channel_id);
            add_problem(st);
        }
    }
    return 0;
}

void dcs_store_series_free(dcs_store_series_t *s)
{
    free(s->t_ns);
    free(s->value);
    free(s->flag);
    memset(s, 0, sizeof *s);
}

/* First and last t_ns of every channel in one file; widen [*lo, *hi]. */
static int file_range(hid_t f, const dcs_config_t *cfg, int64_t *lo, int64_t *hi)
{
    for (unsigned i = 0; i < cfg->channels_count; i++) {
        dcs_store_series_t s = {0};
        if (read_file_channel(f, cfg->channels[i].id, INT64_MIN, INT64_MAX, &s))
            return -1;
        if (s.n && s.t_ns[0] < *lo)
            *lo = s.t_ns[0];
        if (s.n && s.t_ns[s.n - 1] > *hi)
            *hi = s.t_ns[s.n - 1];
        dcs_store_series_free(&s);
    }
    return 0;
}

int dcs_store_range(dcs_store_t *st, int64_t *first_ns, int64_t *last_ns)
{
    DIR *dir = opendir(st->dir);
    if (!dir)
        return store_set_err(st, "%s: no store yet (nothing polled?)", st->dir), DCS_ENODATA;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t plen = strlen(st->cfg->site->id);
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".h5") || strncmp(e->d_name, st->cfg->site->id, plen))
            continue;
        char path[4400];
        int absent;
        snprintf(path, sizeof path, "%s/%s", st->dir, e->d_name);
        hid_t f = open_read(st, path, &absent);
        if (f < 0) {
            add_problem(st);
            continue;
        }
        if (file_range(f, st->cfg, &lo, &hi)) {
            store_set_err(st, "%s: unreadable channel data", path);
            add_problem(st);
        }
        H5Fclose(f);
    }
    closedir(dir);
    if (rc)
        return rc;
    if (lo > hi)
        return store_set_err(st, "%s: no samples stored", st->dir), DCS_ENODATA;
    *first_ns = lo;
    *last_ns = hi;
    return 0;
}

int dcs_store_day_exists(const dcs_store_t *st, int64_t day)
{
    char path[4200];
    struct stat sb;
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, path, sizeof path);
    return stat(path, &sb) == 0;
}
