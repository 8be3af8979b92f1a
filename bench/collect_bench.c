/* collect_bench.c: the region's collector under the load of a city's sites.
 * 1,000 sites (10 operators) each send signed status messages; the collector
 * (`dcscore collect`, SQLite store, pinned to one core, the load generator on
 * another) checks each signature and sequence number and writes it. Messages
 * are signed beforehand and sent over 16 keep-alive connections (libcurl
 * multi) as fast as they are answered, at most 20,000 of them and 60 s. The
 * baseline in the same run is the same load of GET /metrics: the HTTP server
 * alone. Prints messages/s accepted, p50/p99 latency, the ratio to the
 * baseline, and the headroom over what 1,000 sites at 60 s send (16.7 msg/s;
 * target 50x). */
#define _GNU_SOURCE
#include "bench_util.h"
#include "../engine/base/dcs_base.h"

#include <curl/curl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SITES 1000
#define OPS 10
#define ROUNDS 20
#define CONC 16
#define MAX_S 60.0

typedef struct {
    char *body, sig[129];
} msg_t;

static msg_t *msgs;
static size_t nmsg;
static double *lat;

static size_t sink(char *p, size_t s, size_t n, void *c)
{
    (void)p, (void)c;
    return s * n;
}

/* The keyring of OPS operators and SITES x ROUNDS signed messages, seq rising. */
static int prepare(const char *dir)
{
    unsigned char pk[OPS][32], sk[OPS][64];
    char path[600], hex[65];
    snprintf(path, sizeof path, "%s/ring.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("operators:\n", f);
    for (int o = 0; o < OPS; o++) {
        crypto_sign_keypair(pk[o], sk[o]);
        sodium_bin2hex(hex, sizeof hex, pk[o], 32);
        fprintf(f, "  - {id: op-%02d, public_key: %s, valid_from: 2026-01-01}\n", o, hex);
    }
    fclose(f);
    nmsg = (size_t)SITES * ROUNDS;
    msgs = calloc(nmsg, sizeof *msgs);
    lat = calloc(nmsg, sizeof *lat);
    int64_t t0 = dcs_time_now_ns() - (int64_t)ROUNDS * 60 * DCS_NS_PER_S;
    for (size_t i = 0; msgs && i < nmsg; i++) {
        int site = (int)(i % SITES), round = (int)(i / SITES), o = site % OPS;
        if (asprintf(&msgs[i].body,
                     "{\"schema\": \"dcscore.status/1\", \"operator\": \"op-%02d\", \"site\": \"s%04d\", "
                     "\"region\": \"%s\", \"seq\": %d, \"t_ns\": %lld, \"interval_s\": 60, \"pue\": 1.25, "
                     "\"it_kw\": 500.0, \"facility_kw\": 625.0, \"fp16\": {\"rated_tflops\": 20000, "
                     "\"effective_tflops\": 9000}, \"fp32\": {\"rated_tflops\": 1500, \"effective_tflops\": 700}, "
                     "\"coverage\": 1.0, \"findings\": []}", o, site, site % 2 ? "lingang" : "qingpu", round + 1,
                     (long long)(t0 + (int64_t)round * 60 * DCS_NS_PER_S)) < 0)
            return -1;
        unsigned char sig[64];
        crypto_sign_detached(sig, NULL, (unsigned char *)msgs[i].body, strlen(msgs[i].body), sk[o]);
        sodium_bin2hex(msgs[i].sig, sizeof msgs[i].sig, sig, 64);
    }
    return msgs && lat ? 0 : -1;
}

static pid_t start(const char *dcscore, const char *dir, int port)
{
    char listen[64], store[600], ring[600];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(store, sizeof store, "%s/feed.sqlite", dir), snprintf(ring, sizeof ring, "%s/ring.yaml", dir);
    pid_t pid = fork();
    if (pid == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        sched_setaffinity(0, sizeof one, &one); /* the collector: one core */
        freopen("/dev/null", "w", stderr);
        execl(dcscore, dcscore, "collect", "--listen", listen, "--region-store", store, "--keyring", ring, "--rate",
              "1000000000", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    CURL *e;
    size_t i;
    double t0;
    struct curl_slist *h;
} slot_t;

static void issue(CURLM *m, slot_t *s, const char *base, int post, size_t i)
{
    char url[128], hdr[200];
    snprintf(url, sizeof url, "%s%s", base, post ? "/v1/status" : "/metrics");
    curl_slist_free_all(s->h), s->h = NULL;
    curl_easy_setopt(s->e, CURLOPT_URL, url);
    curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(s->e, CURLOPT_NOSIGNAL, 1L);
    if (post) {
        snprintf(hdr, sizeof hdr, "X-Dcscore-Signature: %s", msgs[i].sig);
        s->h = curl_slist_append(curl_slist_append(NULL, "Expect:"), hdr);
        curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->h);
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)strlen(msgs[i].body));
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, msgs[i].body);
    } else
        curl_easy_setopt(s->e, CURLOPT_HTTPGET, 1L);
    s->i = i, s->t0 = bench_now_s();
    curl_multi_add_handle(m, s->e);
}

