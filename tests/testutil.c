/* testutil.c: see testutil.h. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tu_build(void)
{
    const char *b = getenv("DCS_BUILD");
    return b && *b ? b : "build";
}

const char *tu_src(void)
{
    const char *s = getenv("DCS_SRC");
    return s && *s ? s : ".";
}

const char *tu_tmpdir(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char cmd[1200];
    snprintf(p, 512, "%s/dcscore-test-%d-%s", base, (int)getpid(), name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", p, p);
    if (system(cmd) != 0)
        return NULL;
    return p;
}

const char *tu_write(const char *dir, const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

int tu_fleet_up(const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/fixtures/fleet.sh' up '%s' '%s' >/dev/null", tu_src(), dir,
             tu_build());
    return system(cmd) == 0 ? 0 : -1;
}

void tu_fleet_down(const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/fixtures/fleet.sh' down '%s'", tu_src(), dir);
    if (system(cmd) != 0)
        fprintf(stderr, "testutil: fleet down failed in %s\n", dir);
}

int tu_fleet_pid(const char *dir, const char *name)
{
    char path[1024], who[128];
    int pid, found = -1;
    snprintf(path, sizeof path, "%s/fleet.pids", dir);
    FILE *f = fopen(path, "r");
    while (f && fscanf(f, "%d %127s", &pid, who) == 2)
        if (strcmp(who, name) == 0)
            found = pid;
    if (f)
        fclose(f);
    return found;
}

double tu_fleet_env(const char *dir, const char *key)
{
    char path[1024], line[1024];
    double v = -1;
    size_t n = strlen(key);
    snprintf(path, sizeof path, "%s/fleet.env", dir);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == '=')
            v = atof(line + n + 1);
    if (f)
        fclose(f);
    return v;
}
