/* config.c: load a site YAML with libcyaml, then validate what a schema cannot say
 * (references, ranges, kind/unit agreement). Every error becomes one line,
 * "FILE:LINE: FIELD: reason"; libcyaml's log backtrace gives the line for schema
 * errors, and a scan for the entity's "id:" line gives it for semantic ones. */
#define _GNU_SOURCE
#include "config_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- schema ------------------------------------------------------------- */

static const cyaml_strval_t role_names[] = {
    {"facility_total", DCS_CONFIG_ROLE_FACILITY_TOTAL}, {"it_total", DCS_CONFIG_ROLE_IT_TOTAL},
    {"it_rack", DCS_CONFIG_ROLE_IT_RACK}, {"cooling", DCS_CONFIG_ROLE_COOLING},
    {"lighting_other", DCS_CONFIG_ROLE_LIGHTING_OTHER}, {"server", DCS_CONFIG_ROLE_SERVER},
};
const cyaml_strval_t dcs_config_kind_names[3] = {
    {"power", DCS_CONFIG_POWER}, {"energy", DCS_CONFIG_ENERGY},
    {"utilisation", DCS_CONFIG_UTILISATION},
};
const cyaml_strval_t dcs_config_unit_names[9] = {
    {"W", DCS_CONFIG_UNIT_W}, {"kW", DCS_CONFIG_UNIT_KW}, {"Wh", DCS_CONFIG_UNIT_WH},
    {"kWh", DCS_CONFIG_UNIT_KWH}, {"MWh", DCS_CONFIG_UNIT_MWH},
    {"percent", DCS_CONFIG_UNIT_PERCENT}, {"ratio", DCS_CONFIG_UNIT_RATIO},
    {"joule", DCS_CONFIG_UNIT_JOULE}, {"millijoule", DCS_CONFIG_UNIT_MILLIJOULE},
};
const cyaml_strval_t dcs_config_type_names[8] = {
    {"int16", DCS_SAMPLE_INT16}, {"uint16", DCS_SAMPLE_UINT16}, {"int32", DCS_SAMPLE_INT32},
    {"uint32", DCS_SAMPLE_UINT32}, {"int64", DCS_SAMPLE_INT64}, {"uint64", DCS_SAMPLE_UINT64},
    {"float32", DCS_SAMPLE_FLOAT32}, {"float64", DCS_SAMPLE_FLOAT64},
};
const cyaml_strval_t dcs_config_order_names[4] = {
    {"ABCD", DCS_SAMPLE_ABCD}, {"DCBA", DCS_SAMPLE_DCBA}, {"BADC", DCS_SAMPLE_BADC},
    {"CDAB", DCS_SAMPLE_CDAB},
};
const cyaml_strval_t dcs_config_walk_names[3] = {
    {"none", DCS_CONFIG_WALK_NONE}, {"sum", DCS_CONFIG_WALK_SUM}, {"mean", DCS_CONFIG_WALK_MEAN},
};
#define kind_names dcs_config_kind_names
#define unit_names dcs_config_unit_names
#define type_names dcs_config_type_names
#define order_names dcs_config_order_names

static const cyaml_schema_field_t site_fields[] = {
    STR("id", dcs_config_site_t, id, 0),
    STR("name", dcs_config_site_t, name, 0),
    STR("region", dcs_config_site_t, region, 0),
    STR("timezone", dcs_config_site_t, timezone, OPT),
    CYAML_FIELD_INT("pue_category", 0, dcs_config_site_t, pue_category),
    CYAML_FIELD_INT("poll_interval_ms", 0, dcs_config_site_t, poll_interval_ms),
    CYAML_FIELD_FLOAT("gap_limit_s", OPT, dcs_config_site_t, gap_limit_s),
    CYAML_FIELD_FLOAT("min_coverage", OPT, dcs_config_site_t, min_coverage),
    STR("store_dir", dcs_config_site_t, store_dir, 0),
    CYAML_FIELD_INT("probe_threads", OPT, dcs_config_site_t, probe_threads),
    CYAML_FIELD_END};

