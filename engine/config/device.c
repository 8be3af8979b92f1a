/* device.c: the `devices` block of a site config, and device profiles: data files
 * (probes/profiles/NAME.yaml) that name a device's points so that a site says
 * `point: total_power` instead of repeating a register map or an OID. A profile
 * states whether its addresses are protocol addresses (0-based) or the 1-based
 * register numbers of a manual; the conversion happens here, once. */
#define _GNU_SOURCE
#include "config_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DCS_DATADIR
#define DCS_DATADIR "/usr/local/share/dcscore"
#endif

/* ---- schemas -------------------------------------------------------------- */

const cyaml_strval_t dcs_config_proto_names[6] = {
    {"modbus_tcp", DCS_CONFIG_MODBUS_TCP}, {"snmp", DCS_CONFIG_SNMP},
    {"modbus_rtu", DCS_CONFIG_MODBUS_RTU}, {"modbus_rtu_tcp", DCS_CONFIG_MODBUS_RTU_TCP},
    {"prometheus", DCS_CONFIG_PROMETHEUS}, {"redfish", DCS_CONFIG_REDFISH},
};

static const cyaml_schema_field_t v3_fields[] = {
    STR("user", dcs_config_snmpv3_t, user, 0),
    STR("level", dcs_config_snmpv3_t, level, OPT),
    STR("auth_protocol", dcs_config_snmpv3_t, auth_protocol, OPT),
    STR("auth_password", dcs_config_snmpv3_t, auth_password, OPT),
    STR("priv_protocol", dcs_config_snmpv3_t, priv_protocol, OPT),
    STR("priv_password", dcs_config_snmpv3_t, priv_password, OPT),
    STR("context", dcs_config_snmpv3_t, context, OPT),
    CYAML_FIELD_END};

static const cyaml_schema_field_t device_fields[] = {
    STR("id", dcs_config_device_t, id, 0),
    ENUM("protocol", dcs_config_device_t, protocol, dcs_config_proto_names, 0),
    STR("host", dcs_config_device_t, host, OPT),
    STR("url", dcs_config_device_t, url, OPT),
    STR("ca_file", dcs_config_device_t, ca_file, OPT),
    STR("username", dcs_config_device_t, username, OPT),
    STR("password", dcs_config_device_t, password, OPT),
    CYAML_FIELD_BOOL("insecure", OPT, dcs_config_device_t, insecure),
    STR("auth", dcs_config_device_t, auth, OPT),
    CYAML_FIELD_INT("port", OPT, dcs_config_device_t, port),
    STR("serial", dcs_config_device_t, serial, OPT),
    CYAML_FIELD_INT("baud", OPT, dcs_config_device_t, baud),
    STR("parity", dcs_config_device_t, parity, OPT),
    CYAML_FIELD_INT("data_bits", OPT, dcs_config_device_t, data_bits),
    CYAML_FIELD_INT("stop_bits", OPT, dcs_config_device_t, stop_bits),
    OPT_INT("unit_id", dcs_config_device_t, unit_id_yaml),
    STR("profile", dcs_config_device_t, profile, OPT),
    STR("version", dcs_config_device_t, version, OPT),
    STR("community", dcs_config_device_t, community, OPT),
    CYAML_FIELD_MAPPING_PTR("v3", CYAML_FLAG_POINTER | OPT, dcs_config_device_t, v3, v3_fields),
    CYAML_FIELD_INT("timeout_ms", OPT, dcs_config_device_t, timeout_ms),
    OPT_INT("retries", dcs_config_device_t, retries_yaml),
    CYAML_FIELD_INT("max_registers", OPT, dcs_config_device_t, max_registers),
    CYAML_FIELD_INT("gap_registers", OPT, dcs_config_device_t, gap_registers),
    CYAML_FIELD_INT("max_oids", OPT, dcs_config_device_t, max_oids),
    CYAML_FIELD_INT("pause_ms", OPT, dcs_config_device_t, pause_ms),
    CYAML_FIELD_BOOL("close_after_cycle", OPT, dcs_config_device_t, close_after_cycle),
    OPT_INT("backoff_max_cycles", dcs_config_device_t, backoff_yaml),
    CYAML_FIELD_END};

