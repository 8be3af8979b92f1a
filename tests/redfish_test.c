/* redfish_test.c: the redfish backend against dcs-sim redfish BMCs on loopback:
 * both power shapes (PowerSubsystem and the legacy Power), energy, discovery
 * once then the leaves only, HTTPS with a test CA (and a wrong CA refused),
 * basic auth and Redfish sessions (a token that expires, a wrong password,
 * logging out), and every fault flagged without blocking the cycle. Expected
 * power is the fixture's closed form, P = 300 + 500 x scale x cpu_1(t)/100 W,
 * taken over the cycle's window (the load moves by at most 3.2 W/s x scale). */
#define _GNU_SOURCE
#include "testutil.h"
#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../fixtures/loadmodel.h"
#include "../probes/dcs_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEED 11
#define NSIM 12

static const char *dir;
static double origin;
static int sim_pid[NSIM], sim_port[NSIM];

/* dcs-sim redfish with args; its stdout (READY port=N, then GET lines) to dir/bmcK.out. */
static void bmc_start(int k, const char *args)
{
    char cmd[1200], out[600];
    snprintf(out, sizeof out, "%s/bmc%d.out", dir, k);
    snprintf(cmd, sizeof cmd, "%s/dcs-sim redfish --port 0 --seed %d --origin %.0f %s", tu_build(), SEED, origin, args);
    if ((sim_pid[k] = tu_spawn_ready(cmd, out, &sim_port[k])) < 0)
        fail_msg("dcs-sim redfish %s did not start", args);
}

/* Lines of dcs-sim's stdout for BMC k that start with what. */
static int bmc_lines(int k, const char *what)
{
    char out[600];
    snprintf(out, sizeof out, "%s/bmc%d.out", dir, k);
    return tu_count_lines(out, what);
}

static int bmc_gets(int k)
{
    return bmc_lines(k, "GET ");
}

static void sh(const char *cmd)
{
    char full[2000];
    snprintf(full, sizeof full, "cd %s && (%s) >openssl.log 2>&1", dir, cmd);
    if (system(full) != 0)
        fail_msg("%s failed (see %s/openssl.log)", cmd, dir);
}

/* A test CA, the BMC's certificate signed by it for 127.0.0.1, and another CA. */
static void make_certs(void)
{
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt "
       "-days 2 -subj /CN=dcscore-test-CA");
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout bmc.key -out bmc.csr "
       "-subj /CN=127.0.0.1");
    sh("printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && openssl x509 -req -in bmc.csr -CA ca.crt -CAkey ca.key "
       "-CAcreateserial -out bmc.crt -days 2 -extfile san.ext");
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other.crt "
       "-days 2 -subj /CN=another-CA");
}

static int setup(void **state)
{
    (void)state;
    dir = strdup(tu_tmpdir("redfish"));
    origin = floor((double)dcs_time_now_ns() / 1e9) - 86400;
    make_certs();
    char tls[1400];
    snprintf(tls, sizeof tls, "--layout new --units 2 --scale 2 --tls-cert %s/bmc.crt --tls-key %s/bmc.key "
             "--user admin --password 's3cret pass'", dir, dir);
    bmc_start(0, "--layout new --units 2");
    bmc_start(1, "--layout legacy");
    bmc_start(2, tls);
    bmc_start(3, "--layout new --units 2 --fault 500");
    bmc_start(4, "--layout new --units 2 --fault slow");
    bmc_start(5, "--layout new --units 2 --fault truncated");
    bmc_start(6, "--layout new --units 2 --fault malformed");
    bmc_start(7, "--layout new --units 2 --fault missing");
    bmc_start(8, "--layout legacy --fault missing");
    bmc_start(9, "--layout new --units 2 --fault 401");
    bmc_start(10, "--layout new --units 2 --user admin --password 's3cret pass' --auth session --session-ttl 2");
    bmc_start(11, "--layout new --units 2 --chassis 2");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int k = 0; k < NSIM; k++)
        tu_stop(sim_pid[k]);
    return 0;
}

/* The devices: d0..d9 one per BMC, then d10 the TLS BMC with the wrong CA, d11
 * with insecure: true, d12 with a wrong password, d13 nobody listening. */
