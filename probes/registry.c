/* registry.c: the table of probe backends, filled at start-up (collectd's
 * plugin registration, reduced to what dcscore needs). */
#include "dcs_probe.h"
#include "../engine/base/dcs_base.h"

#include <string.h>

#define MAX_PROBES 16

static const dcs_probe_ops *probes[MAX_PROBES];
static size_t nprobes;

int dcs_probe_register(const dcs_probe_ops *ops)
{
    if (!ops || !ops->name || ops->version < 1 || nprobes == MAX_PROBES ||
        dcs_probe_find(ops->name))
        return DCS_EINVAL;
    probes[nprobes++] = ops;
    return 0;
}

const dcs_probe_ops *dcs_probe_find(const char *name)
{
    for (size_t i = 0; i < nprobes; i++)
        if (strcmp(probes[i]->name, name) == 0)
            return probes[i];
    return NULL;
}

void dcs_probe_register_builtin(void)
{
    if (!dcs_probe_find("modbus_tcp"))
        dcs_probe_modbus_register();
    if (!dcs_probe_find("snmp"))
        dcs_probe_snmp_register();
    if (!dcs_probe_find("prometheus"))
        dcs_probe_prometheus_register();
    if (!dcs_probe_find("redfish"))
        dcs_probe_redfish_register();
}
