/* forward_send_test.c: the forwarder thread (send.c) against a real HTTP server
 * on loopback (libmicrohttpd) that answers each message as the collector would.
 * Five queued messages: 1 is taken (202), 2 the collector had already (409), 3
 * is refused as malformed (400), 4 meets a server error first (503) and is taken
 * on the retry, 5 is taken. They are sent in order, one at a time, 4 twice; 1,
 * 2, 4 and 5 leave the queue, 3 goes to refused/ with the collector's reason,
 * and acked says 5. With the collector gone, stopping gives the queue its drain
 * time and no more, and what was queued stays on disk. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/forward/dcs_forward.h"
#include "testutil.h"

typedef struct {
    pthread_mutex_t mu;
    int seen[32], n, failed_4;
    char sig[160];
} server_t;

static server_t srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    (void)cls, (void)url, (void)method, (void)version;
    if (!*state) { /* the headers: the body follows */
        *state = calloc(1, 256);
        return MHD_YES;
    }
    char *body = *state;
    if (*size) {
        strncat(body, data, *size < 255 - strlen(body) ? *size : 255 - strlen(body));
        *size = 0;
        return MHD_YES;
    }
    int seq = 0, code = 202;
    sscanf(body, "{\"seq\": %d", &seq);
    pthread_mutex_lock(&srv.mu);
    if (srv.n < 32)
        srv.seen[srv.n++] = seq;
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Dcscore-Signature");
    snprintf(srv.sig, sizeof srv.sig, "%s", sig ? sig : "");
    if (seq == 2)
        code = 409;
    else if (seq == 3)
        code = 400;
    else if (seq == 4 && !srv.failed_4)
        code = 503, srv.failed_4 = 1;
    pthread_mutex_unlock(&srv.mu);
    char text[200];
    snprintf(text, sizeof text, "{\"status\": %d, \"reason\": \"%s\"}\n", code,
             code == 400 ? "test says malformed" : "test");
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)code, r);
    MHD_destroy_response(r);
    return rc;
}

static void done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)c, (void)t;
    free(*state);
    *state = NULL;
}

static const char *sig128 =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void queue5(const char *dir)
{
    dcs_spool_t *sp;
    char err[300], body[64];
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 86400, &sp, err, sizeof err), 0);
    for (int k = 1; k <= 5; k++) {
        snprintf(body, sizeof body, "{\"seq\": %d}", k);
        assert_int_equal(dcs_spool_put(sp, (uint64_t)k, dcs_time_now_ns(), sig128, body, strlen(body),
                                       dcs_time_now_ns(), err, sizeof err), 0);
    }
    dcs_spool_close(sp);
}

static dcs_forward_t *start(const char *dir, int port, dcs_live_t *live)
{
    dcs_submit_key_t key = {.operator_id = "op-t"};
    crypto_sign_keypair(key.pk, key.sk);
    char url[80], err[400];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/status", port);
    dcs_forward_opts_t o = {.url = url, .key = &key, .site_id = "t-01", .region = "qingpu", .interval_s = 3600,
                            .spool_dir = dir, .max_bytes = 1 << 20, .max_age_s = 86400};
    dcs_forward_t *f = NULL;
    if (dcs_forward_start(&o, live, &f, err, sizeof err))
        fail_msg("%s", err);
    return f;
}

static dcs_live_t *a_live(dcs_config_t **cfg)
{
    const char *d = tu_tmpdir("forward_send_cfg");
    const char *y = "site: {id: t-01, name: T, region: qingpu, pue_category: 1, poll_interval_ms: 1000, store_dir: s}\n"
                    "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}]\n"
                    "channels:\n  - {id: f, device: m, point: total_power, role: facility_total}\n"
                    "  - {id: i, device: m, point: total_power, role: it_total}\n";
    assert_int_equal(dcs_config_load(tu_write(d, "site.yaml", y), cfg), 0);
    dcs_metric_limits_t lim = {.pue_min = 1, .pue_max = 4, .min_coverage = 0.95};
    return dcs_live_new(*cfg, 3600, &lim);
}

static void test_answers(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("forward_send");
    queue5(dir);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
                                            MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
    assert_non_null(d);
    int port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    dcs_config_t *cfg;
    dcs_live_t *live = a_live(&cfg);
    dcs_forward_t *f = start(dir, port, live);
    dcs_forward_stats_t st;
    for (int i = 0; i < 100; i++) { /* the 503 costs a 1 s backoff */
        dcs_forward_stats(f, &st);
        if (!st.spool.depth)
            break;
        usleep(100000);
    }
    dcs_forward_stop(f, 1, &st);
    MHD_stop_daemon(d);
    assert_int_equal(st.spool.depth, 0);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.failures, 1);
    int want[] = {1, 2, 3, 4, 4, 5};
    assert_int_equal(srv.n, 6);
    for (int k = 0; k < 6; k++)
        assert_int_equal(srv.seen[k], want[k]);
    assert_string_equal(srv.sig, sig128); /* the queued signature, as queued */
    char p[700], line[200] = "";
    snprintf(p, sizeof p, "%s/refused/00000000000000000003.why", dir);
    FILE *w = fopen(p, "r");
    assert_non_null(w);
    assert_non_null(fgets(line, sizeof line, w));
    fclose(w);
    assert_string_equal(line, "test says malformed\n");
    snprintf(p, sizeof p, "%s/acked", dir);
    FILE *a = fopen(p, "r");
    int acked = 0;
    assert_true(a && fscanf(a, "%d", &acked) == 1);
    fclose(a);
    assert_int_equal(acked, 5);
    dcs_live_free(live);
    dcs_config_free(cfg);
}

static void test_stop_when_unreachable(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("forward_down");
    queue5(dir);
    int port = tu_free_ports(1); /* nobody listens there */
    dcs_config_t *cfg;
    dcs_live_t *live = a_live(&cfg);
    dcs_forward_t *f = start(dir, port, live);
    usleep(300000);
    double t0 = (double)dcs_time_now_ns() / 1e9;
    dcs_forward_stats_t st;
    dcs_forward_stop(f, 1, &st);
    double took = (double)dcs_time_now_ns() / 1e9 - t0;
    assert_true(took < 10.0); /* the drain time (1 s), not a hang: a bound, not a speed target */
    assert_int_equal(st.spool.depth, 5);
    assert_true(st.failures >= 1);
    assert_int_equal(st.last_http, 0);
    dcs_spool_t *sp;
    char err[300];
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 86400, &sp, err, sizeof err), 0);
    dcs_spool_stats_t ss;
    dcs_spool_stats(sp, &ss);
    assert_int_equal(ss.depth, 5); /* all still on disk */
    dcs_spool_close(sp);
    dcs_live_free(live);
    dcs_config_free(cfg);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_stop_when_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
