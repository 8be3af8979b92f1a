/* dcs_report.h: reports for people, last stage of the flow (metric/index ->
 * report): the operator's site report, the regional pilot report with its
 * compute-scheduling feed, and the procurement ranking. Each is one
 * self-contained HTML file (inline CSS and SVG, no scripts, no network) in
 * English or Chinese. Every string from configs or data is HTML-escaped. */
#ifndef DCS_REPORT_H
#define DCS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../engine/config/dcs_config.h"
#include "../engine/index/dcs_index.h"
#include "../engine/metric/dcs_metric.h"

/* Language of a report: labels, dates (numbers use "." in both). */
typedef enum { DCS_REPORT_EN, DCS_REPORT_ZH } dcs_report_lang_t;

/* The label `en` in lang (the English text is the key; unknown keys stay English). */
const char *dcs_report_tr(dcs_report_lang_t lang, const char *en);
/* "en" or "zh" -> lang; -1 otherwise. */
int dcs_report_lang_parse(const char *s, dcs_report_lang_t *out);

/* One line of a time-series chart (values in W, NaN = gap). */
typedef struct {
    const char *label;
    const char *colour;   /* CSS colour, e.g. "#c0392b" */
    const int64_t *t_ns;
    const double *value;
    size_t n;
} dcs_report_series_t;

/* Write the site report for score sc to f. ind and as (indicators beyond PUE and
 * the policy assessment) may be NULL. series: power lines for the chart (may be
 * empty). Returns 0 or DCS_EIO when writing failed. */
/* PUE over a longer period ending with the report's window (month, year to date). */
typedef struct {
    const char *label;       /* "Month to date", "Year to date" (translated by the report) */
    int64_t from_ns, to_ns;
    double pue, coverage;
    char withheld[240];      /* "" or why its PUE is not publishable (the PUE is NaN) */
    char withheld_zh[300];   /* the same in Chinese */
} dcs_report_period_t;

/* A site on an index system, for its report: the system, the site's leaf values
 * x and their evaluation, or why it could not be scored on it. */
typedef struct {
    const dcs_index_system_t *sys;
    const double *x;
    const dcs_index_eval_t *ev;  /* NULL when why is set */
    const char *why;
    const char *why_zh;          /* the same in Chinese */
} dcs_report_site_system_t;

int dcs_report_site_html(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg,
                         const dcs_metric_score_t *sc, const dcs_metric_indicators_t *ind,
                         const dcs_index_assessment_t *as, const dcs_report_series_t *series,
                         size_t nseries, const dcs_report_period_t *periods, size_t nperiods,
                         const dcs_report_site_system_t *system);

/* Inline SVG scatter: mean IT load (kW) of each bucket against its PUE. */
void dcs_report_svg_load_pue(FILE *f, const dcs_metric_score_t *sc);

/* The regional pilot report (region.c) on index system sys over the entries of
 * `region` in a cohort ranked on it: each ranked site's rank, composite, and
 * figure and score per leaf; PUE and CUE medians, distributions and compliance
 * with the policy rules over the ranked sites; the others with the reason.
 * Returns 0, DCS_EIO or DCS_ENOMEM. */
/* The previous period's entries of the same store, for the change in the
 * conclusions (label NULL: none). */
typedef struct {
    const char *label;
    const dcs_index_entry_t *e;
    size_t n;
} dcs_report_previous_t;

int dcs_report_region_html(FILE *f, dcs_report_lang_t lang, const char *region, const char *cohort,
                           const dcs_index_system_t *sys, const dcs_index_policy_t *pol,
                           const dcs_index_sentry_t *e, size_t n, const dcs_index_sranking_t *r,
                           const dcs_report_previous_t *prev);
/* Regional compute-scheduling feed: per site PUE, CUE_IT, CUE_DC, coverage and
 * rated / effective / available TFLOPS (null when unknown). JSON schema
 * "dcscore.schedule/1", or CSV with the same columns. */
int dcs_report_schedule_json(FILE *f, const char *region, const dcs_index_sentry_t *e, size_t n);
int dcs_report_schedule_csv(FILE *f, const char *region, const dcs_index_sentry_t *e, size_t n);

/* The procurement report (procurement_system.c): the ranking on index system
 * sys, every weight with its AHP matrices and CRs, each leaf's anchors, and per
 * entry every leaf's figure, score, weight and points; sens (NULL: none) the
 * ranks with each group's and leaf's weight +-delta (dcs_index_ssensitivity).
 * now_ns dates it. */
int dcs_report_procurement_html(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys,
                                const char *cohort, const dcs_index_sentry_t *e, size_t n,
                                const dcs_index_sranking_t *r, const dcs_index_sopts_t *o,
                                const int *sens, double delta, int64_t now_ns);

/* Write s to f with & < > " ' escaped. NULL writes nothing. */
void dcs_report_escape(FILE *f, const char *s);

/* Inline SVG line chart of the series over [from_ns, to_ns], x labels in zone
 * tz, y in kW. At most ~1,000 points per line are drawn (bucket means). */
void dcs_report_svg_chart(FILE *f, const dcs_report_series_t *series, size_t nseries,
                          int64_t from_ns, int64_t to_ns, const char *tz);

#endif
