/* cmd_rank.c: `dcscore rank [--system SYSTEM.yaml] COHORT.csv|COHORT.yaml`:
 * rank a cohort on an index system (--system, the cohort's system:, the
 * policy's index_system, or the shipped default) and show why: the system (id,
 * version, hash, weights), each entry's composite, rank confidence in words
 * and the gap to the entry above; --explain adds each leaf's raw figure, score,
 * weights and points. Table, JSON (dcscore.rank/2) or CSV (UTF-8 with BOM
 * unless --no-bom). Also the cohort reports (`report --procurement | --region`)
 * from the same ranking. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../index/dcs_index.h"
#include "../region/dcs_region.h"

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
    dcs_index_policy_t *pol;
    dcs_index_cohort_t *yc;  /* a YAML cohort, kept while its entries are ranked */
    int draws_given, seed_given;
    const char *store, *label, *region; /* --region-store: the period's accepted submissions */
    dcs_region_t *rs;
    dcs_region_cohort_t *rco;
} srank_t;

/* The cohort of --period's accepted submissions in the regional store (of
 * --region when given), every entry naming its bundle. */
static int load_store_cohort(srank_t *s)
{
    char err[700];
    if (!s->label)
        return fprintf(stderr, "dcscore: --region-store needs --period LABEL (e.g. 2026-11, 2026-Q4)\n"), DCS_EINVAL;
    if (dcs_region_open(s->store, &s->rs, err, sizeof err))
        return fprintf(stderr, "dcscore: %s\n", err), DCS_ENODATA;
    int rc = dcs_region_cohort(s->rs, s->label, s->region, &s->rco);
    if (rc)
        fprintf(stderr, "dcscore: %s: %s\n", s->store, dcs_region_errmsg(s->rs));
    return rc;
}