static const cyaml_schema_field_t channel_fields[] = {
    STR("id", dcs_config_channel_t, id, 0),
    STR("device", dcs_config_channel_t, device, 0),
    ENUM("role", dcs_config_channel_t, role, role_names, 0),
    ENUM("kind", dcs_config_channel_t, kind, kind_names, OPT),
    ENUM("unit", dcs_config_channel_t, unit, unit_names, OPT),
    OPT_FLOAT("scale", dcs_config_channel_t, scale_yaml),
    CYAML_FIELD_FLOAT("offset", OPT, dcs_config_channel_t, offset),
    CYAML_FIELD_BOOL("cross_check", OPT, dcs_config_channel_t, cross_check),
    STR("zone", dcs_config_channel_t, zone, OPT),
    CYAML_FIELD_FLOAT("max_w", OPT, dcs_config_channel_t, max_w),
    STR("point", dcs_config_channel_t, point, OPT),
    CYAML_FIELD_INT("function", OPT, dcs_config_channel_t, function),
    CYAML_FIELD_INT("address", OPT, dcs_config_channel_t, address),
    ENUM("type", dcs_config_channel_t, type, type_names, OPT),
    ENUM("order", dcs_config_channel_t, order, order_names, OPT),
    STR("oid", dcs_config_channel_t, oid, OPT),
    STR("metric", dcs_config_channel_t, metric, OPT),
    OPT_INT("index", dcs_config_channel_t, index_yaml),
    ENUM("walk", dcs_config_channel_t, walk, dcs_config_walk_names, OPT),
    CYAML_FIELD_INT("counter_bits", OPT, dcs_config_channel_t, counter_bits),
    CYAML_FIELD_END};

static const cyaml_schema_value_t channel_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_config_channel_t, channel_fields)};

static const cyaml_schema_field_t activity_fields[] = {
    STR("tensor", dcs_config_activity_t, tensor, OPT),
    STR("sm", dcs_config_activity_t, sm, OPT),
    STR("fp32", dcs_config_activity_t, fp32, OPT),
    STR("fp64", dcs_config_activity_t, fp64, OPT),
    CYAML_FIELD_END};
static const cyaml_schema_field_t server_fields[] = {
    STR("id", dcs_config_server_t, id, 0),
    CYAML_FIELD_INT("count", OPT, dcs_config_server_t, count),
    STR("utilisation", dcs_config_server_t, utilisation, OPT),
    CYAML_FIELD_MAPPING_PTR("activity", CYAML_FLAG_POINTER | OPT, dcs_config_server_t, activity, activity_fields),
    CYAML_FIELD_FLOAT("fp64_tflops", OPT, dcs_config_server_t, fp64_tflops),
    CYAML_FIELD_FLOAT("fp32_tflops", OPT, dcs_config_server_t, fp32_tflops),
    CYAML_FIELD_FLOAT("fp16_tflops", OPT, dcs_config_server_t, fp16_tflops),
    CYAML_FIELD_FLOAT("int8_tflops", OPT, dcs_config_server_t, int8_tflops),
    STR("accelerator", dcs_config_server_t, accelerator, OPT),
    CYAML_FIELD_INT("accelerators", OPT, dcs_config_server_t, accelerators),
    CYAML_FIELD_END};
