/* poller.c: fixed-rate polling cycles. Ticks fall on multiples of the interval
 * in UTC (no drift: the next tick is computed from the clock, never by adding
 * sleeps). Devices are grouped into lines (dcs_probe_ops.line): a pool of worker
 * threads takes lines from a shared counter and polls each line's devices one
 * after another. The lines of cooperative backends (Modbus TCP) run instead as
 * tasks on one thread (task.h), and batch backends (poll_many, asynchronous
 * SNMP) each poll all their devices at once; the calling thread runs the first of
 * these units, workers the others. Every probe returns by the cycle's deadline, so a dead
 * device cannot stall the cycle past it. Results are handed to the sink and the
 * log from the calling thread after the cycle, so neither needs a lock.
 * A device's up/down changes are logged once per change, not per cycle. */
#define _GNU_SOURCE
#include "dcs_probe.h"
#include "task.h"
#include "../engine/base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const dcs_probe_ops *ops;
    void *state;
    dcs_sample_t *out;  /* one per channel of the device */
    size_t n;
    int ok;             /* this cycle: OK samples, or -1 when skipped (backoff) */
    int polled;         /* this cycle: asked (not stopped before its turn) */
    char err[DCS_PROBE_ERRLEN];
    int64_t latency_ns;
    int down, fails, skip; /* down last cycle; cycles down in a row; cycles to skip */
} device_t;

typedef struct {
    unsigned *dev;      /* its devices, config order */
    unsigned n;
    dcs_poller_t *p;    /* for a task line: its poller */
} line_t;

typedef struct {
    const dcs_probe_ops *ops;
    unsigned *dev;
    unsigned n;
    void **states;      /* scratch for poll_many */
    dcs_sample_t **out;
    size_t *nout;
    int *ok;
    char (*err)[DCS_PROBE_ERRLEN];
    int64_t *lat;
    size_t late;        /* this cycle's late answers */
} batch_t;

struct dcs_poller {
    const dcs_config_t *cfg;
    device_t *dev;
    line_t *line;
    unsigned nline;
    line_t *tline;      /* lines of cooperative backends, run as tasks */
    unsigned ntline;
    void **targs;       /* &tline[i], for dcs_task_run */
    batch_t batch[4];
    unsigned nbatch;
    /* worker pool */
    pthread_t *thr;
    unsigned nthr;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t gen;
    unsigned busy;
    int quit;
    atomic_uint next_line;
    int64_t deadline;
    volatile sig_atomic_t stop;
    dcs_poller_stats_t stats;
    void (*cycle_end)(void *ctx); /* after each cycle's last sink call */
    char errmsg[512];
};

/* ---- cycle work ----------------------------------------------------------- */

static void poll_one(dcs_poller_t *p, unsigned d)
{
    device_t *dv = &p->dev[d];
    if (dv->ok < 0)
        return; /* backing off */
    int64_t t0 = dcs_time_now_ns();
    dv->err[0] = '\0';
    dv->ok = dv->ops->poll(dv->state, p->deadline, dv->out, dv->n, dv->err, sizeof dv->err);
    dv->latency_ns = dcs_time_now_ns() - t0;
    dv->polled = 1;
}

static void poll_line(dcs_poller_t *p, const line_t *l)
{
    for (unsigned k = 0; k < l->n && !p->stop; k++)
        poll_one(p, l->dev[k]);
}

static void task_line(void *arg)
{
    const line_t *l = arg;
    poll_line(l->p, l);
}

static void run_batch(dcs_poller_t *p, batch_t *b)
{
    unsigned m = 0;
    for (unsigned i = 0; i < b->n; i++) {
        device_t *dv = &p->dev[b->dev[i]];
        if (dv->ok < 0)
            continue;
        b->states[m] = dv->state, b->out[m] = dv->out, b->nout[m] = dv->n;
        b->err[m][0] = '\0';
        b->dev[b->n + m++] = b->dev[i]; /* polled devices, after the list */
    }
    b->late = b->ops->poll_many(b->states, m, p->deadline, b->out, b->nout, b->ok, b->err, b->lat);
    for (unsigned j = 0; j < m; j++) {
        device_t *dv = &p->dev[b->dev[b->n + j]];
        dv->ok = b->ok[j];
        dv->polled = 1;
        dv->latency_ns = b->lat[j];
        memcpy(dv->err, b->err[j], sizeof dv->err);
    }
}

