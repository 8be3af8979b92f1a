/* procurement.c: the procurement report: vendors ranked on the composite index,
 * per-indicator scores, rank confidence (90 % interval, P(rank)), the indicator
 * that most moves each rank, sensitivity of the ranks to the weights, and the
 * method and formula version, so that a listing decision can be defended.
 * Plus the same table as CSV for spreadsheets. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <stdlib.h>

static void method(FILE *f, dcs_report_lang_t lang, const dcs_index_ranking_t *r,
                   const dcs_index_options_t *opt, const char *version)
{
    fprintf(f, "<p>%s: <b>%s</b>. %s: PUE %.3f, CUE %.3f, EUE %.3f", T("Method"),
            dcs_index_method_name(opt->method), T("Weights"), r->w[0], r->w[1], r->w[2]);
    if (isfinite(r->cr))
        fprintf(f, " (AHP &lambda;<sub>max</sub> %.4f, CR %.3f)", r->lambda_max, r->cr);
    fprintf(f, ". %s %u, %s %lu. %s ", T("Monte-Carlo draws"), opt->draws, T("seed"), opt->seed,
            T("Formula"));
    dcs_report_escape(f, version);
    fprintf(f, ", dcscore %s.</p>\n", DCS_VERSION);
}

static void ranked(FILE *f, dcs_report_lang_t lang, const dcs_index_entry_t *e, size_t n,
                   const dcs_index_ranking_t *r, const size_t *o)
{
    static const char *const head[] = {"Rank", "Name", "region", "Score", "90 % interval", "P(rank)",
                                       "PUE", "CUE", "EUE", "Moved most by", NULL};
    table_head(f, lang, head);
    for (size_t k = 0; k < n; k++) {
        const dcs_index_result_t *x = &r->r[o[k]];
        if (!x->ranked)
            continue;
        fprintf(f, "<tr><td class=\"l\">%d</td><td class=\"l\">", x->rank);
        dcs_report_escape(f, e[o[k]].name);
        fputs(" (", f);
        dcs_report_escape(f, e[o[k]].id);
        fputs(")</td><td class=\"l\">", f);
        dcs_report_escape(f, e[o[k]].region);
        fputs("</td><td><b>", f);
        num(f, x->composite, 1);
        fputs("</b></td><td>", f);
        num(f, x->ci90_lo, 1);
        fputs(" &ndash; ", f);
        num(f, x->ci90_hi, 1);
        fputs("</td><td>", f);
        num(f, x->p_rank ? x->p_rank[x->rank - 1] : NAN, 2);
        for (int j = 0; j < DCS_INDEX_N; j++) {
            fputs("</td><td>", f);
            num(f, x->score[j], 1);
        }
        fprintf(f, "</td><td class=\"l\">%s %+.1f</td></tr>\n", dcs_index_name(x->key), x->key_points);
    }
    fputs("</table>\n", f);
    for (size_t k = 0; k < n; k++)
        if (!r->r[o[k]].ranked) {
            fprintf(f, "<p class=\"warn\">%s: ", T("Not ranked"));
            dcs_report_escape(f, e[o[k]].name);
            fputs(" &mdash; ", f);
            dcs_report_escape(f, r->r[o[k]].why_not);
            fputs("</p>\n", f);
        }
}

static void sensitivity(FILE *f, dcs_report_lang_t lang, const dcs_index_entry_t *e, size_t n,
                        const dcs_index_ranking_t *r, const size_t *o, const int *sens)
{
    fprintf(f, "<h2>%s</h2>\n<p>%s.</p>\n<table><tr><th class=\"l\">%s</th><th>%s</th>",
            T("Sensitivity to weights"), T("Rank with each weight raised or lowered by 20 %"),
            T("Name"), T("Rank"));
    for (int j = 0; j < DCS_INDEX_N; j++)
        fprintf(f, "<th>%s +20%%</th><th>%s &minus;20%%</th>", dcs_index_name(j), dcs_index_name(j));
    fputs("</tr>\n", f);
    for (size_t k = 0; k < n; k++) {
        size_t i = o[k];
        if (!r->r[i].ranked)
            continue;
        fputs("<tr><td class=\"l\">", f);
        dcs_report_escape(f, e[i].name);
        fprintf(f, "</td><td>%d</td>", r->r[i].rank);
        for (int c = 0; c < 2 * DCS_INDEX_N; c++) {
            int rk = sens[(size_t)c * n + i];
            fprintf(f, "<td class=\"%s\">%d</td>", rk == r->r[i].rank ? "" : "warn", rk);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

int dcs_report_procurement_html(FILE *f, dcs_report_lang_t lang, const char *cohort,
                                const dcs_index_entry_t *e, size_t n, const dcs_index_ranking_t *r,
                                const dcs_index_options_t *opt, const int *sens, const char *version)
{
    size_t *o = dcs_index_rank_order(r, n);
    if (!o)
        return DCS_ENOMEM;
    page_open(f, lang, cohort, "dcscore procurement ranking");
    fprintf(f, "<p class=\"sub\">%s</p>\n", T("dcscore procurement ranking"));
    method(f, lang, r, opt, version);
    ranked(f, lang, e, n, r, o);
    if (sens)
        sensitivity(f, lang, e, n, r, o, sens);
    fputs("<p>Score 0&ndash;100 (METRICS.md). P(rank): probability of holding the rank shown "
          "under measurement uncertainty and weight perturbation.</p>\n", f);
    page_close(f);
    free(o);
    return ferror(f) ? DCS_EIO : 0;
}

int dcs_report_ranking_csv(FILE *f, const dcs_index_entry_t *e, size_t n, const dcs_index_ranking_t *r,
                           int bom)
{
    size_t *o = dcs_index_rank_order(r, n);
    if (!o)
        return DCS_ENOMEM;
    if (bom) /* Excel reads the Chinese names right only with it */
        fputs("\xEF\xBB\xBF", f);
    fputs("rank,id,name,region,pue,cue_tflops_per_kw,eue_yuan_per_kwh,coverage,score_pue,score_cue,"
          "score_eue,composite,ci90_lo,ci90_hi,p_rank,p_first,key_indicator,key_points,note\r\n", f);
    for (size_t k = 0; k < n; k++) {
        const dcs_index_entry_t *x = &e[o[k]];
        const dcs_index_result_t *res = &r->r[o[k]];
        if (res->ranked)
            fprintf(f, "%d", res->rank);
        fputc(',', f);
        dcs_csv_str(f, x->id), fputc(',', f), dcs_csv_str(f, x->name), fputc(',', f);
        dcs_csv_str(f, x->region);
        fprintf(f, ",%.4f,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,", x->x[0], x->x[1], x->x[2], x->coverage,
                res->score[0], res->score[1], res->score[2]);
        if (res->ranked)
            fprintf(f, "%.2f,%.2f,%.2f,%.4f,%.4f,%s,%.2f,\r\n", res->composite, res->ci90_lo,
                    res->ci90_hi, res->p_rank ? res->p_rank[res->rank - 1] : 0.0, res->p_top,
                    dcs_index_name(res->key), res->key_points);
        else {
            fputs(",,,,,,,", f);
            dcs_csv_str(f, res->why_not);
            fputs("\r\n", f);
        }
    }
    free(o);
    return ferror(f) ? DCS_EIO : 0;
}
