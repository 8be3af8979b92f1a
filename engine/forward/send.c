/* send.c: the forwarder thread. At the end of each interval (plus a grace for
 * the last cycle's answers) it takes the interval's live figures, gives them the
 * next sequence number, signs the body (Ed25519, detached, hex in the
 * X-Dcscore-Signature header) and queues it on disk; then it delivers the queue
 * oldest first, one message at a time, so the collector sees every site's
 * messages in order. libcurl's multi interface drives the transfer and the
 * thread's waits (curl_multi_poll, woken by curl_multi_wakeup to stop).
 *   202        delivered: acknowledged in the queue and removed;
 *   409        the collector has it already (an acknowledgement lost): removed;
 *   400, 413   refused for good: moved to the queue's refused/ with the reason;
 *   otherwise  kept, tried again after a backoff (1 s doubling to the interval;
 *              401 and 403, a keyring matter at the region, wait an interval). */
#define _GNU_SOURCE
#include "dcs_forward.h"
#include "../base/dcs_base.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dcs_forward {
    pthread_t th;
    pthread_mutex_t mu;           /* live, stop and st */
    char *url, *ca, *site, *region;
    dcs_submit_key_t key;
    int64_t iv_ns, grace_ns;
    void (*log)(void *, int, const char *);
    void *log_ctx;
    dcs_live_t *live;
    dcs_spool_t *sp;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    int stop;
    int64_t drain_until;
    int busy, down;               /* a transfer in flight; the link failing */
    uint64_t fl_seq;
    char *fl_body, resp[2048];
    size_t resp_len;
    int64_t retry_at, backoff_ns;
    dcs_forward_stats_t st;
};

static void flog(dcs_forward_t *f, int level, const char *fmt, ...)
{
    char line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (f->log)
        f->log(f->log_ctx, level, line);
}

static void publish(dcs_forward_t *f)
{
    pthread_mutex_lock(&f->mu);
    dcs_spool_stats(f->sp, &f->st.spool);
    pthread_mutex_unlock(&f->mu);
}

/* The interval ending at end_ns: its figures, numbered, signed and queued. */
static void make(dcs_forward_t *f, int64_t end_ns)
{
    dcs_live_status_t s;
    pthread_mutex_lock(&f->mu);
    dcs_live_take(f->live, end_ns, &s);
    pthread_mutex_unlock(&f->mu);
    uint64_t seq = dcs_spool_next_seq(f->sp);
    size_t len = 0;
    char *body = dcs_live_status_json(&s, f->key.operator_id, f->site, f->region, seq, &len);
    unsigned char sig[crypto_sign_BYTES];
    char hex[2 * crypto_sign_BYTES + 1], err[600];
    if (!body)
        return flog(f, 0, "forward: out of memory making message %llu", (unsigned long long)seq);
    crypto_sign_detached(sig, NULL, (const unsigned char *)body, len, f->key.sk);
    sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
    dcs_spool_stats_t before;
    dcs_spool_stats(f->sp, &before);
    if (dcs_spool_put(f->sp, seq, end_ns, hex, body, len, dcs_time_now_ns(), err, sizeof err))
        flog(f, 0, "forward: %s", err);
    else {
        dcs_spool_stats_t after;
        dcs_spool_stats(f->sp, &after);
        if (after.dropped > before.dropped)
            flog(f, 1, "forward: queue over its bound: %llu oldest messages dropped unsent (%zu queued)",
                 (unsigned long long)(after.dropped - before.dropped), after.depth);
        flog(f, 3, "forward: queued message %llu (%zu queued): %s", (unsigned long long)seq, after.depth, body);
        pthread_mutex_lock(&f->mu);
        f->st.made++;
        pthread_mutex_unlock(&f->mu);
    }
    free(body);
    publish(f);
}

static size_t take_reply(char *p, size_t size, size_t n, void *ctx)
{
    dcs_forward_t *f = ctx;
    size_t room = sizeof f->resp - 1 - f->resp_len, k = size * n < room ? size * n : room;
    memcpy(f->resp + f->resp_len, p, k);
    f->resp_len += k;
    f->resp[f->resp_len] = '\0';
    return size * n;
}

