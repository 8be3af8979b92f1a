/* layout.c: reading the day files of both schemas. Schema 1 kept three 1-D
 * datasets per channel, /channels/<id>/{t_ns,value,flag}. Schema 2 keeps three
 * 2-D matrices for all channels, /samples/{t_ns,value,flag}[row][column]; the
 * group /channels/<id> names its column, and a cell whose flag is STORE_ABSENT
 * holds no sample; /samples/columns maps the columns (colmap.c). Readers open
 * files as SWMR readers, so the poller may be writing them; the wanted columns
 * are read chunk by chunk and cut to the window as each chunk is taken. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../base/dcs_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

long long store_attr_read(hid_t obj, const char *name)
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

long long store_file_version(hid_t f)
{
    return store_attr_read(f, "schema_version");
}

long long store_channel_column(hid_t chans, const char *id)
{
    if (chans < 0 || H5Lexists(chans, id, H5P_DEFAULT) <= 0)
        return -1;
    hid_t g = H5Gopen2(chans, id, H5P_DEFAULT);
    long long c = g < 0 ? -1 : store_attr_read(g, "column");
    if (g >= 0)
        H5Gclose(g);
    return c;
}

size_t store_channel_own_gaps(hid_t chans, const char *id, long long v[][3])
{
    if (chans < 0 || H5Lexists(chans, id, H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(chans, id, H5P_DEFAULT);
    hid_t a = g >= 0 && H5Aexists(g, "own_gaps") > 0 ? H5Aopen(g, "own_gaps", H5P_DEFAULT) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    hsize_t dims[2] = {0, 0};
    size_t k = 0;
    if (sp >= 0 && store_extent(sp, 2, dims) == 0 &&
        dims[1] == 3 && dims[0] <= STORE_OWN_MAX && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0)
        k = (size_t)dims[0];
    if (sp >= 0)
        H5Sclose(sp);
    if (a >= 0)
        H5Aclose(a);
    if (g >= 0)
        H5Gclose(g);
    return k;
}

int store_schema_check(long long v, const char *path, char *err, size_t len)
{
    if (v < 1)
        return snprintf(err, len, "%s: not a dcscore store (no schema_version attribute)", path),
               DCS_ESTORE;
    if (v > DCS_STORE_SCHEMA_VERSION)
        return snprintf(err, len, "%s: store schema %lld is newer than this dcscore (%d)", path, v,
                        DCS_STORE_SCHEMA_VERSION),
               DCS_ESTORE;
    return 0;
}

const char *const store_matrix_names[3] = {"t_ns", "value", "flag"};

hid_t store_matrix_type(int k)
{
    return k == 0 ? H5T_NATIVE_INT64 : k == 1 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_UINT8;
}

int store_matrices_open(hid_t f, hid_t dapl, int refresh, hid_t ds[3], hsize_t *rows,
                        hsize_t *cols)
{
    *rows = *cols = (hsize_t)-1;
    for (int k = 0; k < 3; k++) {
        char p[32];
        snprintf(p, sizeof p, "/samples/%s", store_matrix_names[k]);
        if ((ds[k] = H5Dopen2(f, p, dapl)) < 0 || !store_dataset_fits(ds[k], k == 2 ? 1 : 8))
            return -1;
        if (refresh)
            H5Drefresh(ds[k]);
        hsize_t d[2] = {0, 0};
        hid_t sp = H5Dget_space(ds[k]);
        int nd = store_extent(sp, 2, d);
        H5Sclose(sp);
        if (nd || d[0] > STORE_1D_MAX || d[1] > STORE_COLS_MAX)
            return -1;
        *rows = d[0] < *rows ? d[0] : *rows;
        *cols = d[1] < *cols ? d[1] : *cols;
    }
    return 0;
}

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *list)
{
    (void)g, (void)info;
    char ***names = list;
    size_t n = 0;
    while ((*names)[n])
        n++;
    char **grown = realloc(*names, (n + 2) * sizeof *grown);
    if (!grown)
        return -1;
    *names = grown;
    grown[n + 1] = NULL;
    return (grown[n] = strdup(name)) ? 0 : -1;
}

char **store_channel_names(hid_t chans)
{
    char **names = calloc(1, sizeof *names);
    if (names && H5Literate(chans, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_name, &names) < 0) {
        store_names_free(names);
        names = NULL;
    }
    return names;
}

void store_names_free(char **names)
{
    for (size_t j = 0; names && names[j]; j++)
        free(names[j]);
    free(names);
}

hid_t store_reader_open(const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* HDF5 retries a SWMR reader's checksummed metadata 100 times by default,
     * sleeping longer each time: a corrupted file hung readers for good. */
    H5Pset_metadata_read_attempts(fapl, STORE_READ_ATTEMPTS);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    if (f < 0)
        f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

