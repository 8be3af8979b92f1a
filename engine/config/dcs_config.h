/* dcs_config.h: the site configuration (YAML, via libcyaml): the site, its devices
 * and its channels with role, kind and unit. Loaded once, validated in full, then
 * read by probes, store, scoring and reports. Schema: docs/config.md. */
#ifndef DCS_CONFIG_H
#define DCS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sample/dcs_sample.h"

/* What a channel measures in the energy balance (ISO/IEC 30134-2 boundaries). */
typedef enum {
    DCS_CONFIG_ROLE_FACILITY_TOTAL, /* all energy into the data centre (E_DC) */
    DCS_CONFIG_ROLE_IT_TOTAL,       /* all IT energy at the category's point (E_IT) */
    DCS_CONFIG_ROLE_IT_RACK,        /* one rack / PDU of IT */
    DCS_CONFIG_ROLE_COOLING,
    DCS_CONFIG_ROLE_LIGHTING_OTHER,
    DCS_CONFIG_ROLE_SERVER,         /* per-server readings, e.g. CPU utilisation */
    DCS_CONFIG_ROLE_COUNT
} dcs_config_role_t;

typedef enum { DCS_CONFIG_POWER, DCS_CONFIG_ENERGY, DCS_CONFIG_UTILISATION } dcs_config_kind_t;
/* How an SNMP channel reduces a walked column: not walked, sum or mean. */
typedef enum { DCS_CONFIG_WALK_NONE, DCS_CONFIG_WALK_SUM, DCS_CONFIG_WALK_MEAN } dcs_config_walk_t;
typedef enum {
    DCS_CONFIG_MODBUS_TCP,     /* Modbus TCP (MBAP framing) */
    DCS_CONFIG_SNMP,           /* SNMP v1, v2c, v3 over UDP */
    DCS_CONFIG_MODBUS_RTU,     /* Modbus RTU on a serial line */
    DCS_CONFIG_MODBUS_RTU_TCP, /* Modbus RTU frames over TCP (serial gateways) */
    DCS_CONFIG_PROMETHEUS,     /* a Prometheus text endpoint over HTTP(S) (dcgm-exporter, npu-exporter) */
    DCS_CONFIG_REDFISH,        /* a server's BMC (DMTF Redfish over HTTPS) */
} dcs_config_proto_t;

/* Units as written in the config; values are stored in W, Wh or %. */
typedef enum {
    DCS_CONFIG_UNIT_W, DCS_CONFIG_UNIT_KW, DCS_CONFIG_UNIT_WH, DCS_CONFIG_UNIT_KWH,
    DCS_CONFIG_UNIT_MWH, DCS_CONFIG_UNIT_PERCENT, DCS_CONFIG_UNIT_RATIO,
    DCS_CONFIG_UNIT_JOULE, DCS_CONFIG_UNIT_MILLIJOULE, /* energy counters of exporters (DCGM: mJ) */
} dcs_config_unit_t;

/* SNMPv3 user (USM). Keys are derived from the passwords at open. */
typedef struct {
    char *user;
    char *level;           /* "noAuthNoPriv", "authNoPriv", "authPriv" (default) */
    char *auth_protocol;   /* "SHA" (default), "SHA-256", "MD5" */
    char *auth_password;
    char *priv_protocol;   /* "AES" (default), "DES" */
    char *priv_password;
    char *context;         /* optional context name */
} dcs_config_snmpv3_t;

