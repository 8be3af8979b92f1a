/* svg.c: a small inline-SVG line chart (no scripts). Long series are reduced
 * to per-pixel-column means so a year of seconds still draws ~1,000 points. */
#include "dcs_report.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>

#define W 900
#define H 300
#define ML 70   /* left margin for y labels */
#define MB 40   /* bottom margin for x labels */
#define COLS 1000

/* The power axis: from 0 (power is never negative here) to the highest value
 * plus a tenth, in W. */
static void y_range(const dcs_report_series_t *s, size_t ns, double *lo, double *hi)
{
    *lo = 0;
    *hi = -INFINITY;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++)
            if (isfinite(s[k].value[i])) {
                *lo = fmin(*lo, s[k].value[i]);
                *hi = fmax(*hi, s[k].value[i]);
            }
    if (!(*hi > *lo))
        *hi = *lo + 1000;
    *hi += (*hi - *lo) * 0.1;
}

static void polyline(FILE *f, const dcs_report_series_t *s, int64_t from, int64_t to,
                     double lo, double hi)
{
    double sum[COLS] = {0};
    int cnt[COLS] = {0};
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->value[i]) || s->t_ns[i] < from || s->t_ns[i] > to)
            continue;
        int c = (int)((double)(s->t_ns[i] - from) / (double)(to - from) * (COLS - 1));
        sum[c] += s->value[i];
        cnt[c]++;
    }
    fprintf(f, "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"");
    dcs_report_escape(f, s->colour);
    fputs("\" points=\"", f);
    for (int c = 0; c < COLS; c++)
        if (cnt[c]) {
            double x = ML + (double)c / (COLS - 1) * (W - ML - 10);
            double y = 10 + (1 - (sum[c] / cnt[c] - lo) / (hi - lo)) * (H - MB - 10);
            fprintf(f, "%.1f,%.1f ", x, y);
        }
    fputs("\"/>\n", f);
}

void dcs_report_svg_chart(FILE *f, const dcs_report_series_t *series, size_t nseries,
                          int64_t from_ns, int64_t to_ns, const char *tz)
{
    double lo, hi;
    y_range(series, nseries, &lo, &hi);
    if (to_ns <= from_ns)
        to_ns = from_ns + 1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "role=\"img\" class=\"chart\">\n", W, H);
    fprintf(f, "<rect x=\"%d\" y=\"10\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#999\"/>\n", ML, W - ML - 10, H - MB - 10);
    int mw = hi >= 5e6; /* the axis in MW from 5 MW */
    for (int k = 0; k <= 4; k++) { /* y grid */
        double v = lo + (hi - lo) * k / 4, y = 10 + (1 - (double)k / 4) * (H - MB - 10);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.*f %s"
                   "</text>\n", ML - 4, y + 4, mw ? 2 : 1, v / (mw ? 1e6 : 1e3), mw ? "MW" : "kW");
    }
    int days = to_ns - from_ns > 2 * 86400 * DCS_NS_PER_S;
    for (int k = 0; k <= 4; k++) { /* x labels, site zone; the ends inside the frame */
        int64_t t = from_ns + (to_ns - from_ns) / 4 * k;
        char buf[48];
        dcs_time_format(t, tz, buf, sizeof buf);
        double x = ML + (double)k / 4 * (W - ML - 10);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" font-size=\"11\">%.5s %.*s</text>\n", x,
                H - MB + 16, k == 0 ? "start" : k == 4 ? "end" : "middle", buf + 5, days ? 0 : 5, buf + 11);
    }
    for (size_t k = 0; k < nseries; k++) {
        polyline(f, &series[k], from_ns, to_ns, lo, hi);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"", ML + 10 + 140 * (int)k, H - 6);
        dcs_report_escape(f, series[k].colour);
        fputs("\">&#9644; ", f);
        dcs_report_escape(f, series[k].label);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}

void dcs_report_svg_load_pue(FILE *f, const dcs_metric_score_t *sc)
{
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    double *kw = malloc((sc->nbuckets ? sc->nbuckets : 1) * sizeof *kw);
    if (!kw)
        return;
    for (size_t k = 0; k < sc->nbuckets; k++) {
        int64_t end = k + 1 < sc->nbuckets ? sc->bucket_start_ns[k + 1] : sc->to_ns;
        double h = (double)(end - sc->bucket_start_ns[k]) * 1e-9 / 3600.0 * sc->bucket_coverage[k];
        kw[k] = h > 0 ? sc->bucket_e_it_wh[k] / 1000 / h : NAN;
        if (isfinite(kw[k]) && isfinite(sc->bucket_pue[k])) {
            xmin = fmin(xmin, kw[k]), xmax = fmax(xmax, kw[k]);
            ymin = fmin(ymin, sc->bucket_pue[k]), ymax = fmax(ymax, sc->bucket_pue[k]);
        }
    }
    if (!(xmin <= xmax)) {
        xmin = 0, xmax = 1, ymin = 1, ymax = 2;
    }
    /* a range of a tenth, at least 10 % of the load either side: one point (or
     * loads all alike) sits in the middle with distinct ticks around it */
    double xp = fmax((xmax - xmin) * 0.1, 0.1 * fmax(fabs(xmax), 1.0)), yp = fmax((ymax - ymin) * 0.1, 0.01);
    xmin -= xp, xmax += xp, ymin -= yp, ymax += yp;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
               "class=\"chart\">\n<rect x=\"%d\" y=\"10\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#999\"/>\n", W, H, ML, W - ML - 10, H - MB - 10);
    for (int k = 0; k <= 4; k++) {
        double y = 10 + (1 - (double)k / 4) * (H - MB - 10), x = ML + (double)k / 4 * (W - ML - 10);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.3f</text>\n",
                ML - 4, y + 4, ymin + (ymax - ymin) * k / 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" font-size=\"11\">%.4g kW</text>\n",
                x, H - MB + 16, k == 0 ? "start" : k == 4 ? "end" : "middle", xmin + (xmax - xmin) * k / 4);
    }
    for (size_t k = 0; k < sc->nbuckets; k++)
        if (isfinite(kw[k]) && isfinite(sc->bucket_pue[k]))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#2471a3\"/>\n",
                    ML + (kw[k] - xmin) / (xmax - xmin) * (W - ML - 10),
                    10 + (1 - (sc->bucket_pue[k] - ymin) / (ymax - ymin)) * (H - MB - 10));
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">PUE / IT kW</text></svg>\n", ML + 10, H - 6);
    free(kw);
}