int store_file_open(const char *path, store_file_t *sf, char *err, size_t errlen)
{
    struct stat sb;
    memset(sf, 0, sizeof *sf);
    sf->f = sf->chans = sf->ds[0] = sf->ds[1] = sf->ds[2] = -1;
    if (stat(path, &sb) != 0)
        return DCS_ENODATA;
    sf->f = store_reader_open(path);
    if (sf->f < 0)
        return snprintf(err, errlen, "%s: cannot open (not HDF5 or truncated)", path), DCS_ESTORE;
    long long v = store_file_version(sf->f);
    int rc = store_schema_check(v, path, err, errlen);
    sf->version = (int)v;
    sf->day_ns = store_attr_read(sf->f, "day_start_ns");
    if (!rc && (sf->day_ns < 0 || sf->day_ns % STORE_DAY_NS || sf->day_ns > DCS_TIME_MAX_S * DCS_NS_PER_S - STORE_DAY_NS)) {
        snprintf(err, errlen, "%s: day_start_ns %lld is missing or not a UTC midnight (corrupt?)", path,
                 (long long)sf->day_ns);
        rc = DCS_ESTORE;
    }
    if (!rc && H5Lexists(sf->f, "/channels", H5P_DEFAULT) > 0)
        sf->chans = H5Gopen2(sf->f, "/channels", H5P_DEFAULT);
    /* A rollup file has no matrices: nothing raw to read there. */
    if (!rc && v >= 2 && H5Lexists(sf->f, "/samples", H5P_DEFAULT) > 0 &&
        store_matrices_open(sf->f, H5P_DEFAULT, 1, sf->ds, &sf->rows, &sf->cols)) {
        snprintf(err, errlen, "%s: the /samples matrices are missing or unreadable", path);
        rc = DCS_ESTORE;
    }
    sf->own_gaps = -1;
    if (!rc && sf->ds[0] >= 0)
        store_colmap_load(sf);
    if (rc)
        store_file_close(sf);
    return rc;
}

void store_file_close(store_file_t *sf)
{
    for (int k = 0; k < 3; k++)
        if (sf->ds[k] >= 0)
            H5Dclose(sf->ds[k]);
    if (sf->chans >= 0)
        H5Gclose(sf->chans);
    if (sf->f >= 0)
        H5Fclose(sf->f);
    store_colmap_free(sf);
    sf->f = sf->chans = sf->ds[0] = sf->ds[1] = sf->ds[2] = -1;
}

