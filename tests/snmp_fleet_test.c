/* snmp_fleet_test.c: the SNMP backend against dcs-snmpfleet, 200 agents in one
 * process on consecutive loopback UDP ports, with every fault it injects:
 * silent agents, an agent slower than the timeout, one answering garbage, one
 * answering genErr, one whose energy counter restarts. Each cycle still ends
 * within its deadline, the faulty agents' samples are flagged by kind, and
 * every other agent's samples are exact (the fleet's closed-form values). And
 * answers that look right but are not the answer asked for (a second fleet). */
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
#include "testutil.h"

#define AGENTS 200
#define CH_PER_AGENT 3 /* power (INTEGER 0.01 kW), energy (INTEGER 0.1 kWh), octets (Counter64) */

static int fleet_pid = -1, base_port, answer_pid = -1, answer_port;
static char dir[512];

/* Start dcs-snmpfleet with `count` agents from a free base port in
 * [lo, lo + 90 x stride) and the options args; returns its pid (or -1), *port. */
static int start_fleet(int count, int lo, int stride, char **args, int *port)
{
    char fleet[600], ready[600], udp[32];
    char *argv[40] = {"/usr/bin/timeout", "120", fleet, "--udp", udp};
    int n = 5, pid = -1;
    for (; args[n - 5] && n < 36; n++)
        argv[n] = args[n - 5];
    argv[n++] = "--ready-file", argv[n++] = ready, argv[n] = NULL;
    snprintf(fleet, sizeof fleet, "%s/dcs-snmpfleet", tu_build());
    snprintf(ready, sizeof ready, "%s/ready", dir);
    for (int try = 0; try < 8 && pid < 0; try++) { /* below the ephemeral range */
        *port = lo + (int)((getpid() * 7 + try * 1531) % 90) * stride;
        snprintf(udp, sizeof udp, "%d:%d", *port, count);
        unlink(ready);
        pid = tu_spawn(argv, ready, 5);
    }
    return pid;
}

/* Agents 0, 10, 20, ... silent; 3 answers after 600 ms (its timeout is 800 ms:
 * in time), 13 after 1.2 s (past the 0.9 s deadline, its timeout 3 s: the
 * cycle ends at the deadline all the same); 5 garbage; 7 genErr; 9's
 * energy restarts at 0 after 2 s. */
static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("snmpfleet"));
    fleet_pid = start_fleet(AGENTS, 20000, 128, (char *[]){"--oids", "4", "--fault", "silent:every:10", "--fault",
                            "slow:600:3", "--fault", "slow:1200:13", "--fault", "garbage:5", "--fault", "error:7",
                            "--fault", "reset:9", "--reset-after", "2", NULL}, &base_port);
    return fleet_pid > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_stop(fleet_pid);
    return 0;
}

typedef struct {
    double value[AGENTS * CH_PER_AGENT];
    int flag[AGENTS * CH_PER_AGENT];
    size_t n;
    char log[4096];            /* the poller's log lines (answers test) */
} got_t;

static void sink(void *ctx, const dcs_sample_t *s, size_t n)
{
    got_t *g = ctx;
    for (size_t i = 0; i < n; i++)
        g->value[s[i].channel] = s[i].value, g->flag[s[i].channel] = s[i].flag;
    g->n += n;
}

static void quiet(void *ctx, int level, const char *line)
{
    (void)ctx, (void)level, (void)line;
}

static void collect(void *ctx, int level, const char *line)
{
    got_t *g = ctx;
    size_t n = strlen(g->log);
    (void)level;
    snprintf(g->log + n, sizeof g->log - n, "%s\n", line);
}

static dcs_config_t *fleet_site(void)
{
    size_t cap = 800 * AGENTS + 400, len = 0;
    char *y = malloc(cap);
    len += (size_t)snprintf(y + len, cap - len,
                            "site: {id: f, name: f, region: lingang, pue_category: 1, poll_interval_ms: 1000,"
                            " store_dir: s}\ndevices:\n");
    for (int a = 0; a < AGENTS; a++)
        len += (size_t)snprintf(y + len, cap - len,
                                "  - {id: a%03d, protocol: snmp, host: 127.0.0.1, port: %d, timeout_ms: %d,"
                                " retries: %d, backoff_max_cycles: 0}\n", a, base_port + a,
                                a == 3 ? 800 : a == 13 ? 3000 : 300, a == 3 || a == 13 ? 0 : 1);
    len += (size_t)snprintf(y + len, cap - len, "channels:\n");
    for (int a = 0; a < AGENTS; a++)
        len += (size_t)snprintf(
            y + len, cap - len,
            "  - {id: p%03d, device: a%03d, role: it_rack, kind: power, unit: W, scale: 10,"
            " oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.2}\n"
            "  - {id: e%03d, device: a%03d, role: it_rack, kind: energy, unit: kWh, scale: 0.1,"
            " oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.9.1}\n"
            "  - {id: o%03d, device: a%03d, role: it_rack, kind: energy, unit: Wh, counter_bits: 64,"
            " oid: .1.3.6.1.2.1.31.1.1.1.6.1}\n",
            a, a, a, a, a, a);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", y), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    free(y);
    return cfg;
}