static int is_yaml(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/* A cohort YAML (docs/rank.md: inline entries, a CSV, sites scored from their
 * own stores) and its options; the options given on the command line win. */
static int load_yaml_cohort(srank_t *s, const char *cohort)
{
    int rc = dcs_index_cohort_load(cohort, s->pol, &s->yc);
    if (rc)
        return fprintf(stderr, "dcscore: %s\n", dcs_index_cohort_errmsg(s->yc)), rc;
    dcs_index_sopts_t o = s->o;
    dcs_index_cohort_sopts(s->yc, &s->o);
    if (!isnan(o.min_coverage))
        s->o.min_coverage = o.min_coverage;
    if (s->draws_given)
        s->o.draws = o.draws;
    if (s->seed_given)
        s->o.seed = o.seed;
    return 0;
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

#define FIGURES_MAX 4 /* a system with this many leaves or fewer shows them in the table */

/* The entry's leaf figures as columns (small systems only). */
static void print_figures(const srank_t *s, size_t i)
{
    for (size_t k = 0; s->r.nleaves <= FIGURES_MAX && k < s->r.nleaves; k++)
        if (isfinite(s->e[i].x[k]))
            printf(" %8.4g", s->e[i].x[k]);
        else
            printf(" %8s", "-");
}

static void print_ranking(const srank_t *s)
{
    printf("%4s  %-10s %-25s", "rank", "id", "name");
    for (size_t k = 0; s->r.nleaves <= FIGURES_MAX && k < s->r.nleaves; k++)
        printf(" %8.8s", leaf(s, k)->id);
    printf("%10s  %-17s %8s  %s\n", "composite", "90 % interval", "behind", "confidence");
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
            print_figures(s, i);
            printf("%10.2f  [%6.2f, %6.2f] %8s  %s\n", r->composite, r->ci90_lo, r->ci90_hi, behind, words);
        }
    for (size_t i = 0; i < s->n; i++)
        if (!s->r.r[i].ranked) {
            printf("   -  %-10s ", s->e[i].id), cli_print_col(s->e[i].name, 24);
            print_figures(s, i);
            printf("  not ranked: %s\n", s->r.r[i].why_not);
        }
    if (s->r.nleaves <= FIGURES_MAX) {
        printf("\nfigures:");
        for (size_t k = 0; k < s->r.nleaves; k++)
            printf("%s %s in %s", k ? ";" : "", leaf(s, k)->id, leaf(s, k)->unit);
        printf(". behind = composite points behind the entry ranked just above.\n");
    }
    for (size_t i = 0, first = 1; i < s->n; i++)
        if (s->e[i].source) {
            printf("%s  %-10s %s\n", first ? "\nsources (signed bundles):\n" : "", s->e[i].id, s->e[i].source);
            first = 0;
        }
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
        printf(", \"source\": ");
        dcs_json_str(stdout, s->e[i].source);
        printf(", \"ranked\": %s", r->ranked ? "true" : "false");
        if (!r->ranked) {
            printf(", \"why_not\": ");
            dcs_json_str(stdout, r->why_not);
            printf("}%s\n", i + 1 < s->n ? "," : "");
            continue;
        }
        char words[128];
        dcs_index_confidence_words(r, s->r.nranked, s->o.draws, words, sizeof words);
        printf(", \"rank\": %d, \"composite\": %.4f, \"ci90\": [", r->rank, r->composite);
        dcs_json_num(stdout, "%.4f", r->ci90_lo), fputs(", ", stdout), dcs_json_num(stdout, "%.4f", r->ci90_hi);
        fputs("], \"p_rank\": [", stdout);
        for (size_t k = 0; s->o.draws && k < s->r.nranked; k++)
            printf("%s%.4f", k ? ", " : "", r->p_rank[k]);
        fputs("], \"confidence\": ", stdout);
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
                   s->r.eval.score[row * L + k], s->r.eval.contribution[row * L + k]); /* ranked: finite */
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
    fprintf(out, ",source\r\n");
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
        fputc(',', out), dcs_csv_str(out, s->e[i].source);
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

/* Load the policy, the cohort and its system, and rank; prints the reason on
 * failure. system: --system, or NULL. */
static int srank_load(srank_t *s, const char *system, const char *cohort)
{
    char err[512];
    int yaml = !s->store && is_yaml(cohort), rc = (s->pol = cli_policy_load()) ? 0 : DCS_ECONFIG;
    if (!rc && s->store)
        rc = load_store_cohort(s);
    else if (!rc && yaml)
        rc = load_yaml_cohort(s, cohort);
    if (!rc && isnan(s->o.min_coverage)) /* neither the command line nor the cohort: the policy's */
        s->o.min_coverage = dcs_index_policy_limits(s->pol).min_coverage;
    if (!rc) {
        const char *named = system ? system : s->yc ? dcs_index_cohort_system(s->yc) : NULL;
        rc = cli_system_load(s->pol, named, &s->sys);
    }
    if (!rc && cli_verbosity >= 2)
        ahp_notes(s->sys, dcs_index_system_path(s->sys));
    if (!rc && (yaml || s->store)) {
        size_t n;
        const dcs_index_entry_t *e = s->store ? dcs_region_cohort_entries(s->rco, &n)
                                              : dcs_index_cohort_entries(s->yc, &n);
        rc = dcs_index_scohort_from_entries(e, n, s->sys, &s->co);
    } else if (!rc && (rc = dcs_index_scohort_load(cohort, s->sys, &s->co)))
        fprintf(stderr, "dcscore: %s\n", dcs_index_scohort_errmsg(s->co));
    if (!rc && !s->store && strcmp(dcs_index_scohort_encoding(s->co), "UTF-8") != 0)
        fprintf(stderr, "dcscore: %s: read as %s and converted to UTF-8\n", cohort,
                dcs_index_scohort_encoding(s->co));
    if (!rc) {
        s->o.progress = cli_progress;
        s->o.progress_ctx = "Monte-Carlo draws";
        s->e = dcs_index_scohort_entries(s->co, &s->n);
        if ((rc = dcs_index_srank(s->sys, s->e, s->n, &s->o, &s->r, err, sizeof err)))
            fprintf(stderr, "dcscore: %s: %s\n", cohort, err);
    }
    size_t nn = 0;
    if (s->sys)
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
    dcs_region_cohort_free(s->rco);
    dcs_region_close(s->rs);
    dcs_index_policy_free(s->pol);
    dcs_index_system_free(s->sys);
    return !rc ? CLI_OK : rc == DCS_ENOMEM || rc == DCS_EIO ? CLI_FAIL : rc == DCS_ENODATA ? CLI_DATA
                                                                                     : CLI_USAGE;
}

static const char *help =
    "usage: dcscore rank [--system SYSTEM.yaml] [--explain] [--json | --csv [--no-bom]]\n"
    "                    [--min-coverage X] [--draws N] [--seed S] COHORT.yaml|COHORT.csv\n"
    "       dcscore rank --region-store STORE --period LABEL [--region R] [OPTIONS]\n"
    "\n"
    "Rank a cohort of sites or cloud vendors on an index system: its indicators,\n"
    "anchors, weights (fixed, AHP, entropy, CRITIC, blends) and aggregation\n"
    "(weighted sum or TOPSIS); docs/index-system.md. The system is --system, else\n"
    "the cohort's system:, else the policy's index_system, else the shipped default\n"
    "(PUE, CUE and EUE under one AHP matrix). Rank confidence comes from a seeded\n"
    "Monte-Carlo over measurement uncertainty and weight perturbation: P(rank = k)\n"
    "in words and a 90 %% interval of each composite, and the gap to the entry\n"
    "ranked just above. An entry below the minimum coverage, missing a figure or\n"
    "with a figure outside the range a real one lies in is listed, not ranked,\n"
    "with the reason. Cohort formats: docs/rank.md (YAML; CSV with a column per\n"
    "leaf, GBK/GB18030 converted), or the period's accepted submissions in a\n"
    "regional store (re-scored from their signed bundles; each entry names its\n"
    "bundle's digest).\n"
    "\n"
    "  --system FILE      rank on that index system\n"
    "  --explain          each ranked entry's figures, scores, weights and points, and\n"
    "                     the rank changes with one weight 20 %% up or down\n"
    "  --json             JSON (schema dcscore.rank/2, docs/json.md)\n"
    "  --csv, --no-bom    CSV with a UTF-8 BOM (for Excel), or without\n"
    "  --min-coverage X   entries below X (0..1) are not ranked (default: the cohort\n"
    "                     YAML's min_coverage, else the policy's)\n"
    "  --draws N, --seed S  Monte-Carlo draws (0..100000; default: the cohort's, else\n"
    "                     2000) and seed (default: the cohort's, else 1)\n"
    "  --region-store STORE, --period LABEL, --region R\n"
    "                     the cohort of period LABEL (2026-11, 2026-Q4, ...) in the\n"
    "                     regional store (docs/region.md), of region R only when given\n";

static int rank_run(srank_t *s, const char *system, const char *cohort, int fmt, int explain, int bom)
{
    int rc = srank_load(s, system, cohort);
    if (!rc && fmt == 'j')
        print_json(s);
    else if (!rc && fmt == 'c')
        print_csv(stdout, s, bom);
    else if (!rc) {
        print_system(s);
        print_ranking(s);
        if (explain)
            print_explain(s);
    }
    return srank_done(s, rc);
}

int cmd_rank(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"csv", no_argument, 0, 'c'}, {"help", no_argument, 0, 'h'},
        {"system", required_argument, 0, 's'}, {"explain", no_argument, 0, 'x'},
        {"no-bom", no_argument, 0, 'B'}, {"min-coverage", required_argument, 0, 'm'},
        {"draws", required_argument, 0, 'd'}, {"seed", required_argument, 0, 'S'},
        {"region-store", required_argument, 0, 'R'}, {"period", required_argument, 0, 'P'},
        {"region", required_argument, 0, 'G'}, {0, 0, 0, 0}};
    int fmt = 0, ch, explain = 0, bom = 1;
    const char *system = NULL;
    srank_t s = {.o = {.min_coverage = NAN, .draws = 2000, .seed = 1, .weight_sd = 0.10}};
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'h': return fputs(help, stdout), CLI_OK;
        case 'j': case 'c': fmt = ch; break;
        case 's': system = optarg; break;
        case 'x': explain = 1; break;
        case 'B': bom = 0; break;
        case 'm': s.o.min_coverage = strtod(optarg, &end); break;
        case 'd': s.o.draws = (unsigned)strtoul(optarg, &end, 10), s.draws_given = 1; break;
        case 'S': s.o.seed = strtoul(optarg, &end, 10), s.seed_given = 1; break;
        case 'R': s.store = optarg; break;
        case 'P': s.label = optarg; break;
        case 'G': s.region = optarg; break;
        default: return fputs(help, stderr), CLI_USAGE;
        }
        if (end && (*end || end == optarg || s.o.draws > 100000 ||
                    !(isnan(s.o.min_coverage) || (s.o.min_coverage >= 0 && s.o.min_coverage <= 1))))
            return fprintf(stderr, "dcscore: bad value '%s' for --%s\n", optarg,
                           ch == 'm' ? "min-coverage (0..1)" : ch == 'd' ? "draws (0..100000)" : "seed"),
                   CLI_USAGE;
    }
    if (optind != argc - (s.store ? 0 : 1))
        return fputs(help, stderr), CLI_USAGE;
    s.path = s.store ? s.store : argv[optind];
    return rank_run(&s, system, s.path, fmt, explain, bom);
}

