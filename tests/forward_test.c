/* forward_test.c: the site's side of the live feed, as a library (live.c,
 * spool.c). Live figures over a 10 s interval polled every second, against
 * values computed by hand (tolerance 1e-9 relative):
 *   facility 90 + 2i kW (i = 0..9): mean 99 kW; IT from a Wh counter that
 *   read 1000 Wh in the previous interval and 1208 Wh at the last reading of
 *   this one, 10 s later: 208 Wh x 360 /h = 74.88 kW (counting from the
 *   interval's own first reading would give 180 Wh over 9 s, 72 kW); PUE 99 /
 *   74.88 = 1.322115384615...; FP16 rated 2 x 100 = 200, effective at 50 %
 *   = 100; FP32 rated 2 x 10 + 4 x 5 = 40, effective 2 x 10 x 0.5 + 4 x 5 x
 *   0.25 = 15 TFLOPS.
 * Each figure is withheld (null) with its finding when its input covers less
 * than 95 % of the interval, when PUE is outside the policy's limits, or when a
 * counter goes backwards; late samples are counted, not used. The queue keeps
 * messages across a reopen in order, with the next number above every queued,
 * acknowledged and refused one; drops the oldest over its size or age bound;
 * removes a write a kill cut short; and refuses a damaged file by name. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../engine/forward/dcs_forward.h"
#include "testutil.h"

#define S DCS_NS_PER_S

static const char *site_yaml =
    "site: {id: fw-01, name: Forward, region: qingpu, pue_category: 1, poll_interval_ms: 1000, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "  - {id: s, protocol: snmp, host: 127.0.0.1, port: 1161, version: 2c, community: public}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: fac_e, device: m, point: total_energy, role: facility_total, cross_check: true}\n"
    "  - {id: it, device: m, point: total_energy, role: it_total}\n"
    "  - {id: rack, device: s, oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.1, kind: power, unit: W, role: it_rack}\n"
    "  - {id: u1, device: s, oid: .1.3.6.1.2.1.25.3.3.1.2.1, kind: utilisation, unit: percent, role: server}\n"
    "  - {id: u2, device: s, oid: .1.3.6.1.2.1.25.3.3.1.2.2, kind: utilisation, unit: percent, role: server}\n"
    "inventory:\n"
    "  servers:\n"
    "    - {id: gpu, count: 2, utilisation: u1, fp16_tflops: 100, fp32_tflops: 10}\n"
    "    - {id: cpu, count: 4, utilisation: u2, fp32_tflops: 5}\n"
    "    - {id: storage, count: 10, utilisation: u2}\n";

enum { FAC, FAC_E, IT, RACK, U1, U2 };

typedef struct {
    dcs_config_t *cfg;
    dcs_live_t *l;
} live_fx;

static const dcs_metric_limits_t lim = {.pue_min = 1.0, .pue_max = 4.0, .min_coverage = 0.95};

static int live_setup(void **state)
{
    live_fx *x = calloc(1, sizeof *x);
    const char *dir = tu_tmpdir("forward_live");
    if (dcs_config_load(tu_write(dir, "site.yaml", site_yaml), &x->cfg)) {
        fprintf(stderr, "%s\n", dcs_config_errmsg(x->cfg));
        return -1;
    }
    x->l = dcs_live_new(x->cfg, 10, &lim);
    *state = x;
    return x->l ? 0 : -1;
}

static int live_teardown(void **state)
{
    live_fx *x = *state;
    dcs_live_free(x->l);
    dcs_config_free(x->cfg);
    free(x);
    return 0;
}

static void put(dcs_live_t *l, uint32_t ch, double t_s, double v)
{
    dcs_sample_t s = {.channel = ch, .flag = DCS_SAMPLE_OK, .t_ns = (int64_t)(t_s * S), .value = v};
    dcs_live_add(l, &s, 1);
}

/* The interval [100, 110) s; skip_fac samples of facility power missing, u1
 * absent when no_u1; the counter reads 1000 Wh at 99 s (previous interval). */