const cyaml_schema_value_t dcs_config_device_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_config_device_t, device_fields)};

static const cyaml_schema_field_t point_fields[] = {
    STR("point", dcs_config_point_t, point, 0),
    CYAML_FIELD_INT("function", OPT, dcs_config_point_t, function),
    CYAML_FIELD_INT("address", OPT, dcs_config_point_t, address),
    ENUM("type", dcs_config_point_t, type, dcs_config_type_names, OPT),
    ENUM("order", dcs_config_point_t, order, dcs_config_order_names, OPT),
    ENUM("kind", dcs_config_point_t, kind, dcs_config_kind_names, 0),
    ENUM("unit", dcs_config_point_t, unit, dcs_config_unit_names, 0),
    OPT_FLOAT("scale", dcs_config_point_t, scale),
    OPT_INT("sf_address", dcs_config_point_t, sf_address),
    STR("oid", dcs_config_point_t, oid, OPT),
    CYAML_FIELD_BOOL("indexed", OPT, dcs_config_point_t, indexed),
    ENUM("walk", dcs_config_point_t, walk, dcs_config_walk_names, OPT),
    CYAML_FIELD_BOOL("entity_sensor", OPT, dcs_config_point_t, entity_sensor),
    OPT_FLOAT("not_supported", dcs_config_point_t, not_supported),
    CYAML_FIELD_END};
static const cyaml_schema_value_t point_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_config_point_t, point_fields)};

static const cyaml_schema_field_t profile_fields[] = {
    STR("profile", dcs_config_profile_t, profile, 0),
    STR("protocol", dcs_config_profile_t, protocol, 0),
    STR("description", dcs_config_profile_t, description, OPT),
    STR("source", dcs_config_profile_t, source, OPT),
    CYAML_FIELD_BOOL("verify", OPT, dcs_config_profile_t, verify),
    CYAML_FIELD_INT("addressing", OPT, dcs_config_profile_t, addressing),
    CYAML_FIELD_INT("sunspec_model", OPT, dcs_config_profile_t, sunspec_model),
    CYAML_FIELD_SEQUENCE("points", CYAML_FLAG_POINTER, dcs_config_profile_t, points,
                         &point_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t profile_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, dcs_config_profile_t, profile_fields)};

/* ---- profiles ------------------------------------------------------------ */

static int profile_check(void *data, const char *path, char *err, size_t errlen)
{
    const dcs_config_profile_t *p = data;
    int modbus = strcmp(p->protocol, "modbus") == 0;
    if (!modbus && strcmp(p->protocol, "snmp") != 0) {
        snprintf(err, errlen, "%s: protocol '%s' is not modbus or snmp", path, p->protocol);
        return DCS_ECONFIG;
    }
    if (p->addressing != 0 && p->addressing != 1) {
        snprintf(err, errlen, "%s: addressing %d is not 0 or 1", path, p->addressing);
        return DCS_ECONFIG;
    }
    for (unsigned i = 0; i < p->points_count; i++) {
        const dcs_config_point_t *pt = &p->points[i];
        int bad = modbus ? (pt->function != 3 && pt->function != 4) ||
                               pt->address - p->addressing < 0 || pt->oid
                         : !pt->oid || (pt->indexed && pt->walk);
        if (bad) {
            snprintf(err, errlen, "%s: point '%s': %s", path, pt->point,
                     modbus ? "needs function 3 or 4 and an address, no oid"
                            : "needs an oid, and is either indexed or walked");
            return DCS_ECONFIG;
        }
    }
    return 0;
}

