/* procurement.c: the procurement report on an index system, one that a
 * vendor ranked 7th can check by hand: the system (id, version, SHA-256, date),
 * every node's weighting with its AHP matrices and CRs, each leaf's anchors, the
 * ranking with confidence in words and the gap to the entry above, and per
 * entry the submitted figure, score, weight and points of every leaf. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>

static const char *wname(const dcs_index_node_t *nd)
{
    static const char *const names[] = {"fixed", "AHP", "entropy", "CRITIC", "blend"};
    return (unsigned)nd->wmethod < 5 ? names[nd->wmethod] : "?";
}

/* One matrix n x n as a table; rows and columns named by the children. */
static void matrix(FILE *f, const double *a, size_t n, const dcs_index_node_t *nodes, const size_t *ch)
{
    fputs("<table class=\"m\"><tr><th></th>", f);
    for (size_t j = 0; j < n; j++)
        fputs("<th>", f), dcs_report_escape(f, nodes[ch[j]].id), fputs("</th>", f);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th class=\"l\">", f);
        dcs_report_escape(f, nodes[ch[i]].id);
        fputs("</th>", f);
        for (size_t j = 0; j < n; j++)
            fprintf(f, "<td>%.4g</td>", a[i * n + j]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* A group's weighting: method, and for AHP each expert's matrix and CR and
 * the aggregate's weights, lambda_max, CI and CR. */
static void group(FILE *f, dcs_report_lang_t lang, const dcs_index_node_t *g, int p,
                  const dcs_index_node_t *nodes, size_t nn)
{
    size_t ch[DCS_INDEX_MAX_NODES], n = 0;
    for (size_t i = 0; i < nn; i++)
        if (nodes[i].parent == p)
            ch[n++] = i;
    fprintf(f, "<h3>%s: ", T("Group"));
    dcs_report_escape(f, p < 0 ? T("first level") : g->name_zh && lang == DCS_REPORT_ZH ? g->name_zh : g->name_en);
    fprintf(f, " (%s", T(wname(g)));
    if (g->wmethod == DCS_W_BLEND)
        fprintf(f, " %.2f &times; %s + %.2f &times; %s", g->blend_alpha, g->subjective_ahp ? "AHP" : T("fixed"),
                1 - g->blend_alpha, T(g->blend_objective == DCS_W_ENTROPY ? "entropy" : "CRITIC"));
    fputs(")</h3>\n", f);
    for (size_t e = 0; g->ahp && e < g->nexperts; e++) {
        if (g->nexperts > 1)
            fprintf(f, "<p>%s %zu: CR %.4f</p>\n", T("Expert"), e + 1, g->expert_result[e].cr);
        matrix(f, g->ahp + e * n * n, n, nodes, ch);
    }
    if (g->ahp)
        fprintf(f, "<p>%s%s: &lambda;<sub>max</sub> %.4f, CI %.4f, CR %.4f (RI %s, %s)</p>\n",
                g->nexperts > 1 ? T("Aggregate (AIJ, geometric mean) of ") : "",
                g->nexperts > 1 ? T("the experts") : T("Matrix"), g->ahp_result.lambda_max, g->ahp_result.ci,
                g->ahp_result.cr, dcs_index_ri_name(g->ahp_opts.ri), T(dcs_index_ahp_method_name(g->ahp_opts.method)));
}

static void anchors(FILE *f, dcs_report_lang_t lang, const dcs_index_node_t *nd)
{
    int zh = lang == DCS_REPORT_ZH;
    switch (nd->norm) {
    case DCS_NORM_LINEAR:
        fprintf(f, zh ? "线性：%.4g 得 100 分，%.4g 得 0 分" : "linear: 100 at %.4g, 0 at %.4g", nd->best, nd->worst);
        break;
    case DCS_NORM_MINMAX: fputs(zh ? "参评名单内最小–最大值标准化" : "min&ndash;max over the cohort", f); break;
    case DCS_NORM_TARGET:
        fprintf(f, zh ? "目标值 %.4g &plusmn; %.4g" : "target %.4g &plusmn; %.4g", nd->target, nd->tolerance);
        break;
    case DCS_NORM_VECTOR: fputs(zh ? "向量标准化（TOPSIS）" : "vector (TOPSIS)", f); break;
    }
}

static void weights(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys, const dcs_index_sranking_t *r)
{
    size_t nn;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(sys, &nn);
    static const char *const head[] = {"Indicator", "Group", "Unit", "Direction", "Normalisation",
                                       "Local weight", "Global weight", NULL};
    fprintf(f, "<h2>%s</h2>\n", T("Indicators and weights"));
    table_head(f, lang, head);
    const size_t *ln;
    size_t L = dcs_index_system_leaves(sys, &ln);
    for (size_t k = 0; k < L; k++) {
        const dcs_index_node_t *nd = &nodes[ln[k]];
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, lang == DCS_REPORT_ZH && nd->name_zh ? nd->name_zh : nd->name_en);
        fputs(" (", f), dcs_report_escape(f, nd->indicator), fputs(")</td><td class=\"l\">", f);
        dcs_report_escape(f, nd->parent < 0 ? "-" : nodes[nd->parent].id);
        fputs("</td><td class=\"l\">", f), dcs_report_escape(f, page_unit(lang, nd->unit));
        fprintf(f, "</td><td class=\"l\">%s</td><td class=\"l\">", T(nd->benefit ? "benefit" : "cost"));
        anchors(f, lang, nd);
        fprintf(f, "</td><td>%.4f</td><td><b>%.4f</b></td></tr>\n", nd->local_w, r->eval.global_w[k]);
    }
    fputs("</table>\n", f);
    group(f, lang, dcs_index_system_root(sys), -1, nodes, nn);
    for (size_t i = 0; i < nn; i++)
        if (!nodes[i].leaf)
            group(f, lang, &nodes[i], (int)i, nodes, nn);
}

