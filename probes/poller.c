/* poller.c: fixed-rate polling cycles. Ticks fall on multiples of the interval
 * in UTC (no drift: the next tick is computed from the clock, never by adding
 * sleeps). Devices are polled one after another in v0; each probe returns by the
 * cycle's deadline, so one dead device cannot stall the cycle past it.
 * A device's up/down changes are logged once per change, not per cycle. */
#define _GNU_SOURCE
#include "dcs_probe.h"
#include "../engine/base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const dcs_probe_ops *ops;
    void *state;
    dcs_sample_t *out;  /* one per channel of the device */
    size_t n;
    int down;           /* last cycle had no OK sample */
} device_t;

struct dcs_poller {
    const dcs_config_t *cfg;
    device_t *dev;
    volatile sig_atomic_t stop;
    dcs_poller_stats_t stats;
    char errmsg[512];
};

int dcs_poller_new(const dcs_config_t *cfg, dcs_poller_t **out)
{
    dcs_poller_t *p = calloc(1, sizeof *p);
    *out = p;
    if (!p || !(p->dev = calloc(cfg->devices_count, sizeof *p->dev)))
        return DCS_ENOMEM;
    p->cfg = cfg;
    dcs_probe_register_builtin();
    for (unsigned d = 0; d < cfg->devices_count; d++) {
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
        if (rc) {
            snprintf(p->errmsg, sizeof p->errmsg, "device '%s': %s", cfg->devices[d].id, err);
            return rc;
        }
    }
    return 0;
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
    for (unsigned d = 0; p->dev && d < p->cfg->devices_count; d++) {
        if (p->dev[d].ops && p->dev[d].state)
            p->dev[d].ops->close(p->dev[d].state);
        free(p->dev[d].out);
    }
    free(p->dev);
    free(p);
}

/* Sleep until t_ns (CLOCK_REALTIME, absolute) or a stop request. */
static void sleep_until(dcs_poller_t *p, int64_t t_ns)
{
    struct timespec ts = {.tv_sec = t_ns / DCS_NS_PER_S, .tv_nsec = t_ns % DCS_NS_PER_S};
    while (!p->stop && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Flag samples outside a channel's plausible range (power above max_w). */
static void check_range(const dcs_config_t *cfg, dcs_sample_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const dcs_config_channel_t *c = &cfg->channels[s[i].channel];
        if (s[i].flag == DCS_SAMPLE_OK && c->kind == DCS_CONFIG_POWER && c->max_w > 0 &&
            fabs(s[i].value) > c->max_w) {
            s[i].flag = DCS_SAMPLE_RANGE;
            s[i].value = NAN;
        }
    }
}

static void poll_device(dcs_poller_t *p, unsigned d, int64_t deadline,
                        dcs_probe_sink_fn sink, dcs_probe_log_fn log, void *ctx)
{
    device_t *dv = &p->dev[d];
    char err[256] = "", line[512];
    int ok = dv->ops->poll(dv->state, deadline, dv->out, dv->n, err, sizeof err);
    check_range(p->cfg, dv->out, dv->n);
    for (size_t i = 0; i < dv->n; i++)
        p->stats.by_flag[dv->out[i].flag & 7]++;
    p->stats.samples_ok += (uint64_t)(ok > 0 ? ok : 0);
    p->stats.samples_missing += dv->n - (size_t)(ok > 0 ? ok : 0);
    int down = dv->n > 0 && ok <= 0;
    if (down != dv->down && log) {
        snprintf(line, sizeof line, "device '%s': %s%s%s", p->cfg->devices[d].id,
                 down ? "down" : "up again", down && err[0] ? ": " : "", down ? err : "");
        log(ctx, down ? DCS_PROBE_LOG_WARN : DCS_PROBE_LOG_INFO, line);
    }
    p->stats.devices_down += (unsigned)down - (unsigned)dv->down;
    dv->down = down;
    if (sink && dv->n)
        sink(ctx, dv->out, dv->n);
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
        int64_t deadline = tick + iv * 9 / 10;
        for (unsigned d = 0; d < p->cfg->devices_count && !p->stop; d++)
            poll_device(p, d, deadline, sink, log, ctx);
        int64_t done = dcs_time_now_ns();
        if (done > deadline)
            p->stats.overruns++;
        p->stats.last_cycle_ns = done - tick;
        if (p->stats.last_cycle_ns > p->stats.max_cycle_ns)
            p->stats.max_cycle_ns = p->stats.last_cycle_ns;
        p->stats.cycles++;
        cycles++;
    }
    return 0;
}
