/* probe_test.c: Modbus request plans (by hand), and the Modbus backend against
 * dcs-mbfleet (libmodbus framing) on loopback: every data type x order read from
 * a register image built by hand, batching across holes, unit ids behind one
 * gateway, RTU over TCP, RTU over a pty pair (socat), and faults (silent, slow,
 * exception, garbage, disconnect): the cycle ends by its deadline and the
 * healthy devices' samples are intact. Values are compared exactly (tolerance 0)
 * unless stated. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../probes/dcs_probe.h"
#include "../probes/modbus/modbus_int.h"
#include "testutil.h"

/* ---- plans ---------------------------------------------------------------- */

/* Request i of pl: function, first register, count, points (-1: not checked). */
static void expect_req(const dcs_mbplan_t *pl, size_t i, int fn, int start, int count, int npoints)
{
    assert_true(i < pl->nreq);
    if (fn >= 0)
        assert_int_equal(pl->req[i].function, fn);
    if (start >= 0)
        assert_int_equal(pl->req[i].start, start);
    if (count >= 0)
        assert_int_equal(pl->req[i].count, count);
    if (npoints >= 0)
        assert_int_equal(pl->req[i].npoints, npoints);
}

static void test_plan_contiguous_and_gaps(void **state)
{
    (void)state;
    /* float32 at 0x34, 0x156, 0x48 (the SDM630 points) and a uint16 at 0x36 */
    dcs_mbplan_point_t pts[] = {{4, 0x34, 2}, {4, 0x156, 2}, {4, 0x48, 2}, {4, 0x36, 1}};
    dcs_mbplan_t pl;
    assert_int_equal(dcs_mbplan_build(pts, 4, 125, 0, &pl), 0);
    /* gap 0: 0x34..0x36 joined (adjacent: 0x34,0x35 then 0x36); 0x48 and 0x156 alone */
    assert_int_equal(pl.nreq, 3);
    expect_req(&pl, 0, 4, 0x34, 3, 2);
    expect_req(&pl, 1, 4, 0x48, 2, 1);
    expect_req(&pl, 2, 4, 0x156, 2, 1);
    dcs_mbplan_free(&pl);
    /* gap 17: 0x37..0x47 is 17 unused registers, so 0x34..0x49 is one read of 22 */
    assert_int_equal(dcs_mbplan_build(pts, 4, 125, 17, &pl), 0);
    assert_int_equal(pl.nreq, 2);
    expect_req(&pl, 0, 4, 0x34, 0x4a - 0x34, 3);
    dcs_mbplan_free(&pl);
    /* gap 16: one short */
    assert_int_equal(dcs_mbplan_build(pts, 4, 125, 16, &pl), 0);
    assert_int_equal(pl.nreq, 3);
    dcs_mbplan_free(&pl);
}

static void test_plan_limits(void **state)
{
    (void)state;
    /* 70 float32 values back to back from 0: 140 registers -> 125 + 15 (the
     * request must end on a point boundary: 62 points = 124 registers, then 8) */
    dcs_mbplan_point_t pts[70];
    for (int i = 0; i < 70; i++)
        pts[i] = (dcs_mbplan_point_t){3, (uint16_t)(2 * i), 2};
    dcs_mbplan_t pl;
    assert_int_equal(dcs_mbplan_build(pts, 70, 125, 0, &pl), 0);
    assert_int_equal(pl.nreq, 2);
    expect_req(&pl, 0, 3, 0, 124, 62);
    expect_req(&pl, 1, 3, 124, 16, 8);
    dcs_mbplan_free(&pl);
    /* an out-of-spec device: at most 10 registers per read -> 14 requests of 5 points */
    assert_int_equal(dcs_mbplan_build(pts, 70, 10, 0, &pl), 0);
    assert_int_equal(pl.nreq, 14);
    dcs_mbplan_free(&pl);
    /* functions 3 and 4 never share a request; overlapping points share registers */
    dcs_mbplan_point_t mix[] = {{3, 10, 2}, {4, 10, 2}, {3, 10, 4}, {3, 11, 1}};
    assert_int_equal(dcs_mbplan_build(mix, 4, 125, 0, &pl), 0);
    assert_int_equal(pl.nreq, 2);
    expect_req(&pl, 0, 3, 10, 4, 3);
    expect_req(&pl, 1, 4, 10, 2, 1);
    dcs_mbplan_free(&pl);
    /* a float64 cannot fit in 2 registers per read; past 65535 is refused */
    dcs_mbplan_point_t wide[] = {{3, 0, 4}}, edge[] = {{3, 65534, 4}};
    assert_int_equal(dcs_mbplan_build(wide, 1, 2, 0, &pl), DCS_EINVAL);
    assert_int_equal(dcs_mbplan_build(edge, 1, 125, 0, &pl), DCS_EINVAL);
    assert_int_equal(dcs_mbplan_build(NULL, 0, 125, 0, &pl), 0);
    assert_int_equal(pl.nreq, 0);
    dcs_mbplan_free(&pl);
}

