/* lock.c: one writer per store. Every writer (poll, import, rollup, compact)
 * holds an advisory flock on STORE_DIR/SITE/.lock; the file names the holder
 * ("PID WHAT"). The kernel drops the lock when its holder dies, so a lock left by
 * kill -9 is simply taken over (and said so). Within one process the lock is
 * shared by reference count: a poller reloading its config opens the new store
 * before it closes the old one. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCKS_MAX 16

static struct {
    char dir[4096];
    int fd, refs;
} held[LOCKS_MAX];
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;

/* The holder named in an open lock file: its PID (0 unknown) and what it is. */
static long holder(int fd, char *what, size_t len)
{
    char buf[160] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    long pid = 0;
    int used = 0;
    if (sscanf(buf, "%ld %n", &pid, &used) < 1)
        pid = 0;
    snprintf(what, len, "%s", used ? buf + used : "");
    what[strcspn(what, "\n")] = '\0';
    return pid;
}

static int mkdirs(dcs_store_t *st)
{
    if (mkdir(st->cfg->site->store_dir, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", st->cfg->site->store_dir, strerror(errno)), DCS_ESTORE;
    if (mkdir(st->dir, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", st->dir, strerror(errno)), DCS_ESTORE;
    return 0;
}

/* Take the lock on st->dir for this process (fd), or say who holds it. */
static int take(dcs_store_t *st, const char *what, int *out)
{
    char path[4200], who[120];
    snprintf(path, sizeof path, "%s/.lock", st->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return store_set_err(st, "%s: cannot open: %s", path, strerror(errno)), DCS_ESTORE;
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        int e = errno;
        long pid = holder(fd, who, sizeof who);
        close(fd);
        if (e != EWOULDBLOCK)
            return store_set_err(st, "%s: cannot lock: %s", path, strerror(e)), DCS_ESTORE;
        if (pid > 0)
            return store_set_err(st, "store %s is being written by PID %ld (dcscore %s): one writer "
                                 "per store; stop it first", st->dir, pid, who[0] ? who : "?"), DCS_EBUSY;
        return store_set_err(st, "store %s is being written by another process (%s): one writer per "
                             "store", st->dir, path), DCS_EBUSY;
    }
    long old = holder(fd, who, sizeof who);
    if (old > 0 && old != (long)getpid() && (kill((pid_t)old, 0) == 0 || errno != ESRCH))
        old = 0; /* alive but unlocked: not ours to report */
    if (old > 0 && old != (long)getpid())
        snprintf(st->notice, sizeof st->notice, "%s: took over the lock left by PID %ld (dcscore %s), "
                 "which is no longer running", st->dir, old, who[0] ? who : "?");
    char line[160];
    int n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), what);
    if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) {
        int e = errno;
        close(fd);
        return store_set_err(st, "%s: cannot write: %s", path, strerror(e)), DCS_ESTORE;
    }
    *out = fd;
    return 0;
}

int dcs_store_lock(dcs_store_t *st, const char *what)
{
    if (st->lock_slot >= 0)
        return 0;
    int rc = mkdirs(st);
    pthread_mutex_lock(&held_mu);
    int slot = -1, free_slot = -1;
    for (int i = 0; !rc && i < LOCKS_MAX; i++) {
        if (held[i].refs && strcmp(held[i].dir, st->dir) == 0)
            slot = i;
        if (!held[i].refs && free_slot < 0)
            free_slot = i;
    }
    if (!rc && slot < 0 && free_slot < 0)
        rc = (store_set_err(st, "%s: too many stores locked by one process", st->dir), DCS_ESTORE);
    if (!rc && slot < 0 && !(rc = take(st, what, &held[free_slot].fd))) {
        slot = free_slot;
        snprintf(held[slot].dir, sizeof held[slot].dir, "%s", st->dir);
    }
    if (!rc) {
        held[slot].refs++;
        st->lock_slot = slot;
    }
    pthread_mutex_unlock(&held_mu);
    return rc;
}

void store_unlock(dcs_store_t *st)
{
    if (st->lock_slot < 0)
        return;
    pthread_mutex_lock(&held_mu);
    if (--held[st->lock_slot].refs == 0) {
        int rc = ftruncate(held[st->lock_slot].fd, 0); /* released: no holder named */
        (void)rc;
        close(held[st->lock_slot].fd);
    }
    pthread_mutex_unlock(&held_mu);
    st->lock_slot = -1;
}