static int try_data(const char *dir, size_t dirlen, const char *sub, const char *name,
                    const cyaml_schema_value_t *schema, dcs_config_check_fn check, void **out, char *err,
                    size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%.*s%s/%s.yaml", (int)dirlen, dir, sub, name);
    if (access(path, R_OK) != 0)
        return 1; /* not here */
    void *data = NULL;
    int rc = dcs_config_yaml_load(path, schema, &data, err, errlen);
    if (!rc && (rc = check(data, path, err, errlen))) {
        dcs_config_yaml_free(schema, data);
        data = NULL;
    }
    *out = data;
    return rc;
}

int dcs_config_data_load(const char *sub, const char *name, const char *folder, const cyaml_schema_value_t *schema,
                         dcs_config_check_fn check, void **out, char *err, size_t errlen)
{
    const char *env = getenv("DCSCORE_PROFILES");
    char local[4200];
    *out = NULL;
    if (!dcs_config_valid_name(name)) {
        snprintf(err, errlen, "profile name '%s' must be 1-64 of [A-Za-z0-9_.-]", name);
        return DCS_ECONFIG;
    }
    for (const char *p = env; p && *p;) {
        size_t n = strcspn(p, ":");
        int rc = n ? try_data(p, n, sub, name, schema, check, out, err, errlen) : 1;
        if (rc <= 0)
            return dcs_text_one_line(rc ? err : NULL), rc;
        p += n + (p[n] == ':');
    }
    snprintf(local, sizeof local, "%s/profiles", folder ? folder : ".");
    int rc = try_data(local, strlen(local), sub, name, schema, check, out, err, errlen);
    if (rc > 0)
        rc = try_data(DCS_DATADIR "/profiles", strlen(DCS_DATADIR "/profiles"), sub, name, schema, check, out, err,
                      errlen);
    if (rc > 0) {
        snprintf(err, errlen, "no profile '%s' (looked in %s%s%s%s%s, %s%s)", name, env && *env ? env : "",
                 env && *env ? sub : "", env && *env ? " ($DCSCORE_PROFILES), " : "", local, sub,
                 DCS_DATADIR "/profiles", sub);
        return DCS_EIO;
    }
    if (rc)
        dcs_text_one_line(err); /* a quoted point name may hold CR or LF */
    return rc;
}

int dcs_config_profile_load(const char *name, const char *folder, dcs_config_profile_t **out,
                            char *err, size_t errlen)
{
    void *data = NULL;
    int rc = dcs_config_data_load("", name, folder, &profile_schema, profile_check, &data, err, errlen);
    *out = data;
    return rc;
}

void dcs_config_profile_free(dcs_config_profile_t *p)
{
    dcs_config_yaml_free(&profile_schema, p);
}

const dcs_config_point_t *dcs_config_profile_point(const dcs_config_profile_t *p,
                                                   const char *point)
{
    for (unsigned i = 0; p && point && i < p->points_count; i++)
        if (strcmp(p->points[i].point, point) == 0)
            return &p->points[i];
    return NULL;
}

/* ---- devices ------------------------------------------------------------- */

int dcs_config_is_modbus(dcs_config_proto_t p)
{
    return p == DCS_CONFIG_MODBUS_TCP || p == DCS_CONFIG_MODBUS_RTU ||
           p == DCS_CONFIG_MODBUS_RTU_TCP;
}

static int load_profile(dcs_config_t *cfg, unsigned i, int line)
{
    dcs_config_device_t *d = &cfg->devices[i];
    char err[400], folder[4096];
    dcs_config_folder(cfg, folder, sizeof folder);
    if (!cfg->profiles && !(cfg->profiles = calloc(cfg->devices_count, sizeof *cfg->profiles)))
        return DCS_ENOMEM;
    int rc = dcs_config_profile_load(d->profile, folder, &cfg->profiles[i], err, sizeof err);
    if (rc)
        FAIL(line, "device '%s': %s", d->id, err);
    const dcs_config_profile_t *p = cfg->profiles[i];
    if ((strcmp(p->protocol, "snmp") == 0) != (d->protocol == DCS_CONFIG_SNMP))
        FAIL(line, "device '%s': profile '%s' is for %s devices", d->id, d->profile, p->protocol);
    d->sunspec_model = p->sunspec_model;
    return 0;
}