static const cyaml_schema_value_t server_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_config_server_t, server_fields)};
static const cyaml_schema_field_t inventory_fields[] = {
    CYAML_FIELD_INT("rack_count", OPT, dcs_config_inventory_t, rack_count),
    {.key = "rack_occupancy", .value = {.type = CYAML_FLOAT, .flags = CYAML_FLAG_POINTER | OPT,
                                        .data_size = sizeof(double)},
     .data_offset = offsetof(dcs_config_inventory_t, rack_occupancy_yaml)},
    CYAML_FIELD_SEQUENCE("servers", CYAML_FLAG_POINTER, dcs_config_inventory_t, servers,
                         &server_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_field_t finance_fields[] = {
    CYAML_FIELD_FLOAT("output_yuan_per_year", 0, dcs_config_finance_t, output_yuan_per_year),
    STR("basis", dcs_config_finance_t, basis, 0),
    CYAML_FIELD_FLOAT("water_l_per_year", OPT, dcs_config_finance_t, water_l_per_year),
    CYAML_FIELD_FLOAT("reused_kwh_per_year", OPT, dcs_config_finance_t, reused_kwh_per_year),
    CYAML_FIELD_FLOAT("renewable_kwh_per_year", OPT, dcs_config_finance_t, renewable_kwh_per_year),
    CYAML_FIELD_END};

static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_MAPPING_PTR("site", CYAML_FLAG_POINTER, struct dcs_config, site, site_fields),
    CYAML_FIELD_SEQUENCE("devices", CYAML_FLAG_POINTER, struct dcs_config, devices,
                         &dcs_config_device_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("channels", CYAML_FLAG_POINTER, struct dcs_config, channels,
                         &channel_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("inventory", CYAML_FLAG_POINTER | OPT, struct dcs_config, inventory,
                            inventory_fields),
    CYAML_FIELD_MAPPING_PTR("finance", CYAML_FLAG_POINTER | OPT, struct dcs_config, finance,
                            finance_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct dcs_config, top_fields)};

/* ---- libcyaml log -> one line ------------------------------------------- */

/* libcyaml logs the error, then "Backtrace:", then one line per level, innermost
 * first: "  in mapping field 'port' (line: 4, column: 11)". We keep the first
 * error text, the innermost line number and the field path. */
typedef struct {
    char what[160];
    char path[160];
    int line;
    int in_backtrace; /* 0 before "Backtrace:", then 1 + entries seen */
} yaml_log_t;

static void path_prepend(yaml_log_t *lg, const char *bt)
{
    char part[96] = "", tmp[160];
    const char *q = strchr(bt, '\'');
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    if (!q || !e || e - q - 1 >= (int)sizeof part - 4)
        return;
    int seq = strstr(bt, "sequence entry") != NULL;
    snprintf(part, sizeof part, "%s%.*s%s", seq ? "[" : "", (int)(e - q - 1), q + 1,
             seq ? "]" : "");
    const char *join = lg->path[0] && lg->path[0] != '[' ? "." : "";
    snprintf(tmp, sizeof tmp, "%.60s%s%.98s", part, join, lg->path);
    memcpy(lg->path, tmp, sizeof tmp);
}

static void yaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    yaml_log_t *lg = ctx;
    char msg[256];
    if (level < CYAML_LOG_ERROR)
        return;
    vsnprintf(msg, sizeof msg, fmt, args);
    msg[strcspn(msg, "\n")] = '\0';
    const char *m = strncmp(msg, "Load: ", 6) == 0 ? msg + 6 : msg;
    if (strstr(m, "Backtrace:")) {
        lg->in_backtrace = 1;
        return;
    }
    if (lg->in_backtrace) {
        /* For a missing field, the innermost entry is the field parsed last. */
        if (lg->in_backtrace++ == 1 && strstr(lg->what, "Missing required"))
            return;
        const char *ln = strstr(m, "(line: ");
        if (ln && lg->line == 0)
            lg->line = atoi(ln + 7);
        path_prepend(lg, m);
        return;
    }
    if (!lg->what[0])
        snprintf(lg->what, sizeof lg->what, "%.159s", m);
}

/* ---- helpers ------------------------------------------------------------- */

void dcs_config_set_err(dcs_config_t *cfg, int line, const char *fmt, ...)
{
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (line == DCS_CONFIG_LINE_OF_ID)
        line = dcs_config_line_of_id(cfg->path, cfg->line_id);
    if (line > 0)
        snprintf(cfg->errmsg, sizeof cfg->errmsg, "%s:%d: %s", cfg->path, line, detail);
    else
        snprintf(cfg->errmsg, sizeof cfg->errmsg, "%s: %s", cfg->path, detail);
    dcs_text_one_line(cfg->errmsg); /* a quoted value may hold CR or LF */
}

/* Line (1-based) where "id: ID" (or "- id: ID") stands, 0 when not found. */
int dcs_config_line_of_id(const char *path, const char *id)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    int line = 0, found = 0;
    if (!f || !id)
        return f ? (fclose(f), 0) : 0;
    while (!found && fgets(buf, sizeof buf, f)) {
        char *p = buf;
        line++;
        p += strspn(p, " \t-{");
        if (strncmp(p, "id:", 3) != 0)
            continue;
        p += 3 + strspn(p + 3, " \t\"'");
        size_t n = strlen(id);
        found = strncmp(p, id, n) == 0 && strchr("\"' \t\r\n#,}", p[n] ? p[n] : '\n');
    }
    fclose(f);
    return found ? line : 0;
}

/* Line of "KEY:" at or after line `from`, for errors libcyaml places at a mapping. */
int dcs_config_line_of_key(const char *path, int from, const char *key)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    int line = 0;
    size_t n = strlen(key);
    if (!f)
        return from;
    while (fgets(buf, sizeof buf, f)) {
        char *p = buf + strspn(buf, " \t-");
        if (++line >= from && strncmp(p, key, n) == 0 && p[n] == ':') {
            fclose(f);
            return line;
        }
    }
    fclose(f);
    return from;
}

