/* inspect.c: describe store files without a site config: `dcscore inspect
 * FILE|DIR`. Per file: schema version, site and day, the gap limit; per
 * channel: samples, flagged, first and last time, gaps and coverage of the UTC
 * day by score's rules (dcs_store_integrate_power); for a
 * rollup file per channel its samples, energy and coverage that day.
 * A file that is not a dcscore store gets one line naming it. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../base/dcs_base.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The median step of s (0 below two samples). */
static int64_t median_step(const dcs_store_series_t *s)
{
    int64_t *steps = s->n > 1 ? malloc((s->n - 1) * sizeof *steps) : NULL, m = 0;
    for (size_t i = 1; steps && i < s->n; i++)
        steps[i - 1] = s->t_ns[i] - s->t_ns[i - 1];
    if (steps) {
        qsort(steps, s->n - 1, sizeof *steps, cmp_i64);
        m = steps[(s->n - 1) / 2];
    }
    free(steps);
    return m;
}

/* One line for a raw channel's samples s in the day file of day_ns: gaps are
 * steps over the gap limit (the site's when the file was made, the imported
 * history's own over its span, 3 x the median step in files that state none),
 * and coverage is the share of the UTC day those rules count, as score does. */
static void describe(const char *id, const dcs_store_series_t *s, int64_t day_ns, int64_t gap_ns,
                     FILE *out)
{
    size_t n = s->n, flagged = 0, gaps = 0;
    if (gap_ns <= 0)
        gap_ns = 3 * median_step(s);
    for (size_t i = 0; i < n; i++)
        flagged += s->flag[i] != 0;
    for (size_t i = 1; i < n; i++)
        gaps += s->t_ns[i] - s->t_ns[i - 1] > dcs_store_gap_at(s, s->t_ns[i - 1], gap_ns);
    double covered = 0;
    dcs_agg_buckets_t b;
    if (day_ns >= 0 && !dcs_agg_buckets_init(&b, day_ns, day_ns + 86400 * DCS_NS_PER_S, 86400 * DCS_NS_PER_S)) {
        dcs_store_integrate_power(s, gap_ns, &b);
        covered = dcs_agg_buckets_covered_s(&b);
        dcs_agg_buckets_free(&b);
    }
    char a[48] = "-", z[48] = "-";
    if (n) {
        dcs_time_format(s->t_ns[0], NULL, a, sizeof a);
        dcs_time_format(s->t_ns[n - 1], NULL, z, sizeof z);
    }
    fprintf(out, "  %-24s %8zu samples %6zu flagged  %s .. %s  %4zu gaps  coverage %5.1f %% of the day\n",
            id, n, flagged, a, z, gaps, 100 * covered / 86400);
}

static int is_rollup(hid_t chans, const char *id)
{
    hid_t g = H5Gopen2(chans, id, H5P_DEFAULT);
    int rollup = g >= 0 && H5Lexists(g, "PT1M", H5P_DEFAULT) > 0;
    if (g >= 0)
        H5Gclose(g);
    return rollup;
}

/* Every channel of an open file, in name order, read INSPECT_GROUP at a time
 * (one read of the file per group). */
#define INSPECT_GROUP 64
static void channels(store_file_t *sf, char **names, FILE *out)
{
    long long gap_ms = store_attr_read(sf->f, "gap_limit_ms");
    int64_t gap_ns = gap_ms > 0 ? (int64_t)gap_ms * 1000000 : 0;
    if (gap_ms > 0)
        fprintf(out, "  gap limit %g s (the site's when the file was made; imported history its own)\n",
                (double)gap_ms / 1000);
    else
        fprintf(out, "  gap limit 3 x each channel's median step (the file states none)\n");
    for (size_t g0 = 0; names[g0];) {
        const char *ids[INSPECT_GROUP];
        dcs_store_series_t s[INSPECT_GROUP] = {{0}};
        size_t m = 0;
        while (m < INSPECT_GROUP && names[g0 + m])
            m++;
        for (size_t j = 0; j < m; j++)
            ids[j] = names[g0 + j];
        int rc = store_file_read(sf, ids, m, INT64_MIN, INT64_MAX, s);
        for (size_t j = 0; j < m; j++) {
            int one = 0;
            if (rc && !is_rollup(sf->chans, ids[j])) { /* which one: read alone */
                dcs_store_series_free(&s[j]);
                one = store_file_read(sf, &ids[j], 1, INT64_MIN, INT64_MAX, &s[j]);
            }
            if (is_rollup(sf->chans, ids[j]))
                fprintf(out, "  %-24s rollup (PT1M, PT15M, PT1H)\n", ids[j]);
            else if (one)
                fprintf(out, "  %-24s unreadable\n", ids[j]);
            else
                describe(ids[j], &s[j], sf->day_ns, gap_ns, out);
            dcs_store_series_free(&s[j]);
        }
        g0 += m;
    }
    if (sf->bad_times)
        fprintf(out, "  %zu sample times outside the file's day skipped (corrupt?)\n", sf->bad_times);
}

/* A day's matrix /LEVEL/STAT of a layout-2 rollup as doubles [buckets][n]; NULL
 * when unreadable. */
