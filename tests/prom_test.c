/* prom_test.c: the prometheus probe. The exposition parser on the format's
 * edge cases (escaped label values, NaN and Inf, timestamps, comments, CRLF,
 * the same series twice with its labels reordered, malformed lines, a page cut
 * short, a 5 MB page), and the backend against real HTTP servers on loopback
 * (libmicrohttpd) speaking dcgm-exporter's names and labels: values summed
 * and averaged over GPUs by hand (tolerance 1e-12), an energy counter in mJ
 * in Wh; and every fault flagged with its reason (401, 500, a malformed page,
 * a missing series, a body cut off, a server too slow for the cycle, nobody
 * listening) while the other devices of the same cycle are read, and the
 * cycle returns by its deadline. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/aggregate/dcs_aggregate.h"
#include "../engine/config/dcs_config.h"
#include "../fixtures/loadmodel.h"
#include "../probes/dcs_probe.h"
#include "../probes/prometheus/prom_int.h"
#include "testutil.h"

static void scan_ok(const char *page, const char *sel, size_t want_n, double want_sum)
{
    prom_sel_t s;
    prom_acc_t a;
    char err[300];
    if (prom_sel_parse(sel, &s, err, sizeof err))
        fail_msg("%s", err);
    if (prom_scan(page, strlen(page), &s, 1, &a, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(a.n, want_n);
    if (!(fabs(a.sum - want_sum) <= 1e-12 * fabs(want_sum)))
        fail_msg("%s: sum %.17g, want %.17g", sel, a.sum, want_sum);
}

static const char *dcgm_page =
    "# HELP DCGM_FI_PROF_PIPE_TENSOR_ACTIVE Ratio of cycles the tensor (HMMA) pipe is active.\n"
    "# TYPE DCGM_FI_PROF_PIPE_TENSOR_ACTIVE gauge\n"
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\","
    "Hostname=\"gpu-01\"} 0.300000\n"
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"NVIDIA H100 80GB HBM3\","
    "Hostname=\"gpu-01\"} 0.500000\n"
    "\n"
    "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
    "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-a\"} 100\n"
    "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-b\"} 100\n"
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\",UUID=\"GPU-a\"} 3600000000 1733280000000\n"
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"1\",UUID=\"GPU-b\"} 7200000000 1733280000000\n";

static void test_selectors(void **state)
{
    (void)state;
    scan_ok(dcgm_page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", 2, 0.8);
    scan_ok(dcgm_page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu=\"1\"}", 1, 0.5);
    scan_ok(dcgm_page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu!=\"1\"}", 1, 0.3);
    scan_ok(dcgm_page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{modelName=\"NVIDIA H100 80GB HBM3\",gpu=\"0\"}", 1, 0.3);
    scan_ok(dcgm_page, "DCGM_FI_DEV_GPU_UTIL{Hostname=\"\"}", 2, 200); /* absent label: "" */
    scan_ok(dcgm_page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", 2, 10.8e9);
    scan_ok(dcgm_page, "DCGM_FI_PROF_SM_ACTIVE", 0, 0);
    prom_sel_t s;
    char err[300];
    assert_int_equal(prom_sel_parse("9bad", &s, err, sizeof err), -1);
    assert_int_equal(prom_sel_parse("m{gpu=0}", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "=\"value\""));
    assert_int_equal(prom_sel_parse("m{gpu=\"0\"", &s, err, sizeof err), -1);
}

