/* cmd_inspect.c: `dcscore inspect`: what the store holds, per channel. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../metric/dcs_metric.h"
#include "../store/dcs_store.h"

#include <stdio.h>
#include <string.h>

static const char *help =
    "usage: dcscore inspect SITE.yaml | FILE.h5 | DIR\n"
    "\n"
    "SITE.yaml: for every channel, samples stored, of which flagged, first and last\n"
    "sample (site zone), unit, role and coverage from the first stored sample to the\n"
    "last, counted as `dcscore score` counts it over that window. FILE.h5 or DIR (no\n"
    "config needed): per store file its schema version, day and gap limit, and per\n"
    "channel samples, flagged, time range, gaps and coverage of the UTC day by the\n"
    "same rules (a rollup file: samples, minutes with data, energy in Wh and coverage\n"
    "that day); a file that is not a dcscore store is named on one line.\n";

int cmd_inspect(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help, stdout);
        return CLI_OK;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    size_t len = strlen(argv[1]);
    if (!(len > 5 && strcmp(argv[1] + len - 5, ".yaml") == 0) &&
        !(len > 4 && strcmp(argv[1] + len - 4, ".yml") == 0)) {
        int rc = dcs_store_inspect(argv[1], stdout);
        return !rc ? CLI_OK : rc == DCS_EIO ? CLI_USAGE : CLI_DATA;
    }
    dcs_config_t *cfg = cli_load_config(argv[1]);
    if (!cfg)
        return CLI_USAGE;
    int64_t first, last;
    int rc = cli_window(cfg, NULL, NULL, &first, &last);
    dcs_store_t *st = NULL;
    if (!rc && dcs_store_open(cfg, 'r', &st))
        rc = CLI_FAIL;
    dcs_metric_score_t *sc = NULL; /* coverage as score counts it, when the site scores */
    char err[400];
    if (!rc && dcs_metric_score(cfg, st, first, last, 86400 * DCS_NS_PER_S, &sc, err, sizeof err))
        sc = NULL;
    if (!rc)
        printf("%-24s %-5s %-15s %9s %9s  %-25s  %-25s %9s\n", "channel", "unit", "role", "samples",
               "flagged", "first", "last", "coverage");
    for (unsigned i = 0; !rc && i < cfg->channels_count; i++) {
        const dcs_config_channel_t *c = &cfg->channels[i];
        dcs_store_series_t s;
        if (dcs_store_read(st, c->id, first, last, &s)) {
            fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
            rc = CLI_DATA;
            break;
        }
        size_t flagged = 0;
        for (size_t k = 0; k < s.n; k++)
            flagged += s.flag[k] != DCS_SAMPLE_OK;
        char a[48] = "-", b[48] = "-";
        if (s.n) {
            dcs_time_format(s.t_ns[0], cfg->site->timezone, a, sizeof a);
            dcs_time_format(s.t_ns[s.n - 1], cfg->site->timezone, b, sizeof b);
        }
        char cov[16] = "-";
        if (sc)
            snprintf(cov, sizeof cov, "%.1f %%", sc->channels[i].coverage * 100);
        printf("%-24s %-5s %-15s %9zu %9zu  %-25s  %-25s %9s\n", c->id, dcs_config_si_unit(c->kind),
               dcs_config_role_name(c->role), s.n, flagged, a, b, cov);
        dcs_store_series_free(&s);
    }
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
    return rc;
}
