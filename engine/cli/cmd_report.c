/* cmd_report.c: printing any report to PDF through headless Chromium (a
 * separate program, started with posix_spawn; the library never runs it). The
 * cohort reports are written by cmd_rank.c from its ranking. */
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

void cli_sibling(const char *path, const char *ext, char *buf, size_t len)
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
        cli_sibling(abs, ".pdf", out, sizeof out);
        rc = print_pdf(abs, out);
        if (!rc)
            printf("%s\n", out);
    }
    free(abs);
    return rc;
}