static void test_fleet_faults_keep_the_cycle(void **state)
{
    (void)state;
    dcs_config_t *cfg = fleet_site();
    dcs_poller_t *p;
    assert_int_equal(dcs_poller_new(cfg, &p), 0);
    got_t *g = calloc(1, sizeof *g);
    int64_t t0 = dcs_time_now_ns();
    assert_int_equal(dcs_poller_run(p, 0, 4, sink, quiet, g), 0); /* 4 cycles: past the reset at 2 s */
    const dcs_poller_stats_t *st = dcs_poller_stats(p);
    assert_int_equal(st->cycles, 4);
    assert_int_equal(st->overruns, 0);
    assert_true(st->max_cycle_ns <= 900000000LL + 50000000LL); /* 0.9 s deadline, 50 ms slack */
    assert_true(dcs_time_now_ns() - t0 < 6500000000LL);       /* 4 cycles + wait for the first tick */
    for (int a = 0; a < AGENTS; a++) {
        int *f = &g->flag[a * CH_PER_AGENT];
        double *v = &g->value[a * CH_PER_AGENT];
        if (a % 10 == 0 || a == 13) {
            assert_int_equal(f[0], DCS_SAMPLE_TIMEOUT);
            continue;
        }
        if (a == 5 || a == 7) {
            if (f[0] == DCS_SAMPLE_OK)
                fail_msg("agent %d (fault) answered ok", a);
            continue;
        }
        /* power of row 2: (100 + a % 100 + 2) x 0.01 kW = x 10 W, exact */
        if (f[0] != DCS_SAMPLE_OK || v[0] != (100 + a % 100 + 2) * 10.0)
            fail_msg("agent %d power: flag %d value %.17g", a, f[0], v[0]);
        assert_int_equal(f[1], DCS_SAMPLE_OK);
        assert_int_equal(f[2], DCS_SAMPLE_OK);
        assert_true(v[2] >= 1099511627776.0); /* Counter64 past 2^40, as a double */
        /* energy of row 1: 1000 + a % 1000 at start (0.1 kWh -> Wh: x 100), +1 step at most */
        double e0 = (1000.0 + a % 1000) * 100.0;
        if (a == 9)
            assert_true(v[1] < 200.0); /* restarted from 0 after 2 s */
        else if (!(v[1] >= e0 && v[1] <= e0 + 100.0))
            fail_msg("agent %d energy %.17g, want %.17g", a, v[1], e0);
    }
    assert_int_equal(g->n, 4 * AGENTS * CH_PER_AGENT);
    assert_true(st->by_flag[DCS_SAMPLE_TIMEOUT] + st->by_flag[DCS_SAMPLE_BACKOFF] >= 4 * 21 * CH_PER_AGENT);
    free(g);
    dcs_poller_free(p);
    dcs_config_free(cfg);
}

/* The answers that look like values but are not the answer asked for: agent 0
 * of a second fleet answers well, 1 answers GETs for the next OID, 2 repeats
 * walk rows, 3 answers sentinels (INTEGER -2^31 power, Counter64 2^64 - 1
 * energy), 4 is walked over SNMPv1 (one row per request: it stopped after 65
 * rows and reported a partial sum as OK). Every column has ROWS rows. */
#define ANSWER_AGENTS 5
#define ROWS 100

static int answer_setup(void **state)
{
    (void)state;
    answer_pid = start_fleet(ANSWER_AGENTS, 33000, 16, (char *[]){"--oids", "100", "--fault", "wrongoid:1",
                             "--fault", "dupwalk:2", "--fault", "extreme:3", NULL}, &answer_port);
    return answer_pid > 0 ? 0 : -1;
}

static int answer_teardown(void **state)
{
    (void)state;
    tu_stop(answer_pid);
    return 0;
}

/* Channels: per agent, power of row 2 by GET, the power column summed by a walk,
 * and (agent 3) the Counter64 column's row 1 as energy. */
