/* store.c: HDF5 day files for samples. Assumes one writer per site (the poller)
 * and any number of readers. The writer creates every channel's datasets before
 * H5Fstart_swmr_write (SWMR allows no new objects after it); readers open with
 * H5F_ACC_SWMR_READ. HDF5's error printing is turned off; failures become
 * DCS_ESTORE with a line naming the file. */
#define _GNU_SOURCE
#include "dcs_store.h"
#include "../base/dcs_base.h"
#include "store_int.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SAMPLES 4096

static int open_datasets(dcs_store_t *st);
static void close_datasets(dcs_store_t *st);

void store_set_err(dcs_store_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
    va_end(ap);
}

int dcs_store_open(const dcs_config_t *cfg, char mode, dcs_store_t **out)
{
    dcs_store_t *st = calloc(1, sizeof *st);
    *out = st;
    if (!st)
        return DCS_ENOMEM;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    st->cfg = cfg;
    st->mode = mode;
    st->file = -1;
    snprintf(st->dir, sizeof st->dir, "%s/%s", cfg->site->store_dir, cfg->site->id);
    if (mode == 'w' && !(st->buf = calloc(cfg->channels_count ? cfg->channels_count : 1, sizeof *st->buf)))
        return DCS_ENOMEM;
    for (unsigned i = 0; st->buf && i < cfg->channels_count; i++)
        st->buf[i].ds[0] = st->buf[i].ds[1] = st->buf[i].ds[2] = -1;
    return 0;
}

const char *dcs_store_errmsg(const dcs_store_t *st)
{
    return st ? st->errmsg : "out of memory";
}

int dcs_store_notice(dcs_store_t *st, char *buf, size_t len)
{
    if (!st->notice[0])
        return 0;
    snprintf(buf, len, "%s", st->notice);
    st->notice[0] = '\0';
    return 1;
}

void dcs_store_day_path(const dcs_store_t *st, int64_t t_ns, char *buf, size_t len)
{
    char day[32];
    dcs_time_format(dcs_time_day(t_ns) * 86400 * DCS_NS_PER_S, NULL, day, sizeof day);
    snprintf(buf, len, "%s/%s_%.4s%.2s%.2s.h5", st->dir, st->cfg->site->id, day, day + 5,
             day + 8);
}

/* ---- attributes ----------------------------------------------------------- */

static int attr_str(hid_t obj, const char *name, const char *val)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &val);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? -1 : 0;
}

static int attr_int(hid_t obj, const char *name, long long v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_LLONG, &v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

static long long attr_read_int(hid_t obj, const char *name)
{
    long long v = -1;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_LLONG, &v) < 0)
        v = -1;
    if (a >= 0)
        H5Aclose(a);
    return v;
}

static int write_root_attrs(const dcs_store_t *st, hid_t f, int64_t day)
{
    const dcs_config_site_t *s = st->cfg->site;
    return attr_str(f, "schema", DCS_STORE_SCHEMA) |
           attr_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) |
           attr_str(f, "dcscore_version", DCS_VERSION) | attr_str(f, "site_id", s->id) |
           attr_str(f, "site_name", s->name) | attr_str(f, "region", s->region) |
           attr_str(f, "timezone", s->timezone) |
           attr_int(f, "pue_category", s->pue_category) |
           attr_int(f, "day_start_ns", day * 86400 * DCS_NS_PER_S);
}

/* ---- writer: create / reopen a day file ----------------------------------- */

static hid_t create_dataset(hid_t g, const char *name, hid_t type, const void *fill)
{
    hsize_t dims = 0, maxd = H5S_UNLIMITED, chunk = CHUNK_SAMPLES;
    hid_t sp = H5Screate_simple(1, &dims, &maxd);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    if (fill) /* recorded for readers: NaN marks "no sample" */
        H5Pset_fill_value(dcpl, type, fill);
    /* Every element the writer extends is written in the same flush, so chunks need
     * no pre-filling (it doubled the bytes written per flush). */
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

static int create_channel(const dcs_store_t *st, hid_t f, const dcs_config_channel_t *c)
{
    static const double nan_fill = NAN;
    char path[128];
    snprintf(path, sizeof path, "/channels/%s", c->id);
    hid_t g = H5Gcreate2(f, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    const dcs_config_device_t *d = &st->cfg->devices[c->device_index];
    int rc = attr_str(g, "unit", dcs_config_si_unit(c->kind)) |
             attr_str(g, "kind", dcs_config_kind_name(c->kind)) |
             attr_str(g, "role", dcs_config_role_name(c->role)) |
             attr_str(g, "device", d->id) | attr_int(g, "cross_check", c->cross_check) |
             attr_int(g, "pue_category", st->cfg->site->pue_category);
    hid_t ds[3] = {create_dataset(g, "t_ns", H5T_NATIVE_INT64, NULL),
                   create_dataset(g, "value", H5T_NATIVE_DOUBLE, &nan_fill),
                   create_dataset(g, "flag", H5T_NATIVE_UINT8, NULL)};
    for (int i = 0; i < 3; i++)
        rc |= ds[i] < 0 ? -1 : H5Dclose(ds[i]);
    if (ds[1] >= 0) {
        hid_t v = H5Dopen2(g, "value", H5P_DEFAULT);
        rc |= attr_str(v, "units", dcs_config_si_unit(c->kind));
        H5Dclose(v);
    }
    H5Gclose(g);
    return rc;
}

/* Open an existing day file read-write; clear the "open for write" mark a killed
 * writer leaves (what `h5clear -s` does, through HDF5's clear_status_flags). */
static hid_t reopen_rw(dcs_store_t *st, const char *path, hid_t fapl)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, fapl);
    if (f >= 0)
        return f;
    hid_t fapl2 = H5Pcopy(fapl);
    hbool_t clear = 1;
    if (H5Pset(fapl2, "clear_status_flags", &clear) >= 0)
        f = H5Fopen(path, H5F_ACC_RDWR, fapl2);
    H5Pclose(fapl2);
    if (f >= 0)
        snprintf(st->notice, sizeof st->notice,
                 "%s: recovered a file left open by a writer that stopped", path);
    return f;
}

