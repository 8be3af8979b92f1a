/* store_int.h: internals shared by the store's writer (store.c) and reader
 * (store_read.c). Not part of the public API. */
#ifndef DCS_STORE_INT_H
#define DCS_STORE_INT_H

#include "dcs_store.h"

#include <hdf5.h>

typedef struct {
    int64_t *t_ns;
    double *value;
    uint8_t *flag;
    size_t n, cap;
    hid_t ds[3];         /* t_ns, value, flag of the open day file (writer), or -1 */
    hsize_t len;         /* their current length */
} buffer_t;

struct dcs_store {
    const dcs_config_t *cfg;
    char mode;
    char dir[4096];      /* STORE_DIR/SITE */
    buffer_t *buf;       /* one per channel (writer) */
    hid_t file;          /* open day file (writer), or -1 */
    int64_t file_day;
    int fsync;           /* fsync the day file after each flush */
    char errmsg[768];
    char notice[768];    /* something worth a log line that was not an error */
    char problems[8][768]; /* day files skipped by readers, one line each */
    size_t nproblems;
};

/* printf-style: set the store's one-line error. */
void store_set_err(dcs_store_t *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grow three parallel sample arrays to hold cap samples. Returns 0 or DCS_ENOMEM
 * (arrays that did grow are kept, so nothing leaks or dangles). */
int store_arrays_reserve(int64_t **t_ns, double **value, uint8_t **flag, size_t cap);

/* schema check of an open day file; 0 or DCS_ESTORE with errmsg set */
int store_check_schema(dcs_store_t *st, hid_t f, const char *path);

#endif
