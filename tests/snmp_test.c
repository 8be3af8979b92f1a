/* snmp_test.c: the SNMP backend against net-snmp's own snmpd on loopback, set up
 * with a v3 user (SHA/AES) and fixed values (`override`): v2c and v3 authPriv
 * GETs, a wrong v3 password reported plainly, a GETBULK walk summed (UPS-MIB
 * output lines), ENTITY-SENSOR scaling, Counter32 exact near its wrap, a real
 * Counter64 (IF-MIB), profiles by name, and a silent agent: the cycle ends by its
 * deadline and the other agents' samples are intact. Tolerance 0 (the values
 * are integers scaled by powers of ten, compared to the same double). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../probes/dcs_probe.h"
#include "testutil.h"

static int snmpd_pid = -1, agent_port, silent_port, silent_fd = -1;
static char dir[512];

static const char *snmpd_conf =
    "[snmp] persistentDir %s/persist\n"
    "createUser dcsv3 SHA \"authpass-123\" AES \"privpass-456\"\n"
    "rouser dcsv3 priv\n"
    "rocommunity public 127.0.0.1\n"
    "override .1.3.6.1.2.1.99.1.1.1.2.7 integer 10\n"   /* scale: kilo */
    "override .1.3.6.1.2.1.99.1.1.1.3.7 integer 3\n"    /* precision: 3 digits */
    "override .1.3.6.1.2.1.99.1.1.1.4.7 integer 2505\n" /* 2.505 kW */
    "override .1.3.6.1.2.1.33.1.4.4.1.4.1 integer 1000\n"
    "override .1.3.6.1.2.1.33.1.4.4.1.4.2 integer 1100\n"
    "override .1.3.6.1.2.1.33.1.4.4.1.4.3 integer 1200\n"
    "override .1.3.6.1.4.1.99999.1.1.0 counter 4294967000\n"
    "override .1.3.6.1.4.1.99999.1.2.0 integer 42\n"
    "override .1.3.6.1.4.1.318.1.1.12.1.16.0 integer -1\n"; /* APC: "not supported" */

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("snmp"));
    char conf[4096], path[600], log[600], listen[64], cmd[700];
    snprintf(conf, sizeof conf, snmpd_conf, dir);
    snprintf(path, sizeof path, "%s", tu_write(dir, "snmpd.conf", conf));
    snprintf(log, sizeof log, "%s/snmpd.log", dir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/persist", dir);
    if (system(cmd) != 0)
        return -1;
    /* a UDP agent that receives and never answers */
    silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(silent_fd, (struct sockaddr *)&a, sizeof a) || getsockname(silent_fd, (struct sockaddr *)&a, &len))
        return -1;
    silent_port = ntohs(a.sin_port);
    agent_port = tu_free_ports(1);
    snprintf(listen, sizeof listen, "udp:127.0.0.1:%d", agent_port);
    const char *snmpd = access("/usr/sbin/snmpd", X_OK) == 0 ? "/usr/sbin/snmpd" : "snmpd";
    snmpd_pid = tu_spawn((char *[]){"/usr/bin/timeout", "300", (char *)snmpd, "-f", "-Lf", log,
                                    "-C", "-c", path, "-M", "/dev/null", listen, NULL},
                         NULL, 0);
    for (int i = 0; i < 500; i++) {
        char grep[800];
        snprintf(grep, sizeof grep, "grep -q 'NET-SNMP version' %s 2>/dev/null", log);
        if (system(grep) == 0)
            return 0;
        usleep(10000);
    }
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_stop(snmpd_pid);
    if (silent_fd >= 0)
        close(silent_fd);
    return 0;
}

#define MAXCH 32
typedef struct {
    double value[MAXCH];
    int flag[MAXCH];
} got_t;

static void sink(void *ctx, const dcs_sample_t *s, size_t n)
{
    got_t *g = ctx;
    for (size_t i = 0; i < n; i++)
        g->value[s[i].channel] = s[i].value, g->flag[s[i].channel] = s[i].flag;
}