static void ranking(FILE *f, dcs_report_lang_t lang, const dcs_index_sentry_t *e, size_t n,
                    const dcs_index_sranking_t *r, unsigned draws)
{
    static const char *const head[] = {"Rank", "Name", "region", "Score", "90 % interval", "Behind",
                                       "Confidence", NULL};
    fprintf(f, "<h2>%s</h2>\n", T("Ranking"));
    table_head(f, lang, head);
    for (int k = 1; k <= (int)r->nranked; k++)
        for (size_t i = 0; i < n; i++) {
            const dcs_index_sresult_t *x = &r->r[i];
            if (!x->ranked || x->rank != k)
                continue;
            char words[128];
            (lang == DCS_REPORT_ZH ? dcs_index_confidence_words_zh : dcs_index_confidence_words)(x, r->nranked, draws,
                                                                                              words, sizeof words);
            fprintf(f, "<tr><td class=\"l\">%d</td><td class=\"l\">", x->rank);
            dcs_report_escape(f, e[i].name), fputs(" (", f), dcs_report_escape(f, e[i].id);
            fputs(")</td><td class=\"l\">", f), dcs_report_escape(f, T(e[i].region));
            fputs("</td><td><b>", f), num(f, x->composite, 2), fputs("</b></td><td>", f);
            num(f, x->ci90_lo, 2), fputs(" &ndash; ", f), num(f, x->ci90_hi, 2), fputs("</td><td>", f);
            num(f, x->gap_above, 2);
            fputs("</td><td class=\"l\">", f), dcs_report_escape(f, words), fputs("</td></tr>\n", f);
        }
    fputs("</table>\n", f);
    for (size_t i = 0; i < n; i++)
        if (!r->r[i].ranked) {
            fprintf(f, "<p class=\"warn\">%s: ", T("Not ranked"));
            dcs_report_escape(f, e[i].name), fputs(" &mdash; ", f), page_why_not(f, lang, &r->r[i]);
            fputs("</p>\n", f);
        }
}

/* Per ranked entry: figure, score, weight and points per leaf, and the points
 * against the entry above: the sum of the points is the composite. */