/* Units: each batch backend, then the task lines as one; the calling thread runs
 * unit 0 and workers the others (before the lines). */
static unsigned units(const dcs_poller_t *p)
{
    return p->nbatch + (p->ntline > 0);
}

static void run_unit(dcs_poller_t *p, unsigned u)
{
    if (u < p->nbatch) {
        run_batch(p, &p->batch[u]);
        return;
    }
    if (dcs_task_run(task_line, p->targs, p->ntline) != 0) /* no memory: one by one */
        for (unsigned i = 0; i < p->ntline; i++)
            poll_line(p, &p->tline[i]);
}

static void *worker(void *arg)
{
    dcs_poller_t *p = arg;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->quit && p->gen == seen)
            pthread_cond_wait(&p->go, &p->mu);
        seen = p->gen;
        int quit = p->quit;
        pthread_mutex_unlock(&p->mu);
        if (quit)
            return NULL;
        /* Work items: the units after the first, then the lines. */
        unsigned extra = units(p) > 1 ? units(p) - 1 : 0;
        for (unsigned i; (i = atomic_fetch_add(&p->next_line, 1)) < extra + p->nline;) {
            if (i < extra)
                run_unit(p, i + 1);
            else
                poll_line(p, &p->line[i - extra]);
        }
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

static void run_cycle(dcs_poller_t *p)
{
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->next_line, 0);
    p->busy = p->nthr;
    p->gen++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    if (units(p))
        run_unit(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (unsigned b = 0; b < p->nbatch; b++)
        p->stats.late_answers += p->batch[b].late;
}

/* ---- set-up --------------------------------------------------------------- */

static int add_to_batch(dcs_poller_t *p, unsigned d)
{
    batch_t *b = p->batch;
    while (b < p->batch + p->nbatch && b->ops != p->dev[d].ops)
        b++;
    if (b == p->batch + p->nbatch) {
        if (p->nbatch == 4)
            return DCS_ECONFIG;
        unsigned cap = p->cfg->devices_count;
        p->nbatch++;
        *b = (batch_t){.ops = p->dev[d].ops};
        if (!(b->dev = calloc(2 * cap, sizeof *b->dev)) ||
            !(b->states = calloc(cap, sizeof *b->states)) || !(b->out = calloc(cap, sizeof *b->out)) ||
            !(b->nout = calloc(cap, sizeof *b->nout)) || !(b->ok = calloc(cap, sizeof *b->ok)) ||
            !(b->err = calloc(cap, sizeof *b->err)) || !(b->lat = calloc(cap, sizeof *b->lat)))
            return DCS_ENOMEM;
    }
    b->dev[b->n++] = d;
    return 0;
}

/* Put device d on the line of its key in lines[0..*n-1], or on a new one. */
static int add_to_line(dcs_poller_t *p, line_t *lines, unsigned *n, char (*keys)[320],
                       unsigned d)
{
    unsigned l = 0;
    while (l < *n && strcmp(keys[lines[l].dev[0]], keys[d]) != 0)
        l++;
    if (l == *n) {
        if (!(lines[l].dev = calloc(p->cfg->devices_count, sizeof(unsigned))))
            return DCS_ENOMEM;
        lines[l].p = p;
        (*n)++;
    }
    lines[l].dev[lines[l].n++] = d;
    return 0;
}

