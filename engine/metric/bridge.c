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
#include <string.h>

/* The counter that can bridge power channel ci: an energy channel marked
 * cross_check on the same device with the same role; -1 when none. */
static int partner(const dcs_config_t *cfg, unsigned ci)
{
    const dcs_config_channel_t *c = &cfg->channels[ci];
    for (unsigned j = 0; j < cfg->channels_count; j++) {
        const dcs_config_channel_t *e = &cfg->channels[j];
        if (e->kind == DCS_CONFIG_ENERGY && e->cross_check && e->role == c->role &&
            e->device_index == c->device_index)
            return (int)j;
    }
    return -1;
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

int dcs_metric_bridge(const dcs_config_t *cfg, dcs_store_t *st, unsigned ci,
                      const dcs_store_series_t *s, dcs_agg_buckets_t *b, int64_t lo, int64_t hi,
                      dcs_metric_channel_t *mc)
{
    const dcs_config_channel_t *c = &cfg->channels[ci];
    int is_role = c->role == DCS_CONFIG_ROLE_FACILITY_TOTAL || c->role == DCS_CONFIG_ROLE_IT_TOTAL ||
                  c->role == DCS_CONFIG_ROLE_IT_RACK;
    if (c->kind != DCS_CONFIG_POWER || c->cross_check || !is_role)
        return 0;
    int64_t gap_ns = (int64_t)(cfg->site->gap_limit_s * 1e9);
    dcs_store_series_t k = {0};
    int pk = -2, rc = 0; /* pk: -2 not looked up yet, -1 none */
    size_t prev = s->n;
    for (size_t i = 0; i < s->n; i++) {
        if (!valid(s, i))
            continue;
        int gap = prev < s->n && (i != prev + 1 || s->t_ns[i] - s->t_ns[prev] > gap_ns);
        if (gap && s->t_ns[i] > lo && s->t_ns[prev] < hi) {
            if (pk == -2 && (pk = partner(cfg, ci)) >= 0 &&
                (rc = dcs_store_read(st, cfg->channels[pk].id, lo - gap_ns, hi + gap_ns, &k)))
                pk = -1; /* unreadable: as without a counter (the read error is the store's) */
            if (pk < 0)
                break; /* no counter: the gap stays missing */
            if (!rc)
                bridge_one(&cfg->channels[pk], &k, s->t_ns[prev], s->t_ns[i], lo, hi, b, mc);
        }
        prev = i;
    }
    if (pk >= 0 && mc->bridged_gaps)
        mc->bridged_by = cfg->channels[pk].id;
    dcs_store_series_free(&k);
    return rc == DCS_ENOMEM ? rc : 0;
}
