/* snmp_fleet_test.c: the SNMP backend against dcs-snmpfleet, 200 agents in one
 * process on consecutive loopback UDP ports, with every fault it injects:
 * silent agents, an agent slower than the timeout, one answering garbage, one
 * answering genErr, one whose energy counter restarts. Each cycle still ends
 * within its deadline, the faulty agents' samples are flagged by kind, and
 * every other agent's samples are exact (the fleet's closed-form values). */
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

static int fleet_pid = -1, base_port;
static char dir[512];

/* Agents 0, 10, 20, ... silent; 3 answers after 600 ms (its timeout is 800 ms:
 * in time), 13 after 1.2 s (past the 0.9 s deadline, its timeout 3 s: the
 * cycle ends at the deadline all the same); 5 garbage; 7 genErr; 9's
 * energy restarts at 0 after 2 s. */
static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("snmpfleet"));
    char fleet[600], ready[600], udp[32];
    snprintf(fleet, sizeof fleet, "%s/dcs-snmpfleet", tu_build());
    snprintf(ready, sizeof ready, "%s/ready", dir);
    for (int try = 0; try < 8 && fleet_pid < 0; try++) { /* below the ephemeral range */
        base_port = 20000 + (int)((getpid() * 7 + try * 1531) % 90) * 128;
        snprintf(udp, sizeof udp, "%d:%d", base_port, AGENTS);
        unlink(ready);
        fleet_pid = tu_spawn((char *[]){"/usr/bin/timeout", "120", fleet, "--udp", udp, "--oids", "4",
                                        "--fault", "silent:every:10", "--fault", "slow:600:3", "--fault", "slow:1200:13",
                                        "--fault", "garbage:5", "--fault", "error:7", "--fault", "reset:9",
                                        "--reset-after", "2", "--ready-file", ready, NULL},
                             ready, 5);
    }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_faults_keep_the_cycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
