/* dcs_probe.h: probes read devices and hand back samples; the poller runs them on
 * fixed-rate cycles aligned to the wall clock. First stage of the flow
 * (probe -> sample -> store): the poller never includes the store; its caller
 * connects the two through a sink callback. */
#ifndef DCS_PROBE_H
#define DCS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "../engine/config/dcs_config.h"
#include "../engine/sample/dcs_sample.h"

#define DCS_PROBE_ERRLEN 256

/* A probe backend: one per protocol, a const table registered at start-up. */
typedef struct dcs_probe_ops {
    int version;       /* 1, 2 or 3; fields are only ever added at the end */
    const char *name;  /* protocol name as in the config: "modbus_tcp", "snmp" */
    /* Prepare device `dev` of cfg (no I/O required). Returns 0 and *state, or a
     * negative DCS_E* with a one-line reason in err. */
    int (*open)(const dcs_config_t *cfg, unsigned dev, void **state, char *err, size_t errlen);
    /* Read every channel of the device, in config order, into out[0..n-1] (n is
     * the device's channel count). Returns by deadline_ns whatever the device
     * does; each unread or failed channel gets a flag. Returns the number of OK
     * samples; err says why the others failed (one line). */
    int (*poll)(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err,
                size_t errlen);
    void (*close)(void *state); /* NULL state does nothing */
    /* Version 2. */
    /* Devices of equal line key share a connection (a serial port, a gateway): the
     * poller polls them one after another, one request at a time on the line, and
     * different lines in parallel. NULL: each device is its own line. */
    int (*line)(const dcs_config_t *cfg, unsigned dev, char *key, size_t keylen);
    /* Poll n devices of this backend at once from one thread (e.g. asynchronous
     * SNMP); when set, the poller uses it instead of poll. Device i fills
     * out[i][0..nout[i]-1] and sets ok[i], err[i] and latency_ns[i] (request to
     * last answer) by deadline_ns. Returns how many answers came too late. */
    size_t (*poll_many)(void **states, size_t n, int64_t deadline_ns, dcs_sample_t **out,
                        const size_t *nout, int *ok, char (*err)[DCS_PROBE_ERRLEN],
                        int64_t *latency_ns);
    /* Version 3. */
    /* Nonzero: poll waits only through dcs_task_wait/dcs_task_sleep_until
     * (probes/task.h), so the poller runs this backend's lines as tasks on one
     * thread instead of one worker thread each. */
    int cooperative;
} dcs_probe_ops;

/* Register a backend (its name must be unique). Returns 0 or DCS_EINVAL. */
int dcs_probe_register(const dcs_probe_ops *ops);
/* Backend for a protocol name, or NULL. */
const dcs_probe_ops *dcs_probe_find(const char *name);
/* Register the built-in Modbus, SNMP, Prometheus and Redfish backends (idempotent). */
void dcs_probe_register_builtin(void);
void dcs_probe_modbus_register(void);
void dcs_probe_snmp_register(void);
void dcs_probe_prometheus_register(void);
void dcs_probe_redfish_register(void);

/* ---- poller ---- */

typedef struct dcs_poller dcs_poller_t;

enum { DCS_PROBE_LOG_ERROR, DCS_PROBE_LOG_WARN, DCS_PROBE_LOG_INFO };

/* Receives each device's samples of a cycle. */
typedef void (*dcs_probe_sink_fn)(void *ctx, const dcs_sample_t *s, size_t n);
/* Receives one log line (no newline), e.g. "device 'ups': down (timeout)". */
typedef void (*dcs_probe_log_fn)(void *ctx, int level, const char *line);

#define DCS_POLLER_HIST_BUCKETS 128 /* 1 us .. 2^32 us (71 min), 4 per octave */

/* A duration histogram: bucket k counts durations below 2^(k/4) us (within 19 %). */
typedef struct {
    uint64_t count, bucket[DCS_POLLER_HIST_BUCKETS];
} dcs_poller_hist_t;

typedef struct {
    uint64_t cycles, overruns;        /* overrun: the cycle ended past 95 % of the interval */
    uint64_t samples_ok, samples_missing;
    uint64_t by_flag[8];              /* samples per dcs_sample_flag_t */
    uint64_t polls, late_answers;     /* device polls; answers after the deadline */
    int64_t last_cycle_ns, max_cycle_ns; /* from the tick to the last answer */
    unsigned devices_down;
    dcs_poller_hist_t latency;        /* device polls, request to last answer */
    dcs_poller_hist_t cycle;          /* cycles, tick to the last answer */
} dcs_poller_stats_t;

/* Quantile q (0..1) of a histogram, in ms (upper bucket edge, within 19 %); 0
 * when it is empty. */
double dcs_poller_hist_ms(const dcs_poller_hist_t *h, double q);

/* Build a poller for every device of cfg. Returns 0, DCS_ECONFIG (no backend for a
 * protocol) or DCS_ENOMEM; *out set unless out of memory. */
int dcs_poller_new(const dcs_config_t *cfg, dcs_poller_t **out);
const char *dcs_poller_errmsg(const dcs_poller_t *p);

/* Poll on cycles aligned to multiples of the site's interval (UTC) until
 * until_ns (0: no limit), max_cycles cycles (0: no limit) or dcs_poller_stop().
 * Each cycle's deadline is 90 % of the interval after its tick. Lines are polled
 * by site.probe_threads workers, batch backends (SNMP) meanwhile by the calling
 * thread; sink and log are called from the calling thread only, after the
 * cycle. A device down for k >= 2 cycles in a row skips min(2^(k-2),
 * backoff_max_cycles) cycles (samples flagged "backoff"). */
int dcs_poller_run(dcs_poller_t *p, int64_t until_ns, uint64_t max_cycles,
                   dcs_probe_sink_fn sink, dcs_probe_log_fn log, void *ctx);

/* fn(ctx) runs after each cycle's sink calls, on the same thread: where a
 * caller flushes what the cycle gave (once, not per device). NULL: none. */
void dcs_poller_on_cycle_end(dcs_poller_t *p, void (*fn)(void *ctx));

/* Ask a running poller to stop after the current device; async-signal-safe. */
void dcs_poller_stop(dcs_poller_t *p);
const dcs_poller_stats_t *dcs_poller_stats(const dcs_poller_t *p);
void dcs_poller_free(dcs_poller_t *p);

#endif
