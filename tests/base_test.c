/* base_test.c: time in UTC and in site zones: parsing, formatting, day numbers,
 * the previous day/month of --period, and the JSON/CSV string writers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/base/dcs_base.h"

#define S DCS_NS_PER_S
#define T0 ((int64_t)1795478400 * S) /* 2026-11-24T00:00:00Z */

static void test_parse_and_format(void **state)
{
    (void)state;
    int64_t t;
    char buf[64];
    static const struct { const char *in, *tz; int64_t want; } rows[] = {
        {"2026-11-24T00:00:00Z", NULL, T0},
        {"2026-11-24T08:00:00+08:00", NULL, T0},
        {"2026-11-24T08:00+0800", NULL, T0},
        {"2026-11-24 08:00:00", "Asia/Shanghai", T0},  /* local time in the site's zone */
        {"2026-11-24", "Asia/Shanghai", T0 - 8 * 3600 * S},
        {"2026-11-24", NULL, T0},
        {"@1795478400", NULL, T0},
        {"@1795478400.5", NULL, T0 + S / 2},
        {"2026-11-23T19:00:00-05:00", NULL, T0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(dcs_time_parse(rows[i].in, rows[i].tz, &t), 0);
        if (t != rows[i].want)
            fail_msg("'%s' -> %lld, want %lld", rows[i].in, (long long)t, (long long)rows[i].want);
    }
    static const char *bad[] = {"", "yesterday", "2026-13-01", "2026-02-30", "2026-02-29",
                                "2026-04-31", "2026-11-24T08:00:00+14:60", "2026-11-24T25:00", "2026-11-24T08:00:00+99:00",
                                "2026-11-24Tx", "@", "@12x",
                                /* outside int64 ns (1970 .. 2262-04-11T23:47:16Z): an error, never a
                                 * wrapped time (9999-01-01 scored an 1815 window; @1e300 overflowed) */
                                "9999-01-01", "2263-01-01", "2262-04-12", "1969-12-31", "@1e300", "@-1",
                                "@nan", "@inf", "@9223372037"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (dcs_time_parse(bad[i], NULL, &t) != DCS_EINVAL)
            fail_msg("'%s' accepted as %lld", bad[i], (long long)t);
    assert_int_equal(dcs_time_parse("2262-04-11T23:47:16Z", NULL, &t), 0); /* the last second */
    assert_true(t == DCS_TIME_MAX_S * S);
    assert_int_equal(dcs_time_parse("1970-01-01", NULL, &t), 0);
    assert_true(t == 0);
    dcs_time_format(T0, NULL, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-24T00:00:00Z");
    dcs_time_format(T0, "Asia/Shanghai", buf, sizeof buf);
    assert_string_equal(buf, "2026-11-24T08:00:00+08:00");
    dcs_time_format(T0 - 1, NULL, buf, sizeof buf); /* 1 ns before: the previous second */
    assert_string_equal(buf, "2026-11-23T23:59:59Z");
    assert_int_equal(dcs_time_day(T0), 20781); /* 1795478400 / 86400 */
    assert_int_equal(dcs_time_day(T0 - 1), 20780);
    assert_int_equal(dcs_time_day(-1), -1);
}

static void test_periods(void **state)
{
    (void)state;
    int64_t from, to;
    /* now = 2026-11-24T10:00+08:00: previous Shanghai day is 11-23 00:00..11-24 00:00 local. */
    assert_int_equal(dcs_time_period("day", "Asia/Shanghai", T0 + 2 * 3600 * S, &from, &to), 0);
    assert_true(to == T0 - 8 * 3600 * S && from == to - 86400 * S);
    /* now = 2026-11-24T07:00+08:00 is 2026-11-23T23:00Z: the zone decides the day. */
    assert_int_equal(dcs_time_period("day", "Asia/Shanghai", T0 - 1 * 3600 * S, &from, &to), 0);
    assert_true(to == T0 - 8 * 3600 * S);
    /* Month: October 2026 in Shanghai; January's previous month is December. */
    assert_int_equal(dcs_time_period("month", "Asia/Shanghai", T0, &from, &to), 0);
    int64_t oct1, nov1;
    dcs_time_parse("2026-10-01", "Asia/Shanghai", &oct1);
    dcs_time_parse("2026-11-01", "Asia/Shanghai", &nov1);
    assert_true(from == oct1 && to == nov1);
    int64_t jan15, dec1, jan1;
    dcs_time_parse("2027-01-15T12:00:00Z", NULL, &jan15);
    dcs_time_parse("2026-12-01", "UTC", &dec1);
    dcs_time_parse("2027-01-01", "UTC", &jan1);
    assert_int_equal(dcs_time_period("month", "UTC", jan15, &from, &to), 0);
    assert_true(from == dec1 && to == jan1);
    assert_int_equal(dcs_time_period("week", "UTC", jan15, &from, &to), DCS_EINVAL);
    /* Named periods and the one before each: the fourth quarter ends at the next
     * year's start; a quarter, month or year before the first rolls the year back. */
    int64_t q4a, q4b;
    dcs_time_parse("2026-10-01", "UTC", &q4a), dcs_time_parse("2027-01-01", "UTC", &q4b);
    assert_int_equal(dcs_time_period_named("2026-Q4", "UTC", &from, &to), 0);
    assert_true(from == q4a && to == q4b);
    assert_int_equal(dcs_time_period_named("2026-12", "UTC", &from, &to), 0);
    assert_true(from == dec1 && to == jan1);
    assert_int_equal(dcs_time_period_named("2026-13", "UTC", &from, &to), DCS_EINVAL);
    static const char *const prev[][2] = {{"2026-11", "2026-10"}, {"2026-01", "2025-12"}, {"2026-Q1", "2025-Q4"},
                                          {"2026-Q3", "2026-Q2"}, {"2026", "2025"}};
    char out[16];
    for (size_t i = 0; i < sizeof prev / sizeof prev[0]; i++) {
        assert_int_equal(dcs_time_period_previous(prev[i][0], out, sizeof out), 0);
        assert_string_equal(out, prev[i][1]);
    }
    assert_int_equal(dcs_time_period_previous("2026-11-01..2026-11-03", out, sizeof out), DCS_EINVAL);
}

/* Zones: known names pass, a typo is refused with the closest real names; a
 * leap day exists only in leap years. */
static void test_zones(void **state)
{
    (void)state;
    int64_t t;
    char err[400];
    assert_true(dcs_tz_known("Asia/Shanghai") && dcs_tz_known("UTC"));
    assert_false(dcs_tz_known("Asia/Shangai") || dcs_tz_known("") || dcs_tz_known(NULL) ||
                 dcs_tz_known("../../etc/passwd") || dcs_tz_known("/etc/localtime"));
    assert_int_equal(dcs_tz_check("Asia/Shangai", "site.timezone", err, sizeof err), DCS_EINVAL);
    if (!strstr(err, "site.timezone: 'Asia/Shangai' is not an IANA time zone (closest: Asia/Shanghai"))
        fail_msg("message: %s", err);
    assert_int_equal(dcs_tz_check("Europe/Berlin", "x", err, sizeof err), 0);
    assert_int_equal(dcs_time_parse("2028-02-29", NULL, &t), 0); /* 2028 is a leap year */
    assert_int_equal(dcs_time_parse("2100-02-29", NULL, &t), DCS_EINVAL);
    assert_int_equal(dcs_time_parse("2000-02-29", NULL, &t), 0);
}

/* Zone offsets across DST changes, cached by hour: New York's change at 07:00
 * UTC on 2026-03-08 (EST -5 h to EDT -4 h) and Lord Howe's at 15:30 UTC on
 * 2026-10-03 (+10:30 to +11: 02:00 local becomes 02:30, inside a UTC hour), by hand; then every
 * 5 minutes over both days and Shanghai's, asked twice (cold, cached), against
 * the C library converting each time. */
static long reference_offset(int64_t s, const char *tz)
{
    const char *old = getenv("TZ");
    char saved[64] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("TZ", tz, 1);
    tzset();
    struct tm tm;
    time_t x = (time_t)s;
    localtime_r(&x, &tm);
    if (old)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    return tm.tm_gmtoff;
}

static void test_zone_changes(void **state)
{
    (void)state;
    const int64_t ny = 1772953200, lh = 1791041400; /* 2026-03-08T07:00Z, 2026-10-03T15:30Z */
    const struct { const char *tz; int64_t s; long off; } at[] = {
        {"America/New_York", ny - 1, -18000}, {"America/New_York", ny, -14400},
        {"Australia/Lord_Howe", lh - 1, 37800}, {"Australia/Lord_Howe", lh, 39600},
        {"Asia/Shanghai", ny, 28800}};
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            long got = dcs_tz_offset_s(at[k].s * DCS_NS_PER_S, at[k].tz);
            if (got != at[k].off)
                fail_msg("%s at %lld: %ld, want %ld", at[k].tz, (long long)at[k].s, got, at[k].off);
        }
    char buf[64];
    dcs_time_format((lh - 1) * DCS_NS_PER_S, "Australia/Lord_Howe", buf, sizeof buf);
    assert_string_equal(buf, "2026-10-04T01:59:59+10:30");
    dcs_time_format(lh * DCS_NS_PER_S, "Australia/Lord_Howe", buf, sizeof buf);
    assert_string_equal(buf, "2026-10-04T02:30:00+11:00");
    const char *zones[] = {"America/New_York", "Australia/Lord_Howe", "Asia/Shanghai"};
    const int64_t day0[] = {ny - 43200, lh - 43200, ny};
    for (int z = 0; z < 3; z++)
        for (int pass = 0; pass < 2; pass++)
            for (int64_t s = day0[z]; s < day0[z] + 86400; s += 300)
                if (dcs_tz_offset_s(s * DCS_NS_PER_S + 999999999, zones[z]) != reference_offset(s, zones[z]))
                    fail_msg("%s at %lld (pass %d)", zones[z], (long long)s, pass);
}

static void test_string_writers(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dcs_json_str(f, "a\"b\\c\n青浦");
    fputc(' ', f);
    dcs_json_str(f, NULL);
    fputc(' ', f);
    dcs_csv_str(f, "x,\"y\"");
    for (const char *const *x = (const char *const[]){"=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tz", NULL};
         *x; x++)
        fputc(' ', f), dcs_csv_str(f, *x); /* formula-leading cells become text */
    fclose(f);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a青浦\" null \"x,\"\"y\"\"\" \"'=HYPERLINK(\"\"http://x\"\")\" "
                             "\"'+1\" \"'-2+3\" \"'@SUM(A1)\" \"'\tz\"");
    free(buf);
    char line[] = "a,\"b,\"\"c\"\"\",,d\r\n", *fields[8];
    assert_int_equal(dcs_csv_split(line, fields, 8), 4);
    assert_string_equal(fields[1], "b,\"c\"");
    assert_string_equal(fields[2], "");
    assert_string_equal(fields[3], "d");
    assert_string_equal(dcs_strerror(DCS_ECOVERAGE), "insufficient coverage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_string_writers),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_zone_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
