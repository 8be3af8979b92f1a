/* page.c: the frame every report shares: HTML escaping, the inline stylesheet
 * (screen and print), numbers, times in the reader's language, KPI boxes, table
 * heads and a small bar chart. No scripts, no external assets. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <string.h>

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
    "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Noto Sans',sans-serif;margin:2em;"
    "color:#222;max-width:1100px}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;"
    "border-bottom:1px solid #ddd}.sub{color:#555;margin-top:0}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
    ".kpi{display:inline-block;border:1px solid #ccc;border-radius:6px;padding:.6em 1em;"
    "margin:.3em .6em .3em 0}.kpi b{font-size:1.8em;display:block}"
    ".kpi.lead{display:block;width:fit-content;border-color:#2471a3;border-width:2px}.kpi.lead b{font-size:3em}"
    ".kpi b.na{font-size:1em;color:#7b241c}"
    ".warn{color:#a40}.banner{border:2px solid #a40;padding:0 1em;margin:1em 0}.ok{color:#1e8449}.chart{width:100%;max-width:900px}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}.chart{max-width:100%}"
    "h2,h3{break-after:avoid}tr,svg,.kpi{break-inside:avoid}thead{display:table-header-group}"
    "td,th{padding:.2em .4em}}"
    "@page{size:A4;margin:14mm 12mm 16mm}";

/* Page numbers on printed pages (the page's margin box), in its language. */
static const char *page_numbers(dcs_report_lang_t lang)
{
    return lang == DCS_REPORT_ZH
               ? "@page{@bottom-center{content:\"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\";"
                 "font-size:9pt;color:#555}}"
               : "@page{@bottom-center{content:\"Page \" counter(page) \" of \" counter(pages);font-size:9pt;"
                 "color:#555}}";
}

void page_open(FILE *f, dcs_report_lang_t lang, const char *title, const char *kind)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
            lang == DCS_REPORT_ZH ? "zh-CN" : "en");
    dcs_report_escape(f, title);
    fputs(" &mdash; ", f);
    dcs_report_escape(f, T(kind));
    fprintf(f, "</title><style>%s%s</style></head><body>\n<h1>", css, page_numbers(lang));
    dcs_report_escape(f, title);
    fputs("</h1>\n", f);
}

void page_close(FILE *f)
{
    fputs("</body></html>\n", f);
}

void num(FILE *f, double v, int prec)
{
    if (isfinite(v))
        fprintf(f, "%.*f", prec, v);
    else
        fputs("&mdash;", f);
}

void kpi_why(FILE *f, dcs_report_lang_t lang, const char *label, double v, int prec, const char *unit,
             const char *why)
{
    if (!why) {
        kpi(f, label, v, prec, unit);
        return;
    }
    fputs("<div class=\"kpi\">", f);
    dcs_report_escape(f, label);
    fputs("<b class=\"na\">", f);
    dcs_report_escape(f, T(why));
    fputs("</b></div>\n", f);
}

void kpi_lead(FILE *f, dcs_report_lang_t lang, const char *label, double v, int prec, const char *why)
{
    fputs("<div class=\"kpi lead\">", f);
    dcs_report_escape(f, label);
    if (why) {
        fputs("<b class=\"na\">", f);
        dcs_report_escape(f, T(why));
    } else {
        fputs("<b>", f);
        num(f, v, prec);
    }
    fputs("</b></div>\n", f);
}

void kpi(FILE *f, const char *label, double v, int prec, const char *unit)
{
    fputs("<div class=\"kpi\">", f);
    dcs_report_escape(f, label);
    fputs("<b>", f);
    num(f, v, prec);
    fputs("</b>", f);
    dcs_report_escape(f, unit);
    fputs("</div>\n", f);
}

void time_text(dcs_report_lang_t lang, int64_t t_ns, const char *tz, char *buf, size_t len)
{
    char iso[48];
    dcs_time_format(t_ns, tz, iso, sizeof iso);
    if (lang != DCS_REPORT_ZH || strlen(iso) < 19) {
        snprintf(buf, len, "%s", iso);
        return;
    }
    /* 2026-11-24T08:00:00+08:00 -> 2026年11月24日 08:00:00 UTC+08:00 */
    snprintf(buf, len, "%.4s年%.2s月%.2s日 %.8s UTC%s", iso, iso + 5, iso + 8, iso + 11, iso + 19);
}