static int cmp_by_time(const void *a, const void *b, void *key)
{
    const int64_t *t = key;
    int64_t x = t[*(const size_t *)a], y = t[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* Put a series whose files were written out of time order (history imported
 * into an earlier part of a day than samples already there) in time order. */
static int sort_series(dcs_store_series_t *s)
{
    size_t n = s->n, *ix = malloc(n * sizeof *ix);
    char *tmp = malloc(n * 17);
    if (!ix || !tmp)
        return free(ix), free(tmp), DCS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    qsort_r(ix, n, sizeof *ix, cmp_by_time, s->t_ns);
    int64_t *t = (int64_t *)tmp;
    double *v = (double *)(tmp + n * 8);
    uint8_t *fl = (uint8_t *)(tmp + n * 16);
    for (size_t i = 0; i < n; i++)
        t[i] = s->t_ns[ix[i]], v[i] = s->value[ix[i]], fl[i] = s->flag[ix[i]];
    memcpy(s->t_ns, t, n * 8);
    memcpy(s->value, v, n * 8);
    memcpy(s->flag, fl, n);
    free(ix);
    free(tmp);
    return 0;
}

/* Room for n more samples in out, growing by doubling: one pass, no copy a day. */
static int reserve(dcs_store_series_t *out, size_t n)
{
    if (out->n + n <= out->cap)
        return 0;
    size_t cap = out->n + n > 2 * out->cap ? out->n + n : 2 * out->cap;
    if (store_arrays_reserve(&out->t_ns, &out->value, &out->flag, cap))
        return DCS_ENOMEM;
    out->cap = cap;
    return 0;
}

/* Append the samples of n cells of one column (t, v, fl each `stride` apart)
 * within [from, to] to out, which has room for all n. Every stored sample must
 * lie in the file's UTC day [day0, day0 + 1 day): a time outside it is
 * corruption, not a time to compute with; it is skipped and counted in *bad
 * (the others stand). Branch-free: each cell is written, then kept or not.
 * Returns 1 when a kept time is earlier than the one before it. */
static int take_rows(const int64_t *t, const double *v, const uint8_t *fl, size_t n, const size_t stride[3],
                     int64_t day0, int64_t from, int64_t to, dcs_store_series_t *out, size_t *bad)
{
    size_t i = out->n, nbad = 0, s0 = stride[0], s1 = stride[1], s2 = stride[2];
    int64_t last = i ? out->t_ns[i - 1] : INT64_MIN, lo = from > day0 ? from : day0;
    int64_t hi = to < day0 + (STORE_DAY_NS - 1) ? to : day0 + (STORE_DAY_NS - 1);
    int64_t *restrict ot = out->t_ns; /* locals: no reload through out each cell */
    double *restrict ov = out->value;
    uint8_t *restrict of = out->flag;
    int back = 0;
    for (size_t r = 0; r < n; r++) {
        int64_t tr = t[r * s0];
        uint8_t f = fl[r * s2];
        int stored = f != STORE_ABSENT, day = tr >= day0 && tr - day0 < STORE_DAY_NS;
        int keep = stored & (tr >= lo) & (tr <= hi);
        ot[i] = tr;
        ov[i] = v[r * s1];
        of[i] = f;
        back |= keep & (tr < last);
        last = keep ? tr : last;
        i += (size_t)keep;
        nbad += (size_t)(stored & !day);
    }
    out->n = i;
    *bad += nbad;
    return back;
}

int store_extent(hid_t obj_space, int rank, hsize_t *dims)
{
    if (obj_space < 0 || H5Sget_simple_extent_ndims(obj_space) != rank)
        return -1; /* a corrupted file can claim any rank: never more dims than dims[] holds */
    return H5Sget_simple_extent_dims(obj_space, dims, NULL) == rank ? 0 : -1;
}

/* 1 when d is stored as this writer stores it: no filters, and chunks (if any) of
 * the dataset's rank, none longer than a fixed dimension. HDF5 sizes its copy of
 * a chunk from the file's chunk dims: a corrupted one overran its own buffer
 * inside H5Dread. */
static int layout_fits(hid_t d)
{
    hid_t p = H5Dget_create_plist(d), sp = H5Dget_space(d);
    int rank = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp), ok = p >= 0 && rank >= 0 && rank <= 2;
    hsize_t maxd[2] = {0, 0}, chunk[2] = {0, 0};
    ok = ok && H5Pget_nfilters(p) == 0 && H5Sget_simple_extent_dims(sp, NULL, maxd) == rank;
    H5D_layout_t l = ok ? H5Pget_layout(p) : H5D_LAYOUT_ERROR;
    if (l == H5D_CHUNKED) {
        ok = H5Pget_chunk(p, 2, chunk) == rank;
        for (int i = 0; ok && i < rank; i++)
            ok = chunk[i] > 0 && (maxd[i] == H5S_UNLIMITED || chunk[i] <= maxd[i]);
    } else
        ok = ok && (l == H5D_CONTIGUOUS || l == H5D_COMPACT);
    if (sp >= 0)
        H5Sclose(sp);
    if (p >= 0)
        H5Pclose(p);
    return ok;
}

int store_dataset_fits(hid_t d, size_t size)
{
    hid_t t = H5Dget_type(d);
    H5T_class_t c = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
    int ok = (c == H5T_INTEGER || c == H5T_FLOAT) && H5Tget_size(t) == size;
    if (t >= 0)
        H5Tclose(t);
    return ok && layout_fits(d);
}

int store_read_1d(hid_t g, const char *name, hid_t type, size_t elem, void **out, size_t *n)
{
    *out = NULL, *n = 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    H5Drefresh(d);
    hid_t sp = H5Dget_space(d);
    hsize_t dims = 0;
    int bad = store_extent(sp, 1, &dims) || dims > STORE_1D_MAX || !store_dataset_fits(d, elem);
    H5Sclose(sp);
    if (bad)
        return H5Dclose(d), -1;
    *out = malloc(dims ? dims * elem : 1);
    herr_t rc = !*out ? -1 : dims ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) : 0;
    H5Dclose(d);
    *n = (size_t)dims;
    return rc < 0 ? -1 : 0;
}

