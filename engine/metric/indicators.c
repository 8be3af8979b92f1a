/* indicators.c: CUE (effective compute efficiency), EUE (economic output) and the
 * ISO/IEC 30134 companions, from a scored window plus the site's inventory and
 * finance blocks. Definitions and sources: METRICS.md. */
#include "dcs_metric.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <string.h>

#define YEAR_S (365.25 * 86400.0)

const char *dcs_metric_activity_source(const dcs_config_channel_t *c, int *grade)
{
    static const struct { const char *key, *name; int grade; } t[] = {
        {"PIPE_TENSOR_ACTIVE", "tensor pipe activity", 1}, {"PIPE_FP64_ACTIVE", "FP64 pipe activity", 1},
        {"PIPE_FP32_ACTIVE", "FP32 pipe activity", 1}, {"PIPE_FP16_ACTIVE", "FP16 pipe activity", 1},
        {"SM_ACTIVE", "SM activity", 2}, {"GR_ENGINE_ACTIVE", "graphics engine activity", 3},
        {"npu_chip_info_utilization", "NPU AI-core utilisation", 3},
        {"GPU_UTIL", "GPU utilisation (not activity)", 4}, {"utilization_gpu", "GPU utilisation (not activity)", 4},
    };
    for (size_t k = 0; c->metric && k < sizeof t / sizeof t[0]; k++)
        if (strstr(c->metric, t[k].key))
            return *grade = t[k].grade, t[k].name;
    *grade = 3;
    return c->oid && strncmp(c->oid + (c->oid[0] == '.'), "1.3.6.1.2.1.25.3.3.1.2", 22) == 0 ? "CPU load"
                                                                                          : "operator feed";
}

/* Mean utilisation (0..1) of channel ch over the covered window, or NaN when
 * its coverage falls short: judged against the time E_IT was measured. */
static double mean_util(const dcs_config_t *cfg, const dcs_metric_score_t *sc, uint32_t ch)
{
    const dcs_metric_channel_t *u = &sc->channels[ch];
    double u_cov = sc->coverage_it > 0 ? fmin(u->coverage / sc->coverage_it, 1.0) : 0;
    if (!(u_cov >= cfg->site->min_coverage) || !isfinite(u->mean) || u->coverage <= 0)
        return NAN; /* never read as 0 or 1: left out and counted */
    return fmin(fmax(u->mean / 100.0, 0.0), 1.0);
}

/* Source src of precision p with the rated compute it measured, kept by grade. */
static void add_source(dcs_metric_indicators_t *out, int p, const char *src, int grade, double rated)
{
    unsigned n = out->nsources[p], k = 0;
    while (k < n && strcmp(out->sources[p][k].name, src) != 0)
        k++;
    if (k < n) {
        out->sources[p][k].rated_tflops += rated;
        return;
    }
    if (n == DCS_METRIC_MAX_SOURCES)
        return;
    while (k > 0 && out->sources[p][k - 1].grade > grade) { /* insertion by grade */
        out->sources[p][k] = out->sources[p][k - 1];
        k--;
    }
    out->sources[p][k].name = src, out->sources[p][k].grade = grade, out->sources[p][k].rated_tflops = rated;
    out->nsources[p] = n + 1;
}

/* Each precision's effective compute from the group's channel for it (the
 * pipe's activity, else the group's utilisation), and the FP32-equivalent from
 * the precision the group is best rated at. */
static void cue_group(const dcs_config_t *cfg, const dcs_metric_score_t *sc, const dcs_config_server_t *sv,
                      const double f[], dcs_metric_indicators_t *out, double *covered_peak)
{
    const double peak[DCS_METRIC_NPREC] = {sv->fp64_tflops, sv->fp32_tflops, sv->fp16_tflops, sv->int8_tflops};
    int best = -1; /* one machine's FP32-equivalent: its best rating, not a sum */
    for (int p = 0; p < DCS_METRIC_NPREC; p++)
        if (peak[p] > 0 && (best < 0 || peak[p] * f[p] > peak[best] * f[best]))
            best = p;
    double eq = best < 0 ? 0 : peak[best] * f[best] * sv->count;
    out->peak_fp32eq_tflops += eq;
    for (int p = 0; p < DCS_METRIC_NPREC; p++) {
        if (!(peak[p] > 0))
            continue;
        out->peak_tflops[p] += peak[p] * sv->count;
        double u = mean_util(cfg, sc, sv->prec_channel[p]);
        int g;
        const char *src = dcs_metric_activity_source(&cfg->channels[sv->prec_channel[p]], &g);
        if (!isfinite(u))
            continue;
        out->c_eff_tflops[p] += peak[p] * sv->count * u;
        if (g > out->source_grade[p])
            out->source[p] = src, out->source_grade[p] = g;
        add_source(out, p, src, g, peak[p] * sv->count);
    }
    double u = mean_util(cfg, sc, best < 0 ? sv->channel_index : sv->prec_channel[best]);
    if (!isfinite(u)) {
        out->servers_missing++;
        return;
    }
    out->c_eff_fp32eq_tflops += eq * u;
    *covered_peak += eq;
}

