/* dcs_yaml.h: libcyaml schema pieces shared by every file loaded through
 * dcs_config_yaml_load (site configs, profiles, the policy, cohorts, index
 * systems). */
#ifndef DCS_YAML_H
#define DCS_YAML_H

#include <cyaml/cyaml.h>
#include <stddef.h>

/* An optional int or double kept as a pointer, so that "absent" differs from 0. */
#define DCS_YAML_OPT_INT(name, st, field) \
    {.key = name, .value = {.type = CYAML_INT, .flags = CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, \
                           .data_size = sizeof(int)}, .data_offset = offsetof(st, field)}
#define DCS_YAML_OPT_FLOAT(name, st, field) \
    {.key = name, .value = {.type = CYAML_FLOAT, .flags = CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, \
                           .data_size = sizeof(double)}, .data_offset = offsetof(st, field)}

#endif
