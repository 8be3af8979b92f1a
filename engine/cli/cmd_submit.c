/* cmd_submit.c: `dcscore keygen` (an operator's key pair) and `dcscore submit`
 * (a period's signed bundle for the pilot office). */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../submit/dcs_submit.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *keygen_help =
    "usage: dcscore keygen --operator ID [-o PREFIX]\n"
    "\n"
    "Write a new Ed25519 key pair for operator ID: PREFIX.key, the private key\n"
    "(mode 0600; `submit` refuses one that others may read), and PREFIX.pub, the\n"
    "public key the pilot office adds to its keyring (PREFIX: ID by default).\n"
    "An existing file is never overwritten. Prints the keyring entry to send.\n";

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"operator", required_argument, 0, 'O'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *op = NULL, *prefix = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'h')
            return fputs(keygen_help, stdout), CLI_OK;
        if (c != 'O' && c != 'o')
            return fputs(keygen_help, stderr), CLI_USAGE;
        *(c == 'O' ? &op : &prefix) = optarg;
    }
    if (!op || optind != argc)
        return fputs(keygen_help, stderr), CLI_USAGE;
    char sk[4200], pk[4200], err[600], id[DCS_SUBMIT_ID_MAX + 1], hex[65];
    snprintf(sk, sizeof sk, "%s.key", prefix ? prefix : op);
    snprintf(pk, sizeof pk, "%s.pub", prefix ? prefix : op);
    unsigned char pub[32];
    if (dcs_submit_keygen(op, sk, pk, err, sizeof err) || dcs_submit_pub_load(pk, id, sizeof id, pub, err, sizeof err))
        return fprintf(stderr, "dcscore: %s\n", err), CLI_USAGE;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", pub[i]);
    char today[48];
    dcs_time_format(dcs_time_now_ns(), "Asia/Shanghai", today, sizeof today);
    printf("private key %s (keep it; mode 0600)\npublic key  %s\nkeyring entry for the pilot office:\n"
           "  - {id: %s, public_key: %s, valid_from: %.10s}\n", sk, pk, op, hex, today);
    return CLI_OK;
}

static const char *submit_help =
    "usage: dcscore submit --key KEY [--period P | --from T --to T]\n"
    "                      [--number N] [--correction] [--system SYSTEM.yaml] [-o BUNDLE]\n"
    "                      SITE.yaml\n"
    "\n"
    "Score the period from the site's PT15M rollups (made first where missing) and\n"
    "write one signed bundle for the pilot office (docs/submit.md): the score, the\n"
    "formula, policy and index-system versions and hashes, the rollups, the site\n"
    "config without secrets, its findings, a manifest of SHA-256 digests and an\n"
    "Ed25519 signature. A period that is not publishable is still written (the\n"
    "region keeps it, not rankable); the exit status is then 2.\n"
    "\n"
    "  --key KEY        the operator's private key (dcscore keygen; mode 0600)\n"
    "  --period P       month, quarter or year: the previous complete one in the site's\n"
    "                   zone; or one named: 2026-10, 2026-Q3, 2026\n"
    "  --from, --to     any period on 15-minute boundaries instead (label: the dates)\n"
    "  --number N       the submission number (default: one above the last, kept in\n"
    "                   KEY.seq); each must be above every earlier one of the operator\n"
    "  --correction     supersede the accepted submission of an overlapping period\n"
    "  --system FILE    the index system (default: the policy's, else the shipped one)\n"
    "  -o BUNDLE        output (default: SITE_PERIOD_N.dcsb in the current folder)\n";

typedef struct {
    const char *key, *period, *from, *to, *system, *out;
    unsigned long long number;
    int correction;
} submit_args_t;

static int submit_args(int argc, char **argv, submit_args_t *a)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'}, {"period", required_argument, 0, 'p'},
        {"from", required_argument, 0, 'F'}, {"to", required_argument, 0, 'T'},
        {"number", required_argument, 0, 'n'}, {"correction", no_argument, 0, 'c'},
        {"system", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'k': a->key = optarg; break;
        case 'p': a->period = optarg; break;
        case 'F': a->from = optarg; break;
        case 'T': a->to = optarg; break;
        case 'S': a->system = optarg; break;
        case 'o': a->out = optarg; break;
        case 'c': a->correction = 1; break;
        case 'n':
            a->number = strtoull(optarg, &end, 10);
            if (*end || !a->number)
                return fprintf(stderr, "dcscore: --number takes a whole number from 1\n"), CLI_USAGE;
            break;
        case 'h': fputs(submit_help, stdout); return -1;
        default: fputs(submit_help, stderr); return CLI_USAGE;
        }
    }
    if (!a->key || optind != argc - 1 || (!a->period == !(a->from && a->to)) ||
        (a->period && (strcmp(a->period, "day") == 0)))
        return fputs(submit_help, stderr), CLI_USAGE;
    return CLI_OK;
}

