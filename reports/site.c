/* site.c: the operator's site report: site, period in the site's zone, PUE with
 * its measurement category, CUE, EUE, grade, policy verdicts and composite,
 * energy split, power chart, per-interval table, data quality. English or
 * Chinese; every string from configs or data is escaped. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void header(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg,
                   const dcs_metric_score_t *sc, const dcs_index_assessment_t *as)
{
    const char *region = !as ? cfg->site->region : lang == DCS_REPORT_ZH ? as->region_zh : as->region_en;
    char from[64], to[64];
    time_text(lang, sc->from_ns, cfg->site->timezone, from, sizeof from);
    time_text(lang, sc->to_ns, cfg->site->timezone, to, sizeof to);
    page_open(f, lang, cfg->site->name, "dcscore site report");
    fprintf(f, "<p class=\"sub\">%s <b>", T("Site"));
    dcs_report_escape(f, cfg->site->id);
    fprintf(f, "</b>, %s <b>", T("region"));
    dcs_report_escape(f, region ? region : cfg->site->region);
    fprintf(f, "</b>. %s ", T("Period"));
    dcs_report_escape(f, from);
    fprintf(f, " %s ", T("to"));
    dcs_report_escape(f, to);
    fputs(" (", f);
    dcs_report_escape(f, cfg->site->timezone);
    double h = (double)(sc->to_ns - sc->from_ns) / (3600.0 * DCS_NS_PER_S);
    if (h >= 48)
        fprintf(f, ", %.4g %s", h / 24, T("days"));
    else if (h >= 1)
        fprintf(f, ", %.4g h", h);
    else
        fprintf(f, ", %.0f s", h * 3600);
    fprintf(f, "). %s %s, dcscore %s.</p>\n", T("Formula"), DCS_METRIC_FORMULA_VERSION, DCS_VERSION);
}

/* kWh, MWh or GWh for energies up to max_wh, and the divisor from Wh. */
static const char *energy_unit(double max_wh, double *div)
{
    *div = max_wh < 1e7 ? 1e3 : max_wh < 1e10 ? 1e6 : 1e9;
    return max_wh < 1e7 ? "kWh" : max_wh < 1e10 ? "MWh" : "GWh";
}

