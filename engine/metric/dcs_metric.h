/* dcs_metric.h: indicators from stored samples. v0: energies by role, PUE per
 * ISO/IEC 30134-2 (ratio of energies over the same period, never a mean of
 * ratios) for the window and per bucket, coverage, counter cross-checks.
 * Reads the store, aggregates, computes; reports and the CLI print the result.
 * Definitions: METRICS.md. */
#ifndef DCS_METRIC_H
#define DCS_METRIC_H

#include <stdio.h>

#include "../aggregate/dcs_aggregate.h"
#include "../config/dcs_config.h"
#include "../store/dcs_store.h"

#define DCS_METRIC_FORMULA_VERSION "dcscore-metrics/0.2"
/* How far (in %) a utilisation mean may pass 0..100 and still be in range: a
 * mean is a ratio of two sums, and a constant 100 % may come out 1 ulp above. */
#define DCS_METRIC_UTIL_SLACK_PCT 1e-7

/* PUE = E_DC / E_IT (ISO/IEC 30134-2 clause 6.2). NaN when e_it_wh <= 0 or either
 * input is not finite. */
double dcs_metric_pue(double e_dc_wh, double e_it_wh);

/* The energy balance's boundaries: does channel c count towards E_DC (which 0)
 * or E_IT (which 1)? Power and energy channels that are not cross-checks; IT is
 * the it_total channels when the site has one (dcs_metric_has_it_total), else
 * the sum of its it_rack channels. */
int dcs_metric_has_it_total(const dcs_config_t *cfg);
int dcs_metric_counts_for(const dcs_config_channel_t *c, int which, int has_it_total);

/* One channel's contribution over the window. */
typedef struct {
    unsigned channel;        /* index in the site config */
    double e_wh;             /* energy (power/energy kinds); value-hours otherwise */
    double covered_s;        /* seconds backed by valid data */
    double coverage;         /* covered_s / window length, 0..1 */
    double mean;             /* time-weighted mean over covered time (W or %) */
    size_t samples, missing; /* stored samples in the window, of which flagged */
    dcs_agg_counter_stats_t counter; /* energy counters only */
    double cross_check_rel;  /* cross_check channels: (e - e_role) / e_role */
    /* Power gaps bridged by the device's energy counter (METRICS.md): how many,
     * seconds and Wh so filled (included in e_wh and covered_s), and by which. */
    size_t bridged_gaps;
    double bridged_s, bridged_wh;
    const char *bridged_by;
    int counter_index;       /* the counter that may bridge its gaps, -1 none */
    /* Power and energy channels: the largest step of the mean power between two
     * consecutive local days with data (max(a/b, b/a), 1 = none), the second
     * day's start and the two means (W). A meter's scale slipping (x1000). */
    double step_ratio, step_before_w, step_after_w;
    int64_t step_day_ns;
} dcs_metric_channel_t;

/* pPUE of a zone (ISO/IEC 30134-2 Annex, partial PUE):
 * (E_IT,zone + E_infra,zone) / E_IT,zone, infra = cooling + lighting_other. */
typedef struct {
    const char *zone;
    double e_it_wh, e_infra_wh, ppue;
} dcs_metric_zone_t;

/* A plausibility finding (METRICS.md "Findings"). */
enum { DCS_FINDING_WARNING, DCS_FINDING_ERROR };
#define DCS_METRIC_MAX_FINDINGS 16
typedef struct {
    const char *id;          /* "pue_above_max", ... (stable, documented) */
    int severity;            /* DCS_FINDING_* */
    const char *channel;     /* the channel concerned, or NULL for the site */
    char detail[240];        /* one line, with the figures and the limit */
    char detail_zh[300];     /* the same in Chinese, for zh reports */
} dcs_metric_finding_t;

/* Limits of the checks: the policy file's `plausibility` block. */
typedef struct {
    double pue_min, pue_max;  /* PUE outside [pue_min, pue_max] is an error */
    double meter_class_pct;   /* meters' accuracy class (%): two meters may differ by twice it */
    double min_coverage;      /* below it (0..1) the figures are not publishable */
    double scale_step_max;    /* a channel's day-over-day mean power ratio above it is an error */
} dcs_metric_limits_t;