/* Group devices into batches and lines (by key): worker lines and task lines. */
static int group(dcs_poller_t *p)
{
    const dcs_config_t *cfg = p->cfg;
    unsigned nd = cfg->devices_count;
    char (*keys)[320] = calloc(nd ? nd : 1, sizeof *keys);
    p->line = calloc(nd ? nd : 1, sizeof *p->line);
    p->tline = calloc(nd ? nd : 1, sizeof *p->tline);
    int rc = keys && p->line && p->tline ? 0 : DCS_ENOMEM;
    for (unsigned d = 0; !rc && d < nd; d++) {
        const dcs_probe_ops *ops = p->dev[d].ops;
        if (ops->version >= 2 && ops->poll_many) {
            rc = add_to_batch(p, d);
            continue;
        }
        if (ops->version >= 2 && ops->line)
            ops->line(cfg, d, keys[d], sizeof keys[d]);
        else
            snprintf(keys[d], sizeof keys[d], "device:%u", d);
        rc = ops->version >= 3 && ops->cooperative ? add_to_line(p, p->tline, &p->ntline, keys, d)
                                                   : add_to_line(p, p->line, &p->nline, keys, d);
    }
    free(keys);
    if (!rc && p->ntline && !(p->targs = calloc(p->ntline, sizeof *p->targs)))
        rc = DCS_ENOMEM;
    for (unsigned i = 0; !rc && i < p->ntline; i++)
        p->targs[i] = &p->tline[i];
    return rc;
}

static int start_workers(dcs_poller_t *p)
{
    int want = p->cfg->site->probe_threads > 0 ? p->cfg->site->probe_threads : 64;
    p->nthr = p->nline < (unsigned)want ? p->nline : (unsigned)want;
    p->nthr += units(p) > 1 ? units(p) - 1 : 0; /* a thread for each further unit */
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    if (!p->nthr)
        return 0;
    if (!(p->thr = calloc(p->nthr, sizeof *p->thr)))
        return DCS_ENOMEM;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (unsigned i = 0; i < p->nthr; i++)
        if (pthread_create(&p->thr[i], &attr, worker, p)) {
            p->nthr = i;
            break;
        }
    pthread_attr_destroy(&attr);
    return p->nthr ? 0 : DCS_ENOMEM;
}

static int open_device(dcs_poller_t *p, unsigned d)
{
    const dcs_config_t *cfg = p->cfg;
    device_t *dv = &p->dev[d];
    const char *proto = dcs_config_proto_name(cfg->devices[d].protocol);
    for (unsigned c = 0; c < cfg->channels_count; c++)
        dv->n += cfg->channels[c].device_index == d;
    dv->ops = dcs_probe_find(proto);
    if (!dv->ops) {
        snprintf(p->errmsg, sizeof p->errmsg, "device '%s': no probe for protocol %s",
                 cfg->devices[d].id, proto);
        return DCS_ECONFIG;
    }
    if (!(dv->out = calloc(dv->n ? dv->n : 1, sizeof *dv->out)))
        return DCS_ENOMEM;
    char err[256] = "";
    int rc = dv->ops->open(cfg, d, &dv->state, err, sizeof err);
    if (rc)
        snprintf(p->errmsg, sizeof p->errmsg, "device '%s': %s", cfg->devices[d].id, err);
    return rc;
}

int dcs_poller_new(const dcs_config_t *cfg, dcs_poller_t **out)
{
    dcs_poller_t *p = calloc(1, sizeof *p);
    *out = p;
    if (!p || !(p->dev = calloc(cfg->devices_count, sizeof *p->dev)))
        return DCS_ENOMEM;
    p->cfg = cfg;
    dcs_probe_register_builtin();
    int rc = 0;
    for (unsigned d = 0; !rc && d < cfg->devices_count; d++)
        rc = open_device(p, d);
    if (!rc && (rc = group(p)) == DCS_ECONFIG)
        snprintf(p->errmsg, sizeof p->errmsg, "too many batch backends");
    return rc ? rc : start_workers(p);
}

void dcs_poller_on_cycle_end(dcs_poller_t *p, void (*fn)(void *ctx))
{
    p->cycle_end = fn;
}