static void test_format_edges(void **state)
{
    (void)state;
    /* escapes in label values, matched unescaped */
    scan_ok("m{path=\"C:\\\\dir\\\\\\\"x\\\"\",l=\"a\\nb\"} 2\n", "m{path=\"C:\\\\dir\\\\\\\"x\\\"\",l=\"a\\nb\"}", 1, 2);
    /* tabs and blanks between tokens, a trailing comma, CRLF, OpenMetrics' EOF, a comment */
    scan_ok("# just a comment\r\nm { a = \"1\" , } \t 4.5e0 \t 1700000000000 \r\n  \nm{a=\"2\",} -0.5\n# EOF\n", "m", 2,
            4.0);
    /* NaN and Inf are values, counted apart */
    prom_sel_t s;
    prom_acc_t a;
    char err[300];
    const char *nan = "m{a=\"1\"} NaN\nm{a=\"2\"} +Inf\nm{a=\"3\"} 1\n";
    prom_sel_parse("m", &s, err, sizeof err);
    assert_int_equal(prom_scan(nan, strlen(nan), &s, 1, &a, err, sizeof err), 0);
    assert_int_equal(a.n, 3);
    assert_int_equal(a.nonfinite, 2);
    /* the same series twice, its labels in another order */
    const char *dup = "m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 1\n";
    assert_int_equal(prom_scan(dup, strlen(dup), &s, 1, &a, err, sizeof err), 0);
    assert_true(a.duplicate);
    /* malformed lines fail the page, naming the line */
    const char *bad[] = {"m 1\nm{a=\"1\"}\n", "m 1\nm{a=1} 2\n", "m{a=\"1} 2\n", "m 1 2 3\n", "m 0x1p3zz\n",
                         "m{a=\"\\q\"} 1\n", "m 1 1.5\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(prom_scan(bad[i], strlen(bad[i]), &s, 1, &a, err, sizeof err), -1);
        assert_non_null(strstr(err, "line "));
    }
    assert_int_equal(prom_scan("m 1\nm 2", 7, &s, 1, &a, err, sizeof err), -1); /* cut short */
    assert_non_null(strstr(err, "newline"));
}

static void test_five_mb_page(void **state)
{
    (void)state;
    size_t cap = 6u << 20, len = 0;
    char *page = malloc(cap);
    double want = 0;
    for (int i = 0; len < (5u << 20); i++) {
        len += (size_t)snprintf(page + len, cap - len,
                                "node_cpu_seconds_total{cpu=\"%d\",mode=\"idle\",instance=\"host-%d.example\"} %d.25\n",
                                i % 256, i / 256, i);
        want += (i % 256 == 7) ? i + 0.25 : 0;
    }
    prom_sel_t s;
    prom_acc_t a;
    char err[300];
    prom_sel_parse("node_cpu_seconds_total{cpu=\"7\",mode=\"idle\"}", &s, err, sizeof err);
    assert_int_equal(prom_scan(page, len, &s, 1, &a, err, sizeof err), 0);
    assert_true(a.n > 200);
    assert_true(fabs(a.sum - want) <= 1e-12 * want);
    free(page);
}

/* ---- the backend against HTTP servers ---- */

typedef struct {
    const char *page;
    int code, slow_ms, cut;
} page_t;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    const page_t *p = cls;
    size_t half = strlen(p->page) / 2;
    if (pos >= half)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* the connection drops mid-body */
    size_t k = half - pos < max ? half - pos : max;
    memcpy(buf, p->page + pos, k);
    return (ssize_t)k;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *data, size_t *size, void **state)
{
    (void)url, (void)method, (void)version, (void)data, (void)size, (void)state;
    const page_t *p = cls;
    if (p->slow_ms)
        usleep((useconds_t)p->slow_ms * 1000);
    struct MHD_Response *r = p->cut ? MHD_create_response_from_callback(strlen(p->page), 4096, cut_reader,
                                                                        (void *)p, NULL)
                                    : MHD_create_response_from_buffer(strlen(p->page), (void *)p->page,
                                                                      MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)p->code, r);
    MHD_destroy_response(r);
    return rc;
}

#define NDEV 8
static page_t pages[NDEV] = {
    {.code = 200}, {.code = 401}, {.code = 500}, {.code = 200}, {.code = 200}, {.code = 200, .cut = 1},
    {.code = 200, .slow_ms = 3000}, {.code = 200}};