/* ---- live ----------------------------------------------------------------- */

#define MAXCH 128
typedef struct {
    double value[MAXCH];
    int flag[MAXCH];
    int flags_seen[MAXCH][8]; /* per channel: count per flag over all cycles */
    int cycles_seen;
    char log[8192];            /* the poller's log lines, joined */
} got_t;

static void collect_log(void *ctx, int level, const char *line)
{
    got_t *g = ctx;
    size_t n = strlen(g->log);
    (void)level;
    snprintf(g->log + n, sizeof g->log - n, "%s\n", line);
}

static void sink(void *ctx, const dcs_sample_t *s, size_t n)
{
    got_t *g = ctx;
    for (size_t i = 0; i < n; i++) {
        g->value[s[i].channel] = s[i].value;
        g->flag[s[i].channel] = s[i].flag;
        g->flags_seen[s[i].channel][s[i].flag & 7]++;
    }
}

static const char *head =
    "site: {id: t, name: t, region: qingpu, pue_category: 1, poll_interval_ms: %d,"
    " store_dir: s}\n";

/* Poll cfg_text (printf format already applied) for `cycles`; returns stats. */
static dcs_poller_stats_t poll_config(const char *dir, const char *text, int cycles, got_t *g,
                                      dcs_config_t **cfg_out)
{
    const char *path = tu_write(dir, "site.yaml", text);
    dcs_config_t *cfg = NULL;
    dcs_poller_t *p = NULL;
    int rc = dcs_config_load(path, &cfg);
    if (rc)
        fail_msg("%s", dcs_config_errmsg(cfg));
    if (dcs_poller_new(cfg, &p))
        fail_msg("%s", dcs_poller_errmsg(p));
    memset(g, 0, sizeof *g);
    dcs_poller_run(p, 0, (uint64_t)cycles, sink, collect_log, g);
    dcs_poller_stats_t st = *dcs_poller_stats(p);
    dcs_poller_free(p);
    *cfg_out = cfg;
    return st;
}

