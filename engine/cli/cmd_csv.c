/* cmd_csv.c: `dcscore export` (store -> CSV) and `dcscore import` (CSV history ->
 * store), thin shells over the store's CSV functions. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../store/dcs_store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *export_help =
    "usage: dcscore export [--from T] [--to T] [--channels a,b,...] [--bom] [-o FILE] SITE.yaml\n"
    "\n"
    "Write stored samples as CSV: one row per polling tick, time_utc and time_local\n"
    "(site zone), one column per channel named \"id (unit)\"; missing samples are\n"
    "empty cells. --bom starts the file with a UTF-8 BOM so that Excel reads the\n"
    "Chinese text right. Default: all channels, all stored data, to stdout.\n";

static const char *import_help =
    "usage: dcscore import --csv FILE [--zone ZONE] [--interval D] [--skip-bad-rows] SITE.yaml\n"
    "\n"
    "Load history exported from a BMS/DCIM into the store, so that a site can publish\n"
    "an annual PUE on its first day. The CSV has a header row: a time column first\n"
    "(ISO 8601, a local date-time in --zone or the site's zone, or Unix seconds),\n"
    "then one column per channel id (\"id\" or \"id (unit)\"), values in the unit the\n"
    "site config gives the channel; empty cells are missing. Rows must ascend, and the\n"
    "file's period must hold no stored samples of its channels (before, between or\n"
    "after polled data). A bad row rejects the file (nothing is written) unless\n"
    "--skip-bad-rows, which imports the rest and lists the bad rows by line. A unit\n"
    "in a header cell (\"id (kW)\", \"id [kW]\") is converted from; one of another kind\n"
    "is refused. The history keeps its own interval: --interval D (e.g. 15m), or the\n"
    "rows' median step, times the intervals site.gap_limit_s allows polled data (3 by\n"
    "default) is the gap limit stored for the imported days; the output states both.\n"
    "The days are written by worker processes (dcscore --threads N import ...).\n";

/* Split "a,b,c" in place into ids. */
static size_t split_ids(char *s, const char **ids, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
        ids[n++] = tok;
    return n;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'F'}, {"to", required_argument, 0, 'T'},
        {"channels", required_argument, 0, 'c'}, {"bom", no_argument, 0, 'b'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL, *to = NULL, *outpath = NULL, *ids[256];
    dcs_store_export_t ex = {0};
    int ch;
    while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (ch) {
        case 'F': from = optarg; break;
        case 'T': to = optarg; break;
        case 'o': outpath = optarg; break;
        case 'b': ex.bom = 1; break;
        case 'c': ex.nchannels = split_ids(optarg, ids, 256), ex.channels = ids; break;
        case 'h': fputs(export_help, stdout); return CLI_OK;
        default: fputs(export_help, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1)
        return fputs(export_help, stderr), CLI_USAGE;
    dcs_config_t *cfg = cli_load_config(argv[optind]);
    if (!cfg)
        return CLI_USAGE;
    int rc = cli_window(cfg, from, to, &ex.from_ns, &ex.to_ns);
    dcs_store_t *st = NULL;
    FILE *out = NULL;
    if (!rc && !(out = outpath ? fopen(outpath, "w") : stdout)) {
        fprintf(stderr, "dcscore: %s: cannot write\n", outpath);
        rc = CLI_FAIL;
    }
    if (!rc && (dcs_store_open(cfg, 'r', &st) || dcs_store_export_csv(st, &ex, out))) {
        fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
        rc = CLI_DATA;
    }
    if (out && out != stdout && fclose(out) && !rc)
        rc = CLI_FAIL;
    dcs_store_close(st);
    dcs_config_free(cfg);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"csv", required_argument, 0, 'c'}, {"zone", required_argument, 0, 'z'},
        {"skip-bad-rows", no_argument, 0, 's'}, {"interval", required_argument, 0, 'i'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *csv = NULL;
    dcs_store_import_t im = {0};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': csv = optarg; break;
        case 'z': im.zone = optarg; break;
        case 's': im.skip_bad_rows = 1; break;
        case 'i':
            if (!(im.interval_s = (double)cli_parse_duration(optarg) * 1e-9))
                return fprintf(stderr, "dcscore: bad --interval '%s' (e.g. 15m, 1h)\n", optarg),
                       CLI_USAGE;
            break;
        case 'h': fputs(import_help, stdout); return CLI_OK;
        default: fputs(import_help, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || !csv)
        return fputs(import_help, stderr), CLI_USAGE;
    char why[400];
    if (im.zone && dcs_tz_check(im.zone, "--zone", why, sizeof why))
        return fprintf(stderr, "dcscore: %s\n", why), CLI_USAGE;
    dcs_config_t *cfg = cli_load_config(argv[optind]);
    if (!cfg)
        return CLI_USAGE;
    dcs_store_t *st = NULL;
    int rc = dcs_store_open(cfg, 'w', &st);
    if (!rc)
        rc = dcs_store_lock(st, "import");
    if (!rc)
        rc = dcs_store_import_csv(st, csv, &im);
    if (!rc)
        rc = dcs_store_flush(st);
    for (size_t i = 0; i < im.nbad && i < 5; i++)
        fprintf(stderr, "dcscore: %s%s\n", im.bad[i], im.skip_bad_rows ? " (skipped)" : "");
    if (im.nbad > 5)
        fprintf(stderr, "dcscore: ... and %zu more bad rows\n", im.nbad - 5);
    if (rc)
        fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
    else
        printf("imported %zu rows, %zu samples, one row every %g s (%s); gap limit for these "
               "days %g s%s\n", im.rows, im.samples, im.interval_s > 0 ? im.interval_s : im.median_step_s,
               im.interval_s > 0 ? "--interval" : "median step", im.gap_limit_s,
               im.skipped ? " (bad rows skipped, listed above)" : "");
    if (!rc && im.interval_s > 0 && im.median_step_s > im.gap_limit_s)
        fprintf(stderr, "dcscore: warning: %s: rows are %g s apart (median), above the gap limit "
                "%g s from --interval: score counts the time between them as missing\n", csv,
                im.median_step_s, im.gap_limit_s);
    dcs_store_close(st);
    dcs_config_free(cfg);
    return !rc ? CLI_OK : rc == DCS_ENOMEM ? CLI_FAIL : CLI_DATA;
}

static const char *rollup_help =
    "usage: dcscore rollup [--from DATE] [--to DATE] SITE.yaml\n"
    "       dcscore compact --keep-raw-days N SITE.yaml\n"
    "\n"
    "rollup writes, for every complete UTC day with raw samples (or those between\n"
    "--from and --to), a rollup file: per channel and per 1 min, 15 min and 1 h\n"
    "bucket the count, sum, min, max, energy and coverage. compact then removes raw\n"
    "day files older than N days, each only once its rollup exists; scoring uses the\n"
    "rollups for those days. Days are rolled up in parallel (dcscore --threads N).\n";

/* Days [first, last] to roll up: all complete stored days, or --from/--to. */
static int rollup_days(dcs_config_t *cfg, const char *from, const char *to, int64_t *first, int64_t *last)
{
    int64_t a, b;
    int rc = cli_window(cfg, from, to, &a, &b);
    if (rc)
        return rc;
    int64_t today = dcs_time_day(dcs_time_now_ns());
    *first = dcs_time_day(a);
    *last = dcs_time_day(b - 1) < today ? dcs_time_day(b - 1) : today - 1;
    return CLI_OK;
}

static void rollup_tick(void *ctx, size_t done, size_t total)
{
    cli_progress(ctx, (unsigned)done, (unsigned)total);
}

int cmd_rollup(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'F'}, {"to", required_argument, 0, 'T'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *from = NULL, *to = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h')
            return fputs(rollup_help, stdout), CLI_OK;
        if (ch != 'F' && ch != 'T')
            return fputs(rollup_help, stderr), CLI_USAGE;
        *(ch == 'F' ? &from : &to) = optarg;
    }
    if (optind != argc - 1)
        return fputs(rollup_help, stderr), CLI_USAGE;
    dcs_config_t *cfg = cli_load_config(argv[optind]);
    if (!cfg)
        return CLI_USAGE;
    int64_t first = 0, last = -1;
    int rc = rollup_days(cfg, from, to, &first, &last);
    dcs_store_t *st = NULL;
    size_t done = 0;
    if (!rc && dcs_store_open(cfg, 'r', &st))
        rc = CLI_FAIL;
    if (!rc && cli_store_lock(st, "rollup"))
        rc = CLI_FAIL;
    if (!rc && last >= first && dcs_store_rollup_range(st, first, last, &done, rollup_tick, "rolling up days")) {
        fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
        rc = CLI_DATA;
    }
    if (!rc)
        printf("rolled up %zu days\n", done);
    dcs_store_close(st);
    dcs_config_free(cfg);
    return rc;
}

int cmd_compact(int argc, char **argv)
{
    static const struct option opts[] = {{"keep-raw-days", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    long keep = -1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h')
            return fputs(rollup_help, stdout), CLI_OK;
        if (ch != 'k')
            return fputs(rollup_help, stderr), CLI_USAGE;
        keep = strtol(optarg, NULL, 10);
    }
    if (optind != argc - 1 || keep < 1)
        return fputs(rollup_help, stderr), CLI_USAGE;
    dcs_config_t *cfg = cli_load_config(argv[optind]);
    if (!cfg)
        return CLI_USAGE;
    dcs_store_t *st = NULL;
    size_t removed = 0;
    int rc = dcs_store_open(cfg, 'r', &st) || cli_store_lock(st, "compact") ? CLI_FAIL : CLI_OK;
    if (!rc && dcs_store_compact(st, dcs_time_day(dcs_time_now_ns()) - keep, &removed)) {
        fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
        rc = CLI_DATA;
    }
    printf("removed %zu raw day files (their rollups remain)\n", removed);
    dcs_store_close(st);
    dcs_config_free(cfg);
    return rc;
}