const char *dcs_poller_errmsg(const dcs_poller_t *p)
{
    return p ? p->errmsg : "out of memory";
}

void dcs_poller_stop(dcs_poller_t *p)
{
    p->stop = 1;
}

const dcs_poller_stats_t *dcs_poller_stats(const dcs_poller_t *p)
{
    return &p->stats;
}

void dcs_poller_free(dcs_poller_t *p)
{
    if (!p)
        return;
    if (p->thr) {
        pthread_mutex_lock(&p->mu);
        p->quit = 1;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        for (unsigned i = 0; i < p->nthr; i++)
            pthread_join(p->thr[i], NULL);
        free(p->thr);
    }
    for (unsigned d = 0; p->dev && d < p->cfg->devices_count; d++) {
        if (p->dev[d].ops && p->dev[d].state)
            p->dev[d].ops->close(p->dev[d].state);
        free(p->dev[d].out);
    }
    for (unsigned l = 0; p->line && l < p->nline; l++)
        free(p->line[l].dev);
    for (unsigned l = 0; p->tline && l < p->ntline; l++)
        free(p->tline[l].dev);
    free(p->tline);
    free(p->targs);
    for (unsigned b = 0; b < p->nbatch; b++) {
        batch_t *x = &p->batch[b];
        free(x->dev), free(x->states), free(x->out), free(x->nout), free(x->ok), free(x->err),
            free(x->lat);
    }
    free(p->line);
    free(p->dev);
    free(p);
}

/* ---- after a cycle -------------------------------------------------------- */

#define POWER_MAX_W 1e9          /* no data centre draws a gigawatt: a sentinel or a scale slip */
#define ENERGY_MAX_WH 9007199254740992.0 /* 2^53: past it a counter is not exact as a double */

/* Flag samples outside a channel's plausible range: power below 0 or above
 * max_w (1 GW when not set), an energy counter below 0 or past 2^53 Wh. A
 * device's sentinels (INTEGER -2^31, Counter64 2^64 - 1) land here too. */
static void check_range(const dcs_config_t *cfg, dcs_sample_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const dcs_config_channel_t *c = &cfg->channels[s[i].channel];
        double v = s[i].value, max = c->max_w > 0 ? c->max_w : POWER_MAX_W;
        int bad = c->kind == DCS_CONFIG_POWER ? v < 0 || v > max
                : c->kind == DCS_CONFIG_ENERGY ? v < 0 || v >= ENERGY_MAX_WH : 0;
        if (s[i].flag == DCS_SAMPLE_OK && bad) {
            s[i].flag = DCS_SAMPLE_RANGE;
            s[i].value = NAN;
        }
    }
}

static void hist_add(dcs_poller_hist_t *h, int64_t ns)
{
    double us = (double)ns / 1000.0;
    int k = us <= 1 ? 0 : (int)ceil(4.0 * log2(us));
    h->bucket[k < DCS_POLLER_HIST_BUCKETS ? k : DCS_POLLER_HIST_BUCKETS - 1]++;
    h->count++;
}

double dcs_poller_hist_ms(const dcs_poller_hist_t *h, double q)
{
    uint64_t seen = 0, want = (uint64_t)ceil(q * (double)h->count);
    for (int k = 0; h->count && k < DCS_POLLER_HIST_BUCKETS; k++)
        if ((seen += h->bucket[k]) >= (want ? want : 1))
            return exp2(k / 4.0) / 1000.0;
    return 0;
}

/* Backoff: skip min(2^(fails-2), cap) cycles after `fails` down cycles in a row. */
static void backoff(device_t *dv, int cap)
{
    dv->fails = dv->down ? dv->fails + 1 : 0;
    int want = dv->fails >= 2 ? 1 << (dv->fails - 2 < 10 ? dv->fails - 2 : 10) : 0;
    dv->skip = want < cap ? want : cap;
}