int dcs_config_valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || *s == '-' || *s == '.') /* a leading - would be a formula in */
        return 0;                                               /* a spreadsheet's CSV header      */
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *s))
            return 0;
    return 1;
}

/* ---- validation ---------------------------------------------------------- */


static int validate_site(dcs_config_t *cfg)
{
    dcs_config_site_t *s = cfg->site;
    int line = dcs_config_line_of_key(cfg->path, 1, "site");
    if (!dcs_config_valid_name(s->id))
        FAIL(line, "site.id: '%s' must be 1-64 of [A-Za-z0-9_.-], not starting with - or . (it names files)", s->id);
    if (s->pue_category < 1 || s->pue_category > 3)
        FAIL(dcs_config_line_of_key(cfg->path, line, "pue_category"),
             "site.pue_category: %d is not 1 (UPS output), 2 (PDU output) or 3 (IT input)",
             s->pue_category);
    if (s->poll_interval_ms < 100 || s->poll_interval_ms > 3600000)
        FAIL(dcs_config_line_of_key(cfg->path, line, "poll_interval_ms"),
             "site.poll_interval_ms: %d outside 100..3600000", s->poll_interval_ms);
    if (s->min_coverage < 0 || s->min_coverage > 1)
        FAIL(dcs_config_line_of_key(cfg->path, line, "min_coverage"),
             "site.min_coverage: %g outside 0..1", s->min_coverage);
    if (s->gap_limit_s < 0)
        FAIL(dcs_config_line_of_key(cfg->path, line, "gap_limit_s"), "site.gap_limit_s: negative");
    if (s->gap_limit_s == 0)
        s->gap_limit_s = 3.0 * s->poll_interval_ms / 1000.0;
    if (!s->timezone && !(s->timezone = strdup("Asia/Shanghai")))
        return DCS_ENOMEM;
    char why[400];
    if (dcs_tz_check(s->timezone, "site.timezone", why, sizeof why))
        FAIL(dcs_config_line_of_key(cfg->path, line, "timezone"), "%s", why);
    return dcs_config_beside(cfg, &s->store_dir);
}

void dcs_config_folder(const dcs_config_t *cfg, char *buf, size_t len)
{
    const char *slash = strrchr(cfg->path, '/');
    snprintf(buf, len, "%.*s", slash ? (int)(slash - cfg->path) : 1, slash ? cfg->path : ".");
}

int dcs_config_beside(const dcs_config_t *cfg, char **path)
{
    const char *slash = strrchr(cfg->path, '/');
    char *abs = NULL;
    if (!*path || (*path)[0] == '/' || !slash)
        return 0;
    if (asprintf(&abs, "%.*s/%s", (int)(slash - cfg->path), cfg->path, *path) < 0)
        return DCS_ENOMEM;
    free(*path);
    *path = abs;
    return 0;
}

static double unit_to_si(dcs_config_kind_t kind, dcs_config_unit_t unit, int *ok)
{
    static const struct { dcs_config_kind_t kind; double f; } tab[] = {
        [DCS_CONFIG_UNIT_W] = {DCS_CONFIG_POWER, 1}, [DCS_CONFIG_UNIT_KW] = {DCS_CONFIG_POWER, 1e3},
        [DCS_CONFIG_UNIT_WH] = {DCS_CONFIG_ENERGY, 1}, [DCS_CONFIG_UNIT_KWH] = {DCS_CONFIG_ENERGY, 1e3},
        [DCS_CONFIG_UNIT_MWH] = {DCS_CONFIG_ENERGY, 1e6},
        [DCS_CONFIG_UNIT_PERCENT] = {DCS_CONFIG_UTILISATION, 1},
        [DCS_CONFIG_UNIT_RATIO] = {DCS_CONFIG_UTILISATION, 100},
        [DCS_CONFIG_UNIT_JOULE] = {DCS_CONFIG_ENERGY, 1 / 3600.0},
        [DCS_CONFIG_UNIT_MILLIJOULE] = {DCS_CONFIG_ENERGY, 1e-3 / 3600.0},
    };
    *ok = tab[unit].kind == kind;
    return tab[unit].f;
}

