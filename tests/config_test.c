/* config_test.c: site configs that load (with defaults and profile points
 * applied) and bad ones, whose one-line error must name the file, the line and
 * the field. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../engine/index/dcs_index.h"
#include "testutil.h"

static const char *good =
    "site:\n"                                                   /* 1 */
    "  id: qp-01\n"                                             /* 2 */
    "  name: \"<b>Qingpu</b> 青浦\"\n"                          /* 3 */
    "  region: qingpu\n"                                        /* 4 */
    "  pue_category: 2\n"                                       /* 5 */
    "  poll_interval_ms: 2000\n"                                /* 6 */
    "  store_dir: data\n"                                       /* 7 */
    "devices:\n"                                                /* 8 */
    "  - id: fac\n"                                             /* 9 */
    "    protocol: modbus_tcp\n"                                /* 10 */
    "    host: 127.0.0.1\n"                                     /* 11 */
    "    port: 1502\n"                                          /* 12 */
    "    unit_id: 0\n"                                          /* 13 */
    "    profile: adw300\n"                                     /* 14 */
    "  - {id: pdus, protocol: snmp, host: 127.0.0.1, port: 16161}\n" /* 15 */
    "channels:\n"                                               /* 16 */
    "  - id: fac_e\n"                                           /* 17 */
    "    device: fac\n"                                         /* 18 */
    "    point: total_energy\n"                                 /* 19 */
    "    role: facility_total\n"                                /* 20 */
    "  - {id: rack1, device: pdus, oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.1, kind: power, unit: kW, scale: 0.01, role: it_rack}\n"
    "  - {id: raw, device: fac, function: 3, address: 100, type: float32, order: CDAB, kind: power, unit: W, role: cooling}\n";

static dcs_config_t *load_text(const char *dir, const char *text, int *rc)
{
    dcs_config_t *cfg = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_write(dir, "site.yaml", text));
    *rc = dcs_config_load(path, &cfg);
    return cfg;
}

