/* sample_test.c: register decoding (every type x byte order) against register
 * images built by hand, and numeric OID parsing. Exact comparisons: every
 * expected value is exactly representable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "../engine/sample/dcs_sample.h"

typedef struct {
    dcs_sample_type_t type;
    dcs_sample_order_t order;
    uint16_t regs[4];
    double want;
    const char *why;
} decode_case_t;

static const decode_case_t cases[] = {
    /* 0x12345678 = 305419896: A=12 B=34 C=56 D=78. */
    {DCS_SAMPLE_INT32, DCS_SAMPLE_ABCD, {0x1234, 0x5678}, 305419896, "words AB CD"},
    {DCS_SAMPLE_INT32, DCS_SAMPLE_DCBA, {0x7856, 0x3412}, 305419896, "words DC BA"},
    {DCS_SAMPLE_INT32, DCS_SAMPLE_BADC, {0x3412, 0x7856}, 305419896, "words BA DC"},
    {DCS_SAMPLE_INT32, DCS_SAMPLE_CDAB, {0x5678, 0x1234}, 305419896, "words CD AB"},
    /* 0xFFFFFFFF: -1 signed, 4294967295 unsigned. */
    {DCS_SAMPLE_INT32, DCS_SAMPLE_ABCD, {0xFFFF, 0xFFFF}, -1, "int32 -1"},
    {DCS_SAMPLE_UINT32, DCS_SAMPLE_CDAB, {0xFFFF, 0xFFFF}, 4294967295.0, "uint32 max"},
    /* 0xFFFE: -2 / 65534; DCBA and BADC swap the two bytes of one register. */
    {DCS_SAMPLE_INT16, DCS_SAMPLE_ABCD, {0xFFFE}, -2, "int16 -2"},
    {DCS_SAMPLE_INT16, DCS_SAMPLE_DCBA, {0xFEFF}, -2, "int16 -2 byte-swapped"},
    {DCS_SAMPLE_UINT16, DCS_SAMPLE_BADC, {0xFEFF}, 65534, "uint16 byte-swapped"},
    {DCS_SAMPLE_UINT16, DCS_SAMPLE_CDAB, {0xFFFE}, 65534, "uint16: word order moot"},
    /* float32 850000.0 = 0x494F8500. */
    {DCS_SAMPLE_FLOAT32, DCS_SAMPLE_ABCD, {0x494F, 0x8500}, 850000.0, "float ABCD"},
    {DCS_SAMPLE_FLOAT32, DCS_SAMPLE_CDAB, {0x8500, 0x494F}, 850000.0, "float CDAB"},
    {DCS_SAMPLE_FLOAT32, DCS_SAMPLE_BADC, {0x4F49, 0x0085}, 850000.0, "float BADC"},
    {DCS_SAMPLE_FLOAT32, DCS_SAMPLE_DCBA, {0x0085, 0x4F49}, 850000.0, "float DCBA"},
    /* float32 -0.15625 = 0xBE200000. */
    {DCS_SAMPLE_FLOAT32, DCS_SAMPLE_ABCD, {0xBE20, 0x0000}, -0.15625, "negative float"},
    /* int64 0x0000010203040506 = 1108152157446 (< 2^53, exact in a double). */
    {DCS_SAMPLE_INT64, DCS_SAMPLE_ABCD, {0x0000, 0x0102, 0x0304, 0x0506}, 1108152157446.0, "int64 ABCDEFGH"},
    {DCS_SAMPLE_INT64, DCS_SAMPLE_CDAB, {0x0506, 0x0304, 0x0102, 0x0000}, 1108152157446.0, "int64 GHEFCDAB"},
    {DCS_SAMPLE_UINT64, DCS_SAMPLE_BADC, {0x0000, 0x0201, 0x0403, 0x0605}, 1108152157446.0, "uint64 BADCFEHG"},
    {DCS_SAMPLE_UINT64, DCS_SAMPLE_DCBA, {0x0605, 0x0403, 0x0201, 0x0000}, 1108152157446.0, "uint64 HGFEDCBA"},
    {DCS_SAMPLE_INT64, DCS_SAMPLE_ABCD, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}, -1, "int64 -1"},
    /* float64 1.5 = 0x3FF8000000000000. */
    {DCS_SAMPLE_FLOAT64, DCS_SAMPLE_ABCD, {0x3FF8, 0, 0, 0}, 1.5, "double ABCD"},
    {DCS_SAMPLE_FLOAT64, DCS_SAMPLE_CDAB, {0, 0, 0, 0x3FF8}, 1.5, "double GHEFCDAB"},
    {DCS_SAMPLE_FLOAT64, DCS_SAMPLE_DCBA, {0, 0, 0, 0xF83F}, 1.5, "double HGFEDCBA"},
    {DCS_SAMPLE_FLOAT64, DCS_SAMPLE_BADC, {0xF83F, 0, 0, 0}, 1.5, "double BADCFEHG"},
};

static void test_decode_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = dcs_sample_decode(cases[i].regs, cases[i].type, cases[i].order);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): got %.17g, want %.17g", i, cases[i].why, got, cases[i].want);
    }
}

static void test_decode_float_nan_passes_through(void **state)
{
    (void)state;
    uint16_t nan_regs[2] = {0x7FC0, 0x0000}; /* quiet NaN, ABCD */
    assert_true(isnan(dcs_sample_decode(nan_regs, DCS_SAMPLE_FLOAT32, DCS_SAMPLE_ABCD)));
}

static void test_type_regs_and_names(void **state)
{
    (void)state;
    dcs_sample_type_t t;
    dcs_sample_order_t o;
    assert_int_equal(dcs_sample_type_regs(DCS_SAMPLE_UINT16), 1);
    assert_int_equal(dcs_sample_type_regs(DCS_SAMPLE_FLOAT32), 2);
    assert_int_equal(dcs_sample_type_regs(DCS_SAMPLE_UINT64), 4);
    assert_int_equal(dcs_sample_type_parse("Float32", &t), 0);
    assert_int_equal(t, DCS_SAMPLE_FLOAT32);
    assert_int_not_equal(dcs_sample_type_parse("float16", &t), 0);
    assert_int_equal(dcs_sample_order_parse("GHEFCDAB", &o), 0);
    assert_int_equal(o, DCS_SAMPLE_CDAB);
    assert_int_not_equal(dcs_sample_order_parse("ACBD", &o), 0);
    assert_string_equal(dcs_sample_flag_name(DCS_SAMPLE_TIMEOUT), "timeout");
}

static void test_oid_parse(void **state)
{
    (void)state;
    uint32_t oid[16];
    size_t len = 16;
    assert_int_equal(dcs_sample_oid_parse(".1.3.6.1.4.1.318.1.1.12.1.16.0", oid, &len), 0);
    assert_int_equal(len, 13);
    assert_int_equal(oid[6], 318);
    assert_int_equal(oid[12], 0);
    len = 16;
    assert_int_equal(dcs_sample_oid_parse("1.3.6", oid, &len), 0);
    assert_int_equal(len, 3);
    static const char *bad[] = {"", ".", "1", "1..3", "1.3.", "1.a.3", ".1.3.6.1x", "1.3.99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        len = 16;
        if (dcs_sample_oid_parse(bad[i], oid, &len) == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
    len = 2; /* capacity too small */
    assert_int_not_equal(dcs_sample_oid_parse("1.3.6", oid, &len), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_decode_float_nan_passes_through),
        cmocka_unit_test(test_type_regs_and_names),
        cmocka_unit_test(test_oid_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
