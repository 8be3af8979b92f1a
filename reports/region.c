/* region.c: the pilot office's regional report (青浦, 临港, ...): every site of
 * the region side by side, their effective compute efficiency, distributions,
 * compliance with the regional limits, and the machine-readable regional
 * compute-scheduling feed (JSON and CSV) for placing work where it is most
 * efficient. Input: a cohort (docs/rank.md) and the policy data. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int in_region(const dcs_index_entry_t *e, const char *region)
{
    return region && e->region && strcmp(e->region, region) == 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The tightest PUE limit that applies in the region (for the chart's line). */
static double regional_limit(const dcs_index_policy_t *pol, const char *region)
{
    const dcs_index_rule_t *rules;
    size_t n = dcs_index_policy_rules(pol, &rules);
    double lim = NAN;
    for (size_t i = 0; i < n; i++)
        if (!rules[i].region || strcmp(rules[i].region, region) == 0)
            lim = isnan(lim) || rules[i].max_pue < lim ? rules[i].max_pue : lim;
    return lim;
}

/* A site of the region with its assessment, made once per report. */
typedef struct {
    const dcs_index_entry_t *e;
    dcs_index_assessment_t as;
} site_t;

/* pue and cue are scratch space (median sorts them). */
static void summary(FILE *f, dcs_report_lang_t lang, const site_t *s, size_t k, double *pue,
                    double *cue)
{
    size_t met = 0;
    for (size_t i = 0; i < k; i++) {
        int all = 1;
        for (size_t r = 0; r < s[i].as.nrules; r++)
            all &= s[i].as.met[r] != 0;
        met += (size_t)all;
        pue[i] = s[i].e->x[DCS_INDEX_PUE];
        cue[i] = s[i].e->x[DCS_INDEX_CUE];
    }
    kpi(f, T("Sites"), (double)k, 0, "");
    kpi(f, "PUE (median)", median(pue, k), 3, "");
    kpi(f, "CUE_IT (median)", median(cue, k), 2, "TFLOPS/kW");
    kpi(f, T("Meeting every rule"), k ? 100.0 * (double)met / (double)k : NAN, 0, "%");
}

static void evaluation(FILE *f, dcs_report_lang_t lang, const site_t *s, size_t k)
{
    static const char *const head[] = {"Site", "Name", "PUE", "CUE_IT", "CUE_DC", "EUE", "Coverage",
                                       "Composite score", "Grade", NULL};
    fprintf(f, "<h2>%s</h2>\n", T("Effective compute efficiency evaluation"));
    table_head(f, lang, head);
    for (size_t i = 0; i < k; i++) {
        const dcs_index_entry_t *e = s[i].e;
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, e->id);
        fputs("</td><td class=\"l\">", f);
        dcs_report_escape(f, e->name);
        fputs("</td><td>", f);
        num(f, e->x[DCS_INDEX_PUE], 3);
        fputs("</td><td>", f);
        num(f, e->x[DCS_INDEX_CUE], 2);
        fputs("</td><td>", f);
        num(f, e->x[DCS_INDEX_CUE] / e->x[DCS_INDEX_PUE], 2);
        fputs("</td><td>", f);
        num(f, e->x[DCS_INDEX_EUE], 2);
        fputs("</td><td>", f);
        num(f, e->coverage * 100, 1);
        fputs(" %</td><td>", f);
        num(f, s[i].as.composite, 1);
        fputs("</td><td class=\"l\">", f);
        dcs_report_escape(f, s[i].as.grade);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p>CUE in TFLOPS (FP32-eq) per kW; EUE in yuan/kWh; METRICS.md.</p>\n", f);
}

/* labels, pue and cue are scratch space for the bars, in site order. */
static void distributions(FILE *f, dcs_report_lang_t lang, const site_t *s, size_t k, double *pue,
                          double *cue, const char **labels, const char *region,
                          const dcs_index_policy_t *pol)
{
    for (size_t i = 0; i < k; i++) {
        labels[i] = s[i].e->id;
        pue[i] = s[i].e->x[DCS_INDEX_PUE];
        cue[i] = s[i].e->x[DCS_INDEX_CUE];
    }
    char lim[64];
    double limit = regional_limit(pol, region);
    snprintf(lim, sizeof lim, "%s %.2f", lang == DCS_REPORT_ZH ? "限值" : "limit", limit);
    fprintf(f, "<h2>%s</h2>\n<h3>PUE</h3>\n", T("Distribution"));
    bar_chart(f, labels, pue, k, "PUE", limit, lim);
    fputs("<h3>CUE_IT</h3>\n", f);
    bar_chart(f, labels, cue, k, "TFLOPS/kW", NAN, "");
}

