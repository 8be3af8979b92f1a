/* fz_util.c: the fuzz targets' scratch files (fz_util.h). */
#define _GNU_SOURCE
#include "fz_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag;
    return ftw->level > 0 ? remove(path) : 0; /* the folder itself stays */
}

static void remove_dir(void)
{
    fz_clean();
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/dcscore-fuzz.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    return dir;
}

const char *fz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    return path;
}

const char *fz_str(const uint8_t *data, size_t size)
{
    static char buf[65537];
    size = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, size);
    buf[size] = '\0';
    return buf;
}

const char *fz_src(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", getenv("DCS_SRC") ? getenv("DCS_SRC") : ".", rel);
    return path;
}

dcs_config_t *fz_site(const char *yaml)
{
    char text[4096], store[600];
    snprintf(store, sizeof store, "%s/store", fz_dir());
    const char *at = strstr(yaml, "STORE");
    if (!at)
        abort();
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - yaml), yaml, store, at + 5);
    dcs_config_t *cfg = NULL;
    if (dcs_config_load(fz_file("site.yaml", (const uint8_t *)text, strlen(text)), &cfg))
        abort();
    return cfg;
}

void fz_rank(dcs_index_system_t *sys, const dcs_index_sentry_t *e, size_t n, dcs_index_sopts_t o)
{
    dcs_index_sranking_t r;
    char err[256];
    o.draws = o.draws > 20 ? 20 : o.draws;
    if (dcs_index_srank(sys, e, n, &o, &r, err, sizeof err) == 0)
        dcs_index_sranking_free(&r);
}

void fz_clean(void)
{
    nftw(fz_dir(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
