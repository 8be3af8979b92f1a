/* modbus_probe.c: Modbus backend on libmodbus for TCP, RTU on a serial line and
 * RTU frames over TCP (serial gateways). Devices that share a serial port or a
 * TCP endpoint (unit ids behind a gateway) share one connection, a "line"; a
 * line's devices are polled one after another, so one request at a time goes on
 * each line, and lines run in parallel: Modbus TCP lines as tasks on one thread
 * (the backend is cooperative: probes/task.h), serial and RTU-over-TCP lines on
 * the poller's worker threads. Each device reads its channels with
 * the requests planned once by plan.c; a request that times out is retried
 * (device `retries`) within the cycle's deadline, then the rest of the device is
 * flagged without asking it again. A Modbus exception flags only that request's
 * channels; a batch the device rejects with "illegal data address" is read point
 * by point from then on. libmodbus reads RTU answers with select(), so no RTU
 * connection may get a descriptor >= FD_SETSIZE: while RTU lines exist, past
 * MAX_PERSISTENT open TCP connections, devices close theirs after each cycle.
 * A site of Modbus TCP meters alone keeps every connection open. */
#define _GNU_SOURCE
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"
#include "modbus_int.h"

#include <errno.h>
#include <math.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "mb_line.h"

#define MAX_PERSISTENT 768

typedef struct {
    const dcs_config_t *cfg;
    unsigned dev;
    mb_line_t *line;
    unsigned *chan;          /* channel indices of this device, config order */
    size_t n;
    int *sf_point;           /* per channel: plan point of its scale factor, -1 none */
    dcs_mbplan_point_t *pts; /* n channel points, then scale-factor points */
    size_t npts;
    dcs_mbplan_t plan;
    int planned;             /* plan built (after SunSpec discovery when needed) */
    uint8_t *split;          /* per request: device rejected the batch, read points alone */
    uint16_t *regs;          /* per point: its registers from the last read */
    uint8_t *flag;           /* per point: sample flag of the last read */
} mb_state_t;

static void mb_close(void *state)
{
    mb_state_t *s = state;
    if (!s)
        return;
    mb_line_release(s->line);
    dcs_mbplan_free(&s->plan);
    free(s->chan);
    free(s->sf_point);
    free(s->pts);
    free(s->split);
    free(s->regs);
    free(s->flag);
    free(s);
}

/* Points: one per channel, then one per distinct scale-factor register. */
static int build_points(mb_state_t *s)
{
    const dcs_config_t *cfg = s->cfg;
    for (unsigned c = 0; c < cfg->channels_count; c++)
        if (cfg->channels[c].device_index == s->dev)
            s->chan[s->n++] = c;
    for (size_t i = 0; i < s->n; i++) {
        const dcs_config_channel_t *c = &cfg->channels[s->chan[i]];
        s->pts[i] = (dcs_mbplan_point_t){(uint8_t)c->function, (uint16_t)c->address,
                                         (uint8_t)dcs_sample_type_regs(c->type)};
    }
    s->npts = s->n;
    for (size_t i = 0; i < s->n; i++) {
        const dcs_config_channel_t *c = &cfg->channels[s->chan[i]];
        s->sf_point[i] = -1;
        if (c->sf_address < 0)
            continue;
        for (size_t k = s->n; k < s->npts && s->sf_point[i] < 0; k++)
            if (s->pts[k].address == c->sf_address && s->pts[k].function == c->function)
                s->sf_point[i] = (int)k;
        if (s->sf_point[i] < 0) {
            s->sf_point[i] = (int)s->npts;
            s->pts[s->npts++] = (dcs_mbplan_point_t){(uint8_t)c->function,
                                                     (uint16_t)c->sf_address, 1};
        }
    }
    return 0;
}

static int mb_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err,
                   size_t errlen)
{
    size_t cap = cfg->channels_count ? cfg->channels_count : 1;
    mb_state_t *s = calloc(1, sizeof *s);
    if (!s || !(s->chan = calloc(cap, sizeof *s->chan)) ||
        !(s->sf_point = calloc(cap, sizeof *s->sf_point)) ||
        !(s->pts = calloc(2 * cap, sizeof *s->pts)) || !(s->regs = calloc(2 * cap * 4, 2)) ||
        !(s->flag = calloc(2 * cap, 1)) || !(s->split = calloc(2 * cap, 1))) {
        mb_close(s);
        return DCS_ENOMEM;
    }
    s->cfg = cfg;
    s->dev = dev;
    build_points(s);
    int rc = mb_line_acquire(cfg, dev, &s->line, err, errlen);
    if (rc) {
        mb_close(s);
        return rc;
    }
    *state = s;
    return 0;
}

static int classify(int e)
{
    if (e >= MB_EXCEPTION + 1 && e <= MB_EXCEPTION + 11) /* the codes Modbus defines */
        return DCS_SAMPLE_EXCEPTION;
    if (e == ETIMEDOUT || e == EAGAIN || e == EINPROGRESS)
        return DCS_SAMPLE_TIMEOUT;
    if (e == ECONNREFUSED || e == ECONNRESET || e == EPIPE || e == ENOTCONN || e == EBADF ||
        e == EMFILE || e == ENOENT || e == EACCES)
        return DCS_SAMPLE_NOCONN;
    return DCS_SAMPLE_GARBAGE;
}

