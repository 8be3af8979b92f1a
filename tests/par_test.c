/* par_test.c: work split across worker processes (dcs_par.h) gives the results
 * of one process, bit for bit (tolerance 0), over 70 channels x 40 days of
 * 1-min data with gaps, flagged samples, counters (one reset) and a counter
 * bridging power gaps: bulk import (the samples read back), score from raw,
 * the rollup pass (every bucket of every level) and score from rollups. And
 * dcs_par_run itself: task order, a failing task, a worker that dies. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/base/dcs_par.h"
#include "../engine/config/dcs_config.h"
#include "../engine/metric/dcs_metric.h"
#include "../engine/store/dcs_store.h"
#include "testutil.h"

#define NPOWER 63
#define NENERGY 7
#define NCH (NPOWER + NENERGY)
#define DAYS 40
#define DAY_NS (86400 * DCS_NS_PER_S)
#define T0 ((int64_t)1767225600 * DCS_NS_PER_S) /* 2026-01-01T00:00:00Z */

static dcs_config_t *site(const char *dir, const char *store)
{
    char text[16384], name[64];
    int n = snprintf(text, sizeof text,
                     "site: {id: par, name: Par, region: qingpu, pue_category: 1, poll_interval_ms: 60000,\n"
                     "       store_dir: %s/%s}\n"
                     "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502},\n"
                     "          {id: k, protocol: modbus_tcp, host: 127.0.0.1, port: 1503}]\n"
                     "channels:\n", dir, store);
    for (int i = 0; i < NPOWER; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: p%02d, device: %s, function: 4, address: %d, type: float32, kind: power,"
                      " unit: W, role: %s}\n", i, i < 8 ? "k" : "m", 2 * i,
                      i == 0 ? "facility_total" : i < 60 ? "it_rack" : "cooling");
    for (int i = 0; i < NENERGY; i++) /* e0 bridges device k's IT power gaps */
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: e%d, device: k, function: 4, address: %d, type: float32, kind: energy,"
                      " unit: Wh, role: it_rack%s}\n", i, 200 + 2 * i, i == 0 ? ", cross_check: true" : "");
    snprintf(name, sizeof name, "%s.yaml", store);
    dcs_config_t *cfg = NULL;
    assert_int_equal(dcs_config_load(tu_write(dir, name, text), &cfg), 0);
    return cfg;
}

/* The 40 days, in day order: noisy power, a 3-hour gap on p05 (device k:
 * bridged by e0) and a 2-hour one on p20, flagged samples on p30, counters
 * rising with e3 reset on day 10. Deterministic (an LCG). */
static dcs_sample_t *make_samples(size_t *n)
{
    size_t cap = (size_t)DAYS * 1440 * NCH, k = 0;
    dcs_sample_t *s = malloc(cap * sizeof *s);
    uint64_t x = 12345;
    double e[NENERGY] = {0};
    assert_non_null(s);
    for (int m = 0; m < DAYS * 1440; m++) {
        int64_t t = T0 + (int64_t)m * 60 * DCS_NS_PER_S + (m % 7) * 1000000; /* a little jitter */
        for (int c = 0; c < NCH; c++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(x >> 11) / 9007199254740992.0;
            int day = m / 1440, min = m % 1440;
            if ((c == 5 && day == 3 && min >= 600 && min < 780) || (c == 20 && day == 17 && min < 120))
                continue;
            dcs_sample_t v = {.channel = (uint32_t)c, .t_ns = t};
            if (c < NPOWER) {
                v.value = (c == 0 ? 90000.0 : 800.0 + 10 * c) * (0.9 + 0.2 * u);
            } else {
                int j = c - NPOWER;
                e[j] = j == 3 && m == 10 * 1440 ? 0 : e[j] + (700.0 + 50 * j) / 60 * (0.9 + 0.2 * u);
                v.value = e[j];
            }
            if (c == 30 && min % 97 == 0)
                v.flag = DCS_SAMPLE_TIMEOUT;
            s[k++] = v;
        }
    }
    *n = k;
    return s;
}