typedef struct {
    int64_t from_ns, to_ns, bucket_ns;
    int category;            /* PUE measurement category of the site (1..3) */
    const char *it_source;   /* "it_total" or "it_rack" (sum of racks) */
    double e_dc_wh, e_it_wh, e_cooling_wh, e_other_wh;
    double pue;              /* NaN when E_IT is 0 */
    /* Coverage: per PUE role, the share of the window's energy that was measured
     * (missing energy estimated from each channel's own mean power, for this
     * weighting only); the site's is the lower of E_DC's and E_IT's. */
    double coverage, coverage_dc, coverage_it;
    size_t nbuckets;
    int64_t *bucket_start_ns;
    double *bucket_e_dc_wh, *bucket_e_it_wh, *bucket_pue, *bucket_coverage;
    size_t nchannels;
    dcs_metric_channel_t *channels;
    size_t nzones;
    dcs_metric_zone_t *zones;   /* channels with a `zone`, in first-seen order */
    size_t nproblems;           /* day files that could not be read and were skipped */
    char problems[8][300];
    size_t days, days_from_rollups; /* UTC days the window touches; those read from rollups */
    size_t nfindings;                /* filled by dcs_metric_check */
    dcs_metric_finding_t findings[DCS_METRIC_MAX_FINDINGS];
} dcs_metric_score_t;

/* Run the plausibility checks on a scored window into sc->findings: PUE below
 * pue_min or above pue_max or missing; IT above facility in a bucket; rack PDUs
 * above the UPS output; a counter against its role's integrated power; mean
 * utilisation outside 0..100 %; a channel's mean power stepping between days
 * beyond scale_step_max; coverage below min_coverage. Limits are
 * inclusive (PUE exactly pue_min passes). */
void dcs_metric_check(const dcs_config_t *cfg, dcs_metric_score_t *sc, const dcs_metric_limits_t *lim);
/* The reason the window's figures are not publishable (the first error
 * finding's detail), or NULL when they are. */
const char *dcs_metric_withheld(const dcs_metric_score_t *sc);
const char *dcs_metric_severity_name(int severity); /* "error" / "warning" */
/* The Chinese of a withheld reason that is one of sc's findings' details (else
 * the reason itself). */
const char *dcs_metric_withheld_zh(const dcs_metric_score_t *sc, const char *withheld);

/* Score cfg's site over [from_ns, to_ns) with buckets of bucket_ns (e.g. 1 h).
 * Returns 0; DCS_ENODATA when no facility or IT channel is configured;
 * DCS_ESTORE/DCS_ENOMEM from reading. *out set on 0. err gets one line. */
int dcs_metric_score(const dcs_config_t *cfg, dcs_store_t *st, int64_t from_ns, int64_t to_ns,
                     int64_t bucket_ns, dcs_metric_score_t **out, char *err, size_t errlen);
void dcs_metric_score_free(dcs_metric_score_t *sc);

/* dcs_metric_score, calling progress(ctx, channels done, channels) after each
 * channel (a year of a thousand channels takes a while). */
typedef void (*dcs_metric_progress_fn)(void *ctx, unsigned done, unsigned total);
int dcs_metric_score_progress(const dcs_config_t *cfg, dcs_store_t *st, int64_t from_ns,
                              int64_t to_ns, int64_t bucket_ns, dcs_metric_progress_fn progress,
                              void *ctx, dcs_metric_score_t **out, char *err, size_t errlen);

/* ---- indicators beyond PUE (METRICS.md) ---- */

enum { DCS_METRIC_FP64, DCS_METRIC_FP32, DCS_METRIC_FP16, DCS_METRIC_INT8, DCS_METRIC_NPREC };
#define DCS_METRIC_MAX_SOURCES 8

