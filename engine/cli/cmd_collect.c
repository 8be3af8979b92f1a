/* cmd_collect.c: `dcscore collect`: the region's collector for the live
 * scheduling feed. An HTTP daemon (libmicrohttpd, epoll) that takes signed
 * status messages from sites (POST /v1/status), keeps them in the regional
 * store, and serves the schedule (GET /v1/schedule, JSON or CSV, with a
 * placement hint), a site's history and its own Prometheus metrics. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../region/dcs_region.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *collect_help =
    "usage: dcscore collect --listen ADDR:PORT --region-store STORE --keyring KEYRING.yaml\n"
    "                       [--rate N] [--tls-cert CERT.pem --tls-key KEY.pem] [-q | -v]\n"
    "\n"
    "Run the region's collector for the live scheduling feed until SIGTERM or SIGINT:\n"
    "  POST /v1/status            a site's signed status (dcscore.status/1, docs/json.md),\n"
    "                             signature in X-Dcscore-Signature (Ed25519, hex, over the\n"
    "                             body); 202 accepted, else 400 malformed or stamped ahead,\n"
    "                             401 bad signature, 403 unknown operator or another's site,\n"
    "                             409 replay, 413 over 64 KiB, 429 over the rate, with the reason\n"
    "  GET /v1/schedule           every site's latest figures and freshness (dcscore.schedule/2);\n"
    "                             ?format=csv, ?region=R, ?need_tflops=X&precision=fp16|fp32\n"
    "                             adds the placement hint (METRICS.md, Placement)\n"
    "  GET /v1/sites/ID/history   ?from=T&to=T (default the last 24 h): its status messages\n"
    "  GET /metrics               messages by result (Prometheus text format)\n"
    "\n"
    "  --listen ADDR:PORT    an IPv4 address and port (e.g. 127.0.0.1:8470)\n"
    "  --region-store STORE  a SQLite file, or postgresql://... / pg:CONNINFO (docs/region.md)\n"
    "  --keyring FILE        operator id -> public keys (docs/submit.md)\n"
    "  --rate N              messages per second one address may send (default 20, burst 2N)\n"
    "  --tls-cert FILE       serve HTTPS with this certificate (PEM, chain first)\n"
    "  --tls-key FILE        and its private key (PEM; never logged)\n";

enum { RES_OK, RES_400, RES_401, RES_403, RES_409, RES_413, RES_429, RES_500, RES_N };
static const char *const result_names[RES_N] = {"accepted", "malformed", "bad_signature", "forbidden", "replay",
                                              "too_large", "rate_limited", "store_error"};

typedef struct {
    uint32_t ip;
    double tokens;
    int64_t t_ns;
} bucket_t;

typedef struct {
    dcs_region_t *r;
    dcs_submit_keyring_t *kr;
    double rate;
    bucket_t buckets[256];
    unsigned long long results[RES_N];
    char *cert, *key;             /* PEM, for TLS */
} collector_t;

typedef struct {
    char *body;
    size_t len;
    int too_large;
} upload_t;

/* One token of the address's bucket, or 0 when it is empty. */
static int allow(collector_t *c, const struct sockaddr *sa)
{
    uint32_t ip = sa && sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_addr.s_addr : 0;
    bucket_t *b = &c->buckets[(ip ^ (ip >> 8) ^ (ip >> 16) ^ (ip >> 24)) & 255];
    int64_t now = dcs_time_now_ns();
    if (b->ip != ip || !b->t_ns)
        *b = (bucket_t){.ip = ip, .tokens = 2 * c->rate, .t_ns = now};
    b->tokens = fmin(2 * c->rate, b->tokens + c->rate * (double)(now - b->t_ns) / DCS_NS_PER_S);
    b->t_ns = now;
    if (b->tokens < 1)
        return 0;
    b->tokens -= 1;
    return 1;
}

static enum MHD_Result reply(struct MHD_Connection *con, unsigned code, char *body, size_t len, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r)
        return free(body), MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(con, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *con, unsigned code, const char *fmt, const char *a)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return MHD_NO;
    fprintf(f, "{\"status\": %u, \"reason\": ", code);
    char why[800];
    snprintf(why, sizeof why, fmt, a ? a : "");
    dcs_json_str(f, why);
    fputs("}\n", f);
    fclose(f);
    return reply(con, code, body, len, "application/json");
}

static int result_of(int http)
{
    return http == 202 ? RES_OK : http == 400 ? RES_400 : http == 401 ? RES_401 : http == 403 ? RES_403 : http == 409 ? RES_409
         : http == 413 ? RES_413 : http == 429 ? RES_429 : RES_500;
}

