/* config_int.h: what config.c (site, channels, loader) and device.c (devices,
 * profiles) share. Not installed; not for other modules. */
#ifndef DCS_CONFIG_INT_H
#define DCS_CONFIG_INT_H

#include "dcs_config.h"
#include "dcs_yaml.h"

#include <cyaml/cyaml.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OPT CYAML_FLAG_OPTIONAL
#define STR(key, st, field, flags) \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | (flags), st, field, 1, CYAML_UNLIMITED)
#define ENUM(key, st, field, names, flags) \
    CYAML_FIELD_ENUM(key, CYAML_FLAG_STRICT | (flags), st, field, names, N(names))
#define OPT_INT DCS_YAML_OPT_INT
#define OPT_FLOAT DCS_YAML_OPT_FLOAT

extern const cyaml_strval_t dcs_config_kind_names[3], dcs_config_unit_names[9],
    dcs_config_type_names[8], dcs_config_order_names[4], dcs_config_walk_names[3],
    dcs_config_proto_names[6];
extern const cyaml_schema_value_t dcs_config_device_schema;

/* Set cfg->errmsg to "PATH:LINE: detail" (no line when line <= 0). */
void dcs_config_set_err(dcs_config_t *cfg, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dcs_config_valid_name(const char *s);

/* Validate device i (defaults, ranges, its profile); 0 or DCS_ECONFIG/DCS_ENOMEM. */
int dcs_config_device_validate(dcs_config_t *cfg, unsigned i);
/* Apply channel c's profile point (registers or OID, kind, unit, scale). */
int dcs_config_point_apply(dcs_config_t *cfg, dcs_config_channel_t *c, int line);
/* Check a loaded data file (path for the message); 0 or DCS_ECONFIG with err. */
typedef int (*dcs_config_check_fn)(void *data, const char *path, char *err, size_t errlen);
/* Load profile NAME.yaml from the first of $DCSCORE_PROFILES's folders,
 * FOLDER/profiles and the installed profiles that has it, each with SUB ("" for
 * device profiles, "/accelerators"). 0; DCS_EIO naming where it looked; or the
 * loader's or check's error. */
int dcs_config_data_load(const char *sub, const char *name, const char *folder, const cyaml_schema_value_t *schema,
                         dcs_config_check_fn check, void **out, char *err, size_t errlen);
/* Server group sv's `accelerator` x `accelerators`: load the profile (beside the
 * site file or on the profile path) and set the group's peaks from it; refused
 * with given peaks, or without `accelerators`. 0, or DCS_ECONFIG with the error. */
int dcs_config_accel_apply(dcs_config_t *cfg, dcs_config_server_t *sv, int line);
void dcs_config_accel_free(dcs_config_accel_t *a);
/* The site file's folder into buf ("." for a bare file name). */
void dcs_config_folder(const dcs_config_t *cfg, char *buf, size_t len);
/* A relative *path made absolute beside the site file (the file's folder);
 * 0 or DCS_ENOMEM. */
int dcs_config_beside(const dcs_config_t *cfg, char **path);
/* 1 for the Modbus protocols. */
int dcs_config_is_modbus(dcs_config_proto_t p);

/* A line number to be found only if an error needs it: the line of "id:
 * cfg->line_id". Looking a line up reads the file, so validating thousands of
 * devices must not do it for each one. */
#define DCS_CONFIG_LINE_OF_ID (-1)

#define FAIL(line, ...) do { dcs_config_set_err(cfg, line, __VA_ARGS__); return DCS_ECONFIG; } while (0)

#endif