static void fill(dcs_live_t *l, int skip_fac, int no_u1, double fac_kw0)
{
    put(l, IT, 99.2, 1000);
    dcs_live_status_t prev;
    dcs_live_take(l, 100 * S, &prev);
    for (int i = 0; i < 10; i++) {
        double t = 100.2 + i;
        if (i >= skip_fac)
            put(l, FAC, t, (fac_kw0 + 2 * i) * 1000);
        put(l, FAC_E, t, 1e9);            /* a cross-check: never in the balance */
        put(l, RACK, t, 1e9);             /* it_rack beside an it_total: not counted */
        put(l, IT, t, 1008 + 20 * (t - 99.2));
        if (!no_u1)
            put(l, U1, t, 50);
        put(l, U2, t, 25);
    }
}

static void close_to(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        fail_msg("got %.12g, want %.12g", got, want);
}

static void test_figures_by_hand(void **state)
{
    live_fx *x = *state;
    fill(x->l, 0, 0, 90);
    dcs_live_status_t s;
    dcs_live_take(x->l, 110 * S, &s);
    close_to(s.facility_kw, 99);
    close_to(s.it_kw, 74.88);
    close_to(s.pue, 99 / 74.88);
    close_to(s.rated[0], 200), close_to(s.effective[0], 100);
    close_to(s.rated[1], 40), close_to(s.effective[1], 15);
    close_to(s.coverage, 1);
    assert_string_equal(s.findings, "[]");
    assert_int_equal(s.t_ns, 110 * S);
    /* the body is the collector's schema, nulls and all */
    size_t len;
    char *b = dcs_live_status_json(&s, "op-a", "fw-01", "qingpu", 7, &len);
    json_object *j = json_tokener_parse(b), *v, *fp;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "seq", &v) && json_object_get_int64(v) == 7);
    assert_true(json_object_object_get_ex(j, "pue", &v) && fabs(json_object_get_double(v) - 1.322115) < 1e-6);
    assert_true(json_object_object_get_ex(j, "fp32", &fp) && json_object_object_get_ex(fp, "effective_tflops", &v));
    assert_true(fabs(json_object_get_double(v) - 15) < 1e-4);
    assert_true(json_object_object_get_ex(fp, "available_tflops", &v) && fabs(json_object_get_double(v) - 25) < 1e-4);
    assert_int_equal(strlen(b), len);
    json_object_put(j);
    free(b);
}

static void test_withheld_with_findings(void **state)
{
    live_fx *x = *state;
    fill(x->l, 2, 1, 90); /* 8 of 10 facility samples; no utilisation for the GPUs */
    dcs_live_status_t s;
    dcs_live_take(x->l, 110 * S, &s);
    assert_true(isnan(s.facility_kw) && isnan(s.pue));
    close_to(s.it_kw, 74.88);
    close_to(s.rated[0], 200);
    assert_true(isnan(s.effective[0]) && isnan(s.effective[1])); /* a rated group unknown: not a lower bound */
    close_to(s.coverage, 0); /* u1: no sample at all */
    assert_non_null(strstr(s.findings, "\"facility_power_coverage\""));
    assert_non_null(strstr(s.findings, "\"utilisation_coverage\""));
    size_t len;
    char *b = dcs_live_status_json(&s, "op-a", "fw-01", "qingpu", 8, &len);
    assert_non_null(strstr(b, "\"pue\": null"));
    assert_non_null(strstr(b, "\"facility_kw\": null"));
    assert_non_null(strstr(b, "\"rated_tflops\": 200.0000, \"effective_tflops\": null, \"available_tflops\": null"));
    free(b);
}

