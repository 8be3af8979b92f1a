/* policy.c: load engine/index/policy.yaml (grades, policy limits, FP32-equivalent
 * factors, grid CO2 factor, plausibility limits, the default index system) with
 * libcyaml. Score anchors and weights live in the index system, not here. */
#define _GNU_SOURCE
#include "dcs_index.h"
#include "../base/dcs_base.h"
#include "../config/dcs_config.h"
#include "../metric/dcs_metric.h"

#include <cyaml/cyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *source; dcs_index_grade_t *levels; unsigned levels_count; } grades_t;
typedef struct { double f[4]; } fp32eq_t;
typedef struct { double kgco2_per_kwh; char *source; } carbon_t;
typedef struct { double pue_min, pue_max, meter_class_pct, min_coverage, scale_step_max; char *source; } plaus_t;

typedef struct {
    char *formula_version;
    dcs_index_region_t *regions;
    unsigned regions_count;
    grades_t grades;
    dcs_index_rule_t *policies;
    unsigned policies_count;
    fp32eq_t fp32_equivalent;
    carbon_t carbon;
    plaus_t plausibility;
    char *index_system;  /* optional, relative to the policy file */
} doc_t;

/* The grades beyond the file's levels, as dcs_index_grade names them. */
#define GRADE_ABOVE "exceeds the GB 40879 limit value"
#define GRADE_NONE "no PUE"

struct dcs_index_policy {
    doc_t *doc;
    char *system;        /* index_system resolved, or NULL */
    char *path;
    char hash[65];       /* SHA-256 of the file, hex */
    char errmsg[512];
};

#define STR(k, st, f, fl) CYAML_FIELD_STRING_PTR(k, CYAML_FLAG_POINTER | (fl), st, f, 0, CYAML_UNLIMITED)
#define FLT(k, st, f, fl) CYAML_FIELD_FLOAT(k, fl, st, f)

static const cyaml_schema_field_t level_f[] = {
    STR("name", dcs_index_grade_t, name, 0), STR("name_zh", dcs_index_grade_t, name_zh, CYAML_FLAG_OPTIONAL),
    FLT("max_pue", dcs_index_grade_t, max_pue, 0), CYAML_FIELD_END};
static const cyaml_schema_value_t level_s = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_index_grade_t, level_f)};
static const cyaml_schema_field_t grades_f[] = {
    STR("source", grades_t, source, 0),
    CYAML_FIELD_SEQUENCE("levels", CYAML_FLAG_POINTER, grades_t, levels, &level_s, 1, 16),
    CYAML_FIELD_END};
static const cyaml_schema_field_t rule_f[] = {
    STR("id", dcs_index_rule_t, id, 0), STR("name", dcs_index_rule_t, name, 0),
    STR("source", dcs_index_rule_t, source, 0), FLT("max_pue", dcs_index_rule_t, max_pue, 0),
    FLT("min_rack_occupancy", dcs_index_rule_t, min_rack_occupancy, CYAML_FLAG_OPTIONAL),
    STR("region", dcs_index_rule_t, region, CYAML_FLAG_OPTIONAL),
    STR("name_zh", dcs_index_rule_t, name_zh, CYAML_FLAG_OPTIONAL),
    STR("source_zh", dcs_index_rule_t, source_zh, CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_BOOL("unofficial", CYAML_FLAG_OPTIONAL, dcs_index_rule_t, unofficial), CYAML_FIELD_END};
static const cyaml_schema_field_t region_f[] = {
    STR("id", dcs_index_region_t, id, 0), STR("name_en", dcs_index_region_t, name_en, 0),
    STR("name_zh", dcs_index_region_t, name_zh, 0), CYAML_FIELD_END};
static const cyaml_schema_value_t region_s = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_index_region_t, region_f)};
static const cyaml_schema_value_t rule_s = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dcs_index_rule_t, rule_f)};
static const cyaml_schema_field_t fp_f[] = {
    FLT("fp64", fp32eq_t, f[0], 0), FLT("fp32", fp32eq_t, f[1], 0),
    FLT("fp16", fp32eq_t, f[2], 0), FLT("int8", fp32eq_t, f[3], 0), CYAML_FIELD_END};
static const cyaml_schema_field_t carbon_f[] = {
    FLT("kgco2_per_kwh", carbon_t, kgco2_per_kwh, 0), STR("source", carbon_t, source, 0),
    CYAML_FIELD_END};
static const cyaml_schema_field_t plaus_f[] = {
    FLT("pue_min", plaus_t, pue_min, 0), FLT("pue_max", plaus_t, pue_max, 0),
    FLT("meter_class_pct", plaus_t, meter_class_pct, 0), FLT("min_coverage", plaus_t, min_coverage, 0),
    FLT("scale_step_max", plaus_t, scale_step_max, CYAML_FLAG_OPTIONAL),
    STR("source", plaus_t, source, CYAML_FLAG_OPTIONAL), CYAML_FIELD_END};
static const cyaml_schema_field_t doc_f[] = {
    STR("formula_version", doc_t, formula_version, 0),
    CYAML_FIELD_MAPPING("grades", 0, doc_t, grades, grades_f),
    CYAML_FIELD_SEQUENCE("policies", CYAML_FLAG_POINTER, doc_t, policies, &rule_s, 0, 64),
    CYAML_FIELD_SEQUENCE("regions", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, doc_t, regions, &region_s, 0, 256),
    CYAML_FIELD_MAPPING("fp32_equivalent", 0, doc_t, fp32_equivalent, fp_f),
    CYAML_FIELD_MAPPING("carbon", 0, doc_t, carbon, carbon_f),
    CYAML_FIELD_MAPPING("plausibility", 0, doc_t, plausibility, plaus_f),
    STR("index_system", doc_t, index_system, CYAML_FLAG_OPTIONAL), CYAML_FIELD_END};
