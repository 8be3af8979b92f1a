/* store_int.h: internals shared by the store's writer (store.c), its readers
 * (store_read.c, inspect.c) and the day-file layouts (layout.c). Not part of
 * the public API. */
#ifndef DCS_STORE_INT_H
#define DCS_STORE_INT_H

#include "dcs_store.h"

#include <hdf5.h>

/* Flag of a cell of the schema-2 sample matrices that holds no sample: the
 * channel had fewer samples than others in that flush, or did not exist yet. */
#define STORE_ABSENT 255

/* A day file's column map (colmap.c): n names of w bytes, NUL-padded, in
 * column order, and the columns in name order for lookups. */
typedef struct {
    char *names;
    size_t n, w;
    uint32_t *order;
} store_colmap_t;

/* One day file opened for reading: its schema version and, for schema 2, the
 * three sample matrices (rows x columns), /channels and the column map. */
typedef struct {
    hid_t f, chans;
    store_colmap_t map;  /* order == NULL: no usable map, look up per channel */
    int own_gaps;        /* 0: no channel states its own gap limit; -1: look */
    int version;
    hid_t ds[3];         /* t_ns, value, flag (schema 2) */
    hsize_t rows, cols;  /* the common extent of the three */
    int64_t day_ns;      /* its day_start_ns attribute, -1 when absent */
    size_t bad_times;    /* samples read with a time outside that day: skipped */
} store_file_t;

#define STORE_DAY_NS (86400 * DCS_NS_PER_S)

struct dcs_store {
    const dcs_config_t *cfg;
    char mode;
    char dir[4096];      /* STORE_DIR/SITE */
    /* Writer's staging area: rows x channels cells, row-major, in config
     * channel order; channel i's samples fill its column from row 0. */
    int64_t *s_t;
    double *s_v;
    uint8_t *s_f;
    size_t s_rows, s_cap; /* rows in use (the longest column), rows allocated */
    size_t *s_count;     /* samples staged per channel */
    hid_t file;          /* open day file (writer), or -1 */
    int64_t file_day;
    hid_t ds[3];         /* its sample matrices t_ns, value, flag */
    hsize_t rows, cols;  /* their extent */
    uint32_t *col;       /* the file column of each config channel */
    void *rowbuf;        /* flush scratch: rows x cols cells of each matrix */
    size_t rowcap;       /* cells it holds */
    int fsync;           /* fsync the day file after each flush */
    long long *gap_ms;   /* per config channel: own gap limit to state, 0 = none */
    int64_t stats_t;     /* selfstats.c: the latest self-metrics row, */
    double stats[DCS_STORE_STATS_N];
    int stats_pending;   /* not yet written */
    char errmsg[768];
    char notice[768];    /* something worth a log line that was not an error */
    char problems[8][768]; /* day files skipped by readers, one line each */
    size_t nproblems;
    int lock_slot;       /* lock.c: this process's writer lock on dir, -1 none */
    int rollups_only;    /* rollup.c: 1 + the only rollup level readers use, 0: any */
};

