/* main.c: dcscore entry point: dispatch to subcommands, shared CLI helpers. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../base/dcs_par.h"
#include "../index/dcs_index.h"
#include "../metric/dcs_metric.h"
#include "../store/dcs_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DCS_DATADIR
#define DCS_DATADIR "/usr/local/share/dcscore"
#endif

int cli_verbosity = 2;

static const char *usage =
    "usage: dcscore [--threads N] COMMAND [OPTIONS] SITE.yaml\n"
    "\n"
    "Score data-centre efficiency: poll meters, store samples, compute PUE, CUE\n"
    "(effective compute efficiency) and EUE (economic output), grade, rank, report.\n"
    "\n"
    "commands:\n"
    "  poll      poll the site's devices and store samples (HDF5)\n"
    "  score     compute energies, PUE and coverage over a window\n"
    "  report    write the site report (self-contained HTML)\n"
    "  inspect   show what the store holds per channel\n"
    "  rank      rank a cohort of sites or vendors on the composite index\n"
    "  export    write stored samples as CSV (one row per polling tick)\n"
    "  import    load CSV history from a BMS/DCIM into the store\n"
    "  rollup    write 1 min / 15 min / 1 h rollups of complete days\n"
    "  compact   remove raw days older than N days once their rollups exist\n"
    "  keygen    write an operator's key pair for signed submissions\n"
    "  submit    write a period's signed bundle for the pilot office\n"
    "  region    ingest, list and show submissions in a regional store\n"
    "  collect   the region's collector for the live scheduling feed (HTTP)\n"
    "\n"
    "  dcscore COMMAND --help   options of a command\n"
    "  --threads N              worker processes for score, report, rollup, compact\n"
    "                           and region re-scoring (default: the online cores, or\n"
    "                           DCSCORE_THREADS); the figures are the same for any N\n"
    "  dcscore --version        print the version\n"
    "\n"
    "exit codes: 0 ok; 1 usage or configuration error; 2 data error (no data,\n"
    "coverage below threshold, unreadable store file); 3 unexpected failure.\n";

void cli_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    if (level > cli_verbosity)
        return;
    char ts[48];
    dcs_time_format(dcs_time_now_ns(), NULL, ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr); /* one line, whichever thread logs (poll's forwarder does) */
    fprintf(stderr, "%s dcscore %s: ", ts, names[level < 4 ? level : 3]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

void cli_progress(void *ctx, unsigned done, unsigned total)
{
    if (!isatty(STDERR_FILENO) || cli_verbosity < 2)
        return;
    if (done >= total)
        fputs("\r\033[K", stderr);
    else
        fprintf(stderr, "\r%s %u/%u", (const char *)ctx, done, total);
    fflush(stderr);
}

dcs_config_t *cli_load_config(const char *path)
{
    dcs_config_t *cfg = NULL;
    if (dcs_config_load(path, &cfg)) {
        fprintf(stderr, "dcscore: %s\n", dcs_config_errmsg(cfg));
        dcs_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* Path of data file/folder REL: installed (DATADIR), installed elsewhere (relative
 * to the binary), or the source tree (build/ or build/asan/ beside it). */
static void data_path(const char *rel, const char *src_rel, char *out, size_t n)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(out, n, "%s/%s", DCS_DATADIR, rel);
    if (access(out, R_OK) == 0)
        return;
    const char *tries[3][2] = {{"../share/dcscore/", rel}, {"../", src_rel}, {"../../", src_rel}};
    for (int i = 0; i < 3; i++) {
        snprintf(out, n, "%s/%s%s", self, tries[i][0], tries[i][1]);
        char *real = access(out, R_OK) == 0 ? realpath(out, NULL) : NULL;
        if (real && strlen(real) < n)
            snprintf(out, n, "%s", real);
        free(real);
        if (access(out, R_OK) == 0)
            return;
    }
    snprintf(out, n, "%s/%s", DCS_DATADIR, rel);
}

dcs_index_policy_t *cli_policy_load(void)
{
    char path[4200];
    const char *env = getenv("DCSCORE_POLICY");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        data_path("policy.yaml", "engine/index/policy.yaml", path, sizeof path);
    dcs_index_policy_t *p = NULL;
    if (dcs_index_policy_load(path, &p)) {
        fprintf(stderr, "dcscore: %s\n", dcs_index_policy_errmsg(p));
        dcs_index_policy_free(p);
        return NULL;
    }
    return p;
}

int cli_store_lock(dcs_store_t *st, const char *what)
{
    char note[800];
    int rc = dcs_store_lock(st, what);
    if (rc)
        fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
    else if (dcs_store_notice(st, note, sizeof note))
        fprintf(stderr, "dcscore: %s\n", note);
    return rc;
}

void cli_system_path(const dcs_index_policy_t *pol, char *out, size_t n)
{
    const char *named = pol ? dcs_index_policy_system(pol) : NULL;
    if (named)
        snprintf(out, n, "%s", named);
    else
        data_path("systems/default.yaml", "engine/index/systems/default.yaml", out, n);
}

int cli_system_load(const dcs_index_policy_t *pol, const char *named, dcs_index_system_t **out)
{
    char path[4200];
    if (named)
        snprintf(path, sizeof path, "%s", named);
    else
        cli_system_path(pol, path, sizeof path);
    if (dcs_index_system_load(path, out) == 0)
        return CLI_OK;
    fprintf(stderr, "dcscore: %s\n", dcs_index_system_errmsg(*out));
    return CLI_USAGE;
}

/* Device profiles: $DCSCORE_PROFILES if set, else where data_path finds them. */
static void profiles_env(void)
{
    char path[4200];
    const char *env = getenv("DCSCORE_PROFILES");
    if (env && *env)
        return;
    data_path("profiles", "probes/profiles", path, sizeof path);
    setenv("DCSCORE_PROFILES", path, 1);
}

int64_t cli_parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    double unit = strcmp(end, "s") == 0 || !*end ? 1 : strcmp(end, "m") == 0 ? 60
                : strcmp(end, "h") == 0 ? 3600 : strcmp(end, "d") == 0 ? 86400 : 0;
    if (end == s || v <= 0 || unit == 0)
        return 0;
    return (int64_t)(v * unit * 1e9);
}

int cli_window(const dcs_config_t *cfg, const char *from, const char *to, int64_t *from_ns,
               int64_t *to_ns)
{
    const char *tz = cfg->site->timezone;
    if ((from && dcs_time_parse(from, tz, from_ns)) || (to && dcs_time_parse(to, tz, to_ns))) {
        fprintf(stderr, "dcscore: bad time '%s': not a valid date and time between 1970 and "
                "2262-04-11 (use 2026-11-23T08:00:00+08:00, 2026-11-23 or @UNIX_SECONDS)\n",
                from && dcs_time_parse(from, tz, from_ns) ? from : to);
        return CLI_USAGE;
    }
    if (!from || !to) {
        dcs_store_t *st;
        int64_t first, last;
        int rc = dcs_store_open(cfg, 'r', &st);
        if (!rc)
            rc = dcs_store_range(st, &first, &last);
        if (rc) {
            fprintf(stderr, "dcscore: %s\n", dcs_store_errmsg(st));
            dcs_store_close(st);
            return CLI_DATA;
        }
        dcs_store_close(st);
        if (!from)
            *from_ns = first;
        if (!to)
            *to_ns = last + 1;
    }
    if (*to_ns <= *from_ns) {
        fprintf(stderr, "dcscore: the window is empty (--to is not after --from)\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_period(const dcs_config_t *cfg, const char *period, int64_t now_ns, int64_t *from_ns,
               int64_t *to_ns)
{
    if (dcs_time_period(period, cfg->site->timezone, now_ns, from_ns, to_ns) == 0)
        return CLI_OK;
    fprintf(stderr, "dcscore: --period takes day, month, quarter or year\n");
    return CLI_USAGE;
}

/* Take a leading --threads N (or --threads=N) off argv. Returns 0, or -1 when
 * N is not a whole number from 1 to 64. */
static int take_threads(int *argc, char **argv)
{
    if (*argc < 2 || strncmp(argv[1], "--threads", 9) != 0 || (argv[1][9] && argv[1][9] != '='))
        return 0;
    const char *v = argv[1][9] == '=' ? argv[1] + 10 : *argc > 2 ? argv[2] : "";
    int used = argv[1][9] == '=' ? 1 : 2;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > 64)
        return fprintf(stderr, "dcscore: --threads takes a whole number from 1 to 64, not '%s'\n", v), -1;
    dcs_par_set_workers((unsigned)n);
    memmove(argv + 1, argv + 1 + used, (size_t)(*argc - 1 - used + 1) * sizeof *argv);
    *argc -= used;
    return 0;
}

int main(int argc, char **argv)
{
    if (take_threads(&argc, argv))
        return CLI_USAGE;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dcscore %s (store schema %d, %s)\n", DCS_VERSION, DCS_STORE_SCHEMA_VERSION,
               DCS_METRIC_FORMULA_VERSION);
        return CLI_OK;
    }
    profiles_env();
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"poll", cmd_poll}, {"score", cmd_score}, {"report", cmd_report},
        {"inspect", cmd_inspect}, {"rank", cmd_rank}, {"export", cmd_export},
        {"import", cmd_import}, {"rollup", cmd_rollup}, {"compact", cmd_compact},
        {"keygen", cmd_keygen}, {"submit", cmd_submit}, {"region", cmd_region}, {"collect", cmd_collect},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "dcscore: unknown command '%s'\n%s", argv[1], usage);
    return CLI_USAGE;
}

/* Print s in a column `width` terminal cells wide: cut at a character boundary,
 * CJK (3-byte UTF-8) counted as two cells, padded with spaces. */
void cli_print_col(const char *s, int width)
{
    int used = 0;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, cells = len >= 3 ? 2 : 1;
        if (used + cells > width)
            break;
        fwrite(s, 1, (size_t)len, stdout);
        used += cells;
        s += len;
        while (len-- > 1 && *s && (*s & 0xC0) != 0x80)
            break; /* malformed: stop at the next lead byte */
    }
    printf("%*s", width - used + 1, "");
}
