/* cmd_rank.c: `dcscore rank`: rank a cohort (sites or vendors) on the composite
 * index with Monte-Carlo rank confidence; table, JSON or CSV. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../index/dcs_index.h"
#include "../../reports/dcs_report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: dcscore rank [--json | --csv] COHORT.yaml\n"
    "       dcscore rank --csv [--no-bom] COHORT.yaml\n"
    "       dcscore rank --system SYSTEM.yaml [--explain] [--json | --csv [--no-bom]]\n"
    "                    [--min-coverage X] [--draws N] [--seed S] COHORT.csv|COHORT.yaml\n"
    "\n"
    "Rank a cohort of sites or cloud vendors on the composite of PUE, CUE and EUE.\n"
    "Weights: AHP (pairwise matrix; CR >= 0.10 is rejected), entropy (from the\n"
    "cohort's own spread), fixed, or TOPSIS closeness. Rank confidence comes from a\n"
    "seeded Monte-Carlo over measurement uncertainty and weight perturbation:\n"
    "P(rank = k) per entry and a 90 %% interval of its score. Entries below the\n"
    "cohort's min_coverage are listed, not ranked. Cohort format: docs/rank.md.\n"
    "\n"
    "  --json   JSON (schema dcscore.rank/1) with the full P(rank = k) table\n"
    "  --csv    CSV for spreadsheets, one row per entry, with a UTF-8 BOM (--no-bom:\n"
    "           without)\n"
    "\n"
    "With --system, the cohort CSV has a column per leaf of that index system\n"
    "(docs/index-system.md) and is ranked on it: the system's weights, each entry's\n"
    "composite, confidence in words and gap to the entry above; an entry missing a\n"
    "figure is listed, not ranked. GBK/GB18030 input is converted.\n"
    "  --explain          each ranked entry's figures, scores, weights and points\n"
    "  --json             JSON (schema dcscore.rank/2)\n"
    "  --csv, --no-bom    CSV with a UTF-8 BOM (for Excel), or without\n"
    "  --min-coverage X   entries below X (0..1) are not ranked (default: a cohort\n"
    "                     YAML's min_coverage, else the policy's)\n"
    "  --draws N, --seed S  Monte-Carlo draws (default 2000) and seed (default 1)\n";

static void print_method(const dcs_index_cohort_t *c, const dcs_index_ranking_t *r)
{
    const dcs_index_options_t *o = dcs_index_cohort_options(c);
    printf("cohort   %s\nmethod   %s, weights PUE %.3f / CUE %.3f / EUE %.3f", dcs_index_cohort_name(c),
           dcs_index_method_name(o->method), r->w[0], r->w[1], r->w[2]);
    if (o->method == DCS_INDEX_AHP || o->method == DCS_INDEX_TOPSIS)
        printf(" (AHP, lambda_max %.4f, CR %.3f)", r->lambda_max, r->cr);
    if (o->method == DCS_INDEX_ENTROPY)
        printf(" (entropy of the cohort's scores)");
    printf("\nconfidence %u Monte-Carlo draws, seed %lu, weight sd %.0f %%; min coverage %.0f %%\n\n",
           o->draws, o->seed, o->weight_sd * 100, o->min_coverage * 100);
}

static void print_table(const dcs_index_cohort_t *c, const dcs_index_ranking_t *r)
{
    size_t n;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
    size_t *o = dcs_index_rank_order(r, n);
    print_method(c, r);
    printf("%-4s %-10s %-26s %-8s %6s %7s %6s %6s %15s %9s %9s  %s\n", "rank", "id", "name",
           "region", "PUE", "CUE", "EUE", "score", "90% interval", "P(rank)", "P(first)",
           "moved most by");
    for (size_t k = 0; o && k < n; k++) {
        const dcs_index_entry_t *x = &e[o[k]];
        const dcs_index_result_t *res = &r->r[o[k]];
        if (!res->ranked) {
            printf("%-4s %-10s ", "-", x->id);
            cli_print_col(x->name, 26);
            printf("%-8s %6.3f %7.2f %6.2f  not ranked: %s (coverage %.0f %%)\n", x->region,
                   x->x[0], x->x[1], x->x[2], res->why_not, x->coverage * 100);
            continue;
        }
        printf("%-4d %-10s ", res->rank, x->id);
        cli_print_col(x->name, 26);
        printf("%-8s %6.3f %7.2f %6.2f %6.1f  [%5.1f, %5.1f] %9.2f %9.2f  %s %+.1f pts\n",
               x->region, x->x[0], x->x[1], x->x[2], res->composite,
               res->ci90_lo, res->ci90_hi, res->p_rank ? res->p_rank[res->rank - 1] : NAN,
               res->p_top, dcs_index_name(res->key), res->key_points);
    }
    printf("\nPUE is a ratio (lower is better); CUE in TFLOPS (FP32-equivalent) per kW of IT;\n"
           "EUE in yuan per kWh. score = composite 0..100; P(rank) = probability of holding the\n"
           "rank shown; 'moved most by' = weighted score gap to the cohort mean.\n");
    free(o);
}

static void print_json(const dcs_index_cohort_t *c, const dcs_index_ranking_t *r)
{
    size_t n;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
    const dcs_index_options_t *o = dcs_index_cohort_options(c);
    printf("{\n  \"schema\": \"dcscore.rank/1\",\n  \"dcscore_version\": \"%s\",\n"
           "  \"method\": \"%s\", \"weights\": {\"pue\": %.6f, \"cue\": %.6f, \"eue\": %.6f},\n"
           "  \"draws\": %u, \"seed\": %lu, \"weight_sd\": %g, \"min_coverage\": %g,\n  \"entries\": [\n",
           DCS_VERSION, dcs_index_method_name(o->method), r->w[0], r->w[1], r->w[2], o->draws,
           o->seed, o->weight_sd, o->min_coverage);
    for (size_t i = 0; i < n; i++) {
        const dcs_index_result_t *res = &r->r[i];
        fputs("    {\"id\": ", stdout);
        dcs_json_str(stdout, e[i].id);
        printf(", \"ranked\": %s", res->ranked ? "true" : "false");
        if (res->ranked) {
            printf(", \"rank\": %d, \"composite\": %.4f, \"scores\": {\"pue\": %.4f, \"cue\": %.4f, "
                   "\"eue\": %.4f}, \"ci90\": [%.4f, %.4f], \"key\": \"%s\", \"key_points\": %.4f, "
                   "\"p_rank\": [", res->rank, res->composite, res->score[0], res->score[1],
                   res->score[2], res->ci90_lo, res->ci90_hi, dcs_index_name(res->key), res->key_points);
            for (size_t k = 0; k < r->nranked; k++)
                printf("%s%.4f", k ? ", " : "", res->p_rank && o->draws ? res->p_rank[k] : 0.0);
            printf("]");
        } else {
            fputs(", \"why_not\": ", stdout);
            dcs_json_str(stdout, res->why_not);
        }
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf("  ]\n}\n");
}

int cmd_rank(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"csv", no_argument, 0, 'c'}, {"help", no_argument, 0, 'h'},
        {"system", required_argument, 0, 's'}, {"explain", no_argument, 0, 'x'},
        {"no-bom", no_argument, 0, 'B'}, {"min-coverage", required_argument, 0, 'm'},
        {"draws", required_argument, 0, 'd'}, {"seed", required_argument, 0, 'S'}, {0, 0, 0, 0}};
    int fmt = 0, ch, explain = 0, bom = 1;
    const char *system = NULL;
    dcs_index_sopts_t so = {.min_coverage = NAN, .draws = 2000, .seed = 1, .weight_sd = 0.10};
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'h': return fputs(help, stdout), CLI_OK;
        case 'j': case 'c': fmt = ch; break;
        case 's': system = optarg; break;
        case 'x': explain = 1; break;
        case 'B': bom = 0; break;
        case 'm': so.min_coverage = strtod(optarg, &end); break;
        case 'd': so.draws = (unsigned)strtoul(optarg, &end, 10); break;
        case 'S': so.seed = strtoul(optarg, &end, 10); break;
        default: return fputs(help, stderr), CLI_USAGE;
        }
        if (end && (*end || end == optarg || so.draws > 100000 || !(isnan(so.min_coverage) ||
                                                                   (so.min_coverage >= 0 && so.min_coverage <= 1))))
            return fprintf(stderr, "dcscore: bad value '%s' for --%s\n", optarg,
                           ch == 'm' ? "min-coverage (0..1)" : ch == 'd' ? "draws (0..100000)" : "seed"),
                   CLI_USAGE;
    }
    if (optind != argc - 1)
        return fputs(help, stderr), CLI_USAGE;
    if (system) /* min coverage NaN: the YAML cohort's, or the policy's */
        return cmd_srank(system, argv[optind], fmt, explain, bom, &so);
    dcs_index_policy_t *pol = cli_policy_load();
    dcs_index_cohort_t *c = NULL;
    int rc = pol ? dcs_index_cohort_load(argv[optind], pol, &c) : DCS_ECONFIG;
    if (pol && rc)
        fprintf(stderr, "dcscore: %s\n", dcs_index_cohort_errmsg(c));
    size_t n = 0;
    dcs_index_ranking_t r = {0};
    char err[512];
    if (!rc) {
        const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
        dcs_index_options_t opt = *dcs_index_cohort_options(c);
        opt.progress = cli_progress;
        opt.progress_ctx = "Monte-Carlo draws";
        rc = dcs_index_rank(e, n, pol, &opt, &r, err, sizeof err);
        if (rc)
            fprintf(stderr, "dcscore: %s: %s\n", argv[optind], err);
        else if (fmt == 'j')
            print_json(c, &r);
        else if (fmt == 'c')
            dcs_report_ranking_csv(stdout, e, n, &r, bom);
        else
            print_table(c, &r);
    }
    dcs_index_ranking_free(&r, n);
    dcs_index_cohort_free(c);
    dcs_index_policy_free(pol);
    return !rc ? CLI_OK : rc == DCS_ENOMEM ? CLI_FAIL : rc == DCS_ENODATA ? CLI_DATA : CLI_USAGE;
}