static void test_good_config(void **state)
{
    (void)state;
    int rc;
    const char *dir = tu_tmpdir("cfg-good");
    dcs_config_t *cfg = load_text(dir, good, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(cfg->site->timezone, "Asia/Shanghai");    /* default */
    assert_true(cfg->site->gap_limit_s == 6.0);                   /* 3 x 2000 ms */
    assert_true(cfg->site->min_coverage == 0.0);
    char want[1100];
    snprintf(want, sizeof want, "%s/data", dir);
    assert_string_equal(cfg->site->store_dir, want);              /* relative to file */
    assert_int_equal(cfg->devices[0].unit_id, 0);                 /* explicit 0 kept */
    assert_int_equal(cfg->devices[0].timeout_ms, 500);
    assert_string_equal(cfg->devices[1].version, "2c");
    assert_string_equal(cfg->devices[1].community, "public");
    const dcs_config_channel_t *e = &cfg->channels[0];
    assert_int_equal(e->kind, DCS_CONFIG_ENERGY);                 /* from the profile */
    assert_int_equal(e->function, 3);
    assert_int_equal(e->address, 62);
    assert_true(e->scale == 0.01);
    assert_true(e->to_si == 1000.0);                              /* kWh -> Wh */
    assert_true(e->counter_modulus_raw == 2147483648.0);          /* int32 */
    assert_true(cfg->channels[1].to_si == 1000.0);                /* kW -> W */
    assert_true(cfg->channels[1].scale == 0.01);
    assert_int_equal(cfg->channels[2].order, DCS_SAMPLE_CDAB);
    assert_int_equal(dcs_config_channel_find(cfg, "raw"), 2);
    assert_int_equal(dcs_config_device_find(cfg, "nope"), -1);
    dcs_config_free(cfg);
}

typedef struct {
    const char *from, *to; /* text substitution applied to `good` */
    const char *want;      /* substring of the error line */
} bad_case_t;

static const bad_case_t bad[] = {
    {"    port: 1502\n", "    port: 1502\n    colour: red\n", "site.yaml:13: devices[1]: unknown key 'colour'"},
    {"role: facility_total", "role: facility", "site.yaml:20: channels[1].role: Invalid ENUM value: facility"},
    {"  store_dir: data\n", "", "site.yaml:2: site: Missing required mapping field: store_dir"},
    {"  store_dir: data\n", "  store_dir: data\n  timezone: Asia/Shangai\n",
     "site.yaml:8: site.timezone: 'Asia/Shangai' is not an IANA time zone (closest: Asia/Shanghai"},
    {"port: 1502", "port: 70000", "site.yaml:9: device 'fac': port 70000 outside 1..65535"},
    {"port: 1502", "port: twelve", "site.yaml:12: devices[1].port: Invalid INT value: 'twelve'"},
    {"device: fac\n", "device: facx\n", "site.yaml:17: channel 'fac_e': no device 'facx'"},
    {"point: total_energy", "point: total_enrgy", "channel 'fac_e': profile 'adw300' has no point 'total_enrgy'"},
    /* 2026-12-02, fuzz_config: a value with CR/LF quoted in an error made it several lines */
    {"point: total_energy", "point: \"tota\\r\\nl\"", "has no point 'tota??l'"},
    {"unit: kW", "unit: kWh", "channel 'rack1': unit kWh does not fit kind power"},
    {"pue_category: 2", "pue_category: 4", "site.yaml:5: site.pue_category: 4 is not 1"},
    {"oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.1", "oid: rPDU2DeviceStatusPower", "needs a numeric oid"},
    {"function: 3", "function: 5", "channel 'raw': function 5 is not 3 (holding) or 4 (input)"},
    {"  - id: fac\n", "  - id: \"fac/1\"\n", "devices[1].id: 'fac/1' must be 1-64 of"},
    {"id: rack1", "id: fac_e", "channels[2].id: 'fac_e' is used twice"},
    /* SNMPv3: a level below what its secrets are for is refused, not sent in the clear */
    {"port: 16161}", "port: 16161, version: '3', v3: {user: u, level: authNoPriv, auth_password: "
     "authpass-1, priv_password: privpass-1}}", "v3 level authNoPriv sends unencrypted requests, yet a "
     "priv_password or priv_protocol is given: set level authPriv"},
    {"port: 16161}", "port: 16161, version: '3', v3: {user: u, level: noAuthNoPriv, auth_password: "
     "authpass-1, priv_password: privpass-1}}", "v3 level noAuthNoPriv sends unencrypted requests"},
    {"port: 16161}", "port: 16161, version: '3', v3: {user: u, level: noAuthNoPriv, auth_password: "
     "authpass-1}}", "v3 level noAuthNoPriv sends unauthenticated requests, yet an auth_password"},
    {"id: rack1", "id: -rack1", "'-rack1' must be 1-64 of [A-Za-z0-9_.-], not starting with - or ."},
    {"region: qingpu\n", "region: [qingpu\n", "site.yaml:"},
    {"profile: adw300", "profile: pm9999", "device 'fac': no profile 'pm9999'"},
    {"profile: adw300", "profile: ups-mib", "profile 'ups-mib' is for snmp devices"},
    {"unit_id: 0\n", "unit_id: 0\n    max_registers: 126\n", "max_registers 126 outside 1..125"},
    {"unit_id: 0\n", "unit_id: 0\n    retries: 11\n", "retries 11 or backoff_max_cycles"},
    {"    port: 1502\n", "    serial: /dev/ttyS0\n", "modbus_tcp needs host and port, not serial"},
};

static void test_bad_configs(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cfg-bad");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[4096];
        const char *at = strstr(good, bad[i].from);
        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, bad[i].to,
                 at + strlen(bad[i].from));
        int rc;
        dcs_config_t *cfg = load_text(dir, text, &rc);
        const char *msg = dcs_config_errmsg(cfg);
        if (rc != DCS_ECONFIG || !strstr(msg, bad[i].want))
            fail_msg("case %zu: rc %d, message \"%s\", want \"%s\"", i, rc, msg, bad[i].want);
        assert_null(strchr(msg, '\n')); /* one line */
        dcs_config_free(cfg);
    }
}

