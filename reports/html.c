/* html.c: the operator's site report (v0): site, window in the site's zone,
 * PUE with its measurement category, energy split, power chart, hourly table,
 * channel coverage. Self-contained: inline CSS and SVG only. */
#include "dcs_report.h"
#include "../engine/base/dcs_base.h"

#include <math.h>

void dcs_report_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char *css =
    "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.5em;margin-bottom:.2em}.sub{color:#555;margin-top:0}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
    ".kpi{display:inline-block;border:1px solid #ccc;border-radius:6px;padding:.6em 1em;"
    "margin:.3em .6em .3em 0}.kpi b{font-size:1.8em;display:block}"
    ".warn{color:#a40}.chart{width:100%;max-width:900px}"
    "@media print{body{margin:1cm}.chart{max-width:100%}}";

static void num(FILE *f, double v, int prec)
{
    if (isfinite(v))
        fprintf(f, "%.*f", prec, v);
    else
        fputs("&mdash;", f);
}

static void kpi(FILE *f, const char *label, double v, int prec, const char *unit)
{
    fputs("<div class=\"kpi\">", f);
    dcs_report_escape(f, label);
    fputs("<b>", f);
    num(f, v, prec);
    fprintf(f, "</b>%s</div>\n", unit);
}

static void header(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    char from[48], to[48];
    dcs_time_format(sc->from_ns, cfg->site->timezone, from, sizeof from);
    dcs_time_format(sc->to_ns, cfg->site->timezone, to, sizeof to);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
    dcs_report_escape(f, cfg->site->name);
    fprintf(f, " &mdash; dcscore site report</title><style>%s</style></head><body>\n", css);
    fputs("<h1>", f);
    dcs_report_escape(f, cfg->site->name);
    fputs("</h1>\n<p class=\"sub\">Site <b>", f);
    dcs_report_escape(f, cfg->site->id);
    fputs("</b>, region <b>", f);
    dcs_report_escape(f, cfg->site->region);
    fputs("</b>. Period ", f);
    dcs_report_escape(f, from);
    fputs(" to ", f);
    dcs_report_escape(f, to);
    fputs(" (", f);
    dcs_report_escape(f, cfg->site->timezone);
    fprintf(f, ", %.0f s). Formula %s, dcscore %s.</p>\n",
            (double)(sc->to_ns - sc->from_ns) * 1e-9, DCS_METRIC_FORMULA_VERSION, DCS_VERSION);
}

static void kpis(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    char label[64];
    snprintf(label, sizeof label, "PUE (category %d)", sc->category);
    kpi(f, label, sc->pue, 3, "");
    kpi(f, "E_DC", sc->e_dc_wh / 1000, 2, "kWh");
    kpi(f, "E_IT", sc->e_it_wh / 1000, 2, "kWh");
    kpi(f, "Coverage", sc->coverage * 100, 1, "%");
    fputs("<p>PUE is the ratio of facility energy to IT energy over the same period "
          "(ISO/IEC 30134-2); IT is metered at ", f);
    fputs(sc->category == 1 ? "the UPS output" : sc->category == 2 ? "the PDU outputs"
                                                                  : "the IT equipment input", f);
    fprintf(f, " (E_IT from %s). ", sc->it_source);
    if (sc->to_ns - sc->from_ns < 365LL * 86400 * DCS_NS_PER_S)
        fputs("The period is shorter than a year: this is an interval PUE, for trending only. ", f);
    if (sc->coverage < cfg->site->min_coverage)
        fprintf(f, "<span class=\"warn\">Coverage is below the site's threshold of %.0f %%: "
                   "not a result to publish.</span>", cfg->site->min_coverage * 100);
    fputs("</p>\n", f);
}