/* Schema 1: one channel's three datasets. */
static int read_v1(store_file_t *sf, const char *id, int64_t from, int64_t to,
                   dcs_store_series_t *out)
{
    if (sf->chans < 0 || H5Lexists(sf->chans, id, H5P_DEFAULT) <= 0)
        return 0; /* channel added later than this file: nothing here */
    hid_t g = H5Gopen2(sf->chans, id, H5P_DEFAULT);
    void *a[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    const size_t size[3] = {8, 8, 1};
    int rc = g < 0 ? -1 : 0;
    for (int k = 0; !rc && k < 3; k++)
        rc = store_read_1d(g, store_matrix_names[k], store_matrix_type(k), size[k], &a[k], &len[k]);
    if (g >= 0)
        H5Gclose(g);
    size_t n = len[0] < len[1] ? len[0] : len[1];
    n = n < len[2] ? n : len[2];
    size_t one[3] = {1, 1, 1};
    if (!rc && !(rc = reserve(out, n)) &&
        take_rows(a[0], a[1], a[2], n, one, sf->day_ns, from, to, out, &sf->bad_times))
        rc = sort_series(out);
    for (int k = 0; k < 3; k++)
        free(a[k]);
    return rc == DCS_ENOMEM ? rc : rc ? DCS_ESTORE : 0;
}

/* A day file that states the channel's own gap limits: list their spans. */
static int note_own_gap(const store_file_t *sf, const char *id, dcs_store_series_t *s)
{
    long long v[STORE_OWN_MAX][3];
    size_t k = sf->own_gaps ? store_channel_own_gaps(sf->chans, id, v) : 0;
    if (!k)
        return 0;
    dcs_store_own_gap_t *grown = realloc(s->own, (s->nown + k) * sizeof *grown);
    if (!grown)
        return DCS_ENOMEM;
    s->own = grown;
    for (size_t i = 0; i < k; i++) {
        s->own[s->nown++] = (dcs_store_own_gap_t){v[i][0], v[i][1], v[i][2]};
        s->own_gap_ns = v[i][2] > s->own_gap_ns ? v[i][2] : s->own_gap_ns;
    }
    return 0;
}

int64_t dcs_store_gap_at(const dcs_store_series_t *s, int64_t t, int64_t site_gap_ns)
{
    for (size_t i = 0; i < s->nown; i++) /* inside an imported span */
        if (t >= s->own[i].from_ns && t <= s->own[i].to_ns)
            return s->own[i].gap_ns;
    for (size_t i = 0; i < s->nown; i++) /* in the step after its last sample */
        if (t > s->own[i].to_ns && t <= s->own[i].to_ns + s->own[i].gap_ns)
            return s->own[i].gap_ns;
    return site_gap_ns;
}

int64_t dcs_store_gap_run(const dcs_store_series_t *s, int64_t lo, int64_t hi, int64_t site_gap_ns,
                          int64_t *run_hi)
{
    int64_t g = dcs_store_gap_at(s, lo, site_gap_ns), b = hi;
    for (size_t i = 0; i < s->nown; i++) { /* the first span edge after lo */
        int64_t e[3] = {s->own[i].from_ns, s->own[i].to_ns + 1, s->own[i].to_ns + s->own[i].gap_ns + 1};
        for (int k = 0; k < 3; k++)
            b = e[k] > lo && e[k] < b ? e[k] : b;
    }
    if (b < hi && dcs_store_gap_at(s, b, site_gap_ns) == g) /* the same limit goes on */
        return dcs_store_gap_run(s, b, hi, site_gap_ns, run_hi), g;
    *run_hi = b;
    return g;
}

void dcs_store_integrate_power(const dcs_store_series_t *s, int64_t site_gap_ns, dcs_agg_buckets_t *b)
{
    dcs_agg_buckets_t part = *b; /* the same buckets, one run's window */
    for (int64_t a = b->from_ns, e; a < b->to_ns; a = e) {
        int64_t g = dcs_store_gap_run(s, a, b->to_ns, site_gap_ns, &e);
        part.from_ns = a;
        part.to_ns = e;
        dcs_agg_power(s->t_ns, s->value, s->n, g, &part);
    }
}

/* Schema 2 reads chunk by chunk: the three matrices' chunks at one place are
 * read (straight from the file when the matrices are stored as this writer
 * stores them), and each wanted column's rows appended from them while they are
 * in cache. A wanted channel's column and its place among the ids. */
typedef struct {
    hsize_t col;
    size_t i;
} want_t;

static int cmp_want(const void *a, const void *b)
{
    const want_t *x = a, *y = b;
    return x->col != y->col ? (x->col > y->col) - (x->col < y->col) : (x->i > y->i) - (x->i < y->i);
}

#define CHUNK_CELLS_MAX ((hsize_t)1 << 20) /* a chunk read whole: 8 MB of int64 */

/* The chunk shape the three matrices share, and whether each stores the
 * native type (a direct chunk read then copies its bytes as they are). 0, or
 * -1 when they are not chunked alike (then read by hyperslab, 128 x 64). */
static int chunk_shape(const store_file_t *sf, hsize_t chunk[2], int direct[3])
{
    int rc = 0;
    for (int k = 0; k < 3; k++) {
        hid_t p = H5Dget_create_plist(sf->ds[k]), t = H5Dget_type(sf->ds[k]);
        hsize_t c[2] = {0, 0};
        int ok = p >= 0 && H5Pget_layout(p) == H5D_CHUNKED && H5Pget_chunk(p, 2, c) == 2 && c[0] && c[1];
        direct[k] = ok && t >= 0 && H5Tequal(t, store_matrix_type(k)) > 0;
        if (!ok || (k && (c[0] != chunk[0] || c[1] != chunk[1])) || c[0] * c[1] > CHUNK_CELLS_MAX)
            rc = -1;
        if (!k)
            chunk[0] = c[0], chunk[1] = c[1];
        if (p >= 0)
            H5Pclose(p);
        if (t >= 0)
            H5Tclose(t);
    }
    if (rc)
        chunk[0] = 128, chunk[1] = 64, direct[0] = direct[1] = direct[2] = 0;
    return 0;
}

/* Cells [r0, r0 + nr) x [c0, c0 + nc) of matrix k into buf, whose rows are
 * *stride cells apart: the whole chunk at (r0, c0) read straight from the file
 * when it can be, else the block through HDF5's selection and conversion (a
 * chunk never written reads as fill: no sample). */
static int read_block(const store_file_t *sf, int k, int direct, const hsize_t chunk[2], hsize_t r0,
                      hsize_t c0, hsize_t nr, hsize_t nc, void *buf, size_t *stride)
{
    hsize_t off[2] = {r0, c0}, count[2] = {nr, nc};
    uint32_t filters = 0;
    /* Unfiltered, a chunk is chunk[0] x chunk[1] cells (bounded by chunk_shape);
     * one never written has no address, and fails here. */
    if (direct && H5Dread_chunk(sf->ds[k], H5P_DEFAULT, off, &filters, buf) >= 0 && filters == 0) {
        *stride = (size_t)chunk[1];
        return 0;
    }
    hid_t fs = H5Dget_space(sf->ds[k]), ms = H5Screate_simple(2, count, NULL);
    int rc = fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, count, NULL) < 0 ||
             H5Dread(sf->ds[k], store_matrix_type(k), ms, fs, H5P_DEFAULT, buf) < 0 ? -1 : 0;
    if (fs >= 0)
        H5Sclose(fs);
    H5Sclose(ms);
    *stride = (size_t)nc;
    return rc;
}

