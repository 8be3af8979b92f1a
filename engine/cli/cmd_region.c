/* cmd_region.c: `dcscore region ingest|list|show`: the pilot office's side of
 * submissions, over a regional store (SQLite file, or PostgreSQL). */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../region/dcs_region.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *region_help =
    "usage: dcscore region ingest --region-store STORE --keyring KEYRING.yaml\n"
    "                             [--archive DIR] [--system SYSTEM.yaml] BUNDLE...\n"
    "       dcscore region list --region-store STORE [--operator ID] [--site ID]\n"
    "                           [--period LABEL] [--region R]\n"
    "       dcscore region show --region-store STORE SUBMISSION_ID\n"
    "\n"
    "ingest: check each bundle (canonical bytes, the operator's key in the keyring\n"
    "valid today, the signed manifest's digests, the format version), re-score it\n"
    "from its own PT15M rollups with this dcscore's formula and policy and the index\n"
    "system, require the claimed figures to agree (1e-9 relative) when the versions\n"
    "are the bundle's, refuse a replayed or older submission number and a period\n"
    "overlapping an accepted one (unless the bundle is a correction: the older one is\n"
    "kept, superseded), and store it with its figures and findings; the bundle is\n"
    "archived unchanged. A refused bundle gets one line and nothing is stored. One\n"
    "below the coverage threshold is kept, not rankable. Exit status 2 when any was\n"
    "refused or is not rankable.\n"
    "list: the submissions, oldest first; show: one with every figure.\n"
    "\n"
    "  --region-store STORE  a SQLite file (created if new), or postgresql://... /\n"
    "                        pg:CONNINFO for a PostgreSQL server (docs/region.md)\n"
    "  --keyring FILE        operator id -> public keys with validity (docs/submit.md)\n"
    "  --archive DIR         where accepted bundles go (default STORE.archive for\n"
    "                        SQLite; required for PostgreSQL)\n"
    "  --system FILE         the index system (default: the policy's, else the shipped one)\n";

typedef struct {
    const char *store, *keyring, *archive, *system, *op, *site, *period, *region;
} region_args_t;

