/* fuzz_snmp_answer.c: an SNMP response as it comes off the wire (BER, parsed
 * by net-snmp as the probe's sessions do) fed to the answer checks the probe
 * uses (probes/snmp/answer.c): as a GET answer for three channels (one with
 * ENTITY-SENSOR scale and precision beside it) and as one step of a walk.
 * Every varbind list gives a flag; an OK value is finite; a walk stays within
 * its request limit and adds only rows under its column. */
#define _GNU_SOURCE
#include "fz_util.h"
#include "../../engine/sample/dcs_sample.h"
#include "../../probes/snmp/snmp_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void channel(sn_chan_t *ch, const oid *o, size_t len)
{
    memset(ch, 0, sizeof *ch);
    memcpy(ch->oid, o, len * sizeof *o);
    ch->len = len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const oid power[] = {1, 3, 6, 1, 4, 1, 318, 1, 1, 26, 4, 3, 1, 5, 1},
                     column[] = {1, 3, 6, 1, 4, 1, 318, 1, 1, 26, 4, 3, 1, 5},
                     sensor[] = {1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 4, 1};
    u_char community[128], *copy = malloc(size ? size : 1);
    size_t clen = sizeof community, len = size;
    long version;
    memcpy(copy, data, size);
    u_char *p = snmp_comstr_parse(copy, &len, community, &clen, &version);
    netsnmp_pdu *pdu = p ? snmp_pdu_create(0) : NULL;
    if (pdu && snmp_pdu_parse(pdu, p, &len) == 0) {
        sn_chan_t ch[3], walk;
        channel(&ch[0], power, 15), channel(&ch[1], power, 15), channel(&ch[2], sensor, 12);
        ch[1].oid[14] = 2;
        const netsnmp_variable_list *v = pdu->variables;
        for (int k = 0; k < 5; k++, v = v ? v->next_variable : NULL) { /* ch 0, 1, 2 + scale, precision */
            double x = NAN;
            const char *why;
            int flag = sn_get_answer(&ch[k < 3 ? k : 2], k < 3 ? 0 : k - 2, v, &x, &why);
            if (flag == DCS_SAMPLE_OK && !isfinite(x))
                abort();
        }
        channel(&walk, column, 14);
        for (int hop = 0; hop <= SN_WALK_HOPS + 1; hop++) { /* the same answer again and again */
            const char *why;
            int flag = sn_walk_answer(&walk, pdu->variables, 1, -1, &why);
            if (flag != SN_WALK_MORE)
                break;
            if (walk.walk_hops > SN_WALK_HOPS)
                abort(); /* past the request limit */
        }
    }
    if (pdu)
        snmp_free_pdu(pdu);
    free(copy);
    return 0;
}