typedef struct {
    char *id;
    dcs_config_proto_t protocol;
    char *host;        /* TCP/UDP devices */
    int port;
    char *serial;      /* modbus_rtu: serial device, e.g. /dev/ttyUSB0 */
    int baud;          /* modbus_rtu: default 9600 */
    char *parity;      /* modbus_rtu: "N" (default), "E", "O" */
    int data_bits;     /* modbus_rtu: default 8 */
    int stop_bits;     /* modbus_rtu: default 1 */
    int unit_id;       /* Modbus unit id (slave), default 1 */
    int *unit_id_yaml; /* private: as written, NULL when absent */
    char *profile;     /* device profile name (a data file), optional */
    char *version;     /* SNMP "1", "2c" (default) or "3" */
    char *community;   /* SNMP v1/v2c community, default "public" */
    dcs_config_snmpv3_t *v3; /* SNMP v3 user, required for version 3 */
    int timeout_ms;    /* per request, default 500 */
    int retries;       /* per request within the cycle, default 1 */
    int *retries_yaml; /* private */
    int max_registers; /* Modbus: registers per request, 1..125 (default 125) */
    int gap_registers; /* Modbus: unused registers a request may span, default 0 */
    int max_oids;      /* SNMP: varbinds per request, default 32 */
    int pause_ms;      /* Modbus: pause between requests on the line, default 0 */
    bool close_after_cycle; /* Modbus TCP: drop the connection after each cycle */
    int backoff_max_cycles; /* a down device skips at most this many cycles (default 1) */
    int *backoff_yaml; /* private */
    int sunspec_model; /* from the profile: SunSpec model to discover (0 = none) */
    char *url;         /* prometheus: the page; redfish: the BMC, https://HOST[:PORT] */
    char *ca_file;     /* over https: CA certificates (default: the system's) */
    char *username, *password; /* redfish: basic authentication, or the session's login */
    char *auth;        /* redfish: "basic" (default) or "session" (X-Auth-Token) */
    bool auth_session; /* resolved: auth is "session" */
    bool insecure;     /* redfish: certificates not verified (poll logs it) */
} dcs_config_device_t;

/* A device profile (a data file, probes/profiles/NAME.yaml): named points so that
 * a site config says `point: total_power` instead of a register map. */
typedef struct {
    char *point;
    int function, address;         /* Modbus, address as the profile numbers it */
    dcs_sample_type_t type;
    dcs_sample_order_t order;
    dcs_config_kind_t kind;
    dcs_config_unit_t unit;
    double *scale;                 /* NULL: 1 */
    int *sf_address;               /* Modbus: SunSpec scale-factor register */
    char *oid;                     /* SNMP */
    bool indexed;                  /* SNMP: the channel appends `index` */
    dcs_config_walk_t walk;
    bool entity_sensor;
    double *not_supported;         /* a raw reading the device gives for "no value" */
} dcs_config_point_t;

typedef struct {
    char *profile, *protocol, *description, *source;
    bool verify;                   /* register map still to be checked on a real unit */
    int addressing;                /* 0: protocol addresses; 1: 1-based numbers */
    int sunspec_model;             /* Modbus: discover this model's block (0 = none) */
    dcs_config_point_t *points;
    unsigned points_count;
} dcs_config_profile_t;

/* Load profile NAME from the first folder of the search path that has NAME.yaml:
 * $DCSCORE_PROFILES (colon-separated), FOLDER/profiles (the site config's
 * folder, may be NULL), then the installed share/dcscore/profiles. Returns 0, or
 * DCS_EIO (not found)/DCS_ECONFIG with a one-line reason in err. Free with
 * dcs_config_profile_free. */
int dcs_config_profile_load(const char *name, const char *folder, dcs_config_profile_t **out,
                            char *err, size_t errlen);
void dcs_config_profile_free(dcs_config_profile_t *p);
/* The point of that name, or NULL. */
const dcs_config_point_t *dcs_config_profile_point(const dcs_config_profile_t *p,
                                                   const char *point);

