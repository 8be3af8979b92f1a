/* testutil.c: see testutil.h. */
#define _GNU_SOURCE
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

int tu_free_ports(int n)
{
    for (int tries = 0; tries < 200; tries++) {
        int base = 20000 + (int)((unsigned)(getpid() * 7919 + tries * 104729) % 30000);
        int ok = 1;
        for (int k = 0; ok && k < n; k++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
        }
        if (ok)
            return base;
    }
    return -1;
}

int tu_spawn(char *const argv[], const char *ready_file, double wait_s)
{
    if (ready_file)
        unlink(ready_file);
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; pid > 0 && ready_file && i < (int)(wait_s * 100); i++) {
        if (access(ready_file, R_OK) == 0)
            return (int)pid;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return -1;
        usleep(10000);
    }
    return ready_file ? (tu_stop((int)pid), -1) : (int)pid;
}

int tu_spawn_ready(const char *cmd, const char *out_file, int *port)
{
    char full[2000];
    snprintf(full, sizeof full, "exec %s", cmd);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 1);
        execl("/bin/sh", "sh", "-c", full, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; pid > 0 && i < 500; i++) {
        FILE *f = fopen(out_file, "r");
        int p = 0, got = f && fscanf(f, "READY port=%d", &p) == 1 && p > 0;
        if (f)
            fclose(f);
        if (got)
            return *port = p, (int)pid;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return -1;
        usleep(10000);
    }
    tu_stop((int)pid);
    return -1;
}

int tu_count_lines(const char *path, const char *prefix)
{
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    FILE *f = fopen(path, "r");
    while (f && getline(&line, &cap, f) > 0)
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    free(line);
    if (f)
        fclose(f);
    return n;
}

void tu_stop(int pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
