/* dcs_report.h: reports for people, last stage of the flow (metric -> report).
 * v0: the site report, one self-contained HTML file (inline CSS and SVG, no
 * scripts, no network). Every string from configs or data is HTML-escaped. */
#ifndef DCS_REPORT_H
#define DCS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../engine/config/dcs_config.h"
#include "../engine/index/dcs_index.h"
#include "../engine/metric/dcs_metric.h"

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
int dcs_report_site_html(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                         const dcs_metric_indicators_t *ind, const dcs_index_assessment_t *as,
                         const dcs_report_series_t *series, size_t nseries);

/* Write s to f with & < > " ' escaped. NULL writes nothing. */
void dcs_report_escape(FILE *f, const char *s);

/* Inline SVG line chart of the series over [from_ns, to_ns], x labels in zone
 * tz, y in kW. At most ~1,000 points per line are drawn (bucket means). */
void dcs_report_svg_chart(FILE *f, const dcs_report_series_t *series, size_t nseries,
                          int64_t from_ns, int64_t to_ns, const char *tz);

#endif
