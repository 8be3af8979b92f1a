/* decode.c: register images to numbers. Pure functions, tested first.
 * Bytes are assembled with shifts and memcpy (no unions, no #if BYTE_ORDER), after
 * libmodbus's modbus_get_float_abcd() family. */
#include "dcs_sample.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *dcs_sample_flag_name(int flag)
{
    static const char *names[] = {"ok", "timeout", "exception", "garbage",
                                  "no-connection", "no-such-object", "out-of-range",
                                  "backoff"};
    return flag >= 0 && flag <= DCS_SAMPLE_BACKOFF ? names[flag] : "unknown";
}

int dcs_sample_type_regs(dcs_sample_type_t type)
{
    switch (type) {
    case DCS_SAMPLE_INT16: case DCS_SAMPLE_UINT16: return 1;
    case DCS_SAMPLE_INT32: case DCS_SAMPLE_UINT32: case DCS_SAMPLE_FLOAT32: return 2;
    default: return 4;
    }
}

/* Put the value's bytes in big-endian order (A first) into be[0..2*nregs-1].
 * Word k of the value (most significant first) is register k for ABCD/BADC and
 * register nregs-1-k for DCBA/CDAB; bytes inside a word are swapped for DCBA/BADC. */
static void to_big_endian(const uint16_t *regs, int nregs, dcs_sample_order_t order,
                          uint8_t *be)
{
    int words_reversed = order == DCS_SAMPLE_DCBA || order == DCS_SAMPLE_CDAB;
    int bytes_swapped = order == DCS_SAMPLE_DCBA || order == DCS_SAMPLE_BADC;
    for (int k = 0; k < nregs; k++) {
        uint16_t w = regs[words_reversed ? nregs - 1 - k : k];
        uint8_t hi = (uint8_t)(w >> 8), lo = (uint8_t)(w & 0xff);
        be[2 * k] = bytes_swapped ? lo : hi;
        be[2 * k + 1] = bytes_swapped ? hi : lo;
    }
}

static uint64_t be_to_u64(const uint8_t *be, int nbytes)
{
    uint64_t u = 0;
    for (int i = 0; i < nbytes; i++)
        u = (u << 8) | be[i];
    return u;
}

double dcs_sample_decode(const uint16_t *regs, dcs_sample_type_t type,
                         dcs_sample_order_t order)
{
    int nregs = dcs_sample_type_regs(type);
    uint8_t be[8];
    to_big_endian(regs, nregs, order, be);
    uint64_t u = be_to_u64(be, 2 * nregs);
    switch (type) {
    case DCS_SAMPLE_INT16: return (double)(int16_t)(uint16_t)u;
    case DCS_SAMPLE_UINT16: return (double)(uint16_t)u;
    case DCS_SAMPLE_INT32: return (double)(int32_t)(uint32_t)u;
    case DCS_SAMPLE_UINT32: return (double)(uint32_t)u;
    case DCS_SAMPLE_INT64: return (double)(int64_t)u;
    case DCS_SAMPLE_UINT64: return (double)u;
    case DCS_SAMPLE_FLOAT32: {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof f);
        return (double)f;
    }
    case DCS_SAMPLE_FLOAT64: {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    }
    return NAN;
}

int dcs_sample_type_parse(const char *s, dcs_sample_type_t *out)
{
    static const char *names[] = {"int16", "uint16", "int32", "uint32",
                                  "int64", "uint64", "float32", "float64"};
    for (int i = 0; i < 8; i++)
        if (s && strcasecmp(s, names[i]) == 0) {
            *out = (dcs_sample_type_t)i;
            return 0;
        }
    return DCS_EINVAL;
}

int dcs_sample_order_parse(const char *s, dcs_sample_order_t *out)
{
    /* 64-bit spellings map onto the same two rules (word order, byte swap). */
    static const struct { const char *name; dcs_sample_order_t o; } names[] = {
        {"ABCD", DCS_SAMPLE_ABCD}, {"DCBA", DCS_SAMPLE_DCBA},
        {"BADC", DCS_SAMPLE_BADC}, {"CDAB", DCS_SAMPLE_CDAB},
        {"ABCDEFGH", DCS_SAMPLE_ABCD}, {"HGFEDCBA", DCS_SAMPLE_DCBA},
        {"BADCFEHG", DCS_SAMPLE_BADC}, {"GHEFCDAB", DCS_SAMPLE_CDAB},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (s && strcasecmp(s, names[i].name) == 0) {
            *out = names[i].o;
            return 0;
        }
    return DCS_EINVAL;
}

int dcs_sample_oid_parse(const char *s, uint32_t *out, size_t *len)
{
    size_t cap = *len, n = 0;
    if (!s || !*s)
        return DCS_EINVAL;
    if (*s == '.')
        s++;
    while (*s) {
        if (*s < '0' || *s > '9' || n == cap)
            return DCS_EINVAL;
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (v > 0xffffffffUL || (*end && *end != '.') || (*end == '.' && !end[1]))
            return DCS_EINVAL;
        out[n++] = (uint32_t)v;
        s = *end ? end + 1 : end;
    }
    if (n < 2)
        return DCS_EINVAL;
    *len = n;
    return 0;
}