static void import(dcs_config_t *cfg, const dcs_sample_t *s, size_t n, unsigned workers)
{
    dcs_store_t *st;
    dcs_par_set_workers(workers);
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    assert_int_equal(dcs_store_lock(st, "import"), 0);
    int rc = dcs_store_write_days(st, s, n);
    if (rc)
        fprintf(stderr, "%s\n", dcs_store_errmsg(st));
    assert_int_equal(rc, 0);
    dcs_store_close(st);
}

static void assert_same_bytes(const void *a, const void *b, size_t n, const char *what)
{
    if (memcmp(a, b, n))
        fail_msg("%s differs between one worker and several", what);
}

static void same_samples(dcs_config_t *a, dcs_config_t *b)
{
    dcs_store_t *sa, *sb;
    assert_int_equal(dcs_store_open(a, 'r', &sa), 0);
    assert_int_equal(dcs_store_open(b, 'r', &sb), 0);
    for (unsigned c = 0; c < NCH; c++) {
        dcs_store_series_t x, y;
        assert_int_equal(dcs_store_read(sa, a->channels[c].id, T0, T0 + DAYS * DAY_NS, &x), 0);
        assert_int_equal(dcs_store_read(sb, b->channels[c].id, T0, T0 + DAYS * DAY_NS, &y), 0);
        assert_int_equal(x.n, y.n);
        assert_true(x.n > 50000);
        assert_same_bytes(x.t_ns, y.t_ns, x.n * 8, "t_ns");
        assert_same_bytes(x.value, y.value, x.n * 8, "value");
        assert_same_bytes(x.flag, y.flag, x.n, "flag");
        dcs_store_series_free(&x);
        dcs_store_series_free(&y);
    }
    dcs_store_close(sa);
    dcs_store_close(sb);
}

