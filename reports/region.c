/* region.c: the pilot office's regional report (青浦, 临港, ...) on an index
 * system: every site of the region with its cohort rank, composite and figure
 * and score for every leaf; the medians, distributions and compliance with the
 * regional limits of the ranked (publishable) sites; the sites that could not
 * be ranked, with the reason; and the regional compute-scheduling feed (JSON
 * and CSV). Input: a cohort ranked on the system (srank.c) and the policy. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int in_region(const dcs_index_sentry_t *e, const char *region)
{
    return region && e->region && strcmp(e->region, region) == 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the finite values of v[0..n-1] (sorted in place). */
static double median(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[k++] = v[i];
    if (!k)
        return NAN;
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
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

/* The region's ranked sites in rank order, each assessed once. */
typedef struct {
    const dcs_index_sentry_t *e;
    const dcs_index_sresult_t *r;
    size_t row;
    dcs_index_assessment_t as;
} site_t;

typedef struct {
    FILE *f;
    dcs_report_lang_t lang;
    const char *region;
    const dcs_index_system_t *sys;
    const dcs_index_policy_t *pol;
    const dcs_index_sranking_t *rk;
    site_t *s;
    size_t k;            /* ranked sites of the region */
    double *scratch;     /* k values */
    const char **labels; /* k labels */
} region_t;

static void summary(const region_t *g, size_t all)
{
    dcs_report_lang_t lang = g->lang;
    size_t met = 0;
    for (size_t i = 0; i < g->k; i++) {
        int every = 1;
        for (size_t r = 0; r < g->s[i].as.nrules; r++)
            every &= g->s[i].as.met[r] != 0;
        met += (size_t)every;
    }
    kpi(g->f, T("Sites"), (double)all, 0, "");
    kpi(g->f, T("Ranked"), (double)g->k, 0, "");
    for (size_t i = 0; i < g->k; i++)
        g->scratch[i] = dcs_index_sentry_value(g->s[i].e, "pue");
    kpi(g->f, T("PUE (median)"), median(g->scratch, g->k), 3, "");
    for (size_t i = 0; i < g->k; i++)
        g->scratch[i] = dcs_index_sentry_value(g->s[i].e, "compute_eff_it");
    kpi(g->f, T("CUE_IT (median)"), median(g->scratch, g->k), 2, "TFLOPS/kW");
    kpi(g->f, T("Meeting every rule"), g->k ? 100.0 * (double)met / (double)g->k : NAN, 0, "%");
    fprintf(g->f, "<p>%s</p>\n", T("Medians, distributions and compliance count the ranked sites only"));
}

/* The conclusions in sentences: how many sites, the best and the weakest,
 * and how many ranked sites meet each rule that applies in the region. */
static void conclusions(const region_t *g, size_t all)
{
    dcs_report_lang_t lang = g->lang;
    FILE *f = g->f;
    int zh = lang == DCS_REPORT_ZH;
    const char *name = page_region(lang, g->pol, g->region);
    fprintf(f, "<h2>%s</h2>\n<p>", T("Conclusions"));
    if (zh)
        fprintf(f, "参评名单中%s共有 %zu 个数据中心，其中 %zu 个数据完整、参与排名（其余缺少指标数据或数据覆盖率不足，不计入中位数与合规统计）。",
                name, all, g->k);
    else
        fprintf(f, "%zu sites of %s are in the cohort; %zu of them have every figure and enough coverage and are "
                   "ranked (the others count in no median or verdict).", all, name, g->k);
    if (g->k) {
        const site_t *best = &g->s[0], *worst = &g->s[g->k - 1];
        fputs(zh ? "综合评分最高的是" : " The best is ", f), dcs_report_escape(f, best->e->name);
        fprintf(f, zh ? "（%.2f 分），" : " (composite %.2f), ", best->r->composite);
        fputs(zh ? "最低的是" : "the weakest ", f), dcs_report_escape(f, worst->e->name);
        fprintf(f, zh ? "（%.2f 分）。" : " (%.2f).", worst->r->composite);
    }
    fputs("</p>\n<ul>", f);
    const dcs_index_rule_t *rules;
    size_t nr = dcs_index_policy_rules(g->pol, &rules);
    for (size_t r = 0; r < nr && g->k; r++) {
        if (rules[r].region && strcmp(rules[r].region, g->region) != 0)
            continue;
        size_t met = 0;
        for (size_t i = 0; i < g->k; i++)
            met += r < g->s[i].as.nrules && g->s[i].as.met[r] > 0;
        fprintf(f, zh ? "<li>%zu / %zu 个排名数据中心符合：" : "<li>%zu of %zu ranked sites meet ", met, g->k);
        page_rule(f, lang, &rules[r], 0);
        fputs("</li>", f);
    }
    fputs("</ul>\n", f);
}

static void leaf_table(const region_t *g)
{
    dcs_report_lang_t lang = g->lang;
    FILE *f = g->f;
    size_t nn, L = g->rk->nleaves;
    const size_t *ln;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(g->sys, &nn);
    dcs_index_system_leaves(g->sys, &ln);
    fprintf(f, "<h2>%s</h2>\n<table><thead><tr><th class=\"l\">%s</th><th class=\"l\">%s</th><th>%s</th>",
            T("Effective compute efficiency evaluation"), T("Rank"), T("Name"), T("Composite"));
    for (size_t l = 0; l < L; l++) {
        const dcs_index_node_t *nd = &nodes[ln[l]];
        fputs("<th>", f);
        dcs_report_escape(f, lang == DCS_REPORT_ZH && nd->name_zh ? nd->name_zh : nd->name_en);
        fputs("<br>", f), dcs_report_escape(f, page_unit(lang, nd->unit)), fputs("</th>", f);
    }
    fprintf(f, "<th class=\"l\">%s</th><th>%s</th><th>%s</th><th class=\"l\">%s</th></tr></thead>\n", T("Period"),
            T("Coverage"), T("Rack occupancy"), T("Grade"));
    for (size_t i = 0; i < g->k; i++) {
        const site_t *s = &g->s[i];
        fprintf(f, "<tr><td class=\"l\">%d</td><td class=\"l\">", s->r->rank);
        dcs_report_escape(f, s->e->name);
        fputs("</td><td><b>", f), num(f, s->r->composite, 2), fputs("</b></td>", f);
        for (size_t l = 0; l < L; l++) {
            fputs("<td>", f), num(f, s->e->x[l], 3), fputs(" (", f);
            num(f, g->rk->eval.score[s->row * L + l], 0), fputs(")</td>", f);
        }
        fputs("<td class=\"l\">", f), dcs_report_escape(f, s->e->period ? s->e->period : "-"), fputs("</td>", f);
        fputs("<td>", f), num(f, s->e->coverage * 100, 1), fputs(" %</td><td>", f);
        num(f, dcs_index_sentry_value(s->e, "rack_occupancy") * 100, 0), fputs(" %</td><td class=\"l\">", f);
        dcs_report_escape(f, page_grade(lang, &s->as)), fputs("</td></tr>\n", f);
    }
    fprintf(f, "</table>\n<p>%s</p>\n", T("Rank in the whole cohort; each cell: the submitted figure and its score"));
}

static void distributions(const region_t *g)
{
    dcs_report_lang_t lang = g->lang;
    char lim[64];
    double limit = regional_limit(g->pol, g->region);
    snprintf(lim, sizeof lim, "%s %.2f", lang == DCS_REPORT_ZH ? "限值" : "limit", limit);
    for (size_t i = 0; i < g->k; i++)
        g->labels[i] = g->s[i].e->id, g->scratch[i] = dcs_index_sentry_value(g->s[i].e, "pue");
    fprintf(g->f, "<h2>%s</h2>\n<h3>PUE</h3>\n", T("Distribution"));
    bar_chart(g->f, g->labels, g->scratch, g->k, "PUE", limit, lim);
    for (size_t i = 0; i < g->k; i++)
        g->scratch[i] = dcs_index_sentry_value(g->s[i].e, "compute_eff_it");
    fputs("<h3>CUE_IT</h3>\n", g->f);
    bar_chart(g->f, g->labels, g->scratch, g->k, "TFLOPS/kW", NAN, "");
    double *pue = malloc((g->k ? g->k : 1) * sizeof *pue), lims[16];
    const char *ids[16];
    const dcs_index_rule_t *rules;
    size_t nr = dcs_index_policy_rules(g->pol, &rules), nl = 0;
    for (size_t r = 0; r < nr && nl < 16; r++)
        if (!rules[r].region || strcmp(rules[r].region, g->region) == 0) {
            int dup = 0;
            for (size_t j = 0; j < nl; j++)
                dup |= lims[j] == rules[r].max_pue;
            if (!dup)
                lims[nl] = rules[r].max_pue, ids[nl++] = rules[r].id;
        }
    for (size_t i = 0; pue && i < g->k; i++)
        pue[i] = dcs_index_sentry_value(g->s[i].e, "pue");
    if (pue) {
        fprintf(g->f, "<h3>%s</h3>\n", T("PUE against effective compute efficiency"));
        dcs_report_svg_pue_cue(g->f, lang, g->labels, pue, g->scratch, g->k, lims, ids, nl);
    }
    free(pue);
}

static void compliance(const region_t *g)
{
    dcs_report_lang_t lang = g->lang;
    FILE *f = g->f;
    const dcs_index_rule_t *rules;
    size_t nr = dcs_index_policy_rules(g->pol, &rules);
    fprintf(f, "<h2>%s</h2>\n<table><thead><tr><th class=\"l\">%s</th>", T("Compliance with the regional limits"),
            T("Site"));
    for (size_t r = 0; r < nr; r++)
        fputs("<th>", f), dcs_report_escape(f, rules[r].id), fputs("</th>", f);
    fputs("</tr></thead>\n", f);
    for (size_t i = 0; i < g->k; i++) {
        const dcs_index_assessment_t *as = &g->s[i].as;
        fputs("<tr><td class=\"l\">", f), dcs_report_escape(f, g->s[i].e->id), fputs("</td>", f);
        for (size_t r = 0; r < as->nrules; r++)
            fprintf(f, "<td class=\"%s\">%s</td>", as->met[r] > 0 ? "ok" : as->met[r] ? "" : "warn",
                    T(as->met[r] < 0 ? "not applicable" : as->met[r] ? "met" : "not met"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<ul>", f);
    for (size_t r = 0; r < nr; r++) {
        fputs("<li><b>", f), dcs_report_escape(f, rules[r].id), fputs("</b>: ", f);
        page_rule(f, lang, &rules[r], 1), fputs("</li>", f);
    }
    fputs("</ul>\n", f);
}

/* The region's ranked sites in rank order into g->s; returns how many
 * entries of the region there are (ranked or not). */
static size_t gather(region_t *g, const dcs_index_sentry_t *e, size_t n)
{
    size_t all = 0;
    for (size_t i = 0; i < n; i++)
        all += (size_t)in_region(&e[i], g->region);
    for (int rank = 1; rank <= (int)g->rk->nranked; rank++)
        for (size_t i = 0; i < n; i++) {
            const dcs_index_sresult_t *r = &g->rk->r[i];
            if (!in_region(&e[i], g->region) || !r->ranked || r->rank != rank)
                continue;
            site_t *s = &g->s[g->k++];
            *s = (site_t){.e = &e[i], .r = r, .row = g->rk->row[i]};
            double occ = dcs_index_sentry_value(&e[i], "rack_occupancy");
            dcs_index_assess(g->pol, dcs_index_sentry_value(&e[i], "pue"), isfinite(occ) ? occ : -1,
                             g->region, &s->as);
        }
    return all;
}

/* The title block: region, cohort, date issued, software, formula and index system. */
static void title_block(const region_t *g, const char *cohort)
{
    dcs_report_lang_t lang = g->lang;
    FILE *f = g->f;
    char today[48];
    dcs_time_format(dcs_time_now_ns(), "Asia/Shanghai", today, sizeof today);
    fputs("<table class=\"meta\">", f);
    fprintf(f, "<tr><th class=\"l\">%s</th><td class=\"l\">", T("Region"));
    dcs_report_escape(f, page_region(lang, g->pol, g->region)), fputs(" (", f), dcs_report_escape(f, g->region);
    fprintf(f, ")</td></tr>\n<tr><th class=\"l\">%s</th><td class=\"l\">", T("Cohort"));
    dcs_report_escape(f, cohort);
    fprintf(f, "</td></tr>\n<tr><th class=\"l\">%s</th><td class=\"l\">%.10s</td></tr>\n", T("Date issued"), today);
    fprintf(f, "<tr><th class=\"l\">%s</th><td class=\"l\">dcscore %s, %s %s</td></tr>\n", T("Software"),
            DCS_VERSION, T("formula"), dcs_index_policy_version(g->pol));
    fprintf(f, "<tr><th class=\"l\">%s</th><td class=\"l\">", T("Index system"));
    dcs_report_escape(f, dcs_index_system_id(g->sys)), fputs(" ", f), dcs_report_escape(f, dcs_index_system_version(g->sys));
    fprintf(f, " (SHA-256 %.16s&hellip;)</td></tr></table>\n", dcs_index_system_hash(g->sys));
}

/* Regional totals over the ranked sites that give them: rated and effective
 * compute (FP32-equivalent TFLOPS). */
static void totals(const region_t *g)
{
    dcs_report_lang_t lang = g->lang;
    double peak = 0, eff = 0, edc = 0, eit = 0;
    size_t np = 0, ne = 0, nd = 0;
    for (size_t i = 0; i < g->k; i++) {
        if (isfinite(g->s[i].e->e_dc_wh) && isfinite(g->s[i].e->e_it_wh))
            edc += g->s[i].e->e_dc_wh, eit += g->s[i].e->e_it_wh, nd++;
        if (isfinite(g->s[i].e->peak_tflops))
            peak += g->s[i].e->peak_tflops, np++;
        if (isfinite(g->s[i].e->c_eff_tflops))
            eff += g->s[i].e->c_eff_tflops, ne++;
    }
    double ai[2] = {0, 0}, gen[2] = {0, 0};
    size_t nai = 0, ngen = 0;
    for (size_t i = 0; i < g->k; i++) {
        const dcs_index_sentry_t *e = g->s[i].e;
        if (e->ai_tflops[0] > 0 && isfinite(e->ai_tflops[1]))
            ai[0] += e->ai_tflops[0], ai[1] += e->ai_tflops[1], nai++;
        if (e->general_tflops[0] > 0 && isfinite(e->general_tflops[1]))
            gen[0] += e->general_tflops[0], gen[1] += e->general_tflops[1], ngen++;
    }
    fprintf(g->f, "<h2>%s</h2>\n", T("Regional totals"));
    kpi_why(g->f, lang, "E_DC", edc / 1e6, 2, "MWh", nd ? NULL : "not measured (no energies in the cohort)");
    kpi_why(g->f, lang, "E_IT", eit / 1e6, 2, "MWh", nd ? NULL : "not measured (no energies in the cohort)");
    kpi_why(g->f, lang, T("PUE of the region"), dcs_metric_pue(edc, eit), 3, "", nd ? NULL : "not measured (no energies in the cohort)");
    kpi_why(g->f, lang, T("Rated compute (FP32-eq)"), peak, 0, "TFLOPS", np ? NULL : "not measured (no inventory)");
    kpi_why(g->f, lang, T("Effective compute (FP32-eq)"), eff, 0, "TFLOPS", ne ? NULL : "not measured (no inventory)");
    const char *none = "not measured (no rated compute in the inventory)";
    kpi_why(g->f, lang, T("AI compute (FP16), rated"), ai[0], 0, "TFLOPS", nai ? NULL : none);
    kpi_why(g->f, lang, T("AI compute (FP16), effective"), ai[1], 0, "TFLOPS", nai ? NULL : none);
    kpi_why(g->f, lang, T("General compute (FP32), rated"), gen[0], 0, "TFLOPS", ngen ? NULL : none);
    kpi_why(g->f, lang, T("General compute (FP32), effective"), gen[1], 0, "TFLOPS", ngen ? NULL : none);
    fprintf(g->f, lang == DCS_REPORT_ZH ? "<p>能耗来自 %zu 个、额定算力来自 %zu 个、有效算力来自 %zu 个排名数据中心"
                                          "（其余未提供能耗或设备清单）；区域 PUE 为能耗之比。</p>\n"
                                        : "<p>Energies from %zu, rated compute from %zu and effective compute from %zu of "
                                          "the ranked sites (the others give no energies or inventory); the region's "
                                          "PUE is the ratio of its energies.</p>\n", nd, np, ne);
}

/* Annex: how the figures were made and what they rest on. */
static void annex(const region_t *g)
{
    dcs_report_lang_t lang = g->lang;
    FILE *f = g->f;
    fprintf(f, "<h2>%s</h2>\n<ul>", T("Annex: method and data quality"));
    if (lang == DCS_REPORT_ZH)
        fprintf(f, "<li>PUE 按 ISO/IEC 30134-2 以同期能耗之比计算；CUE（有效算力效率）与 EUE（经济产出效益）的定义见 "
                   "METRICS.md（%s）。</li><li>综合评分按评价体系 %s 计算；数据覆盖率低于参评要求或缺少指标数值的数据中心"
                   "列出但不排名，不计入中位数、分布与合规统计。</li><li>能效等级与政策限值取自政策文件 %s；标注“非官方译文”"
                   "的条文尚未与原文核对。</li>", dcs_index_policy_version(g->pol), dcs_index_system_id(g->sys),
                dcs_index_policy_version(g->pol));
    else
        fprintf(f, "<li>PUE is the ratio of energies over the same period (ISO/IEC 30134-2); CUE (effective compute "
                   "efficiency) and EUE (economic output) are defined in METRICS.md (%s).</li><li>The composite is "
                   "index system %s's; a site below the coverage threshold or missing a figure is listed, not "
                   "ranked, and counts in no median, distribution or verdict.</li><li>Grades and limits come from the "
                   "policy file %s; a rule marked \"unofficial translation\" is not yet checked against its primary "
                   "document.</li>", dcs_index_policy_version(g->pol), dcs_index_system_id(g->sys),
                dcs_index_policy_version(g->pol));
    fputs("</ul>\n", f);
}

/* The median PUE of the region's publishable entries of the previous period
 * against this one's ranked sites, as a sentence. */
static void change(const region_t *g, const dcs_report_previous_t *prev)
{
    dcs_report_lang_t lang = g->lang;
    if (!prev || !prev->label || !g->k)
        return;
    double *v = malloc((prev->n ? prev->n : 1) * sizeof *v), now, before;
    size_t m = 0;
    for (size_t i = 0; v && i < prev->n; i++)
        if (!prev->e[i].withheld && prev->e[i].region && strcmp(prev->e[i].region, g->region) == 0)
            v[m++] = prev->e[i].cat[dcs_index_catalogue_index("pue")];
    before = v ? median(v, m) : NAN;
    free(v);
    for (size_t i = 0; i < g->k; i++)
        g->scratch[i] = dcs_index_sentry_value(g->s[i].e, "pue");
    now = median(g->scratch, g->k);
    if (!isfinite(before) || !isfinite(now))
        return;
    if (lang == DCS_REPORT_ZH)
        fprintf(g->f, "<p>PUE 中位数 %.3f，上一统计期（%s，%zu 个数据中心）为 %.3f，变化 %+.3f。</p>\n", now,
                prev->label, m, before, now - before);
    else
        fprintf(g->f, "<p>Median PUE %.3f against %.3f in the previous period (%s, %zu sites): %+.3f.</p>\n", now,
                before, prev->label, m, now - before);
}

int dcs_report_region_html(FILE *f, dcs_report_lang_t lang, const char *region, const char *cohort,
                           const dcs_index_system_t *sys, const dcs_index_policy_t *pol,
                           const dcs_index_sentry_t *e, size_t n, const dcs_index_sranking_t *rk,
                           const dcs_report_previous_t *prev)
{
    size_t cap = n ? n : 1;
    region_t g = {.f = f, .lang = lang, .region = region, .sys = sys, .pol = pol, .rk = rk,
                  .s = malloc(cap * sizeof *g.s), .scratch = malloc(cap * sizeof *g.scratch),
                  .labels = malloc(cap * sizeof *g.labels)};
    if (!g.s || !g.scratch || !g.labels) {
        free(g.s), free(g.scratch), free(g.labels);
        return DCS_ENOMEM;
    }
    size_t all = gather(&g, e, n);
    char title[300];
    snprintf(title, sizeof title, "%s: %s", T("dcscore regional pilot report"), page_region(lang, pol, region));
    page_open(f, lang, title, "dcscore regional pilot report");
    title_block(&g, cohort);
    summary(&g, all);
    conclusions(&g, all);
    change(&g, prev);
    leaf_table(&g);
    distributions(&g);
    compliance(&g);
    totals(&g);
    annex(&g);
    for (size_t i = 0; i < n; i++)
        if (!rk->r[i].ranked && in_region(&e[i], region)) {
            fprintf(f, "<p class=\"warn\">%s: ", T("Not ranked"));
            dcs_report_escape(f, e[i].name), fputs(" &mdash; ", f), page_why_not(f, lang, &rk->r[i]);
            fputs("</p>\n", f);
        }
    page_sources(f, lang, e, n, region);
    fprintf(f, "<h2>%s</h2>\n<p>JSON: <code>dcscore.schedule/1</code>; CSV: %s.</p>\n",
            T("Regional compute-scheduling feed"), lang == DCS_REPORT_ZH ? "每个数据中心一行" : "one row per site");
    page_close(f);
    free(g.s), free(g.scratch), free(g.labels);
    return ferror(f) ? DCS_EIO : 0;
}

/* The feed's figures of entry e: PUE, CUE_IT, CUE_DC, coverage, rated,
 * effective and available (rated minus effective) TFLOPS; NaN unknown. */
static void feed_values(const dcs_index_sentry_t *e, double v[7])
{
    v[0] = dcs_index_sentry_value(e, "pue");
    v[1] = dcs_index_sentry_value(e, "compute_eff_it");
    v[2] = v[1] / v[0];
    v[3] = e->coverage;
    v[4] = e->peak_tflops;
    v[5] = e->c_eff_tflops;
    v[6] = isfinite(v[4]) && isfinite(v[5]) ? v[4] - v[5] : NAN;
}

static const char *const feed_cols[7] = {"pue", "cue_it_tflops_per_kw", "cue_dc_tflops_per_kw", "coverage",
                                         "peak_tflops", "effective_tflops", "available_tflops"};

int dcs_report_schedule_json(FILE *f, const char *region, const dcs_index_sentry_t *e, size_t n)
{
    fputs("{\n  \"schema\": \"dcscore.schedule/1\",\n  \"region\": ", f);
    dcs_json_str(f, region);
    fputs(",\n  \"sites\": [", f);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!in_region(&e[i], region))
            continue;
        double v[7];
        feed_values(&e[i], v);
        fprintf(f, "%s\n    {\"id\": ", first ? "" : ",");
        dcs_json_str(f, e[i].id);
        for (int k = 0; k < 7; k++)
            fprintf(f, isfinite(v[k]) ? ", \"%s\": %.6g" : ", \"%s\": null", feed_cols[k], v[k]);
        fputs("}", f);
        first = 0;
    }
    fputs("\n  ]\n}\n", f);
    return ferror(f) ? DCS_EIO : 0;
}

int dcs_report_schedule_csv(FILE *f, const char *region, const dcs_index_sentry_t *e, size_t n)
{
    fputs("id,region", f);
    for (int k = 0; k < 7; k++)
        fprintf(f, ",%s", feed_cols[k]);
    fputs("\r\n", f);
    for (size_t i = 0; i < n; i++) {
        if (!in_region(&e[i], region))
            continue;
        double v[7];
        feed_values(&e[i], v);
        dcs_csv_str(f, e[i].id), fputc(',', f), dcs_csv_str(f, e[i].region);
        for (int k = 0; k < 7; k++)
            isfinite(v[k]) ? fprintf(f, ",%.6g", v[k]) : fputs(",", f);
        fputs("\r\n", f);
    }
    return ferror(f) ? DCS_EIO : 0;
}
