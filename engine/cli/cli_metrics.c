/* cli_metrics.c: the Prometheus endpoint of `dcscore poll` (text exposition
 * format 0.0.4). State is written by the polling thread and read by
 * libmicrohttpd's thread under one mutex. */
#define _GNU_SOURCE
#include "cli_metrics.h"
#include "cli.h"
#include "../base/dcs_base.h"
#include "../metric/dcs_metric.h"
#include "../forward/dcs_forward.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *id, *device, *role, *unit;
    int is_dc, is_it;   /* counts towards live E_DC / E_IT power */
    double value;
    int64_t t_ns;
} series_t;

struct cli_metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    char *site;
    series_t *s;
    size_t n;
    dcs_poller_stats_t st;
    uint64_t flushes;
    double pue_min, pue_max; /* live plausibility limits (policy file) */
    dcs_forward_t *fw;       /* poll --forward: its queue and deliveries */
};

static void free_series(cli_metrics_t *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->s[i].id), free(m->s[i].device), free(m->s[i].role), free(m->s[i].unit);
    }
    free(m->s);
    free(m->site);
    m->s = NULL, m->site = NULL, m->n = 0;
}

void cli_metrics_set_config(cli_metrics_t *m, const dcs_config_t *cfg)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    free_series(m);
    int has_it_total = dcs_metric_has_it_total(cfg);
    m->site = strdup(cfg->site->id);
    m->s = calloc(cfg->channels_count ? cfg->channels_count : 1, sizeof *m->s);
    for (unsigned i = 0; m->s && i < cfg->channels_count; i++) {
        const dcs_config_channel_t *c = &cfg->channels[i];
        int power = c->kind == DCS_CONFIG_POWER;
        m->s[i] = (series_t){.id = strdup(c->id), .device = strdup(cfg->devices[c->device_index].id),
                             .role = strdup(dcs_config_role_name(c->role)),
                             .unit = strdup(dcs_config_si_unit(c->kind)), .value = NAN,
                             .is_dc = power && dcs_metric_counts_for(c, 0, has_it_total),
                             .is_it = power && dcs_metric_counts_for(c, 1, has_it_total)};
        m->n++;
    }
    pthread_mutex_unlock(&m->mu);
}

void cli_metrics_update(cli_metrics_t *m, const dcs_sample_t *s, size_t n,
                        const dcs_poller_stats_t *st, uint64_t flushes)
{
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n; i++)
        if (s[i].channel < m->n) {
            m->s[s[i].channel].value = s[i].flag == DCS_SAMPLE_OK ? s[i].value : NAN;
            m->s[s[i].channel].t_ns = s[i].t_ns;
        }
    m->st = *st;
    m->flushes = flushes;
    pthread_mutex_unlock(&m->mu);
}