static void kpis(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg,
                 const dcs_metric_score_t *sc, const dcs_metric_indicators_t *d)
{
    char label[96];
    snprintf(label, sizeof label, T("PUE (category %d)"), sc->category);
    const dcs_metric_indicators_t none = {.cue_it_tflops_per_kw = NAN, .eue_yuan_per_kwh = NAN};
    const dcs_metric_indicators_t *x = d ? d : &none;
    kpi_lead(f, lang, label, sc->pue, 3, dcs_metric_missing(cfg, sc, x, "pue"));
    if (d) {
        kpi_why(f, lang, "CUE_IT", d->cue_it_tflops_per_kw, 2, "TFLOPS/kW", dcs_metric_missing(cfg, sc, d, "cue_it"));
        kpi_why(f, lang, "EUE", d->eue_yuan_per_kwh, 2, lang == DCS_REPORT_ZH ? "元/kWh" : "yuan/kWh",
                dcs_metric_missing(cfg, sc, d, "eue"));
    }
    double div;
    const char *eu = energy_unit(fmax(sc->e_dc_wh, sc->e_it_wh), &div);
    kpi(f, "E_DC", sc->e_dc_wh / div, 2, eu);
    kpi(f, "E_IT", sc->e_it_wh / div, 2, eu);
    kpi(f, T("Coverage"), sc->coverage * 100, 1, "%");
    fprintf(f, "<p>%s ", T("PUE is the ratio of facility energy to IT energy over the same period (ISO/IEC 30134-2)."));
    if (sc->to_ns - sc->from_ns < 365LL * 86400 * DCS_NS_PER_S)
        fprintf(f, "%s ", T("The period is shorter than a year: this is an interval PUE, for trending only."));
    if (sc->coverage < cfg->site->min_coverage)
        fprintf(f, "<span class=\"warn\">%s</span>", T("Coverage is below the threshold: not a result to publish."));
    fputs("</p>\n", f);
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

static void indicators(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                       const dcs_metric_indicators_t *d, const dcs_index_assessment_t *as)
{
    static const char *const head[] = {"Indicator", "Value", "Unit", "Note", NULL};
    char note[200];
    fprintf(f, "<h2>%s</h2>\n", T("Indicators and verdicts"));
    table_head(f, lang, head);
    snprintf(note, sizeof note, "C_eff %.0f / %.0f TFLOPS, %.1f %%", d->c_eff_fp32eq_tflops,
             d->peak_fp32eq_tflops, d->utilisation_coverage * 100);
#define WHY(what, otherwise) (dcs_metric_missing(cfg, sc, d, what) ? T(dcs_metric_missing(cfg, sc, d, what)) : (otherwise))
    row(f, T("CUE_IT (effective compute efficiency)"), d->cue_it_tflops_per_kw, 2, "TFLOPS/kW (FP32-eq)",
        WHY("cue_it", note));
    row(f, "CUE_DC", d->cue_dc_tflops_per_kw, 2, "TFLOPS/kW (FP32-eq)", WHY("cue_dc", "CUE_IT / PUE"));
    row(f, T("EUE (economic output)"), d->eue_yuan_per_kwh, 2, lang == DCS_REPORT_ZH ? "元/kWh" : "yuan/kWh",
        WHY("eue", d->eue_basis ? T(d->eue_basis) : "-"));
    row(f, T("Carbon CUE"), d->carbon_cue_kgco2_per_kwh, 3, "kgCO2/kWh (IT)", WHY("carbon", "ISO/IEC 30134-8"));
    row(f, "WUE", d->wue_l_per_kwh, 3, "L/kWh (IT)", WHY("wue", "ISO/IEC 30134-9"));
    row(f, "ERF", d->erf, 3, "", WHY("erf", "ISO/IEC 30134-6"));
    row(f, "REF", d->ref, 3, "", WHY("ref", "ISO/IEC 30134-3"));
#undef WHY
    fputs("</table>\n", f);
    if (!as)
        return;
    if (as->withheld) {
        fprintf(f, "<p class=\"warn\">%s: ", T("Grade, policy verdicts and composite withheld"));
        dcs_report_escape(f, lang == DCS_REPORT_ZH ? dcs_metric_withheld_zh(sc, as->withheld) : as->withheld);
        fputs("</p>\n", f);
        return;
    }
    static const char *const phead[] = {"Policy", "Verdict", NULL};
    fprintf(f, "<p>%s: <b>", T("Grade"));
    dcs_report_escape(f, page_grade(lang, as));
    fputs("</b></p>\n", f);
    table_head(f, lang, phead);
    for (size_t i = 0; i < as->nrules; i++) {
        fputs("<tr><td class=\"l\">", f);
        page_rule(f, lang, &as->rules[i], 0);
        fprintf(f, "</td><td class=\"l %s\">%s</td></tr>\n", as->met[i] > 0 ? "ok" : as->met[i] ? "" : "warn",
                T(as->met[i] < 0 ? "not applicable" : as->met[i] ? "met" : "not met"));
    }
    fprintf(f, "</table>\n<p>%s ", T("Formula"));
    dcs_report_escape(f, as->policy_version);
    fputs(".</p>\n", f);
}

/* Nameplate against effective compute per precision (AI compute in FP16,
 * general in FP32, as Shanghai's guidance counts them), and what each rests on. */
static void compute_table(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg, const dcs_metric_indicators_t *d)
{
    static const char *const head[] = {"Compute", "Nameplate", "Effective", "Share", "Effective from", NULL};
    static const struct { int p; const char *label; } rows[] = {
        {DCS_METRIC_FP16, "AI compute (FP16)"}, {DCS_METRIC_FP32, "General compute (FP32)"},
        {DCS_METRIC_FP64, "FP64"}, {DCS_METRIC_INT8, "INT8"}};
    if (!cfg->inventory || !(d->peak_fp32eq_tflops > 0))
        return;
    fprintf(f, "<h2>%s</h2>\n", T("Compute: nameplate against effective"));
    table_head(f, lang, head);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int p = rows[i].p;
        if (!(d->peak_tflops[p] > 0))
            continue;
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, T(rows[i].label));
        fputs("</td><td>", f);
        num(f, d->peak_tflops[p], 0);
        fputs(" TFLOPS</td><td>", f);
        num(f, d->c_eff_tflops[p], 0);
        fputs(" TFLOPS</td><td>", f);
        num(f, 100 * d->c_eff_tflops[p] / d->peak_tflops[p], 1);
        fprintf(f, " %%</td><td class=\"l%s\">", d->source_grade[p] >= 4 ? " warn" : "");
        if (!d->nsources[p])
            dcs_report_escape(f, T("no data of enough coverage"));
        for (unsigned k = 0; k < d->nsources[p]; k++) { /* each source, with the share of nameplate it measured */
            fputs(k ? "; " : "", f);
            dcs_report_escape(f, T(d->sources[p][k].name));
            fputc(' ', f);
            num(f, 100 * d->sources[p][k].rated_tflops / d->peak_tflops[p], 0);
            fputs(" %", f);
        }
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><td class=\"l\">%s</td><td>", T("FP32-equivalent"));
    num(f, d->peak_fp32eq_tflops, 0);
    fputs(" TFLOPS</td><td>", f);
    num(f, d->c_eff_fp32eq_tflops, 0);
    fputs(" TFLOPS</td><td>", f);
    num(f, 100 * d->c_eff_fp32eq_tflops / d->peak_fp32eq_tflops, 1);
    fprintf(f, " %%</td><td class=\"l\">%s</td></tr>\n</table>\n", T("each machine at its best rating (METRICS.md)"));
}