/* The number after the last one in KEY.seq (1 when there is none). */
static unsigned long long next_number(const char *key)
{
    char path[4200];
    unsigned long long last = 0;
    snprintf(path, sizeof path, "%s.seq", key);
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%llu", &last) != 1)
        last = 0;
    if (f)
        fclose(f);
    return last + 1;
}

static void save_number(const char *key, unsigned long long n)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s.seq", key);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f && fprintf(f, "%llu\n", n) > 0 && fclose(f) == 0 && rename(tmp, path) == 0)
        return;
    fprintf(stderr, "dcscore: warning: %s: cannot record submission number %llu: give --number %llu next time\n",
            path, n, n + 1);
}

typedef struct {
    dcs_config_t *cfg;
    dcs_index_policy_t *pol;
    dcs_index_system_t *sys;
    dcs_store_t *st;
    dcs_index_site_t res;
} submit_t;

static int submit_run(const submit_args_t *a, const char *site, submit_t *s)
{
    dcs_submit_key_t key;
    dcs_submit_opts_t o = {.correction = a->correction};
    char err[700], label[32], def[200];
    if (dcs_submit_key_load(a->key, &key, err, sizeof err))
        return fprintf(stderr, "dcscore: %s\n", err), CLI_USAGE;
    if (!(s->cfg = cli_load_config(site)) || !(s->pol = cli_policy_load()))
        return CLI_USAGE;
    const char *tz = s->cfg->site->timezone;
    int named = a->period && dcs_time_period_named(a->period, tz, &o.from_ns, &o.to_ns) == 0;
    int rc = named ? 0 : a->period ? cli_period(s->cfg, a->period, dcs_time_now_ns(), &o.from_ns, &o.to_ns)
                                   : cli_window(s->cfg, a->from, a->to, &o.from_ns, &o.to_ns);
    if (rc)
        return rc;
    if (named)
        snprintf(label, sizeof label, "%s", a->period);
    else if (a->period)
        dcs_time_period_label(a->period, tz, o.from_ns, label, sizeof label);
    else {
        char x[48], y[48]; /* dates when both ends are local midnights, else minutes too */
        dcs_time_format(o.from_ns, tz, x, sizeof x), dcs_time_format(o.to_ns, tz, y, sizeof y);
        int days = strncmp(x + 11, "00:00:00", 8) == 0 && strncmp(y + 11, "00:00:00", 8) == 0;
        if (days)
            snprintf(label, sizeof label, "%.10s..%.10s", x, y);
        else { /* 2026-12-04T10:30..10:45, or ..12-05T00:15 across midnight */
            int same = strncmp(x, y, 10) == 0;
            snprintf(label, sizeof label, "%.16s..%.*s", x, same ? 5 : 11, y + (same ? 11 : 5));
        }
    }
    o.label = label;
    o.number = a->number ? a->number : next_number(a->key);
    if ((rc = cli_system_load(s->pol, a->system, &s->sys)))
        return rc;
    if (dcs_store_open(s->cfg, 'r', &s->st))
        return CLI_FAIL;
    snprintf(def, sizeof def, "%s_%s_%llu.dcsb", s->cfg->site->id, label, (unsigned long long)o.number);
    const char *out = a->out ? a->out : def;
    if ((rc = dcs_submit_write(s->cfg, s->st, s->pol, s->sys, &key, &o, out, &s->res, err, sizeof err)))
        return fprintf(stderr, "dcscore: %s\n", err), rc == DCS_EINVAL ? CLI_USAGE : rc == DCS_ENODATA ||
                                                                    rc == DCS_ESTORE ? CLI_DATA : CLI_FAIL;
    if (!a->number)
        save_number(a->key, o.number);
    printf("%s\nsite %s, period %s, submission %llu of operator %s%s: PUE %.4f, coverage %.1f %%\n", out,
           s->cfg->site->id, label, (unsigned long long)o.number, key.operator_id,
           o.correction ? " (a correction)" : "", s->res.sc->pue, s->res.sc->coverage * 100);
    if (s->res.as.withheld)
        return fprintf(stderr, "dcscore: %s: not publishable: %s (written; the region keeps it, not rankable)\n",
                       s->cfg->site->id, s->res.as.withheld), CLI_DATA;
    return CLI_OK;
}

int cmd_submit(int argc, char **argv)
{
    submit_args_t a = {0};
    int rc = submit_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    submit_t s = {0};
    rc = submit_run(&a, argv[optind], &s);
    dcs_index_site_free(&s.res);
    dcs_store_close(s.st);
    dcs_index_system_free(s.sys);
    dcs_index_policy_free(s.pol);
    dcs_config_free(s.cfg);
    return rc;
}
