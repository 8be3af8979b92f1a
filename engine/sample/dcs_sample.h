/* dcs_sample.h: one timestamped reading of one channel, and the pure decoders that
 * turn Modbus registers and SNMP integers into SI values. Probes produce samples;
 * the store keeps them. No I/O here. */
#ifndef DCS_SAMPLE_H
#define DCS_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* Why a sample has no value (value is NaN whenever flag != OK). */
typedef enum {
    DCS_SAMPLE_OK = 0,
    DCS_SAMPLE_TIMEOUT = 1,   /* device did not answer by the deadline */
    DCS_SAMPLE_EXCEPTION = 2, /* Modbus exception / SNMP error status */
    DCS_SAMPLE_GARBAGE = 3,   /* malformed answer, or value not a finite number */
    DCS_SAMPLE_NOCONN = 4,    /* connection refused or lost */
    DCS_SAMPLE_NOSUCH = 5,    /* SNMP noSuchObject / noSuchInstance */
    DCS_SAMPLE_RANGE = 6,     /* outside the channel's plausible range */
    DCS_SAMPLE_BACKOFF = 7,   /* not asked: the device is down and backing off */
} dcs_sample_flag_t;

typedef struct {
    uint32_t channel; /* index into the site's channel table */
    uint8_t flag;     /* dcs_sample_flag_t */
    int64_t t_ns;     /* UTC, ns since epoch, taken when the answer arrived */
    double value;     /* SI units of the channel (W, Wh, %); NaN when missing */
} dcs_sample_t;

/* Name of a flag ("ok", "timeout", ...). */
const char *dcs_sample_flag_name(int flag);

/* Register value types (Modbus): width in 16-bit registers is 1, 2 or 4. */
typedef enum {
    DCS_SAMPLE_INT16, DCS_SAMPLE_UINT16, DCS_SAMPLE_INT32, DCS_SAMPLE_UINT32,
    DCS_SAMPLE_INT64, DCS_SAMPLE_UINT64, DCS_SAMPLE_FLOAT32, DCS_SAMPLE_FLOAT64,
} dcs_sample_type_t;

/* Byte order of a multi-register value, named by where bytes A (most significant)
 * .. D land, as meter manuals do: ABCD big-endian words and bytes; DCBA fully
 * little-endian; BADC bytes swapped in each word; CDAB words swapped. For 64-bit
 * values the same rule extends to ABCDEFGH etc. */
typedef enum {
    DCS_SAMPLE_ABCD, DCS_SAMPLE_DCBA, DCS_SAMPLE_BADC, DCS_SAMPLE_CDAB,
} dcs_sample_order_t;

/* Registers a type occupies (1, 2 or 4). */
int dcs_sample_type_regs(dcs_sample_type_t type);

/* Decode regs[0 .. dcs_sample_type_regs(type)-1] (as libmodbus returns them, host
 * uint16 values) into a double. Integers wider than 2^53 lose low bits, as any
 * double does. Returns the value; NaN/inf from a float register pass through. */
double dcs_sample_decode(const uint16_t *regs, dcs_sample_type_t type,
                         dcs_sample_order_t order);

/* Parse names used in configs: "float32", "ABCD", ... Return 0 or DCS_EINVAL. */
int dcs_sample_type_parse(const char *s, dcs_sample_type_t *out);
int dcs_sample_order_parse(const char *s, dcs_sample_order_t *out);

/* Parse a numeric OID ".1.3.6.1..." (leading dot optional) into out[0..*len-1];
 * *len holds the capacity on entry. Returns 0 or DCS_EINVAL. */
int dcs_sample_oid_parse(const char *s, uint32_t *out, size_t *len);

#endif