typedef struct {
    char *id;
    char *device;          /* id of its device */
    dcs_config_role_t role;
    dcs_config_kind_t kind;
    dcs_config_unit_t unit;
    double scale;          /* raw * scale = value in `unit` (default 1) */
    double *scale_yaml;    /* private: as written, NULL when absent */
    double offset;         /* added after scaling (default 0) */
    bool cross_check;      /* energy compared with its role, not added to it */
    char *zone;            /* optional zone/subsystem for pPUE (NULL: none) */
    double max_w;          /* plausibility cap on power (0 = none) */
    /* Modbus: either profile point, or function/address/type/order. */
    char *point;
    int function;
    int address;
    dcs_sample_type_t type;
    dcs_sample_order_t order;
    /* SNMP */
    char *oid;
    int index;             /* instance appended to an indexed profile OID (>= 0) */
    int *index_yaml;       /* private */
    dcs_config_walk_t walk;  /* SNMP: reduce every instance under oid (GETBULK); prometheus:
                                every series the selector matches */
    /* prometheus: a selector, NAME{label="value",label!="value"}; redfish: power or energy */
    char *metric;
    int counter_bits;      /* energy counters: rollover at 2^bits (0: the register type's;
                              32 for SNMP) */
    /* Resolved by dcs_config_load (also from a profile point): */
    int sf_address;        /* Modbus: int16 power-of-ten scale register (SunSpec), -1 none */
    bool entity_sensor;    /* SNMP: scale by ENTITY-SENSOR-MIB scale and precision */
    bool has_not_supported; /* the profile names a raw "no value" reading, */
    double not_supported;  /* stored as missing (no-such-object), never as a value */
    uint32_t device_index;
    double to_si;          /* value_in_unit * to_si = value in W, Wh or % */
    double counter_modulus_raw; /* raw counter modulus (0 = none known) */
} dcs_config_channel_t;

typedef struct {
    char *id;
    char *name;
    char *region;          /* e.g. "qingpu", "lingang" */
    char *timezone;        /* IANA zone for display, default Asia/Shanghai */
    int pue_category;      /* 1 UPS output, 2 PDU output, 3 IT input (30134-2) */
    int poll_interval_ms;
    double gap_limit_s;    /* longer gaps count as missing; default 3 intervals */
    double min_coverage;   /* raises the policy's threshold (0.95 shipped), never lowers it */
    char *store_dir;       /* resolved against the config file's folder */
    int probe_threads;     /* Modbus lines polled at once; default min(lines, 64) */
} dcs_config_site_t;

/* The activity channels of an accelerator group (kind utilisation, 0..100 %):
 * the tensor pipe for tensor precisions (FP16, INT8), the FP32 and FP64 pipes,
 * and SM activity for FP32/FP64 where no pipe channel is given. */
typedef struct {
    char *tensor, *sm, *fp32, *fp64;
} dcs_config_activity_t;

/* An accelerator profile (a data file, probes/profiles/accelerators/NAME.yaml):
 * one device's dense peak compute per precision, TFLOPS (TOPS for INT8), as its
 * vendor rates it, with where the figures come from and how sure they are. */
typedef struct {
    char *accelerator, *name, *vendor;
    char *source;          /* the datasheet or announcement, by title (and URL) */
    char *confidence;      /* "datasheet", "announcement" or "secondary" */
    char *note;            /* optional: which column, what "FP64" means here */
    double fp64_tflops, fp32_tflops, fp16_tflops, int8_tflops; /* dense; 0 = not rated */
} dcs_config_accel_t;

/* A group of identical servers and their rated peak compute (TFLOPS) per precision
 * (0 = not rated), given per server or as `accelerator` x `accelerators` per server. `utilisation` names the channel whose mean (%) stands for them
 * where `activity` gives none for a precision. */
typedef struct {
    char *id;
    int count;             /* servers in the group, default 1 */
    char *utilisation;     /* channel id (kind utilisation); optional with activity */
    dcs_config_activity_t *activity;
    double fp64_tflops, fp32_tflops, fp16_tflops, int8_tflops;
    char *accelerator;     /* an accelerator profile's name, or NULL */
    int accelerators;      /* devices per server with `accelerator` */
    dcs_config_accel_t *accel; /* loaded: the profile (the peaks above are from it) */
    uint32_t channel_index; /* resolved: utilisation, else the channel of the best-rated precision */
    uint32_t prec_channel[4]; /* resolved: the channel per precision (FP64, FP32, FP16, INT8);
                                 UINT32_MAX where not rated */
} dcs_config_server_t;