/* A region no entry of the cohort belongs to (a typo): the regions there are. */
static int region_known(const srank_t *s, const char *region)
{
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].region && strcmp(s->e[i].region, region) == 0)
            return 1;
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(s->e[j].region, s->e[i].region) == 0;
        if (!dup && used + strlen(s->e[i].region) + 3 < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", s->e[i].region);
    }
    fprintf(stderr, "dcscore: %s: no entry of region '%s' (the cohort's regions: %s)\n", s->path, region, list);
    return 0;
}

/* The cohort's reports: procurement (HTML and the ranking CSV) or regional
 * (HTML and the scheduling feed as JSON and CSV). */
static int write_reports(srank_t *s, const score_args_t *a, const char *out, const dcs_report_previous_t *prev)
{
    char csv[4200], json[4200];
    const char *slash = strrchr(s->path, '/'), *name = slash ? slash + 1 : s->path;
    cli_sibling(out, a->region ? ".schedule.csv" : ".csv", csv, sizeof csv);
    cli_sibling(out, ".schedule.json", json, sizeof json);
    FILE *h = fopen(out, "w"), *c = h ? fopen(csv, "w") : NULL, *j = c && a->region ? fopen(json, "w") : NULL;
    int rc = !h || !c || (a->region && !j) ? DCS_EIO : 0;
    if (rc)
        fprintf(stderr, "dcscore: %s: cannot write\n", !h ? out : !c ? csv : json);
    if (!rc && a->region)
        rc = dcs_report_region_html(h, a->lang, a->region, name, s->sys, s->pol, s->e, s->n, &s->r, prev);
    else if (!rc)
        rc = dcs_report_procurement_html(h, a->lang, s->sys, name, s->e, s->n, &s->r, &s->o, s->sens,
                                         SENS_DELTA, dcs_time_now_ns());
    if (!rc && a->region)
        rc = dcs_report_schedule_json(j, a->region, s->e, s->n) || dcs_report_schedule_csv(c, a->region, s->e, s->n)
                 ? DCS_EIO : 0;
    else if (!rc)
        print_csv(c, s, 1);
    FILE *all[3] = {h, c, j};
    for (int k = 0; k < 3; k++)
        if (all[k] && fclose(all[k]) && !rc)
            rc = DCS_EIO;
    return rc;
}

int cli_cohort_report(const score_args_t *a, const char *cohort)
{
    srank_t s = {.path = cohort ? cohort : a->region_store, .store = a->region_store, .label = a->period,
                 .o = {.min_coverage = NAN, .draws = 2000, .seed = 1, .weight_sd = 0.10}};
    char def[300];
    snprintf(def, sizeof def, "%s-report.html", a->region ? a->region : "procurement");
    const char *out = a->out ? a->out : def;
    int rc = srank_load(&s, a->system, s.path);
    if (!rc && a->region && !region_known(&s, a->region))
        rc = DCS_EINVAL;
    char label[32];
    dcs_region_cohort_t *pc = NULL; /* the previous period in the store, for the change */
    dcs_report_previous_t prev = {0};
    if (!rc && s.store && a->region && dcs_time_period_previous(s.label, label, sizeof label) == 0 &&
        dcs_region_cohort(s.rs, label, a->region, &pc) == 0)
        prev.label = label, prev.e = dcs_region_cohort_entries(pc, &prev.n);
    if (!rc)
        rc = write_reports(&s, a, out, &prev);
    dcs_region_cohort_free(pc);
    rc = srank_done(&s, rc);
    return rc ? rc : cli_report_done(out, a->pdf);
}
