/* metric_int.h: what the metric stage's files share, not part of its API. */
#ifndef DCS_METRIC_INT_H
#define DCS_METRIC_INT_H

#include "dcs_metric.h"

/* Bridge the gaps of power channel ci (raw samples s, integrated into the part
 * [lo, hi) of b) with its device's cross_check energy counter, read from st;
 * the bridged gaps, seconds and Wh are added to mc. Returns 0 or a store error. */
int dcs_metric_bridge(const dcs_config_t *cfg, dcs_store_t *st, unsigned ci,
                      const dcs_store_series_t *s, dcs_agg_buckets_t *b, int64_t lo, int64_t hi,
                      dcs_metric_channel_t *mc);

#endif
