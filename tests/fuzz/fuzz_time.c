/* fuzz_time.c: the time parser: every input is refused or gives a time inside
 * 1970..2262 that formats back without overflow. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *zones[3] = {NULL, "Asia/Shanghai", "America/New_York"};
    char buf[64];
    for (int z = 0; z < 3; z++) {
        int64_t t;
        if (dcs_time_parse(fz_str(data, size), zones[z], &t) == 0) {
            if (t < 0)
                abort();
            dcs_time_format(t, zones[z], buf, sizeof buf);
        }
    }
    return 0;
}