/* Start delivering the oldest queued message. */
static void begin(dcs_forward_t *f)
{
    char sig[129], hdr[200];
    size_t len;
    int rc = dcs_spool_peek(f->sp, &f->fl_seq, sig, &f->fl_body, &len);
    if (rc) {
        if (rc == DCS_EIO)
            flog(f, 0, "forward: a queued message was damaged on disk: moved to refused/");
        return publish(f);
    }
    curl_slist_free_all(f->hdrs);
    snprintf(hdr, sizeof hdr, "X-Dcscore-Signature: %s", sig);
    f->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    f->hdrs = curl_slist_append(f->hdrs, "Expect:");
    f->hdrs = curl_slist_append(f->hdrs, hdr);
    CURL *e = f->easy;
    curl_easy_setopt(e, CURLOPT_URL, f->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->hdrs);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, f->fl_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, take_reply);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (f->ca)
        curl_easy_setopt(e, CURLOPT_CAINFO, f->ca);
    f->resp_len = 0, f->resp[0] = '\0';
    curl_multi_add_handle(f->multi, e);
    f->busy = 1;
}

/* The collector's reason, from its {"status": N, "reason": "..."} answer. */
static void reason(const dcs_forward_t *f, char *out, size_t len)
{
    json_object *j = json_tokener_parse(f->resp), *r;
    snprintf(out, len, "%s", j && json_object_object_get_ex(j, "reason", &r) ? json_object_get_string(r) : "no reason given");
    json_object_put(j);
    dcs_text_one_line(out);
}

static void retry(dcs_forward_t *f, int64_t wait_ns, const char *why)
{
    if (!f->down)
        flog(f, 1, "forward: message %llu not delivered: %s (kept; retrying)", (unsigned long long)f->fl_seq, why);
    f->down = 1;
    pthread_mutex_lock(&f->mu);
    f->st.failures++;
    pthread_mutex_unlock(&f->mu);
    f->retry_at = dcs_time_now_ns() + wait_ns;
    int64_t cap = f->iv_ns < 60 * DCS_NS_PER_S ? f->iv_ns : 60 * DCS_NS_PER_S;
    f->backoff_ns = f->backoff_ns * 2 < cap ? f->backoff_ns * 2 : cap;
}

/* What the collector answered to the message in flight. */
static void answered(dcs_forward_t *f, CURLcode res)
{
    long code = 0;
    char why[600];
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_multi_remove_handle(f->multi, f->easy);
    f->busy = 0;
    pthread_mutex_lock(&f->mu);
    f->st.last_http = res == CURLE_OK ? (int)code : 0;
    pthread_mutex_unlock(&f->mu);
    reason(f, why, sizeof why);
    if (res != CURLE_OK)
        retry(f, f->backoff_ns, curl_easy_strerror(res));
    else if (code == 202 || code == 409) {
        if (dcs_spool_ack(f->sp, f->fl_seq))
            flog(f, 0, "forward: %s/acked cannot be written: message %llu will be sent again", "queue",
                 (unsigned long long)f->fl_seq);
        if (code == 409)
            flog(f, 1, "forward: the collector had message %llu already (%s)", (unsigned long long)f->fl_seq, why);
        if (f->down)
            flog(f, 2, "forward: the collector takes messages again");
        f->down = 0, f->backoff_ns = DCS_NS_PER_S, f->retry_at = 0;
        pthread_mutex_lock(&f->mu);
        f->st.delivered += code == 202, f->st.duplicates += code == 409;
        f->st.last_delivered_ns = dcs_time_now_ns();
        pthread_mutex_unlock(&f->mu);
    } else if (code == 400 || code == 413) {
        flog(f, 0, "forward: the collector refused message %llu (HTTP %ld: %s): kept in refused/, not resent",
             (unsigned long long)f->fl_seq, code, why);
        dcs_spool_refuse(f->sp, f->fl_seq, why);
        pthread_mutex_lock(&f->mu);
        f->st.refused++;
        pthread_mutex_unlock(&f->mu);
    } else {
        char what[700];
        snprintf(what, sizeof what, "HTTP %ld: %s", code, why);
        retry(f, code == 401 || code == 403 ? f->iv_ns : f->backoff_ns, what);
    }
    free(f->fl_body);
    f->fl_body = NULL;
    publish(f);
}

static void pump(dcs_forward_t *f)
{
    int running = 0, left;
    curl_multi_perform(f->multi, &running);
    CURLMsg *m;
    while ((m = curl_multi_info_read(f->multi, &left)))
        if (m->msg == CURLMSG_DONE && m->easy_handle == f->easy)
            answered(f, m->data.result);
}

