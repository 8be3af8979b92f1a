/* csv.c: export the store to CSV and import CSV history into it, for the people
 * who live in spreadsheets and BMS/DCIM exports. Rows are polling ticks; times
 * are UTC plus the site's zone; values are in each channel's stored unit on
 * export and in its configured unit on import. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- export ---------------------------------------------------------------- */

typedef struct {
    unsigned channel;
    dcs_store_series_t s;
    size_t pos;
} column_t;

static int64_t next_tick(const column_t *c, size_t nc, int64_t iv)
{
    int64_t best = INT64_MAX;
    for (size_t k = 0; k < nc; k++)
        if (c[k].pos < c[k].s.n) {
            int64_t t = c[k].s.t_ns[c[k].pos];
            t -= ((t % iv) + iv) % iv;
            best = t < best ? t : best;
        }
    return best;
}

static void write_header(const dcs_config_t *cfg, const column_t *c, size_t nc, FILE *out)
{
    fputs("time_utc,time_local", out);
    for (size_t k = 0; k < nc; k++) {
        const dcs_config_channel_t *ch = &cfg->channels[c[k].channel];
        fprintf(out, ",%s (%s)", ch->id, dcs_config_si_unit(ch->kind));
    }
    fputs("\r\n", out);
}

int dcs_store_export_csv(dcs_store_t *st, const dcs_store_export_t *opt, FILE *out)
{
    const dcs_config_t *cfg = st->cfg;
    size_t nc = opt->channels ? opt->nchannels : cfg->channels_count;
    column_t *c = calloc(nc ? nc : 1, sizeof *c);
    int rc = c ? 0 : DCS_ENOMEM;
    for (size_t k = 0; !rc && k < nc; k++) {
        int ci = opt->channels ? dcs_config_channel_find(cfg, opt->channels[k]) : (int)k;
        if (ci < 0) {
            store_set_err(st, "export: no channel '%s' in the site config", opt->channels[k]);
            rc = DCS_EINVAL;
            break;
        }
        c[k].channel = (unsigned)ci;
        rc = dcs_store_read(st, cfg->channels[ci].id, opt->from_ns, opt->to_ns - 1, &c[k].s);
    }
    int64_t iv = (int64_t)cfg->site->poll_interval_ms * 1000000;
    if (!rc) {
        if (opt->bom)
            fputs("\xEF\xBB\xBF", out);
        write_header(cfg, c, nc, out);
    }
    for (int64_t tick; !rc && (tick = next_tick(c, nc, iv)) != INT64_MAX;) {
        char utc[48], local[48];
        dcs_time_format(tick, NULL, utc, sizeof utc);
        dcs_time_format(tick, cfg->site->timezone, local, sizeof local);
        fprintf(out, "%s,%s", utc, local);
        for (size_t k = 0; k < nc; k++) {
            column_t *col = &c[k];
            fputc(',', out);
            /* the channel's samples in this tick: the last one wins */
            double v = NAN;
            while (col->pos < col->s.n && col->s.t_ns[col->pos] < tick + iv)
                v = col->s.value[col->pos++];
            if (isfinite(v))
                fprintf(out, "%.17g", v);
        }
        fputs("\r\n", out);
    }
    for (size_t k = 0; c && k < nc; k++)
        dcs_store_series_free(&c[k].s);
    free(c);
    if (!rc && ferror(out))
        rc = (store_set_err(st, "export: write failed"), DCS_EIO);
    return rc;
}

/* ---- import ---------------------------------------------------------------- */


/* A header cell "id", "id (unit)" or "id [unit]": the channel index (-1 when
 * not a channel) and the factor from the column's values to W, Wh or % (the
 * channel's own unit when the cell names none). Returns 0, or an error set on
 * st for a unit that is unknown or not of the channel's kind. */
static int header_channel(dcs_store_t *st, char *cell, const char *path, int *ch, double *to_si)
{
    char *open = strpbrk(cell, "([");
    char *unit = NULL;
    if (open) {
        char *close = strchr(open, *open == '(' ? ')' : ']');
        if (close)
            *close = '\0';
        unit = open + 1;
        while (open > cell && open[-1] == ' ')
            open--;
        *open = '\0';
    }
    if ((*ch = dcs_config_channel_find(st->cfg, cell)) < 0)
        return 0;
    const dcs_config_channel_t *c = &st->cfg->channels[*ch];
    *to_si = c->to_si;
    if (!unit)
        return 0;
    int rc = dcs_config_unit_parse(unit, c->kind, to_si);
    if (rc == DCS_EINVAL)
        return store_set_err(st, "%s:1: column '%s': unknown unit '%s'", path, cell, unit), rc;
    if (rc)
        return store_set_err(st, "%s:1: column '%s': unit '%s' is not a unit of this %s channel",
                             path, cell, unit, c->kind == DCS_CONFIG_POWER ? "power"
                             : c->kind == DCS_CONFIG_ENERGY ? "energy" : "utilisation"),
               DCS_EINVAL;
    return 0;
}

