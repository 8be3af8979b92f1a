/* dispatch.c: choose the aggregation kernel once per process: DCSCORE_SIMD if it
 * names a usable kernel, else per function the fastest of the preferred ones
 * in the architecture's table (calibrate.c, cached per machine). */
#include "aggregate_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const dcs_agg_kernel_t *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

const dcs_agg_kernel_t *dcs_agg_kernel_find(const char *name)
{
    for (size_t i = 0; name && i < agg_kernel_table_len; i++)
        if (strcmp(agg_kernel_table[i].k->name, name) == 0 && agg_kernel_table[i].supported())
            return agg_kernel_table[i].k;
    return NULL;
}

size_t dcs_agg_kernel_list(const dcs_agg_kernel_t **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < agg_kernel_table_len && n < max; i++)
        if (agg_kernel_table[i].supported())
            out[n++] = agg_kernel_table[i].k;
    return n;
}

/* The default set: each function from the kernel calibrate.c found fastest
 * among the preferred supported ones. Its name lists them when they differ,
 * e.g. "avx512 (reduce avx2)". */
static void choose(void)
{
    static dcs_agg_kernel_t mix;
    static char name[160];
    const dcs_agg_kernel_t *ks[8];
    size_t nk = 0;
    if ((chosen = dcs_agg_kernel_find(getenv("DCSCORE_SIMD"))))
        return;
    for (size_t i = 0; i < agg_kernel_table_len && nk < 8; i++)
        if (agg_kernel_table[i].preferred && agg_kernel_table[i].supported())
            ks[nk++] = agg_kernel_table[i].k;
    int c[AGG_FN_COUNT];
    agg_calibrate(ks, nk, 0, c);
    mix = *ks[c[AGG_FN_FUSED]]; /* named after the rollups' kernel */
    mix.reduce = ks[c[AGG_FN_REDUCE]]->reduce;
    mix.trapz = ks[c[AGG_FN_TRAPZ]]->trapz;
    mix.grid = ks[c[AGG_FN_GRID]]->grid;
    mix.deltas = ks[c[AGG_FN_DELTAS]]->deltas;
    static const char *const fn[AGG_FN_COUNT] = {"reduce", "trapz", "fused", "grid", "deltas"};
    size_t len = (size_t)snprintf(name, sizeof name, "%s", mix.name);
    const char *sep = " (";
    for (int f = 0; f < AGG_FN_COUNT; f++)
        if (c[f] != c[AGG_FN_FUSED] && len < sizeof name)
            len += (size_t)snprintf(name + len, sizeof name - len, "%s%s %s", sep, fn[f], ks[c[f]]->name), sep = ", ";
    if (*sep == ',' && len < sizeof name)
        snprintf(name + len, sizeof name - len, ")");
    mix.name = name;
    chosen = &mix;
}

const dcs_agg_kernel_t *dcs_agg_kernel(void)
{
    pthread_once(&once, choose);
    return chosen;
}
