/* answer.c: the checks of one SNMP answer, apart from sessions and the event
 * loop (so that a fuzz target can feed them any PDU): a varbind's value by its
 * type; a GET varbind must name the OID asked for; a walk's rows must stay in
 * its column in increasing OID order, within SN_WALK_HOPS requests. */
#define _GNU_SOURCE
#include "snmp_int.h"
#include "../../engine/sample/dcs_sample.h"

#include <string.h>

int sn_varbind_value(const netsnmp_variable_list *v, double *out)
{
    switch (v->type) {
    case ASN_INTEGER:
        *out = (double)*v->val.integer;
        return DCS_SAMPLE_OK;
    case ASN_GAUGE: case ASN_COUNTER: case ASN_TIMETICKS: case ASN_UINTEGER:
        *out = (double)(uint32_t)*v->val.integer;
        return DCS_SAMPLE_OK;
    case ASN_COUNTER64: {
        /* one rounding, as exact as a double can be (exact below 2^53) */
        uint64_t u = (uint64_t)v->val.counter64->high << 32 | v->val.counter64->low;
        *out = (double)u;
        return DCS_SAMPLE_OK;
    }
    case SNMP_NOSUCHOBJECT: case SNMP_NOSUCHINSTANCE: case SNMP_ENDOFMIBVIEW:
        return DCS_SAMPLE_NOSUCH;
    default:
        return DCS_SAMPLE_GARBAGE;
    }
}

size_t sn_asked_oid(const sn_chan_t *ch, int role, oid *name)
{
    memcpy(name, ch->oid, ch->len * sizeof(oid));
    if (role)
        name[10] = (oid)(role == 1 ? 2 : 3); /* entPhySensorScale, entPhySensorPrecision */
    return ch->len;
}

int sn_get_answer(const sn_chan_t *ch, int role, const netsnmp_variable_list *v, double *x, const char **why)
{
    oid want[SN_MAX_OID];
    size_t wl = sn_asked_oid(ch, role, want);
    *why = NULL;
    if (!v)
        return DCS_SAMPLE_GARBAGE;
    if (snmp_oid_compare(v->name, v->name_length, want, wl) != 0)
        return *why = "an answer for another OID than asked", DCS_SAMPLE_GARBAGE;
    return sn_varbind_value(v, x);
}

int sn_walk_answer(sn_chan_t *ch, const netsnmp_variable_list *v, int has_ns, double ns, const char **why)
{
    const netsnmp_variable_list *last = NULL;
    int inside = 1;
    *why = NULL;
    for (; v && inside; v = v->next_variable) {
        double x;
        inside = v->name_length > ch->len && v->name_length <= SN_MAX_OID &&
                 snmp_oidtree_compare(ch->oid, ch->len, v->name, v->name_length) == 0 &&
                 v->type != SNMP_ENDOFMIBVIEW;
        if (!inside)
            break;
        const oid *prev = last ? last->name : ch->walk_hops ? ch->next : ch->oid;
        size_t plen = last ? last->name_length : ch->walk_hops ? ch->next_len : ch->len;
        if (snmp_oid_compare(v->name, v->name_length, prev, plen) <= 0)
            return *why = "walk rows not in increasing order (a row twice?)", DCS_SAMPLE_GARBAGE;
        if (sn_varbind_value(v, &x) == DCS_SAMPLE_OK && !(has_ns && x == ns))
            ch->sum += x, ch->count++;
        last = v;
    }
    if (inside && last && ch->walk_hops >= SN_WALK_HOPS)
        return *why = "walk incomplete: the column goes on past the request limit", DCS_SAMPLE_GARBAGE;
    if (inside && last) { /* more rows: continue after the last one */
        memcpy(ch->next, last->name, last->name_length * sizeof(oid));
        ch->next_len = last->name_length;
        ch->walk_hops++;
        ch->pending = 1;
        return SN_WALK_MORE;
    }
    if (!ch->count)
        *why = "empty column";
    return ch->count ? DCS_SAMPLE_OK : DCS_SAMPLE_NOSUCH;
}
