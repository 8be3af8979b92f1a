/* zone.c: is a name an IANA time zone of the installed tzdata, and which names
 * are closest to one that is not. The C library takes any unknown TZ as UTC
 * without a word, so every zone a user gives passes through here first. */
#define _GNU_SOURCE
#include "dcs_base.h"

#include <ctype.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *zone_dir(void)
{
    const char *d = getenv("TZDIR");
    return d && *d ? d : "/usr/share/zoneinfo";
}

int dcs_tz_known(const char *tz)
{
    if (!tz || !*tz || tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") || strlen(tz) > 200)
        return 0;
    char path[512], magic[4];
    snprintf(path, sizeof path, "%s/%s", zone_dir(), tz);
    FILE *f = fopen(path, "rb");
    int ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    if (f)
        fclose(f);
    return ok;
}

/* Levenshtein distance, case-insensitive, of names up to 63 bytes. */
static int distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return 1000;
    int row[64];
    for (size_t j = 0; j <= m; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[m];
}

/* The walk's state: nftw has no user pointer, and this runs on an error path
 * of a single thread (config load, option parsing). */
static struct {
    const char *want;
    size_t skip;
    char best[3][64];
    int dist[3];
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    const char *name = path + walk.skip;
    if (type != FTW_F || strncmp(name, "posix/", 6) == 0 || strncmp(name, "right/", 6) == 0 ||
        strchr(name, '.') || !isupper((unsigned char)name[0]))
        return 0;
    int d = distance(walk.want, name);
    for (int k = 0; k < 3; k++) {
        if (d < walk.dist[k]) {
            for (int j = 2; j > k; j--) {
                walk.dist[j] = walk.dist[j - 1];
                memcpy(walk.best[j], walk.best[j - 1], sizeof walk.best[j]);
            }
            walk.dist[k] = d;
            snprintf(walk.best[k], sizeof walk.best[k], "%s", name);
            break;
        }
    }
    return 0;
}

void dcs_tz_suggest(const char *tz, char *buf, size_t len)
{
    memset(&walk, 0, sizeof walk);
    walk.want = tz ? tz : "";
    walk.skip = strlen(zone_dir()) + 1;
    for (int k = 0; k < 3; k++)
        walk.dist[k] = 1000;
    nftw(zone_dir(), visit, 16, FTW_PHYS);
    buf[0] = '\0';
    for (int k = 0; k < 3 && walk.dist[k] < 1000; k++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? ", " : "", walk.best[k]);
    if (!buf[0])
        snprintf(buf, len, "none found: is tzdata installed?");
}

int dcs_tz_check(const char *tz, const char *what, char *err, size_t errlen)
{
    if (dcs_tz_known(tz))
        return 0;
    char near[200];
    dcs_tz_suggest(tz, near, sizeof near);
    snprintf(err, errlen, "%s: '%s' is not an IANA time zone (closest: %s)", what, tz ? tz : "",
             near);
    return DCS_EINVAL;
}