/* printf-style: set the store's one-line error. */
void store_set_err(dcs_store_t *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grow three parallel sample arrays to hold cap samples. Returns 0 or DCS_ENOMEM
 * (arrays that did grow are kept, so nothing leaks or dangles). */
int store_arrays_reserve(int64_t **t_ns, double **value, uint8_t **flag, size_t cap);

/* Writer: flush HDF5's buffers and close the open day file, if any. */
void store_close_file(dcs_store_t *st);

/* Release the writer lock (lock.c), if held. */
void store_unlock(dcs_store_t *st);

/* Self-metrics (selfstats.c): create /poller in a day file that lacks it (before
 * SWMR starts); write the pending row into the open file if it is of its day. */
int store_stats_prepare(hid_t f);
int store_stats_write(dcs_store_t *st);

/* ---- rollup files (rollup.c, made by rollup_make.c) ---- */

#define STORE_ROLLUP_LAYOUT 2 /* the rollup_layout attribute this version writes */
#define STORE_ROLLUP_GROUP 64 /* the rollup matrices' chunk width, in channels */
extern const char *const store_rollup_level_names[DCS_STORE_NLEVELS];
/* /channels: the config's channel ids as fixed-width strings. 0 or -1. */
int store_rollup_write_ids(const dcs_config_t *cfg, hid_t f);
/* Levels lo..hi: start_ns (the day's bucket starts) and six empty matrices of
 * ncols columns. 0 or -1. */
int store_rollup_create_levels(hid_t f, int64_t day, size_t ncols, int lo, int hi);
/* Columns col0 .. col0 + m of level l's six matrices from r[j * nb + k]
 * (channel j, bucket k) through buf (6 x nb x (m + 63) doubles). 0 or -1. */
int store_rollup_write_columns(hid_t f, int l, size_t col0, size_t m, const dcs_agg_rollup_t *r, double *buf);
typedef struct store_rollup_scratch store_rollup_scratch_t;

/* ---- column maps (colmap.c) ---- */

/* A 1-D dataset of n fixed-width UTF-8 strings, as long as the longest, at
 * loc/path; and back: n names of *w bytes each (NUL-padded), malloc'd, NULL
 * when absent or not such a list. */
int store_names_write(hid_t loc, const char *path, const char *const *names, size_t n);
char *store_names_read(hid_t f, const char *path, size_t *n, size_t *w);
/* Writer, before SWMR: make /samples/columns name the file's cols columns
 * (config channel i in column col[i]) when it is absent or shorter, and set the
 * root own_gaps attribute when absent. Returns 0 or -1. */
int store_colmap_write(hid_t f, const dcs_config_t *cfg, const uint32_t *col, size_t cols);
/* Reader: load sf's map (sf->cols known) and own_gaps; free it. */
void store_colmap_load(store_file_t *sf);
void store_colmap_free(store_file_t *sf);
/* The column of channel id in sf, -1 when it has none. */
long long store_file_column(const store_file_t *sf, const char *id);

/* A scalar UTF-8 string attribute (0 or -1). */
int store_attr_str(hid_t obj, const char *name, const char *val);
/* A scalar integer attribute: write (0 or -1), or read (-1 when absent). */
int store_attr_int(hid_t obj, const char *name, long long v);
long long store_attr_read(hid_t obj, const char *name);

/* ---- day-file layouts (layout.c) ---- */

/* Open a day file as an SWMR reader and check its schema. Returns 0,
 * DCS_ENODATA (no such file) or DCS_ESTORE with one line in err. */
int store_file_open(const char *path, store_file_t *sf, char *err, size_t errlen);
/* Open a store file read-only (as a SWMR reader when it is being written) with
 * metadata read retries bounded to STORE_READ_ATTEMPTS, so a corrupted file
 * fails within seconds instead of hanging. -1 when it cannot be opened. */
#define STORE_READ_ATTEMPTS 3
hid_t store_reader_open(const char *path);
/* The extent of a dataspace of `rank` dimensions into dims[0..rank-1]; -1 when it
 * has another rank (a corrupted file can claim any). */
int store_extent(hid_t obj_space, int rank, hsize_t *dims);
/* 1 when dataset d holds plain integers or floats of `size` bytes (what a reader
 * converts into a buffer of that width: a corrupted type would overrun it), laid
 * out as this writer lays it out (unfiltered; chunks of its rank, none longer
 * than a fixed dimension: HDF5 trusts a file's chunk dims when it copies). */
int store_dataset_fits(hid_t d, size_t size);
#define STORE_1D_MAX 20000000ULL /* rows of one day's file (23x a 100 ms poll): more is corruption */
#define STORE_COLS_MAX 1000000ULL /* channels of one file */
#define STORE_ID_WIDTH_MAX 65      /* a rollup's channel-name strings: 64 characters and NUL */
void store_file_close(store_file_t *sf);

/* Append the samples of channels ids[0..n-1] in [from, to] to out[0..n-1]
 * (one read of the file for all of them). A channel the file does not hold adds
 * nothing. Returns 0, DCS_ENOMEM or DCS_ESTORE. */
int store_file_read(store_file_t *sf, const char *const *ids, size_t n, int64_t from,
                    int64_t to, dcs_store_series_t *out);

/* 0 when schema version v is one this dcscore reads; else DCS_ESTORE with one
 * line naming path in err. */
int store_schema_check(long long v, const char *path, char *err, size_t len);

/* The three matrices of schema 2 (and the three datasets of a schema-1
 * channel): names and HDF5 types, index 0 t_ns, 1 value, 2 flag. */
extern const char *const store_matrix_names[3];
hid_t store_matrix_type(int k);

/* Open /samples/{t_ns,value,flag} of f with dapl (refreshed first for an SWMR
 * reader) and take their common extent: a reader may see one extended before
 * its neighbours. Returns 0 or -1 (handles opened so far are in ds). */
int store_matrices_open(hid_t f, hid_t dapl, int refresh, hid_t ds[3], hsize_t *rows,
                        hsize_t *cols);

/* Read the whole 1-D dataset g/name (elem bytes each) into a new *out of *n
 * elements. Returns 0 or -1. */
int store_read_1d(hid_t g, const char *name, hid_t type, size_t elem, void **out, size_t *n);

/* Names of the groups under chans, NULL-terminated, or NULL on failure; freed
 * with store_names_free. */
char **store_channel_names(hid_t chans);
void store_names_free(char **names);

/* Schema version of an open file, or -1 when it is not a dcscore store. */
long long store_file_version(hid_t f);

/* The column of /channels/<id> in a schema-2 file, or -1. */
long long store_channel_column(hid_t chans, const char *id);
/* The own gap limits /channels/<id> states for imported history: its own_gaps
 * attribute, int64 [k][3] rows of (first, last sample time, gap limit in ns),
 * one per import into the day. Fills up to STORE_OWN_MAX rows of v; returns k. */
#define STORE_OWN_MAX 64
size_t store_channel_own_gaps(hid_t chans, const char *id, long long v[][3]);

#endif