static int parse(int argc, char **argv, region_args_t *a)
{
    static const struct option opts[] = {
        {"region-store", required_argument, 0, 's'}, {"keyring", required_argument, 0, 'k'},
        {"archive", required_argument, 0, 'a'}, {"system", required_argument, 0, 'S'},
        {"operator", required_argument, 0, 'O'}, {"site", required_argument, 0, 'i'},
        {"period", required_argument, 0, 'p'}, {"region", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char **to = c == 's' ? &a->store : c == 'k' ? &a->keyring : c == 'a' ? &a->archive
                        : c == 'S' ? &a->system : c == 'O' ? &a->op : c == 'i' ? &a->site
                        : c == 'p' ? &a->period : c == 'r' ? &a->region : NULL;
        if (c == 'h')
            return fputs(region_help, stdout), -1;
        if (!to)
            return fputs(region_help, stderr), CLI_USAGE;
        *to = optarg;
    }
    if (!a->store)
        return fprintf(stderr, "dcscore: region: give --region-store\n"), CLI_USAGE;
    return CLI_OK;
}

static int ingest(const region_args_t *a, dcs_region_t *r, int n, char **bundles)
{
    char err[700], arch[4300];
    dcs_submit_keyring_t *kr = NULL;
    dcs_index_policy_t *pol = NULL;
    dcs_index_system_t *s = NULL;
    int rc = CLI_OK;
    if (!a->keyring || n < 1)
        return fputs(region_help, stderr), CLI_USAGE;
    if (!a->archive && dcs_region_is_server(a->store))
        return fprintf(stderr, "dcscore: region ingest: give --archive DIR for a PostgreSQL store\n"), CLI_USAGE;
    snprintf(arch, sizeof arch, "%s", a->archive ? a->archive : "");
    if (!a->archive)
        snprintf(arch, sizeof arch, "%s.archive", a->store);
    if (dcs_submit_keyring_load(a->keyring, &kr, err, sizeof err))
        rc = (fprintf(stderr, "dcscore: %s\n", err), CLI_USAGE);
    if (!rc && !(pol = cli_policy_load()))
        rc = CLI_USAGE;
    if (!rc)
        rc = cli_system_load(pol, a->system, &s);
    const char *tmp = getenv("TMPDIR");
    dcs_region_ingest_opts_t o = {.keyring = kr, .pol = pol, .sys = s, .archive_dir = arch,
                                  .tmpdir = tmp && *tmp ? tmp : "/tmp", .now_ns = dcs_time_now_ns()};
    int bad = 0;
    for (int i = 0; !rc && i < n; i++) {
        dcs_region_ingest_t res;
        int k = dcs_region_ingest(r, bundles[i], &o, &res);
        if (k == DCS_EINVAL) {
            fprintf(stderr, "dcscore: refused %s\n", res.why);
            bad = 1;
        } else if (k) {
            fprintf(stderr, "dcscore: %s: %s\n", bundles[i], res.why);
            rc = CLI_FAIL;
        } else {
            char comp[32] = "none";
            if (!isnan(res.composite))
                snprintf(comp, sizeof comp, "%.2f", res.composite);
            printf("accepted %s: submission #%lld, site %s, period %s, number %llu of %s, coverage %.1f %%, "
                   "composite %s%s%s\n", bundles[i], res.id, res.site_id, res.label,
                   (unsigned long long)res.number, res.operator_id, res.coverage * 100, comp,
                   res.superseded ? " (supersedes an accepted one)" : "", res.rankable ? "" : "; NOT rankable");
            if (res.why[0])
                printf("  %s\n", res.why);
            bad |= !res.rankable;
        }
    }
    if (!rc && bad)
        rc = CLI_DATA;
    dcs_index_system_free(s);
    dcs_index_policy_free(pol);
    dcs_submit_keyring_free(kr);
    return rc;
}

static int list_row(void *ctx, const dcs_region_sub_t *s)
{
    int *n = ctx;
    if ((*n)++ == 0)
        printf("%-5s %-14s %-16s %-10s %-22s %6s %-10s %9s %9s  %s\n", "id", "operator", "site", "region",
               "period", "number", "status", "coverage", "composite", "digest");
    char cov[16], comp[16];
    snprintf(cov, sizeof cov, isnan(s->coverage) ? "-" : "%.1f %%", s->coverage * 100);
    snprintf(comp, sizeof comp, isnan(s->composite) ? "-" : "%.2f", s->composite);
    printf("%-5lld %-14s %-16s %-10s %-22s %6llu %-10s %9s %9s  %.16s%s\n", s->id, s->operator_id, s->site_id,
           s->region, s->label, (unsigned long long)s->number, s->status, cov, comp, s->digest,
           s->rankable ? "" : "  not rankable");
    return 0;
}

static int show_row(void *ctx, const dcs_region_sub_t *s)
{
    long long *want = ctx;
    if (s->id != *want)
        return 0;
    *want = -1;
    printf("submission #%lld: %s (operator %s), site %s %s, region %s\n", s->id, s->status, s->operator_id,
           s->site_id, s->site_name, s->region);
    printf("period     %s: %s .. %s (UTC)\nnumber     %llu%s\n", s->label, s->from_utc, s->to_utc,
           (unsigned long long)s->number, s->correction ? " (a correction)" : "");
    if (s->superseded_by)
        printf("superseded by submission #%lld\n", s->superseded_by);
    printf("created    %s, ingested %s\nbundle     sha256 %s\narchive    %s\n", s->created_utc, s->ingested_utc,
           s->digest, s->archive);
    printf("scored     %s, index system %s %s; versions %s\n", s->formula_version, s->system_id, s->system_version,
           s->versions_match ? "as the bundle's (claimed figures checked to 1e-9)" : "differ from the bundle's");
    if (s->differences[0])
        printf("           %s\n", s->differences);
    printf("rankable   %s%s\ncoverage   %.1f %%\ncomposite  ", s->rankable ? "yes" : "no: ", s->why_not,
           s->coverage * 100);
    printf(isnan(s->composite) ? "none\n" : "%.2f / 100\n", s->composite);
    return 1;
}

static int show(dcs_region_t *r, const char *arg)
{
    char *end;
    long long id = strtoll(arg, &end, 10), want = id;
    if (*end || id < 1)
        return fprintf(stderr, "dcscore: region show takes a submission id (see region list)\n"), CLI_USAGE;
    if (dcs_region_list(r, NULL, NULL, NULL, NULL, show_row, &want))
        return fprintf(stderr, "dcscore: %s\n", dcs_region_errmsg(r)), CLI_DATA;
    if (want != -1)
        return fprintf(stderr, "dcscore: no submission #%lld\n", id), CLI_DATA;
    double cat[DCS_INDEX_CAT_MAX], claimed[DCS_INDEX_CAT_MAX];
    if (dcs_region_values(r, id, cat, claimed) == 0) {
        size_t nc;
        const dcs_index_indicator_t *c = dcs_index_catalogue(&nc);
        printf("\n%-22s %16s %16s  %s\n", "indicator", "region", "claimed", "unit");
        for (size_t k = 0; k < nc; k++)
            if (!isnan(cat[k]) || !isnan(claimed[k])) {
                char a[32] = "-", b[32] = "-";
                if (!isnan(cat[k]))
                    snprintf(a, sizeof a, "%.6g", cat[k]);
                if (!isnan(claimed[k]))
                    snprintf(b, sizeof b, "%.6g", claimed[k]);
                printf("%-22s %16s %16s  %s\n", c[k].id, a, b, c[k].unit);
            }
    }
    return CLI_OK;
}

int cmd_region(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return fputs(region_help, argc < 2 ? stderr : stdout), argc < 2 ? CLI_USAGE : CLI_OK;
    const char *sub = argv[1];
    if (strcmp(sub, "ingest") && strcmp(sub, "list") && strcmp(sub, "show"))
        return fprintf(stderr, "dcscore: region: unknown subcommand '%s' (ingest, list, show)\n", sub), CLI_USAGE;
    region_args_t a = {0};
    int rc = parse(argc - 1, argv + 1, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if ((strcmp(sub, "show") == 0 && rest != 1) || (strcmp(sub, "list") == 0 && rest != 0))
        return fputs(region_help, stderr), CLI_USAGE;
    dcs_region_t *r = NULL;
    char err[700];
    if (dcs_region_open(a.store, &r, err, sizeof err)) {
        fprintf(stderr, "dcscore: %s\n", err);
        dcs_region_close(r);
        return CLI_DATA;
    }
    int n = 0;
    if (strcmp(sub, "ingest") == 0)
        rc = ingest(&a, r, rest, args);
    else if (strcmp(sub, "show") == 0)
        rc = show(r, args[0]);
    else if (dcs_region_list(r, a.op, a.site, a.period, a.region, list_row, &n))
        rc = (fprintf(stderr, "dcscore: %s\n", dcs_region_errmsg(r)), CLI_DATA);
    else if (!n)
        printf("no submissions match\n");
    dcs_region_close(r);
    return rc;
}
