/* bridge.c: energy counters bridge power gaps. Where a power channel of a PUE
 * role has a gap (a segment longer than gap_limit_s, or missing samples), and an
 * energy counter of the same device and role (marked cross_check) has readings
 * on both sides of it, the energy over the gap is the counter's delta (rollover-
 * and reset-aware, spread evenly over the counter's interval, clipped to the
 * gap). ISO/IEC 30134-2 prefers energy meters for categories 2 and 3; without a
 * counter a gap stays missing, never interpolated. METRICS.md "Bridged gaps". */
#include "metric_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int dcs_metric_bridge_plan(const dcs_config_t *cfg, dcs_metric_channel_t *mc)
{
    size_t nslots = (size_t)cfg->devices_count * DCS_CONFIG_ROLE_COUNT;
    int *counter = malloc((nslots ? nslots : 1) * sizeof *counter);
    if (!counter)
        return DCS_ENOMEM;
    for (size_t k = 0; k < nslots; k++)
        counter[k] = -1;
    for (unsigned j = cfg->channels_count; j-- > 0;) { /* the first one wins */
        const dcs_config_channel_t *e = &cfg->channels[j];
        if (e->kind == DCS_CONFIG_ENERGY && e->cross_check)
            counter[e->device_index * DCS_CONFIG_ROLE_COUNT + e->role] = (int)j;
    }
    for (unsigned i = 0; i < cfg->channels_count; i++) {
        const dcs_config_channel_t *c = &cfg->channels[i];
        int is_role = c->role == DCS_CONFIG_ROLE_FACILITY_TOTAL ||
                      c->role == DCS_CONFIG_ROLE_IT_TOTAL || c->role == DCS_CONFIG_ROLE_IT_RACK;
        mc[i].counter_index = c->kind == DCS_CONFIG_POWER && !c->cross_check && is_role
                                  ? counter[c->device_index * DCS_CONFIG_ROLE_COUNT + c->role]
                                  : -1;
    }
    free(counter);
    return 0;
}

static int valid(const dcs_store_series_t *s, size_t i)
{
    return s->flag[i] == DCS_SAMPLE_OK && isfinite(s->value[i]);
}

/* Add the counter's energy over [ta, tb] (clipped to [lo, hi)) into b. */
static void bridge_one(const dcs_config_channel_t *e, const dcs_store_series_t *k, int64_t ta,
                       int64_t tb, int64_t lo, int64_t hi, dcs_agg_buckets_t *b,
                       dcs_metric_channel_t *mc)
{
    size_t i = k->n, j = k->n;
    for (size_t r = 0; r < k->n && k->t_ns[r] <= ta; r++)
        if (isfinite(k->value[r]))
            i = r; /* the last reading at or before the gap's start */
    for (size_t r = i == k->n ? k->n : i + 1; r < k->n && j == k->n; r++)
        if (k->t_ns[r] >= tb && isfinite(k->value[r]))
            j = r; /* the first at or after its end */
    if (i == k->n || j == k->n)
        return; /* the counter does not span the gap */
    dcs_agg_buckets_t part = *b;
    part.from_ns = ta > lo ? ta : lo;
    part.to_ns = tb < hi ? tb : hi;
    if (part.to_ns <= part.from_ns)
        return;
    double e0 = dcs_agg_buckets_total_wh(b), c0 = dcs_agg_buckets_covered_s(b);
    dcs_agg_counter(k->t_ns + i, k->value + i, j - i + 1,
                    e->counter_modulus_raw * fabs(e->scale) * e->to_si, e->max_w, &part, NULL);
    double de = dcs_agg_buckets_total_wh(b) - e0, dc = dcs_agg_buckets_covered_s(b) - c0;
    if (dc > 0) {
        mc->bridged_gaps++;
        mc->bridged_s += dc;
        mc->bridged_wh += de;
    }
}

int dcs_metric_bridge(const dcs_config_t *cfg, dcs_store_t *st, const dcs_store_series_t *s,
                      dcs_agg_buckets_t *b, int64_t lo, int64_t hi, dcs_metric_channel_t *mc)
{
    if (mc->counter_index < 0)
        return 0; /* no counter: a gap stays missing */
    const dcs_config_channel_t *e = &cfg->channels[mc->counter_index];
    int64_t gap_ns = (int64_t)(cfg->site->gap_limit_s * 1e9);
    dcs_store_series_t k = {0};
    int read = 0, rc = 0;
    size_t prev = s->n;
    for (size_t i = 0; !rc && i < s->n; i++) {
        if (!valid(s, i))
            continue;
        int gap = prev < s->n && (i != prev + 1 || s->t_ns[i] - s->t_ns[prev] >
                                                       dcs_store_gap_at(s, s->t_ns[prev], gap_ns));
        if (gap && s->t_ns[i] > lo && s->t_ns[prev] < hi) {
            int64_t margin = s->own_gap_ns > gap_ns ? s->own_gap_ns : gap_ns;
            if (!read++) /* the counter is read once, at the first gap */
                rc = dcs_store_read(st, e->id, lo - margin, hi + margin, &k);
            if (!rc)
                bridge_one(e, &k, s->t_ns[prev], s->t_ns[i], lo, hi, b, mc);
        }
        prev = i;
    }
    if (mc->bridged_gaps)
        mc->bridged_by = e->id;
    dcs_store_series_free(&k);
    /* An unreadable counter bridges nothing (the store records the problem). */
    return rc == DCS_ENOMEM ? rc : 0;
}