static char logged[2048];
static void log_fn(void *ctx, int level, const char *line)
{
    (void)ctx, (void)level;
    strncat(logged, line, sizeof logged - strlen(logged) - 2);
    strcat(logged, "\n");
}

static int64_t open_ns; /* how long the last run's dcs_poller_new took */

static dcs_poller_stats_t run(const char *devices, const char *channels, got_t *g,
                              dcs_config_t **cfg)
{
    char text[8000];
    snprintf(text, sizeof text,
             "site: {id: t, name: t, region: qingpu, pue_category: 1, poll_interval_ms: 1000,"
             " store_dir: s}\ndevices:\n%schannels:\n%s", devices, channels);
    const char *path = tu_write(dir, "site.yaml", text);
    dcs_poller_t *p = NULL;
    if (dcs_config_load(path, cfg))
        fail_msg("%s", dcs_config_errmsg(*cfg));
    int64_t t0 = dcs_time_now_ns();
    if (dcs_poller_new(*cfg, &p))
        fail_msg("%s", dcs_poller_errmsg(p));
    open_ns = dcs_time_now_ns() - t0;
    memset(g, 0, sizeof *g);
    logged[0] = '\0';
    dcs_poller_run(p, 0, 1, sink, log_fn, g);
    dcs_poller_stats_t st = *dcs_poller_stats(p);
    dcs_poller_free(p);
    return st;
}

static void test_v2c_v3_walk_entity_counters(void **state)
{
    (void)state;
    char devs[2000];
    const char *v3 = "v3: {user: dcsv3, auth_password: authpass-123, priv_password: privpass-456}";
    snprintf(devs, sizeof devs,
             "  - {id: a2, protocol: snmp, host: 127.0.0.1, port: %d, max_oids: 2}\n"
             "  - {id: a3, protocol: snmp, host: 127.0.0.1, port: %d, version: '3', %s}\n"
             "  - {id: ups, protocol: snmp, host: 127.0.0.1, port: %d, profile: ups-mib}\n"
             "  - {id: ent, protocol: snmp, host: 127.0.0.1, port: %d, profile: entity-sensor,"
             " version: '3', %s}\n"
             "  - {id: apc, protocol: snmp, host: 127.0.0.1, port: %d, profile: apc-rpdu}\n",
             agent_port, agent_port, v3, agent_port, agent_port, v3, agent_port);
    const char *chans =
        "  - {id: c32, device: a2, role: it_rack, kind: energy, unit: Wh, oid: .1.3.6.1.4.1.99999.1.1.0}\n"
        "  - {id: i42, device: a2, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.1.2.0}\n"
        "  - {id: c64, device: a2, role: it_rack, kind: energy, unit: Wh, counter_bits: 64,"
        " oid: .1.3.6.1.2.1.31.1.1.1.6.1}\n"
        "  - {id: v3a, device: a3, role: it_rack, kind: power, unit: W, scale: 0.5,"
        " oid: .1.3.6.1.4.1.99999.1.2.0}\n"
        "  - {id: lines, device: a3, role: it_rack, kind: power, unit: W, walk: sum,"
        " oid: .1.3.6.1.2.1.33.1.4.4.1.4}\n"
        "  - {id: upsw, device: ups, role: it_total, point: total_output_power}\n"
        "  - {id: line2, device: ups, role: it_rack, point: line_output_power, index: 2}\n"
        "  - {id: sensor, device: ent, role: it_rack, point: sensor_power, index: 7}\n"
        "  - {id: nosuch, device: a2, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.9.0}\n"
        "  - {id: apcw, device: apc, role: it_rack, point: total_power}\n";
    got_t g;
    dcs_config_t *cfg;
    dcs_poller_stats_t st = run(devs, chans, &g, &cfg);
    assert_int_equal(g.flag[0], DCS_SAMPLE_OK);
    assert_true(g.value[0] == 4294967000.0);   /* Counter32 near its wrap, exact */
    assert_int_equal(g.flag[1], DCS_SAMPLE_OK);
    assert_true(g.value[1] == 42.0);
    assert_int_equal(g.flag[2], DCS_SAMPLE_OK);  /* real Counter64 of lo */
    assert_true(g.value[2] >= 0);
    assert_true(cfg->channels[2].counter_modulus_raw == ldexp(1.0, 64));
    assert_int_equal(g.flag[3], DCS_SAMPLE_OK);  /* v3 authPriv */
    assert_true(g.value[3] == 21.0);
    assert_int_equal(g.flag[4], DCS_SAMPLE_OK);  /* walk: 1000 + 1100 + 1200 */
    assert_true(g.value[4] == 3300.0);
    assert_true(g.value[5] == 3300.0);           /* the same through the ups-mib profile */
    assert_true(g.value[6] == 1100.0);
    assert_int_equal(g.flag[7], DCS_SAMPLE_OK);  /* 2505 * 10^(3*(10-9)) * 10^-3 = 2505 W */
    assert_true(g.value[7] == 2505.0);
    assert_int_equal(g.flag[8], DCS_SAMPLE_NOSUCH);
    assert_int_equal(g.flag[9], DCS_SAMPLE_NOSUCH); /* -1 is "no value", not -1 W */
    assert_int_equal(st.overruns, 0);
    dcs_config_free(cfg);
}

