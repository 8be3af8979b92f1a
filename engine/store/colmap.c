/* colmap.c: the column map of a day file, /samples/columns, a string per column
 * of the sample matrices naming its channel. A reader maps every channel with
 * one read, where /channels/<id>/column costs a group and an attribute per
 * channel (12 ms a day for 1,000 channels, twice the read of the day's samples).
 * The writer makes it before SWMR starts, whenever columns were added; a file
 * without it (or with one that does not match its columns: written by an older
 * version) is mapped from /channels/<id>/column as before. The root attribute
 * own_gaps is 1 when any channel of the file states its own gap limit, 0 when
 * none does, so readers skip 1,000 attribute lookups on polled days. */
#define _GNU_SOURCE
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int store_names_write(hid_t loc, const char *path, const char *const *names, size_t n)
{
    size_t w = 1;
    for (size_t i = 0; i < n; i++)
        w = strlen(names[i]) + 1 > w ? strlen(names[i]) + 1 : w;
    char *buf = calloc(n ? n : 1, w);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, w);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hsize_t dims = n;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t d = buf ? H5Dcreate2(loc, path, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    for (size_t i = 0; buf && i < n; i++)
        memcpy(buf + i * w, names[i], strlen(names[i]));
    herr_t rc = d < 0 ? -1 : n ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    free(buf);
    return rc < 0 ? -1 : 0;
}

char *store_names_read(hid_t f, const char *path, size_t *n, size_t *w)
{
    *n = *w = 0;
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t ft = d < 0 ? -1 : H5Dget_type(d), sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t ncols = 0;
    /* channel ids are at most 64 characters (config.c), written NUL-padded */
    *w = ft >= 0 && H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft) ? H5Tget_size(ft) : 0;
    if (*w > STORE_ID_WIDTH_MAX)
        *w = 0;
    if (sp >= 0 && (store_extent(sp, 1, &ncols) || ncols > STORE_COLS_MAX))
        ncols = 0; /* not a list of channel names */
    char *names = *w ? calloc(ncols ? ncols : 1, *w) : NULL;
    if (names && ncols && H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0) {
        free(names);
        names = NULL;
    }
    *n = (size_t)ncols;
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
    return names;
}

/* 1 when any channel group under chans states own gap limits. */
static int any_own_gaps(hid_t chans)
{
    char **names = store_channel_names(chans);
    int any = !names; /* unknown: say yes, readers then look per channel */
    for (size_t j = 0; names && names[j] && !any; j++)
        any = H5Aexists_by_name(chans, names[j], "own_gaps", H5P_DEFAULT) > 0;
    store_names_free(names);
    return any;
}

/* Every column's channel name (malloc'd, for store_names_free): the config's
 * channels (col[i] of channel i) and, for a column of a channel no longer
 * configured, the file's name for it. NULL when a column has no name. */
static char **column_names(hid_t f, hid_t chans, const dcs_config_t *cfg, const uint32_t *col, size_t cols)
{
    char **names = calloc(cols + 1, sizeof *names), **groups = NULL, *held = NULL;
    size_t n = 0, w = 0, c;
    for (size_t i = 0; names && i < cfg->channels_count; i++)
        names[col[i]] = strdup(cfg->channels[i].id);
    for (c = 0; names && c < cols; c++) {
        if (names[c])
            continue;
        if (!held && !groups) /* an unconfigured column: look the names up once */
            if (!(held = store_names_read(f, "/samples/columns", &n, &w)))
                groups = store_channel_names(chans);
        if (held && c < n && memchr(held + c * w, 0, w))
            names[c] = strdup(held + c * w);
        for (size_t j = 0; !names[c] && groups && groups[j]; j++)
            if (store_channel_column(chans, groups[j]) == (long long)c)
                names[c] = strdup(groups[j]);
        if (!names[c])
            break;
    }
    free(held);
    store_names_free(groups);
    if (names && c < cols) { /* a column without a name: leave the file unmapped */
        for (size_t k = 0; k < cols; k++)
            free(names[k]);
        free(names);
        names = NULL;
    }
    return names;
}

int store_colmap_write(hid_t f, const dcs_config_t *cfg, const uint32_t *col, size_t cols)
{
    size_t n = 0, w = 0;
    char *now = store_names_read(f, "/samples/columns", &n, &w);
    free(now);
    hid_t chans = H5Gopen2(f, "/channels", H5P_DEFAULT);
    int rc = chans < 0 ? -1 : 0;
    if (!rc && store_attr_read(f, "own_gaps") < 0)
        rc = store_attr_int(f, "own_gaps", any_own_gaps(chans));
    if (!rc && (!now || n != cols)) { /* absent, or columns added since */
        char **names = column_names(f, chans, cfg, col, cols);
        if (H5Lexists(f, "/samples/columns", H5P_DEFAULT) > 0)
            rc = H5Ldelete(f, "/samples/columns", H5P_DEFAULT) < 0 ? -1 : 0;
        if (!rc && names)
            rc = store_names_write(f, "/samples/columns", (const char *const *)names, cols);
        for (size_t k = 0; names && k < cols; k++)
            free(names[k]);
        free(names);
    }
    if (chans >= 0)
        H5Gclose(chans);
    return rc;
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
    const store_colmap_t *m = ctx;
    return strncmp(m->names + *(const uint32_t *)a * m->w, m->names + *(const uint32_t *)b * m->w, m->w);
}

void store_colmap_load(store_file_t *sf)
{
    store_colmap_t *m = &sf->map;
    m->names = store_names_read(sf->f, "/samples/columns", &m->n, &m->w);
    m->order = m->names && m->n == sf->cols ? malloc((m->n ? m->n : 1) * sizeof *m->order) : NULL;
    if (!m->order) { /* absent, or not this file's columns: map channel by channel */
        free(m->names);
        memset(m, 0, sizeof *m);
        sf->own_gaps = -1;
        return;
    }
    for (size_t c = 0; c < m->n; c++)
        m->order[c] = (uint32_t)c;
    qsort_r(m->order, m->n, sizeof *m->order, cmp_name, m);
    long long any = store_attr_read(sf->f, "own_gaps");
    sf->own_gaps = any == 0 ? 0 : -1;
}

void store_colmap_free(store_file_t *sf)
{
    free(sf->map.names);
    free(sf->map.order);
    memset(&sf->map, 0, sizeof sf->map);
}

long long store_file_column(const store_file_t *sf, const char *id)
{
    const store_colmap_t *m = &sf->map;
    if (!m->order)
        return store_channel_column(sf->chans, id);
    size_t len = strlen(id), lo = 0, hi = m->n;
    if (len >= m->w)
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *s = m->names + (size_t)m->order[mid] * m->w;
        int c = strncmp(id, s, m->w);
        if (!c)
            return m->order[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}