/* A label value with \, " and newline escaped (exposition format). */
static void label(FILE *f, const char *name, const char *v, int first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (; v && *v; v++)
        *v == '\\' ? fputs("\\\\", f) : *v == '"' ? fputs("\\\"", f) : *v == '\n' ? fputs("\\n", f)
                                                                                  : fputc(*v, f);
    fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value(FILE *f, double v)
{
    if (isnan(v))
        fputs(" NaN\n", f);
    else
        fprintf(f, " %.17g\n", v);
}

static void self_metrics(cli_metrics_t *m, FILE *f)
{
    head(f, "dcscore_samples_total", "counter", "Samples polled, by outcome.");
    for (int k = 0; k < 8; k++) {
        fputs("dcscore_samples_total{", f);
        label(f, "site", m->site, 1);
        label(f, "status", dcs_sample_flag_name(k), 0);
        fprintf(f, "} %llu\n", (unsigned long long)m->st.by_flag[k]);
    }
    struct { const char *name, *type, *help; double v; } one[] = {
        {"dcscore_poll_cycles_total", "counter", "Polling cycles run.", (double)m->st.cycles},
        {"dcscore_poll_overruns_total", "counter", "Cycles that ended after their deadline.", (double)m->st.overruns},
        {"dcscore_poll_last_cycle_seconds", "gauge", "Time from the last tick to its last answer.", (double)m->st.last_cycle_ns * 1e-9},
        {"dcscore_poll_max_cycle_seconds", "gauge", "Longest cycle so far.", (double)m->st.max_cycle_ns * 1e-9},
        {"dcscore_poll_late_answers_total", "counter", "SNMP answers that came after their cycle's deadline.", (double)m->st.late_answers},
        {"dcscore_poll_latency_p50_seconds", "gauge", "Median device poll latency (request to last answer).", dcs_poller_hist_ms(&m->st.latency, 0.5) * 1e-3},
        {"dcscore_poll_latency_p99_seconds", "gauge", "99th percentile device poll latency.", dcs_poller_hist_ms(&m->st.latency, 0.99) * 1e-3},
        {"dcscore_poll_cycle_p50_seconds", "gauge", "Median cycle time (tick to last answer).", dcs_poller_hist_ms(&m->st.cycle, 0.5) * 1e-3},
        {"dcscore_poll_cycle_p99_seconds", "gauge", "99th percentile cycle time.", dcs_poller_hist_ms(&m->st.cycle, 0.99) * 1e-3},
        {"dcscore_devices_down", "gauge", "Devices whose last poll returned no valid sample.", (double)m->st.devices_down},
        {"dcscore_store_flushes_total", "counter", "Successful store flushes.", (double)m->flushes},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        head(f, one[i].name, one[i].type, one[i].help);
        fprintf(f, "%s{", one[i].name);
        label(f, "site", m->site, 1);
        fputc('}', f);
        value(f, one[i].v);
    }
}

/* poll --forward: the queue's depth and age, the messages by what became of them. */
static void forward_metrics(cli_metrics_t *m, FILE *f)
{
    dcs_forward_stats_t st;
    dcs_forward_stats(m->fw, &st);
    double age = st.spool.depth ? (double)(dcs_time_now_ns() - st.spool.oldest_t_ns) * 1e-9 : 0;
    struct { const char *name, *type, *help; double v; } one[] = {
        {"dcscore_forward_queue_depth", "gauge", "Status messages queued on disk, not yet acknowledged.", (double)st.spool.depth},
        {"dcscore_forward_queue_bytes", "gauge", "Bytes the queue holds on disk.", (double)st.spool.bytes},
        {"dcscore_forward_queue_oldest_age_seconds", "gauge", "Age of the oldest queued message's data (0 when empty).", age},
        {"dcscore_forward_failures_total", "counter", "Delivery attempts that failed and will be retried.", (double)st.failures},
        {"dcscore_forward_last_http_status", "gauge", "The collector's last HTTP status (0: no answer).", (double)st.last_http},
        {"dcscore_forward_last_delivered_timestamp_seconds", "gauge", "When a message was last acknowledged (UTC).", (double)st.last_delivered_ns * 1e-9},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        head(f, one[i].name, one[i].type, one[i].help);
        fprintf(f, "%s{", one[i].name);
        label(f, "site", m->site, 1);
        fputc('}', f);
        value(f, one[i].v);
    }
    const struct { const char *result; uint64_t n; } by[] = {
        {"queued", st.made}, {"delivered", st.delivered}, {"duplicate", st.duplicates},
        {"refused", st.refused}, {"dropped", st.spool.dropped}};
    head(f, "dcscore_forward_messages_total", "counter",
         "Status messages made (queued) and what became of them since start.");
    for (size_t i = 0; i < sizeof by / sizeof by[0]; i++) {
        fputs("dcscore_forward_messages_total{", f);
        label(f, "site", m->site, 1);
        label(f, "result", by[i].result, 0);
        fprintf(f, "} %llu\n", (unsigned long long)by[i].n);
    }
}

/* The PUE findings on the live ratio, a gauge each (1 when it holds), so that
 * a mis-scaled meter alerts before any score is run. */
static void live_findings(const cli_metrics_t *m, FILE *f, double pue)
{
    const struct { const char *id; int on; } x[] = {
        {"no_pue", isnan(pue)}, {"pue_below_min", pue < m->pue_min},
        {"pue_above_max", pue > m->pue_max}};
    head(f, "dcscore_live_finding", "gauge",
         "1 when a plausibility finding (METRICS.md) holds for the live PUE, else 0.");
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        fputs("dcscore_live_finding{", f);
        label(f, "site", m->site, 1);
        label(f, "id", x[i].id, 0);
        fprintf(f, ",severity=\"error\"} %d\n", x[i].on);
    }
}

