/* store.c: HDF5 day files for samples. Assumes one writer per site (the poller)
 * and any number of readers. Each flush appends rows to three matrices shared
 * by all channels (layout.c describes them), so its cost barely grows with the
 * number of channels. The writer creates every object before
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Chunks of the sample matrices: a flush rewrites every chunk it touches, so
 * fewer rows per chunk mean fewer bytes per flush; fewer columns per chunk mean
 * less read for one channel. */
#define CHUNK_ROWS 128
#define CHUNK_COLS 64

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
    st->file = st->ds[0] = st->ds[1] = st->ds[2] = -1;
    st->lock_slot = -1;
    snprintf(st->dir, sizeof st->dir, "%s/%s", cfg->site->store_dir, cfg->site->id);
    size_t n = cfg->channels_count ? cfg->channels_count : 1;
    if (mode == 'w' && (!(st->s_count = calloc(n, sizeof *st->s_count)) ||
                        !(st->col = calloc(n, sizeof *st->col))))
        return DCS_ENOMEM;
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

int store_attr_str(hid_t obj, const char *name, const char *val)
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

int store_attr_int(hid_t obj, const char *name, long long v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_LLONG, &v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

static int write_root_attrs(const dcs_store_t *st, hid_t f, int64_t day)
{
    const dcs_config_site_t *s = st->cfg->site;
    return store_attr_str(f, "schema", DCS_STORE_SCHEMA) |
           store_attr_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) |
           store_attr_str(f, "dcscore_version", DCS_VERSION) | store_attr_str(f, "site_id", s->id) |
           store_attr_str(f, "site_name", s->name) | store_attr_str(f, "region", s->region) |
           store_attr_str(f, "timezone", s->timezone) |
           store_attr_int(f, "pue_category", s->pue_category) |
           store_attr_int(f, "gap_limit_ms", llround(s->gap_limit_s * 1000)) |
           store_attr_int(f, "day_start_ns", day * 86400 * DCS_NS_PER_S);
}

/* ---- writer: create / reopen a day file ----------------------------------- */

static int attr_set_int(hid_t obj, const char *name, long long v)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    return store_attr_int(obj, name, v);
}

