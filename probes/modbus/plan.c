/* plan.c: Modbus request planning. Batching neighbouring registers into one read
 * is the main lever on poll cost (one round trip instead of one per value); the
 * limits are the protocol's 125 registers per read (Modbus Application Protocol
 * v1.1b3, 6.3/6.4) or less for out-of-spec devices, and how many unused
 * registers a device tolerates reading through. Planned once per device. */
#define _GNU_SOURCE
#include "modbus_int.h"
#include "../../engine/base/dcs_base.h"

#include <stdlib.h>

static int by_fn_addr(const void *a, const void *b, void *ctx)
{
    const dcs_mbplan_point_t *pts = ctx;
    const dcs_mbplan_point_t *p = &pts[*(const uint32_t *)a];
    const dcs_mbplan_point_t *q = &pts[*(const uint32_t *)b];
    if (p->function != q->function)
        return p->function < q->function ? -1 : 1;
    if (p->address != q->address)
        return p->address < q->address ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

int dcs_mbplan_build(const dcs_mbplan_point_t *pts, size_t n, int max_regs, int max_gap,
                     dcs_mbplan_t *plan)
{
    *plan = (dcs_mbplan_t){0};
    if (max_regs < 1 || max_regs > 125 || max_gap < 0)
        return DCS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (pts[i].nregs < 1 || pts[i].nregs > max_regs || pts[i].address + pts[i].nregs > 65536)
            return DCS_EINVAL;
    plan->order = malloc((n ? n : 1) * sizeof *plan->order);
    plan->req = malloc((n ? n : 1) * sizeof *plan->req);
    if (!plan->order || !plan->req) {
        dcs_mbplan_free(plan);
        return DCS_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        plan->order[i] = (uint32_t)i;
    qsort_r(plan->order, n, sizeof *plan->order, by_fn_addr, (void *)pts);
    dcs_mbplan_req_t *r = NULL;
    for (size_t k = 0; k < n; k++) {
        const dcs_mbplan_point_t *p = &pts[plan->order[k]];
        long end = r ? (long)r->start + r->count : 0; /* one past the last register */
        long new_end = (long)p->address + p->nregs > end ? (long)p->address + p->nregs : end;
        if (r && r->function == p->function && p->address <= end + max_gap &&
            new_end - r->start <= max_regs) {
            r->count = (uint16_t)(new_end - r->start);
            r->npoints++;
            continue;
        }
        r = &plan->req[plan->nreq++];
        *r = (dcs_mbplan_req_t){.function = p->function, .start = p->address,
                                .count = p->nregs, .first = (uint32_t)k, .npoints = 1};
    }
    return 0;
}

void dcs_mbplan_free(dcs_mbplan_t *plan)
{
    free(plan->req);
    free(plan->order);
    *plan = (dcs_mbplan_t){0};
}
