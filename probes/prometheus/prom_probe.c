/* prom_probe.c: the `prometheus` backend. Scrapes Prometheus text pages
 * (dcgm-exporter, Huawei's npu-exporter, node_exporter) and turns the series a
 * channel's selector matches into one sample: the one series, or their sum or
 * mean (`walk`). Every device of a cycle is fetched at once from one thread
 * (libcurl multi), so a thousand endpoints cost one thread; connections are
 * kept alive between cycles. A page is used whole or not at all: an HTTP
 * error, a cut-off or malformed page, a duplicate series, NaN or an ambiguous
 * selector flags the samples with the reason, never a guessed value. */
#define _GNU_SOURCE
#include "prom_int.h"
#include "../dcs_http.h"
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX (64u << 20) /* bytes of one page: node_exporter's largest are a few MB */

typedef struct {
    const dcs_config_t *cfg;
    char *url;
    int timeout_ms;
    size_t n;                     /* the device's channels, config order */
    uint32_t *chan;
    prom_sel_t *sel;
    prom_acc_t *acc;
    CURL *e;
    dcs_http_body_t body;
    int done;
    CURLcode res;
    long code;
    int64_t t_start, t_done;
    char err[DCS_PROBE_ERRLEN];
} pr_state_t;

static pthread_mutex_t multi_mu = PTHREAD_MUTEX_INITIALIZER;
static CURLM *multi; /* one for the process: its connection cache outlives the cycles */

static void pr_close(void *state)
{
    pr_state_t *s = state;
    if (!s)
        return;
    if (s->e)
        curl_easy_cleanup(s->e);
    free(s->url), free(s->chan), free(s->sel), free(s->acc), free(s->body.buf);
    free(s);
}

