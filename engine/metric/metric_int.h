/* metric_int.h: what the metric stage's files share, not part of its API. */
#ifndef DCS_METRIC_INT_H
#define DCS_METRIC_INT_H

#include "dcs_metric.h"

/* Find, once per score, the counter that may bridge each channel's gaps:
 * mc[i].counter_index is the first energy channel marked cross_check on the same
 * device with the same role, for power channels of a PUE role; else -1.
 * Returns 0 or DCS_ENOMEM. */
int dcs_metric_bridge_plan(const dcs_config_t *cfg, dcs_metric_channel_t *mc);

/* Bridge the gaps of a power channel (raw samples s, integrated into the part
 * [lo, hi) of b) with its counter mc->counter_index, read from st; the bridged
 * gaps, seconds and Wh are added to mc. Returns 0 or DCS_ENOMEM. */
int dcs_metric_bridge(const dcs_config_t *cfg, dcs_store_t *st, const dcs_store_series_t *s,
                      dcs_agg_buckets_t *b, int64_t lo, int64_t hi, dcs_metric_channel_t *mc);

/* Which days of the window b are read from rollups (integrate.c): use[d] for
 * day dcs_time_day(from) + d; NULL when out of memory. */
uint8_t *metric_rollup_days(const dcs_config_t *cfg, dcs_store_t *st, const dcs_agg_buckets_t *b,
                            const dcs_metric_channel_t *mc);

/* Integrate every channel of cfg over b's window and buckets (raw days from
 * samples, days with use[d] from rollups), split across dcs_par_workers()
 * processes, and hand each channel to fold in channel order: its buckets b and
 * its summary mc[ch] (e_wh, coverage, samples, bridging; counter_index as
 * planned). progress (may be NULL) after each wave of channels. Returns 0,
 * DCS_ENOMEM, or a store error (dcs_store_errmsg says which file). */
typedef void (*metric_fold_fn)(void *ctx, unsigned ch, const dcs_agg_buckets_t *b, dcs_metric_channel_t *mc);
int metric_integrate(const dcs_config_t *cfg, dcs_store_t *st, const dcs_agg_buckets_t *b, const uint8_t *use,
                     dcs_metric_channel_t *mc, metric_fold_fn fold, void *fctx, dcs_metric_progress_fn progress,
                     void *pctx);

#endif
