/* feed_test.c: the live scheduling feed's messages at the region (status.c,
 * schedule.c) on a SQLite regional store. A signed status is accepted (202);
 * a replayed or older sequence number (409), a forged signature (401), an
 * unknown operator or another operator's site (403), a message stamped 10 min
 * ahead, malformed or with figures no site gives (PUE below 1, a negative power,
 * effective compute above the rated: 400) and one over 64 KiB (413) are each refused with
 * their reason and nothing stored. The schedule marks a site silent for more
 * than 3 intervals stale, never available; the placement of 100 TFLOPS FP16 over
 * three fresh sites follows the hand-computed marginal energy (facility kW per
 * effective TFLOPS: B 1.4 x 300 / 900 = 0.467, A 1.2 x 500 / 1000 = 0.600,
 * C 1.1 x 400 / 500 = 0.880), and 150 TFLOPS leaves B out (100 available). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/base/dcs_base.h"
#include "../engine/region/dcs_region.h"
#include "testutil.h"

#define S DCS_NS_PER_S

typedef struct {
    dcs_submit_key_t a, b;
    dcs_submit_keyring_t *kr;
    dcs_region_t *r;
    int64_t now;
} feed_t;

static char body[80000], sig[160];

/* A status message of site, signed by key. */
static const char *msg(const dcs_submit_key_t *key, const char *op, const char *site, const char *region,
                       unsigned long long seq, int64_t t, double pue, double it_kw, double r16, double e16)
{
    snprintf(body, sizeof body,
             "{\"schema\": \"dcscore.status/1\", \"operator\": \"%s\", \"site\": \"%s\", \"region\": \"%s\", "
             "\"seq\": %llu, \"t_ns\": %lld, \"interval_s\": 60, \"pue\": %g, \"it_kw\": %g, \"facility_kw\": %g, "
             "\"fp16\": {\"rated_tflops\": %g, \"effective_tflops\": %g}, "
             "\"fp32\": {\"rated_tflops\": 10, \"effective_tflops\": 5}, \"coverage\": 1, \"findings\": []}",
             op, site, region, seq, (long long)t, pue, it_kw, pue * it_kw, r16, e16);
    unsigned char sg[crypto_sign_BYTES];
    crypto_sign_detached(sg, NULL, (const unsigned char *)body, strlen(body), key->sk);
    sodium_bin2hex(sig, sizeof sig, sg, sizeof sg);
    return body;
}

static int send(feed_t *f, const char *b, const char *s, int *http, char *why)
{
    dcs_region_status_t st;
    return dcs_region_status_accept(f->r, f->kr, b, strlen(b), s, f->now, &st, http, why, 400);
}

static void refused(feed_t *f, const char *b, const char *s, int code, const char *why_part)
{
    int http = 0;
    char why[400];
    dcs_region_sched_t *x;
    size_t n0, n1;
    assert_int_equal(dcs_region_schedule(f->r, NULL, f->now, &x, &n0), 0);
    uint64_t seq0 = n0 ? x[0].seq : 0;
    free(x);
    assert_int_equal(send(f, b, s, &http, why), DCS_EINVAL);
    if (http != code || !strstr(why, why_part))
        fail_msg("refused with %d '%s', expected %d '%s'", http, why, code, why_part);
    assert_int_equal(dcs_region_schedule(f->r, NULL, f->now, &x, &n1), 0);
    assert_int_equal(n1, n0);
    assert_true(!n1 || x[0].seq == seq0); /* nothing stored */
    free(x);
}

static void setup(feed_t *f, const char *dir)
{
    char err[600], ring[1200], ha[65], hb[65], db[600];
    char ka[600], pa[600], kb[600], pb[600];
    snprintf(ka, sizeof ka, "%s/op-a.key", dir), snprintf(pa, sizeof pa, "%s/op-a.pub", dir);
    snprintf(kb, sizeof kb, "%s/op-b.key", dir), snprintf(pb, sizeof pb, "%s/op-b.pub", dir);
    assert_int_equal(dcs_submit_keygen("op-a", ka, pa, err, sizeof err), 0);
    assert_int_equal(dcs_submit_keygen("op-b", kb, pb, err, sizeof err), 0);
    assert_int_equal(dcs_submit_key_load(ka, &f->a, err, sizeof err), 0);
    assert_int_equal(dcs_submit_key_load(kb, &f->b, err, sizeof err), 0);
    sodium_bin2hex(ha, sizeof ha, f->a.pk, 32), sodium_bin2hex(hb, sizeof hb, f->b.pk, 32);
    snprintf(ring, sizeof ring, "operators:\n  - {id: op-a, public_key: %s, valid_from: 2026-01-01}\n"
             "  - {id: op-b, public_key: %s, valid_from: 2026-01-01}\n", ha, hb);
    assert_int_equal(dcs_submit_keyring_load(tu_write(dir, "ring.yaml", ring), &f->kr, err, sizeof err), 0);
    snprintf(db, sizeof db, "%s/feed.sqlite", dir);
    assert_int_equal(dcs_region_open(db, &f->r, err, sizeof err), 0);
    f->now = dcs_time_now_ns();
}