static enum MHD_Result post_status(collector_t *c, struct MHD_Connection *con, upload_t *u)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    int http = 0;
    char why[700];
    if (u->too_large)
        http = 413, snprintf(why, sizeof why, "a status message is at most %d bytes", DCS_REGION_STATUS_MAX);
    else if (!allow(c, ci ? ci->client_addr : NULL))
        http = 429, snprintf(why, sizeof why, "more than %.0f messages per second from this address", c->rate);
    else {
        dcs_region_status_t s;
        const char *sig = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Dcscore-Signature");
        dcs_region_status_accept(c->r, c->kr, u->body ? u->body : "", u->len, sig, dcs_time_now_ns(), &s, &http, why,
                                 sizeof why);
        if (http == 202)
            snprintf(why, sizeof why, "accepted: site %s, seq %llu", s.site_id, (unsigned long long)s.seq);
    }
    c->results[result_of(http)]++;
    if (http != 202)
        cli_log(3, "status refused (%d): %s", http, why);
    return reply_text(con, (unsigned)http, "%s", why);
}

static enum MHD_Result get_schedule(collector_t *c, struct MHD_Connection *con)
{
    const char *need_s = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "need_tflops");
    const char *prec = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "precision");
    const char *fmt = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "format");
    const char *region = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "region");
    char *end = NULL;
    double need = need_s ? strtod(need_s, &end) : 0;
    if ((need_s && (*end || !(need > 0))) || (prec && strcmp(prec, "fp16") && strcmp(prec, "fp32")))
        return reply_text(con, 400, "need_tflops is a number above 0 and precision fp16 or fp32%s", NULL);
    int p = prec && strcmp(prec, "fp32") == 0;
    dcs_region_sched_t *s = NULL;
    size_t n = 0, k = 0, *order = NULL;
    int64_t now = dcs_time_now_ns();
    if (dcs_region_schedule(c->r, region, now, &s, &n))
        return reply_text(con, 500, "%s", dcs_region_errmsg(c->r));
    if (need > 0 && (order = calloc(n ? n : 1, sizeof *order)))
        k = dcs_region_place(s, n, p, need, order);
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    int csv = fmt && strcmp(fmt, "csv") == 0;
    if (f && csv)
        dcs_region_schedule_csv(f, s, n);
    else if (f)
        dcs_region_schedule_json(f, s, n, now, p, need, order, k);
    if (f)
        fclose(f);
    free(s), free(order);
    return body ? reply(con, 200, body, len, csv ? "text/csv; charset=utf-8" : "application/json") : MHD_NO;
}

static enum MHD_Result get_history(collector_t *c, struct MHD_Connection *con, const char *site)
{
    const char *from = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "from");
    const char *to = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "to");
    int64_t now = dcs_time_now_ns(), a = now - 86400 * DCS_NS_PER_S, b = now + 1;
    if ((from && dcs_time_parse(from, "UTC", &a)) || (to && dcs_time_parse(to, "UTC", &b)) || !dcs_submit_id_ok(site))
        return reply_text(con, 400, "from and to are times (ISO 8601 or @UNIX_SECONDS), the site an id%s", NULL);
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    int rc = f ? dcs_region_history_json(c->r, site, a, b, f) : DCS_ENOMEM;
    if (f)
        fclose(f);
    if (rc)
        return free(body), reply_text(con, 500, "%s", dcs_region_errmsg(c->r));
    return reply(con, 200, body, len, "application/json");
}

static enum MHD_Result get_metrics(collector_t *c, struct MHD_Connection *con)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return MHD_NO;
    fputs("# HELP dcscore_collect_messages_total Status messages received, by result.\n"
          "# TYPE dcscore_collect_messages_total counter\n", f);
    for (int k = 0; k < RES_N; k++)
        fprintf(f, "dcscore_collect_messages_total{result=\"%s\"} %llu\n", result_names[k], c->results[k]);
    fclose(f);
    return reply(con, 200, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    (void)version;
    collector_t *c = cls;
    int post = strcmp(method, "POST") == 0;
    if (post && strcmp(url, "/v1/status") == 0) {
        upload_t *u = *state;
        if (!u)
            return (*state = calloc(1, sizeof *u)) ? MHD_YES : MHD_NO;
        if (*size) {
            if (!u->too_large && u->len + *size <= DCS_REGION_STATUS_MAX) {
                char *g = realloc(u->body, u->len + *size + 1);
                if (!g)
                    return MHD_NO;
                memcpy(g + u->len, data, *size), u->body = g, u->len += *size, g[u->len] = '\0';
            } else
                u->too_large = 1; /* the rest is read and dropped, never kept */
            *size = 0;
            return MHD_YES;
        }
        return post_status(c, con, u);
    }
    if (strcmp(method, "GET") != 0)
        return reply_text(con, post ? 404 : 405, "POST /v1/status, GET /v1/schedule, /v1/sites/ID/history, /metrics%s",
                          NULL);
    if (strcmp(url, "/v1/schedule") == 0)
        return get_schedule(c, con);
    if (strcmp(url, "/metrics") == 0)
        return get_metrics(c, con);
    char site[80];
    int n = 0;
    if (sscanf(url, "/v1/sites/%79[^/]/history%n", site, &n) == 1 && url[n] == '\0')
        return get_history(c, con, site);
    return reply_text(con, 404, "no such resource: %s", url);
}

