/* catalogue.c: every indicator dcscore computes or accepts, with its id, its
 * display label (as the measures name it), zh and en names, unit, direction and
 * source. Ids are dcscore's own and do not reuse other standards' acronyms (The
 * Green Grid's CUE is carbon, EPA's EUE is energy): compute_eff_it is the
 * measures' CUE (有效算力效率). Index-system files name leaves by these ids;
 * an id not listed is an operator-supplied indicator, which then states its own
 * unit and direction. Each listed indicator has the range a real figure lies in
 * (PUE >= 1, shares 0..1): a figure outside is not ranked. Definitions: METRICS.md. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <string.h>

static const dcs_index_indicator_t catalogue[] = {
    {"pue", "PUE", "电能使用效率", "Power usage effectiveness", "1", 0,
     "ISO/IEC 30134-2; GB 40879-2021", "E_DC / E_IT over the window, from meters (METRICS.md PUE)", 1, INFINITY},
    {"ppue", "pPUE", "局部电能使用效率", "Partial PUE of a zone", "1", 0, "ISO/IEC 30134-2 Annex",
     "(E_IT,zone + E_infra,zone) / E_IT,zone", 1, INFINITY},
    {"compute_eff_it", "CUE_IT", "有效算力效率(IT)", "Effective compute efficiency (IT power)",
     "TFLOPS/kW", 1, "Shanghai measures; dcscore METRICS.md CUE",
     "FP32-equivalent effective compute / mean IT power", 0, INFINITY},
    {"compute_eff_dc", "CUE_DC", "有效算力效率(全站)", "Effective compute efficiency (facility power)",
     "TFLOPS/kW", 1, "Shanghai measures; dcscore METRICS.md CUE", "CUE_IT / PUE", 0, INFINITY},
    {"compute_eff_it_fp64", "CUE_IT FP64", "有效算力效率(FP64)", "Effective compute efficiency, FP64",
     "TFLOPS/kW", 1, "dcscore METRICS.md CUE", "FP64 effective compute / mean IT power", 0, INFINITY},
    {"compute_eff_it_fp32", "CUE_IT FP32", "有效算力效率(FP32)", "Effective compute efficiency, FP32",
     "TFLOPS/kW", 1, "dcscore METRICS.md CUE", "FP32 effective compute / mean IT power", 0, INFINITY},
    {"compute_eff_it_fp16", "CUE_IT FP16", "有效算力效率(FP16)", "Effective compute efficiency, FP16",
     "TFLOPS/kW", 1, "dcscore METRICS.md CUE", "FP16 effective compute / mean IT power", 0, INFINITY},
    {"compute_eff_it_int8", "CUE_IT INT8", "有效算力效率(INT8)", "Effective compute efficiency, INT8",
     "TOPS/kW", 1, "dcscore METRICS.md CUE", "INT8 effective compute / mean IT power", 0, INFINITY},
    {"econ_output", "EUE", "经济产出效益", "Economic output per energy", "yuan/kWh", 1,
     "Shanghai measures; dcscore METRICS.md EUE", "yearly output pro-rated to the window / E_DC", 0, INFINITY},
    {"carbon_intensity", "CUE (carbon)", "碳排放强度", "Carbon usage effectiveness", "kgCO2/kWh", 0,
     "ISO/IEC 30134-8", "grid emission factor x PUE (all energy from the grid)", 0, INFINITY},
    {"wue", "WUE", "水资源使用效率", "Water usage effectiveness", "L/kWh", 0, "ISO/IEC 30134-9",
     "site water / E_IT", 0, INFINITY},
    {"erf", "ERF", "能源再利用率", "Energy reuse factor", "1", 1, "ISO/IEC 30134-6",
     "reused energy / E_DC", 0, 1},
    {"ref", "REF", "可再生能源利用率", "Renewable energy factor", "1", 1, "ISO/IEC 30134-3",
     "renewable energy / E_DC", 0, 1},
    {"rack_occupancy", "上架率", "机架上架率", "Rack occupancy", "1", 1,
     "Shanghai measures (Qingpu 65 % condition)", "racks in use / racks built (operator)", 0, 1},
    {"compute_util", "算力利用率", "算力利用率", "Compute utilisation", "%", 1, "dcscore METRICS.md CUE",
     "effective / rated FP32-equivalent compute x 100", 0, 100},
    {"coverage", "coverage", "数据覆盖率", "Measurement coverage", "1", 1, "dcscore METRICS.md Coverage",
     "measured share of the window's energy (PUE roles)", 0, 1},
};

_Static_assert(sizeof catalogue / sizeof catalogue[0] <= DCS_INDEX_CAT_MAX, "DCS_INDEX_CAT_MAX");

const dcs_index_indicator_t *dcs_index_catalogue(size_t *n)
{
    *n = sizeof catalogue / sizeof catalogue[0];
    return catalogue;
}

const dcs_index_indicator_t *dcs_index_indicator_find(const char *id)
{
    for (size_t i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
        if (strcmp(catalogue[i].id, id) == 0)
            return &catalogue[i];
    return NULL;
}

int dcs_index_catalogue_index(const char *id)
{
    const dcs_index_indicator_t *ind = id ? dcs_index_indicator_find(id) : NULL;
    return ind ? (int)(ind - catalogue) : -1;
}

void dcs_index_catalogue_clear(double *cat)
{
    for (size_t i = 0; i < DCS_INDEX_CAT_MAX; i++)
        cat[i] = NAN;
}

static double per_kw(double tflops, double kw)
{
    return kw > 0 && isfinite(tflops) ? tflops / kw : NAN;
}

double dcs_index_indicator_value(const char *id, const dcs_metric_score_t *sc,
                                 const dcs_metric_indicators_t *ind, double rack_occupancy)
{
    static const char *const prec[DCS_METRIC_NPREC] = {"compute_eff_it_fp64", "compute_eff_it_fp32",
                                                       "compute_eff_it_fp16", "compute_eff_it_int8"};
    for (int p = 0; p < DCS_METRIC_NPREC; p++)
        if (strcmp(id, prec[p]) == 0)
            return per_kw(ind->c_eff_tflops[p], ind->p_it_avg_kw);
    const struct { const char *id; double v; } v[] = {
        {"pue", sc->pue},
        {"compute_eff_it", ind->cue_it_tflops_per_kw},
        {"compute_eff_dc", ind->cue_dc_tflops_per_kw},
        {"econ_output", ind->eue_yuan_per_kwh},
        {"carbon_intensity", ind->carbon_cue_kgco2_per_kwh},
        {"wue", ind->wue_l_per_kwh},
        {"erf", ind->erf},
        {"ref", ind->ref},
        {"rack_occupancy", rack_occupancy >= 0 ? rack_occupancy : NAN},
        {"compute_util", ind->peak_fp32eq_tflops > 0
                             ? 100 * ind->c_eff_fp32eq_tflops / ind->peak_fp32eq_tflops : NAN},
        {"coverage", sc->coverage},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strcmp(id, v[i].id) == 0)
            return v[i].v;
    return NAN; /* ppue (per zone) and operator-supplied indicators come from the cohort */
}