/* The wanted columns w[0..k-1] (sorted) that lie in the chunk column from c0:
 * every row block read once, each column's rows appended to its series. */
static int read_chunk_column(store_file_t *sf, const hsize_t chunk[2], const int direct[3], hsize_t c0,
                             const want_t *w, size_t k, void *buf[3], int64_t from, int64_t to,
                             dcs_store_series_t *out, uint8_t *back)
{
    hsize_t nc = sf->cols - c0 < chunk[1] ? sf->cols - c0 : chunk[1];
    for (hsize_t r0 = 0; r0 < sf->rows; r0 += chunk[0]) {
        hsize_t nr = sf->rows - r0 < chunk[0] ? sf->rows - r0 : chunk[0];
        size_t stride[3];
        for (int m = 0; m < 3; m++)
            if (read_block(sf, m, direct[m], chunk, r0, c0, nr, nc, buf[m], &stride[m]))
                return DCS_ESTORE;
        for (size_t j = 0; j < k; j++) {
            size_t x = (size_t)(w[j].col - c0);
            back[w[j].i] |= take_rows((int64_t *)buf[0] + x, (double *)buf[1] + x, (uint8_t *)buf[2] + x,
                                      (size_t)nr, stride, sf->day_ns, from, to, &out[w[j].i], &sf->bad_times);
        }
    }
    return 0;
}