/* One read of count registers at start, with retries inside the deadline.
 * Returns a sample flag; *e gets libmodbus's errno of the last failure. */
static int read_range(mb_state_t *s, int function, int start, int count, uint16_t *out,
                      int64_t deadline_ns, int *e)
{
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    int flag = DCS_SAMPLE_TIMEOUT;
    *e = ETIMEDOUT;
    for (int attempt = 0; attempt <= d->retries; attempt++) {
        flag = mb_line_ready(s->line, d, deadline_ns, e);
        if (flag == DCS_SAMPLE_OK) {
            int rc = mb_line_read(s->line, function, start, count, out, e);
            mb_line_mark(s->line);
            flag = rc == count ? DCS_SAMPLE_OK : rc < 0 ? classify(*e) : DCS_SAMPLE_GARBAGE;
        }
        if (flag == DCS_SAMPLE_OK || flag == DCS_SAMPLE_EXCEPTION)
            return flag;
        /* Timeouts and bad frames leave the line in an unknown state: start over. */
        mb_line_drop(s->line);
        if (dcs_time_now_ns() >= deadline_ns)
            break;
    }
    return flag;
}

static void set_point(mb_state_t *s, uint32_t p, const uint16_t *regs, int start, int flag)
{
    s->flag[p] = (uint8_t)flag;
    if (flag == DCS_SAMPLE_OK)
        memcpy(&s->regs[p * 4], &regs[s->pts[p].address - start], s->pts[p].nregs * 2u);
}

/* Read request r; on a rejected batch, its points one by one. Returns the flag of
 * the request as a whole (a dead device: stop asking it). */
static int read_request(mb_state_t *s, size_t r, int64_t deadline_ns, char *err, size_t errlen)
{
    const dcs_mbplan_req_t *q = &s->plan.req[r];
    uint16_t regs[125];
    int e = 0, flag = DCS_SAMPLE_EXCEPTION;
    if (!s->split[r]) {
        flag = read_range(s, q->function, q->start, q->count, regs, deadline_ns, &e);
        if (flag == DCS_SAMPLE_EXCEPTION && e == MB_EXCEPTION + 2 && q->npoints > 1) /* illegal address */
            s->split[r] = 1; /* a batch across unmapped registers: read points alone */
        else
            for (uint32_t k = 0; k < q->npoints; k++)
                set_point(s, s->plan.order[q->first + k], regs, q->start, flag);
    }
    for (uint32_t k = 0; s->split[r] && k < q->npoints; k++) {
        uint32_t p = s->plan.order[q->first + k];
        flag = read_range(s, q->function, s->pts[p].address, s->pts[p].nregs, regs,
                          deadline_ns, &e);
        set_point(s, p, regs, s->pts[p].address, flag);
        if (flag != DCS_SAMPLE_OK && flag != DCS_SAMPLE_EXCEPTION)
            break;
    }
    if (flag != DCS_SAMPLE_OK) {
        const dcs_config_device_t *d = &s->cfg->devices[s->dev];
        char why[160];
        snprintf(err, errlen, "%s unit %d: %s reading %u registers at %u (function %u): %s",
                 mb_line_name(s->line), d->unit_id, dcs_sample_flag_name(flag), q->count,
                 q->start, q->function, mb_strerror(e, why, sizeof why));
    }
    return flag;
}

/* SunSpec (see probes/profiles/sunspec-meter.yaml): find "SunS" and the model's block,
 * then plan with point addresses relative to it. */
static int discover(mb_state_t *s, int64_t deadline_ns, char *err, size_t errlen)
{
    int model = s->cfg->devices[s->dev].sunspec_model, e, base = -1;
    static const int bases[] = {40000, 50000, 0};
    uint16_t r[2];
    for (int i = 0; i < 3 && base < 0; i++) {
        int f = read_range(s, 3, bases[i], 2, r, deadline_ns, &e);
        if (f != DCS_SAMPLE_OK && f != DCS_SAMPLE_EXCEPTION)
            return f;
        if (f == DCS_SAMPLE_OK && r[0] == 0x5375 && r[1] == 0x6e53) /* "SunS" */
            base = bases[i];
    }
    for (int addr = base + 2, hops = 0; base >= 0 && hops < 64; hops++) {
        int f = read_range(s, 3, addr, 2, r, deadline_ns, &e);
        if (f != DCS_SAMPLE_OK)
            return f;
        if (r[0] == model) {
            for (size_t p = 0; p < s->npts; p++)
                s->pts[p].address = (uint16_t)(s->pts[p].address + addr);
            return DCS_SAMPLE_OK;
        }
        if (r[0] == 0xFFFF || addr + 2 + r[1] > 65535)
            break;
        addr += 2 + r[1];
    }
    snprintf(err, errlen, "%s unit %d: no SunSpec model %d found", mb_line_name(s->line),
             s->cfg->devices[s->dev].unit_id, model);
    return DCS_SAMPLE_NOSUCH;
}

