/* integration_test.c: the whole path against real servers on loopback: the
 * simulated fleet (libmodbus meters, net-snmp's snmpd) is started, polled through
 * the library into the store, one meter is killed mid-run, and the score is
 * compared with the load model's closed-form ground truth (PUE within 1 %); the
 * facility meter restarted mid-poll, its gap bridged by its counter (0.5 %). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "../engine/base/dcs_base.h"
#include "../engine/metric/dcs_metric.h"
#include "../fixtures/loadmodel.h"
#include "../probes/dcs_probe.h"
#include "testutil.h"

typedef struct {
    dcs_store_t *st;
    int down_lines, up_lines;
    char last_down[512];
} ctx_t;

static void sink(void *c, const dcs_sample_t *s, size_t n)
{
    ctx_t *ctx = c;
    assert_int_equal(dcs_store_append(ctx->st, s, n), 0);
}

static void log_line(void *c, int level, const char *line)
{
    ctx_t *ctx = c;
    (void)level;
    if (strstr(line, ": down")) {
        ctx->down_lines++;
        snprintf(ctx->last_down, sizeof ctx->last_down, "%s", line);
    }
    ctx->up_lines += strstr(line, "up again") != NULL;
}

static const char *dir;

static int fleet_up(void **state)
{
    (void)state;
    dir = tu_tmpdir("fleet");
    return tu_fleet_up(dir);
}

static int fleet_down(void **state)
{
    (void)state;
    tu_fleet_down(dir);
    return 0;
}

/* Samples of a channel after time t: how many OK, how many flagged. */
static void count_after(dcs_store_t *st, const char *id, int64_t t, int *ok, int *bad)
{
    dcs_store_series_t s;
    *ok = *bad = 0;
    assert_int_equal(dcs_store_read(st, id, t, INT64_MAX / 2, &s), 0);
    for (size_t i = 0; i < s.n; i++) {
        *ok += s.flag[i] == DCS_SAMPLE_OK;
        *bad += s.flag[i] != DCS_SAMPLE_OK;
    }
    dcs_store_series_free(&s);
}

/* The fleet's site config, a poller for it and the store open for writing. */
static dcs_config_t *start(dcs_poller_t **p, ctx_t *ctx)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/site.yaml", dir);
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(path, &cfg), 0);
    assert_int_equal(dcs_poller_new(cfg, p), 0);
    assert_int_equal(dcs_store_open(cfg, 'w', &ctx->st), 0);
    return cfg;
}

/* Score everything stored in hourly buckets; *pue_true is the load model's
 * exact PUE over the same window (its energies in closed form). */
static dcs_metric_score_t *score_stored(const dcs_config_t *cfg, dcs_store_t *st, double *pue_true)
{
    int64_t first, last;
    assert_int_equal(dcs_store_range(st, &first, &last), 0);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, first, last + 1, 3600 * DCS_NS_PER_S, &sc, err,
                                      sizeof err), 0);
    lm_site_t m;
    lm_site_init(&m, (unsigned long long)tu_fleet_env(dir, "SEED"), tu_fleet_env(dir, "ORIGIN"));
    double a = (double)first * 1e-9, b = (double)(last + 1) * 1e-9;
    *pue_true = lm_integral(&m.ch[LM_FACILITY], a, b) / lm_integral(&m.ch[LM_IT], a, b);
    return sc;
}