static void test_backend_faults(void **state)
{
    (void)state;
    for (int i = 0; i < NDEV; i++)
        pages[i].page = dcgm_page;
    pages[3].page = "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu=\"0\"} 0.3\nthis is { not a sample\n";
    pages[4].page = "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 100\n"; /* no tensor series */
    struct MHD_Daemon *d[NDEV] = {0};
    int port[NDEV];
    for (int i = 0; i < NDEV - 1; i++) {
        d[i] = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                                serve, &pages[i], MHD_OPTION_END);
        assert_non_null(d[i]);
        port[i] = MHD_get_daemon_info(d[i], MHD_DAEMON_INFO_BIND_PORT)->port;
    }
    port[NDEV - 1] = tu_free_ports(1); /* nobody listens */
    char yaml[6000];
    size_t n = (size_t)snprintf(yaml, sizeof yaml,
                                "site: {id: p-01, name: P, region: lingang, pue_category: 3, poll_interval_ms: 2000, "
                                "store_dir: s}\ndevices:\n");
    for (int i = 0; i < NDEV; i++)
        n += (size_t)snprintf(yaml + n, sizeof yaml - n,
                              "  - {id: g%d, protocol: prometheus, url: \"http://127.0.0.1:%d/metrics\", timeout_ms: 1000}\n",
                              i, port[i]);
    n += (size_t)snprintf(yaml + n, sizeof yaml - n, "channels:\n");
    for (int i = 0; i < NDEV; i++)
        n += (size_t)snprintf(yaml + n, sizeof yaml - n,
                              "  - {id: t%d, device: g%d, metric: DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, walk: mean, "
                              "kind: utilisation, unit: ratio, role: server}\n"
                              "  - {id: e%d, device: g%d, metric: DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, walk: sum, "
                              "kind: energy, unit: millijoule, role: it_rack}\n", i, i, i, i);
    dcs_config_t *cfg;
    const char *dir = tu_tmpdir("prom_backend");
    if (dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_probe_register_builtin();
    const dcs_probe_ops *ops = dcs_probe_find("prometheus");
    assert_non_null(ops);
    void *st[NDEV];
    dcs_sample_t smp[NDEV][2], *out[NDEV];
    size_t nout[NDEV];
    int ok[NDEV];
    char err[NDEV][DCS_PROBE_ERRLEN], e[300];
    int64_t lat[NDEV];
    for (int i = 0; i < NDEV; i++) {
        assert_int_equal(ops->open(cfg, (unsigned)i, &st[i], e, sizeof e), 0);
        out[i] = smp[i], nout[i] = 2;
    }
    int64_t t0 = dcs_time_now_ns(), deadline = t0 + 1500 * (int64_t)1000000;
    ops->poll_many(st, NDEV, deadline, out, nout, ok, err, lat);
    double took_s = (double)(dcs_time_now_ns() - t0) / 1e9;
    assert_true(took_s < 1.5 + 0.5); /* by the deadline: the slow server does not hold the cycle */
    /* g0: the page as it is: mean tensor activity (0.3 + 0.5) / 2 = 40 %; energy
     * (3.6e9 + 7.2e9) mJ = 1.08e7 J = 3000 Wh */
    assert_int_equal(ok[0], 2);
    assert_true(fabs(smp[0][0].value - 40.0) < 1e-12);
    assert_true(fabs(smp[0][1].value - 3000.0) < 1e-9);
    const struct { int dev, flag; const char *why; } want[] = {
        {1, DCS_SAMPLE_EXCEPTION, "HTTP 401"}, {2, DCS_SAMPLE_EXCEPTION, "HTTP 500"},
        {3, DCS_SAMPLE_GARBAGE, "line 2"}, {5, DCS_SAMPLE_GARBAGE, "cut off"},
        {6, DCS_SAMPLE_TIMEOUT, "timeout"}, {7, DCS_SAMPLE_NOCONN, ""}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int i = want[k].dev;
        assert_int_equal(ok[i], 0);
        assert_int_equal(smp[i][0].flag, want[k].flag);
        assert_true(isnan(smp[i][0].value));
        if (!strstr(err[i], want[k].why) || !err[i][0])
            fail_msg("device g%d: '%s', want '%s'", i, err[i], want[k].why);
    }
    for (int i = 0; getenv("DCS_TEST_VERBOSE") && i < NDEV; i++)
        fprintf(stderr, "g%d: ok %d flag %d err %s\n", i, ok[i], smp[i][0].flag, err[i]);
    /* g4: the page is fine, one series is not there */
    assert_int_equal(smp[4][0].flag, DCS_SAMPLE_NOSUCH);
    assert_non_null(strstr(err[4], "channel 't4'"));
    for (int i = 0; i < NDEV; i++)
        ops->close(st[i]);
    for (int i = 0; i < NDEV - 1; i++)
        MHD_stop_daemon(d[i]);
    dcs_config_free(cfg);
}