static void test_feed(void **state)
{
    (void)state;
    feed_t f = {0};
    setup(&f, tu_tmpdir("feed"));
    int http = 0;
    char why[400];
    int64_t t = f.now - 30 * S;
    assert_int_equal(send(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 5, t, 1.2, 500, 2000, 1000), sig, &http, why), 0);
    assert_int_equal(http, 202);
    /* refusals, nothing stored */
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 5, t, 1.2, 500, 2000, 1000), sig, 409, "a replay");
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 4, t, 1.2, 500, 2000, 1000), sig, 409, "a replay");
    msg(&f.b, "op-a", "qp-a", "qingpu", 6, t, 1.2, 500, 2000, 1000); /* signed by op-b's key */
    refused(&f, body, sig, 401, "does not verify");
    refused(&f, msg(&f.a, "op-x", "qp-x", "qingpu", 1, t, 1.2, 500, 2000, 1000), sig, 403, "not in the keyring");
    refused(&f, msg(&f.b, "op-b", "qp-a", "qingpu", 1, t, 1.2, 500, 2000, 1000), sig, 403, "another operator");
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 7, f.now + 600 * S, 1.2, 500, 2000, 1000), sig, 400,
            "ahead of the collector's clock");
    refused(&f, "{\"schema\": \"dcscore.status/1\"", sig, 400, "not one JSON object");
    /* figures no real site gives: refused, never served */
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 7, t, 0.9, 500, 2000, 1000), sig, 400, "below 1");
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 7, t, 1.2, -500, 2000, 1000), sig, 400, "negative");
    refused(&f, msg(&f.a, "op-a", "qp-a", "qingpu", 7, t, 1.2, 500, 2000, 3000), sig, 400, "above the rated");
    static char big[70000];
    memset(big, ' ', sizeof big - 1);
    refused(&f, big, sig, 413, "at most 64 KiB");
    /* three fresh sites and a stale one */
    assert_int_equal(send(&f, msg(&f.a, "op-a", "qp-b", "qingpu", 1, t, 1.4, 300, 1000, 900), sig, &http, why), 0);
    assert_int_equal(send(&f, msg(&f.b, "op-b", "lg-c", "lingang", 1, t, 1.1, 400, 4000, 500), sig, &http, why), 0);
    assert_int_equal(send(&f, msg(&f.b, "op-b", "lg-d", "lingang", 1, f.now - 600 * S, 1.0, 400, 9000, 1), sig, &http,
                          why), 0);
    dcs_region_sched_t *s;
    size_t n, order[8];
    assert_int_equal(dcs_region_schedule(f.r, NULL, f.now, &s, &n), 0);
    assert_int_equal(n, 4); /* by site id: lg-c, lg-d, qp-a, qp-b */
    assert_string_equal(s[1].site_id, "lg-d");
    assert_true(s[1].stale && isnan(s[1].available[0]));
    assert_true(!s[2].stale && fabs(s[2].available[0] - 1000) <= 1e-9 && fabs(s[2].age_s - 30) <= 1e-6);
    assert_true(fabs(s[2].cue[0] - 1000.0 / 500) <= 1e-12);
    size_t k = dcs_region_place(s, n, 0, 100, order);
    assert_int_equal(k, 3);
    assert_string_equal(s[order[0]].site_id, "qp-b");
    assert_string_equal(s[order[1]].site_id, "qp-a");
    assert_string_equal(s[order[2]].site_id, "lg-c");
    assert_true(fabs(s[order[0]].marginal_kw_per_tflops - 1.4 * 300 / 900) <= 1e-12);
    assert_true(fabs(s[order[1]].marginal_kw_per_tflops - 0.6) <= 1e-12);
    assert_true(fabs(s[order[2]].marginal_kw_per_tflops - 0.88) <= 1e-12);
    assert_non_null(strstr(s[1].why_not, "stale"));
    k = dcs_region_place(s, n, 0, 150, order);
    assert_int_equal(k, 2);
    assert_string_equal(s[3].why_not, "not enough available compute");
    free(s);
    dcs_region_close(f.r);
    dcs_submit_keyring_free(f.kr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_feed)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
