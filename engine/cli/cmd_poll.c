/* cmd_poll.c: `dcscore poll`: connect the poller (probes) to the store through a
 * sink, flush on an interval, and stop cleanly on SIGINT/SIGTERM. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../store/dcs_store.h"
#include "../../probes/dcs_probe.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: dcscore poll [--once | --duration S] [--flush-interval S] [-q|-v] SITE.yaml\n"
    "\n"
    "Poll every device of the site on its interval (aligned to the clock) and append\n"
    "the samples to the HDF5 store. A device that times out or answers garbage is\n"
    "logged once when it goes down and once when it comes back; its samples are\n"
    "stored as missing (NaN) with a flag. Runs until SIGINT/SIGTERM unless limited.\n"
    "\n"
    "  --once               one cycle, then exit\n"
    "  --duration S         stop after S seconds\n"
    "  --flush-interval S   write buffered samples to disk every S seconds (default 5)\n"
    "  -q, -v               fewer / more log lines\n";

static dcs_poller_t *running;
static void on_signal(int sig)
{
    (void)sig;
    if (running)
        dcs_poller_stop(running);
}

typedef struct {
    dcs_store_t *st;
    int64_t flush_ns, last_flush_ns;
    int failed;
} sink_ctx_t;

static void flush_store(sink_ctx_t *sc)
{
    char notice[800];
    int rc = dcs_store_flush(sc->st);
    if (dcs_store_notice(sc->st, notice, sizeof notice))
        cli_log(1, "%s", notice);
    if (rc && !sc->failed)
        cli_log(0, "%s (samples kept in memory, retrying)", dcs_store_errmsg(sc->st));
    sc->failed = rc != 0;
    sc->last_flush_ns = dcs_time_now_ns();
}

static void sink(void *ctx, const dcs_sample_t *s, size_t n)
{
    sink_ctx_t *sc = ctx;
    if (dcs_store_append(sc->st, s, n))
        cli_log(0, "%s", dcs_store_errmsg(sc->st));
    if (dcs_time_now_ns() - sc->last_flush_ns >= sc->flush_ns)
        flush_store(sc);
}

static void log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    cli_log(level, "%s", line);
}

int cmd_poll(int argc, char **argv)
{
    static const struct option opts[] = {
        {"once", no_argument, 0, 'o'}, {"duration", required_argument, 0, 'd'},
        {"flush-interval", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    double duration_s = 0, flush_s = 5;
    int once = 0, c;
    while ((c = getopt_long(argc, argv, "qv", opts, NULL)) != -1) {
        switch (c) {
        case 'o': once = 1; break;
        case 'd': duration_s = atof(optarg); break;
        case 'f': flush_s = atof(optarg); break;
        case 'q': cli_verbosity = 0; break;
        case 'v': cli_verbosity = 2; break;
        case 'h': fputs(help, stdout); return CLI_OK;
        default: fputs(help, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || duration_s < 0 || flush_s <= 0) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    dcs_config_t *cfg = cli_load_config(argv[optind]);
    if (!cfg)
        return CLI_USAGE;
    dcs_poller_t *p = NULL;
    sink_ctx_t sc = {.flush_ns = (int64_t)(flush_s * 1e9), .last_flush_ns = dcs_time_now_ns()};
    int rc = dcs_poller_new(cfg, &p);
    if (rc) {
        fprintf(stderr, "dcscore: %s\n", dcs_poller_errmsg(p));
        dcs_poller_free(p);
        dcs_config_free(cfg);
        return rc == DCS_ENOMEM ? CLI_FAIL : CLI_USAGE;
    }
    if (dcs_store_open(cfg, 'w', &sc.st)) {
        dcs_poller_free(p);
        dcs_config_free(cfg);
        return CLI_FAIL;
    }
    running = p;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int64_t until = duration_s > 0 ? dcs_time_now_ns() + (int64_t)(duration_s * 1e9) : 0;
    cli_log(2, "polling %u devices, %u channels every %d ms", cfg->devices_count,
            cfg->channels_count, cfg->site->poll_interval_ms);
    dcs_poller_run(p, until, once ? 1 : 0, sink, log_line, &sc);
    running = NULL;
    flush_store(&sc);
    const dcs_poller_stats_t *s = dcs_poller_stats(p);
    cli_log(2, "%llu cycles, %llu samples ok, %llu missing, %llu overruns",
            (unsigned long long)s->cycles, (unsigned long long)s->samples_ok,
            (unsigned long long)s->samples_missing, (unsigned long long)s->overruns);
    rc = sc.failed ? CLI_DATA : CLI_OK;
    dcs_store_close(sc.st);
    dcs_poller_free(p);
    dcs_config_free(cfg);
    return rc;
}
