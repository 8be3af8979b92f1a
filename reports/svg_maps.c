/* svg_maps.c: two pictures for the reports (inline SVG, no scripts): a site's
 * PUE as a heatmap of hour of day against day (month and year reports), and a
 * region's sites as PUE against effective compute efficiency with the policy
 * limits drawn. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Green (low PUE) to red (high) for v in [lo, hi]. */
static void colour(double v, double lo, double hi, char out[8])
{
    double t = hi > lo ? fmin(fmax((v - lo) / (hi - lo), 0), 1) : 0.5;
    int r = (int)(30 + t * (192 - 30)), g = (int)(132 - t * (132 - 57)), b = (int)(73 - t * (73 - 43));
    snprintf(out, 8, "#%02x%02x%02x", r, g, b);
}

int dcs_report_svg_heatmap(FILE *f, dcs_report_lang_t lang, const dcs_metric_score_t *sc, const char *tz)
{
    if (sc->bucket_ns != 3600 * DCS_NS_PER_S || sc->nbuckets < 48)
        return 0; /* hourly buckets of two days at least */
    char (*day)[11] = malloc(sc->nbuckets * sizeof *day);
    int *col = malloc(sc->nbuckets * sizeof *col), *hour = malloc(sc->nbuckets * sizeof *hour), ncol = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; day && col && hour && k < sc->nbuckets; k++) {
        char iso[48];
        dcs_time_format(sc->bucket_start_ns[k], tz, iso, sizeof iso);
        memcpy(day[k], iso, 10), day[k][10] = '\0';
        ncol += k == 0 || strcmp(day[k], day[k - 1]) != 0;
        col[k] = ncol - 1, hour[k] = atoi(iso + 11);
        if (isfinite(sc->bucket_pue[k]))
            lo = fmin(lo, sc->bucket_pue[k]), hi = fmax(hi, sc->bucket_pue[k]);
    }
    if (!day || !col || !hour || !(lo <= hi)) {
        free(day), free(col), free(hour);
        return 0;
    }
    const int left = 44, top = 8, w = 840, cell_h = 9;
    double cw = (double)w / ncol;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" class=\"chart\">\n",
            left + w + 10, top + 24 * cell_h + 44);
    for (size_t k = 0; k < sc->nbuckets; k++) {
        char c[8] = "#dddddd";
        if (isfinite(sc->bucket_pue[k]))
            colour(sc->bucket_pue[k], lo, hi, c);
        fprintf(f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>\n", left + col[k] * cw,
                top + hour[k] * cell_h, cw + 0.05, cell_h, c);
    }
    for (int h = 0; h < 24; h += 6)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">%02d:00</text>\n", left - 4,
                top + h * cell_h + 8, h);
    int step = ncol > 62 ? 0 : ncol / 6 + 1; /* a year: label the first of each month */
    for (size_t k = 0; k < sc->nbuckets; k++)
        if (hour[k] == 0 && ((step && col[k] % step == 0) || (!step && strcmp(day[k] + 8, "01") == 0)))
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%.5s</text>\n", left + col[k] * cw,
                    top + 24 * cell_h + 14, day[k] + 5);
    char a[8], b[8];
    colour(lo, lo, hi, a), colour(hi, lo, hi, b);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
               "font-size=\"11\">PUE %.3f</text><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"%d\" font-size=\"11\">PUE %.3f</text><text x=\"%d\" y=\"%d\" font-size=\"11\">"
               "%s</text>\n</svg>\n", left, top + 24 * cell_h + 24, a, left + 16, top + 24 * cell_h + 33, lo,
            left + 110, top + 24 * cell_h + 24, b, left + 126, top + 24 * cell_h + 33, hi, left + 230,
            top + 24 * cell_h + 33, T("grey: no PUE that hour"));
    free(day), free(col), free(hour);
    return 1;
}

void dcs_report_svg_pue_cue(FILE *f, dcs_report_lang_t lang, const char *const *labels, const double *pue,
                            const double *cue, size_t n, const double *limits, const char *const *limit_ids,
                            size_t nlimits)
{
    double xmax = 1, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(pue[i]) && isfinite(cue[i]))
            xmax = fmax(xmax, cue[i]), ylo = fmin(ylo, pue[i]), yhi = fmax(yhi, pue[i]);
    for (size_t j = 0; j < nlimits; j++)
        ylo = fmin(ylo, limits[j]), yhi = fmax(yhi, limits[j]);
    if (!(ylo <= yhi))
        ylo = 1, yhi = 2;
    ylo = fmax(1.0, ylo - 0.05), yhi += 0.05, xmax *= 1.1;
    const int L = 60, T0 = 10, W = 820, H = 260;
#define X(v) (L + (v) / xmax * W)
#define Y(v) (T0 + (1 - ((v) - ylo) / (yhi - ylo)) * H)
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" class=\"chart\">\n"
               "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
            L + W + 20, T0 + H + 40, L, T0, W, H);
    for (int k = 0; k <= 4; k++) {
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.2f</text>\n", L - 4,
                Y(ylo + (yhi - ylo) * k / 4) + 4, ylo + (yhi - ylo) * k / 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" font-size=\"11\">%.3g</text>\n",
                X(xmax * k / 4), T0 + H + 14, k == 0 ? "start" : k == 4 ? "end" : "middle", xmax * k / 4);
    }
    for (size_t j = 0; j < nlimits; j++)
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>"
                   "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#c0392b\" text-anchor=\"end\">%s %.2f</text>\n",
                L, Y(limits[j]), L + W, Y(limits[j]), L + W - 4, Y(limits[j]) - 3, limit_ids[j], limits[j]);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pue[i]) || !isfinite(cue[i]))
            continue;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#2471a3\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "font-size=\"10\">", X(cue[i]), Y(pue[i]), X(cue[i]) + 6, Y(pue[i]) + 3);
        dcs_report_escape(f, labels[i]);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text></svg>\n", L + 10, T0 + H + 32,
            T("PUE (down: better) against CUE_IT in TFLOPS/kW (right: better)"));
#undef X
#undef Y
}