static int create_channel(const dcs_store_t *st, hid_t chans, const dcs_config_channel_t *c,
                          hsize_t column)
{
    hid_t g = H5Gcreate2(chans, c->id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    const dcs_config_device_t *d = &st->cfg->devices[c->device_index];
    int rc = store_attr_str(g, "unit", dcs_config_si_unit(c->kind)) |
             store_attr_str(g, "kind", dcs_config_kind_name(c->kind)) |
             store_attr_str(g, "role", dcs_config_role_name(c->role)) |
             store_attr_str(g, "device", d->id) | store_attr_int(g, "cross_check", c->cross_check) |
             store_attr_int(g, "pue_category", st->cfg->site->pue_category) |
             store_attr_int(g, "column", (long long)column);
    H5Gclose(g);
    return rc;
}

/* The three sample matrices, rows x columns, extendible both ways, chunked
 * CHUNK_ROWS x chunk_cols. Their fill values mark a cell never written as
 * holding no sample. */
static int create_matrices(hid_t f, hsize_t chunk_cols)
{
    static const int64_t t_fill = INT64_MIN;
    static const double v_fill = NAN;
    static const uint8_t f_fill = STORE_ABSENT;
    const void *fills[3] = {&t_fill, &v_fill, &f_fill};
    hid_t g = H5Gcreate2(f, "/samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 ? -1 : 0;
    for (int k = 0; !rc && k < 3; k++) {
        hsize_t dims[2] = {0, 0}, maxd[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
        hsize_t chunk[2] = {CHUNK_ROWS, chunk_cols ? chunk_cols : 1};
        hid_t sp = H5Screate_simple(2, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 2, chunk);
        H5Pset_fill_value(dcpl, store_matrix_type(k), fills[k]);
        hid_t d = H5Dcreate2(g, store_matrix_names[k], store_matrix_type(k), sp, H5P_DEFAULT, dcpl,
                             H5P_DEFAULT);
        rc = d < 0 ? -1 : H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(sp);
    }
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static hsize_t chunk_cols(size_t nchannels)
{
    return nchannels < CHUNK_COLS ? (hsize_t)nchannels : CHUNK_COLS;
}

/* Open the matrices. cache_cols > 0 sizes the chunk cache to hold two row bands
 * of that many columns: every chunk a flush touches stays cached between
 * flushes, so no flush re-reads one. */
static int open_matrices(dcs_store_t *st, size_t cache_cols)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (cache_cols)
        H5Pset_chunk_cache(dapl, 10007, 2 * CHUNK_ROWS * (cache_cols + CHUNK_COLS) * 8, 1.0);
    int rc = store_matrices_open(st->file, dapl, 0, st->ds, &st->rows, &st->cols);
    H5Pclose(dapl);
    return rc;
}

static void close_matrices(dcs_store_t *st)
{
    for (int k = 0; k < 3; k++) {
        if (st->ds[k] >= 0)
            H5Dclose(st->ds[k]);
        st->ds[k] = -1;
    }
}

static int set_rows_cols(dcs_store_t *st, hsize_t rows, hsize_t cols)
{
    hsize_t d[2] = {rows, cols};
    for (int k = 0; k < 3; k++)
        if (H5Dset_extent(st->ds[k], d) < 0)
            return -1;
    st->rows = rows;
    st->cols = cols;
    return 0;
}

/* Give every configured channel a column: its own from the file, or a new one
 * (a channel added to the config since the file was made; its earlier rows read
 * as holding no sample). */
static size_t nchan(const dcs_store_t *st)
{
    return st->cfg->channels_count;
}

static size_t leading(const dcs_store_t *st, size_t c, int64_t end_ns);

/* Add the span of channel i's staged samples on this day and its own gap limit
 * to the channel's own_gaps rows (dcs_store_set_gap_limit). */
static int state_gap_limit(dcs_store_t *st, hid_t chans, size_t i, size_t k)
{
    const char *id = st->cfg->channels[i].id;
    long long v[STORE_OWN_MAX][3];
    size_t m = store_channel_own_gaps(chans, id, v), n = nchan(st);
    if (m == STORE_OWN_MAX)
        return store_set_err(st, "store: channel '%s': more than %d imports into one day", id,
                             STORE_OWN_MAX), -1;
    v[m][0] = st->s_t[i];
    v[m][1] = st->s_t[(k - 1) * n + i];
    v[m][2] = st->gap_ms[i] * 1000000;
    hid_t g = H5Gopen2(chans, id, H5P_DEFAULT);
    hsize_t dims[2] = {m + 1, 3};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    if (g >= 0 && H5Aexists(g, "own_gaps") > 0)
        H5Adelete(g, "own_gaps");
    hid_t a = g < 0 ? -1 : H5Acreate2(g, "own_gaps", H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, v) < 0 ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    if (g >= 0)
        H5Gclose(g);
    return rc || attr_set_int(st->file, "own_gaps", 1); /* readers look for them */
}

static size_t leading(const dcs_store_t *st, size_t c, int64_t end_ns);

/* State the own gap limit of each channel that has one and staged samples on
 * this day. */
static int state_gap_limits(dcs_store_t *st, hid_t chans, int64_t day)
{
    int64_t lo = day * 86400 * DCS_NS_PER_S;
    int rc = 0;
    for (size_t i = 0; st->gap_ms && !rc && i < nchan(st); i++) {
        size_t k = leading(st, i, lo + 86400 * DCS_NS_PER_S);
        if (st->gap_ms[i] && k && st->s_t[i] >= lo)
            rc = state_gap_limit(st, chans, i, k);
    }
    return rc;
}

static int map_columns(dcs_store_t *st, int64_t day)
{
    hid_t chans = H5Gopen2(st->file, "/channels", H5P_DEFAULT);
    hsize_t cols = st->cols;
    int rc = chans < 0 ? -1 : 0;
    for (unsigned i = 0; !rc && i < st->cfg->channels_count; i++) {
        long long c = store_channel_column(chans, st->cfg->channels[i].id);
        if (c < 0 || (hsize_t)c >= st->cols) {
            if (c < 0)
                rc = create_channel(st, chans, &st->cfg->channels[i], cols);
            c = (long long)cols++;
        }
        st->col[i] = (uint32_t)c;
    }
    if (!rc)
        rc = state_gap_limits(st, chans, day);
    if (chans >= 0)
        H5Gclose(chans);
    rc = rc || cols == st->cols ? rc : set_rows_cols(st, st->rows, cols);
    return rc || store_colmap_write(st->file, st->cfg, st->col, (size_t)cols);
}

/* Write cells [row0, row0+rows) x [col0, col0+cols) of the three matrices from
 * row-major t, v, fl. */
static int write_block(hid_t ds[3], hsize_t row0, hsize_t col0, hsize_t rows, hsize_t cols,
                       const int64_t *t, const double *v, const uint8_t *fl)
{
    const void *data[3] = {t, v, fl};
    hsize_t start[2] = {row0, col0}, count[2] = {rows, cols};
    hid_t ms = H5Screate_simple(2, count, NULL);
    int rc = 0;
    for (int k = 0; !rc && k < 3; k++) {
        hid_t fs = H5Dget_space(ds[k]);
        rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
             H5Dwrite(ds[k], store_matrix_type(k), ms, fs, H5P_DEFAULT, data[k]) < 0;
        H5Sclose(fs);
    }
    H5Sclose(ms);
    return rc ? -1 : 0;
}

/* Copy the channels of a schema-1 file into new matrices, a column each, mark it
 * schema 2 and drop the old datasets (their space stays in the file until
 * h5repack). Runs before SWMR starts. Interrupted, the file is still schema 1
 * and is upgraded again. */
static int upgrade_v1(dcs_store_t *st, hid_t f, const char *path)
{
    hid_t chans = H5Gopen2(f, "/channels", H5P_DEFAULT);
    char **names = chans < 0 ? NULL : store_channel_names(chans);
    int rc = !names;
    size_t n = 0;
    while (names && names[n])
        n++;
    if (!rc && H5Lexists(f, "/samples", H5P_DEFAULT) > 0)
        rc = H5Ldelete(f, "/samples", H5P_DEFAULT) < 0;
    rc = rc || create_matrices(f, chunk_cols(n)) || open_matrices(st, 0) ||
         set_rows_cols(st, 0, n);
    store_file_t sf = {.f = f, .chans = chans, .version = 1, .ds = {-1, -1, -1}, .own_gaps = -1,
                       .day_ns = store_attr_read(f, "day_start_ns")};
    for (size_t j = 0; !rc && j < n; j++) {
        dcs_store_series_t s = {0};
        const char *id = names[j];
        hid_t g = H5Gopen2(chans, id, H5P_DEFAULT);
        rc = store_file_read(&sf, &id, 1, INT64_MIN, INT64_MAX, &s) || g < 0 ||
             attr_set_int(g, "column", (long long)j) ||
             (s.n > st->rows && set_rows_cols(st, s.n, n)) ||
             (s.n && write_block(st->ds, 0, j, s.n, 1, s.t_ns, s.value, s.flag));
        if (g >= 0)
            H5Gclose(g);
        dcs_store_series_free(&s);
    }
    close_matrices(st);
    rc = rc || H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 ||
         attr_set_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) ||
         H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
    for (size_t j = 0; !rc && j < n; j++)
        for (int k = 0; k < 3; k++) {
            char p[160];
            snprintf(p, sizeof p, "%s/%s", names[j], store_matrix_names[k]);
            if (H5Lexists(chans, p, H5P_DEFAULT) > 0)
                H5Ldelete(chans, p, H5P_DEFAULT);
        }
    store_names_free(names);
    if (chans >= 0)
        H5Gclose(chans);
    if (rc)
        return store_set_err(st, "%s: cannot upgrade schema 1 to %d", path,
                             DCS_STORE_SCHEMA_VERSION), DCS_ESTORE;
    snprintf(st->notice, sizeof st->notice, "%s: upgraded store schema 1 to %d", path,
             DCS_STORE_SCHEMA_VERSION);
    return 0;
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

/* A new day file's attributes and groups, or an existing one's schema checked
 * (and upgraded from 1). */
static int prepare_file(dcs_store_t *st, hid_t f, const char *path, int exists, int64_t day)
{
    if (!exists) {
        hid_t g = H5Gcreate2(f, "/channels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        int rc = g < 0 ? -1 : H5Gclose(g);
        return rc | write_root_attrs(st, f, day) |
               create_matrices(f, chunk_cols(st->cfg->channels_count));
    }
    long long v = store_file_version(f);
    int rc = store_schema_check(v, path, st->errmsg, sizeof st->errmsg);
    return rc ? rc : v == 1 ? upgrade_v1(st, f, path) : 0;
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
    st->file = f;
    /* Every object is made before SWMR starts; then the matrices are opened
     * again with a chunk cache sized for their columns. */
    int rc = prepare_file(st, f, path, exists, day);
    rc = rc || store_stats_prepare(f) || open_matrices(st, 0) || map_columns(st, day);
    close_matrices(st);
    rc = rc || H5Fstart_swmr_write(f) < 0 || open_matrices(st, st->cols);
    if (rc) {
        close_matrices(st);
        H5Fclose(f);
        st->file = -1;
        if (rc != DCS_ESTORE)
            store_set_err(st, "%s: cannot prepare the channels for writing", path);
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

/* Stage one sample of channel c in the next cell of its column. */
static int stage_put(dcs_store_t *st, size_t c, int64_t t, double v, uint8_t f)
{
    size_t r = st->s_count[c], n = nchan(st);
    if (r == st->s_cap) {
        size_t cap = st->s_cap ? 2 * st->s_cap : 64;
        if (store_arrays_reserve(&st->s_t, &st->s_v, &st->s_f, cap * n))
            return DCS_ENOMEM;
        st->s_cap = cap;
    }
    size_t x = r * n + c;
    st->s_t[x] = t;
    st->s_v[x] = v;
    st->s_f[x] = f;
    st->s_count[c] = r + 1;
    if (r >= st->s_rows)
        st->s_rows = r + 1;
    return 0;
}

int dcs_store_append(dcs_store_t *st, const dcs_sample_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].channel >= nchan(st))
            return store_set_err(st, "store: sample for unknown channel %u", s[i].channel),
                   DCS_EINVAL;
        if (stage_put(st, s[i].channel, s[i].t_ns, s[i].flag == DCS_SAMPLE_OK ? s[i].value : NAN,
                      s[i].flag))
            return store_set_err(st, "store: out of memory buffering samples"), DCS_ENOMEM;
    }
    return 0;
}

/* Staged samples of channel c before end_ns (its times ascend). */
static size_t leading(const dcs_store_t *st, size_t c, int64_t end_ns)
{
    size_t k = st->s_count[c], n = nchan(st);
    if (!k || st->s_t[(k - 1) * n + c] < end_ns)
        return k;
    k = 0;
    while (st->s_t[k * n + c] < end_ns)
        k++;
    return k;
}

/* The reason an HDF5 call that failed gives in errno (disk full, file too large,
 * I/O error), or a plain word when it left none. */
static const char *io_reason(void)
{
    return errno ? strerror(errno) : "HDF5 error";
}

/* Room for `rows` more rows in the open day file, checked before HDF5 writes
 * anything: HDF5 cannot be trusted after a write the disk refused (its cache
 * and free-space state go wrong), so a flush that would fill the disk, or pass
 * the process's file-size limit, is not started. Bytes needed: the rows' cells
 * (17 bytes each), at least a chunk's worth, twice, plus metadata. Returns 0,
 * or -1 with errno ENOSPC or EFBIG and *free_b the bytes there are. */
static int room_for(dcs_store_t *st, size_t rows, unsigned long long *free_b)
{
    char path[4200];
    struct stat sb;
    struct statvfs vfs;
    struct rlimit rl;
    dcs_store_day_path(st, st->file_day * 86400 * DCS_NS_PER_S, path, sizeof path);
    unsigned long long need = 2ULL * (rows > CHUNK_ROWS ? rows : CHUNK_ROWS) * (st->cols ? st->cols : 1) * 17 +
                              (1ULL << 20), size = stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
    *free_b = 0;
    if (statvfs(st->dir, &vfs) == 0 && (*free_b = (unsigned long long)vfs.f_bavail * vfs.f_frsize) < need)
        return errno = ENOSPC, -1;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && size + need > rl.rlim_cur)
        return *free_b = rl.rlim_cur > size ? rl.rlim_cur - size : 0, errno = EFBIG, -1;
    return 0;
}

/* A write or flush that failed: back to the rows before it, so that no row of
 * this flush is left in the file without its samples (they stay staged and the
 * next flush writes them at the same rows). Returns -1. */
static int unextend(dcs_store_t *st, hsize_t rows)
{
    int e = errno;
    if (set_rows_cols(st, rows, st->cols))
        st->rows = rows; /* could not shrink (no room even for that): the retry overwrites them */
    errno = e;
    return -1;
}

/* Write staged rows [0, rows) to the file's matrices, in the file's column
 * order: straight from the stage when that order is the config's. */
static int write_rows(dcs_store_t *st, size_t rows)
{
    size_t n = nchan(st), cols = (size_t)st->cols, cells = rows * cols;
    int same = cols == n;
    for (size_t i = 0; same && i < n; i++)
        same = st->col[i] == i;
    hsize_t row0 = st->rows;
    errno = 0;
    if (row0 + rows > STORE_1D_MAX) /* readers refuse a longer day as corrupt */
        return errno = EFBIG, -1;
    if (set_rows_cols(st, row0 + rows, st->cols))
        return -1;
    if (same)
        return write_block(st->ds, row0, 0, rows, cols, st->s_t, st->s_v, st->s_f) ? unextend(st, row0) : 0;
    if (cells > st->rowcap) {
        void *p = realloc(st->rowbuf, cells * 17);
        if (!p)
            return -1;
        st->rowbuf = p;
        st->rowcap = cells;
    }
    int64_t *t = st->rowbuf;
    double *v = (double *)(t + cells);
    uint8_t *fl = (uint8_t *)(v + cells);
    for (size_t x = 0; x < cells; x++)
        t[x] = INT64_MIN, v[x] = NAN;
    memset(fl, STORE_ABSENT, cells);
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) {
            t[r * cols + st->col[i]] = st->s_t[r * n + i];
            v[r * cols + st->col[i]] = st->s_v[r * n + i];
            fl[r * cols + st->col[i]] = st->s_f[r * n + i];
        }
    return write_block(st->ds, row0, 0, rows, cols, t, v, fl) ? unextend(st, row0) : 0;
}

/* Write the staged samples of st->file_day as new rows: row r holds the r-th
 * sample of each channel; a channel with fewer has cells with no sample. Samples
 * of later days (a flush across midnight) are set aside and staged again. The
 * stage is cleared only once the rows are flushed to the file: when a write or
 * the flush fails (disk full), the file goes back to its rows before and every
 * sample stays staged for the next flush. */
static int flush_day(dcs_store_t *st)
{
    int64_t end = (st->file_day + 1) * 86400 * DCS_NS_PER_S;
    size_t n = nchan(st), rows = 0, later = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = leading(st, i, end);
        later += st->s_count[i] - k;
        rows = k > rows ? k : rows;
    }
    dcs_sample_t *keep = later ? malloc(later * sizeof *keep) : NULL;
    if (later && !keep)
        return store_set_err(st, "store: out of memory flushing"), DCS_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = leading(st, i, end);
        for (size_t r = k; r < st->s_count[i]; r++)
            keep[m++] = (dcs_sample_t){.channel = (uint32_t)i, .t_ns = st->s_t[r * n + i],
                                       .value = st->s_v[r * n + i], .flag = st->s_f[r * n + i]};
        st->s_count[i] = k;
        for (size_t r = k; r < rows; r++) { /* no sample in these cells */
            st->s_t[r * n + i] = INT64_MIN;
            st->s_v[r * n + i] = NAN;
            st->s_f[r * n + i] = STORE_ABSENT;
        }
    }
    hsize_t row0 = st->rows;
    unsigned long long free_b = 0;
    if (rows && room_for(st, rows, &free_b)) {
        char path[4200];
        dcs_store_day_path(st, st->file_day * 86400 * DCS_NS_PER_S, path, sizeof path);
        store_set_err(st, "%s: %zu rows not written: %s (%.1f MiB left; kept, retried at the next flush)",
                      path, rows, strerror(errno), (double)free_b / 1048576);
        for (size_t j = 0; j < m; j++)
            stage_put(st, keep[j].channel, keep[j].t_ns, keep[j].value, keep[j].flag);
        free(keep);
        return DCS_ESTORE;
    }
    int rc = rows ? write_rows(st, rows) : 0;
    errno = 0; /* on disk before the stage lets go: a failed flush may drop cached chunks */
    if (!rc && rows && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        rc = unextend(st, row0);
    if (!rc) {
        memset(st->s_count, 0, n * sizeof *st->s_count);
        st->s_rows = 0;
    }
    for (size_t j = 0; j < m; j++) /* fits: their cells were just freed */
        stage_put(st, keep[j].channel, keep[j].t_ns, keep[j].value, keep[j].flag);
    free(keep);
    if (rc) {
        char path[4200];
        dcs_store_day_path(st, st->file_day * 86400 * DCS_NS_PER_S, path, sizeof path);
        return store_set_err(st, "%s: write of %zu rows failed: %s (kept, retried at the next flush)",
                             path, rows, io_reason()), DCS_ESTORE;
    }
    return 0;
}

