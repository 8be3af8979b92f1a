/* region_system.c: the pilot office's regional report on an index system:
 * every site of the region with its rank in the cohort, its composite and its
 * figure and score for every leaf of the system (units in the header), and the
 * sites that could not be ranked with the reason. */
#include "report_int.h"
#include "../engine/base/dcs_base.h"

#include <math.h>
#include <string.h>

static void leaf_header(FILE *f, dcs_report_lang_t lang, const dcs_index_system_t *sys)
{
    size_t nn;
    const size_t *ln;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(sys, &nn);
    size_t L = dcs_index_system_leaves(sys, &ln);
    fprintf(f, "<table><tr><th class=\"l\">%s</th><th class=\"l\">%s</th><th>%s</th>", T("Rank"), T("Name"),
            T("Composite"));
    for (size_t k = 0; k < L; k++) {
        const dcs_index_node_t *nd = &nodes[ln[k]];
        fputs("<th>", f);
        dcs_report_escape(f, lang == DCS_REPORT_ZH && nd->name_zh ? nd->name_zh : nd->name_en);
        fputs("<br>", f), dcs_report_escape(f, nd->unit), fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

int dcs_report_system_region_html(FILE *f, dcs_report_lang_t lang, const char *region,
                                  const dcs_index_system_t *sys, const char *cohort,
                                  const dcs_index_sentry_t *e, size_t n, const dcs_index_sranking_t *r)
{
    size_t L = r->nleaves, shown = 0;
    page_open(f, lang, T(region), "dcscore regional pilot report");
    fprintf(f, "<p class=\"sub\">%s &mdash; ", T("dcscore regional pilot report"));
    dcs_report_escape(f, cohort);
    fprintf(f, "</p>\n<p>%s: <b>", T("Index system"));
    dcs_report_escape(f, dcs_index_system_id(sys));
    fputs("</b> ", f), dcs_report_escape(f, dcs_index_system_version(sys));
    fprintf(f, " (SHA-256 %.16s&hellip;). %s.</p>\n", dcs_index_system_hash(sys),
            T("Rank in the whole cohort; each cell: the submitted figure and its score"));
    leaf_header(f, lang, sys);
    for (int k = 1; k <= (int)r->nranked; k++) /* in rank order; the others after the table */
        for (size_t i = 0; i < n; i++) {
            const dcs_index_sresult_t *x = &r->r[i];
            if (strcmp(e[i].region, region) != 0 || !x->ranked || x->rank != k)
                continue;
            size_t row = r->row[i];
            fprintf(f, "<tr><td class=\"l\">%d</td><td class=\"l\">", x->rank);
            dcs_report_escape(f, e[i].name);
            fputs("</td><td><b>", f), num(f, x->composite, 2), fputs("</b></td>", f);
            for (size_t l = 0; l < L; l++) {
                fputs("<td>", f), num(f, e[i].x[l], 3), fputs(" (", f);
                num(f, r->eval.score[row * L + l], 0), fputs(")</td>", f);
            }
            fputs("</tr>\n", f);
            shown++;
        }
    fputs("</table>\n", f);
    for (size_t i = 0; i < n; i++)
        if (!r->r[i].ranked && strcmp(e[i].region, region) == 0) {
            fprintf(f, "<p class=\"warn\">%s: ", T("Not ranked"));
            dcs_report_escape(f, e[i].name), fputs(" &mdash; ", f), dcs_report_escape(f, r->r[i].why_not);
            fputs("</p>\n", f);
            shown++;
        }
    if (!shown)
        fprintf(f, "<p class=\"warn\">%s</p>\n", T("No site of this region in the cohort"));
    page_close(f);
    return ferror(f) ? DCS_EIO : 0;
}
