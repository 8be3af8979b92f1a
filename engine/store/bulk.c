/* bulk.c: writing many days of samples at once (history import, the year
 * bench), the days split across worker processes (dcs_par.h). Each worker
 * writes whole day files through its own copy of the writer, so no two
 * processes ever open one file. */
#include "store_int.h"
#include "../base/dcs_base.h"
#include "../base/dcs_par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    dcs_store_t *st;
    const dcs_sample_t *s;
    const size_t *start; /* day k's samples: s[start[k] .. start[k + 1]) */
    char (*err)[768];    /* shared: each day's error */
} bulk_t;

static int write_day(void *ctx, size_t k)
{
    bulk_t *b = ctx;
    int rc = dcs_store_append(b->st, b->s + b->start[k], b->start[k + 1] - b->start[k]);
    if (!rc)
        rc = dcs_store_flush(b->st);
    store_close_file(b->st); /* a worker's file is complete before it exits */
    if (rc)
        snprintf(b->err[k], sizeof b->err[k], "%s", b->st->errmsg);
    return rc;
}

/* Where each day's samples start, ndays + 1 entries; 0 days when the days of
 * s do not ascend. NULL when out of memory. */
static size_t *day_starts(const dcs_sample_t *s, size_t n, size_t *ndays)
{
    size_t cap = 16, k = 0;
    size_t *start = malloc(cap * sizeof *start);
    int64_t day = INT64_MIN;
    for (size_t i = 0; start && i < n; i++) {
        int64_t d = dcs_time_day(s[i].t_ns);
        if (d < day)
            return *ndays = 0, start; /* not in day order */
        if (d == day)
            continue;
        if (k + 2 > cap) {
            size_t *grown = realloc(start, (cap *= 2) * sizeof *start);
            if (!grown)
                return free(start), NULL;
            start = grown;
        }
        start[k++] = i;
        day = d;
    }
    if (start)
        start[k] = n;
    *ndays = k;
    return start;
}

int dcs_store_write_days(dcs_store_t *st, const dcs_sample_t *s, size_t n)
{
    size_t ndays = 0;
    int rc = dcs_store_flush(st);
    if (rc)
        return rc;
    store_close_file(st); /* no file open across the fork */
    size_t *start = day_starts(s, n, &ndays);
    if (!start)
        return store_set_err(st, "store: out of memory"), DCS_ENOMEM;
    if (ndays < 2) {
        free(start);
        rc = dcs_store_append(st, s, n);
        return rc ? rc : dcs_store_flush(st);
    }
    bulk_t b = {.st = st, .s = s, .start = start, .err = dcs_par_shared(ndays * sizeof *b.err)};
    char perr[300] = "";
    rc = b.err ? dcs_par_run(dcs_par_workers(), ndays, write_day, &b, perr, sizeof perr) : DCS_ENOMEM;
    for (size_t k = 0; rc && b.err && k < ndays; k++)
        if (b.err[k][0]) {
            store_set_err(st, "%s", b.err[k]);
            break;
        }
    if (rc && perr[0])
        store_set_err(st, "%s", perr);
    if (rc == DCS_ENOMEM && !b.err)
        store_set_err(st, "store: out of memory");
    dcs_par_unshare(b.err, ndays * sizeof *b.err);
    free(start);
    return rc;
}