#define NDEV 14
#define NSESSDEV 2

static dcs_config_t *site(void)
{
    char yaml[12000], extra[700];
    size_t n = (size_t)snprintf(yaml, sizeof yaml,
                                "site: {id: r-01, name: R, region: lingang, pue_category: 3, poll_interval_ms: 10000, "
                                "store_dir: s}\ndevices:\n");
    for (int i = 0; i < NDEV; i++) {
        int k = i < 10 ? i : i == 13 ? -1 : 2;
        int port = k >= 0 ? sim_port[k] : tu_free_ports(1);
        int tls = k == 2;
        extra[0] = '\0';
        if (i == 2 || i == 10)
            snprintf(extra, sizeof extra, ", ca_file: \"%s/%s.crt\", username: admin, password: \"s3cret pass\"", dir,
                     i == 2 ? "ca" : "other");
        else if (i == 11)
            snprintf(extra, sizeof extra, ", insecure: true, username: admin, password: \"s3cret pass\"");
        else if (i == 12)
            snprintf(extra, sizeof extra, ", ca_file: \"%s/ca.crt\", username: admin, password: wrong", dir);
        n += (size_t)snprintf(yaml + n, sizeof yaml - n,
                              "  - {id: d%d, protocol: redfish, url: \"%s://127.0.0.1:%d\", timeout_ms: 2000%s}\n", i,
                              tls ? "https" : "http", port, extra);
    }
    n += (size_t)snprintf(yaml + n, sizeof yaml - n, "channels:\n");
    for (int i = 0; i < NDEV; i++)
        n += (size_t)snprintf(yaml + n, sizeof yaml - n,
                              "  - {id: p%d, device: d%d, metric: power, kind: power, unit: W, role: it_rack}\n"
                              "  - {id: e%d, device: d%d, metric: energy, kind: energy, unit: kWh, role: it_rack}\n",
                              i, i, i, i);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    return cfg;
}

typedef struct {
    void *st[NDEV];
    dcs_sample_t smp[NDEV][2], *out[NDEV];
    size_t nout[NDEV];
    int ok[NDEV];
    char err[NDEV][DCS_PROBE_ERRLEN];
    int64_t lat[NDEV];
    double t0, t1, took_s;
} cycle_t;

static void run_cycle(const dcs_probe_ops *ops, cycle_t *c, double budget_s)
{
    for (int i = 0; i < NDEV; i++)
        c->out[i] = c->smp[i], c->nout[i] = 2;
    int64_t t0 = dcs_time_now_ns();
    ops->poll_many(c->st, NDEV, t0 + (int64_t)(budget_s * 1e9), c->out, c->nout, c->ok, c->err, c->lat);
    int64_t t1 = dcs_time_now_ns();
    c->t0 = (double)t0 / 1e9, c->t1 = (double)t1 / 1e9, c->took_s = c->t1 - c->t0;
    for (int i = 0; getenv("DCS_TEST_VERBOSE") && i < NDEV; i++)
        fprintf(stderr, "d%d: ok %d flag %d/%d %.3f %.6f err %s\n", i, c->ok[i], c->smp[i][0].flag,
                c->smp[i][1].flag, c->smp[i][0].value, c->smp[i][1].value, c->err[i]);
}

/* v lies within the closed form's range over the cycle, to tol. */
static void near_model(double v, double t0, double t1, double scale, int energy, const char *what)
{
    lm_site_t m;
    lm_site_init(&m, SEED, origin);
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k <= 200; k++) {
        double t = t0 + (t1 - t0) * k / 200.0;
        double x = energy ? (300 * (t - origin) + 5 * scale * lm_integral(&m.ch[LM_CPU1], origin, t)) / 3600
                          : 300 + 500 * scale * lm_value(&m.ch[LM_CPU1], t) / 100;
        lo = fmin(lo, x), hi = fmax(hi, x);
    }
    double tol = energy ? 0.002 : 0.01; /* Wh: the fixture's 6 decimals of kWh; W: 3 decimals per supply */
    if (!(v >= lo - tol && v <= hi + tol))
        fail_msg("%s: %.6f outside [%.6f, %.6f] +- %g", what, v, lo, hi, tol);
}