static void test_pue_outside_limits(void **state)
{
    live_fx *x = *state;
    fill(x->l, 0, 0, 50); /* facility 59 kW under 74.88 kW of IT */
    dcs_live_status_t s;
    dcs_live_take(x->l, 110 * S, &s);
    assert_true(isnan(s.pue));
    close_to(s.facility_kw, 59);
    assert_non_null(strstr(s.findings, "\"pue_below_min\""));
}

/* GPUs at a constant pct over uneven steps in [100, 110) s. */
static void gpus_at(live_fx *x, double pct, dcs_live_status_t *s)
{
    fill(x->l, 0, 1, 90);
    for (int i = 0; i < 10; i++)
        put(x->l, U1, 100.2 + i * 0.977 + 0.013 * (i % 3), pct);
    dcs_live_take(x->l, 110 * S, s);
}

/* At 100 % read 1 ulp above (a unit conversion's rounding, raw x scale x
 * to_si): all of FP16 effective, not out of range, and never above rated (the
 * collector refuses effective above rated). */
static void test_utilisation_at_100(void **state)
{
    dcs_live_status_t s;
    gpus_at(*state, nextafter(100, 200), &s);
    assert_true(s.effective[0] <= s.rated[0]);
    close_to(s.effective[0], 200);
    assert_null(strstr(s.findings, "utilisation_out_of_range"));
}

/* At 101 %: withheld as out of range. */
static void test_utilisation_past_100(void **state)
{
    dcs_live_status_t s;
    gpus_at(*state, 101, &s);
    assert_true(isnan(s.effective[0]));
    assert_non_null(strstr(s.findings, "\"utilisation_out_of_range\""));
}

static void test_counter_back_and_late(void **state)
{
    live_fx *x = *state;
    fill(x->l, 0, 0, 90);
    put(x->l, IT, 109.9, 10); /* the counter went back */
    dcs_live_status_t s;
    dcs_live_take(x->l, 110 * S, &s);
    assert_true(isnan(s.it_kw) && isnan(s.pue));
    assert_non_null(strstr(s.findings, "\"counter_reset\""));
    uint64_t late = dcs_live_late(x->l);
    put(x->l, FAC, 105, 1);   /* for the interval already taken */
    assert_int_equal(dcs_live_late(x->l), late + 1);
    put(x->l, FAC, 111, 1);   /* the next one fills */
    dcs_live_take(x->l, 120 * S, &s);
    close_to(s.coverage, 0);
    assert_true(isnan(s.facility_kw)); /* 1 sample of 10 */
}

/* ---- the queue ---- */

static const char *sig =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void q_put(dcs_spool_t *sp, uint64_t seq, int64_t t, int64_t now)
{
    char body[64], err[300];
    snprintf(body, sizeof body, "{\"seq\": %llu}", (unsigned long long)seq);
    if (dcs_spool_put(sp, seq, t, sig, body, strlen(body), now, err, sizeof err))
        fail_msg("%s", err);
}

static uint64_t q_head(dcs_spool_t *sp)
{
    uint64_t seq = 0;
    char s[129], *body = NULL;
    size_t len;
    assert_int_equal(dcs_spool_peek(sp, &seq, s, &body, &len), 0);
    assert_string_equal(s, sig);
    char want[64];
    snprintf(want, sizeof want, "{\"seq\": %llu}", (unsigned long long)seq);
    assert_string_equal(body, want);
    free(body);
    return seq;
}

