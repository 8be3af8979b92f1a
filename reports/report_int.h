/* report_int.h: pieces shared by the three reports (page frame, numbers, time,
 * KPI boxes, tables). Internal to reports/. */
#ifndef DCS_REPORT_INT_H
#define DCS_REPORT_INT_H

#include "dcs_report.h"

#define T(key) dcs_report_tr(lang, key)

/* <!DOCTYPE html> ... <body><h1>title</h1>, with the inline stylesheet. */
void page_open(FILE *f, dcs_report_lang_t lang, const char *title, const char *kind);
void page_close(FILE *f);
/* A policy rule's name (Chinese in zh), its source when with_source, and
 * "unofficial translation" when its wording is not yet the primary document's. */
void page_rule(FILE *f, dcs_report_lang_t lang, const dcs_index_rule_t *r, int with_source);
/* The grade's name in the report's language. */
const char *page_grade(dcs_report_lang_t lang, const dcs_index_assessment_t *as);
/* A region's display name (青浦区 in zh) from the policy file, else its id. */
const char *page_region(dcs_report_lang_t lang, const dcs_index_policy_t *pol, const char *id);
/* Why a cohort entry is not ranked, in the report's language. */
void page_why_not(FILE *f, dcs_report_lang_t lang, const dcs_index_sresult_t *r);
/* A unit as the report's language writes it ("元/kWh" for "yuan/kWh" in zh). */
const char *page_unit(dcs_report_lang_t lang, const char *unit);
/* PUE per hour as a heatmap, hour of day down, day across (svg_maps.c), for
 * hourly buckets of two days or more; 0 (nothing written) otherwise. */
int dcs_report_svg_heatmap(FILE *f, dcs_report_lang_t lang, const dcs_metric_score_t *sc, const char *tz);
/* The region's sites: PUE against CUE_IT, each limit a dashed line. */
void dcs_report_svg_pue_cue(FILE *f, dcs_report_lang_t lang, const char *const *labels, const double *pue,
                            const double *cue, size_t n, const double *limits, const char *const *limit_ids,
                            size_t nlimits);
/* "Signed sources": each entry of region (NULL: all) that has a source, with it;
 * nothing when none has. */
void page_sources(FILE *f, dcs_report_lang_t lang, const dcs_index_sentry_t *e, size_t n, const char *region);
/* A number with prec decimals, or an em dash when not finite. */
void num(FILE *f, double v, int prec);
/* A KPI box: label, big value, unit. */
void kpi(FILE *f, const char *label, double v, int prec, const char *unit);
/* A KPI card, or its reason in place of a number (dcs_metric_missing) when why. */
void kpi_why(FILE *f, dcs_report_lang_t lang, const char *label, double v, int prec, const char *unit,
             const char *why);
/* The headline card (PUE), above the others: v, or why it has none. */
void kpi_lead(FILE *f, dcs_report_lang_t lang, const char *label, double v, int prec, const char *why);
/* A time in zone tz: ISO 8601 with offset (en) or "2026年11月24日 08:00:00 UTC+08:00" (zh). */
void time_text(dcs_report_lang_t lang, int64_t t_ns, const char *tz, char *buf, size_t len);
/* <th> cells from translated labels; NULL ends the list. First column left-aligned. */
void table_head(FILE *f, dcs_report_lang_t lang, const char *const *labels);
/* An inline SVG bar chart: one bar per label, value axis from 0. */
void bar_chart(FILE *f, const char *const *labels, const double *values, size_t n,
               const char *unit, double limit, const char *limit_label);

#endif