int store_check_schema(dcs_store_t *st, hid_t f, const char *path)
{
    long long v = attr_read_int(f, "schema_version");
    if (v < 0) {
        store_set_err(st, "%s: not a dcscore store (no schema_version attribute)", path);
        return DCS_ESTORE;
    }
    if (v > DCS_STORE_SCHEMA_VERSION) {
        store_set_err(st, "%s: store schema %lld is newer than this dcscore (%d)", path, v,
                DCS_STORE_SCHEMA_VERSION);
        return DCS_ESTORE;
    }
    return 0;
}

static int open_day(dcs_store_t *st, int64_t day)
{
    char path[4200];
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, path, sizeof path);
    if (mkdir(st->cfg->site->store_dir, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", st->cfg->site->store_dir, strerror(errno)),
               DCS_ESTORE;
    if (mkdir(st->dir, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", st->dir, strerror(errno)), DCS_ESTORE;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    hid_t f = exists ? reopen_rw(st, path, fapl)
                     : H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return store_set_err(st, "%s: cannot %s (not HDF5, truncated, or locked by another "
                           "writer)", path, exists ? "open for append" : "create"),
               DCS_ESTORE;
    int rc = exists ? store_check_schema(st, f, path) : write_root_attrs(st, f, day);
    if (!exists && H5Lexists(f, "/channels", H5P_DEFAULT) <= 0) {
        hid_t g = H5Gcreate2(f, "/channels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        rc |= g < 0 ? -1 : H5Gclose(g);
    }
    for (unsigned i = 0; !rc && i < st->cfg->channels_count; i++) {
        char cpath[128];
        snprintf(cpath, sizeof cpath, "/channels/%s", st->cfg->channels[i].id);
        if (H5Lexists(f, cpath, H5P_DEFAULT) <= 0)
            rc = create_channel(st, f, &st->cfg->channels[i]);
    }
    if (!rc && H5Fstart_swmr_write(f) < 0)
        rc = -1;
    st->file = f;
    if (!rc && open_datasets(st))
        rc = -1;
    if (rc) {
        close_datasets(st);
        H5Fclose(f);
        st->file = -1;
        if (rc != DCS_ESTORE)
            store_set_err(st, "%s: cannot prepare channels for writing", path);
        return DCS_ESTORE;
    }
    st->file_day = day;
    return 0;
}

/* ---- writer: buffering and flush ------------------------------------------ */

int store_arrays_reserve(int64_t **t_ns, double **value, uint8_t **flag, size_t cap)
{
    int64_t *t = realloc(*t_ns, cap * sizeof *t);
    if (t)
        *t_ns = t;
    double *v = realloc(*value, cap * sizeof *v);
    if (v)
        *value = v;
    uint8_t *fl = realloc(*flag, cap * sizeof *fl);
    if (fl)
        *flag = fl;
    return t && v && fl ? 0 : DCS_ENOMEM;
}

static int buffer_push(buffer_t *b, const dcs_sample_t *s)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        if (store_arrays_reserve(&b->t_ns, &b->value, &b->flag, cap))
            return DCS_ENOMEM;
        b->cap = cap;
    }
    b->t_ns[b->n] = s->t_ns;
    b->value[b->n] = s->flag == DCS_SAMPLE_OK ? s->value : NAN;
    b->flag[b->n] = s->flag;
    b->n++;
    return 0;
}

int dcs_store_append(dcs_store_t *st, const dcs_sample_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].channel >= st->cfg->channels_count)
            return store_set_err(st, "store: sample for unknown channel %u", s[i].channel),
                   DCS_EINVAL;
        if (buffer_push(&st->buf[s[i].channel], &s[i]))
            return store_set_err(st, "store: out of memory buffering samples"), DCS_ENOMEM;
    }
    return 0;
}