static void test_shapes_tls_faults(void **state)
{
    (void)state;
    dcs_config_t *cfg = site();
    dcs_probe_register_builtin();
    const dcs_probe_ops *ops = dcs_probe_find("redfish");
    assert_non_null(ops);
    cycle_t c;
    char e[300];
    for (int i = 0; i < NDEV; i++)
        assert_int_equal(ops->open(cfg, (unsigned)i, &c.st[i], e, sizeof e), 0);
    run_cycle(ops, &c, 2.5);
    assert_true(c.took_s < 2.5 + 0.5); /* the slow BMC does not hold the cycle */
    /* d0 new shape: two supplies summed (the empty slot skipped), energy in Wh */
    assert_int_equal(c.ok[0], 2);
    near_model(c.smp[0][0].value, c.t0, c.t1, 1, 0, "d0 power (W)");
    near_model(c.smp[0][1].value, c.t0, c.t1, 1, 1, "d0 energy (Wh)");
    /* d1 legacy: PowerControl[0] only (adding the CPU sub-domain would give 1.4 x) */
    assert_int_equal(c.ok[1], 2);
    near_model(c.smp[1][0].value, c.t0, c.t1, 1, 0, "d1 legacy power (W)");
    /* d2 HTTPS verified against the test CA, basic auth; d11 the same BMC, insecure */
    for (int i = 2; i <= 11; i += 9) {
        if (c.ok[i] != 2)
            fail_msg("d%d: %s", i, c.err[i]);
        near_model(c.smp[i][0].value, c.t0, c.t1, 2, 0, "TLS BMC power (W)");
        near_model(c.smp[i][1].value, c.t0, c.t1, 2, 1, "TLS BMC energy (Wh)");
    }
    const struct { int dev, flag; const char *why; } want[] = {
        {3, DCS_SAMPLE_EXCEPTION, "HTTP 500"}, {4, DCS_SAMPLE_TIMEOUT, "timeout"},
        {5, DCS_SAMPLE_GARBAGE, "/redfish/v1/"}, {6, DCS_SAMPLE_GARBAGE, "not one JSON object"},
        {7, DCS_SAMPLE_GARBAGE, "no InputPowerWatts.Reading"},
        {8, DCS_SAMPLE_GARBAGE, "no PowerControl[0].PowerConsumedWatts"},
        {9, DCS_SAMPLE_EXCEPTION, "HTTP 401"}, {10, DCS_SAMPLE_NOCONN, "ca_file"},
        {12, DCS_SAMPLE_EXCEPTION, "HTTP 401"}, {13, DCS_SAMPLE_NOCONN, ""}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int i = want[k].dev;
        if (c.ok[i] != 0 || c.smp[i][0].flag != want[k].flag || !isnan(c.smp[i][0].value) ||
            !strstr(c.err[i], want[k].why) || !c.err[i][0])
            fail_msg("d%d: ok %d flag %d '%s', want flag %d '%s'", i, c.ok[i], c.smp[i][0].flag, c.err[i],
                     want[k].flag, want[k].why);
    }
    /* discovery once: Chassis, Chassis/1, PowerSubsystem, PowerSupplies, PSU0..2,
     * 2 x Metrics, EnvironmentMetrics = 10 requests; then only the 3 leaves */
    assert_int_equal(bmc_gets(0), 10);
    assert_int_equal(bmc_gets(1), 4); /* Chassis, Chassis/1, Power, EnvironmentMetrics */
    run_cycle(ops, &c, 2.5);
    assert_int_equal(c.ok[0], 2);
    near_model(c.smp[0][0].value, c.t0, c.t1, 1, 0, "d0 power, second cycle (W)");
    assert_int_equal(bmc_gets(0), 13);
    assert_int_equal(bmc_gets(1), 6);
    assert_int_equal(c.ok[1], 2);
    for (int i = 0; i < NDEV; i++)
        ops->close(c.st[i]);
    dcs_config_free(cfg);
}

/* auth: session against BMC 10 (tokens live 2 s): a login, then the token on
 * every request (the BMC refuses basic auth); the token expired, a 401, one
 * login again and the cycle's samples still had; no login while it lives; a
 * wrong password refused at the login; the session deleted at close. */