static double *rollup_matrix(hid_t f, const char *name, size_t cells)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t ext[2] = {0, 0};
    /* the extent, and the bytes behind it (dcscore writes every cell of a
     * rollup), before anything is allocated for it */
    int fits = sp >= 0 && store_extent(sp, 2, ext) == 0 && ext[0] * ext[1] == cells &&
               store_dataset_fits(d, 8) && H5Dget_storage_size(d) >= cells * sizeof(double);
    if (sp >= 0)
        H5Sclose(sp);
    double *m = fits ? malloc((cells ? cells : 1) * sizeof *m) : NULL;
    if (m && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m) < 0) {
        free(m);
        m = NULL;
    }
    if (d >= 0)
        H5Dclose(d);
    return m;
}

/* A layout-2 rollup (one matrix per statistic and level, /channels naming the
 * columns): per channel its samples and the minutes that have any (PT1M), its
 * energy and the time its samples cover (PT1H). */
static int rollup_channels(hid_t f, FILE *out)
{
    size_t n = 0, w = 0;
    char *raw = store_names_read(f, "/channels", &n, &w), *ids = raw ? calloc(n ? n : 1, w + 1) : NULL;
    for (size_t c = 0; ids && c < n; c++)
        memcpy(ids + c * (w + 1), raw + c * w, w);
    double *cnt = ids ? rollup_matrix(f, "/PT1M/count", 1440 * n) : NULL;
    double *e = ids ? rollup_matrix(f, "/PT1H/e_wh", 24 * n) : NULL;
    double *cov = ids ? rollup_matrix(f, "/PT1H/covered_s", 24 * n) : NULL;
    int rc = cnt && e && cov ? 0 : -1;
    for (size_t c = 0; !rc && c < n; c++) {
        double samples = 0, minutes = 0, e_wh = 0, covered_s = 0;
        for (size_t b = 0; b < 1440; b++)
            samples += cnt[b * n + c], minutes += cnt[b * n + c] > 0;
        for (size_t b = 0; b < 24; b++) {
            e_wh += isnan(e[b * n + c]) ? 0 : e[b * n + c];
            covered_s += isnan(cov[b * n + c]) ? 0 : cov[b * n + c];
        }
        fprintf(out, "  %-24s %8.0f samples in %4.0f of 1440 min  energy %.3f Wh  coverage %5.1f %%\n",
                ids + c * (w + 1), samples, minutes, e_wh, 100 * covered_s / 86400);
    }
    free(cnt), free(e), free(cov), free(ids), free(raw);
    return rc;
}

static int one_file(const char *path, FILE *out)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    store_file_t sf;
    char err[768];
    int rc = store_file_open(path, &sf, err, sizeof err);
    long long layout = rc ? -1 : store_attr_read(sf.f, "rollup_layout");
    if (layout >= 2) {
        long long day = store_attr_read(sf.f, "day_start_ns");
        char d[48];
        dcs_time_format(day < 0 ? 0 : day, NULL, d, sizeof d);
        fprintf(out, "%s: rollup layout %lld, day %.10s (UTC), levels PT1M, PT15M, PT1H\n", path,
                layout, d);
        rc = rollup_channels(sf.f, out);
        if (rc)
            fprintf(out, "%s: rollup matrices unreadable\n", path);
        store_file_close(&sf);
        return rc;
    }
    if (!rc && sf.chans < 0) {
        snprintf(err, sizeof err, "%s: not a dcscore store (no /channels)", path);
        store_file_close(&sf);
        rc = DCS_ESTORE;
    }
    if (rc) {
        fprintf(out, "%s\n", rc == DCS_ENODATA ? "no such file" : err);
        return -1;
    }
    long long day = store_attr_read(sf.f, "day_start_ns");
    char d[48];
    dcs_time_format(day < 0 ? 0 : day, NULL, d, sizeof d);
    fprintf(out, "%s: schema %d, day %.10s (UTC)%s\n", path, sf.version, d,
            strstr(path, "/rollup/") ? ", rollup" : "");
    char **names = store_channel_names(sf.chans);
    if (names)
        channels(&sf, names, out);
    else
        fprintf(out, "%s: cannot list /channels\n", path);
    store_names_free(names);
    store_file_close(&sf);
    return names ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dcs_store_inspect(const char *path, FILE *out)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(out, "%s: no such file or folder\n", path);
        return DCS_EIO;
    }
    if (!S_ISDIR(sb.st_mode))
        return one_file(path, out) ? DCS_ESTORE : 0;
    DIR *dir = opendir(path);
    char *names[4096];
    size_t n = 0;
    for (struct dirent *e; dir && (e = readdir(dir)) && n < 4096;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && strcmp(e->d_name + len - 3, ".h5") == 0)
            names[n++] = strdup(e->d_name);
    }
    if (dir)
        closedir(dir);
    qsort(names, n, sizeof *names, cmp_str);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char full[4400];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        bad |= names[i] && one_file(full, out);
        free(names[i]);
    }
    if (!n)
        fprintf(out, "%s: no .h5 files\n", path);
    return bad ? DCS_ESTORE : n ? 0 : DCS_ENODATA;
}
