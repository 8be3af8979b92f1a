/* calibrate.c: the default kernel set, function by function, is the kernel
 * this CPU runs fastest. At first use each supported kernel's reduce, trapz,
 * fused, grid and deltas are timed on the same run of CAL_N samples (in cache:
 * what scoring and rollups feed them, a channel's slice or a bucket at a time),
 * best of CAL_REPS. The table's preferred kernel is kept unless another beats it
 * by CAL_MARGIN, so a near tie never decides anything.
 *
 * Kernels may differ in the last bit of a compensated sum (dcs_aggregate.h), so
 * a choice that changed from one process to the next would change figures in
 * their last digit. The choice is therefore cached per machine, in
 * $DCSCORE_CACHE_DIR, else $XDG_CACHE_HOME/dcscore, else ~/.cache/dcscore
 * (file simd-1: the CPU model and a kernel name per function), made once under
 * a lock: every later process on the machine uses the same kernels. Where no
 * cache can be written, each process calibrates for itself. */
#define _GNU_SOURCE
#include "aggregate_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CAL_N 16384
#define CAL_REPS 7
#define CAL_MARGIN 1.10
#define CAL_FILE "simd-1"

static const char *const fn_names[AGG_FN_COUNT] = {"reduce", "trapz", "fused", "grid", "deltas"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct dcs_agg_cal_data {
    int64_t *t;
    double *v, *e, *d;
    uint8_t *fl;
};
typedef struct dcs_agg_cal_data cal_data_t;

static int data_make(cal_data_t *x)
{
    x->t = malloc(CAL_N * sizeof *x->t);
    x->v = malloc(CAL_N * sizeof *x->v);
    x->e = malloc(CAL_N * sizeof *x->e);
    x->d = malloc(CAL_N * sizeof *x->d);
    x->fl = malloc(CAL_N);
    if (!x->t || !x->v || !x->e || !x->d || !x->fl)
        return -1;
    uint64_t s = 88172645463325252ULL;
    double e = 0;
    for (size_t i = 0; i < CAL_N; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double u = (double)(s >> 11) * 0x1p-53;
        x->t[i] = (int64_t)i * 1000000000LL;
        x->v[i] = i % 100 == 37 ? NAN : 500 + 100 * u; /* 1 % missing, as the bench */
        x->e[i] = e += 0.14 * u;
    }
    return 0;
}

static void data_free(cal_data_t *x)
{
    free(x->t), free(x->v), free(x->e), free(x->d), free(x->fl);
}

double dcs_agg_time_fn(const dcs_agg_kernel_t *k, int fn, const dcs_agg_cal_data_t *data)
{
    const cal_data_t *x = data;
    double best = INFINITY;
    volatile double sink = 0;
    for (int r = 0; r < CAL_REPS; r++) {
        dcs_agg_stats_t st;
        double a = 0, c = 0, t0 = now_s();
        switch (fn) {
        case AGG_FN_REDUCE: k->reduce(x->v, CAL_N, &st), a = st.sum; break;
        case AGG_FN_TRAPZ: k->trapz(x->t, x->v, CAL_N, 5000000000LL, &a, &c); break;
        case AGG_FN_FUSED: k->fused(x->t, x->v, CAL_N, 5000000000LL, &st, &a, &c); break;
        case AGG_FN_GRID: k->grid(x->v, CAL_N, 1000000000LL, 5000000000LL, &st, &a, &c); break;
        default: k->deltas(x->t, x->e, CAL_N, 0, 0, x->d, x->fl), a = x->d[1];
        }
        double dt = now_s() - t0;
        sink += a + c;
        best = dt < best ? dt : best;
    }
    (void)sink;
    return best;
}

dcs_agg_cal_data_t *dcs_agg_cal_data_new(void)
{
    cal_data_t *x = calloc(1, sizeof *x);
    if (x && data_make(x))
        data_free(x), free(x), x = NULL;
    return x;
}

void dcs_agg_cal_data_free(dcs_agg_cal_data_t *data)
{
    if (data)
        data_free(data);
    free(data);
}

/* Measure: choice[f] = index in ks of the kernel for function f. */
static void measure(const dcs_agg_kernel_t *const *ks, size_t nk, size_t pref, int choice[AGG_FN_COUNT])
{
    dcs_agg_cal_data_t *data = dcs_agg_cal_data_new();
    for (int f = 0; f < AGG_FN_COUNT; f++) {
        choice[f] = (int)pref;
        if (!data)
            continue;
        double keep = dcs_agg_time_fn(ks[pref], f, data), best = keep;
        for (size_t i = 0; i < nk; i++) {
            double s = i == pref ? keep : dcs_agg_time_fn(ks[i], f, data);
            if (s * CAL_MARGIN < keep && s < best)
                best = s, choice[f] = (int)i;
        }
    }
    dcs_agg_cal_data_free(data);
}

/* "model name" of the first CPU, or "" (not Linux, or unreadable). */
static void cpu_model(char *buf, size_t len)
{
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    buf[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(buf, len, "%s", strchr(line, ':') + 2);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
}

static int cache_dir(char *buf, size_t len)
{
    const char *d = getenv("DCSCORE_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    if (d && *d)
        return snprintf(buf, len, "%s", d), 0;
    if (x && *x)
        return snprintf(buf, len, "%s/dcscore", x), 0;
    if (h && *h)
        return snprintf(buf, len, "%s/.cache/dcscore", h), 0;
    return -1;
}

/* Read the cached choice for this CPU: 0 when every function names a kernel of ks. */
static int cache_read(const char *path, const char *cpu, const dcs_agg_kernel_t *const *ks, size_t nk,
                      int choice[AGG_FN_COUNT])
{
    char line[600], want[560];
    int got = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    snprintf(want, sizeof want, "cpu %s\n", cpu);
    int ok = fgets(line, sizeof line, f) && strcmp(line, want) == 0;
    for (int fn = 0; ok && fn < AGG_FN_COUNT && fgets(line, sizeof line, f); fn++) {
        size_t len = strlen(fn_names[fn]);
        line[strcspn(line, "\n")] = '\0';
        ok = strncmp(line, fn_names[fn], len) == 0 && line[len] == ' ';
        for (size_t i = 0; ok && i < nk; i++)
            if (strcmp(line + len + 1, ks[i]->name) == 0)
                choice[fn] = (int)i, got++;
    }
    fclose(f);
    return ok && got == AGG_FN_COUNT ? 0 : -1;
}

static void cache_write(const char *path, const char *cpu, const dcs_agg_kernel_t *const *ks,
                        const int choice[AGG_FN_COUNT])
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "cpu %s\n", cpu);
    for (int fn = 0; fn < AGG_FN_COUNT; fn++)
        fprintf(f, "%s %s\n", fn_names[fn], ks[choice[fn]]->name);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}

/* Take the cache's lock, waiting up to 5 s for a process calibrating. -1: none. */
static int cache_lock(const char *dir)
{
    char path[4200];
    mkdir(dir, 0755); /* its parent too: ~/.cache may not exist yet */
    snprintf(path, sizeof path, "%s/" CAL_FILE ".lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    for (int i = 0; fd >= 0 && i < 500; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK)
            break;
        usleep(10000);
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

void agg_calibrate(const dcs_agg_kernel_t *const *ks, size_t nk, size_t pref, int choice[AGG_FN_COUNT])
{
    char dir[4096], path[4200], cpu[512];
    cpu_model(cpu, sizeof cpu);
    if (!cpu[0] || cache_dir(dir, sizeof dir)) {
        measure(ks, nk, pref, choice);
        return;
    }
    snprintf(path, sizeof path, "%s/" CAL_FILE, dir);
    if (cache_read(path, cpu, ks, nk, choice) == 0)
        return;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = '\0', mkdir(parent, 0755);
    int fd = cache_lock(dir);
    if (fd < 0 || cache_read(path, cpu, ks, nk, choice) != 0) { /* made meanwhile? */
        measure(ks, nk, pref, choice);
        if (fd >= 0)
            cache_write(path, cpu, ks, choice);
    }
    if (fd >= 0)
        close(fd);
}
