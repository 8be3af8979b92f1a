/* cmd_poll.c: `dcscore poll`: connect the poller (probes) to the store through a
 * sink, flush on an interval, log device state changes and a periodic summary,
 * reload the site config on SIGHUP (samples are flushed first; a bad new config
 * keeps the old one running) and stop cleanly on SIGINT/SIGTERM. With --metrics
 * it also serves Prometheus text on a loopback port (cli_metrics.c). */
#define _GNU_SOURCE
#include "cli.h"
#include "cli_metrics.h"
#include "../base/dcs_base.h"
#include "../forward/dcs_forward.h"
#include "../index/dcs_index.h"
#include "../store/dcs_store.h"
#include "../../probes/dcs_probe.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: dcscore poll [--once | --duration S] [--flush-interval S] [--summary-interval S]\n"
    "                    [--fsync] [--metrics ADDR:PORT] [--stats] [-q|-v]\n"
    "                    [--forward URL --key KEY [--forward-interval S] [--forward-ca FILE]\n"
    "                     [--queue DIR] [--queue-max-mb N] [--queue-max-age-h H]] SITE.yaml\n"
    "\n"
    "Poll every device of the site on its interval (aligned to the clock) and append\n"
    "the samples to the HDF5 store. A device that times out or answers garbage is\n"
    "logged once when it goes down and once when it comes back; its samples are\n"
    "stored as missing (NaN) with a flag. Runs until SIGINT/SIGTERM (flush, close,\n"
    "exit 0) unless limited. SIGHUP reloads SITE.yaml; if the new file is invalid the\n"
    "error is logged and polling goes on with the old one.\n"
    "\n"
    "  --once                 one cycle, then exit\n"
    "  --duration S           stop after S seconds\n"
    "  --flush-interval S     write buffered samples to disk at least every S seconds\n"
    "                         (default 5; after the cycle that would otherwise be late)\n"
    "  --fsync                also fsync the day file after each flush (power-loss safe)\n"
    "  --summary-interval S   log a summary line every S seconds (default 600, 0 = never)\n"
    "  --metrics ADDR:PORT    serve Prometheus metrics over HTTP (off by default; e.g.\n"
    "                         127.0.0.1:9877; an address other than loopback must be given)\n"
    "  --stats                print the poller's self-metrics as one JSON line on stdout\n"
    "                         at each summary and at exit (polls, samples by outcome,\n"
    "                         latency and cycle time p50/p99, overruns, late answers,\n"
    "                         samples written)\n"
    "  -q, -v                 warnings and errors only / also debug lines\n"
    "\n"
    "The live scheduling feed (docs/region.md):\n"
    "  --forward URL          every interval, send the region's collector (its\n"
    "                         .../v1/status) a signed status: live PUE, IT and facility\n"
    "                         power, rated and effective FP16/FP32 compute, coverage and\n"
    "                         findings (dcscore.status/1); queued on disk until it is\n"
    "                         acknowledged, delivered in order when the link returns\n"
    "  --key KEY              the operator's private key (dcscore keygen) to sign with\n"
    "  --forward-interval S   seconds per message (default 60; at least 1)\n"
    "  --forward-ca FILE      CA certificate(s) an https:// collector is verified by\n"
    "                         (default: the system's; verification is never off)\n"
    "  --queue DIR            the queue (default STORE_DIR/SITE/forward)\n"
    "  --queue-max-mb N       at most N MiB queued (default 64), oldest dropped first\n"
    "  --queue-max-age-h H    messages older than H hours dropped unsent (default 168)\n";

typedef struct {
    const char *url, *key_path, *ca, *queue;
    double interval_s, max_mb, max_age_h;
} forward_args_t;

static volatile sig_atomic_t stop_requested, reload_requested;
static int use_fsync, print_stats;
static forward_args_t fwd = {.interval_s = 60, .max_mb = 64, .max_age_h = 168};
static dcs_metric_limits_t limits;
static dcs_poller_t *running;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
    if (running)
        dcs_poller_stop(running);
}