typedef struct {
    int rack_count;        /* racks in service (0 = unknown) */
    double rack_occupancy; /* 0..1; -1 = unknown (default) */
    double *rack_occupancy_yaml; /* private */
    dcs_config_server_t *servers;
    unsigned servers_count;
} dcs_config_inventory_t;

/* Operator-supplied yearly figures, pro-rated to the scored window. */
typedef struct {
    double output_yuan_per_year; /* economic output attributable to the DC */
    char *basis;                 /* "revenue" or "value_added" */
    double water_l_per_year;     /* optional (WUE) */
    double reused_kwh_per_year;  /* optional (ERF) */
    double renewable_kwh_per_year; /* optional (REF) */
} dcs_config_finance_t;

typedef struct dcs_config dcs_config_t;
struct dcs_config {
    dcs_config_site_t *site;
    dcs_config_device_t *devices;
    unsigned devices_count;
    dcs_config_channel_t *channels;
    unsigned channels_count;
    dcs_config_inventory_t *inventory; /* NULL when absent: no CUE */
    dcs_config_finance_t *finance;     /* NULL when absent: no EUE */
    /* private */
    dcs_config_profile_t **profiles;   /* loaded profiles, one per device (or NULL) */
    int yaml_owned;        /* 1 when libcyaml allocated this struct */
    char *path;
    char errmsg[512];
    const char *line_id;   /* internal: the id whose line an error names (see FAIL) */
};

/* Load and validate PATH. Returns 0 and *out, or DCS_ECONFIG/DCS_ENOMEM/DCS_EIO and
 * *out still set (unless out of memory) so that dcs_config_errmsg() can say, in one
 * line, "FILE:LINE: FIELD: what is wrong". Free with dcs_config_free either way. */
int dcs_config_load(const char *path, dcs_config_t **out);

/* The last error of cfg as one line, "" when none. NULL cfg gives "out of memory". */
const char *dcs_config_errmsg(const dcs_config_t *cfg);

void dcs_config_free(dcs_config_t *cfg);

/* Load any YAML file against a libcyaml schema (a `const cyaml_schema_value_t *`)
 * with the same one-line errors as site configs: "FILE:LINE: FIELD: reason".
 * Unknown keys are errors. Returns 0 with *data set, DCS_EIO or DCS_ECONFIG. */
int dcs_config_yaml_load(const char *path, const void *schema, void **data, char *err,
                         size_t errlen);
/* Line (1-based) of "id: ID" (or "- id: ID", "{id: ID") in a YAML file, 0 when
 * not found: for semantic errors with FILE:LINE. */
int dcs_config_line_of_id(const char *path, const char *id);
/* Line of the first "KEY:" at the start of a line (after indentation or "- ") at
 * or after line `from`; `from` when there is none. */
int dcs_config_line_of_key(const char *path, int from, const char *key);
/* Free what dcs_config_yaml_load returned. NULL data does nothing. */
void dcs_config_yaml_free(const void *schema, void *data);

/* Index of channel/device `id`, or -1. */
int dcs_config_channel_find(const dcs_config_t *cfg, const char *id);
int dcs_config_device_find(const dcs_config_t *cfg, const char *id);

/* Names for output ("facility_total", "power", "W", ...). */
const char *dcs_config_role_name(dcs_config_role_t role);
const char *dcs_config_kind_name(dcs_config_kind_t kind);
const char *dcs_config_proto_name(dcs_config_proto_t proto);
/* SI unit a kind is stored in: "W", "Wh" or "%". */
const char *dcs_config_si_unit(dcs_config_kind_t kind);

/* A unit written by a user ("kW", "kWh", "%", ...; case-insensitive) for a
 * channel of `kind`: 0 and *to_si (value x to_si = W, Wh or %); DCS_EINVAL when
 * the unit is unknown, DCS_ECONFIG when it is not a unit of that kind. */
int dcs_config_unit_parse(const char *name, dcs_config_kind_t kind, double *to_si);

#endif