static int pr_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err, size_t errlen)
{
    const dcs_config_device_t *d = &cfg->devices[dev];
    pr_state_t *s = calloc(1, sizeof *s);
    if (!s || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return free(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    s->cfg = cfg, s->timeout_ms = d->timeout_ms;
    for (unsigned i = 0; i < cfg->channels_count; i++)
        s->n += cfg->channels[i].device_index == dev;
    s->url = strdup(d->url);
    s->chan = calloc(s->n ? s->n : 1, sizeof *s->chan);
    s->sel = calloc(s->n ? s->n : 1, sizeof *s->sel);
    s->acc = calloc(s->n ? s->n : 1, sizeof *s->acc);
    s->e = curl_easy_init();
    if (!s->url || !s->chan || !s->sel || !s->acc || !s->e)
        return pr_close(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    size_t k = 0;
    for (unsigned i = 0; i < cfg->channels_count; i++) {
        if (cfg->channels[i].device_index != dev)
            continue;
        char why[200];
        s->chan[k] = i;
        if (prom_sel_parse(cfg->channels[i].metric, &s->sel[k++], why, sizeof why))
            return snprintf(err, errlen, "channel '%s': %s", cfg->channels[i].id, why), pr_close(s), DCS_ECONFIG;
    }
    curl_easy_setopt(s->e, CURLOPT_URL, s->url);
    s->body.max = PAGE_MAX;
    curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, dcs_http_body_take);
    curl_easy_setopt(s->e, CURLOPT_WRITEDATA, &s->body);
    curl_easy_setopt(s->e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->e, CURLOPT_ACCEPT_ENCODING, ""); /* gzip when the exporter offers it */
    int rc = dcs_http_setup(s->e, d, err, errlen);
    if (rc)
        return pr_close(s), rc;
    *state = s;
    return 0;
}

static void set_err(pr_state_t *s, const char *fmt, const char *a)
{
    if (!s->err[0])
        snprintf(s->err, sizeof s->err, fmt, a ? a : "");
}

/* The flag of every sample when the page could not be had, or OK. */
static int page_flag(pr_state_t *s)
{
    char code[32];
    if (!s->done)
        return set_err(s, "timeout%s", NULL), DCS_SAMPLE_TIMEOUT;
    if (s->body.too_big)
        return set_err(s, "the page is over 64 MiB%s", NULL), DCS_SAMPLE_GARBAGE;
    if (s->res == CURLE_COULDNT_CONNECT || s->res == CURLE_COULDNT_RESOLVE_HOST)
        return set_err(s, "%s", curl_easy_strerror(s->res)), DCS_SAMPLE_NOCONN;
    if (s->res == CURLE_OPERATION_TIMEDOUT)
        return set_err(s, "timeout%s", NULL), DCS_SAMPLE_TIMEOUT;
    if (s->res == CURLE_PEER_FAILED_VERIFICATION || s->res == CURLE_SSL_CACERT_BADFILE ||
        s->res == CURLE_SSL_CONNECT_ERROR)
        return set_err(s, "TLS: %s (not trusted: give the device's CA in ca_file)", curl_easy_strerror(s->res)),
               DCS_SAMPLE_NOCONN;
    if (s->res == CURLE_PARTIAL_FILE || s->res == CURLE_RECV_ERROR)
        return set_err(s, "the page was cut off mid-body (%s)", curl_easy_strerror(s->res)), DCS_SAMPLE_GARBAGE;
    if (s->res != CURLE_OK)
        return set_err(s, "%s", curl_easy_strerror(s->res)), DCS_SAMPLE_GARBAGE;
    if (s->code != 200) {
        snprintf(code, sizeof code, "%ld", s->code);
        return set_err(s, "HTTP %s", code), DCS_SAMPLE_EXCEPTION;
    }
    char why[200];
    if (prom_scan(s->body.buf ? s->body.buf : "", s->body.len, s->sel, s->n, s->acc, why, sizeof why))
        return set_err(s, "%s", why), DCS_SAMPLE_GARBAGE;
    return DCS_SAMPLE_OK;
}

/* One channel's sample from the page's matches. */
static int channel_flag(pr_state_t *s, size_t k, double *raw)
{
    const dcs_config_channel_t *c = &s->cfg->channels[s->chan[k]];
    const prom_acc_t *a = &s->acc[k];
    char what[240];
    snprintf(what, sizeof what, "channel '%s' (%s)", c->id, c->metric);
    *raw = c->walk == DCS_CONFIG_WALK_MEAN && a->n ? a->sum / (double)a->n : a->sum;
    if (!a->n)
        return set_err(s, "%s: no series on the page", what), DCS_SAMPLE_NOSUCH;
    if (a->duplicate)
        return set_err(s, "%s: the same series twice on the page", what), DCS_SAMPLE_GARBAGE;
    if (a->nonfinite)
        return set_err(s, "%s: NaN or Inf", what), DCS_SAMPLE_GARBAGE;
    if (a->n > 1 && c->walk == DCS_CONFIG_WALK_NONE)
        return set_err(s, "%s: several series match: give walk: sum or mean, or more labels", what),
               DCS_SAMPLE_GARBAGE;
    return DCS_SAMPLE_OK;
}

static int finish(pr_state_t *s, dcs_sample_t *out, size_t n)
{
    int page = page_flag(s), ok = 0;
    for (size_t k = 0; k < n && k < s->n; k++) {
        const dcs_config_channel_t *c = &s->cfg->channels[s->chan[k]];
        double raw = NAN;
        int flag = page == DCS_SAMPLE_OK ? channel_flag(s, k, &raw) : page;
        double v = (raw * c->scale + c->offset) * c->to_si;
        if (flag == DCS_SAMPLE_OK && !isfinite(v))
            flag = DCS_SAMPLE_GARBAGE;
        out[k] = (dcs_sample_t){.channel = s->chan[k], .flag = (uint8_t)flag,
                                .t_ns = s->done ? s->t_done : dcs_time_now_ns(),
                                .value = flag == DCS_SAMPLE_OK ? v : NAN};
        ok += flag == DCS_SAMPLE_OK;
    }
    return ok;
}

/* Fetch every page at once until each is answered or the deadline. */
static void fetch(pr_state_t **st, size_t n, int64_t deadline_ns)
{
    int64_t now = dcs_time_now_ns();
    for (size_t i = 0; i < n; i++) {
        pr_state_t *s = st[i];
        s->body.len = 0, s->body.too_big = 0, s->done = 0, s->code = 0, s->err[0] = '\0';
        long ms = (long)((deadline_ns - now) / 1000000);
        curl_easy_setopt(s->e, CURLOPT_TIMEOUT_MS, ms < s->timeout_ms ? (ms > 1 ? ms : 1) : (long)s->timeout_ms);
        s->t_start = now;
        curl_multi_add_handle(multi, s->e);
    }
    for (size_t left = n; left;) {
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int q;
        while ((m = curl_multi_info_read(multi, &q)))
            if (m->msg == CURLMSG_DONE) {
                pr_state_t *s;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
                curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &s->code);
                s->res = m->data.result, s->done = 1, s->t_done = dcs_time_now_ns();
                curl_multi_remove_handle(multi, m->easy_handle);
                left--;
            }
        int64_t rest = (deadline_ns - dcs_time_now_ns()) / 1000000;
        if (!left || rest <= 0)
            break;
        curl_multi_poll(multi, NULL, 0, (int)(rest < 100 ? rest : 100), NULL);
    }
    for (size_t i = 0; i < n; i++)
        if (!st[i]->done)
            curl_multi_remove_handle(multi, st[i]->e); /* cut off at the deadline */
}

static size_t pr_poll_many(void **states, size_t n, int64_t deadline_ns, dcs_sample_t **out, const size_t *nout,
                           int *ok, char (*err)[DCS_PROBE_ERRLEN], int64_t *latency_ns)
{
    pthread_mutex_lock(&multi_mu);
    if (!multi)
        multi = curl_multi_init();
    if (multi)
        fetch((pr_state_t **)states, n, deadline_ns);
    pthread_mutex_unlock(&multi_mu);
    for (size_t i = 0; i < n; i++) {
        pr_state_t *s = states[i];
        ok[i] = finish(s, out[i], nout[i]);
        latency_ns[i] = (s->done ? s->t_done : dcs_time_now_ns()) - s->t_start;
        snprintf(err[i], DCS_PROBE_ERRLEN, "%s", s->err);
    }
    return 0;
}

static int pr_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err, size_t errlen)
{
    int ok;
    char e[1][DCS_PROBE_ERRLEN];
    int64_t lat;
    void *one[1] = {state};
    dcs_sample_t *o[1] = {out};
    pr_poll_many(one, 1, deadline_ns, o, &n, &ok, e, &lat);
    snprintf(err, errlen, "%s", e[0]);
    return ok;
}

static const dcs_probe_ops prom_ops = {
    .version = 2, .name = "prometheus", .open = pr_open, .poll = pr_poll, .close = pr_close,
    .poll_many = pr_poll_many,
};

void dcs_probe_prometheus_register(void)
{
    dcs_probe_register(&prom_ops);
}