typedef struct {
    dcs_config_t *cfg;
    dcs_poller_t *p;
    dcs_store_t *st;
    cli_metrics_t *metrics;
    dcs_forward_t *fw;
    dcs_live_t *live; /* the forwarder's figures, fed by sink() */
    int64_t flush_ns, last_flush_ns, summary_ns, last_summary_ns;
    uint64_t flushes, written;
    uint64_t prev_cycles, prev_ok, prev_missing, prev_overruns; /* sessions before a reload */
    int failed;
} session_t;

/* The self-metrics row stored with the samples (dcs_store_stats_names order): the
 * same figures as --stats. */
static void put_stats(const session_t *s)
{
    const dcs_poller_stats_t *st = dcs_poller_stats(s->p);
    double v[DCS_STORE_STATS_N] = {
        (double)st->cycles, (double)st->polls, (double)st->overruns, (double)st->late_answers,
        (double)s->written};
    for (int k = 0; k < 8; k++)
        v[5 + k] = (double)st->by_flag[k];
    v[13] = dcs_poller_hist_ms(&st->latency, 0.5), v[14] = dcs_poller_hist_ms(&st->latency, 0.99);
    v[15] = dcs_poller_hist_ms(&st->cycle, 0.5), v[16] = dcs_poller_hist_ms(&st->cycle, 0.99);
    v[17] = (double)st->max_cycle_ns / 1e6, v[18] = st->devices_down;
    dcs_store_put_stats(s->st, dcs_time_now_ns(), v);
}

static void flush_store(session_t *s)
{
    char notice[800];
    if (s->p)
        put_stats(s);
    int rc = dcs_store_flush(s->st);
    if (dcs_store_notice(s->st, notice, sizeof notice))
        cli_log(1, "%s", notice);
    if (rc && !s->failed)
        cli_log(0, "%s (samples kept in memory, retrying)", dcs_store_errmsg(s->st));
    s->failed = rc != 0;
    s->flushes += rc == 0;
    s->last_flush_ns = dcs_time_now_ns();
}

/* --stats: the current poller's self-metrics as one JSON line (since the last
 * start or reload; samples written count since start). */
static void stats_json(const session_t *s)
{
    const dcs_poller_stats_t *st = dcs_poller_stats(s->p);
    printf("{\"site\":");
    dcs_json_str(stdout, s->cfg->site->id);
    printf(",\"t_utc\":\"");
    char when[40];
    dcs_time_format(dcs_time_now_ns(), NULL, when, sizeof when);
    printf("%s\",\"cycles\":%llu,\"polls\":%llu,\"overruns\":%llu,\"late_answers\":%llu,"
           "\"samples_written\":%llu,\"samples\":{", when, (unsigned long long)st->cycles,
           (unsigned long long)st->polls, (unsigned long long)st->overruns,
           (unsigned long long)st->late_answers, (unsigned long long)s->written);
    for (int k = 0; k < 8; k++)
        printf("%s\"%s\":%llu", k ? "," : "", dcs_sample_flag_name(k),
               (unsigned long long)st->by_flag[k]);
    printf("},\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f},\"cycle_ms\":{\"p50\":%.3f,"
           "\"p99\":%.3f},\"last_cycle_ms\":%.3f,\"max_cycle_ms\":%.3f,\"devices_down\":%u}\n",
           dcs_poller_hist_ms(&st->latency, 0.5), dcs_poller_hist_ms(&st->latency, 0.99),
           dcs_poller_hist_ms(&st->cycle, 0.5), dcs_poller_hist_ms(&st->cycle, 0.99),
           st->last_cycle_ns / 1e6, st->max_cycle_ns / 1e6, st->devices_down);
    fflush(stdout);
}