int dcs_config_unit_parse(const char *name, dcs_config_kind_t kind, double *to_si)
{
    int ok;
    if (strcmp(name, "%") == 0)
        name = "percent";
    for (size_t u = 0; u < sizeof dcs_config_unit_names / sizeof dcs_config_unit_names[0]; u++)
        if (strcasecmp(name, dcs_config_unit_names[u].str) == 0) {
            *to_si = unit_to_si(kind, (dcs_config_unit_t)dcs_config_unit_names[u].val, &ok);
            return ok ? 0 : DCS_ECONFIG;
        }
    return DCS_EINVAL;
}

/* Raw modulus of an energy counter (where it rolls over), 0 if none: 2^counter_bits
 * when given, else the register type's range (Modbus) or Counter32 (SNMP). */
static double counter_modulus(const dcs_config_channel_t *c, dcs_config_proto_t proto)
{
    if (c->kind != DCS_CONFIG_ENERGY)
        return 0;
    if (c->counter_bits)
        return ldexp(1.0, c->counter_bits);
    if (proto == DCS_CONFIG_SNMP)
        return 4294967296.0;
    switch (c->type) {
    case DCS_SAMPLE_UINT16: return 65536.0;
    case DCS_SAMPLE_INT16: return 32768.0;
    case DCS_SAMPLE_UINT32: return 4294967296.0;
    case DCS_SAMPLE_INT32: return 2147483648.0;
    default: return 0;
    }
}

static int validate_channel_source(dcs_config_t *cfg, dcs_config_channel_t *c, int line)
{
    const dcs_config_device_t *d = &cfg->devices[c->device_index];
    c->sf_address = -1;
    if (c->point && dcs_config_point_apply(cfg, c, line))
        return DCS_ECONFIG;
    if (c->counter_bits && c->counter_bits != 16 && c->counter_bits != 32 && c->counter_bits != 64)
        FAIL(line, "channel '%s': counter_bits %d is not 16, 32 or 64", c->id, c->counter_bits);
    if (d->protocol == DCS_CONFIG_SNMP) {
        uint32_t oid[128];
        size_t len = 128;
        if (!c->oid || dcs_sample_oid_parse(c->oid, oid, &len))
            FAIL(line, "channel '%s': SNMP device '%s' needs a numeric oid (got '%s')",
                 c->id, d->id, c->oid ? c->oid : "");
        return 0;
    }
    if (d->protocol == DCS_CONFIG_REDFISH) {
        int energy = c->metric && strcmp(c->metric, "energy") == 0;
        if (!c->metric || (!energy && strcmp(c->metric, "power") != 0) || c->oid || c->walk)
            FAIL(line, "channel '%s': redfish device '%s' needs `metric: power` (input power, W) or "
                       "`metric: energy` (EnergykWh, kWh)", c->id, d->id);
        if (c->kind != (energy ? DCS_CONFIG_ENERGY : DCS_CONFIG_POWER))
            FAIL(line, "channel '%s': metric %s needs kind %s", c->id, c->metric, energy ? "energy" : "power");
        if (c->unit != (energy ? DCS_CONFIG_UNIT_KWH : DCS_CONFIG_UNIT_W)) /* the schema fixes them */
            FAIL(line, "channel '%s': redfish gives %s in %s: unit %s would scale it wrong", c->id,
                 energy ? "EnergykWh" : "watts", energy ? "kWh" : "W", unit_names[c->unit].str);
        return 0;
    }
    if (d->protocol == DCS_CONFIG_PROMETHEUS) {
        if (!c->metric || !*c->metric || c->oid)
            FAIL(line, "channel '%s': prometheus device '%s' needs `metric` (NAME or NAME{label=\"value\"}), "
                       "not oid", c->id, d->id);
        return 0;
    }
    if (c->oid || c->walk || c->metric)
        FAIL(line, "channel '%s': oid and walk are for SNMP devices, metric for prometheus ones", c->id);
    if (c->function != 3 && c->function != 4)
        FAIL(line, "channel '%s': function %d is not 3 (holding) or 4 (input); or give a "
                   "profile point", c->id, c->function);
    if (c->address < 0 || c->address + dcs_sample_type_regs(c->type) > 65536)
        FAIL(line, "channel '%s': address %d outside 0..65535", c->id, c->address);
    if (dcs_sample_type_regs(c->type) > d->max_registers)
        FAIL(line, "channel '%s': %s needs %d registers, device '%s' reads %d per request",
             c->id, type_names[c->type].str, dcs_sample_type_regs(c->type), d->id,
             d->max_registers);
    return 0;
}