static void *run(void *arg)
{
    dcs_forward_t *f = arg;
    int64_t next_end = (dcs_time_now_ns() / f->iv_ns + 1) * f->iv_ns;
    for (;;) {
        int64_t now = dcs_time_now_ns();
        pthread_mutex_lock(&f->mu);
        int stop = f->stop;
        size_t depth = f->st.spool.depth;
        pthread_mutex_unlock(&f->mu);
        if (stop && ((!depth && !f->busy) || now >= f->drain_until))
            break;
        if (!stop && now >= next_end + f->grace_ns) {
            make(f, next_end);
            next_end += f->iv_ns;
            if (next_end + f->grace_ns < now) /* the machine slept: from the current interval on */
                next_end = (now / f->iv_ns + 1) * f->iv_ns;
            continue;
        }
        if (!f->busy && depth && now >= f->retry_at)
            begin(f);
        pump(f);
        int64_t wake = stop ? f->drain_until : next_end + f->grace_ns;
        if (!f->busy && depth && f->retry_at < wake)
            wake = f->retry_at;
        int64_t ms = (wake - dcs_time_now_ns()) / 1000000;
        ms = f->busy ? (ms < 100 ? ms : 100) : ms;
        curl_multi_poll(f->multi, NULL, 0, (int)(ms < 0 ? 0 : ms > 1000 ? 1000 : ms), NULL);
    }
    if (f->busy)
        curl_multi_remove_handle(f->multi, f->easy); /* left queued */
    return NULL;
}

static void forward_free(dcs_forward_t *f)
{
    if (f->easy)
        curl_easy_cleanup(f->easy);
    if (f->multi)
        curl_multi_cleanup(f->multi);
    curl_slist_free_all(f->hdrs);
    dcs_spool_close(f->sp);
    free(f->fl_body), free(f->url), free(f->ca), free(f->site), free(f->region);
    sodium_memzero(&f->key, sizeof f->key);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int dcs_forward_start(const dcs_forward_opts_t *o, dcs_live_t *live, dcs_forward_t **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (!o->url || (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)) || !(o->interval_s >= 1))
        return snprintf(err, errlen, "forward: the URL must be http:// or https:// and the interval at least 1 s"),
               DCS_EINVAL;
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return snprintf(err, errlen, "forward: libsodium or libcurl cannot start"), DCS_EIO;
    dcs_forward_t *f = calloc(1, sizeof *f);
    if (!f)
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    pthread_mutex_init(&f->mu, NULL);
    f->url = strdup(o->url), f->ca = o->ca_file ? strdup(o->ca_file) : NULL;
    f->site = strdup(o->site_id), f->region = strdup(o->region ? o->region : "");
    f->key = *o->key;
    f->iv_ns = (int64_t)(o->interval_s * DCS_NS_PER_S), f->grace_ns = (int64_t)(o->grace_s * DCS_NS_PER_S);
    f->log = o->log, f->log_ctx = o->log_ctx, f->live = live;
    f->backoff_ns = DCS_NS_PER_S;
    f->multi = curl_multi_init(), f->easy = curl_easy_init();
    int rc = !f->url || !f->site || !f->region || (o->ca_file && !f->ca) || !f->multi || !f->easy ? DCS_ENOMEM : 0;
    if (rc)
        snprintf(err, errlen, "out of memory");
    else
        rc = dcs_spool_open(o->spool_dir, o->max_bytes, o->max_age_s, &f->sp, err, errlen);
    if (!rc) {
        dcs_spool_stats(f->sp, &f->st.spool);
        if (pthread_create(&f->th, NULL, run, f))
            rc = DCS_EIO, snprintf(err, errlen, "forward: cannot start its thread");
    }
    if (rc)
        return forward_free(f), rc;
    *out = f;
    return 0;
}

dcs_live_t *dcs_forward_set_live(dcs_forward_t *f, dcs_live_t *live)
{
    pthread_mutex_lock(&f->mu);
    dcs_live_t *old = f->live;
    f->live = live;
    pthread_mutex_unlock(&f->mu);
    return old;
}

void dcs_forward_stats(dcs_forward_t *f, dcs_forward_stats_t *st)
{
    pthread_mutex_lock(&f->mu);
    *st = f->st;
    pthread_mutex_unlock(&f->mu);
}

void dcs_forward_stop(dcs_forward_t *f, double drain_s, dcs_forward_stats_t *last)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    f->drain_until = dcs_time_now_ns() + (int64_t)(drain_s * DCS_NS_PER_S);
    pthread_mutex_unlock(&f->mu);
    curl_multi_wakeup(f->multi);
    pthread_join(f->th, NULL);
    if (last)
        *last = f->st;
    forward_free(f);
}