static void test_answers_checked(void **state)
{
    (void)state;
    char y[6000];
    int n = snprintf(y, sizeof y, "site: {id: f, name: f, region: lingang, pue_category: 1, "
                                   "poll_interval_ms: 2000, store_dir: s}\ndevices:\n");
    for (int a = 0; a < ANSWER_AGENTS; a++)
        n += snprintf(y + n, sizeof y - (size_t)n,
                      "  - {id: a%d, protocol: snmp, host: 127.0.0.1, port: %d, version: '%s', timeout_ms: 500,"
                      " retries: 0, backoff_max_cycles: 0}\n", a, answer_port + a, a == 4 ? "1" : "2c");
    for (int a = 1; a <= 2; a++) /* agents 1 and 2 again, with only the bad answer: down, so logged */
        n += snprintf(y + n, sizeof y - (size_t)n, "  - {id: x%d, protocol: snmp, host: 127.0.0.1, port: %d,"
                      " timeout_ms: 500, retries: 0, backoff_max_cycles: 0}\n", a, answer_port + a);
    n += snprintf(y + n, sizeof y - (size_t)n, "channels:\n");
    for (int a = 0; a < ANSWER_AGENTS; a++)
        n += snprintf(y + n, sizeof y - (size_t)n,
                      "  - {id: p%d, device: a%d, role: it_rack, kind: power, unit: W, scale: 10,"
                      " oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.2}\n"
                      "  - {id: w%d, device: a%d, role: it_rack, kind: power, unit: W, scale: 10, walk: sum,"
                      " oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5}\n", a, a, a, a);
    n += snprintf(y + n, sizeof y - (size_t)n,
                  "  - {id: o3, device: a3, role: it_rack, kind: energy, unit: Wh, counter_bits: 64,"
                  " oid: .1.3.6.1.2.1.31.1.1.1.6.1}\n"
                  "  - {id: xp1, device: x1, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.2}\n"
                  "  - {id: xw2, device: x2, role: it_rack, kind: power, unit: W, walk: sum,"
                  " oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5}\n");
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", y), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_poller_t *p;
    assert_int_equal(dcs_poller_new(cfg, &p), 0);
    got_t *g = calloc(1, sizeof *g);
    assert_int_equal(dcs_poller_run(p, 0, 1, sink, collect, g), 0);
    /* row N's power is (100 + agent + N) x 0.01 kW = x 10 W; the column's sum over
     * N = 1..100 is 10 x (100 (100 + a) + 5050) W */
    for (int a = 0; a < ANSWER_AGENTS; a++) {
        double walk = 10.0 * (ROWS * (100.0 + a) + ROWS * (ROWS + 1) / 2.0);
        int get_ok = a == 0 || a == 2 || a == 4, walk_ok = a == 0 || a == 1 || a == 4;
        if (get_ok && (g->flag[2 * a] != DCS_SAMPLE_OK || g->value[2 * a] != (100 + a + 2) * 10.0))
            fail_msg("agent %d GET: flag %d value %.17g\n%s", a, g->flag[2 * a], g->value[2 * a], g->log);
        if (walk_ok && (g->flag[2 * a + 1] != DCS_SAMPLE_OK || g->value[2 * a + 1] != walk))
            fail_msg("agent %d walk: flag %d value %.17g, want %.17g\n%s", a, g->flag[2 * a + 1],
                     g->value[2 * a + 1], walk, g->log);
    }
    assert_int_equal(g->flag[2], DCS_SAMPLE_GARBAGE); /* agent 1: an answer for another OID */
    assert_int_equal(g->flag[5], DCS_SAMPLE_GARBAGE); /* agent 2: a walk with every row twice */
    assert_int_equal(g->flag[6], DCS_SAMPLE_RANGE);   /* agent 3: INTEGER -2^31 as power */
    assert_int_equal(g->flag[10], DCS_SAMPLE_RANGE);  /* agent 3: Counter64 2^64 - 1 as energy */
    assert_int_equal(g->flag[11], DCS_SAMPLE_GARBAGE);
    assert_int_equal(g->flag[12], DCS_SAMPLE_GARBAGE);
    static const char *const said[] = {"an answer for another OID than asked",
                                       "walk rows not in increasing order"};
    for (int k = 0; k < 2; k++)
        if (!strstr(g->log, said[k]))
            fail_msg("log lacks \"%s\":\n%s", said[k], g->log);
    free(g);
    dcs_poller_free(p);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_faults_keep_the_cycle),
        cmocka_unit_test_setup_teardown(test_answers_checked, answer_setup, answer_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