/* Every shipped profile loads; addressing and SunSpec offsets are applied. */
static void test_profiles(void **state)
{
    (void)state;
    static const char *names[] = {"sdm630", "adw300", "pm5xxx", "sunspec-meter", "apc-rpdu",
                                  "apc-rpdu2", "ups-mib", "entity-sensor", "host-cpu"};
    char err[400];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        dcs_config_profile_t *p = NULL;
        if (dcs_config_profile_load(names[i], NULL, &p, err, sizeof err))
            fail_msg("%s", err);
        assert_true(p->points_count >= 1);
        dcs_config_profile_free(p);
    }
    const char *dir = tu_tmpdir("cfg-prof");
    int rc;
    dcs_config_t *cfg = load_text(dir,
        "site: {id: p, name: p, region: lingang, pue_category: 1, poll_interval_ms: 1000, store_dir: s}\n"
        "devices:\n"
        "  - {id: pm, protocol: modbus_rtu, serial: /dev/ttyUSB0, unit_id: 3, profile: pm5xxx}\n"
        "  - {id: ss, protocol: modbus_tcp, host: 127.0.0.1, port: 502, profile: sunspec-meter}\n"
        "  - {id: pdu, protocol: snmp, host: 127.0.0.1, port: 161, profile: apc-rpdu2}\n"
        "channels:\n"
        "  - {id: p, device: pm, point: total_power, role: facility_total}\n"
        "  - {id: e, device: ss, point: total_energy, role: facility_total, cross_check: true}\n"
        "  - {id: r, device: pdu, point: total_power, index: 2, role: it_rack}\n", &rc);
    if (rc)
        fail_msg("%s", dcs_config_errmsg(cfg));
    assert_int_equal(cfg->channels[0].address, 3059);  /* doc number 3060, 1-based */
    assert_true(cfg->channels[0].to_si == 1000.0);      /* kW */
    assert_int_equal(cfg->devices[1].sunspec_model, 203);
    assert_int_equal(cfg->channels[1].address, 46);     /* offset in the model block */
    assert_int_equal(cfg->channels[1].sf_address, 54);
    assert_true(cfg->channels[1].counter_modulus_raw == 4294967296.0);
    assert_string_equal(cfg->channels[2].oid, ".1.3.6.1.4.1.318.1.1.26.4.3.1.5.2");
    assert_true(cfg->channels[2].scale == 10.0);
    assert_string_equal(cfg->devices[0].parity, "N");
    assert_int_equal(cfg->devices[0].baud, 9600);
    dcs_config_free(cfg);
}

/* Accelerator profiles: each shipped one loads with a source; a group of 8
 * A100s is rated from the datasheet's dense figures, by hand: FP64 8 x 9.7 =
 * 77.6, FP32 8 x 19.5 = 156, FP16 8 x 312 = 2496, INT8 8 x 624 = 4992
 * (tolerance 1e-9); a site's own profile beside it is found; bad uses and bad
 * profiles are refused naming the file and line or the profile's file. */
static const char *accel_site =
    "site: {id: a, name: a, region: lingang, pue_category: 1, poll_interval_ms: 1000, store_dir: s}\n"
    "devices:\n  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 502}\n"
    "channels:\n"
    "  - {id: u, device: m, function: 3, address: 0, type: uint16, kind: utilisation, unit: percent, role: server}\n"
    "inventory:\n  servers:\n"
    "    - {id: g, count: 3, utilisation: u, %s}\n";

static dcs_config_t *accel_load(const char *dir, const char *group, int *rc)
{
    char text[1200];
    snprintf(text, sizeof text, accel_site, group);
    return load_text(dir, text, rc);
}