static void test_wrong_password_and_silent_agent(void **state)
{
    (void)state;
    char devs[2000];
    snprintf(devs, sizeof devs,
             "  - {id: good, protocol: snmp, host: 127.0.0.1, port: %d}\n"
             "  - {id: silent, protocol: snmp, host: 127.0.0.1, port: %d, timeout_ms: 200, retries: 2}\n"
             "  - {id: badpw, protocol: snmp, host: 127.0.0.1, port: %d, version: '3',"
             " v3: {user: dcsv3, auth_password: wrong-pass-1, priv_password: privpass-456}}\n"
             "  - {id: silent3, protocol: snmp, host: 127.0.0.1, port: %d, version: '3',"
             " timeout_ms: 200, retries: 2,"
             " v3: {user: dcsv3, auth_password: authpass-123, priv_password: privpass-456}}\n",
             agent_port, silent_port, agent_port, silent_port);
    const char *chans =
        "  - {id: g, device: good, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.1.2.0}\n"
        "  - {id: s, device: silent, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.1.2.0}\n"
        "  - {id: b, device: badpw, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.1.2.0}\n"
        "  - {id: s3, device: silent3, role: it_rack, kind: power, unit: W, oid: .1.3.6.1.4.1.99999.1.2.0}\n";
    got_t g;
    dcs_config_t *cfg;
    int64_t t0 = dcs_time_now_ns();
    dcs_poller_stats_t st = run(devs, chans, &g, &cfg);
    assert_int_equal(g.flag[0], DCS_SAMPLE_OK);
    assert_true(g.value[0] == 42.0);
    assert_int_equal(g.flag[1], DCS_SAMPLE_TIMEOUT);
    assert_int_not_equal(g.flag[2], DCS_SAMPLE_OK);
    /* the log says plainly why the v3 device is down */
    assert_non_null(strstr(logged, "device 'badpw': down"));
    assert_non_null(strcasestr(logged, "authentication"));
    assert_non_null(strstr(logged, "device 'silent': down"));
    /* a silent v3 agent: its engine discovery times out inside the cycle, sent
     * with everything else; opening did not wait for it (net-snmp's own probe
     * would have taken its 3 x 200 ms there) */
    assert_int_equal(g.flag[3], DCS_SAMPLE_TIMEOUT);
    assert_non_null(strstr(logged, "device 'silent3': down: udp:127.0.0.1"));
    assert_non_null(strstr(logged, "timeout (SNMPv3 engine discovery)"));
    assert_true(open_ns < 300000000LL);
    /* silent: 3 tries of 200 ms end well inside the 0.9 s deadline */
    assert_int_equal(st.overruns, 0);
    assert_true(st.max_cycle_ns < 900000000LL + 50000000LL);
    assert_true(dcs_time_now_ns() - t0 < 3000000000LL); /* at most wait + one cycle */
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2c_v3_walk_entity_counters),
        cmocka_unit_test(test_wrong_password_and_silent_agent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