static void test_session(void **state)
{
    (void)state;
    char yaml[3000];
    snprintf(yaml, sizeof yaml,
             "site: {id: r-02, name: R, region: lingang, pue_category: 3, poll_interval_ms: 10000, store_dir: s}\n"
             "devices:\n"
             "  - {id: s0, protocol: redfish, url: \"http://127.0.0.1:%d\", auth: session, username: admin,"
             " password: \"s3cret pass\"}\n"
             "  - {id: s1, protocol: redfish, url: \"http://127.0.0.1:%d\", auth: session, username: admin,"
             " password: nope}\n"
             "channels:\n"
             "  - {id: p0, device: s0, metric: power, kind: power, unit: W, role: it_rack}\n"
             "  - {id: p1, device: s1, metric: power, kind: power, unit: W, role: it_rack}\n",
             sim_port[10], sim_port[10]);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "session.yaml", yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_probe_register_builtin();
    const dcs_probe_ops *ops = dcs_probe_find("redfish");
    void *st[NSESSDEV];
    dcs_sample_t smp[NSESSDEV], *out[NSESSDEV] = {&smp[0], &smp[1]};
    size_t nout[NSESSDEV] = {1, 1};
    int ok[NSESSDEV];
    char err[NSESSDEV][DCS_PROBE_ERRLEN], e[300];
    int64_t lat[NSESSDEV];
    for (int i = 0; i < NSESSDEV; i++)
        assert_int_equal(ops->open(cfg, (unsigned)i, &st[i], e, sizeof e), 0);
    const int want_logins[3] = {1, 2, 2};
    for (int cyc = 0; cyc < 3; cyc++) {
        if (cyc == 1)
            usleep(2300000); /* past the token's 2 s */
        int64_t t0 = dcs_time_now_ns();
        ops->poll_many(st, NSESSDEV, t0 + 2500000000LL, out, nout, ok, err, lat);
        double t1 = (double)dcs_time_now_ns() / 1e9;
        if (ok[0] != 1)
            fail_msg("cycle %d: %s", cyc, err[0]);
        near_model(smp[0].value, (double)t0 / 1e9, t1, 1, 0, "session BMC power (W)");
        assert_int_equal(bmc_lines(10, "LOGIN ok"), want_logins[cyc]);
        if (ok[1] != 0 || smp[1].flag != DCS_SAMPLE_EXCEPTION ||
            !strstr(err[1], "login: HTTP 401 from /redfish/v1/SessionService/Sessions"))
            fail_msg("cycle %d, wrong password: ok %d flag %d '%s'", cyc, ok[1], smp[1].flag, err[1]);
    }
    assert_int_equal(bmc_lines(10, "LOGIN refused"), 3);
    for (int i = 0; i < NSESSDEV; i++)
        ops->close(st[i]);
    assert_int_equal(bmc_lines(10, "LOGOUT"), 1);
    dcs_config_free(cfg);
}

/* A BMC with two chassis linking power and energy (an enclosure and its node):
 * adding them would count the server twice, so both samples are flagged with
 * the reason, never a sum. */
static void test_two_chassis(void **state)
{
    (void)state;
    char yaml[1200];
    snprintf(yaml, sizeof yaml,
             "site: {id: r-03, name: R, region: lingang, pue_category: 3, poll_interval_ms: 10000, store_dir: s}\n"
             "devices:\n  - {id: two, protocol: redfish, url: \"http://127.0.0.1:%d\"}\n"
             "channels:\n  - {id: p, device: two, metric: power, kind: power, unit: W, role: it_rack}\n"
             "  - {id: e, device: two, metric: energy, kind: energy, unit: kWh, role: it_rack}\n", sim_port[11]);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "two.yaml", yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_probe_register_builtin();
    const dcs_probe_ops *ops = dcs_probe_find("redfish");
    void *st;
    char e[300], err[DCS_PROBE_ERRLEN];
    assert_int_equal(ops->open(cfg, 0, &st, e, sizeof e), 0);
    for (int cyc = 0; cyc < 2; cyc++) { /* discovery, then the leaves */
        dcs_sample_t smp[2];
        int ok = ops->poll(st, dcs_time_now_ns() + 2000000000LL, smp, 2, err, sizeof err);
        if (ok != 0 || smp[0].flag != DCS_SAMPLE_GARBAGE || smp[1].flag != DCS_SAMPLE_GARBAGE ||
            !isnan(smp[0].value) || !strstr(err, "2 chassis report power: adding them could count a server twice"))
            fail_msg("cycle %d: ok %d flags %d %d '%s'", cyc, ok, smp[0].flag, smp[1].flag, err);
    }
    ops->close(st);
    dcs_config_free(cfg);
}

