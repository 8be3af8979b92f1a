/* modbus_int.h: internals of the Modbus backend shared by its files and tests:
 * the request planner (plan.c) and the line registry (one connection per serial
 * port or TCP endpoint, shared by the unit ids behind it). */
#ifndef DCS_MODBUS_INT_H
#define DCS_MODBUS_INT_H

#include <stddef.h>
#include <stdint.h>

/* One run of registers a point needs: function 3/4, protocol address, width. */
typedef struct {
    uint8_t function;
    uint16_t address;
    uint8_t nregs;
} dcs_mbplan_point_t;

/* One read request; its points are order[first .. first + npoints - 1]. */
typedef struct {
    uint8_t function;
    uint16_t start, count;
    uint32_t first, npoints;
} dcs_mbplan_req_t;

typedef struct {
    dcs_mbplan_req_t *req;
    size_t nreq;
    uint32_t *order; /* point indices, grouped by request, ascending address */
} dcs_mbplan_t;

/* Plan the fewest requests that read every point: points of one function are
 * sorted by address and joined while the request stays within max_regs
 * (1..125) and the unused registers between two points are at most max_gap.
 * Overlapping points share registers. Returns 0, DCS_EINVAL (a point wider
 * than max_regs or past 65535) or DCS_ENOMEM. Free with dcs_mbplan_free. */
int dcs_mbplan_build(const dcs_mbplan_point_t *pts, size_t n, int max_regs, int max_gap,
                     dcs_mbplan_t *plan);
void dcs_mbplan_free(dcs_mbplan_t *plan);

#endif
