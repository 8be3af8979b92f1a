/* modbus_probe.c: Modbus TCP backend on libmodbus. One connection per device,
 * opened lazily and dropped after a timeout or a garbled answer so the next
 * cycle starts clean. v0 reads one channel per request (batching: issue 8).
 * Error classes follow libmodbus's errno values: EMBX* exceptions keep the
 * connection; timeouts and bad frames close it. */
#define _GNU_SOURCE
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const dcs_config_t *cfg;
    unsigned dev;
    modbus_t *ctx;
    int connected;
    unsigned *chan;  /* channel indices of this device, config order */
    size_t n;
} mb_state_t;

static void mb_close(void *state)
{
    mb_state_t *s = state;
    if (!s)
        return;
    if (s->ctx) {
        modbus_close(s->ctx);
        modbus_free(s->ctx);
    }
    free(s->chan);
    free(s);
}

static int mb_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err,
                   size_t errlen)
{
    const dcs_config_device_t *d = &cfg->devices[dev];
    mb_state_t *s = calloc(1, sizeof *s);
    char port[16];
    if (!s || !(s->chan = calloc(cfg->channels_count ? cfg->channels_count : 1, sizeof *s->chan))) {
        mb_close(s);
        return DCS_ENOMEM;
    }
    s->cfg = cfg;
    s->dev = dev;
    for (unsigned c = 0; c < cfg->channels_count; c++)
        if (cfg->channels[c].device_index == dev)
            s->chan[s->n++] = c;
    snprintf(port, sizeof port, "%d", d->port);
    s->ctx = modbus_new_tcp_pi(d->host, port);
    if (!s->ctx || modbus_set_slave(s->ctx, d->unit_id) < 0) {
        snprintf(err, errlen, "modbus %s:%s unit %d: %s", d->host, port, d->unit_id,
                 modbus_strerror(errno));
        mb_close(s);
        return DCS_ECONFIG;
    }
    *state = s;
    return 0;
}

/* Response timeout: the device's, but never past the deadline. */
static int set_timeout(mb_state_t *s, int64_t deadline_ns)
{
    int64_t left_us = (deadline_ns - dcs_time_now_ns()) / 1000;
    int64_t dev_us = (int64_t)s->cfg->devices[s->dev].timeout_ms * 1000;
    int64_t us = left_us < dev_us ? left_us : dev_us;
    if (us <= 0)
        return -1;
    modbus_set_response_timeout(s->ctx, (uint32_t)(us / 1000000), (uint32_t)(us % 1000000));
    return 0;
}

static void drop_connection(mb_state_t *s)
{
    modbus_close(s->ctx);
    s->connected = 0;
}

static int classify(int e)
{
    if (e > MODBUS_ENOBASE && e <= MODBUS_ENOBASE + 11) /* EMBXILFUN..EMBXGTAR */
        return DCS_SAMPLE_EXCEPTION;
    if (e == ETIMEDOUT || e == EAGAIN || e == EINPROGRESS)
        return DCS_SAMPLE_TIMEOUT;
    if (e == ECONNREFUSED || e == ECONNRESET || e == EPIPE || e == ENOTCONN || e == EBADF)
        return DCS_SAMPLE_NOCONN;
    return DCS_SAMPLE_GARBAGE;
}

/* Read and decode one channel. Returns the sample flag. */
static int read_channel(mb_state_t *s, const dcs_config_channel_t *c, double *value)
{
    uint16_t regs[4];
    int nregs = dcs_sample_type_regs(c->type);
    int rc = c->function == 4 ? modbus_read_input_registers(s->ctx, c->address, nregs, regs)
                              : modbus_read_registers(s->ctx, c->address, nregs, regs);
    if (rc != nregs)
        return rc < 0 ? classify(errno) : DCS_SAMPLE_GARBAGE;
    double raw = dcs_sample_decode(regs, c->type, c->order);
    *value = (raw * c->scale + c->offset) * c->to_si;
    return isfinite(*value) ? DCS_SAMPLE_OK : DCS_SAMPLE_GARBAGE;
}

static int mb_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err,
                   size_t errlen)
{
    mb_state_t *s = state;
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    int ok = 0, flag = DCS_SAMPLE_OK;
    for (size_t i = 0; i < n && i < s->n; i++) {
        const dcs_config_channel_t *c = &s->cfg->channels[s->chan[i]];
        out[i] = (dcs_sample_t){.channel = s->chan[i], .value = NAN};
        if (flag == DCS_SAMPLE_OK || flag == DCS_SAMPLE_EXCEPTION) {
            flag = DCS_SAMPLE_OK;
            if (set_timeout(s, deadline_ns) < 0)
                flag = DCS_SAMPLE_TIMEOUT;
            else if (!s->connected && modbus_connect(s->ctx) < 0)
                flag = classify(errno);
            else
                s->connected = 1;
            if (flag == DCS_SAMPLE_OK)
                flag = read_channel(s, c, &out[i].value);
            if (flag != DCS_SAMPLE_OK)
                snprintf(err, errlen, "%s:%d unit %d: %s at address %d: %s", d->host, d->port,
                         d->unit_id, dcs_sample_flag_name(flag), c->address,
                         modbus_strerror(errno));
            if (flag != DCS_SAMPLE_OK && flag != DCS_SAMPLE_EXCEPTION && s->connected)
                drop_connection(s);
        }
        /* After a timeout or a lost link, the rest of the device is not asked again
         * this cycle: it gets the same flag. */
        out[i].t_ns = dcs_time_now_ns();
        out[i].flag = (uint8_t)flag;
        if (flag != DCS_SAMPLE_OK)
            out[i].value = NAN;
        else
            ok++;
    }
    return ok;
}

static const dcs_probe_ops modbus_probe = {
    .version = 1,
    .name = "modbus_tcp",
    .open = mb_open,
    .poll = mb_poll,
    .close = mb_close,
};

void dcs_probe_modbus_register(void)
{
    dcs_probe_register(&modbus_probe);
}
