/* region_int.h: the two backends of the regional store behind one set of
 * calls. SQL is written once, with $1..$n parameters (both backends read
 * them), every parameter passed as text or NULL; "%ID%" in DDL stands for each
 * backend's auto-numbered primary key. */
#ifndef DCS_REGION_INT_H
#define DCS_REGION_INT_H

#include "dcs_region.h"

/* A result row: ncols values as text, NULL for SQL NULL. Non-zero stops. */
typedef int (*rs_row_fn)(void *ctx, int ncols, const char *const *vals);

typedef struct {
    const char *name, *id_ddl;
    /* Run sql with n text parameters; rows (if any) go to fn (may be NULL). 0 or -1 (err). */
    int (*run)(void *h, const char *sql, int n, const char *const *params, rs_row_fn fn, void *ctx, char *err,
               size_t errlen);
    const char *begin;            /* a write transaction that serialises ingests */
    void (*close)(void *h);
} rs_ops_t;

struct dcs_region {
    const rs_ops_t *ops;
    void *h;
    int schema;
    char errmsg[700];
};

int rs_sqlite_open(const char *path, void **h, char *err, size_t errlen);
int rs_pg_open(const char *conninfo, void **h, char *err, size_t errlen);
extern const rs_ops_t rs_sqlite_ops, rs_pg_ops;

/* r->ops->run with r's errmsg. */
int rs_run(dcs_region_t *r, const char *sql, int n, const char *const *params, rs_row_fn fn, void *ctx);
/* The first column of the first row as a long long (*v untouched when none). */
int rs_one(dcs_region_t *r, const char *sql, int n, const char *const *params, long long *v);
/* v as a parameter's text (17 significant digits) in buf, or NULL (SQL NULL)
 * when it is not finite; and a column's text back (NaN for NULL). */
const char *rs_num(char *buf, size_t len, double v);
double rs_double(const char *v);
/* Is site registered to an operator other than op? 1, 0, or -1 (store error). */
int rs_site_of_other(dcs_region_t *r, const char *site, const char *op);
/* Register operator op and its site (of region): a name refreshes the site's
 * name and region; NULL registers it, named by its id, only when new. 0 or -1. */
int rs_register(dcs_region_t *r, const char *op, const char *site, const char *name, const char *region,
                int64_t now_ns);

#endif
