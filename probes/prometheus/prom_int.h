/* prom_int.h: the Prometheus text exposition (version 0.0.4, and OpenMetrics'
 * `# EOF`) as the prometheus probe reads it: selectors parsed from channel
 * configs, and one pass over a scraped page that reduces the series each
 * selector matches. Pure functions, no I/O: the probe (prom_probe.c) fetches. */
#ifndef DCS_PROM_INT_H
#define DCS_PROM_INT_H

#include <stddef.h>
#include <stdint.h>

#define PROM_MATCHERS 8

/* NAME{label="value",label!="value"}: a series matches when its name is NAME
 * and every matcher holds (a label absent from the series has the value ""). */
typedef struct {
    char name[128];
    size_t nm;
    struct {
        char label[64];
        char value[192];
        int negate;
    } m[PROM_MATCHERS];
} prom_sel_t;

/* Parse a selector. Returns 0, or -1 with err one line. */
int prom_sel_parse(const char *text, prom_sel_t *sel, char *err, size_t errlen);

/* What the series one selector matched on a page add up to. */
typedef struct {
    size_t n;                     /* series matched */
    double sum;                   /* of their values */
    size_t nonfinite;             /* of them NaN or +-Inf */
    int duplicate;                /* the same series (name and labels) twice */
    uint64_t seen[16];            /* hashes of the first series matched, for duplicates */
} prom_acc_t;

/* One pass over page[0..len): every sample line is matched against sels[0..n)
 * into acc[0..n) (zeroed first). Returns 0, or -1 with err naming the line
 * (a malformed line, or a page that does not end with a newline: truncated). */
int prom_scan(const char *page, size_t len, const prom_sel_t *sels, size_t n, prom_acc_t *acc, char *err,
              size_t errlen);

#endif