/* Render the whole exposition into a malloc'd buffer. */
static char *render(cli_metrics_t *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    pthread_mutex_lock(&m->mu);
    head(f, "dcscore_channel_value", "gauge", "Latest value of a channel in its unit (W, Wh or %); NaN when missing.");
    double dc = 0, it = 0;
    for (size_t i = 0; i < m->n; i++) {
        fputs("dcscore_channel_value{", f);
        label(f, "site", m->site, 1);
        label(f, "device", m->s[i].device, 0);
        label(f, "channel", m->s[i].id, 0);
        label(f, "role", m->s[i].role, 0);
        label(f, "unit", m->s[i].unit, 0);
        fputc('}', f);
        value(f, m->s[i].value);
        dc += m->s[i].is_dc ? m->s[i].value : 0;
        it += m->s[i].is_it ? m->s[i].value : 0;
    }
    head(f, "dcscore_live_pue", "gauge", "Facility power / IT power from the latest samples (not a reportable PUE).");
    fputs("dcscore_live_pue{", f);
    label(f, "site", m->site, 1);
    fputc('}', f);
    value(f, it > 0 ? dc / it : NAN);
    live_findings(m, f, it > 0 ? dc / it : NAN);
    self_metrics(m, f);
    if (m->fw)
        forward_metrics(m, f);
    pthread_mutex_unlock(&m->mu);
    fclose(f);
    return buf;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size, (void)state;
    cli_metrics_t *m = cls;
    size_t len = 0;
    int ok = strcmp(method, "GET") == 0 && strcmp(url, "/metrics") == 0;
    char *body = ok ? render(m, &len) : NULL;
    struct MHD_Response *r = body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
                                  : MHD_create_response_from_buffer(10, "not found\n", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", body ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
    enum MHD_Result rc = MHD_queue_response(c, body ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return rc;
}

#define METRICS_CONNECTIONS 512
#define METRICS_PER_IP 256
#define METRICS_TIMEOUT_S 5

cli_metrics_t *cli_metrics_start(const char *addr_port)
{
    char host[64];
    int port = -1, n = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (sscanf(addr_port, "%63[^:]:%d%n", host, &port, &n) != 2 || addr_port[n] || port < 0 ||
        port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        cli_log(0, "--metrics %s: give ADDR:PORT, e.g. 127.0.0.1:9877", addr_port);
        return NULL;
    }
    sa.sin_port = htons((uint16_t)port);
    cli_metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    m->pue_min = 1.0;
    m->pue_max = 4.0;
    /* epoll: descriptors past 1,024 (a poller with a thousand SNMP sessions)
     * are served, where select() gave empty replies. Slow or half-open clients
     * each hold one of METRICS_CONNECTIONS slots for at most METRICS_TIMEOUT_S,
     * and one address at most METRICS_PER_IP of them. */
    m->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, (uint16_t)port, NULL, NULL, handle, m,
                            MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_PER_IP,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S, MHD_OPTION_END);
    if (!m->d) {
        cli_log(0, "--metrics %s: cannot listen there", addr_port);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    cli_log(2, "metrics on http://%s:%u/metrics", host, info ? info->port : (unsigned)port);
    return m;
}

void cli_metrics_stop(cli_metrics_t *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    free_series(m);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void cli_metrics_set_limits(cli_metrics_t *m, double pue_min, double pue_max)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->pue_min = pue_min;
    m->pue_max = pue_max;
    pthread_mutex_unlock(&m->mu);
}

void cli_metrics_set_forward(cli_metrics_t *m, dcs_forward_t *fw)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->fw = fw;
    pthread_mutex_unlock(&m->mu);
}