static int validate_endpoint(dcs_config_t *cfg, dcs_config_device_t *d, int line)
{
    if (d->protocol == DCS_CONFIG_PROMETHEUS || d->protocol == DCS_CONFIG_REDFISH) {
        const char *pn = dcs_config_proto_name(d->protocol);
        if (!d->url || (strncmp(d->url, "http://", 7) && strncmp(d->url, "https://", 8)) || d->host || d->serial)
            FAIL(line, "device '%s': %s needs `url` (%s), not host or serial", d->id, pn,
                 d->protocol == DCS_CONFIG_REDFISH ? "https://BMC[:PORT]" : "http://HOST:PORT/metrics or https://...");
        if ((d->ca_file || d->insecure) && strncmp(d->url, "https://", 8))
            FAIL(line, "device '%s': ca_file and insecure are for an https:// url", d->id);
        if (d->ca_file && d->insecure)
            FAIL(line, "device '%s': ca_file and insecure: true contradict each other", d->id);
        if (dcs_config_beside(cfg, &d->ca_file))
            return DCS_ENOMEM;
        if (d->protocol == DCS_CONFIG_PROMETHEUS && (d->username || d->password || d->insecure || d->auth))
            FAIL(line, "device '%s': username, password, auth and insecure are for redfish devices", d->id);
        if (d->auth && strcmp(d->auth, "basic") && strcmp(d->auth, "session"))
            FAIL(line, "device '%s': auth '%s' is not basic or session", d->id, d->auth);
        d->auth_session = d->auth && strcmp(d->auth, "session") == 0;
        if (d->auth_session && !d->username)
            FAIL(line, "device '%s': auth: session logs in with username and password: give them", d->id);
        if (d->protocol == DCS_CONFIG_REDFISH && !d->username != !d->password)
            FAIL(line, "device '%s': give both username and password, or neither", d->id);
        return 0;
    }
    if (d->url || d->ca_file || d->username || d->password || d->insecure || d->auth)
        FAIL(line, "device '%s': url, ca_file, username, password, auth and insecure are for prometheus and redfish "
                   "devices", d->id);
    if (d->protocol == DCS_CONFIG_MODBUS_RTU) {
        if (!d->serial || d->host)
            FAIL(line, "device '%s': modbus_rtu needs `serial` (a device path), not host", d->id);
        if (!d->baud)
            d->baud = 9600;
        if (!d->data_bits)
            d->data_bits = 8;
        if (!d->stop_bits)
            d->stop_bits = 1;
        if (!d->parity && !(d->parity = strdup("N")))
            return DCS_ENOMEM;
        if (strlen(d->parity) != 1 || !strchr("NEO", d->parity[0]) || d->baud < 50 ||
            d->data_bits < 5 || d->data_bits > 8 || d->stop_bits < 1 || d->stop_bits > 2)
            FAIL(line, "device '%s': serial settings %d %s %d %d not valid (baud, N/E/O, 5-8, 1-2)",
                 d->id, d->baud, d->parity, d->data_bits, d->stop_bits);
        return 0;
    }
    if (!d->host || d->serial)
        FAIL(line, "device '%s': %s needs host and port, not serial", d->id,
             dcs_config_proto_name(d->protocol));
    if (d->port < 1 || d->port > 65535)
        FAIL(line, "device '%s': port %d outside 1..65535", d->id, d->port);
    return 0;
}