/* Schema 2: the wanted columns, a chunk column at a time. */
static int read_v2(store_file_t *sf, const char *const *ids, size_t n, int64_t from, int64_t to,
                   dcs_store_series_t *out)
{
    want_t *w = malloc((n ? n : 1) * sizeof *w);
    size_t *had = malloc((n ? n : 1) * sizeof *had), k = 0;
    uint8_t *back = calloc(n ? n : 1, 1);
    hsize_t chunk[2] = {0, 0};
    int direct[3], rc = w && had && back ? chunk_shape(sf, chunk, direct) : DCS_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        long long c = store_file_column(sf, ids[i]);
        had[i] = out[i].n;
        if (c >= 0 && (hsize_t)c < sf->cols) {
            w[k++] = (want_t){(hsize_t)c, i};
            rc = reserve(&out[i], (size_t)sf->rows);
        }
    }
    qsort(w, k, sizeof *w, cmp_want);
    size_t cells = (size_t)(chunk[0] * chunk[1]);
    char *mem = !rc && k ? malloc(cells * 17) : NULL;
    void *buf[3] = {mem, mem ? mem + cells * 8 : NULL, mem ? mem + cells * 16 : NULL};
    if (!rc && k && !mem)
        rc = DCS_ENOMEM;
    for (size_t j = 0; !rc && j < k;) {
        hsize_t c0 = w[j].col / chunk[1] * chunk[1];
        size_t e = j;
        while (e < k && w[e].col < c0 + chunk[1])
            e++;
        rc = read_chunk_column(sf, chunk, direct, c0, w + j, e - j, buf, from, to, out, back);
        j = e;
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (out[i].n > had[i] && !(rc = back[i] ? sort_series(&out[i]) : 0))
            rc = note_own_gap(sf, ids[i], &out[i]);
    free(mem);
    free(back);
    free(w);
    free(had);
    return rc;
}

int store_file_read(store_file_t *sf, const char *const *ids, size_t n, int64_t from,
                    int64_t to, dcs_store_series_t *out)
{
    if (sf->version >= 2)
        return sf->chans < 0 || !sf->rows ? 0 : read_v2(sf, ids, n, from, to, out);
    for (size_t i = 0; i < n; i++) {
        int rc = read_v1(sf, ids[i], from, to, &out[i]);
        if (rc)
            return rc;
    }
    return 0;
}