/* An exporter restart: dcs-sim dcgm's mJ energy counter starts again from 0
 * 1.5 s after the exporter does. Scraped every 0.5 s by the backend, the
 * readings go through the counter path as a score's do: one reset, its
 * interval dropped, never negative energy; what is counted lies between the
 * closed form over the scrapes less their longest interval and the closed form
 * itself (E_i = integral of 90 + 600 a_i(t) W, a_i = (0.6 + 0.05 i) cpu_i / 100;
 * tolerance 0.01 Wh for the few ms between a page's making and its stamp). */
static void test_exporter_restart(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("prom_restart");
    double origin = floor((double)dcs_time_now_ns() / 1e9) - 3600;
    char cmd[800], out[600];
    int port;
    snprintf(out, sizeof out, "%s/dcgm.out", dir);
    snprintf(cmd, sizeof cmd, "%s/dcs-sim dcgm --units 2 --seed 5 --origin %.0f --restart-after 1.5 --port 0",
             tu_build(), origin);
    int pid = tu_spawn_ready(cmd, out, &port);
    assert_true(pid > 0);
    char yaml[1000];
    snprintf(yaml, sizeof yaml,
             "site: {id: p-02, name: P, region: lingang, pue_category: 3, poll_interval_ms: 1000, store_dir: s}\n"
             "devices:\n  - {id: g, protocol: prometheus, url: \"http://127.0.0.1:%d/metrics\"}\n"
             "channels:\n  - {id: e, device: g, metric: DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, walk: sum,"
             " kind: energy, unit: millijoule, role: it_rack}\n", port);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_probe_register_builtin();
    const dcs_probe_ops *ops = dcs_probe_find("prometheus");
    void *st;
    char e[300];
    assert_int_equal(ops->open(cfg, 0, &st, e, sizeof e), 0);
    enum { N = 7 };
    int64_t t[N];
    double wh[N];
    for (int k = 0; k < N; k++) {
        dcs_sample_t smp;
        if (ops->poll(st, dcs_time_now_ns() + 400000000LL, &smp, 1, e, sizeof e) != 1)
            fail_msg("scrape %d: %s", k, e);
        t[k] = smp.t_ns, wh[k] = smp.value;
        usleep(500000);
    }
    ops->close(st);
    tu_stop(pid);
    const dcs_config_channel_t *c = &cfg->channels[0];
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, t[0], t[N - 1] + 1, 3600 * DCS_NS_PER_S), 0);
    dcs_agg_counter_stats_t ks = {0};
    dcs_agg_counter(t, wh, N, c->counter_modulus_raw * fabs(c->scale) * c->to_si, c->max_w, &b, &ks);
    double counted = dcs_agg_buckets_total_wh(&b), truth = 0, longest = 0;
    lm_site_t m;
    lm_site_init(&m, 5, origin);
    for (int i = 0; i < 2; i++) {
        double k = (0.6 + 0.05 * i) / 100, a = (double)t[0] / 1e9, z = (double)t[N - 1] / 1e9;
        truth += (90 * (z - a) + 600 * k * lm_integral(&m.ch[LM_CPU1 + i], a, z)) / 3600;
    }
    for (int j = 1; j < N; j++) {
        double a = (double)t[j - 1] / 1e9, z = (double)t[j] / 1e9, ej = 0;
        for (int i = 0; i < 2; i++)
            ej += (90 * (z - a) + 600 * (0.6 + 0.05 * i) / 100 * lm_integral(&m.ch[LM_CPU1 + i], a, z)) / 3600;
        longest = ej > longest ? ej : longest;
    }
    if (ks.resets != 1 || ks.deltas != N - 2 || !(counted >= truth - longest - 0.01 && counted <= truth + 0.01))
        fail_msg("%zu resets, %zu deltas, %.6f Wh counted, closed form %.6f Wh (longest interval %.6f Wh)", ks.resets,
                 ks.deltas, counted, truth, longest);
    dcs_agg_buckets_free(&b);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_format_edges),
        cmocka_unit_test(test_five_mb_page),
        cmocka_unit_test(test_backend_faults),
        cmocka_unit_test(test_exporter_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
