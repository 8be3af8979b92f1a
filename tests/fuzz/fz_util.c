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

void fz_clean(void)
{
    nftw(fz_dir(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
