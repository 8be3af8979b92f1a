/* fuzz_config.c: a site config as a file: dcs_config_load must answer every
 * input with 0 or a one-line error, never crash or leak. */
#include "fz_util.h"
#include "../../engine/config/dcs_config.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_config_t *cfg = NULL;
    int rc = dcs_config_load(fz_file("site.yaml", data, size), &cfg);
    if (rc && strchr(dcs_config_errmsg(cfg), '\n'))
        abort(); /* errors are one line */
    dcs_config_free(cfg);
    return 0;
}