static void energy_split(FILE *f, const dcs_metric_score_t *sc)
{
    double rest = sc->e_dc_wh - sc->e_it_wh - sc->e_cooling_wh - sc->e_other_wh;
    fputs("<h2>Energy split</h2>\n<table><tr><th class=\"l\">Part</th><th>kWh</th>"
          "<th>share of E_DC</th></tr>\n", f);
    const char *names[] = {"IT", "Cooling", "Lighting and other", "Unmetered remainder (losses)"};
    double v[] = {sc->e_it_wh, sc->e_cooling_wh, sc->e_other_wh, rest};
    for (int i = 0; i < 4; i++) {
        fprintf(f, "<tr><td class=\"l\">%s</td><td>", names[i]);
        num(f, v[i] / 1000, 2);
        fputs("</td><td>", f);
        num(f, sc->e_dc_wh > 0 ? 100 * v[i] / sc->e_dc_wh : NAN, 1);
        fputs(" %</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void buckets(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    fprintf(f, "<h2>Per %lld-minute interval</h2>\n<table><tr><th class=\"l\">Start (",
            (long long)(sc->bucket_ns / (60 * DCS_NS_PER_S)));
    dcs_report_escape(f, cfg->site->timezone);
    fputs(")</th><th>E_DC kWh</th><th>E_IT kWh</th><th>PUE</th><th>coverage</th></tr>\n", f);
    for (size_t k = 0; k < sc->nbuckets; k++) {
        char t[48];
        dcs_time_format(sc->bucket_start_ns[k], cfg->site->timezone, t, sizeof t);
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, t);
        fputs("</td><td>", f);
        num(f, sc->bucket_e_dc_wh[k] / 1000, 2);
        fputs("</td><td>", f);
        num(f, sc->bucket_e_it_wh[k] / 1000, 2);
        fputs("</td><td>", f);
        num(f, sc->bucket_pue[k], 3);
        fputs("</td><td>", f);
        num(f, sc->bucket_coverage[k] * 100, 1);
        fputs(" %</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void channels(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    fputs("<h2>Data quality by channel</h2>\n<table><tr><th class=\"l\">Channel</th>"
          "<th class=\"l\">Role</th><th class=\"l\">Device</th><th>Samples</th>"
          "<th>Flagged</th><th>Coverage</th><th>Energy kWh / mean</th></tr>\n", f);
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        const dcs_config_channel_t *c = &cfg->channels[m->channel];
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, c->id);
        fprintf(f, "%s</td><td class=\"l\">%s</td><td class=\"l\">",
                c->cross_check ? " (cross-check)" : "", dcs_config_role_name(c->role));
        dcs_report_escape(f, cfg->devices[c->device_index].id);
        fprintf(f, "</td><td>%zu</td><td>%zu</td><td>", m->samples, m->missing);
        num(f, m->coverage * 100, 1);
        fputs(" %</td><td>", f);
        if (c->kind == DCS_CONFIG_UTILISATION) {
            num(f, m->mean, 1);
            fputs(" % mean", f);
        } else {
            num(f, m->e_wh / 1000, 3);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void row(FILE *f, const char *label, double v, int prec, const char *unit, const char *note)
{
    fputs("<tr><td class=\"l\">", f);
    dcs_report_escape(f, label);
    fputs("</td><td>", f);
    num(f, v, prec);
    fputs("</td><td class=\"l\">", f);
    dcs_report_escape(f, unit);
    fputs("</td><td class=\"l\">", f);
    dcs_report_escape(f, note);
    fputs("</td></tr>\n", f);
}

static void indicators(FILE *f, const dcs_metric_indicators_t *d, const dcs_index_assessment_t *as)
{
    char note[160];
    fputs("<h2>Indicators and verdicts</h2>\n<table><tr><th class=\"l\">Indicator</th>"
          "<th>Value</th><th class=\"l\">Unit</th><th class=\"l\">Note</th></tr>\n", f);
    snprintf(note, sizeof note, "effective compute %.0f of %.0f rated TFLOPS; utilisation known "
             "for %.1f %%", d->c_eff_fp32eq_tflops, d->peak_fp32eq_tflops, d->utilisation_coverage * 100);
    row(f, "CUE_IT (effective compute efficiency)", d->cue_it_tflops_per_kw, 2, "TFLOPS/kW (FP32-eq)", note);
    row(f, "CUE_DC", d->cue_dc_tflops_per_kw, 2, "TFLOPS/kW (FP32-eq)", "CUE_IT / PUE");
    snprintf(note, sizeof note, "basis: %s", d->eue_basis ? d->eue_basis : "no finance data");
    row(f, "EUE (economic output)", d->eue_yuan_per_kwh, 2, "yuan/kWh of E_DC", note);
    row(f, "Carbon CUE", d->carbon_cue_kgco2_per_kwh, 3, "kgCO2/kWh of IT", "ISO/IEC 30134-8, grid factor x PUE");
    row(f, "WUE", d->wue_l_per_kwh, 3, "L/kWh of IT", "ISO/IEC 30134-9");
    row(f, "ERF", d->erf, 3, "", "ISO/IEC 30134-6");
    row(f, "REF", d->ref, 3, "", "ISO/IEC 30134-3");
    fputs("</table>\n", f);
    if (!as)
        return;
    fputs("<p>Grade: <b>", f);
    dcs_report_escape(f, as->grade);
    fputs("</b></p>\n<table><tr><th class=\"l\">Policy</th><th class=\"l\">Verdict</th></tr>\n", f);
    for (size_t i = 0; i < as->nrules; i++) {
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, as->rules[i].name);
        fprintf(f, "</td><td class=\"l\">%s</td></tr>\n", as->met[i] < 0 ? "not applicable"
                                                            : as->met[i] ? "met" : "<b>not met</b>");
    }
    fputs("</table>\n", f);
    kpi(f, "Composite score", as->composite, 1, "/ 100");
    fprintf(f, "<p>Scores PUE %.1f, CUE %.1f, EUE %.1f; AHP weights %.2f / %.2f / %.2f (CR %.3f); ",
            as->score[0], as->score[1], as->score[2], as->w[0], as->w[1], as->w[2], as->cr);
    dcs_report_escape(f, as->policy_version);
    fputs(".</p>\n", f);
}

int dcs_report_site_html(FILE *f, const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                         const dcs_metric_indicators_t *ind, const dcs_index_assessment_t *as,
                         const dcs_report_series_t *series, size_t nseries)
{
    header(f, cfg, sc);
    kpis(f, cfg, sc);
    if (ind)
        indicators(f, ind, as);
    if (nseries) {
        fputs("<h2>Power</h2>\n", f);
        dcs_report_svg_chart(f, series, nseries, sc->from_ns, sc->to_ns, cfg->site->timezone);
    }
    energy_split(f, sc);
    buckets(f, cfg, sc);
    channels(f, cfg, sc);
    fputs("</body></html>\n", f);
    return ferror(f) ? DCS_EIO : 0;
}