static int validate_channel(dcs_config_t *cfg, unsigned i)
{
    dcs_config_channel_t *c = &cfg->channels[i];
    int line = DCS_CONFIG_LINE_OF_ID;
    cfg->line_id = c->id;
    int ok, dev = dcs_config_device_find(cfg, c->device);
    if (!dcs_config_valid_name(c->id))
        FAIL(line, "channels[%u].id: '%s' must be 1-64 of [A-Za-z0-9_.-], not starting with - or .", i + 1, c->id);
    for (unsigned j = 0; j < i; j++)
        if (strcmp(cfg->channels[j].id, c->id) == 0)
            FAIL(line, "channels[%u].id: '%s' is used twice", i + 1, c->id);
    if (dev < 0)
        FAIL(line, "channel '%s': no device '%s'", c->id, c->device);
    c->device_index = (uint32_t)dev;
    c->scale = c->scale_yaml ? *c->scale_yaml : 1.0;
    if (c->scale == 0)
        FAIL(line, "channel '%s': scale 0", c->id);
    if (validate_channel_source(cfg, c, line))
        return DCS_ECONFIG;
    c->to_si = unit_to_si(c->kind, c->unit, &ok);
    if (!ok)
        FAIL(line, "channel '%s': unit %s does not fit kind %s", c->id,
             unit_names[c->unit].str, kind_names[c->kind].str);
    if (c->cross_check && c->kind != DCS_CONFIG_ENERGY && c->kind != DCS_CONFIG_POWER)
        FAIL(line, "channel '%s': cross_check needs a power or energy channel", c->id);
    if (c->max_w < 0)
        FAIL(line, "channel '%s': max_w negative", c->id);
    c->counter_modulus_raw = counter_modulus(c, cfg->devices[dev].protocol);
    return 0;
}

/* A utilisation channel of server group sv (NULL: none named): its index, -1
 * when absent; -2 (with the error set) when it names no utilisation channel. */
static int activity_channel(dcs_config_t *cfg, const dcs_config_server_t *sv, const char *key, const char *id,
                            int line)
{
    if (!id)
        return -1;
    int ch = dcs_config_channel_find(cfg, id);
    if (ch < 0 || cfg->channels[ch].kind != DCS_CONFIG_UTILISATION) {
        dcs_config_set_err(cfg, line, "server '%s': %s '%s' is not a utilisation channel", sv->id, key, id);
        return -2;
    }
    return ch;
}

/* Each rated precision's channel: the tensor pipe for FP16 and INT8, the FP32
 * or FP64 pipe (else SM activity) for those, the group's utilisation where
 * activity gives none. */
static int validate_activity(dcs_config_t *cfg, dcs_config_server_t *sv, int line)
{
    const dcs_config_activity_t *a = sv->activity;
    int u = activity_channel(cfg, sv, "utilisation", sv->utilisation, line);
    int t = activity_channel(cfg, sv, "activity.tensor", a ? a->tensor : NULL, line);
    int sm = activity_channel(cfg, sv, "activity.sm", a ? a->sm : NULL, line);
    int f32 = activity_channel(cfg, sv, "activity.fp32", a ? a->fp32 : NULL, line);
    int f64 = activity_channel(cfg, sv, "activity.fp64", a ? a->fp64 : NULL, line);
    if (u == -2 || t == -2 || sm == -2 || f32 == -2 || f64 == -2)
        return DCS_ECONFIG;
    const double peak[4] = {sv->fp64_tflops, sv->fp32_tflops, sv->fp16_tflops, sv->int8_tflops};
    const int pick[4] = {f64 >= 0 ? f64 : sm >= 0 ? sm : u, f32 >= 0 ? f32 : sm >= 0 ? sm : u,
                         t >= 0 ? t : u, t >= 0 ? t : u};
    static const char *const names[4] = {"fp64", "fp32", "fp16", "int8"};
    int best = -1;
    for (int p = 0; p < 4; p++) {
        sv->prec_channel[p] = peak[p] > 0 ? (uint32_t)pick[p] : UINT32_MAX;
        if (peak[p] > 0 && pick[p] < 0)
            FAIL(line, "server '%s': %s is rated but has no channel: give utilisation, or activity.%s", sv->id,
                 names[p], p >= 2 ? "tensor" : names[p]);
        if (peak[p] > 0 && (best < 0 || peak[p] > peak[best]))
            best = p;
    }
    if (u < 0 && best < 0)
        FAIL(line, "server '%s': no utilisation channel (needed to weigh a group with no rating)", sv->id);
    sv->channel_index = (uint32_t)(u >= 0 ? u : pick[best]);
    return 0;
}