static void compliance(FILE *f, dcs_report_lang_t lang, const site_t *s, size_t k,
                       const dcs_index_policy_t *pol)
{
    const dcs_index_rule_t *rules;
    size_t nr = dcs_index_policy_rules(pol, &rules);
    fprintf(f, "<h2>%s</h2>\n<table><tr><th class=\"l\">%s</th>", T("Compliance with the regional limits"),
            T("Site"));
    for (size_t r = 0; r < nr; r++) {
        fputs("<th>", f);
        dcs_report_escape(f, rules[r].id);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < k; i++) {
        const dcs_index_assessment_t *as = &s[i].as;
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, s[i].e->id);
        fputs("</td>", f);
        for (size_t r = 0; r < as->nrules; r++)
            fprintf(f, "<td class=\"%s\">%s</td>", as->met[r] > 0 ? "ok" : as->met[r] ? "" : "warn",
                    T(as->met[r] < 0 ? "not applicable" : as->met[r] ? "met" : "not met"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<ul>", f);
    for (size_t r = 0; r < nr; r++) {
        fputs("<li><b>", f);
        dcs_report_escape(f, rules[r].id);
        fputs("</b>: ", f);
        dcs_report_escape(f, rules[r].name);
        fputs(" (", f);
        dcs_report_escape(f, rules[r].source);
        fputs(")</li>", f);
    }
    fputs("</ul>\n", f);
}

int dcs_report_region_html(FILE *f, dcs_report_lang_t lang, const char *region, const char *cohort,
                           const dcs_index_entry_t *e, size_t n, const dcs_index_policy_t *pol)
{
    /* The region's sites, each assessed once for every section. */
    site_t *s = malloc((n ? n : 1) * sizeof *s);
    double *pue = malloc((n ? n : 1) * sizeof *pue), *cue = malloc((n ? n : 1) * sizeof *cue);
    const char **labels = malloc((n ? n : 1) * sizeof *labels);
    if (!s || !pue || !cue || !labels) {
        free(s), free(pue), free(cue), free(labels);
        return DCS_ENOMEM;
    }
    char title[300];
    snprintf(title, sizeof title, "%s: %s", T("dcscore regional pilot report"), T(region));
    page_open(f, lang, title, "dcscore regional pilot report");
    fputs("<p class=\"sub\">", f);
    dcs_report_escape(f, cohort);
    fprintf(f, ". %s %s, dcscore %s.</p>\n", T("Formula"), dcs_index_policy_version(pol), DCS_VERSION);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (in_region(&e[i], region)) {
            s[k].e = &e[i];
            dcs_index_assess(pol, e[i].x, e[i].occupancy, region, &s[k++].as);
        }
    summary(f, lang, s, k, pue, cue);
    evaluation(f, lang, s, k);
    distributions(f, lang, s, k, pue, cue, labels, region, pol);
    compliance(f, lang, s, k, pol);
    free(s), free(pue), free(cue), free(labels);
    fprintf(f, "<h2>%s</h2>\n<p>JSON: <code>dcscore.schedule/1</code>; CSV: %s.</p>\n",
            T("Regional compute-scheduling feed"),
            lang == DCS_REPORT_ZH ? "每个数据中心一行" : "one row per site");
    page_close(f);
    return ferror(f) ? DCS_EIO : 0;
}

/* Headroom: rated minus effective compute, when both are known. */
static double available(const dcs_index_entry_t *e)
{
    return isfinite(e->peak_tflops) && isfinite(e->c_eff_tflops) ? e->peak_tflops - e->c_eff_tflops : NAN;
}

static void jnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

int dcs_report_schedule_json(FILE *f, const char *region, const dcs_index_entry_t *e, size_t n)
{
    fputs("{\n  \"schema\": \"dcscore.schedule/1\",\n  \"region\": ", f);
    dcs_json_str(f, region);
    fputs(",\n  \"sites\": [", f);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!in_region(&e[i], region))
            continue;
        fprintf(f, "%s\n    {\"id\": ", first ? "" : ",");
        dcs_json_str(f, e[i].id);
        fputs(", \"pue\": ", f);
        jnum(f, e[i].x[DCS_INDEX_PUE]);
        fputs(", \"cue_it_tflops_per_kw\": ", f);
        jnum(f, e[i].x[DCS_INDEX_CUE]);
        fputs(", \"cue_dc_tflops_per_kw\": ", f);
        jnum(f, e[i].x[DCS_INDEX_CUE] / e[i].x[DCS_INDEX_PUE]);
        fputs(", \"coverage\": ", f);
        jnum(f, e[i].coverage);
        fputs(", \"peak_tflops\": ", f);
        jnum(f, e[i].peak_tflops);
        fputs(", \"effective_tflops\": ", f);
        jnum(f, e[i].c_eff_tflops);
        fputs(", \"available_tflops\": ", f);
        jnum(f, available(&e[i]));
        fputs("}", f);
        first = 0;
    }
    fputs("\n  ]\n}\n", f);
    return ferror(f) ? DCS_EIO : 0;
}

int dcs_report_schedule_csv(FILE *f, const char *region, const dcs_index_entry_t *e, size_t n)
{
    fputs("id,region,pue,cue_it_tflops_per_kw,cue_dc_tflops_per_kw,coverage,peak_tflops,"
          "effective_tflops,available_tflops\r\n", f);
    for (size_t i = 0; i < n; i++) {
        if (!in_region(&e[i], region))
            continue;
        double v[7] = {e[i].x[DCS_INDEX_PUE], e[i].x[DCS_INDEX_CUE],
                       e[i].x[DCS_INDEX_CUE] / e[i].x[DCS_INDEX_PUE], e[i].coverage,
                       e[i].peak_tflops, e[i].c_eff_tflops, available(&e[i])};
        dcs_csv_str(f, e[i].id);
        fputc(',', f);
        dcs_csv_str(f, e[i].region);
        for (int k = 0; k < 7; k++)
            isfinite(v[k]) ? fprintf(f, ",%.6g", v[k]) : fputs(",", f);
        fputs("\r\n", f);
    }
    return ferror(f) ? DCS_EIO : 0;
}