static void test_accelerator_profiles(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cfg-accel");
    static const char *shipped[] = {"nvidia-h100-sxm5", "nvidia-a100-sxm4-80gb", "huawei-ascend-910"};
    int rc;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        char g[200];
        snprintf(g, sizeof g, "accelerator: %s, accelerators: 8", shipped[i]);
        dcs_config_t *cfg = accel_load(dir, g, &rc);
        if (rc)
            fail_msg("%s: %s", shipped[i], dcs_config_errmsg(cfg));
        const dcs_config_accel_t *a = cfg->inventory->servers[0].accel;
        assert_non_null(a);
        assert_true(strlen(a->source) > 20 && strcmp(a->accelerator, shipped[i]) == 0);
        dcs_config_free(cfg);
    }
    dcs_config_t *cfg = accel_load(dir, "accelerator: nvidia-a100-sxm4-80gb, accelerators: 8", &rc);
    assert_int_equal(rc, 0);
    const dcs_config_server_t *sv = &cfg->inventory->servers[0];
    const double want[4] = {77.6, 156, 2496, 4992}, got[4] = {sv->fp64_tflops, sv->fp32_tflops, sv->fp16_tflops,
                                                              sv->int8_tflops};
    for (int p = 0; p < 4; p++)
        if (!(fabs(got[p] - want[p]) <= 1e-9 * want[p]))
            fail_msg("precision %d: %.12g, want %.12g", p, got[p], want[p]);
    assert_string_equal(sv->accel->confidence, "datasheet");
    dcs_config_free(cfg);

    char pdir[1200];
    snprintf(pdir, sizeof pdir, "%s/profiles", dir);
    mkdir(pdir, 0755);
    snprintf(pdir, sizeof pdir, "%s/profiles/accelerators", dir);
    mkdir(pdir, 0755);
    tu_write(pdir, "own-npu.yaml", "accelerator: own-npu\nname: Own\nvendor: V\nsource: \"V's datasheet v1, table 2\"\n"
                                   "confidence: datasheet\nfp16_tflops: 100\n");
    tu_write(pdir, "guessed.yaml", "accelerator: guessed\nname: G\nvendor: V\nsource: \"a forum\"\n"
                                   "confidence: probably\nfp16_tflops: 100\n");
    tu_write(pdir, "renamed.yaml", "accelerator: other\nname: R\nvendor: V\nsource: \"V's datasheet\"\n"
                                   "confidence: datasheet\nfp16_tflops: 100\n");
    tu_write(pdir, "unrated.yaml", "accelerator: unrated\nname: U\nvendor: V\nsource: \"V's datasheet\"\n"
                                   "confidence: datasheet\nfp16_tflops: -1\n");
    cfg = accel_load(dir, "accelerator: own-npu, accelerators: 4", &rc);
    if (rc)
        fail_msg("%s", dcs_config_errmsg(cfg));
    assert_true(cfg->inventory->servers[0].fp16_tflops == 400);
    dcs_config_free(cfg);
    const struct { const char *group, *why; } bad[] = {
        {"accelerator: nvidia-h100-sxm5", "needs accelerators: N"},
        {"accelerator: nvidia-h100-sxm5, accelerators: 8, fp16_tflops: 990", "not both"},
        {"accelerators: 8, fp16_tflops: 990", "accelerators without accelerator"},
        {"accelerator: no-such-gpu, accelerators: 8", "no profile 'no-such-gpu'"},
        {"accelerator: guessed, accelerators: 1", "guessed.yaml: confidence 'probably'"},
        {"accelerator: renamed, accelerators: 1", "renamed.yaml: accelerator 'other' is not the file's name"},
        {"accelerator: unrated, accelerators: 1", "unrated.yaml: peaks must be finite, not negative"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cfg = accel_load(dir, bad[k].group, &rc);
        const char *e = dcs_config_errmsg(cfg);
        if (!rc || !strstr(e, bad[k].why) || !strstr(e, "site.yaml:8: server 'g'"))
            fail_msg("case %zu: rc %d '%s', want '%s'", k, rc, e, bad[k].why);
        dcs_config_free(cfg);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    dcs_config_t *cfg = NULL;
    assert_int_equal(dcs_config_load("/nonexistent/site.yaml", &cfg), DCS_EIO);
    assert_non_null(strstr(dcs_config_errmsg(cfg), "/nonexistent/site.yaml: cannot open"));
    dcs_config_free(cfg);
    dcs_config_free(NULL); /* closer accepts NULL */
}

/* An empty or comment-only file is "FILE: empty" from every loader: site
 * configs, device profiles, cohorts, index systems and the policy (a profile
 * and a cohort segfaulted; an empty site file said "out of memory"). */
static void test_empty_files(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("empty");
    static const char *const bodies[] = {"", "# only a comment\n", "\n\n  # indented\n---\n"};
    for (int b = 0; b < 3; b++) {
        char *path = strdup(tu_write(dir, "e.yaml", bodies[b]));
        char want[1200], err[600];
        snprintf(want, sizeof want, "%s: empty", path);
        dcs_config_t *cfg = NULL;
        assert_int_equal(dcs_config_load(path, &cfg), DCS_ECONFIG);
        assert_non_null(strstr(dcs_config_errmsg(cfg), want));
        dcs_config_free(cfg);
        char pdir[1100];
        snprintf(pdir, sizeof pdir, "%s/profiles", dir);
        mkdir(pdir, 0755);
        tu_write(pdir, "empty-profile.yaml", bodies[b]);
        dcs_config_profile_t *prof = NULL;
        assert_int_equal(dcs_config_profile_load("empty-profile", dir, &prof, err, sizeof err), DCS_ECONFIG);
        if (!strstr(err, "empty-profile.yaml: empty"))
            fail_msg("profile: %s", err);
        dcs_index_cohort_t *c = NULL;
        dcs_index_policy_t *pol = NULL;
        assert_int_equal(dcs_index_policy_load(path, &pol), DCS_ECONFIG);
        assert_non_null(strstr(dcs_index_policy_errmsg(pol), want));
        assert_int_equal(dcs_index_cohort_load(path, pol, &c), DCS_ECONFIG);
        assert_non_null(strstr(dcs_index_cohort_errmsg(c), want));
        dcs_index_cohort_free(c);
        dcs_index_policy_free(pol);
        dcs_index_system_t *sys = NULL;
        assert_int_equal(dcs_index_system_load(path, &sys), DCS_ECONFIG);
        assert_non_null(strstr(dcs_index_system_errmsg(sys), want));
        dcs_index_system_free(sys);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_config),
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_accelerator_profiles),
        cmocka_unit_test(test_empty_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