void table_head(FILE *f, dcs_report_lang_t lang, const char *const *labels)
{
    fputs("<table><thead><tr>", f);
    for (size_t i = 0; labels[i]; i++) {
        fputs(i ? "<th>" : "<th class=\"l\">", f);
        dcs_report_escape(f, T(labels[i]));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n", f);
}

void bar_chart(FILE *f, const char *const *labels, const double *values, size_t n,
               const char *unit, double limit, const char *limit_label)
{
    double max = isfinite(limit) ? limit : 0;
    for (size_t i = 0; i < n; i++)
        max = isfinite(values[i]) && values[i] > max ? values[i] : max;
    max = max > 0 ? max * 1.1 : 1;
    int row = 26, w = 900, left = 160, h = (int)n * row + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" class=\"chart\" "
               "role=\"img\">\n", w, h);
    for (size_t i = 0; i < n; i++) {
        double v = isfinite(values[i]) ? values[i] : 0;
        int y = 5 + (int)i * row, bw = (int)((w - left - 80) * v / max);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"15\">", left - 6, y + 16);
        dcs_report_escape(f, labels[i]);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"19\" fill=\"#2471a3\"/>"
                   "<text x=\"%d\" y=\"%d\" font-size=\"15\">", left, y + 2, bw, left + bw + 4, y + 16);
        num(f, values[i], 2);
        fputs("</text>\n", f);
    }
    if (isfinite(limit)) {
        int x = left + (int)((w - left - 80) * limit / max);
        fprintf(f, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#c0392b\" "
                   "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\" font-size=\"11\" "
                   "fill=\"#c0392b\">", x, x, h - 18, x + 3, h - 6);
        dcs_report_escape(f, limit_label);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">", w - 70, h - 6);
    dcs_report_escape(f, unit);
    fputs("</text></svg>\n", f);
}

void page_sources(FILE *f, dcs_report_lang_t lang, const dcs_index_sentry_t *e, size_t n, const char *region)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].source || (region && strcmp(e[i].region, region) != 0))
            continue;
        if (!any++)
            fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n<table><thead><tr><th>%s</th><th>%s</th></tr></thead>\n", T("Signed sources"),
                    T("The region re-scored each figure above from the signed bundle named here (its SHA-256 "
                      "digest); the bundle is archived unchanged."), T("Site"), T("Source"));
        fputs("<tr><td>", f), dcs_report_escape(f, e[i].name), fputs("</td><td><code>", f);
        dcs_report_escape(f, e[i].source), fputs("</code></td></tr>\n", f);
    }
    if (any)
        fputs("</table>\n", f);
}

void page_rule(FILE *f, dcs_report_lang_t lang, const dcs_index_rule_t *r, int with_source)
{
    int zh = lang == DCS_REPORT_ZH;
    dcs_report_escape(f, zh && r->name_zh ? r->name_zh : r->name);
    if (with_source) {
        fputs(zh ? "（" : " (", f);
        dcs_report_escape(f, zh && r->source_zh ? r->source_zh : r->source);
        fputs(zh ? "）" : ")", f);
    }
    if (r->unofficial)
        fprintf(f, " <i>%s</i>", T("unofficial translation"));
}

const char *page_grade(dcs_report_lang_t lang, const dcs_index_assessment_t *as)
{
    return lang == DCS_REPORT_ZH && as->grade_zh ? as->grade_zh : as->grade;
}

const char *page_region(dcs_report_lang_t lang, const dcs_index_policy_t *pol, const char *id)
{
    return dcs_index_policy_region(pol, id, lang == DCS_REPORT_ZH);
}

void page_why_not(FILE *f, dcs_report_lang_t lang, const dcs_index_sresult_t *r)
{
    dcs_report_escape(f, lang == DCS_REPORT_ZH && r->why_not_zh ? r->why_not_zh : r->why_not);
}

const char *page_unit(dcs_report_lang_t lang, const char *unit)
{
    if (lang != DCS_REPORT_ZH || !unit)
        return unit;
    return strcmp(unit, "yuan/kWh") == 0 ? "元/kWh" : strcmp(unit, "yuan") == 0 ? "元"
         : strcmp(unit, "yuan/rack/year") == 0 ? "元/机架/年" : unit;
}
