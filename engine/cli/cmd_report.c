/* cmd_report.c: the cohort reports (regional pilot, procurement) and printing
 * any report to PDF through headless Chromium (a separate program, started with
 * posix_spawn; the library never runs it). */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../index/dcs_index.h"

#include <fcntl.h>
#include <spawn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* PATH with its .html suffix replaced by ext. */
static void sibling(const char *path, const char *ext, char *buf, size_t len)
{
    size_t n = strlen(path);
    if (n > 5 && strcmp(path + n - 5, ".html") == 0)
        n -= 5;
    snprintf(buf, len, "%.*s%s", (int)n, path, ext);
}

static const char *chromium(void)
{
    static const char *names[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                  "/usr/bin/google-chrome"};
    const char *env = getenv("DCSCORE_CHROMIUM");
    if (env)
        return env;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (access(names[i], X_OK) == 0)
            return names[i];
    return NULL;
}

/* Print html (absolute path) to pdf with headless Chromium. */
static int print_pdf(const char *html, const char *pdf)
{
    const char *bin = chromium();
    if (!bin) {
        fprintf(stderr, "dcscore: no Chromium found for --pdf (make deps installs it; or set "
                        "DCSCORE_CHROMIUM)\n");
        return CLI_FAIL;
    }
    char url[4200], out[4200], profile[] = "/tmp/dcscore-chromium.XXXXXX", dir[300];
    if (!mkdtemp(profile))
        return CLI_FAIL;
    snprintf(url, sizeof url, "file://%s", html);
    snprintf(out, sizeof out, "--print-to-pdf=%s", pdf);
    snprintf(dir, sizeof dir, "--user-data-dir=%s", profile);
    char *argv[] = {(char *)bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-pdf-header-footer", dir, out, url, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int status = -1, rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == 0)
        waitpid(pid, &status, 0);
    char rm[400];
    snprintf(rm, sizeof rm, "rm -rf '%s'", profile);
    if (system(rm) != 0)
        fprintf(stderr, "dcscore: could not remove %s\n", profile);
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || access(pdf, R_OK) != 0) {
        fprintf(stderr, "dcscore: %s could not print %s to PDF\n", bin, html);
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_report_done(const char *path, int pdf)
{
    char *abs = realpath(path, NULL);
    int rc = CLI_OK;
    printf("%s\n", abs ? abs : path);
    if (pdf && abs) {
        char out[4200];
        sibling(abs, ".pdf", out, sizeof out);
        rc = print_pdf(abs, out);
        if (!rc)
            printf("%s\n", out);
    }
    free(abs);
    return rc;
}

/* Write one file with fn, naming it in errors. */
static int write_file(const char *path, int (*fn)(FILE *, void *), void *ctx)
{
    FILE *f = fopen(path, "w");
    int rc = f ? fn(f, ctx) : DCS_EIO;
    if (f && fclose(f))
        rc = DCS_EIO;
    if (rc)
        fprintf(stderr, "dcscore: %s: cannot write\n", path);
    return rc;
}

typedef struct {
    const score_args_t *a;
    const dcs_index_cohort_t *c;
    const dcs_index_policy_t *pol;
    const dcs_index_entry_t *e;
    size_t n;
    dcs_index_ranking_t *r;
    const int *sens;
} cohort_ctx_t;

static int region_html(FILE *f, void *p)
{
    cohort_ctx_t *x = p;
    return dcs_report_region_html(f, x->a->lang, x->a->region, dcs_index_cohort_name(x->c), x->e,
                                  x->n, x->pol);
}
static int region_json(FILE *f, void *p)
{
    cohort_ctx_t *x = p;
    return dcs_report_schedule_json(f, x->a->region, x->e, x->n);
}
static int region_csv(FILE *f, void *p)
{
    cohort_ctx_t *x = p;
    return dcs_report_schedule_csv(f, x->a->region, x->e, x->n);
}
static int procurement_html(FILE *f, void *p)
{
    cohort_ctx_t *x = p;
    return dcs_report_procurement_html(f, x->a->lang, dcs_index_cohort_name(x->c), x->e, x->n, x->r,
                                       dcs_index_cohort_options(x->c), x->sens,
                                       dcs_index_policy_version(x->pol));
}
static int procurement_csv(FILE *f, void *p)
{
    cohort_ctx_t *x = p;
    return dcs_report_ranking_csv(f, x->e, x->n, x->r, 1);
}

static int procurement(cohort_ctx_t *x, const char *out)
{
    char err[512], csv[4200];
    dcs_index_ranking_t r = {0};
    int *sens = calloc(6 * (x->n ? x->n : 1), sizeof *sens);
    int rc = sens ? dcs_index_rank(x->e, x->n, x->pol, dcs_index_cohort_options(x->c), &r, err, sizeof err)
                  : DCS_ENOMEM;
    if (!rc)
        rc = dcs_index_sensitivity(x->e, x->n, x->pol, dcs_index_cohort_options(x->c), r.w, 0.2, sens);
    if (rc)
        fprintf(stderr, "dcscore: %s\n", rc == DCS_ENOMEM ? "out of memory" : err);
    x->r = &r;
    x->sens = sens;
    sibling(out, ".csv", csv, sizeof csv);
    if (!rc)
        rc = write_file(out, procurement_html, x) || write_file(csv, procurement_csv, x) ? DCS_EIO : 0;
    dcs_index_ranking_free(&r, x->n);
    free(sens);
    return rc ? (rc == DCS_ENODATA ? CLI_DATA : CLI_FAIL) : CLI_OK;
}

int cli_cohort_report(const score_args_t *a, const char *cohort_path)
{
    dcs_index_policy_t *pol = cli_policy_load();
    if (pol && a->system) { /* procurement or regional report on an index system */
        dcs_index_sopts_t o = {.min_coverage = NAN, .draws = 2000, .seed = 1, .weight_sd = 0.10};
        dcs_index_policy_free(pol);
        return cli_system_report(a, a->system, cohort_path, &o);
    }
    dcs_index_cohort_t *c = NULL;
    int rc = pol ? dcs_index_cohort_load(cohort_path, pol, &c) : DCS_ECONFIG;
    if (pol && rc)
        fprintf(stderr, "dcscore: %s\n", dcs_index_cohort_errmsg(c));
    char def[300], json[4200], csv[4200];
    snprintf(def, sizeof def, "%s-report.html", a->procurement ? "procurement" : a->region);
    const char *out = a->out ? a->out : def;
    cohort_ctx_t x = {.a = a, .c = c, .pol = pol};
    if (!rc) {
        x.e = dcs_index_cohort_entries(c, &x.n);
        if (a->procurement) {
            rc = procurement(&x, out);
        } else {
            sibling(out, ".schedule.json", json, sizeof json);
            sibling(out, ".schedule.csv", csv, sizeof csv);
            rc = write_file(out, region_html, &x) || write_file(json, region_json, &x) ||
                 write_file(csv, region_csv, &x) ? CLI_FAIL : CLI_OK;
        }
        if (!rc)
            rc = cli_report_done(out, a->pdf);
    } else {
        rc = CLI_USAGE;
    }
    dcs_index_cohort_free(c);
    dcs_index_policy_free(pol);
    return rc;
}