/* Totals since start, across reloads. */
static void summary(session_t *s)
{
    if (print_stats)
        stats_json(s);
    const dcs_poller_stats_t *st = dcs_poller_stats(s->p);
    cli_log(2, "summary: %llu cycles, %llu samples ok, %llu missing, %llu overruns, %llu flushes",
            (unsigned long long)(s->prev_cycles + st->cycles),
            (unsigned long long)(s->prev_ok + st->samples_ok),
            (unsigned long long)(s->prev_missing + st->samples_missing),
            (unsigned long long)(s->prev_overruns + st->overruns), (unsigned long long)s->flushes);
    s->last_summary_ns = dcs_time_now_ns();
}

static void sink(void *ctx, const dcs_sample_t *smp, size_t n)
{
    session_t *s = ctx;
    if (dcs_store_append(s->st, smp, n))
        cli_log(0, "%s", dcs_store_errmsg(s->st));
    else
        s->written += n;
    if (s->metrics)
        cli_metrics_update(s->metrics, smp, n, dcs_poller_stats(s->p), s->flushes);
    if (s->live)
        dcs_live_add(s->live, smp, n);
}

/* After each cycle's samples are all in: flush the rows (one per cycle, never
 * one per device) when waiting for the next cycle would be late. */
static void cycle_end(void *ctx)
{
    session_t *s = ctx;
    int64_t now = dcs_time_now_ns(), cycle_ns = (int64_t)s->cfg->site->poll_interval_ms * 1000000;
    if (now - s->last_flush_ns + cycle_ns > s->flush_ns)
        flush_store(s);
    if (s->summary_ns > 0 && now - s->last_summary_ns >= s->summary_ns)
        summary(s);
}

static void log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    cli_log(level == DCS_PROBE_LOG_ERROR ? 0 : level == DCS_PROBE_LOG_WARN ? 1 : 2, "%s", line);
}

static void log_line_fw(void *ctx, int level, const char *line)
{
    (void)ctx;
    cli_log(level, "%s", line);
}

/* Load cfg_path and build a poller and a store for it. Returns 0, or logs why not. */
static int session_open(session_t *s, const char *cfg_path)
{
    dcs_config_t *cfg = NULL;
    dcs_poller_t *p = NULL;
    dcs_store_t *st = NULL;
    int rc = dcs_config_load(cfg_path, &cfg);
    if (rc)
        cli_log(0, "%s", dcs_config_errmsg(cfg));
    else if ((rc = dcs_poller_new(cfg, &p)))
        cli_log(0, "%s", dcs_poller_errmsg(p));
    else if ((rc = dcs_store_open(cfg, 'w', &st)))
        cli_log(0, "%s: cannot open the store", cfg->site->id);
    else if ((rc = dcs_store_lock(st, "poll")))
        cli_log(0, "%s", dcs_store_errmsg(st));
    if (rc) {
        dcs_store_close(st);
        dcs_poller_free(p);
        dcs_config_free(cfg);
        return rc;
    }
    dcs_poller_on_cycle_end(p, cycle_end);
    char note[800];
    if (dcs_store_notice(st, note, sizeof note))
        cli_log(1, "%s", note);
    for (unsigned i = 0; i < cfg->devices_count; i++)
        if (cfg->devices[i].insecure)
            cli_log(1, "device '%s': insecure: true: its certificate is not verified (give ca_file instead)",
                    cfg->devices[i].id);
    s->cfg = cfg, s->p = p, s->st = st;
    dcs_store_set_fsync(st, use_fsync);
    if (s->metrics)
        cli_metrics_set_config(s->metrics, cfg);
    return 0;
}

static void session_close(session_t *s)
{
    if (s->st)
        flush_store(s);
    dcs_store_close(s->st);
    dcs_poller_free(s->p);
    dcs_config_free(s->cfg);
    s->st = NULL, s->p = NULL, s->cfg = NULL;
}