static dcs_metric_score_t *score_days(dcs_config_t *cfg, unsigned workers, int d0, int d1)
{
    dcs_store_t *st;
    dcs_metric_score_t *sc = NULL;
    char err[600];
    dcs_par_set_workers(workers);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    int rc = dcs_metric_score(cfg, st, T0 + d0 * DAY_NS, T0 + d1 * DAY_NS, 3600 * DCS_NS_PER_S, &sc, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    dcs_store_close(st);
    return sc;
}

static dcs_metric_score_t *score(dcs_config_t *cfg, unsigned workers)
{
    return score_days(cfg, workers, 0, DAYS);
}

#define SAME(field) assert_same_bytes(&x->field, &y->field, sizeof x->field, #field)

static void same_score(const dcs_metric_score_t *x, const dcs_metric_score_t *y)
{
    SAME(pue), SAME(e_dc_wh), SAME(e_it_wh), SAME(e_cooling_wh), SAME(coverage), SAME(coverage_dc);
    SAME(coverage_it), SAME(nbuckets), SAME(days_from_rollups), SAME(nproblems);
    assert_same_bytes(x->bucket_e_dc_wh, y->bucket_e_dc_wh, x->nbuckets * 8, "bucket_e_dc_wh");
    assert_same_bytes(x->bucket_e_it_wh, y->bucket_e_it_wh, x->nbuckets * 8, "bucket_e_it_wh");
    assert_same_bytes(x->bucket_pue, y->bucket_pue, x->nbuckets * 8, "bucket_pue");
    assert_same_bytes(x->bucket_coverage, y->bucket_coverage, x->nbuckets * 8, "bucket_coverage");
    for (size_t i = 0; i < x->nchannels; i++) {
        dcs_metric_channel_t a = x->channels[i], b = y->channels[i];
        assert_true((a.bridged_by == NULL) == (b.bridged_by == NULL));
        a.bridged_by = b.bridged_by = NULL; /* the same id, in two configs */
        assert_same_bytes(&a, &b, sizeof a, "a channel's summary");
    }
}

/* The 70 x 40 case through import, score, rollup and score again, on one
 * worker (store "one") and on three ("three"). */
static void test_workers_give_one_workers_bits(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("par");
    dcs_config_t *one = site(dir, "one"), *three = site(dir, "three");
    size_t n;
    dcs_sample_t *s = make_samples(&n);
    import(one, s, n, 1);
    import(three, s, n, 3);
    free(s);
    same_samples(one, three);

    dcs_metric_score_t *a = score(one, 1), *b = score(one, 3), *c = score(three, 2);
    /* 90 kW over 59 racks (64.9 kW mean) and six counters (5.25 kW): PUE 1.283 (2 %: the noise) */
    assert_true(fabs(a->pue - 90000.0 / 70150.0) < 0.02 * a->pue);
    assert_true(a->coverage > 0.95 && a->coverage < 1);
    size_t bridged = 0;
    for (size_t i = 0; i < a->nchannels; i++)
        bridged += a->channels[i].bridged_gaps;
    assert_true(bridged >= 1); /* p05's gap, by e0 */
    same_score(a, b);
    same_score(a, c);
    dcs_metric_score_free(b);
    dcs_metric_score_free(c);

    dcs_metric_score_t *mid_raw = score_days(one, 1, 4, 39); /* days 4-38: rollups only, later */
    size_t done[2];
    dcs_store_t *st;
    dcs_config_t *cfgs[2] = {one, three};
    for (int k = 0; k < 2; k++) {
        dcs_par_set_workers(k ? 3 : 1);
        assert_int_equal(dcs_store_open(cfgs[k], 'r', &st), 0);
        assert_int_equal(dcs_store_rollup_range(st, dcs_time_day(T0), dcs_time_day(T0) + DAYS - 1, &done[k], NULL, NULL), 0);
        dcs_store_close(st);
    }
    assert_int_equal(done[0], DAYS);
    assert_int_equal(done[1], DAYS);
    dcs_store_t *sa, *sb;
    assert_int_equal(dcs_store_open(one, 'r', &sa), 0);
    assert_int_equal(dcs_store_open(three, 'r', &sb), 0);
    const char *ids[NCH];
    for (int i = 0; i < NCH; i++)
        ids[i] = one->channels[i].id;
    for (int day = 0; day < DAYS; day++)
        for (int l = 0; l < DCS_STORE_NLEVELS; l++) {
            size_t nb = dcs_store_rollup_buckets(l);
            dcs_agg_rollup_t *x = calloc(NCH * nb, sizeof *x), *y = calloc(NCH * nb, sizeof *y);
            uint8_t hx[NCH], hy[NCH];
            assert_int_equal(dcs_store_rollup_read_many(sa, ids, NCH, dcs_time_day(T0) + day, l, x, hx), 0);
            assert_int_equal(dcs_store_rollup_read_many(sb, ids, NCH, dcs_time_day(T0) + day, l, y, hy), 0);
            assert_same_bytes(hx, hy, NCH, "rollup channels");
            assert_same_bytes(x, y, NCH * nb * sizeof *x, "rollup buckets");
            free(x);
            free(y);
        }
    dcs_store_close(sa);
    dcs_store_close(sb);

    /* p05's gap is bridged from raw samples, so day 3 stays raw, and so does
     * the last day (its last minute has no later sample: a gap a counter could
     * bridge); the rest comes from the rollups, the same on any number of workers */
    b = score(one, 1);
    c = score(three, 3);
    assert_int_equal(b->days_from_rollups, DAYS - 2);
    same_score(b, c);
    assert_true(fabs(b->pue - a->pue) <= 1e-12 * a->pue); /* rollups vs raw: same energies (1e-12) */
    /* every day from rollups: the channels go in groups of 256, not 64 */
    dcs_metric_score_t *m1 = score_days(one, 1, 4, 39), *m3 = score_days(three, 3, 4, 39);
    assert_int_equal(m1->days_from_rollups, 35);
    same_score(m1, m3);
    assert_true(fabs(m1->pue - mid_raw->pue) <= 1e-12 * mid_raw->pue);
    for (size_t i = 0; i < NCH; i++)
        assert_true(fabs(m1->channels[i].e_wh - mid_raw->channels[i].e_wh) <= 1e-12 * fabs(mid_raw->channels[i].e_wh));
    dcs_metric_score_free(m1);
    dcs_metric_score_free(m3);
    dcs_metric_score_free(mid_raw);
    dcs_metric_score_free(a);
    dcs_metric_score_free(b);
    dcs_metric_score_free(c);
    dcs_config_free(one);
    dcs_config_free(three);
    dcs_par_set_workers(0);
}

/* A truncated day file: every worker count names it the same way. */
static void test_problems_come_back_from_workers(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("parbad");
    dcs_config_t *cfg = site(dir, "store");
    size_t n;
    dcs_sample_t *s = make_samples(&n);
    import(cfg, s, n / 4, 2); /* 10 days */
    free(s);
    char path[900];
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_store_day_path(st, T0 + 4 * DAY_NS, path, sizeof path);
    dcs_store_close(st);
    assert_int_equal(truncate(path, 4096), 0);
    dcs_metric_score_t *sc[2];
    for (int k = 0; k < 2; k++) {
        dcs_par_set_workers(k ? 2 : 1);
        assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
        char err[600];
        assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 10 * DAY_NS, 3600 * DCS_NS_PER_S, &sc[k], err, sizeof err), 0);
        dcs_store_close(st);
        assert_true(sc[k]->nproblems >= 1);
        assert_non_null(strstr(sc[k]->problems[0], path));
    }
    assert_string_equal(sc[0]->problems[0], sc[1]->problems[0]);
    assert_true(sc[0]->pue == sc[1]->pue);
    dcs_metric_score_free(sc[0]);
    dcs_metric_score_free(sc[1]);
    dcs_config_free(cfg);
    dcs_par_set_workers(0);
}