static int validate_inventory(dcs_config_t *cfg)
{
    dcs_config_inventory_t *inv = cfg->inventory;
    int line = dcs_config_line_of_key(cfg->path, 1, "inventory");
    inv->rack_occupancy = inv->rack_occupancy_yaml ? *inv->rack_occupancy_yaml : -1;
    if (inv->rack_occupancy_yaml && (inv->rack_occupancy < 0 || inv->rack_occupancy > 1))
        FAIL(line, "inventory.rack_occupancy: %g outside 0..1", inv->rack_occupancy);
    if (inv->rack_count < 0)
        FAIL(line, "inventory.rack_count: negative");
    for (unsigned i = 0; i < inv->servers_count; i++) {
        dcs_config_server_t *sv = &inv->servers[i];
        int sl = dcs_config_line_of_id(cfg->path, sv->id);
        if (sv->count == 0)
            sv->count = 1;
        if (sv->count < 0)
            FAIL(sl, "server '%s': count %d negative", sv->id, sv->count);
        if (sv->fp64_tflops < 0 || sv->fp32_tflops < 0 || sv->fp16_tflops < 0 || sv->int8_tflops < 0)
            FAIL(sl, "server '%s': negative peak TFLOPS", sv->id);
        int rc = dcs_config_accel_apply(cfg, sv, sl);
        if (rc)
            return rc;
        if (validate_activity(cfg, sv, sl))
            return DCS_ECONFIG;
    }
    return 0;
}

static int validate_finance(dcs_config_t *cfg)
{
    const dcs_config_finance_t *f = cfg->finance;
    int line = dcs_config_line_of_key(cfg->path, 1, "finance");
    if (strcmp(f->basis, "revenue") != 0 && strcmp(f->basis, "value_added") != 0)
        FAIL(line, "finance.basis: '%s' is not revenue or value_added", f->basis);
    if (f->output_yuan_per_year < 0 || f->water_l_per_year < 0 || f->reused_kwh_per_year < 0 ||
        f->renewable_kwh_per_year < 0)
        FAIL(line, "finance: figures must not be negative");
    return 0;
}

static int validate(dcs_config_t *cfg)
{
    int rc = validate_site(cfg);
    for (unsigned i = 0; !rc && i < cfg->devices_count; i++)
        rc = dcs_config_device_validate(cfg, i);
    for (unsigned i = 0; !rc && i < cfg->channels_count; i++)
        rc = validate_channel(cfg, i);
    if (!rc && cfg->inventory)
        rc = validate_inventory(cfg);
    if (!rc && cfg->finance)
        rc = validate_finance(cfg);
    return rc;
}

/* ---- public -------------------------------------------------------------- */

/* 1 when the file holds no YAML content: only blank lines, comments and
 * document markers (libcyaml gives no document, or a misleading error, for it). */
static int yaml_empty(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    int empty = f != NULL;
    while (empty && fgets(buf, sizeof buf, f)) {
        const char *p = buf + strspn(buf, " \t\r\n");
        empty = !*p || *p == '#' || ((!strncmp(p, "---", 3) || !strncmp(p, "...", 3)) &&
                                     !p[3 + strspn(p + 3, " \t\r\n")]);
    }
    if (f)
        fclose(f);
    return empty;
}