static void bad_row(dcs_store_import_t *opt, const char *path, int line, const char *fmt,
                    const char *what)
{
    if (opt->nbad < 5) {
        char msg[120];
        snprintf(msg, sizeof msg, fmt, what);
        snprintf(opt->bad[opt->nbad], sizeof opt->bad[0], "%s:%d: %s", path, line, msg);
    }
    opt->nbad++;
}

static int parse_time(const char *s, const char *zone, int64_t *t)
{
    char *end;
    double secs = strtod(s, &end);
    if (end != s && *end == '\0' && strchr(s, '-') == NULL) /* Unix seconds */
        return dcs_time_from_s(secs, t);
    return dcs_time_parse(s, zone, t);
}

typedef struct {
    int ncols;
    int col_channel[256];   /* channel index per CSV column (col 0 = time) */
    double col_to_si[256];  /* column value x col_to_si = W, Wh or % (header unit) */
    int64_t last_t;
} import_state_t;

/* Parse one data row into samples; returns samples added, or -1 (bad row). */
#define COL_LOCAL_TIME (-2) /* export's time_local column: read past */

static int parse_row(dcs_store_t *st, import_state_t *is, char **f, int nf, dcs_store_import_t *opt,
                     const char *path, int line, dcs_sample_t *out)
{
    int64_t t;
    if (nf != is->ncols)
        return bad_row(opt, path, line, "%s", nf < is->ncols ? "too few columns" : "too many columns"), -1;
    if (parse_time(f[0], opt->zone ? opt->zone : st->cfg->site->timezone, &t))
        return bad_row(opt, path, line, "time '%s' not understood (a date and time between 1970 and "
                       "2262, or Unix seconds)", f[0]), -1;
    if (t <= is->last_t)
        return bad_row(opt, path, line, "time '%s' is not after the previous row", f[0]), -1;
    int n = 0;
    for (int k = 1; k < nf; k++) {
        char *end;
        if (!f[k][0] || is->col_channel[k] == COL_LOCAL_TIME)
            continue; /* empty: missing; export's local time: the UTC column says it */
        double v = strtod(f[k], &end);
        if (end == f[k] || *end || !isfinite(v))
            return bad_row(opt, path, line, "value '%s' is not a number", f[k]), -1;
        out[n++] = (dcs_sample_t){.channel = (uint32_t)is->col_channel[k], .t_ns = t,
                                  .value = v * is->col_to_si[k]};
    }
    is->last_t = t;
    return n;
}