static const cyaml_schema_value_t doc_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, doc_t, doc_f)};

int dcs_index_policy_load(const char *path, dcs_index_policy_t **out)
{
    dcs_index_policy_t *p = calloc(1, sizeof *p);
    *out = p;
    if (!p)
        return DCS_ENOMEM;
    if (!(p->path = strdup(path)))
        return DCS_ENOMEM;
    int rc = dcs_config_yaml_load(path, &doc_s, (void **)&p->doc, p->errmsg, sizeof p->errmsg);
    if (rc)
        return rc;
    if (dcs_sha256_file(path, p->hash))
        return snprintf(p->errmsg, sizeof p->errmsg, "%s: cannot be read again to hash it", path), DCS_EIO;
    for (unsigned i = 1; i < p->doc->grades.levels_count; i++)
        if (p->doc->grades.levels[i].max_pue <= p->doc->grades.levels[i - 1].max_pue) {
            snprintf(p->errmsg, sizeof p->errmsg, "%s: grades.levels must have increasing max_pue",
                     path);
            return DCS_ECONFIG;
        }
    plaus_t *pl = &p->doc->plausibility;
    if (pl->scale_step_max == 0)
        pl->scale_step_max = 100; /* not given */
    if (!(pl->pue_min >= 1.0 && pl->pue_max > pl->pue_min && pl->meter_class_pct > 0 &&
          pl->min_coverage >= 0 && pl->min_coverage <= 1 && pl->scale_step_max > 1)) {
        snprintf(p->errmsg, sizeof p->errmsg, "%s: plausibility: need 1 <= pue_min < pue_max, "
                 "meter_class_pct > 0, min_coverage in 0..1 and scale_step_max > 1", path);
        return DCS_ECONFIG;
    }
    const char *sys = p->doc->index_system, *slash = strrchr(path, '/');
    if (sys && asprintf(&p->system, "%.*s%s", sys[0] != '/' && slash ? (int)(slash - path + 1) : 0,
                        path, sys) < 0)
        return p->system = NULL, DCS_ENOMEM;
    return 0;
}

const char *dcs_index_policy_errmsg(const dcs_index_policy_t *p)
{
    return p ? p->errmsg : "out of memory";
}

void dcs_index_policy_free(dcs_index_policy_t *p)
{
    if (!p)
        return;
    dcs_config_yaml_free(&doc_s, p->doc);
    free(p->system);
    free(p->path);
    free(p);
}

const char *dcs_index_policy_version(const dcs_index_policy_t *p)
{
    return p->doc->formula_version;
}

const char *dcs_index_policy_hash(const dcs_index_policy_t *p) { return p->hash; }

const char *dcs_index_policy_region(const dcs_index_policy_t *p, const char *id, int zh)
{
    for (unsigned i = 0; p && id && i < p->doc->regions_count; i++)
        if (strcmp(p->doc->regions[i].id, id) == 0)
            return zh ? p->doc->regions[i].name_zh : p->doc->regions[i].name_en;
    return id;
}

const char *dcs_index_policy_grade_zh(const dcs_index_policy_t *p, const char *grade)
{
    if (grade && strcmp(grade, GRADE_ABOVE) == 0)
        return "超出 GB 40879 限定值";
    if (grade && strcmp(grade, GRADE_NONE) == 0)
        return "无 PUE";
    for (unsigned i = 0; p && grade && i < p->doc->grades.levels_count; i++)
        if (strcmp(p->doc->grades.levels[i].name, grade) == 0 && p->doc->grades.levels[i].name_zh)
            return p->doc->grades.levels[i].name_zh;
    return grade;
}
const char *dcs_index_policy_path(const dcs_index_policy_t *p) { return p->path; }

const char *dcs_index_policy_system(const dcs_index_policy_t *p)
{
    return p->system;
}

double dcs_index_policy_fp32eq(const dcs_index_policy_t *p, int precision)
{
    return p->doc->fp32_equivalent.f[precision];
}

double dcs_index_policy_cef(const dcs_index_policy_t *p)
{
    return p->doc->carbon.kgco2_per_kwh;
}

dcs_metric_limits_t dcs_index_policy_limits(const dcs_index_policy_t *p)
{
    const plaus_t *pl = &p->doc->plausibility;
    return (dcs_metric_limits_t){.pue_min = pl->pue_min, .pue_max = pl->pue_max,
                                 .meter_class_pct = pl->meter_class_pct,
                                 .min_coverage = pl->min_coverage,
                                 .scale_step_max = pl->scale_step_max};
}

size_t dcs_index_policy_rules(const dcs_index_policy_t *p, const dcs_index_rule_t **rules)
{
    *rules = p->doc->policies;
    return p->doc->policies_count;
}

const char *dcs_index_grade(const dcs_index_policy_t *p, double pue)
{
    if (!(pue > 0))
        return GRADE_NONE;
    for (unsigned i = 0; i < p->doc->grades.levels_count; i++)
        if (pue <= p->doc->grades.levels[i].max_pue)
            return p->doc->grades.levels[i].name;
    return GRADE_ABOVE;
}