int dcs_config_yaml_load(const char *path, const void *schema, void **data, char *err,
                         size_t errlen)
{
    if (yaml_empty(path)) {
        *data = NULL;
        snprintf(err, errlen, "%s: empty (no YAML content, only comments or blank lines)", path);
        return DCS_ECONFIG;
    }
    yaml_log_t lg = {0};
    cyaml_config_t ycfg = {.log_fn = yaml_log, .log_ctx = &lg, .mem_fn = cyaml_mem,
                           .log_level = CYAML_LOG_WARNING, .flags = CYAML_CFG_DEFAULT};
    *data = NULL;
    errno = 0;
    cyaml_err_t rc = cyaml_load_file(path, &ycfg, schema, (cyaml_data_t **)data, NULL);
    if (rc == CYAML_OK && !*data) {
        snprintf(err, errlen, "%s: empty (no YAML document)", path);
        return DCS_ECONFIG;
    }
    if (rc == CYAML_OK)
        return 0;
    if (rc == CYAML_ERR_FILE_OPEN) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
        return DCS_EIO;
    }
    const char *what = lg.what[0] ? lg.what : cyaml_strerror(rc);
    char detail[400];
    int line = lg.line;
    if (strncmp(what, "Unexpected key: ", 16) == 0) {
        line = dcs_config_line_of_key(path, lg.line, what + 16);
        snprintf(detail, sizeof detail, "%s%sunknown key '%s'", lg.path, lg.path[0] ? ": " : "",
                 what + 16);
    } else {
        snprintf(detail, sizeof detail, "%s%s%s", lg.path, lg.path[0] ? ": " : "", what);
    }
    if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", path, line, detail);
    else
        snprintf(err, errlen, "%s: %s", path, detail);
    dcs_text_one_line(err);
    return DCS_ECONFIG;
}

void dcs_config_yaml_free(const void *schema, void *data)
{
    cyaml_config_t ycfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
    if (data)
        cyaml_free(&ycfg, schema, data, 0);
}

int dcs_config_load(const char *path, dcs_config_t **out)
{
    dcs_config_t *cfg = NULL;
    char err[sizeof cfg->errmsg];
    int rc = dcs_config_yaml_load(path, &top_schema, (void **)&cfg, err, sizeof err);
    if (rc)
        cfg = calloc(1, sizeof *cfg);
    *out = cfg;
    if (!cfg)
        return DCS_ENOMEM;
    cfg->yaml_owned = rc == 0;
    cfg->path = strdup(path);
    if (!cfg->path)
        return DCS_ENOMEM;
    if (rc) {
        snprintf(cfg->errmsg, sizeof cfg->errmsg, "%s", err);
        return rc;
    }
    return validate(cfg);
}

const char *dcs_config_errmsg(const dcs_config_t *cfg)
{
    return cfg ? cfg->errmsg : "out of memory";
}

void dcs_config_free(dcs_config_t *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    cfg->path = NULL;
    for (unsigned i = 0; cfg->profiles && i < cfg->devices_count; i++)
        dcs_config_profile_free(cfg->profiles[i]);
    for (unsigned i = 0; cfg->inventory && i < cfg->inventory->servers_count; i++)
        dcs_config_accel_free(cfg->inventory->servers[i].accel);
    free(cfg->profiles);
    cfg->profiles = NULL;
    if (cfg->yaml_owned)
        dcs_config_yaml_free(&top_schema, cfg);
    else
        free(cfg);
}

int dcs_config_channel_find(const dcs_config_t *cfg, const char *id)
{
    for (unsigned i = 0; cfg->channels && i < cfg->channels_count; i++)
        if (strcmp(cfg->channels[i].id, id) == 0)
            return (int)i;
    return -1;
}

int dcs_config_device_find(const dcs_config_t *cfg, const char *id)
{
    for (unsigned i = 0; cfg->devices && i < cfg->devices_count; i++)
        if (strcmp(cfg->devices[i].id, id) == 0)
            return (int)i;
    return -1;
}

const char *dcs_config_role_name(dcs_config_role_t role)
{
    return (unsigned)role < N(role_names) ? role_names[role].str : "unknown";
}

const char *dcs_config_kind_name(dcs_config_kind_t kind)
{
    return (unsigned)kind < N(kind_names) ? kind_names[kind].str : "unknown";
}

const char *dcs_config_proto_name(dcs_config_proto_t proto)
{
    return (unsigned)proto < N(dcs_config_proto_names) ? dcs_config_proto_names[proto].str
                                                       : "unknown";
}

const char *dcs_config_si_unit(dcs_config_kind_t kind)
{
    return kind == DCS_CONFIG_POWER ? "W" : kind == DCS_CONFIG_ENERGY ? "Wh" : "%";
}