void store_close_file(dcs_store_t *st)
{
    close_matrices(st);
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
        for (size_t i = 0; i < nchan(st); i++)
            if (st->s_count[i] && dcs_time_day(st->s_t[i]) < day)
                day = dcs_time_day(st->s_t[i]);
        if (day == INT64_MAX)
            break;
        if (st->file < 0 || st->file_day != day) {
            store_close_file(st);
            int rc = open_day(st, day);
            if (rc)
                return rc;
        }
        int rc = flush_day(st);
        if (rc)
            return rc;
    }
    if (st->file >= 0 && store_stats_write(st))
        return store_set_err(st, "%s: writing the poller's self-metrics failed", st->dir),
               DCS_ESTORE;
    errno = 0;
    if (st->file >= 0 && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        return store_set_err(st, "%s: flush failed: %s", st->dir, io_reason()), DCS_ESTORE;
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

int dcs_store_set_gap_limit(dcs_store_t *st, unsigned ci, double gap_s)
{
    if (st->mode != 'w' || ci >= st->cfg->channels_count || !(gap_s > 0) || gap_s > 86400)
        return store_set_err(st, "store: gap limit %g s for channel %u out of range", gap_s, ci),
               DCS_EINVAL;
    if (!st->gap_ms && !(st->gap_ms = calloc(nchan(st), sizeof *st->gap_ms)))
        return DCS_ENOMEM;
    st->gap_ms[ci] = (long long)llround(gap_s * 1000);
    return 0;
}

void dcs_store_close(dcs_store_t *st)
{
    if (!st)
        return;
    if (st->mode == 'w' && st->s_count)
        dcs_store_flush(st);
    store_close_file(st);
    store_unlock(st);
    free(st->s_t);
    free(st->s_v);
    free(st->s_f);
    free(st->s_count);
    free(st->col);
    free(st->gap_ms);
    free(st->rowbuf);
    free(st);
}