static void completed(void *cls, struct MHD_Connection *con, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)con, (void)t;
    upload_t *u = *state;
    if (u)
        free(u->body), free(u);
    *state = NULL;
}

/* A whole PEM file as a string (malloc'd), NULL with the reason logged. */
static char *read_pem(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    if (f) {
        FILE *m = open_memstream(&buf, &len);
        char chunk[4096];
        for (size_t k; m && (k = fread(chunk, 1, sizeof chunk, f)) > 0 && len < (1u << 20);)
            fwrite(chunk, 1, k, m);
        if (m)
            fclose(m);
        fclose(f);
    }
    if (!buf || !strstr(buf, "-----BEGIN ")) {
        fprintf(stderr, "dcscore: %s %s: %s\n", what, path, !f ? strerror(errno) : "not a PEM file");
        free(buf);
        return NULL;
    }
    return buf;
}

static struct MHD_Daemon *start(collector_t *c, const char *listen, const char *cert, const char *key)
{
    char host[64];
    int port = -1, n = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (sscanf(listen, "%63[^:]:%d%n", host, &port, &n) != 2 || listen[n] || port < 1 || port > 65535 ||
        inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "dcscore: --listen %s: give ADDR:PORT, e.g. 127.0.0.1:8470\n", listen);
        return NULL;
    }
    sa.sin_port = htons((uint16_t)port);
    if (cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "dcscore: --tls-cert: this libmicrohttpd has no TLS\n");
        return NULL;
    }
    if (cert && (!(c->cert = read_pem(cert, "--tls-cert")) || !(c->key = read_pem(key, "--tls-key"))))
        return NULL;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | (cert ? MHD_USE_TLS : 0);
    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, c,
                                            MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, completed, c,
                                            MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 256u,
                                            MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                            cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, c->cert,
                                            MHD_OPTION_HTTPS_MEM_KEY, c->key, MHD_OPTION_END);
    if (!d)
        fprintf(stderr, "dcscore: --listen %s: cannot listen there%s\n", listen,
                cert ? " (or the certificate and key do not make a pair)" : "");
    return d;
}

int cmd_collect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'}, {"region-store", required_argument, 0, 's'},
        {"keyring", required_argument, 0, 'k'}, {"rate", required_argument, 0, 'r'},
        {"tls-cert", required_argument, 0, 'c'}, {"tls-key", required_argument, 0, 'K'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *listen = NULL, *store = NULL, *keyring = NULL, *cert = NULL, *key = NULL;
    collector_t c = {.rate = 20};
    char err[700], *end;
    for (int ch; (ch = getopt_long(argc, argv, "qv", opts, NULL)) != -1;) {
        if (ch == 'h')
            return fputs(collect_help, stdout), CLI_OK;
        if (ch == 'q' || ch == 'v')
            cli_verbosity = ch == 'q' ? 1 : 3;
        else if (ch == 'r' && !((c.rate = strtod(optarg, &end)) > 0 && !*end))
            return fprintf(stderr, "dcscore: --rate takes a number above 0\n"), CLI_USAGE;
        else if (ch != 'r') {
            const char **to = ch == 'l' ? &listen : ch == 's' ? &store : ch == 'k' ? &keyring
                            : ch == 'c' ? &cert : ch == 'K' ? &key : NULL;
            if (!to)
                return fputs(collect_help, stderr), CLI_USAGE;
            *to = optarg;
        }
    }
    if (!listen || !store || !keyring || optind != argc || !cert != !key)
        return fputs(collect_help, stderr), CLI_USAGE;
    if (dcs_submit_keyring_load(keyring, &c.kr, err, sizeof err))
        return fprintf(stderr, "dcscore: %s\n", err), dcs_submit_keyring_free(c.kr), CLI_USAGE;
    int rc = dcs_region_open(store, &c.r, err, sizeof err) ? (fprintf(stderr, "dcscore: %s\n", err), CLI_DATA) : 0;
    sigset_t set;
    sigemptyset(&set), sigaddset(&set, SIGINT), sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the daemon's thread starts: it inherits the mask */
    struct MHD_Daemon *d = rc ? NULL : start(&c, listen, cert, key);
    if (!rc && !d)
        rc = CLI_USAGE;
    if (d) {
        cli_log(2, "collecting on %s://%s (store %s, %s)", cert ? "https" : "http", listen, dcs_region_is_server(store) ? "server" : store,
                dcs_region_backend(c.r));
        int sig = 0;
        sigwait(&set, &sig);
        cli_log(2, "stopping on signal %d", sig);
        MHD_stop_daemon(d);
    }
    dcs_region_close(c.r);
    dcs_submit_keyring_free(c.kr);
    if (c.key)
        sodium_memzero(c.key, strlen(c.key));
    free(c.cert), free(c.key);
    return rc;
}