static int start_fleet(const char *dir, char **args)
{
    char fleet[600], ready[600];
    snprintf(fleet, sizeof fleet, "%s/dcs-mbfleet", tu_build());
    snprintf(ready, sizeof ready, "%s/fleet.ready", dir);
    char *argv[24] = {fleet};
    int n = 1;
    for (; args[n - 1] && n < 20; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--duration"; /* stops by itself even if the test dies */
    argv[n++] = "120";
    argv[n++] = "--ready-file";
    argv[n++] = ready;
    argv[n] = NULL;
    return tu_spawn(argv, ready, 5);
}

static const char *types[8] = {"int16", "uint16", "int32", "uint32", "int64", "uint64",
                               "float32", "float64"};
static const char *orders[4] = {"ABCD", "DCBA", "BADC", "CDAB"};

/* Address and expected value of type t in order o in dcs-mbfleet's image. */
static int typed(int t, int o, double *want)
{
    static const int base[8] = {130, 131, 110, 120, 140, 160, 100, 180};
    static const double val[8] = {-1234, 54321, -123456, 3000000000.0, -1234567890123.0,
                                  (double)12345678901234567ULL, 1234.5, -9876.54321};
    int w = t == 4 || t == 5 || t == 7 ? 4 : t >= 2 ? 2 : 0;
    *want = val[t];
    return base[t] + o * w;
}

/* Start one meter on a free port and begin a site config for it in text: the
 * site line, device `m` with `extra` keys, and "channels:". Returns the length. */
static int one_meter(const char *dir, const char *extra, char *text, size_t len, int *pid)
{
    int port = tu_free_ports(1);
    char spec[32];
    snprintf(spec, sizeof spec, "%d:1", port);
    *pid = start_fleet(dir, (char *[]){"--tcp", spec, NULL});
    assert_true(*pid > 0);
    int n = snprintf(text, len, head, 1000);
    return n + snprintf(text + n, len - (size_t)n,
                        "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: %d, %s}]\n"
                        "channels:\n", port, extra);
}

static void test_every_type_and_order(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-types");
    char text[20000];
    int pid, n = one_meter(dir, "gap_registers: 10", text, sizeof text, &pid);
    for (int t = 0; t < 8; t++)
        for (int o = 0; o < (t < 2 ? 1 : 4); o++) {
            double want;
            int addr = typed(t, o, &want);
            n += snprintf(text + n, sizeof text - n,
                          "  - {id: %s_%s, device: m, role: server, kind: utilisation, unit: percent,"
                          " function: %d, address: %d, type: %s, order: %s}\n", /* a kind with no range:
                          negative and huge test values pass */
                          types[t], orders[o], 3 + (t + o) % 2, addr, types[t], orders[o]);
        }
    got_t g;
    dcs_config_t *cfg;
    poll_config(dir, text, 1, &g, &cfg);
    for (unsigned c = 0; c < cfg->channels_count; c++) {
        const dcs_config_channel_t *ch = &cfg->channels[c];
        double want;
        typed((int)ch->type, (int)ch->order, &want);
        if (g.flag[c] != DCS_SAMPLE_OK || g.value[c] != want)
            fail_msg("%s: flag %d value %.17g, want %.17g", ch->id, g.flag[c], g.value[c], want);
    }
    dcs_config_free(cfg);
    tu_stop(pid);
}

/* Raw words at 0..99 and a batch across the unmapped 250..259, which the device
 * rejects with exception 02: the probe then reads those points one by one. */
static void test_batching_and_rejected_batch(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-batch");
    char text[4000];
    int pid, n = one_meter(dir, "gap_registers: 20, max_registers: 30", text, sizeof text, &pid);
    static const int addr[] = {0, 1, 5, 29, 30, 99, 248, 262};
    for (int i = 0; i < 8; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: w%d, device: m, role: it_rack, kind: power, unit: W, function: 3,"
                      " address: %d, type: uint16}\n", addr[i], addr[i]);
    got_t g;
    dcs_config_t *cfg;
    for (int cycle = 0; cycle < 2; cycle++) { /* the second poll uses the split plan */
        poll_config(dir, text, 1, &g, &cfg);
        for (int i = 0; i < 8; i++) {
            double want = addr[i] < 100 ? (double)((0 * 131 + 1 * 17 + addr[i]) & 0xffff) : 0;
            assert_int_equal(g.flag[i], DCS_SAMPLE_OK);
            assert_true(g.value[i] == want);
        }
        dcs_config_free(cfg);
    }
    tu_stop(pid);
}

/* The sunspec-meter profile against dcs-mbfleet's SunSpec map (--sunspec): "SunS"
 * found at the second base tried (40000 refuses: exception 02, 50000 has it),
 * model 203 found past the common model, and the points read from its block
 * with their scale factors. Meter 0, unit 1: power 1001 W, served as 10010 with
 * W_SF -1 (tolerance 1e-9 W); energy e/10 with TotWh_SF 1, e = 1e6 Wh + 1001 W x
 * seconds since the fleet started (within 10 s: 1e6 .. 1e6 + 1001 x 10 / 3600,
 * to the 10 Wh the register keeps). */
static void test_sunspec_meter(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-sunspec");
    int port = tu_free_ports(1);
    char spec[32], text[2000];
    snprintf(spec, sizeof spec, "%d:1", port);
    int pid = start_fleet(dir, (char *[]){"--tcp", spec, "--sunspec", "50000", NULL});
    assert_true(pid > 0);
    int n = snprintf(text, sizeof text, head, 1000);
    snprintf(text + n, sizeof text - (size_t)n,
             "devices: [{id: ss, protocol: modbus_tcp, host: 127.0.0.1, port: %d,"
             " profile: sunspec-meter}]\n"
             "channels:\n"
             "  - {id: w, device: ss, point: total_power, role: it_rack}\n"
             "  - {id: e, device: ss, point: total_energy, role: it_rack}\n", port);
    got_t g;
    dcs_config_t *cfg;
    poll_config(dir, text, 1, &g, &cfg);
    assert_int_equal(g.flag[0], DCS_SAMPLE_OK);
    assert_true(fabs(g.value[0] - 1001.0) < 1e-9);
    assert_int_equal(g.flag[1], DCS_SAMPLE_OK);
    assert_true(g.value[1] >= 1e6 - 10 && g.value[1] <= 1e6 + 1001.0 * 10 / 3600 + 10);
    dcs_config_free(cfg);
    tu_stop(pid);
}

/* One gateway port, unit ids 1..3 and a missing unit 99 on the same line; then
 * the same over RTU-over-TCP framing. */
static void run_units(const char *proto, const char *flag)
{
    const char *dir = tu_tmpdir("probe-units");
    int port = tu_free_ports(1);
    char spec[32], text[4000];
    snprintf(spec, sizeof spec, strcmp(flag, "--tcp") == 0 ? "%d:1" : "%d", port);
    int pid = start_fleet(dir, (char *[]){(char *)flag, spec, "--units", "3", NULL});
    assert_true(pid > 0);
    int n = snprintf(text, sizeof text, head, 1000);
    n += snprintf(text + n, sizeof text - n, "devices:\n");
    static const int units[] = {1, 2, 99, 3};
    for (int i = 0; i < 4; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: u%d, protocol: %s, host: 127.0.0.1, port: %d, unit_id: %d,"
                      " timeout_ms: 200, retries: 0}\n", units[i], proto, port, units[i]);
    n += snprintf(text + n, sizeof text - n, "channels:\n");
    for (int i = 0; i < 4; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: c%d, device: u%d, role: it_rack, kind: power, unit: W, function: 4,"
                      " address: 7, type: uint16}\n", units[i], units[i]);
    got_t g;
    dcs_config_t *cfg;
    dcs_poller_stats_t st = poll_config(dir, text, 1, &g, &cfg);
    for (int i = 0; i < 4; i++) {
        if (units[i] == 99) {
            assert_int_equal(g.flag[i], DCS_SAMPLE_TIMEOUT);
            continue;
        }
        int num = strcmp(flag, "--tcp") == 0 ? 0 : units[i]; /* RTU lines number by unit */
        assert_int_equal(g.flag[i], DCS_SAMPLE_OK);
        assert_true(g.value[i] == (double)((num * 131 + units[i] * 17 + 7) & 0xffff));
    }
    assert_int_equal(st.overruns, 0);
    dcs_config_free(cfg);
    tu_stop(pid);
}

static void test_units_behind_gateway(void **state)
{
    (void)state;
    run_units("modbus_tcp", "--tcp");
}

static void test_rtu_over_tcp(void **state)
{
    (void)state;
    run_units("modbus_rtu_tcp", "--rtu-tcp");
}

/* Serial RTU over a pty pair made by socat; dcs-mbfleet is the slave side. */
static void test_rtu_over_pty(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-rtu");
    char a[600], b[600], la[620], lb[620], text[4000];
    snprintf(a, sizeof a, "%s/ttyA", dir);
    snprintf(b, sizeof b, "%s/ttyB", dir);
    snprintf(la, sizeof la, "pty,raw,echo=0,link=%s", a);
    snprintf(lb, sizeof lb, "pty,raw,echo=0,link=%s", b);
    int socat = tu_spawn((char *[]){"/usr/bin/timeout", "120", "/usr/bin/socat", la, lb, NULL},
                         NULL, 0);
    for (int i = 0; i < 300 && (access(a, F_OK) || access(b, F_OK)); i++)
        usleep(10000);
    assert_int_equal(access(b, F_OK), 0);
    int pid = start_fleet(dir, (char *[]){"--rtu", b, "--units", "2", NULL});
    assert_true(pid > 0);
    int n = snprintf(text, sizeof text, head, 1000);
    n += snprintf(text + n, sizeof text - n, "devices:\n");
    static const int units[] = {1, 99, 2};
    for (int i = 0; i < 3; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: u%d, protocol: modbus_rtu, serial: %s, baud: 19200, parity: E,"
                      " unit_id: %d, timeout_ms: 200, retries: 0, pause_ms: 5}\n",
                      units[i], a, units[i]);
    n += snprintf(text + n, sizeof text - n, "channels:\n");
    for (int i = 0; i < 3; i++)
        n += snprintf(text + n, sizeof text - n,
                      "  - {id: c%d, device: u%d, role: it_rack, kind: power, unit: W, function: 3,"
                      " address: 100, type: float32, order: ABCD}\n"
                      "  - {id: e%d, device: u%d, role: it_rack, kind: energy, unit: Wh,"
                      " function: 3, address: 202, type: uint32}\n",
                      units[i], units[i], units[i], units[i]);
    got_t g;
    dcs_config_t *cfg;
    poll_config(dir, text, 2, &g, &cfg);
    for (int i = 0; i < 3; i++) {
        int want = units[i] == 99 ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK;
        assert_int_equal(g.flag[2 * i], want);
        assert_int_equal(g.flag[2 * i + 1], want);
        if (want == DCS_SAMPLE_OK) {
            assert_true(g.value[2 * i] == 1234.5);
            assert_true(g.value[2 * i + 1] >= 1e6 + 1000.0 * units[i]); /* counter start */
        }
    }
    dcs_config_free(cfg);
    tu_stop(pid);
    tu_stop(socat);
}

/* A site of n meters on consecutive ports from `port`, 300 ms timeout, each
 * read for one power register (the fleet's 1000 + meter + unit 1). */
static void meters_site(char *text, size_t cap, int port, int n, int retries)
{
    int k = snprintf(text, cap, head, 1000);
    k += snprintf(text + k, cap - (size_t)k, "devices:\n");
    for (int m = 0; m < n; m++)
        k += snprintf(text + k, cap - (size_t)k, "  - {id: m%d, protocol: modbus_tcp, host: 127.0.0.1, port: %d,"
                      " timeout_ms: 300, retries: %d}\n", m, port + m, retries);
    k += snprintf(text + k, cap - (size_t)k, "channels:\n");
    for (int m = 0; m < n; m++)
        k += snprintf(text + k, cap - (size_t)k, "  - {id: p%d, device: m%d, role: it_rack, kind: power, unit: W,"
                      " function: 4, address: 200, type: float32}\n", m, m);
}

/* Meters 0..5 on their own ports: ok, silent, exception, garbage, slow (past the
 * deadline), disconnect (every 3rd request). Interval 1 s, deadline 0.9 s. */
static void test_faults_keep_the_cycle(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-faults");
    int port = tu_free_ports(6);
    char spec[32], text[6000];
    snprintf(spec, sizeof spec, "%d:6", port);
    int pid = start_fleet(dir, (char *[]){"--tcp", spec, "--fault", "silent:1", "--fault",
                                          "exception:2", "--fault", "garbage:3", "--fault",
                                          "slow:3000:4", "--fault", "disconnect:5", NULL});
    assert_true(pid > 0);
    meters_site(text, sizeof text, port, 6, 1);
    got_t g;
    dcs_config_t *cfg;
    dcs_poller_stats_t st = poll_config(dir, text, 3, &g, &cfg);
    /* meter 0 answers every cycle, with its power (1000 + 0 + unit 1) */
    assert_int_equal(g.flags_seen[0][DCS_SAMPLE_OK], 3);
    assert_true(g.value[0] == 1001.0);
    assert_int_equal(g.flags_seen[1][DCS_SAMPLE_OK], 0);
    assert_true(g.flags_seen[1][DCS_SAMPLE_TIMEOUT] >= 2);
    assert_int_equal(g.flags_seen[2][DCS_SAMPLE_EXCEPTION] + g.flags_seen[2][DCS_SAMPLE_BACKOFF], 3);
    assert_true(g.flags_seen[3][DCS_SAMPLE_GARBAGE] >= 2);
    assert_true(g.flags_seen[4][DCS_SAMPLE_TIMEOUT] >= 2);
    /* disconnect: every 3rd request is dropped; the retry reconnects and reads */
    assert_int_equal(g.flags_seen[5][DCS_SAMPLE_OK], 3);
    /* down 2 cycles in a row: the third is skipped (backoff_max_cycles 1) */
    assert_int_equal(g.flags_seen[1][DCS_SAMPLE_BACKOFF], 1);
    assert_int_equal(st.overruns, 0);
    assert_true(st.max_cycle_ns <= 900000000LL + 50000000LL); /* deadline + 50 ms slack */
    assert_true(dcs_poller_hist_ms(&st.latency, 0.5) > 0);
    /* the longest cycle (~0.9 s) lies in the top bucket, within its 19 % */
    double top = dcs_poller_hist_ms(&st.cycle, 1.0), max_ms = (double)st.max_cycle_ns / 1e6;
    assert_true(top >= max_ms && top <= 1.19 * max_ms);
    dcs_config_free(cfg);
    tu_stop(pid);
}

/* Answers that look right but are not the answer asked for: another
 * transaction id, another unit id, exception codes Modbus does not define. Each
 * is garbage (not a value, not an exception) and the log names it. */
static void test_answers_checked(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("probe-answers");
    int port = tu_free_ports(5);
    char spec[32], text[6000];
    snprintf(spec, sizeof spec, "%d:5", port);
    int pid = start_fleet(dir, (char *[]){"--tcp", spec, "--fault", "badtid:1", "--fault", "badunit:2",
                                          "--fault", "exc0:3", "--fault", "exc255:4", NULL});
    assert_true(pid > 0);
    meters_site(text, sizeof text, port, 5, 0);
    got_t g;
    dcs_config_t *cfg;
    poll_config(dir, text, 1, &g, &cfg);
    assert_int_equal(g.flags_seen[0][DCS_SAMPLE_OK], 1);
    for (int m = 1; m < 5; m++)
        if (g.flags_seen[m][DCS_SAMPLE_GARBAGE] != 1)
            fail_msg("meter %d: flag %d, want garbage; log:\n%s", m, g.flag[m], g.log);
    static const char *const said[] = {"an answer to another request (transaction id not the one sent)",
                                       "an answer from another unit id",
                                       "exception code 0 (not defined by Modbus)",
                                       "exception code 255 (not defined by Modbus)"};
    for (int k = 0; k < 4; k++)
        if (!strstr(g.log, said[k]))
            fail_msg("log lacks \"%s\":\n%s", said[k], g.log);
    dcs_config_free(cfg);
    tu_stop(pid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_contiguous_and_gaps),
        cmocka_unit_test(test_plan_limits),
        cmocka_unit_test(test_every_type_and_order),
        cmocka_unit_test(test_batching_and_rejected_batch),
        cmocka_unit_test(test_sunspec_meter),
        cmocka_unit_test(test_units_behind_gateway),
        cmocka_unit_test(test_rtu_over_tcp),
        cmocka_unit_test(test_rtu_over_pty),
        cmocka_unit_test(test_faults_keep_the_cycle),
        cmocka_unit_test(test_answers_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