/* n requests (POST the messages in order, or GET /metrics) over CONC
 * connections; returns the rate, latencies into lat, *bad the answers not
 * 202/200. Messages of one site go 1,000 apart, so never two at once. */
static double load(const char *base, int post, size_t n, size_t *done, size_t *bad)
{
    CURLM *m = curl_multi_init();
    slot_t s[CONC] = {0};
    size_t next = 0;
    *done = *bad = 0;
    double t0 = bench_now_s();
    int running = 0;
    for (int k = 0; k < CONC; k++) {
        s[k].e = curl_easy_init();
        curl_easy_setopt(s[k].e, CURLOPT_PRIVATE, &s[k]);
        if (next < n)
            issue(m, &s[k], base, post, next++), running++;
    }
    while (running && bench_now_s() - t0 < MAX_S) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            slot_t *sl;
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(m, sl->e);
            lat[(*done)++] = bench_now_s() - sl->t0;
            *bad += msg->data.result != CURLE_OK || code != (post ? 202 : 200);
            if (next < n)
                issue(m, sl, base, post, next++), running++;
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = bench_now_s() - t0;
    for (int k = 0; k < CONC; k++)
        curl_multi_remove_handle(m, s[k].e), curl_easy_cleanup(s[k].e), curl_slist_free_all(s[k].h);
    curl_multi_cleanup(m);
    return (double)*done / secs;
}

static void pct(size_t n, double *p50, double *p99)
{
    qsort(lat, n, sizeof *lat, cmp_d);
    *p50 = n ? lat[n / 2] * 1e3 : NAN;
    *p99 = n ? lat[(size_t)(0.99 * (double)(n - 1))] * 1e3 : NAN;
}

int main(void)
{
    const char *build = getenv("DCS_BUILD") ? getenv("DCS_BUILD") : "build";
    char dcscore[600], dir[] = "/tmp/dcscore-collect-bench.XXXXXX", base[64];
    snprintf(dcscore, sizeof dcscore, "%s/dcscore", build);
    if (!mkdtemp(dir) || sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) || prepare(dir))
        return fprintf(stderr, "collect_bench: cannot prepare\n"), 1;
    cpu_set_t other;
    CPU_ZERO(&other);
    CPU_SET(1 % (int)sysconf(_SC_NPROCESSORS_ONLN), &other);
    sched_setaffinity(0, sizeof other, &other); /* the load: another core */
    int port = 18000 + getpid() % 4000;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    pid_t pid = start(dcscore, dir, port);
    size_t done = 0, bad = 0;
    for (int k = 0; k < 100 && load(base, 0, 1, &done, &bad) >= 0 && (bad || !done); k++)
        usleep(100000); /* until it listens */
    double base_rate = load(base, 0, nmsg, &done, &bad), b50, b99;
    pct(done, &b50, &b99);
    double rate = load(base, 1, nmsg, &done, &bad), p50, p99;
    pct(done, &p50, &p99);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    printf("collector: %d sites, %zu signed status messages over %d connections (collector on one core)\n", SITES,
           done, CONC);
    printf("  GET /metrics (baseline)   %8.0f req/s   p50 %6.2f ms  p99 %6.2f ms\n", base_rate, b50, b99);
    printf("  POST /v1/status accepted  %8.0f msg/s   p50 %6.2f ms  p99 %6.2f ms   (%zu not 202)\n", rate, p50, p99,
           bad);
    printf("  ratio to the baseline     %8.2f\n", rate / base_rate);
    printf("  headroom over 1,000 sites at 60 s (16.7 msg/s): %.0fx (target 50x)\n", rate / (SITES / 60.0));
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) != 0 || bad;
}