static int read_header(dcs_store_t *st, char *buf, import_state_t *is, const char *path)
{
    char *f[256];
    if ((unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        buf += 3;
    is->ncols = dcs_csv_split(buf, f, 256);
    if (is->ncols < 2 || strncmp(f[0], "time", 4) != 0)
        return store_set_err(st, "%s:1: the first column must be the time ('time...')", path),
               DCS_EINVAL;
    for (int k = 1; k < is->ncols; k++) {
        if (k == 1 && strcmp(f[k], "time_local") == 0) { /* dcscore export's own file */
            is->col_channel[k] = COL_LOCAL_TIME;
            continue;
        }
        if (header_channel(st, f[k], path, &is->col_channel[k], &is->col_to_si[k]))
            return DCS_EINVAL;
        if (is->col_channel[k] < 0)
            return store_set_err(st, "%s:1: column '%s' is not a channel of site %s", path, f[k],
                                 st->cfg->site->id), DCS_EINVAL;
        for (int j = 1; j < k; j++)
            if (is->col_channel[j] == is->col_channel[k])
                return store_set_err(st, "%s:1: columns %d and %d are both channel '%s'", path, j + 1, k + 1,
                                     st->cfg->channels[is->col_channel[k]].id), DCS_EINVAL;
    }
    return 0;
}

static int steps_add(int64_t **v, size_t *n, size_t *cap, int64_t step)
{
    if (*n == *cap) {
        int64_t *grown = realloc(*v, (*cap = 2 * *cap + 1024) * sizeof **v);
        if (!grown)
            return DCS_ENOMEM;
        *v = grown;
    }
    (*v)[(*n)++] = step;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The median of n steps in seconds (the lower middle one), NaN when none. */
static double median_s(int64_t *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_i64);
    return (double)v[(n - 1) / 2] * 1e-9;
}

/* Refuse a file whose period [first_t, last_t] already holds samples of its
 * channels: history goes into time that has none. */
static int check_period_empty(dcs_store_t *st, const import_state_t *is, int64_t first_t,
                              int64_t last_t, const char *path)
{
    for (int k = 1; k < is->ncols; k++) {
        if (is->col_channel[k] < 0)
            continue;
        dcs_store_series_t s;
        const char *id = st->cfg->channels[is->col_channel[k]].id;
        int rc = dcs_store_read(st, id, first_t, last_t, &s);
        size_t n = s.n;
        char a[48] = "", b[48] = "";
        if (n) {
            dcs_time_format(s.t_ns[0], st->cfg->site->timezone, a, sizeof a);
            dcs_time_format(s.t_ns[n - 1], st->cfg->site->timezone, b, sizeof b);
        }
        dcs_store_series_free(&s);
        if (rc)
            return rc;
        if (n)
            return store_set_err(st, "%s: channel '%s' already has %zu samples from %s to %s "
                                 "inside the file's period; import into a period without "
                                 "samples of its channels (nothing imported)", path, id, n, a, b),
                   DCS_EINVAL;
    }
    return 0;
}

/* The imported days' own gap limit: the rows' interval times the intervals the
 * site allows polled data, never below the site's limit; stated per channel. */
static int state_gap_limit(dcs_store_t *st, const import_state_t *is, dcs_store_import_t *opt)
{
    const dcs_config_site_t *site = st->cfg->site;
    double step = opt->interval_s > 0 ? opt->interval_s : opt->median_step_s;
    double per = site->gap_limit_s / (site->poll_interval_ms / 1000.0);
    opt->gap_limit_s = isfinite(step) && step * per > site->gap_limit_s ? step * per : site->gap_limit_s;
    if (opt->gap_limit_s > 86400)
        return store_set_err(st, "rows every %g s: longer than a day, too coarse to score (nothing "
                             "imported)", step), DCS_EINVAL;
    int rc = 0;
    for (int k = 1; !rc && k < is->ncols; k++)
        if (is->col_channel[k] >= 0)
            rc = dcs_store_set_gap_limit(st, (unsigned)is->col_channel[k], opt->gap_limit_s);
    return rc;
}

int dcs_store_import_csv(dcs_store_t *st, const char *path, dcs_store_import_t *opt)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return store_set_err(st, "%s: cannot open: %s", path, strerror(errno)), DCS_EIO;
    char *buf = NULL;
    size_t cap = 0, n_all = 0, cap_all = 0;
    import_state_t is = {.last_t = INT64_MIN};
    int rc = getline(&buf, &cap, fp) > 0 ? read_header(st, buf, &is, path)
                                        : (store_set_err(st, "%s: empty file", path), DCS_EINVAL);
    dcs_sample_t *all = NULL; /* every parsed sample: written only if the file is accepted */
    int64_t first_t = INT64_MIN, prev_t = 0, *steps = NULL;
    size_t nsteps = 0, capsteps = 0;
    opt->rows = opt->samples = opt->skipped = opt->nbad = 0;
    for (int line = 2; !rc && getline(&buf, &cap, fp) > 0; line++) {
        char *f[256];
        if (buf[strspn(buf, " \t\r\n")] == '\0')
            continue;
        if (n_all + 256 > cap_all) {
            dcs_sample_t *grown = realloc(all, (cap_all = 2 * cap_all + 4096) * sizeof *all);
            if (!grown) {
                rc = DCS_ENOMEM;
                break;
            }
            all = grown;
        }
        int n = parse_row(st, &is, f, dcs_csv_split(buf, f, 256), opt, path, line, all + n_all);
        if (n < 0) {
            opt->skipped++;
            if (!opt->skip_bad_rows)
                rc = (store_set_err(st, "%s (nothing imported)", opt->bad[0]), DCS_EINVAL);
            continue;
        }
        if (first_t == INT64_MIN)
            first_t = is.last_t;
        if (opt->rows && steps_add(&steps, &nsteps, &capsteps, is.last_t - prev_t))
            rc = DCS_ENOMEM;
        prev_t = is.last_t;
        n_all += (size_t)n;
        opt->rows++;
    }
    fclose(fp);
    free(buf);
    opt->median_step_s = median_s(steps, nsteps);
    if (!rc && first_t != INT64_MIN)
        rc = check_period_empty(st, &is, first_t, is.last_t, path);
    if (!rc)
        rc = state_gap_limit(st, &is, opt);
    if (!rc)
        rc = dcs_store_write_days(st, all, n_all); /* the days across the cores */
    if (!rc)
        opt->samples = n_all;
    free(steps);
    free(all);
    return rc;
}
