/* fuzz_decode.c: the register decoder over every type and word order, and the
 * OID parser: no input reads past its registers or crashes. */
#include "fz_util.h"
#include "../../engine/sample/dcs_sample.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t regs[4] = {0};
    for (size_t i = 0; i < 4 && 2 * i + 1 < size; i++)
        regs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
    for (int t = 0; t < 8; t++)
        for (int o = 0; o < 4; o++)
            (void)dcs_sample_decode(regs, (dcs_sample_type_t)t, (dcs_sample_order_t)o);
    uint32_t oid[128];
    size_t len = 128;
    (void)dcs_sample_oid_parse(fz_str(data, size), oid, &len);
    dcs_sample_type_t ty;
    dcs_sample_order_t ord;
    (void)dcs_sample_type_parse(fz_str(data, size), &ty);
    (void)dcs_sample_order_parse(fz_str(data, size), &ord);
    return 0;
}
