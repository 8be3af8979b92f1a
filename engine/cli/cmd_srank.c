/* cmd_srank.c: `dcscore rank --system SYSTEM.yaml COHORT.csv`: rank a cohort on
 * an index system and show why: the system (id, version, hash, weights), each
 * entry's composite, rank confidence in words and the gap to the entry above;
 * --explain adds each leaf's raw figure, score, weights and points. Table,
 * JSON (dcscore.rank/2) or CSV (UTF-8 with BOM unless --no-bom). */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../index/dcs_index.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    dcs_index_system_t *sys;
    dcs_index_scohort_t *co;
    const dcs_index_sentry_t *e;
    size_t n;
    dcs_index_sranking_t r;
    dcs_index_sopts_t o;
    const char *path;
    int *sens;               /* dcs_index_ssensitivity at +-20 % */
    dcs_index_policy_t *pol; /* a YAML cohort (sites scored from their stores): */
    dcs_index_cohort_t *yc;  /* kept while its entries are ranked */
} srank_t;

static int is_yaml(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/* A cohort YAML (docs/rank.md: inline entries, a CSV, sites scored from their
 * own stores) read for the system: each leaf from the store-scored catalogue
 * values, or from PUE, CUE and EUE. */
static int load_yaml_cohort(srank_t *s, const char *cohort)
{
    if (!(s->pol = cli_policy_load()))
        return DCS_ECONFIG;
    int rc = dcs_index_cohort_load(cohort, s->pol, &s->yc);
    if (rc)
        return fprintf(stderr, "dcscore: %s\n", dcs_index_cohort_errmsg(s->yc)), rc;
    size_t n;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(s->yc, &n);
    if (isnan(s->o.min_coverage))
        s->o.min_coverage = dcs_index_cohort_options(s->yc)->min_coverage;
    return dcs_index_scohort_from_entries(e, n, s->sys, &s->co);
}

#define SENS_DELTA 0.20

/* The rank changes of entry i when one node's weight moves by 20 %, e.g.
 * "energy +20 %: 2; cue -20 %: 4", or "none". */
static void sens_text(const srank_t *s, size_t i, char *buf, size_t len)
{
    size_t nn, used = 0;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(s->sys, &nn);
    buf[0] = '\0';
    for (size_t j = 0; j < nn; j++)
        for (int k = 0; k < 2; k++) {
            int rk = s->sens[(2 * j + (size_t)k) * s->n + i];
            if (rk && rk != s->r.r[i].rank && used + 40 < len)
                used += (size_t)snprintf(buf + used, len - used, "%s%s %s%.0f %%: %d", used ? "; " : "",
                                         nodes[j].id, k ? "-" : "+", SENS_DELTA * 100, rk);
        }
    if (!used)
        snprintf(buf, len, "none");
}

static const dcs_index_node_t *leaf(const srank_t *s, size_t k)
{
    size_t n;
    const size_t *ln;
    dcs_index_system_leaves(s->sys, &ln);
    return &dcs_index_system_nodes(s->sys, &n)[ln[k]];
}

static const char *parent_id(const srank_t *s, const dcs_index_node_t *nd)
{
    size_t n;
    const dcs_index_node_t *all = dcs_index_system_nodes(s->sys, &n);
    return nd->parent < 0 ? "-" : all[nd->parent].id;
}

static void print_system(const srank_t *s)
{
    printf("index system %s %s (sha256 %.16s...), %s\n", dcs_index_system_id(s->sys),
           dcs_index_system_version(s->sys), dcs_index_system_hash(s->sys),
           dcs_index_system_aggregation(s->sys) == DCS_AGG_TOPSIS ? "TOPSIS" : "weighted sum");
    printf("cohort       %s (%s), %zu entries, %zu ranked; min coverage %.0f %%; %u draws, seed %lu\n\n",
           s->path, dcs_index_scohort_encoding(s->co), s->n, s->r.nranked, s->o.min_coverage * 100,
           s->o.draws, s->o.seed);
    printf("%-12s %-12s %-22s %-12s %7s %7s\n", "leaf", "group", "indicator", "unit", "local", "global");
    for (size_t k = 0; k < s->r.nleaves; k++) {
        const dcs_index_node_t *nd = leaf(s, k);
        printf("%-12s %-12s %-22s %-12s %7.4f %7.4f\n", nd->id, parent_id(s, nd), nd->indicator,
               nd->unit, nd->local_w, s->r.eval.global_w[k]);
    }
    putchar('\n');
}

static void print_ranking(const srank_t *s)
{
    printf("%4s  %-10s %-25s%9s  %-17s %8s  %s\n", "rank", "id", "name", "composite", "90 % interval",
           "behind", "confidence");
    for (int k = 1; k <= (int)s->r.nranked; k++)
        for (size_t i = 0; i < s->n; i++) {
            const dcs_index_sresult_t *r = &s->r.r[i];
            if (!r->ranked || r->rank != k)
                continue;
            char words[128], behind[16] = "-";
            dcs_index_confidence_words(r, s->r.nranked, s->o.draws, words, sizeof words);
            if (r->above >= 0)
                snprintf(behind, sizeof behind, "%.2f", r->gap_above);
            printf("%4d  %-10s ", r->rank, s->e[i].id);
            cli_print_col(s->e[i].name, 24);
            printf("%9.2f  [%6.2f, %6.2f] %8s  %s\n", r->composite, r->ci90_lo, r->ci90_hi, behind, words);
        }
    for (size_t i = 0; i < s->n; i++)
        if (!s->r.r[i].ranked)
            printf("   -  %-10s ", s->e[i].id), cli_print_col(s->e[i].name, 24),
                printf("not ranked: %s\n", s->r.r[i].why_not);
}

/* Per ranked entry: each leaf's figure, score, weight and points, and the
 * points it is behind the entry above, leaf by leaf. */
static void print_explain(const srank_t *s)
{
    size_t L = s->r.nleaves;
    for (size_t i = 0; i < s->n; i++) {
        const dcs_index_sresult_t *r = &s->r.r[i];
        if (!r->ranked)
            continue;
        size_t row = s->r.row[i], up = r->above >= 0 ? s->r.row[r->above] : (size_t)-1;
        printf("\n%s (%s): rank %d, composite %.2f = sum of points%s%s\n", s->e[i].id, s->e[i].name,
               r->rank, r->composite, r->above >= 0 ? "; behind " : "", r->above >= 0 ? s->e[r->above].id : "");
        printf("  %-12s %12s %-12s %7s %7s %7s %8s\n", "leaf", "figure", "unit", "score", "global", "points",
               up != (size_t)-1 ? "vs above" : "");
        for (size_t k = 0; k < L; k++) {
            const dcs_index_node_t *nd = leaf(s, k);
            double pts = s->r.eval.contribution[row * L + k];
            printf("  %-12s %12.4g %-12s %7.2f %7.4f %7.2f", nd->id, s->e[i].x[k], nd->unit,
                   s->r.eval.score[row * L + k], s->r.eval.global_w[k], pts);
            if (up != (size_t)-1)
                printf(" %+8.2f", pts - s->r.eval.contribution[up * L + k]);
            putchar('\n');
        }
        char sens[1024];
        sens_text(s, i, sens, sizeof sens);
        printf("  rank changes with one weight %.0f %% up or down: %s\n", SENS_DELTA * 100, sens);
    }
}

static void print_json(const srank_t *s)
{
    size_t L = s->r.nleaves, nn;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(s->sys, &nn);
    printf("{\n  \"schema\": \"dcscore.rank/2\",\n  \"dcscore_version\": \"%s\",\n  \"system\": {\"id\": ",
           DCS_VERSION);
    dcs_json_str(stdout, dcs_index_system_id(s->sys));
    printf(", \"version\": ");
    dcs_json_str(stdout, dcs_index_system_version(s->sys));
    printf(", \"sha256\": \"%s\", \"aggregation\": \"%s\", \"nodes\": [", dcs_index_system_hash(s->sys),
           dcs_index_system_aggregation(s->sys) == DCS_AGG_TOPSIS ? "topsis" : "weighted_sum");
    for (size_t j = 0; j < nn; j++) {
        printf("%s\n    {\"id\": ", j ? "," : "");
        dcs_json_str(stdout, nodes[j].id);
        printf(", \"parent\": ");
        dcs_json_str(stdout, nodes[j].parent < 0 ? NULL : nodes[nodes[j].parent].id);
        printf(", \"leaf\": %s, \"local_weight\": %.6f, \"global_weight\": %.6f", nodes[j].leaf ? "true" : "false",
               nodes[j].local_w, nodes[j].global_w);
        if (!nodes[j].leaf && nodes[j].ahp)
            printf(", \"ahp_cr\": %.4f", nodes[j].ahp_result.cr);
        printf("}");
    }
    printf("]},\n  \"min_coverage\": %g, \"draws\": %u, \"seed\": %lu,\n  \"entries\": [\n", s->o.min_coverage,
           s->o.draws, s->o.seed);
    for (size_t i = 0; i < s->n; i++) {
        const dcs_index_sresult_t *r = &s->r.r[i];
        printf("    {\"id\": ");
        dcs_json_str(stdout, s->e[i].id);
        printf(", \"name\": ");
        dcs_json_str(stdout, s->e[i].name);
        printf(", \"ranked\": %s", r->ranked ? "true" : "false");
        if (!r->ranked) {
            printf(", \"why_not\": ");
            dcs_json_str(stdout, r->why_not);
            printf("}%s\n", i + 1 < s->n ? "," : "");
            continue;
        }
        char words[128];
        dcs_index_confidence_words(r, s->r.nranked, s->o.draws, words, sizeof words);
        printf(", \"rank\": %d, \"composite\": %.4f, \"ci90\": [%.4f, %.4f], \"confidence\": ", r->rank,
               r->composite, r->ci90_lo, r->ci90_hi);
        dcs_json_str(stdout, words);
        printf(", \"above\": ");
        dcs_json_str(stdout, r->above >= 0 ? s->e[r->above].id : NULL);
        printf(", \"sensitivity\": {");
        for (size_t j = 0; j < nn; j++) {
            printf("%s", j ? ", " : "");
            dcs_json_str(stdout, nodes[j].id);
            printf(": [%d, %d]", s->sens[2 * j * s->n + i], s->sens[(2 * j + 1) * s->n + i]);
        }
        printf("}, \"leaves\": [");
        size_t row = s->r.row[i];
        for (size_t k = 0; k < L; k++) {
            printf("%s{\"id\": ", k ? ", " : "");
            dcs_json_str(stdout, leaf(s, k)->id);
            printf(", \"value\": %.6g, \"score\": %.4f, \"points\": %.4f}", s->e[i].x[k],
                   s->r.eval.score[row * L + k], s->r.eval.contribution[row * L + k]);
        }
        printf("]}%s\n", i + 1 < s->n ? "," : "");
    }
    printf("  ]\n}\n");
}

static void print_csv(FILE *out, const srank_t *s, int bom)
{
    size_t L = s->r.nleaves;
    if (bom)
        fputs("\xEF\xBB\xBF", out);
    fprintf(out, "rank,id,name,region,composite,ci90_lo,ci90_hi,confidence,not_ranked");
    for (size_t k = 0; k < L; k++)
        fprintf(out, ",%s (%s),%s score,%s points", leaf(s, k)->id, leaf(s, k)->unit, leaf(s, k)->id, leaf(s, k)->id);
    fprintf(out, "\r\n");
    for (size_t i = 0; i < s->n; i++) {
        const dcs_index_sresult_t *r = &s->r.r[i];
        char words[128] = "";
        if (r->ranked)
            fprintf(out, "%d,", r->rank), dcs_index_confidence_words(r, s->r.nranked, s->o.draws, words, sizeof words);
        else
            fputc(',', out);
        dcs_csv_str(out, s->e[i].id), fputc(',', out), dcs_csv_str(out, s->e[i].name), fputc(',', out);
        dcs_csv_str(out, s->e[i].region);
        if (r->ranked)
            fprintf(out, ",%.4f,%.4f,%.4f,", r->composite, r->ci90_lo, r->ci90_hi);
        else
            fprintf(out, ",,,,");
        dcs_csv_str(out, words), fputc(',', out), dcs_csv_str(out, r->ranked ? "" : r->why_not);
        for (size_t k = 0; k < L; k++) {
            size_t row = s->r.row[i];
            fprintf(out, isfinite(s->e[i].x[k]) ? ",%.6g" : ",", s->e[i].x[k]);
            if (r->ranked)
                fprintf(out, ",%.4f,%.4f", s->r.eval.score[row * L + k], s->r.eval.contribution[row * L + k]);
            else
                fprintf(out, ",,");
        }
        fprintf(out, "\r\n");
    }
}

/* A note for each AHP matrix whose pairs are reciprocal only to the printed
 * precision: the least reciprocal pair, and that the exact one was used. */
static void ahp_notes(const dcs_index_system_t *sys, const char *path)
{
    size_t nn;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(sys, &nn);
    for (int p = -1; p < (int)nn; p++) {
        const dcs_index_node_t *g = p < 0 ? dcs_index_system_root(sys) : &nodes[p];
        for (size_t e = 0; g->ahp && e < g->nexperts; e++) {
            const dcs_index_ahp_result_t *r = g->nexperts > 1 ? &g->expert_result[e] : &g->ahp_result;
            if (r->worst_dev > 1e-9) {
                char who[160];
                snprintf(who, sizeof who, g->nexperts > 1 ? "%s, expert %zu" : "%s", g->id, e + 1);
                fprintf(stderr, "dcscore: note: %s: %s: AHP entries (%zu,%zu) and (%zu,%zu) are "
                        "reciprocal to the printed precision only (|a_ij a_ji - 1| = %.2g); the exact "
                        "reciprocal of the larger was used\n", path, who, r->worst_i + 1, r->worst_j + 1,
                        r->worst_j + 1, r->worst_i + 1, r->worst_dev);
            }
        }
    }
}

/* Load the system and the cohort and rank; prints the reason on failure. */
static int srank_load(srank_t *s, const char *system, const char *cohort)
{
    char err[512];
    int rc = dcs_index_system_load(system, &s->sys);
    if (rc)
        fprintf(stderr, "dcscore: %s\n", dcs_index_system_errmsg(s->sys));
    if (!rc && cli_verbosity >= 2)
        ahp_notes(s->sys, system);
    int yaml = is_yaml(cohort);
    if (!rc && yaml)
        rc = load_yaml_cohort(s, cohort);
    if (!rc && !yaml && isnan(s->o.min_coverage)) { /* a CSV cohort: the policy's threshold */
        dcs_index_policy_t *p = cli_policy_load();
        s->o.min_coverage = p ? dcs_index_policy_limits(p).min_coverage : NAN;
        rc = p ? 0 : DCS_ECONFIG;
        dcs_index_policy_free(p);
    }
    if (!rc && !yaml && (rc = dcs_index_scohort_load(cohort, s->sys, &s->co)))
        fprintf(stderr, "dcscore: %s\n", dcs_index_scohort_errmsg(s->co));
    if (!rc && strcmp(dcs_index_scohort_encoding(s->co), "UTF-8") != 0)
        fprintf(stderr, "dcscore: %s: read as %s and converted to UTF-8\n", cohort,
                dcs_index_scohort_encoding(s->co));
    if (!rc) {
        s->e = dcs_index_scohort_entries(s->co, &s->n);
        if ((rc = dcs_index_srank(s->sys, s->e, s->n, &s->o, &s->r, err, sizeof err)))
            fprintf(stderr, "dcscore: %s: %s\n", cohort, err);
    }
    size_t nn;
    dcs_index_system_nodes(s->sys, &nn);
    if (!rc && !(s->sens = calloc(2 * nn * (s->n ? s->n : 1), sizeof *s->sens)))
        rc = DCS_ENOMEM;
    if (!rc && (rc = dcs_index_ssensitivity(s->sys, s->e, s->n, &s->r, SENS_DELTA, s->sens)))
        fprintf(stderr, "dcscore: %s: sensitivity: a figure is negative or not a number\n", cohort);
    return rc;
}

static int srank_done(srank_t *s, int rc)
{
    free(s->sens);
    dcs_index_sranking_free(&s->r);
    dcs_index_scohort_free(s->co);
    dcs_index_cohort_free(s->yc);
    dcs_index_policy_free(s->pol);
    dcs_index_system_free(s->sys);
    return !rc ? CLI_OK : rc == DCS_ENOMEM || rc == DCS_EIO ? CLI_FAIL : rc == DCS_ENODATA ? CLI_DATA
                                                                                     : CLI_USAGE;
}

int cmd_srank(const char *system, const char *cohort, int fmt, int explain, int bom, const dcs_index_sopts_t *o)
{
    srank_t s = {.path = cohort, .o = *o};
    int rc = srank_load(&s, system, cohort);
    if (!rc && fmt == 'j')
        print_json(&s);
    else if (!rc && fmt == 'c')
        print_csv(stdout, &s, bom);
    else if (!rc) {
        print_system(&s);
        print_ranking(&s);
        if (explain)
            print_explain(&s);
    }
    return srank_done(&s, rc);
}

int cli_system_report(const score_args_t *a, const char *system, const char *cohort,
                      const dcs_index_sopts_t *o)
{
    srank_t s = {.path = cohort, .o = *o};
    char def[300], csv[4200];
    snprintf(def, sizeof def, "%s-report.html", a->region ? a->region : "procurement");
    const char *out = a->out ? a->out : def;
    snprintf(csv, sizeof csv, "%.*s.csv", (int)(strlen(out) > 5 && !strcmp(out + strlen(out) - 5, ".html")
                                                ? strlen(out) - 5 : strlen(out)), out);
    int rc = srank_load(&s, system, cohort);
    FILE *h = rc ? NULL : fopen(out, "w"), *c = h ? fopen(csv, "w") : NULL;
    if (!rc && (!h || !c)) {
        fprintf(stderr, "dcscore: %s: cannot write\n", !h ? out : csv);
        rc = DCS_EIO;
    }
    const char *slash = strrchr(cohort, '/');
    if (!rc && a->region)
        rc = dcs_report_system_region_html(h, a->lang, a->region, s.sys, slash ? slash + 1 : cohort, s.e,
                                           s.n, &s.r);
    else if (!rc)
        rc = dcs_report_system_procurement_html(h, a->lang, s.sys, slash ? slash + 1 : cohort, s.e, s.n,
                                                &s.r, &s.o, s.sens, SENS_DELTA, dcs_time_now_ns());
    if (!rc)
        print_csv(c, &s, 1);
    if (h && fclose(h) && !rc)
        rc = DCS_EIO;
    if (c && fclose(c) && !rc)
        rc = DCS_EIO;
    rc = srank_done(&s, rc);
    return rc ? rc : cli_report_done(out, a->pdf);
}