/* SIGHUP: build the new session first; swap only if it is valid. */
static void reload(session_t *s, const char *cfg_path)
{
    session_t next = *s;
    flush_store(s); /* everything polled so far is on disk before anything changes */
    if (session_open(&next, cfg_path)) {
        cli_log(1, "%s: reload refused, still polling with the previous configuration", cfg_path);
        if (s->metrics)
            cli_metrics_set_config(s->metrics, s->cfg);
        return;
    }
    const dcs_poller_stats_t *st = dcs_poller_stats(s->p);
    next.prev_cycles += st->cycles, next.prev_ok += st->samples_ok;
    next.prev_missing += st->samples_missing, next.prev_overruns += st->overruns;
    next.flushes = s->flushes;
    next.written = s->written;
    if (s->fw) { /* the interval under way starts over with the new channels */
        dcs_live_t *live = dcs_live_new(next.cfg, fwd.interval_s, &limits);
        if (live) {
            dcs_live_free(dcs_forward_set_live(s->fw, live));
            next.live = live;
        } else
            cli_log(0, "forward: out of memory after the reload: figures from the previous configuration");
    }
    dcs_config_t *old_cfg = s->cfg;
    dcs_store_close(s->st); /* flushed above */
    dcs_poller_free(s->p);
    *s = next;
    dcs_config_free(old_cfg);
    cli_log(2, "%s: reloaded (%u devices, %u channels)", cfg_path, s->cfg->devices_count,
            s->cfg->channels_count);
}