static void energy_split(FILE *f, dcs_report_lang_t lang, const dcs_metric_score_t *sc)
{
    static const char *const head[] = {"Part", "kWh", "share of E_DC", NULL};
    static const char *const names[] = {"IT", "Cooling", "Lighting and other", "Unmetered remainder (losses)"};
    double v[] = {sc->e_it_wh, sc->e_cooling_wh, sc->e_other_wh,
                  sc->e_dc_wh - sc->e_it_wh - sc->e_cooling_wh - sc->e_other_wh};
    fprintf(f, "<h2>%s</h2>\n", T("Energy split"));
    table_head(f, lang, head);
    for (int i = 0; i < 4; i++) {
        fprintf(f, "<tr><td class=\"l\">%s</td><td>", T(names[i]));
        num(f, v[i] / 1000, 2);
        fputs("</td><td>", f);
        num(f, sc->e_dc_wh > 0 ? 100 * v[i] / sc->e_dc_wh : NAN, 1);
        fputs(" %</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* One row of the interval table: buckets grouped by the period's length. */
typedef struct {
    char label[40];
    double e_dc, e_it, cov;
    size_t n;
} irow_t;

/* The interval table's rows: each bucket (hour) for a period up to 2 days, a
 * local day up to 93 days, a local month beyond; energies summed, PUE their
 * ratio, coverage the mean of the buckets. Returns the rows (malloc'd). */
static irow_t *interval_rows(dcs_report_lang_t lang, const dcs_config_t *cfg, const dcs_metric_score_t *sc,
                             size_t *n, const char **title)
{
    double days = (double)(sc->to_ns - sc->from_ns) / (86400.0 * DCS_NS_PER_S);
    int cut = days <= 2 ? 0 : days <= 93 ? 10 : 7; /* 0: the bucket; else that much of the local date */
    *title = cut == 0 ? "Per interval" : cut == 10 ? "Per day" : "Per month";
    irow_t *r = calloc(sc->nbuckets ? sc->nbuckets : 1, sizeof *r);
    *n = 0;
    for (size_t k = 0; r && k < sc->nbuckets; k++) {
        char iso[48], label[40];
        dcs_time_format(sc->bucket_start_ns[k], cfg->site->timezone, iso, sizeof iso);
        if (cut == 0)
            time_text(lang, sc->bucket_start_ns[k], cfg->site->timezone, label, sizeof label);
        else if (lang == DCS_REPORT_ZH)
            snprintf(label, sizeof label, cut == 10 ? "%.4s年%.2s月%.2s日" : "%.4s年%.2s月", iso, iso + 5, iso + 8);
        else
            snprintf(label, sizeof label, "%.*s", cut, iso);
        if (cut == 0 || *n == 0 || strcmp(r[*n - 1].label, label) != 0)
            snprintf(r[(*n)++].label, sizeof r[0].label, "%s", label);
        irow_t *x = &r[*n - 1];
        x->e_dc += sc->bucket_e_dc_wh[k], x->e_it += sc->bucket_e_it_wh[k];
        x->cov += sc->bucket_coverage[k], x->n++;
    }
    return r;
}

static void buckets(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    size_t n;
    const char *title;
    irow_t *r = interval_rows(lang, cfg, sc, &n, &title);
    double max = 0, div;
    for (size_t k = 0; r && k < n; k++)
        max = fmax(max, fmax(r[k].e_dc, r[k].e_it));
    const char *unit = energy_unit(max, &div);
    char hdc[32], hit[32];
    snprintf(hdc, sizeof hdc, "E_DC %s", unit), snprintf(hit, sizeof hit, "E_IT %s", unit);
    const char *const head[] = {"Start", hdc, hit, "PUE", "coverage", NULL};
    fprintf(f, "<h2>%s", T(title));
    if (strcmp(title, "Per interval") == 0)
        fprintf(f, " (%lld %s)", (long long)(sc->bucket_ns / (60 * DCS_NS_PER_S)), T("min"));
    fputs("</h2>\n", f);
    table_head(f, lang, head);
    for (size_t k = 0; r && k < n; k++) {
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, r[k].label);
        fputs("</td><td>", f);
        num(f, r[k].e_dc / div, 2);
        fputs("</td><td>", f);
        num(f, r[k].e_it / div, 2);
        fputs("</td><td>", f);
        num(f, dcs_metric_pue(r[k].e_dc, r[k].e_it), 3);
        fputs("</td><td>", f);
        num(f, r[k].cov / (double)r[k].n * 100, 1);
        fputs(" %</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    free(r);
}

static void channels(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg, const dcs_metric_score_t *sc)
{
    static const char *const head[] = {"Channel", "Role", "Device", "Samples", "Flagged", "Coverage",
                                       "Energy kWh / mean", NULL};
    fprintf(f, "<h2>%s</h2>\n", T("Data quality by channel"));
    table_head(f, lang, head);
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        const dcs_config_channel_t *c = &cfg->channels[m->channel];
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, c->id);
        fprintf(f, "%s</td><td class=\"l\">%s</td><td class=\"l\">", c->cross_check ? T(" (cross-check)") : "",
                T(dcs_config_role_name(c->role)));
        dcs_report_escape(f, cfg->devices[c->device_index].id);
        fprintf(f, "</td><td>%zu</td><td>%zu</td><td>", m->samples, m->missing);
        num(f, m->coverage * 100, 1);
        fputs(" %</td><td>", f);
        num(f, c->kind == DCS_CONFIG_UTILISATION ? m->mean : m->e_wh / 1000, c->kind == DCS_CONFIG_UTILISATION ? 1 : 3);
        fputs(c->kind == DCS_CONFIG_UTILISATION ? " %" : "", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        if (!m->bridged_gaps)
            continue;
        fputs("<p>", f);
        dcs_report_escape(f, cfg->channels[m->channel].id);
        fprintf(f, ": %s %zu, %.1f s, %.3f kWh (", T("power gaps bridged by its energy counter"),
                m->bridged_gaps, m->bridged_s, m->bridged_wh / 1000);
        dcs_report_escape(f, m->bridged_by);
        fputs(")</p>\n", f);
    }
    for (size_t i = 0; i < sc->nproblems; i++) {
        fprintf(f, "<p class=\"warn\">%s ", T("Skipped an unreadable store file:"));
        dcs_report_escape(f, sc->problems[i]);
        fputs("</p>\n", f);
    }
}

/* One row of the periods table: a PUE, "insufficient data (x %)" below the
 * coverage threshold, or why else it is withheld. */
static void period_row(FILE *f, dcs_report_lang_t lang, const char *label, const char *from,
                       double pue, double coverage, double min_coverage, const char *withheld)
{
    fprintf(f, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>", label, from);
    if (!(coverage >= min_coverage)) {
        fprintf(f, "<span class=\"warn\">%s (", T("insufficient data"));
        num(f, coverage * 100, 1);
        fputs(" %)</span>", f);
    } else if (withheld) {
        fprintf(f, "<span class=\"warn\">%s ", T("Not publishable:"));
        dcs_report_escape(f, withheld);
        fputs("</span>", f);
    } else {
        num(f, pue, 3);
    }
    fputs("</td><td>", f);
    num(f, coverage * 100, 1);
    fputs(" %</td></tr>\n", f);
}

static void periods_table(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg,
                          const dcs_metric_score_t *sc, const dcs_report_period_t *p, size_t n)
{
    static const char *const head[] = {"Period", "From", "PUE", "Coverage", NULL};
    char from[64];
    table_head(f, lang, head);
    time_text(lang, sc->from_ns, cfg->site->timezone, from, sizeof from);
    double minc = cfg->site->min_coverage;
    const char *why = dcs_metric_withheld(sc);
    period_row(f, lang, T("This report"), from, sc->pue, sc->coverage, minc,
               why && lang == DCS_REPORT_ZH ? dcs_metric_withheld_zh(sc, why) : why);
    for (size_t i = 0; i < n; i++) {
        time_text(lang, p[i].from_ns, cfg->site->timezone, from, sizeof from);
        period_row(f, lang, T(p[i].label), from, p[i].pue, p[i].coverage, minc,
                   !p[i].withheld[0] ? NULL : lang == DCS_REPORT_ZH ? p[i].withheld_zh : p[i].withheld);
    }
    fputs("</table>\n", f);
}

/* Above the headline: "Not publishable: REASON" and every finding. */
static void findings_banner(FILE *f, dcs_report_lang_t lang, const dcs_metric_score_t *sc)
{
    const char *why = dcs_metric_withheld(sc);
    if (!why && !sc->nfindings)
        return;
    fputs("<div class=\"banner\">", f);
    if (why) {
        fprintf(f, "<p class=\"warn\"><b>%s</b> ", T("Not publishable:"));
        dcs_report_escape(f, lang == DCS_REPORT_ZH ? dcs_metric_withheld_zh(sc, why) : why);
        fprintf(f, "</p><p>%s</p>", T("Grade, policy verdicts and the composite are withheld."));
    }
    fprintf(f, "<ul>");
    for (size_t i = 0; i < sc->nfindings; i++) {
        fprintf(f, "<li class=\"%s\">%s <code>%s</code>: ",
                sc->findings[i].severity == DCS_FINDING_ERROR ? "warn" : "",
                T(dcs_metric_severity_name(sc->findings[i].severity)), sc->findings[i].id);
        dcs_report_escape(f, lang == DCS_REPORT_ZH ? sc->findings[i].detail_zh : sc->findings[i].detail);
        fputs("</li>", f);
    }
    fputs("</ul></div>\n", f);
}

/* The site on an index system: every group and leaf in the tree, the site's
 * value, score, weights and points; the composite (withheld when the figures are
 * not publishable). */
static void system_tree(FILE *f, dcs_report_lang_t lang, const dcs_report_site_system_t *y,
                        const dcs_index_assessment_t *as)
{
    size_t nn;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(y->sys, &nn);
    fprintf(f, "<h2>%s: ", T("Index system"));
    dcs_report_escape(f, dcs_index_system_id(y->sys));
    fputs(" ", f), dcs_report_escape(f, dcs_index_system_version(y->sys)), fputs("</h2>\n", f);
    if (y->why) {
        fputs("<p class=\"warn\">", f), dcs_report_escape(f, lang == DCS_REPORT_ZH && y->why_zh ? y->why_zh : y->why);
        fputs("</p>\n", f);
        return;
    }
    static const char *const head[] = {"Indicator", "Value", "Unit", "Leaf score", "Global weight", "Points",
                                       NULL};
    table_head(f, lang, head);
    size_t k = 0;
    for (size_t j = 0; j < nn; j++) {
        int depth = 0;
        for (int p = nodes[j].parent; p >= 0; p = nodes[p].parent)
            depth++;
        fprintf(f, "<tr><td class=\"l\" style=\"padding-left:%dem\">", 1 + 2 * depth);
        dcs_report_escape(f, lang == DCS_REPORT_ZH && nodes[j].name_zh ? nodes[j].name_zh : nodes[j].name_en);
        if (!nodes[j].leaf) {
            fprintf(f, "</td><td></td><td></td><td></td><td>%.4f</td><td></td></tr>\n", nodes[j].global_w);
            continue;
        }
        fputs("</td><td>", f), num(f, y->x[k], 4), fputs("</td><td class=\"l\">", f);
        dcs_report_escape(f, page_unit(lang, nodes[j].unit));
        fputs("</td><td>", f), num(f, y->ev->score[k], 1);
        fprintf(f, "</td><td>%.4f</td><td>", y->ev->global_w[k]);
        num(f, as && as->withheld ? NAN : y->ev->contribution[k], 2);
        fputs("</td></tr>\n", f);
        k++;
    }
    fputs("</table>\n", f);
    kpi(f, T("Composite score"), as && as->withheld ? NAN : y->ev->composite[0], 2, "/ 100");
    fprintf(f, "<p>%s</p>\n", as && as->withheld ? T("withheld") : T("The composite is the sum of the points"));
}

int dcs_report_site_html(FILE *f, dcs_report_lang_t lang, const dcs_config_t *cfg,
                         const dcs_metric_score_t *sc, const dcs_metric_indicators_t *ind,
                         const dcs_index_assessment_t *as, const dcs_report_series_t *series,
                         size_t nseries, const dcs_report_period_t *periods, size_t nperiods,
                         const dcs_report_site_system_t *system)
{
    header(f, lang, cfg, sc, as);
    findings_banner(f, lang, sc);
    kpis(f, lang, cfg, sc, ind);
    periods_table(f, lang, cfg, sc, periods, nperiods);
    if (ind)
        indicators(f, lang, cfg, sc, ind, as);
    if (ind)
        compute_table(f, lang, cfg, ind);
    if (system)
        system_tree(f, lang, system, as);
    if (nseries) {
        fprintf(f, "<h2>%s</h2>\n", T("Power"));
        dcs_report_svg_chart(f, series, nseries, sc->from_ns, sc->to_ns, cfg->site->timezone);
    }
    if (sc->to_ns - sc->from_ns > 2 * 86400 * DCS_NS_PER_S) {
        fprintf(f, "<h2>%s</h2>\n", T("PUE by hour of day"));
        if (!dcs_report_svg_heatmap(f, lang, sc, cfg->site->timezone))
            fprintf(f, "<p>%s</p>\n", T("(hourly buckets only: run the report with --bucket 1h)"));
    }
    fprintf(f, "<h2>%s</h2>\n", T("IT load and PUE per interval"));
    dcs_report_svg_load_pue(f, sc);
    energy_split(f, lang, sc);
    buckets(f, lang, cfg, sc);
    channels(f, lang, cfg, sc);
    page_close(f);
    return ferror(f) ? DCS_EIO : 0;
}