static void test_queue_order_and_numbers(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("forward_queue");
    char err[400], path[600];
    dcs_spool_t *sp;
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 3600, &sp, err, sizeof err), 0);
    assert_int_equal(dcs_spool_next_seq(sp), 1);
    int64_t now = 1000 * S;
    for (uint64_t k = 1; k <= 4; k++)
        q_put(sp, k, now, now);
    assert_int_equal(q_head(sp), 1);
    assert_int_equal(dcs_spool_ack(sp, 1), 0);
    assert_int_equal(q_head(sp), 2);
    assert_int_equal(dcs_spool_refuse(sp, 2, "HTTP 400: malformed"), 0);
    snprintf(path, sizeof path, "%s/refused/00000000000000000002.why", dir);
    assert_int_equal(access(path, R_OK), 0);
    dcs_spool_close(sp);
    /* a write a kill cut short is removed; the rest comes back in order */
    tu_write(dir, ".00000000000000000005.msg.tmp", "dcscore-spool/1 5 0 ");
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 3600, &sp, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/.00000000000000000005.msg.tmp", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    dcs_spool_stats_t st;
    dcs_spool_stats(sp, &st);
    assert_int_equal(st.depth, 2);
    assert_int_equal(dcs_spool_next_seq(sp), 5);
    assert_int_equal(q_head(sp), 3);
    assert_int_equal(dcs_spool_ack(sp, 3), 0);
    assert_int_equal(dcs_spool_ack(sp, 4), 0);
    dcs_spool_close(sp);
    /* empty: the next number is above the acknowledged ones */
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 3600, &sp, err, sizeof err), 0);
    assert_int_equal(dcs_spool_next_seq(sp), 5);
    assert_int_equal(dcs_spool_peek(sp, &(uint64_t){0}, (char[129]){0}, &(char *){NULL}, &(size_t){0}),
                     DCS_ENODATA);
    dcs_spool_close(sp);
}

static void test_queue_bounds(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("forward_bounds");
    char err[400];
    dcs_spool_t *sp;
    /* each message is about 170 bytes on disk: 600 bytes hold 3 */
    assert_int_equal(dcs_spool_open(dir, 600, 100, &sp, err, sizeof err), 0);
    int64_t now = 10000 * S;
    for (uint64_t k = 1; k <= 6; k++)
        q_put(sp, k, now, now);
    dcs_spool_stats_t st;
    dcs_spool_stats(sp, &st);
    assert_int_equal(st.depth, 3);
    assert_int_equal(st.dropped, 3);
    assert_true(st.bytes <= 600);
    assert_int_equal(q_head(sp), 4);
    /* 200 s later the three are past the 100 s age bound: only the newest stays */
    q_put(sp, 7, now + 200 * S, now + 200 * S);
    dcs_spool_stats(sp, &st);
    assert_int_equal(st.depth, 1);
    assert_int_equal(q_head(sp), 7);
    assert_int_equal(dcs_spool_next_seq(sp), 8);
    dcs_spool_close(sp);
}

static void test_queue_damage(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("forward_damage");
    char err[400], path[600];
    dcs_spool_t *sp;
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 3600, &sp, err, sizeof err), 0);
    q_put(sp, 1, 0, 0);
    q_put(sp, 2, 0, 0);
    /* message 1 loses its end on disk after it was queued */
    snprintf(path, sizeof path, "%s/00000000000000000001.msg", dir);
    assert_int_equal(truncate(path, 158), 0); /* 152 header bytes and 6 of the body's 12 */
    assert_int_equal(dcs_spool_peek(sp, &(uint64_t){0}, (char[129]){0}, &(char *){NULL}, &(size_t){0}), DCS_EIO);
    snprintf(path, sizeof path, "%s/refused/00000000000000000001.msg", dir);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(q_head(sp), 2); /* the next one goes on */
    dcs_spool_close(sp);
    /* a file in the queue that is not a message: named, not guessed at */
    tu_write(dir, "00000000000000000009.msg", "GBK garbage \xb2\xe2\n");
    assert_int_equal(dcs_spool_open(dir, 1 << 20, 3600, &sp, err, sizeof err), DCS_EINVAL);
    assert_non_null(strstr(err, "00000000000000000009.msg: not a queued message"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_figures_by_hand, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_withheld_with_findings, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_utilisation_at_100, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_utilisation_past_100, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_pue_outside_limits, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_counter_back_and_late, live_setup, live_teardown),
        cmocka_unit_test(test_queue_order_and_numbers),
        cmocka_unit_test(test_queue_bounds),
        cmocka_unit_test(test_queue_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
