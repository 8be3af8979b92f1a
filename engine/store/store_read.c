/* store_read.c: reading channels back across day files, for score, report,
 * rollup and export. A day file that cannot be read is skipped and named, so
 * the other days still count. The layouts themselves: layout.c. */
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

void dcs_store_add_problem(dcs_store_t *st, const char *line)
{
    store_set_err(st, "%s", line);
    add_problem(st);
}

void dcs_store_set_error(dcs_store_t *st, const char *line)
{
    store_set_err(st, "%s", line);
}

const char *dcs_store_problem(const dcs_store_t *st, size_t i)
{
    return i < st->nproblems ? st->problems[i] : NULL;
}

/* Empty series s for a new read, keeping its arrays (and their room). */
static void series_reset(dcs_store_series_t *s)
{
    free(s->own);
    s->own = NULL;
    s->n = s->nown = 0;
    s->own_gap_ns = 0;
}

/* dcs_store_read_many into out as it is (series_reset'd). */
static int read_into(dcs_store_t *st, const char *const *ids, size_t n, int64_t from_ns, int64_t to_ns,
                     dcs_store_series_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (dcs_config_channel_find(st->cfg, ids[i]) < 0) {
            store_set_err(st, "store: no channel '%s' in the site config", ids[i]);
            return DCS_EINVAL;
        }
    size_t *had = malloc((n ? n : 1) * 2 * sizeof *had); /* samples and spans before each file */
    if (!had)
        return store_set_err(st, "out of memory"), DCS_ENOMEM;
    for (int64_t day = dcs_time_day(from_ns); day <= dcs_time_day(to_ns); day++) {
        char path[4200];
        store_file_t sf;
        dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, path, sizeof path);
        int rc = store_file_open(path, &sf, st->errmsg, sizeof st->errmsg);
        if (rc == DCS_ESTORE)
            add_problem(st); /* skip the bad day; the others still count */
        if (rc)
            continue;
        for (size_t i = 0; i < n; i++)
            had[2 * i] = out[i].n, had[2 * i + 1] = out[i].nown;
        rc = store_file_read(&sf, ids, n, from_ns, to_ns, out);
        store_file_close(&sf);
        if (rc == DCS_ENOMEM) {
            for (size_t i = 0; i < n; i++)
                dcs_store_series_free(&out[i]);
            free(had);
            return store_set_err(st, "%s: out of memory", path), DCS_ENOMEM;
        }
        if (rc) { /* none of this file's samples: what was read of it may be garbage */
            for (size_t i = 0; i < n; i++)
                out[i].n = had[2 * i], out[i].nown = had[2 * i + 1];
            store_set_err(st, "%s: sample data unreadable: skipped", path);
            add_problem(st);
        } else if (sf.bad_times) {
            store_set_err(st, "%s: %zu sample times outside the file's day skipped (corrupt?)", path,
                          sf.bad_times);
            add_problem(st);
        }
    }
    free(had);
    return 0;
}

int dcs_store_read_many(dcs_store_t *st, const char *const *ids, size_t n, int64_t from_ns,
                        int64_t to_ns, dcs_store_series_t *out)
{
    memset(out, 0, n * sizeof *out);
    return read_into(st, ids, n, from_ns, to_ns, out);
}

int dcs_store_read(dcs_store_t *st, const char *channel_id, int64_t from_ns, int64_t to_ns,
                   dcs_store_series_t *out)
{
    return dcs_store_read_many(st, &channel_id, 1, from_ns, to_ns, out);
}

int dcs_store_read_margin_into(dcs_store_t *st, const char *const *ids, size_t n, int64_t lo, int64_t hi,
                               int64_t gap_ns, dcs_store_series_t *out)
{
    for (size_t j = 0; j < n; j++)
        series_reset(&out[j]);
    int rc = read_into(st, ids, n, lo - gap_ns, hi + gap_ns, out);
    int64_t own = 0;
    for (size_t j = 0; !rc && j < n; j++)
        own = out[j].own_gap_ns > own ? out[j].own_gap_ns : own;
    if (rc || own <= gap_ns)
        return rc;
    for (size_t j = 0; j < n; j++)
        series_reset(&out[j]);
    return read_into(st, ids, n, lo - own, hi + own, out);
}

void dcs_store_series_free(dcs_store_series_t *s)
{
    free(s->t_ns);
    free(s->value);
    free(s->flag);
    free(s->own);
    memset(s, 0, sizeof *s);
}

/* First and last t_ns of every configured channel in one file; widen [*lo, *hi]. */
static int file_range(store_file_t *sf, const dcs_config_t *cfg, int64_t *lo, int64_t *hi)
{
    size_t n = cfg->channels_count;
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    dcs_store_series_t *s = calloc(n ? n : 1, sizeof *s);
    int rc = ids && s ? 0 : DCS_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        ids[i] = cfg->channels[i].id;
    if (!rc)
        rc = store_file_read(sf, ids, n, INT64_MIN, INT64_MAX, s);
    for (size_t i = 0; s && i < n; i++) {
        if (rc)
            s[i].n = 0; /* a bad file widens nothing */
        if (s[i].n && s[i].t_ns[0] < *lo)
            *lo = s[i].t_ns[0];
        if (s[i].n && s[i].t_ns[s[i].n - 1] > *hi)
            *hi = s[i].t_ns[s[i].n - 1];
        dcs_store_series_free(&s[i]);
    }
    free(ids);
    free(s);
    return rc;
}

int dcs_store_range(dcs_store_t *st, int64_t *first_ns, int64_t *last_ns)
{
    DIR *dir = opendir(st->dir);
    if (!dir)
        return store_set_err(st, "%s: no store yet (nothing polled?)", st->dir), DCS_ENODATA;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t plen = strlen(st->cfg->site->id);
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".h5") || strncmp(e->d_name, st->cfg->site->id, plen))
            continue;
        char path[4400];
        store_file_t sf;
        snprintf(path, sizeof path, "%s/%s", st->dir, e->d_name);
        if (store_file_open(path, &sf, st->errmsg, sizeof st->errmsg)) {
            add_problem(st);
            continue;
        }
        if (file_range(&sf, st->cfg, &lo, &hi)) {
            store_set_err(st, "%s: unreadable channel data", path);
            add_problem(st);
        }
        store_file_close(&sf);
    }
    closedir(dir);
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