typedef struct {
    double *out;
    size_t fail_at, die_at;
} sq_t;

static int square(void *ctx, size_t t)
{
    sq_t *q = ctx;
    if (t == q->die_at)
        kill(getpid(), SIGKILL);
    if (t == q->fail_at)
        return DCS_EINVAL;
    q->out[t] = (double)t * (double)t;
    return 0;
}

static size_t ticked, ticks;
static void tick(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    assert_true(done >= ticked && done <= total); /* never backwards */
    ticked = done;
    ticks++;
}

static void test_par_run(void **state)
{
    (void)state;
    char err[300];
    for (unsigned w = 1; w <= 5; w += 2) {
        sq_t q = {dcs_par_shared(100 * sizeof(double)), SIZE_MAX, SIZE_MAX};
        assert_non_null(q.out);
        assert_int_equal(dcs_par_run(w, 100, square, &q, err, sizeof err), 0);
        for (size_t t = 0; t < 100; t++)
            assert_true(q.out[t] == (double)(t * t));
        ticked = ticks = 0;
        assert_int_equal(dcs_par_run_ticks(w, 100, square, &q, tick, NULL, err, sizeof err), 0);
        assert_int_equal(ticked, 100); /* the last word: every task done */
        assert_true(ticks >= 1);
        q.fail_at = 37;
        assert_int_equal(dcs_par_run(w, 100, square, &q, err, sizeof err), DCS_EINVAL);
        dcs_par_unshare(q.out, 100 * sizeof(double));
    }
    sq_t q = {dcs_par_shared(10 * sizeof(double)), SIZE_MAX, 3};
    err[0] = '\0';
    assert_int_equal(dcs_par_run(2, 10, square, &q, err, sizeof err), DCS_EIO);
    assert_non_null(strstr(err, "died (signal 9"));
    dcs_par_unshare(q.out, 10 * sizeof(double));
    setenv("DCSCORE_THREADS", "3", 1);
    dcs_par_set_workers(0);
    assert_int_equal(dcs_par_workers(), 3);
    dcs_par_set_workers(2);
    assert_int_equal(dcs_par_workers(), 2);
    unsetenv("DCSCORE_THREADS");
    dcs_par_set_workers(0);
    assert_true(dcs_par_workers() >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_par_run),
        cmocka_unit_test(test_workers_give_one_workers_bits),
        cmocka_unit_test(test_problems_come_back_from_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