static int validate_snmp(dcs_config_t *cfg, dcs_config_device_t *d, int line)
{
    if (!d->version && !(d->version = strdup("2c")))
        return DCS_ENOMEM;
    if (strcmp(d->version, "1") != 0 && strcmp(d->version, "2c") != 0 &&
        strcmp(d->version, "3") != 0)
        FAIL(line, "device '%s': SNMP version '%s' is not 1, 2c or 3", d->id, d->version);
    if (!d->community && !(d->community = strdup("public")))
        return DCS_ENOMEM;
    if (!d->max_oids)
        d->max_oids = 32;
    if (d->max_oids < 1 || d->max_oids > 1000)
        FAIL(line, "device '%s': max_oids %d outside 1..1000", d->id, d->max_oids);
    if (strcmp(d->version, "3") != 0) {
        if (d->v3)
            FAIL(line, "device '%s': v3 block needs version 3", d->id);
        return 0;
    }
    dcs_config_snmpv3_t *v = d->v3;
    if (!v)
        FAIL(line, "device '%s': version 3 needs a v3 block (user, passwords)", d->id);
    if (!v->level && !(v->level = strdup("authPriv")))
        return DCS_ENOMEM;
    int auth = strcmp(v->level, "noAuthNoPriv") != 0, priv = strcmp(v->level, "authPriv") == 0;
    if (auth && !priv && strcmp(v->level, "authNoPriv") != 0)
        FAIL(line, "device '%s': v3 level '%s' is not noAuthNoPriv, authNoPriv or authPriv",
             d->id, v->level);
    /* A level below what the secrets are for sends in the clear what the operator meant to protect. */
    if (!priv && (v->priv_password || v->priv_protocol))
        FAIL(line, "device '%s': v3 level %s sends unencrypted requests, yet a priv_password or "
             "priv_protocol is given: set level authPriv, or remove them", d->id, v->level);
    if (!auth && (v->auth_password || v->auth_protocol))
        FAIL(line, "device '%s': v3 level noAuthNoPriv sends unauthenticated requests, yet an "
             "auth_password or auth_protocol is given: set level authNoPriv or authPriv, or remove them", d->id);
    if ((auth && (!v->auth_password || strlen(v->auth_password) < 8)) ||
        (priv && (!v->priv_password || strlen(v->priv_password) < 8)))
        FAIL(line, "device '%s': v3 %s needs auth%s passwords of 8 or more characters", d->id,
             v->level, priv ? " and priv" : "");
    if (v->auth_protocol && strcmp(v->auth_protocol, "SHA") && strcmp(v->auth_protocol, "SHA-256") &&
        strcmp(v->auth_protocol, "MD5"))
        FAIL(line, "device '%s': v3 auth_protocol '%s' is not SHA, SHA-256 or MD5", d->id,
             v->auth_protocol);
    if (v->priv_protocol && strcmp(v->priv_protocol, "AES") && strcmp(v->priv_protocol, "DES"))
        FAIL(line, "device '%s': v3 priv_protocol '%s' is not AES or DES", d->id, v->priv_protocol);
    return 0;
}

static int validate_modbus(dcs_config_t *cfg, dcs_config_device_t *d, int line)
{
    d->unit_id = d->unit_id_yaml ? *d->unit_id_yaml : 1;
    if (d->unit_id < 0 || d->unit_id > 255)
        FAIL(line, "device '%s': unit_id %d outside 0..255", d->id, d->unit_id);
    if (!d->max_registers)
        d->max_registers = 125; /* Modbus spec v1.1b3 6.3: 1..125 registers per read */
    if (d->max_registers < 1 || d->max_registers > 125)
        FAIL(line, "device '%s': max_registers %d outside 1..125", d->id, d->max_registers);
    if (d->gap_registers < 0 || d->gap_registers > 124)
        FAIL(line, "device '%s': gap_registers %d outside 0..124", d->id, d->gap_registers);
    if (d->pause_ms < 0 || d->pause_ms > 10000)
        FAIL(line, "device '%s': pause_ms %d outside 0..10000", d->id, d->pause_ms);
    return 0;
}

