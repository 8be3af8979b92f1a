/* dispatch.c: choose the aggregation kernel once per process: DCSCORE_SIMD if it
 * names a usable kernel, else the best preferred one in the architecture's table
 * (with its reduce taken from another kernel where the table says so). */
#include "aggregate_int.h"

#include <pthread.h>
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

static void choose(void)
{
    static dcs_agg_kernel_t mix;
    chosen = dcs_agg_kernel_find(getenv("DCSCORE_SIMD"));
    for (size_t i = 0; !chosen && i < agg_kernel_table_len; i++) {
        const agg_kernel_entry_t *e = &agg_kernel_table[i];
        if (!e->preferred || !e->supported())
            continue;
        chosen = e->k;
        if (e->reduce_from) {
            mix = *e->k;
            mix.name = e->mix_name;
            mix.reduce = e->reduce_from->reduce;
            chosen = &mix;
        }
    }
}

const dcs_agg_kernel_t *dcs_agg_kernel(void)
{
    pthread_once(&once, choose);
    return chosen;
}