static void finish_device(dcs_poller_t *p, unsigned d, dcs_probe_sink_fn sink,
                          dcs_probe_log_fn log, void *ctx)
{
    device_t *dv = &p->dev[d];
    char line[512];
    int skipped = dv->ok < 0, ok = dv->ok > 0 ? dv->ok : 0;
    if (!skipped && !dv->polled)
        return; /* stopped before its turn: nothing to report */
    if (!skipped) {
        check_range(p->cfg, dv->out, dv->n);
        hist_add(&p->stats.latency, dv->latency_ns);
        p->stats.polls++;
    }
    for (size_t i = 0; i < dv->n; i++)
        p->stats.by_flag[dv->out[i].flag & 7]++;
    p->stats.samples_ok += (uint64_t)ok;
    p->stats.samples_missing += dv->n - (size_t)ok;
    if (!skipped) {
        int down = dv->n > 0 && ok == 0;
        if (down != dv->down && log) {
            snprintf(line, sizeof line, "device '%s': %s%s%s", p->cfg->devices[d].id,
                     down ? "down" : "up again", down && dv->err[0] ? ": " : "",
                     down ? dv->err : "");
            log(ctx, down ? DCS_PROBE_LOG_WARN : DCS_PROBE_LOG_INFO, line);
        }
        p->stats.devices_down += (unsigned)down - (unsigned)dv->down;
        dv->down = down;
        backoff(dv, p->cfg->devices[d].backoff_max_cycles);
    }
    if (sink && dv->n)
        sink(ctx, dv->out, dv->n);
}

/* Before a cycle: devices backing off get "backoff" samples and are not polled. */
static void prepare(dcs_poller_t *p)
{
    int64_t now = dcs_time_now_ns();
    for (unsigned d = 0; d < p->cfg->devices_count; d++) {
        device_t *dv = &p->dev[d];
        dv->ok = 0;
        dv->polled = 0;
        if (dv->skip <= 0)
            continue;
        dv->skip--;
        dv->ok = -1;
        for (size_t i = 0; i < dv->n; i++)
            dv->out[i] = (dcs_sample_t){.channel = dv->out[i].channel, .t_ns = now,
                                        .flag = DCS_SAMPLE_BACKOFF, .value = NAN};
    }
}

/* Sleep until t_ns (CLOCK_REALTIME, absolute) or a stop request. */
static void sleep_until(dcs_poller_t *p, int64_t t_ns)
{
    struct timespec ts = {.tv_sec = t_ns / DCS_NS_PER_S, .tv_nsec = t_ns % DCS_NS_PER_S};
    while (!p->stop && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

int dcs_poller_run(dcs_poller_t *p, int64_t until_ns, uint64_t max_cycles,
                   dcs_probe_sink_fn sink, dcs_probe_log_fn log, void *ctx)
{
    int64_t iv = (int64_t)p->cfg->site->poll_interval_ms * 1000000;
    uint64_t cycles = 0;
    p->stop = 0;
    while (!p->stop && (!max_cycles || cycles < max_cycles)) {
        int64_t now = dcs_time_now_ns();
        int64_t tick = (now / iv + 1) * iv;
        if (until_ns && tick > until_ns)
            break;
        sleep_until(p, tick);
        if (p->stop)
            break;
        p->deadline = tick + iv * 9 / 10;
        prepare(p);
        run_cycle(p);
        int64_t done = dcs_time_now_ns();
        for (unsigned d = 0; d < p->cfg->devices_count; d++)
            finish_device(p, d, sink, log, ctx);
        if (p->cycle_end)
            p->cycle_end(ctx);
        /* Backends stop waiting at the deadline; handing back what they have takes
         * a few ms more. An overrun is a cycle that ended past 95 % of the interval. */
        if (done > p->deadline + iv / 20)
            p->stats.overruns++;
        p->stats.last_cycle_ns = done - tick;
        hist_add(&p->stats.cycle, done - tick);
        if (p->stats.last_cycle_ns > p->stats.max_cycle_ns)
            p->stats.max_cycle_ns = p->stats.last_cycle_ns;
        p->stats.cycles++;
        cycles++;
    }
    return 0;
}
