/* cli_metrics.h: Prometheus text exposition for `dcscore poll --metrics`, served
 * by libmicrohttpd on its own thread: the latest value of every channel, live
 * PUE, and the poller's self-metrics. CLI-only; the library knows nothing of it. */
#ifndef DCS_CLI_METRICS_H
#define DCS_CLI_METRICS_H

#include <stdint.h>

#include "../config/dcs_config.h"
#include "../../probes/dcs_probe.h"

typedef struct cli_metrics cli_metrics_t;

/* Listen on "ADDR:PORT" (IPv4; port 0 lets the kernel pick; the bound address is
 * logged). Returns NULL after logging why when it cannot. */
cli_metrics_t *cli_metrics_start(const char *addr_port);
/* Take the channel table of cfg (copied: cfg may be freed after a reload). */
void cli_metrics_set_config(cli_metrics_t *m, const dcs_config_t *cfg);
/* Record a device's samples and the poller's counters. */
void cli_metrics_update(cli_metrics_t *m, const dcs_sample_t *s, size_t n,
                        const dcs_poller_stats_t *st, uint64_t flushes);
/* PUE limits of the live findings (the policy's plausibility block; 1.0 and
 * 4.0 until set). */
void cli_metrics_set_limits(cli_metrics_t *m, double pue_min, double pue_max);
/* Serve the forwarder's queue and delivery counters too (NULL: no longer; set
 * NULL before the forwarder stops). */
struct dcs_forward;
void cli_metrics_set_forward(cli_metrics_t *m, struct dcs_forward *fw);
/* Stop serving and free. NULL does nothing. */
void cli_metrics_stop(cli_metrics_t *m);

#endif