/* The site file's checks for redfish devices and channels. */
static void test_config_refusals(void **state)
{
    (void)state;
    const struct { const char *dev, *chan, *why; } bad[] = {
        {"{id: b, protocol: redfish, host: 127.0.0.1}", "metric: power, kind: power, unit: W", "needs `url`"},
        {"{id: b, protocol: redfish, url: \"http://127.0.0.1:1\", insecure: true}", "metric: power, kind: power, unit: W",
         "for an https:// url"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\", username: admin}",
         "metric: power, kind: power, unit: W", "both username and password"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\", ca_file: x.crt, insecure: true}",
         "metric: power, kind: power, unit: W", "contradict"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\"}", "metric: voltage, kind: power, unit: W",
         "`metric: power`"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\"}", "metric: energy, kind: power, unit: W",
         "needs kind energy"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\"}", "metric: energy, kind: energy, unit: Wh",
         "redfish gives EnergykWh in kWh: unit Wh would scale it wrong"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\"}", "metric: power, kind: power, unit: kW",
         "redfish gives watts in W: unit kW"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\", auth: token}", "metric: power, kind: power, unit: W",
         "auth 'token' is not basic or session"},
        {"{id: b, protocol: redfish, url: \"https://127.0.0.1:1\", auth: session}",
         "metric: power, kind: power, unit: W", "logs in with username and password"},
        {"{id: b, protocol: prometheus, url: \"http://127.0.0.1:1/metrics\", auth: session}",
         "metric: up, kind: utilisation, unit: ratio", "auth and insecure are for redfish"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char yaml[1000];
        snprintf(yaml, sizeof yaml,
                 "site: {id: r-01, name: R, region: lingang, pue_category: 3, poll_interval_ms: 10000, store_dir: s}\n"
                 "devices:\n  - %s\n"
                 "channels:\n  - {id: c, device: b, %s, role: it_rack}\n", bad[k].dev, bad[k].chan);
        dcs_config_t *cfg;
        const char *dirc = tu_tmpdir("redfish_cfg");
        assert_int_not_equal(dcs_config_load(tu_write(dirc, "site.yaml", yaml), &cfg), 0);
        if (!strstr(dcs_config_errmsg(cfg), bad[k].why) || !strstr(dcs_config_errmsg(cfg), "site.yaml:"))
            fail_msg("case %zu: '%s', want '%s' with the file and line", k, dcs_config_errmsg(cfg), bad[k].why);
        dcs_config_free(cfg);
    }
}

/* A ca_file that is not there: the site file loads (a region re-scoring the
 * bundle has no BMC CA), the device does not open, naming the file beside the
 * site file. */
static void test_ca_file_missing(void **state)
{
    (void)state;
    const char *dirc = tu_tmpdir("redfish_ca");
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dirc, "site.yaml",
                                 "site: {id: r-01, name: R, region: lingang, pue_category: 3, poll_interval_ms: 10000, "
                                 "store_dir: s}\ndevices:\n  - {id: b, protocol: redfish, url: \"https://127.0.0.1:1\", "
                                 "ca_file: no-such-ca.crt}\nchannels:\n  - {id: c, device: b, metric: power, kind: power, "
                                 "unit: W, role: it_rack}\n"), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_probe_register_builtin();
    void *st = NULL;
    char err[300] = "";
    assert_int_equal(dcs_probe_find("redfish")->open(cfg, 0, &st, err, sizeof err), DCS_ECONFIG);
    if (!strstr(err, "redfish_ca/no-such-ca.crt: No such file"))
        fail_msg("'%s'", err);
    dcs_config_free(cfg);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_tls_faults),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_two_chassis),
        cmocka_unit_test(test_config_refusals),
        cmocka_unit_test(test_ca_file_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