static void test_poll_kill_score(void **state)
{
    (void)state;
    dcs_poller_t *p;
    ctx_t ctx = {0};
    dcs_config_t *cfg = start(&p, &ctx);

    /* 4 cycles with everything up, then kill the cooling meter, 4 more cycles. */
    dcs_poller_run(p, 0, 4, sink, log_line, &ctx);
    assert_int_equal(ctx.down_lines, 0);
    int pid = tu_fleet_pid(dir, "cooling-meter");
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    waitpid(pid, NULL, 0); /* no-op unless it is our child; the kill is enough */
    int64_t killed_at = dcs_time_now_ns();
    dcs_poller_run(p, 0, 4, sink, log_line, &ctx);
    const dcs_poller_stats_t *stats = dcs_poller_stats(p);
    assert_int_equal(stats->cycles, 8);
    assert_int_equal(stats->overruns, 0); /* a dead device did not stall a cycle */
    assert_int_equal(ctx.down_lines, 1);  /* logged once, not once per cycle */
    assert_non_null(strstr(ctx.last_down, "device 'cooling-meter': down"));
    assert_int_equal(dcs_store_flush(ctx.st), 0);
    dcs_store_close(ctx.st);
    dcs_poller_free(p);

    dcs_store_t *st;
    int ok, bad;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    count_after(st, "cooling_power", killed_at, &ok, &bad);
    assert_int_equal(ok, 0);
    assert_int_equal(bad, 4);
    const char *alive[] = {"facility_power", "it_power", "rack3_power", "srv8_cpu"};
    for (int i = 0; i < 4; i++) {
        count_after(st, alive[i], killed_at, &ok, &bad);
        if (ok != 4 || bad != 0)
            fail_msg("%s after the kill: %d ok, %d flagged", alive[i], ok, bad);
    }

    /* Score everything stored, and compare with the model's exact energies. */
    double pue_true;
    dcs_metric_score_t *sc = score_stored(cfg, st, &pue_true);
    /* Tolerance 1 %: trapezoid at 1 s on the model's fastest (15-20 s) terms, plus
     * the few hundred microseconds between reading facility and IT meters. */
    if (fabs(sc->pue - pue_true) / pue_true > 0.01)
        fail_msg("PUE %.5f vs ground truth %.5f", sc->pue, pue_true);
    assert_true(sc->coverage > 0.95);
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* The facility meter's server restarts mid-poll: down for about 7 s (past the
 * site's 5 s gap limit), then up again on the same port with the same model.
 * Its energy counter bridges the power gap, so coverage stays whole and the PUE
 * matches the model's exact energies within 0.5 %. */
static void test_facility_restart_bridged(void **state)
{
    (void)state;
    char sim[1024], seed[32], origin[32], port[16];
    dcs_poller_t *p;
    ctx_t ctx = {0};
    dcs_config_t *cfg = start(&p, &ctx);
    dcs_poller_run(p, 0, 4, sink, log_line, &ctx);
    int pid = tu_fleet_pid(dir, "facility-meter");
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    dcs_poller_run(p, 0, 7, sink, log_line, &ctx);
    snprintf(sim, sizeof sim, "%s/dcs-sim", tu_build());
    snprintf(seed, sizeof seed, "%.0f", tu_fleet_env(dir, "SEED"));
    snprintf(origin, sizeof origin, "%.0f", tu_fleet_env(dir, "ORIGIN"));
    snprintf(port, sizeof port, "%.0f", tu_fleet_env(dir, "FAC_PORT"));
    char *argv[] = {sim, "modbus", "--layout", "sdm630", "--channel", "facility", "--seed", seed,
                    "--origin", origin, "--port", port, NULL};
    int again = tu_spawn(argv, NULL, 0);
    assert_true(again > 0);
    dcs_poller_run(p, 0, 6, sink, log_line, &ctx);
    assert_true(ctx.up_lines >= 1); /* it came back */
    assert_int_equal(dcs_store_flush(ctx.st), 0);
    dcs_store_close(ctx.st);
    dcs_poller_free(p);
    tu_stop(again);

    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    double pue_true;
    dcs_metric_score_t *sc = score_stored(cfg, st, &pue_true);
    unsigned fac = (unsigned)dcs_config_channel_find(cfg, "facility_power");
    if (sc->channels[fac].bridged_gaps < 1)
        fail_msg("the facility gap was not bridged (coverage %.3f)", sc->coverage);
    if (fabs(sc->pue - pue_true) / pue_true > 0.005)
        fail_msg("PUE %.5f vs ground truth %.5f (bridged %.1f s)", sc->pue, pue_true,
                 sc->channels[fac].bridged_s);
    assert_true(sc->coverage_dc > 0.99);
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_poll_kill_score, fleet_up, fleet_down),
        cmocka_unit_test_setup_teardown(test_facility_restart_bridged, fleet_up, fleet_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
