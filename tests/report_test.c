/* report_test.c: the site report is one self-contained HTML file that carries
 * the score's figures and shows hostile config strings as text. */
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

#include "../engine/base/dcs_base.h"
#include "../reports/dcs_report.h"
#include "testutil.h"

static const char *yaml =
    "site: {id: r-01, name: \"<script>alert(1)</script> & 青浦\", region: qingpu,\n"
    "       pue_category: 2, poll_interval_ms: 1000, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total}\n";

static void test_site_report(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("report");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    int64_t t0 = (int64_t)1795478400 * DCS_NS_PER_S; /* 2026-11-24T00:00:00Z = 08:00 Shanghai */
    int64_t t[3] = {t0, t0 + 1800 * DCS_NS_PER_S, t0 + 3600 * DCS_NS_PER_S};
    double p[3] = {1300, 1300, 1300};
    double dc_h[1] = {1300}, it_h[1] = {1000}, pue_h[1] = {1.3}, cov_h[1] = {1};
    dcs_metric_channel_t ch[2] = {{.channel = 0, .e_wh = 1300, .coverage = 1, .samples = 3},
                                  {.channel = 1, .e_wh = 1000, .coverage = 1, .samples = 3}};
    dcs_metric_score_t sc = {.from_ns = t0, .to_ns = t[2], .bucket_ns = 3600 * DCS_NS_PER_S,
                             .category = 2, .it_source = "it_total", .e_dc_wh = 1300,
                             .e_it_wh = 1000, .pue = 1.3, .coverage = 1, .nbuckets = 1,
                             .bucket_start_ns = t, .bucket_e_dc_wh = dc_h,
                             .bucket_e_it_wh = it_h, .bucket_pue = pue_h,
                             .bucket_coverage = cov_h, .nchannels = 2, .channels = ch};
    dcs_report_series_t series = {.label = "fac<1>", .colour = "#c0392b", .t_ns = t,
                                  .value = p, .n = 3};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(dcs_report_site_html(f, DCS_REPORT_EN, cfg, &sc, NULL, NULL, &series, 1, NULL, 0, NULL), 0);
    fclose(f);
    assert_null(strstr(buf, "<script>"));
    assert_non_null(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 青浦"));
    assert_non_null(strstr(buf, "fac&lt;1&gt;"));
    assert_non_null(strstr(buf, "PUE (category 2)<b>1.300</b>"));
    assert_non_null(strstr(buf, "2026-11-24T08:00:00+08:00")); /* site zone */
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "<polyline"));
    assert_null(strstr(buf, "src=")); /* no external assets */
    assert_null(strstr(buf, "<link"));
    free(buf);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_site_report)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