static int plan(mb_state_t *s, int64_t deadline_ns, char *err, size_t errlen)
{
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    if (d->sunspec_model) {
        int f = discover(s, deadline_ns, err, errlen);
        if (f != DCS_SAMPLE_OK)
            return f;
    }
    if (dcs_mbplan_build(s->pts, s->npts, d->max_registers, d->gap_registers, &s->plan)) {
        snprintf(err, errlen, "%s: cannot plan requests", d->id);
        return DCS_SAMPLE_GARBAGE;
    }
    s->planned = 1;
    return DCS_SAMPLE_OK;
}

/* SunSpec "not implemented" values: int16 0x8000, uint16 0xFFFF, uint32 0xFFFFFFFF. */
static int not_implemented(const uint16_t *r, dcs_sample_type_t t)
{
    return (t == DCS_SAMPLE_INT16 && r[0] == 0x8000) || (t == DCS_SAMPLE_UINT16 && r[0] == 0xFFFF) ||
           (t == DCS_SAMPLE_UINT32 && r[0] == 0xFFFF && r[1] == 0xFFFF);
}

static int decode(const mb_state_t *s, size_t i, double *value)
{
    const dcs_config_channel_t *c = &s->cfg->channels[s->chan[i]];
    const uint16_t *r = &s->regs[i * 4];
    if (s->flag[i] != DCS_SAMPLE_OK)
        return s->flag[i];
    double raw = dcs_sample_decode(r, c->type, c->order), sf = 0;
    if (c->has_not_supported && raw == c->not_supported)
        return DCS_SAMPLE_NOSUCH; /* the profile's "no value" reading */
    if (s->sf_point[i] >= 0) {
        int p = s->sf_point[i];
        if (s->flag[p] != DCS_SAMPLE_OK)
            return s->flag[p];
        if (not_implemented(r, c->type) || s->regs[p * 4] == 0x8000)
            return DCS_SAMPLE_NOSUCH;
        sf = (double)(int16_t)s->regs[p * 4];
        if (sf < -10 || sf > 10)
            return DCS_SAMPLE_GARBAGE;
    }
    *value = (raw * pow(10.0, sf) * c->scale + c->offset) * c->to_si;
    return isfinite(*value) ? DCS_SAMPLE_OK : DCS_SAMPLE_GARBAGE;
}

static int mb_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err,
                   size_t errlen)
{
    mb_state_t *s = state;
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    int dead = s->planned ? DCS_SAMPLE_OK : plan(s, deadline_ns, err, errlen), ok = 0;
    for (size_t p = 0; p < s->npts; p++)
        s->flag[p] = (uint8_t)(dead == DCS_SAMPLE_OK ? DCS_SAMPLE_TIMEOUT : dead);
    for (size_t r = 0; dead == DCS_SAMPLE_OK && r < s->plan.nreq; r++) {
        int f = read_request(s, r, deadline_ns, err, errlen);
        if (f != DCS_SAMPLE_OK && f != DCS_SAMPLE_EXCEPTION)
            dead = f; /* timeout or lost link after retries: the rest gets the same flag */
    }
    for (size_t p = 0; dead != DCS_SAMPLE_OK && p < s->npts; p++)
        if (s->flag[p] == DCS_SAMPLE_TIMEOUT)
            s->flag[p] = (uint8_t)dead;
    int64_t now = dcs_time_now_ns();
    for (size_t i = 0; i < n && i < s->n; i++) {
        out[i] = (dcs_sample_t){.channel = s->chan[i], .t_ns = now, .value = NAN};
        out[i].flag = (uint8_t)decode(s, i, &out[i].value);
        if (out[i].flag != DCS_SAMPLE_OK)
            out[i].value = NAN;
        ok += out[i].flag == DCS_SAMPLE_OK;
    }
    if (d->close_after_cycle ||
        (mb_line_select_count() > 0 && mb_line_open_count() > MAX_PERSISTENT))
        mb_line_drop(s->line);
    return ok;
}

static const dcs_probe_ops modbus_ops[] = {
    {.version = 3, .name = "modbus_tcp", .open = mb_open, .poll = mb_poll, .close = mb_close,
     .line = mb_line_key_of, .cooperative = 1}, /* waits in line.c go through task.h */
    {.version = 2, .name = "modbus_rtu", .open = mb_open, .poll = mb_poll, .close = mb_close,
     .line = mb_line_key_of},
    {.version = 2, .name = "modbus_rtu_tcp", .open = mb_open, .poll = mb_poll, .close = mb_close,
     .line = mb_line_key_of},
};

void dcs_probe_modbus_register(void)
{
    for (size_t i = 0; i < sizeof modbus_ops / sizeof modbus_ops[0]; i++)
        dcs_probe_register(&modbus_ops[i]);
}
