/* cli.h: the dcscore command line, a thin shell over the library: parse
 * arguments, call the engine, print. Exit codes are documented in README.md. */
#ifndef DCS_CLI_H
#define DCS_CLI_H

#include <stdint.h>

#include "../config/dcs_config.h"
#include "../../reports/dcs_report.h"

enum {
    CLI_OK = 0,       /* success */
    CLI_USAGE = 1,    /* bad arguments or invalid configuration */
    CLI_DATA = 2,     /* data problem: no data, coverage below threshold, bad store file */
    CLI_FAIL = 3,     /* unexpected failure (out of memory, cannot write output) */
};

extern int cli_verbosity; /* log levels shown: 0 error, 1 warn (-q), 2 info (default), 3 debug (-v) */

/* Load the site config or print its one-line error; NULL on failure. */
dcs_config_t *cli_load_config(const char *path);

/* The policy data file: $DCSCORE_POLICY, else DCS_DATADIR/policy.yaml, else
 * ../share/dcscore/policy.yaml next to the binary (a relocated install), else
 * engine/index/policy.yaml of the source tree it was built in. Prints the error
 * and returns NULL on failure. */
struct dcs_index_policy *cli_policy_load(void);
/* dcs_store_lock for a command (`what`), printing why not, or a lock taken over. */
int cli_store_lock(struct dcs_store *st, const char *what);
/* The index system used when none is named: the policy's index_system, else the
 * shipped systems/default.yaml (found as the policy file is). */
void cli_system_path(const struct dcs_index_policy *pol, char *out, size_t n);
/* Load the index system `named` (NULL: the one cli_system_path gives) into
 * *out (free it either way), printing why not. Returns a CLI_* code. */
struct dcs_index_system;
int cli_system_load(const struct dcs_index_policy *pol, const char *named, struct dcs_index_system **out);

/* "1h", "15m", "30s", "1d" -> ns; 0 when malformed. */
int64_t cli_parse_duration(const char *s);

/* Window from --from/--to (either may be NULL: whole stored range). Returns a
 * CLI_* code, printing the reason. */
int cli_window(const dcs_config_t *cfg, const char *from, const char *to, int64_t *from_ns,
               int64_t *to_ns);

/* --period day|month: the previous complete day or month in the site's zone,
 * relative to now_ns. Returns a CLI_* code. */
int cli_period(const dcs_config_t *cfg, const char *period, int64_t now_ns, int64_t *from_ns,
               int64_t *to_ns);

/* Progress of a long job on stderr ("label 1200/2000"), only when stderr is a
 * terminal; the line is cleared when done == total. ctx is the label. */
void cli_progress(void *ctx, unsigned done, unsigned total);

/* Print "TIME dcscore LEVEL: msg" to stderr when level <= cli_verbosity. */
void cli_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Options of score and report. */
typedef struct {
    const char *from, *to, *out, *region, *period;
    int64_t bucket_ns;
    int json, procurement, pdf, eu_kpi, allow_partial;
    dcs_report_lang_t lang;
    const char *system;      /* report --procurement --system SYSTEM.yaml COHORT.csv */
    const char *region_store;/* report --region R | --procurement --region-store STORE --period LABEL */
} score_args_t;

/* A report was written to `path`: print its absolute path and, with pdf, print
 * it to PATH.pdf (path without .html) with headless Chromium and print that too.
 * Returns a CLI_* code. */
int cli_report_done(const char *path, int pdf);

/* `dcscore report --region R | --procurement [--system SYSTEM] COHORT`
 * (cmd_rank.c): ranked as `dcscore rank` ranks it. */
int cli_cohort_report(const score_args_t *a, const char *cohort_path);
/* PATH with its .html suffix replaced by ext. */
void cli_sibling(const char *path, const char *ext, char *buf, size_t len);

int cmd_poll(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rank(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_rollup(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_region(int argc, char **argv);
int cmd_collect(int argc, char **argv);

/* Print s in a column `width` terminal cells wide (CJK counted as two cells,
 * cut at a character boundary, padded). */
void cli_print_col(const char *s, int width);

#endif
