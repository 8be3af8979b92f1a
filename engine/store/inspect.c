/* inspect.c: describe store files without a site config: `dcscore inspect
 * FILE|DIR`. Per file: schema version, site and day; per channel: samples,
 * flagged, first and last time, gaps (steps over 3x the median step) and
 * coverage (time spanned by normal steps between valid samples / span).
 * A file that is not a dcscore store gets one line naming it. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../base/dcs_base.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int read_all(hid_t g, const char *name, hid_t type, size_t elem, void **buf, hsize_t *n)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    *n = 0;
    if (sp >= 0)
        H5Sget_simple_extent_dims(sp, n, NULL);
    *buf = malloc(*n ? *n * elem : 1);
    int rc = d < 0 || !*buf || (*n && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return rc ? -1 : 0;
}

static void channel(hid_t f, const char *id, FILE *out)
{
    hid_t g = H5Gopen2(f, id, H5P_DEFAULT); /* f is the /channels group */
    int64_t *t = NULL;
    uint8_t *fl = NULL;
    hsize_t nt = 0, nf = 0;
    if (g < 0 || H5Lexists(g, "t_ns", H5P_DEFAULT) <= 0) { /* a rollup file's channel */
        fprintf(out, "  %-24s rollup (PT1M, PT15M, PT1H)\n", id);
        if (g >= 0)
            H5Gclose(g);
        return;
    }
    if (read_all(g, "t_ns", H5T_NATIVE_INT64, 8, (void **)&t, &nt) ||
        read_all(g, "flag", H5T_NATIVE_UINT8, 1, (void **)&fl, &nf)) {
        fprintf(out, "  %-24s unreadable\n", id);
    } else {
        size_t n = nt < nf ? nt : nf, flagged = 0, gaps = 0;
        double covered = 0;
        int64_t *steps = malloc((n ? n : 1) * sizeof *steps);
        for (size_t i = 0; i < n; i++)
            flagged += fl[i] != 0;
        for (size_t i = 1; steps && i < n; i++)
            steps[i - 1] = t[i] - t[i - 1];
        int64_t median = 0;
        if (steps && n > 1) {
            qsort(steps, n - 1, sizeof *steps, cmp_i64);
            median = steps[(n - 1) / 2];
        }
        for (size_t i = 1; i < n; i++) {
            int64_t dt = t[i] - t[i - 1];
            gaps += dt > 3 * median;
            covered += dt <= 3 * median && !fl[i] && !fl[i - 1] ? (double)dt : 0;
        }
        char a[48] = "-", b[48] = "-";
        if (n) {
            dcs_time_format(t[0], NULL, a, sizeof a);
            dcs_time_format(t[n - 1], NULL, b, sizeof b);
        }
        double span = n > 1 ? (double)(t[n - 1] - t[0]) : 0;
        fprintf(out, "  %-24s %8zu samples %6zu flagged  %s .. %s  %4zu gaps  coverage %5.1f %%\n",
                id, n, flagged, a, b, gaps, span > 0 ? 100 * covered / span : 0.0);
        free(steps);
    }
    free(t);
    free(fl);
    H5Gclose(g);
}

static herr_t each_channel(hid_t g, const char *name, const H5L_info_t *info, void *out)
{
    (void)info;
    channel(g, name, out);
    return 0;
}

static int one_file(const char *path, FILE *out)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (f < 0)
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    long long v = -1, day = 0;
    if (f >= 0 && H5Aexists(f, "schema_version") > 0) {
        hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
        H5Aread(a, H5T_NATIVE_LLONG, &v);
        H5Aclose(a);
        if (H5Aexists(f, "day_start_ns") > 0) {
            a = H5Aopen(f, "day_start_ns", H5P_DEFAULT);
            H5Aread(a, H5T_NATIVE_LLONG, &day);
            H5Aclose(a);
        }
    }
    if (f < 0 || v < 0 || H5Lexists(f, "/channels", H5P_DEFAULT) <= 0) {
        fprintf(out, "%s: %s\n", path, f < 0 ? "not HDF5, truncated or unreadable" : "not a dcscore store");
        if (f >= 0)
            H5Fclose(f);
        return -1;
    }
    char d[48];
    dcs_time_format(day, NULL, d, sizeof d);
    fprintf(out, "%s: schema %lld%s, day %.10s (UTC)%s\n", path, v,
            v > DCS_STORE_SCHEMA_VERSION ? " (newer than this dcscore)" : "", d,
            strstr(path, "/rollup/") ? ", rollup" : "");
    hid_t g = H5Gopen2(f, "/channels", H5P_DEFAULT);
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, each_channel, out);
    H5Gclose(g);
    H5Fclose(f);
    return 0;
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