int dcs_config_device_validate(dcs_config_t *cfg, unsigned i)
{
    dcs_config_device_t *d = &cfg->devices[i];
    int rc, line = DCS_CONFIG_LINE_OF_ID;
    cfg->line_id = d->id;
    if (!dcs_config_valid_name(d->id))
        FAIL(line, "devices[%u].id: '%s' must be 1-64 of [A-Za-z0-9_.-]", i + 1, d->id);
    for (unsigned j = 0; j < i; j++)
        if (strcmp(cfg->devices[j].id, d->id) == 0)
            FAIL(line, "devices[%u].id: '%s' is used twice", i + 1, d->id);
    if ((rc = validate_endpoint(cfg, d, line)))
        return rc;
    if (d->timeout_ms == 0) /* a scraped page is bigger than a register or an OID */
        d->timeout_ms = d->protocol == DCS_CONFIG_PROMETHEUS ? 2000 : 500;
    if (d->timeout_ms < 10 || d->timeout_ms > 60000)
        FAIL(line, "device '%s': timeout_ms %d outside 10..60000", d->id, d->timeout_ms);
    d->retries = d->retries_yaml ? *d->retries_yaml : 1;
    d->backoff_max_cycles = d->backoff_yaml ? *d->backoff_yaml : 1;
    if (d->retries < 0 || d->retries > 10 || d->backoff_max_cycles < 0 || d->backoff_max_cycles > 60)
        FAIL(line, "device '%s': retries %d or backoff_max_cycles %d outside 0..10 / 0..60",
             d->id, d->retries, d->backoff_max_cycles);
    rc = d->protocol == DCS_CONFIG_SNMP ? validate_snmp(cfg, d, line)
         : d->protocol == DCS_CONFIG_PROMETHEUS || d->protocol == DCS_CONFIG_REDFISH ? 0
                                        : validate_modbus(cfg, d, line);
    if (!rc && d->profile)
        rc = load_profile(cfg, i, line);
    return rc;
}

/* ---- points --------------------------------------------------------------- */

static int append_index(dcs_config_t *cfg, dcs_config_channel_t *c, const char *oid, int line)
{
    char *s = NULL;
    if (!c->index_yaml || *c->index_yaml < 0)
        FAIL(line, "channel '%s': point '%s' is a table column: give `index` (>= 0)", c->id,
             c->point);
    if (asprintf(&s, "%s.%d", oid, *c->index_yaml) < 0)
        return DCS_ENOMEM;
    free(c->oid);
    c->oid = s;
    return 0;
}

int dcs_config_point_apply(dcs_config_t *cfg, dcs_config_channel_t *c, int line)
{
    const dcs_config_device_t *d = &cfg->devices[c->device_index];
    const dcs_config_profile_t *prof = cfg->profiles ? cfg->profiles[c->device_index] : NULL;
    const dcs_config_point_t *p = dcs_config_profile_point(prof, c->point);
    if (!d->profile)
        FAIL(line, "channel '%s': point '%s' needs a profile on device '%s'", c->id,
             c->point, d->id);
    if (!p)
        FAIL(line, "channel '%s': profile '%s' has no point '%s'", c->id, d->profile, c->point);
    if (c->oid || c->address || c->function)
        FAIL(line, "channel '%s': give either point or oid/function/address, not both", c->id);
    c->kind = p->kind;
    c->unit = p->unit;
    if (!c->scale_yaml)
        c->scale = p->scale ? *p->scale : 1.0;
    c->sf_address = p->sf_address ? *p->sf_address - prof->addressing : -1;
    c->has_not_supported = p->not_supported != NULL;
    c->not_supported = p->not_supported ? *p->not_supported : 0;
    if (d->protocol != DCS_CONFIG_SNMP) {
        c->function = p->function;
        c->address = p->address - prof->addressing;
        c->type = p->type;
        c->order = p->order;
        return 0;
    }
    c->walk = p->walk;
    c->entity_sensor = p->entity_sensor;
    if (p->indexed)
        return append_index(cfg, c, p->oid, line);
    return (c->oid = strdup(p->oid)) ? 0 : DCS_ENOMEM;
}