static void cue(const dcs_config_t *cfg, const dcs_metric_score_t *sc, const double f[],
                dcs_metric_indicators_t *out)
{
    const dcs_config_inventory_t *inv = cfg->inventory;
    double covered_peak = 0;
    for (unsigned i = 0; inv && i < inv->servers_count; i++)
        cue_group(cfg, sc, &inv->servers[i], f, out, &covered_peak);
    if (!inv || out->peak_fp32eq_tflops <= 0)
        return;
    out->utilisation_coverage = covered_peak / out->peak_fp32eq_tflops;
    if (covered_peak > 0 && out->p_it_avg_kw > 0) {
        out->cue_it_tflops_per_kw = out->c_eff_fp32eq_tflops / out->p_it_avg_kw;
        out->cue_dc_tflops_per_kw = out->cue_it_tflops_per_kw / sc->pue;
    }
}

static void eue(const dcs_config_t *cfg, const dcs_metric_score_t *sc, double window_s,
                dcs_metric_indicators_t *out)
{
    const dcs_config_finance_t *fin = cfg->finance;
    if (!fin)
        return;
    /* Yearly figures are pro-rated to the covered share of the window, so that
     * numerator and denominator span the same time: a missing day lowers
     * coverage, never raises a ratio. */
    double share = window_s / YEAR_S, e_dc_kwh = sc->e_dc_wh / 1000, e_it_kwh = sc->e_it_wh / 1000;
    double dc_share = share * sc->coverage_dc, it_share = share * sc->coverage_it;
    out->eue_basis = fin->basis;
    out->output_yuan = fin->output_yuan_per_year * dc_share;
    if (e_dc_kwh > 0)
        out->eue_yuan_per_kwh = out->output_yuan / e_dc_kwh;
    if (cfg->inventory && cfg->inventory->rack_count > 0)
        out->output_yuan_per_rack_year = fin->output_yuan_per_year / cfg->inventory->rack_count;
    if (fin->water_l_per_year > 0 && e_it_kwh > 0)
        out->wue_l_per_kwh = fin->water_l_per_year * it_share / e_it_kwh;
    if (fin->reused_kwh_per_year > 0 && e_dc_kwh > 0)
        out->erf = fin->reused_kwh_per_year * dc_share / e_dc_kwh;
    if (fin->renewable_kwh_per_year > 0 && e_dc_kwh > 0)
        out->ref = fin->renewable_kwh_per_year * dc_share / e_dc_kwh;
}

void dcs_metric_indicators(const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                           const double fp32eq[DCS_METRIC_NPREC], double cef_kg_per_kwh,
                           dcs_metric_indicators_t *out)
{
    double window_s = (double)(sc->to_ns - sc->from_ns) * 1e-9;
    memset(out, 0, sizeof *out);
    out->cue_it_tflops_per_kw = out->cue_dc_tflops_per_kw = out->utilisation_coverage = NAN;
    out->eue_yuan_per_kwh = out->output_yuan = out->output_yuan_per_rack_year = NAN;
    out->wue_l_per_kwh = out->erf = out->ref = NAN;
    /* Mean IT power over the time E_IT was measured (CUE's denominator). */
    double it_h = window_s * sc->coverage_it / 3600;
    out->p_it_avg_kw = it_h > 0 ? sc->e_it_wh / 1000 / it_h : NAN;
    out->carbon_cue_kgco2_per_kwh = cef_kg_per_kwh * sc->pue;
    cue(cfg, sc, fp32eq, out);
    eue(cfg, sc, window_s, out);
}

const char *dcs_metric_missing(const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                               const dcs_metric_indicators_t *ind, const char *what)
{
    int is_cue = strncmp(what, "cue", 3) == 0, is_eue = strcmp(what, "eue") == 0;
    double v = strcmp(what, "pue") == 0 ? sc->pue : strcmp(what, "cue_it") == 0 ? ind->cue_it_tflops_per_kw
             : strcmp(what, "cue_dc") == 0 ? ind->cue_dc_tflops_per_kw : is_eue ? ind->eue_yuan_per_kwh
             : strcmp(what, "carbon") == 0 ? ind->carbon_cue_kgco2_per_kwh : strcmp(what, "wue") == 0 ? ind->wue_l_per_kwh
             : strcmp(what, "erf") == 0 ? ind->erf : strcmp(what, "ref") == 0 ? ind->ref : NAN;
    if (isfinite(v))
        return NULL;
    if (!(sc->e_it_wh > 0))
        return "not measured (no IT energy in the window)";
    if (is_cue && !cfg->inventory)
        return "not measured (no inventory)";
    if (is_cue && !(ind->peak_fp32eq_tflops > 0))
        return "not measured (no rated compute in the inventory)";
    if (is_cue && ind->servers_missing)
        return "not measured (no utilisation data of enough coverage)";
    if (!(sc->e_dc_wh > 0) || !isfinite(sc->pue))
        return "not measured (no facility energy in the window)";
    if (!cfg->finance)
        return "not measured (no finance data)";
    return is_eue ? "not measured (no facility energy in the window)" : "not measured (not in the finance block)";
}
