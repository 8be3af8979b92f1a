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

#endif
