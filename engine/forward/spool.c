/* spool.c: the forwarder's disk queue. One file per message, DIR/SEQ.msg (SEQ
 * zero-padded to 20 digits, so names sort as numbers):
 *     dcscore-spool/1 SEQ T_NS SIGNATURE_HEX BODY_BYTES\n
 *     BODY
 * written to a hidden temporary file, fsync'd and renamed, so a file is either
 * whole or absent, whatever kills the process. DIR/acked holds the last number
 * the collector took (written the same way before the message is removed);
 * DIR/refused/ keeps what the collector refused for good, with its reason. */
#define _GNU_SOURCE
#include "dcs_forward.h"
#include "../base/dcs_base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "dcscore-spool/1"

typedef struct {
    uint64_t seq;
    int64_t t_ns;
    uint64_t bytes;
} entry_t;

struct dcs_spool {
    char dir[3800];
    uint64_t max_bytes;
    double max_age_s;
    entry_t *e;                   /* queued, oldest first, from e[head] */
    size_t head, n, cap;
    uint64_t bytes, last, dropped, refused;
};

static void msg_path(const dcs_spool_t *sp, const char *sub, uint64_t seq, const char *ext, char *p, size_t len)
{
    snprintf(p, len, "%s%s/%020" PRIu64 ".%s", sp->dir, sub, seq, ext);
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    int rc = fd < 0 || fsync(fd) != 0 ? -1 : 0;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Write data to path whole or not at all (temporary file, fsync, rename). */
static int write_whole(const char *dir, const char *path, const char *head, const char *data, size_t len)
{
    char tmp[4200];
    const char *base = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, base ? base + 1 : path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t hl = strlen(head);
    int ok = write(fd, head, hl) == (ssize_t)hl && (!len || write(fd, data, len) == (ssize_t)len) && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        saved = ok ? errno : saved;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return sync_dir(dir);
}

/* The header of a message file: 0 with its fields, -1 when it is not one. */
static int read_head(FILE *f, uint64_t *seq, int64_t *t_ns, char sig[129], uint64_t *len)
{
    char line[400], magic[32];
    if (!fgets(line, sizeof line, f) || !strchr(line, '\n'))
        return -1;
    unsigned long long s, l;
    long long t;
    if (sscanf(line, "%31s %llu %lld %128s %llu", magic, &s, &t, sig, &l) != 5 || strcmp(magic, MAGIC) != 0 ||
        strlen(sig) != 128 || l > DCS_SPOOL_BODY_MAX)
        return -1;
    *seq = s, *t_ns = t, *len = l;
    return 0;
}

static int push(dcs_spool_t *sp, uint64_t seq, int64_t t_ns, uint64_t bytes)
{
    if (sp->head && sp->head * 2 >= sp->n) { /* reuse the front that acks left */
        memmove(sp->e, sp->e + sp->head, (sp->n - sp->head) * sizeof *sp->e);
        sp->n -= sp->head, sp->head = 0;
    }
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? 2 * sp->cap : 64;
        entry_t *g = realloc(sp->e, cap * sizeof *g);
        if (!g)
            return -1;
        sp->e = g, sp->cap = cap;
    }
    sp->e[sp->n++] = (entry_t){seq, t_ns, bytes};
    sp->bytes += bytes;
    sp->last = seq > sp->last ? seq : sp->last;
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Every SEQ.msg of dir/sub: queued (sub "") or the highest refused number. */
static int scan(dcs_spool_t *sp, const char *sub, char *err, size_t errlen)
{
    char d[4000];
    snprintf(d, sizeof d, "%s%s", sp->dir, sub);
    DIR *dh = opendir(d);
    if (!dh)
        return snprintf(err, errlen, "%s: %s", d, strerror(errno)), DCS_EIO;
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(dh))) {
        char path[4300];
        unsigned long long seq;
        int end = 0;
        snprintf(path, sizeof path, "%s/%s", d, de->d_name);
        if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp")) { /* a write a kill cut short */
            unlink(path);
            continue;
        }
        if (sscanf(de->d_name, "%20llu.msg%n", &seq, &end) != 1 || de->d_name[end])
            continue;
        if (*sub) {
            sp->last = seq > sp->last ? seq : sp->last;
            continue;
        }
        FILE *f = fopen(path, "r");
        uint64_t s, len;
        int64_t t;
        char sig[129];
        struct stat sb;
        if (!f || read_head(f, &s, &t, sig, &len) || s != seq || fstat(fileno(f), &sb))
            rc = DCS_EINVAL, snprintf(err, errlen, "%s: not a queued message of dcscore (move it away)", path);
        else if (push(sp, s, t, (uint64_t)sb.st_size))
            rc = DCS_ENOMEM;
        if (f)
            fclose(f);
    }
    closedir(dh);
    return rc;
}

int dcs_spool_open(const char *dir, uint64_t max_bytes, double max_age_s, dcs_spool_t **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    dcs_spool_t *sp = calloc(1, sizeof *sp);
    if (!sp)
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    snprintf(sp->dir, sizeof sp->dir, "%s", dir);
    sp->max_bytes = max_bytes, sp->max_age_s = max_age_s;
    char sub[4000], path[4100];
    snprintf(sub, sizeof sub, "%s/refused", dir);
    if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(sub, 0700) && errno != EEXIST)) {
        snprintf(err, errlen, "%s: cannot make the forward queue: %s", errno == EEXIST ? sub : dir, strerror(errno));
        return free(sp), DCS_EIO;
    }
    snprintf(path, sizeof path, "%s/acked", dir);
    FILE *f = fopen(path, "r");
    unsigned long long acked = 0;
    if (f && fscanf(f, "%llu", &acked) != 1) {
        fclose(f);
        snprintf(err, errlen, "%s: not a sequence number (move it away to start from the queue)", path);
        return free(sp), DCS_EINVAL;
    }
    if (f)
        fclose(f);
    sp->last = acked;
    int rc = scan(sp, "", err, errlen);
    rc = rc ? rc : scan(sp, "/refused", err, errlen);
    if (rc)
        return dcs_spool_close(sp), rc;
    if (sp->n)
        qsort(sp->e, sp->n, sizeof *sp->e, by_seq);
    *out = sp;
    return 0;
}