static int parse(int argc, char **argv, double *duration_s, double *flush_s, double *summary_s,
                 int *once, const char **metrics)
{
    static const struct option opts[] = {
        {"once", no_argument, 0, 'o'}, {"duration", required_argument, 0, 'd'},
        {"flush-interval", required_argument, 0, 'f'}, {"summary-interval", required_argument, 0, 's'},
        {"metrics", required_argument, 0, 'm'}, {"fsync", no_argument, 0, 'y'},
        {"stats", no_argument, 0, 'S'}, {"forward", required_argument, 0, 'F'},
        {"key", required_argument, 0, 'K'}, {"forward-interval", required_argument, 0, 'I'},
        {"forward-ca", required_argument, 0, 'C'}, {"queue", required_argument, 0, 'Q'},
        {"queue-max-mb", required_argument, 0, 'B'}, {"queue-max-age-h", required_argument, 0, 'A'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "qv", opts, NULL)) != -1) {
        switch (c) {
        case 'o': *once = 1; break;
        case 'd': *duration_s = atof(optarg); break;
        case 'f': *flush_s = atof(optarg); break;
        case 's': *summary_s = atof(optarg); break;
        case 'm': *metrics = optarg; break;
        case 'y': use_fsync = 1; break;
        case 'S': print_stats = 1; break;
        case 'F': fwd.url = optarg; break;
        case 'K': fwd.key_path = optarg; break;
        case 'I': fwd.interval_s = atof(optarg); break;
        case 'C': fwd.ca = optarg; break;
        case 'Q': fwd.queue = optarg; break;
        case 'B': fwd.max_mb = atof(optarg); break;
        case 'A': fwd.max_age_h = atof(optarg); break;
        case 'q': cli_verbosity = 1; break;
        case 'v': cli_verbosity = 3; break;
        case 'h': fputs(help, stdout); return -1;
        default: fputs(help, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || *duration_s < 0 || *flush_s <= 0 || *summary_s < 0) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    if ((fwd.url || fwd.key_path) && (!fwd.url || !fwd.key_path || !(fwd.interval_s >= 1) ||
                                      !(fwd.max_mb > 0) || !(fwd.max_age_h > 0))) {
        cli_log(0, "poll: --forward needs --key, an interval of at least 1 s and positive queue bounds");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* --forward: the live figures and the thread that queues and sends them. */
static int forward_start(session_t *s)
{
    dcs_submit_key_t key;
    char err[800], dir[4200];
    if (dcs_submit_key_load(fwd.key_path, &key, err, sizeof err))
        return cli_log(0, "%s", err), CLI_USAGE;
    snprintf(dir, sizeof dir, "%s/%s/forward", s->cfg->site->store_dir, s->cfg->site->id);
    double poll_s = s->cfg->site->poll_interval_ms / 1000.0;
    dcs_forward_opts_t o = {.url = fwd.url, .ca_file = fwd.ca, .key = &key, .site_id = s->cfg->site->id,
                            .region = s->cfg->site->region, .interval_s = fwd.interval_s,
                            .grace_s = poll_s + 0.5 < fwd.interval_s / 2 ? poll_s + 0.5 : fwd.interval_s / 2,
                            .spool_dir = fwd.queue ? fwd.queue : dir,
                            .max_bytes = (uint64_t)(fwd.max_mb * 1048576), .max_age_s = fwd.max_age_h * 3600,
                            .log = log_line_fw};
    s->live = dcs_live_new(s->cfg, fwd.interval_s, &limits);
    int rc = !s->live ? DCS_ENOMEM : dcs_forward_start(&o, s->live, &s->fw, err, sizeof err);
    memset(&key, 0, sizeof key);
    if (rc) {
        cli_log(0, "%s", s->live ? err : "out of memory");
        dcs_live_free(s->live), s->live = NULL;
        return CLI_USAGE;
    }
    dcs_forward_stats_t st;
    dcs_forward_stats(s->fw, &st);
    cli_log(2, "forward: to %s every %g s (%zu messages queued in %s)", fwd.url, fwd.interval_s, st.spool.depth,
            o.spool_dir);
    cli_metrics_set_forward(s->metrics, s->fw);
    return 0;
}

/* Stop forwarding: what is queued gets 5 s to go; the rest stays on disk. */
static void forward_stop(session_t *s)
{
    if (!s->fw)
        return;
    cli_metrics_set_forward(s->metrics, NULL);
    dcs_forward_stats_t st;
    dcs_forward_stop(s->fw, 5, &st);
    s->fw = NULL;
    cli_log(st.spool.depth ? 1 : 2, "forward: %llu messages made, %llu delivered, %llu refused; %zu left queued",
            (unsigned long long)st.made, (unsigned long long)st.delivered, (unsigned long long)st.refused,
            st.spool.depth);
    dcs_live_free(s->live);
    s->live = NULL;
}

int cmd_poll(int argc, char **argv)
{
    double duration_s = 0, flush_s = 5, summary_s = 600;
    int once = 0;
    const char *metrics = NULL;
    int rc = parse(argc, argv, &duration_s, &flush_s, &summary_s, &once, &metrics);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    const char *cfg_path = argv[optind];
    dcs_raise_open_files(); /* a descriptor per device */
    session_t s = {.flush_ns = (int64_t)(flush_s * 1e9), .summary_ns = (int64_t)(summary_s * 1e9)};
    s.last_flush_ns = s.last_summary_ns = dcs_time_now_ns();
    if (metrics && !(s.metrics = cli_metrics_start(metrics)))
        return CLI_USAGE;
    if (s.metrics || fwd.url) { /* the live findings and figures take the policy's limits */
        struct dcs_index_policy *pol = cli_policy_load();
        if (!pol)
            return cli_metrics_stop(s.metrics), CLI_USAGE;
        limits = dcs_index_policy_limits(pol);
        cli_metrics_set_limits(s.metrics, limits.pue_min, limits.pue_max);
        dcs_index_policy_free(pol);
    }
    if (session_open(&s, cfg_path) || (fwd.url && forward_start(&s))) {
        session_close(&s);
        cli_metrics_stop(s.metrics);
        return CLI_USAGE;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int64_t until = duration_s > 0 ? dcs_time_now_ns() + (int64_t)(duration_s * 1e9) : 0;
    cli_log(2, "polling %u devices, %u channels every %d ms", s.cfg->devices_count,
            s.cfg->channels_count, s.cfg->site->poll_interval_ms);
    for (;;) {
        running = s.p;
        dcs_poller_run(s.p, until, once ? 1 : 0, sink, log_line, &s);
        running = NULL;
        if (stop_requested || once || (until && dcs_time_now_ns() >= until) || !reload_requested)
            break;
        reload_requested = 0;
        reload(&s, cfg_path);
    }
    summary(&s);
    forward_stop(&s);
    session_close(&s);
    rc = s.failed ? CLI_DATA : CLI_OK;
    cli_metrics_stop(s.metrics);
    return rc;
}