static void breakdown(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys,
                      const dcs_index_sentry_t *e, size_t n, const dcs_index_sranking_t *r)
{
    size_t nn, L = r->nleaves;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(sys, &nn);
    const size_t *ln;
    dcs_index_system_leaves(sys, &ln);
    static const char *const head[] = {"Indicator", "Submitted figure", "Unit", "Score", "Global weight",
                                       "Points", "Against the entry above", NULL};
    fprintf(f, "<h2>%s</h2>\n", T("How each score is made"));
    for (size_t i = 0; i < n; i++) {
        const dcs_index_sresult_t *x = &r->r[i];
        if (!x->ranked)
            continue;
        size_t row = r->row[i], up = x->above >= 0 ? r->row[x->above] : (size_t)-1;
        fprintf(f, "<h3>%d. ", x->rank);
        dcs_report_escape(f, e[i].name);
        fprintf(f, ": %.2f</h3>\n", x->composite);
        table_head(f, lang, head);
        for (size_t k = 0; k < L; k++) {
            double pts = r->eval.contribution[row * L + k];
            fputs("<tr><td class=\"l\">", f), dcs_report_escape(f, nodes[ln[k]].id);
            fprintf(f, "</td><td>%.6g</td><td class=\"l\">", e[i].x[k]);
            dcs_report_escape(f, page_unit(lang, nodes[ln[k]].unit));
            fputs("</td><td>", f), num(f, r->eval.score[row * L + k], 2);
            fprintf(f, "</td><td>%.4f</td><td>%.2f</td><td>", r->eval.global_w[k], pts);
            if (up != (size_t)-1)
                fprintf(f, "%+.2f", pts - r->eval.contribution[up * L + k]);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

/* Ranks with each node's weight raised and lowered: groups, then leaves. */
static void sensitivity(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys,
                        const dcs_index_sentry_t *e, size_t n, const dcs_index_sranking_t *r,
                        const int *sens, double delta, int leaves)
{
    size_t nn;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(sys, &nn);
    fprintf(f, "<h3>%s</h3>\n<table><thead><tr><th class=\"l\">%s</th><th>%s</th>",
            leaves ? T("Indicators") : T("Groups"), T("Name"), T("Rank"));
    for (size_t j = 0; j < nn; j++)
        if (nodes[j].leaf == leaves)
            fputs("<th>", f), dcs_report_escape(f, nodes[j].id),
                fprintf(f, " +%.0f%%</th><th>", delta * 100), dcs_report_escape(f, nodes[j].id),
                fprintf(f, " &minus;%.0f%%</th>", delta * 100);
    fputs("</tr></thead>\n", f);
    for (int k = 1; k <= (int)r->nranked; k++)
        for (size_t i = 0; i < n; i++) {
            if (!r->r[i].ranked || r->r[i].rank != k)
                continue;
            fputs("<tr><td class=\"l\">", f), dcs_report_escape(f, e[i].name);
            fprintf(f, "</td><td>%d</td>", k);
            for (size_t j = 0; j < nn; j++)
                for (int d = 0; nodes[j].leaf == leaves && d < 2; d++) {
                    int rk = sens[(2 * j + (size_t)d) * n + i];
                    fprintf(f, "<td class=\"%s\">%d</td>", rk == k ? "" : "warn", rk);
                }
            fputs("</tr>\n", f);
        }
    fputs("</table>\n", f);
}

int dcs_report_procurement_html(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys,
                                       const char *cohort, const dcs_index_sentry_t *e, size_t n,
                                       const dcs_index_sranking_t *r, const dcs_index_sopts_t *o,
                                       const int *sens, double delta, int64_t now_ns)
{
    char date[64];
    time_text(lang, now_ns, "Asia/Shanghai", date, sizeof date);
    page_open(f, lang, cohort, "dcscore procurement ranking");
    fprintf(f, "<p class=\"sub\">%s</p>\n<p>%s: <b>", T("dcscore procurement ranking"), T("Index system"));
    dcs_report_escape(f, dcs_index_system_id(sys));
    fputs("</b> ", f), dcs_report_escape(f, dcs_index_system_version(sys));
    fprintf(f, " (SHA-256 %s), %s. %s %u, %s %lu, %s %.0f %%. %s: %s. dcscore %s.</p>\n",
            dcs_index_system_hash(sys),
            dcs_index_system_aggregation(sys) == DCS_AGG_TOPSIS ? "TOPSIS" : T("weighted sum"),
            T("Monte-Carlo draws"), o->draws, T("seed"), o->seed, T("min coverage"), o->min_coverage * 100,
            T("Date"), date, DCS_VERSION);
    ranking(f, lang, e, n, r, o->draws);
    weights(f, lang, sys, r);
    if (sens) {
        fprintf(f, "<h2>%s</h2>\n<p>%s %.0f %%.</p>\n", T("Sensitivity to weights"),
                T("Rank with one weight raised or lowered by"), delta * 100);
        sensitivity(f, lang, sys, e, n, r, sens, delta, 0);
        sensitivity(f, lang, sys, e, n, r, sens, delta, 1);
    }
    breakdown(f, lang, sys, e, n, r);
    fprintf(f, "<p>%s</p>\n", T("Scores 0-100; points = global weight x score, and they add up to the composite. "
                                "Confidence: how often the entry holds its likeliest ranks over the draws (measurement "
                                "uncertainty and weight perturbation). Formulas: METRICS.md, Index systems."));
    page_sources(f, lang, e, n, NULL);
    page_close(f);
    return ferror(f) ? DCS_EIO : 0;
}