void dcs_spool_close(dcs_spool_t *sp)
{
    if (sp)
        free(sp->e);
    free(sp);
}

uint64_t dcs_spool_next_seq(const dcs_spool_t *sp)
{
    return sp->last + 1;
}

/* Drop the oldest while over the bounds, keeping the newest. */
static void bound(dcs_spool_t *sp, int64_t now_ns)
{
    while (sp->n - sp->head > 1) {
        entry_t *o = &sp->e[sp->head];
        if (sp->bytes <= sp->max_bytes && (double)(now_ns - o->t_ns) / DCS_NS_PER_S <= sp->max_age_s)
            break;
        char p[4200];
        msg_path(sp, "", o->seq, "msg", p, sizeof p);
        unlink(p);
        sp->bytes -= o->bytes;
        sp->head++, sp->dropped++;
    }
}

int dcs_spool_put(dcs_spool_t *sp, uint64_t seq, int64_t t_ns, const char *sig_hex, const char *body, size_t len,
                  int64_t now_ns, char *err, size_t errlen)
{
    char head[300], p[4200];
    int hl = snprintf(head, sizeof head, MAGIC " %" PRIu64 " %lld %s %zu\n", seq, (long long)t_ns, sig_hex, len);
    msg_path(sp, "", seq, "msg", p, sizeof p);
    if (seq <= sp->last || strlen(sig_hex) != 128 || len > DCS_SPOOL_BODY_MAX)
        return snprintf(err, errlen, "%s: message %" PRIu64 " not above the queue's last (%" PRIu64 ") or malformed",
                        sp->dir, seq, sp->last), DCS_EINVAL;
    if (write_whole(sp->dir, p, head, body, len))
        return snprintf(err, errlen, "%s: message %" PRIu64 " not queued: %s", p, seq, strerror(errno)), DCS_EIO;
    if (push(sp, seq, t_ns, (uint64_t)hl + len))
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    bound(sp, now_ns);
    return 0;
}

static void pop(dcs_spool_t *sp)
{
    sp->bytes -= sp->e[sp->head].bytes;
    sp->head++;
}

int dcs_spool_peek(dcs_spool_t *sp, uint64_t *seq, char sig[129], char **body, size_t *len)
{
    *body = NULL, *len = 0;
    if (sp->head == sp->n)
        return DCS_ENODATA;
    char p[4200];
    msg_path(sp, "", sp->e[sp->head].seq, "msg", p, sizeof p);
    FILE *f = fopen(p, "r");
    uint64_t s, l;
    int64_t t;
    int rc = !f || read_head(f, &s, &t, sig, &l) || s != sp->e[sp->head].seq ? DCS_EIO : 0;
    if (!rc && !(*body = malloc(l + 1)))
        rc = DCS_ENOMEM;
    if (!rc && (fread(*body, 1, l, f) != l || fgetc(f) != EOF))
        rc = DCS_EIO;
    if (f)
        fclose(f);
    if (rc) {
        free(*body), *body = NULL;
        if (rc == DCS_EIO)
            dcs_spool_refuse(sp, sp->e[sp->head].seq, "the queued file is damaged (not whole)");
        return rc;
    }
    (*body)[l] = '\0';
    *seq = s, *len = (size_t)l;
    return 0;
}

int dcs_spool_ack(dcs_spool_t *sp, uint64_t seq)
{
    if (sp->head == sp->n || sp->e[sp->head].seq != seq)
        return DCS_EINVAL;
    char p[4200], a[4200], num[32];
    snprintf(a, sizeof a, "%s/acked", sp->dir);
    snprintf(num, sizeof num, "%" PRIu64 "\n", seq);
    if (write_whole(sp->dir, a, num, NULL, 0)) /* recorded before the message goes */
        return DCS_EIO;
    msg_path(sp, "", seq, "msg", p, sizeof p);
    unlink(p);
    pop(sp);
    return 0;
}

int dcs_spool_refuse(dcs_spool_t *sp, uint64_t seq, const char *why)
{
    if (sp->head == sp->n || sp->e[sp->head].seq != seq)
        return DCS_EINVAL;
    char from[4200], to[4200], w[4200], d[4000];
    msg_path(sp, "", seq, "msg", from, sizeof from);
    msg_path(sp, "/refused", seq, "msg", to, sizeof to);
    msg_path(sp, "/refused", seq, "why", w, sizeof w);
    snprintf(d, sizeof d, "%s/refused", sp->dir);
    char line[600];
    snprintf(line, sizeof line, "%s\n", why);
    write_whole(d, w, line, NULL, 0);
    int rc = rename(from, to) == 0 ? 0 : DCS_EIO; /* else left in place: tried again after a restart */
    sync_dir(sp->dir);
    pop(sp);
    sp->refused++;
    return rc;
}

void dcs_spool_stats(const dcs_spool_t *sp, dcs_spool_stats_t *st)
{
    st->depth = sp->n - sp->head;
    st->bytes = sp->bytes;
    st->oldest_t_ns = st->depth ? sp->e[sp->head].t_ns : 0;
    st->dropped = sp->dropped, st->refused = sp->refused;
}