/* Append n elements to an open 1-D dataset of length cur. */
static int append_ds(hid_t d, hid_t type, const void *data, hsize_t cur, size_t n)
{
    hsize_t start = cur, count = n, newsz = cur + n;
    herr_t rc = H5Dset_extent(d, &newsz);
    hid_t fs = H5Dget_space(d);
    rc |= H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    rc |= H5Dwrite(d, type, ms, fs, H5P_DEFAULT, data);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc < 0 ? -1 : 0;
}

/* Open the three datasets of every channel once per day file: flushing then
 * costs an extent change and a write per dataset, not a lookup. */
static int open_datasets(dcs_store_t *st)
{
    static const char *names[3] = {"t_ns", "value", "flag"};
    for (unsigned i = 0; i < st->cfg->channels_count; i++) {
        buffer_t *b = &st->buf[i];
        for (int k = 0; k < 3; k++) {
            char path[160];
            snprintf(path, sizeof path, "/channels/%s/%s", st->cfg->channels[i].id, names[k]);
            if ((b->ds[k] = H5Dopen2(st->file, path, H5P_DEFAULT)) < 0)
                return -1;
        }
        hid_t sp = H5Dget_space(b->ds[0]);
        H5Sget_simple_extent_dims(sp, &b->len, NULL);
        H5Sclose(sp);
    }
    return 0;
}

static void close_datasets(dcs_store_t *st)
{
    for (unsigned i = 0; st->buf && i < st->cfg->channels_count; i++)
        for (int k = 0; k < 3; k++) {
            if (st->buf[i].ds[k] >= 0)
                H5Dclose(st->buf[i].ds[k]);
            st->buf[i].ds[k] = -1;
        }
}

/* Write the leading samples of channel i that fall on st->file_day. */
static int flush_channel(dcs_store_t *st, unsigned i)
{
    buffer_t *b = &st->buf[i];
    size_t k = 0;
    while (k < b->n && dcs_time_day(b->t_ns[k]) == st->file_day)
        k++;
    if (!k)
        return 0;
    if (append_ds(b->ds[0], H5T_NATIVE_INT64, b->t_ns, b->len, k) ||
        append_ds(b->ds[1], H5T_NATIVE_DOUBLE, b->value, b->len, k) ||
        append_ds(b->ds[2], H5T_NATIVE_UINT8, b->flag, b->len, k))
        return -1;
    b->len += k;
    memmove(b->t_ns, b->t_ns + k, (b->n - k) * sizeof *b->t_ns);
    memmove(b->value, b->value + k, (b->n - k) * sizeof *b->value);
    memmove(b->flag, b->flag + k, (b->n - k) * sizeof *b->flag);
    b->n -= k;
    return 0;
}

static void close_file(dcs_store_t *st)
{
    close_datasets(st);
    if (st->file >= 0) {
        H5Fflush(st->file, H5F_SCOPE_GLOBAL);
        H5Fclose(st->file);
    }
    st->file = -1;
}

int dcs_store_flush(dcs_store_t *st)
{
    for (;;) {
        /* Earliest day still buffered: write it, then the next day, ... */
        int64_t day = INT64_MAX;
        for (unsigned i = 0; i < st->cfg->channels_count; i++)
            if (st->buf[i].n && dcs_time_day(st->buf[i].t_ns[0]) < day)
                day = dcs_time_day(st->buf[i].t_ns[0]);
        if (day == INT64_MAX)
            break;
        if (st->file < 0 || st->file_day != day) {
            close_file(st);
            int rc = open_day(st, day);
            if (rc)
                return rc;
        }
        for (unsigned i = 0; i < st->cfg->channels_count; i++)
            if (flush_channel(st, i)) {
                char path[4200];
                dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, path, sizeof path);
                store_set_err(st, "%s: write of channel '%s' failed", path, st->cfg->channels[i].id);
                return DCS_ESTORE;
            }
    }
    if (st->file >= 0 && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        return store_set_err(st, "%s: flush failed", st->dir), DCS_ESTORE;
    void *handle = NULL;
    if (st->fsync && st->file >= 0 && H5Fget_vfd_handle(st->file, H5P_DEFAULT, &handle) >= 0 &&
        handle && fsync(*(int *)handle) != 0) /* the sec2 driver's handle is the fd */
        return store_set_err(st, "%s: fsync failed: %s", st->dir, strerror(errno)), DCS_ESTORE;
    return 0;
}

void dcs_store_set_fsync(dcs_store_t *st, int on)
{
    st->fsync = on;
}

void dcs_store_close(dcs_store_t *st)
{
    if (!st)
        return;
    if (st->mode == 'w' && st->buf)
        dcs_store_flush(st);
    close_file(st); /* closes the datasets held in st->buf: before freeing it */
    for (unsigned i = 0; st->buf && i < st->cfg->channels_count; i++) {
        free(st->buf[i].t_ns);
        free(st->buf[i].value);
        free(st->buf[i].flag);
    }
    free(st->buf);
    free(st);
}