typedef struct {
    /* CUE: effective compute efficiency (有效算力效率) */
    double c_eff_tflops[DCS_METRIC_NPREC]; /* sum of peak_p x utilisation, per precision */
    double peak_tflops[DCS_METRIC_NPREC];  /* rated: sum of count x peak_p, per precision */
    double c_eff_fp32eq_tflops;   /* sum of max_p(peak_p x factor_p) x utilisation */
    double peak_fp32eq_tflops;    /* rated, all servers */
    double utilisation_coverage;  /* share of rated FP32-eq peak with valid utilisation */
    unsigned servers_missing;     /* server groups without valid utilisation */
    const char *source[DCS_METRIC_NPREC]; /* what C_eff,p rests on: the lowest grade among
                                             the groups rated at p (NULL: none) */
    int source_grade[DCS_METRIC_NPREC];   /* 1 pipe activity .. 4 GPU utilisation */
    struct {                      /* every source of C_eff,p, best grade first, with the */
        const char *name;         /* rated compute it measured */
        int grade;
        double rated_tflops;
    } sources[DCS_METRIC_NPREC][DCS_METRIC_MAX_SOURCES];
    unsigned nsources[DCS_METRIC_NPREC];
    double p_it_avg_kw;           /* E_IT / window */
    double cue_it_tflops_per_kw;  /* C_eff / P_IT; NaN without inventory */
    double cue_dc_tflops_per_kw;  /* CUE_IT / PUE */
    /* EUE: economic output (经济产出效益) */
    const char *eue_basis;        /* "revenue" / "value_added"; NULL without finance */
    double output_yuan;           /* yearly output pro-rated to the covered window (x coverage_dc) */
    double eue_yuan_per_kwh;      /* output / E_DC */
    double output_yuan_per_rack_year;
    /* Companions */
    double carbon_cue_kgco2_per_kwh; /* ISO/IEC 30134-8: CEF x PUE (all grid electricity) */
    double wue_l_per_kwh;         /* ISO/IEC 30134-9: water / E_IT */
    double erf;                   /* ISO/IEC 30134-6: reused / E_DC */
    double ref;                   /* ISO/IEC 30134-3: renewable / E_DC */
} dcs_metric_indicators_t;

/* What an activity or utilisation channel measures, and its grade (1 best):
 * a pipe's activity (DCGM_FI_PROF_PIPE_*_ACTIVE: 1), SM activity (2), NPU
 * AI-core utilisation, CPU load or an operator feed (3), GPU utilisation
 * (DCGM_FI_DEV_GPU_UTIL: the share of time any kernel ran, not activity: 4). */
const char *dcs_metric_activity_source(const dcs_config_channel_t *c, int *grade);

/* CUE, EUE and companions for a scored window. fp32eq: factors per precision
 * (fp64, fp32, fp16, int8); cef: grid kgCO2/kWh; a utilisation channel counts when
 * its coverage >= min_coverage. Missing inputs give NaN, never 0. */
void dcs_metric_indicators(const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                           const double fp32eq[DCS_METRIC_NPREC], double cef_kg_per_kwh,
                           dcs_metric_indicators_t *out);

/* Why indicator `what` ("pue", "cue_it", "cue_dc", "eue", "carbon", "wue",
 * "erf", "ref") has no value for the window, as people read it ("not measured
 * (no inventory)"), or NULL when it has one: what every output shows in place
 * of a number, never "nan". */
const char *dcs_metric_missing(const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                               const dcs_metric_indicators_t *ind, const char *what);

/* Write sc as one JSON object (schema docs/json.md, "dcscore.score/2") to f. */
void dcs_metric_score_json(const dcs_metric_score_t *sc, const dcs_config_t *cfg, FILE *f);
/* The yearly KPI set of Commission Delegated Regulation (EU) 2024/1364, Annex II
 * style (energy, PUE, WUE, ERF, REF and their underlying quantities) as JSON,
 * schema "dcscore.eu-kpi/1" (docs/json.md); unknown quantities are null. */
void dcs_metric_eu_kpi_json(const dcs_metric_score_t *sc, const dcs_config_t *cfg,
                            const dcs_metric_indicators_t *ind, FILE *f);

/* The same object left open after its last field (and "indicators" when ind is not
 * NULL), so that a caller can add fields and close it with "\n}\n". */
void dcs_metric_score_json_begin(const dcs_metric_score_t *sc, const dcs_config_t *cfg,
                                 const dcs_metric_indicators_t *ind, FILE *f);

#endif
