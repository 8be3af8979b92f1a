/* cohort.c: cohort files for `dcscore rank`: options and sites in YAML, plus an
 * optional CSV of indicators submitted by vendors, and sites scored from their
 * own stores. The entries carry catalogue values; the index system that ranks
 * them reads its leaves from those (scohort.c). A CSV with a missing column or a
 * bad number is rejected with file and line; nothing is half-loaded. */
#define _GNU_SOURCE
#include "dcs_index.h"
#include "../base/dcs_base.h"
#include "../config/dcs_config.h"
#include "../config/dcs_yaml.h"
#include "../metric/dcs_metric.h"
#include "../store/dcs_store.h"

#include <cyaml/cyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    char *id, *name, *region;
    char *config, *from, *to; /* score this site's own store instead of given figures */
    double pue, cue_tflops_per_kw, eue_yuan_per_kwh, coverage;
    double *yaml_x[3];        /* inline YAML: pue, cue, eue as written (NULL when absent) */
    double meter_class_pct, u_cue_pct, u_eue_pct;
    double rack_occupancy, peak_tflops, c_eff_tflops; /* optional: 0 = unknown */
    int has_cat;              /* scored from its store: every catalogue value, */
    double cat[DCS_INDEX_CAT_MAX];
    double e_dc_wh, e_it_wh;  /* its energies */
    double ai[2], general[2]; /* FP16 and FP32 compute: rated, effective */
    char period[48];          /* and the window, as dates */
} site_t;

typedef struct {
    char *name, *method, *csv, *system;
    double *min_coverage, *weight_sd;
    int *draws;
    long *seed;
    void *weights;            /* retired keys, refused with a pointer to the index system */
    double *ahp;
    unsigned ahp_count;
} opts_t;

typedef struct {
    opts_t *cohort;
    site_t *sites;
    unsigned sites_count;
} doc_t;

struct dcs_index_cohort {
    doc_t *doc;
    dcs_config_t **configs; /* site configs scored for `config:` entries */
    size_t nconfigs;
    dcs_index_entry_t *e;
    size_t n;
    char **strings;  /* CSV-owned strings */
    size_t nstrings;
    const char *encoding;       /* of the CSV: "UTF-8" or "GB18030" (converted) */
    char *system;               /* cohort.system resolved, or NULL */
    char errmsg[600];
};

#define OPT CYAML_FLAG_OPTIONAL
#define STR(k, st, f, fl) CYAML_FIELD_STRING_PTR(k, CYAML_FLAG_POINTER | (fl), st, f, 0, CYAML_UNLIMITED)
#define OPT_FLOAT DCS_YAML_OPT_FLOAT
static const cyaml_schema_field_t site_f[] = {
    STR("id", site_t, id, 0), STR("name", site_t, name, OPT), STR("region", site_t, region, OPT),
    STR("config", site_t, config, OPT), STR("from", site_t, from, OPT), STR("to", site_t, to, OPT),
    OPT_FLOAT("pue", site_t, yaml_x[0]), OPT_FLOAT("cue_tflops_per_kw", site_t, yaml_x[1]),
    OPT_FLOAT("eue_yuan_per_kwh", site_t, yaml_x[2]),
    CYAML_FIELD_FLOAT("coverage", OPT, site_t, coverage),
    CYAML_FIELD_FLOAT("meter_class_pct", OPT, site_t, meter_class_pct),
    CYAML_FIELD_FLOAT("u_cue_pct", OPT, site_t, u_cue_pct),
    CYAML_FIELD_FLOAT("u_eue_pct", OPT, site_t, u_eue_pct),
    CYAML_FIELD_FLOAT("rack_occupancy", OPT, site_t, rack_occupancy),
    CYAML_FIELD_FLOAT("peak_tflops", OPT, site_t, peak_tflops),
    CYAML_FIELD_FLOAT("c_eff_tflops", OPT, site_t, c_eff_tflops), CYAML_FIELD_END};
static const cyaml_schema_value_t site_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, site_t, site_f)};
static const cyaml_schema_field_t any_f[] = {CYAML_FIELD_IGNORE("pue", OPT), CYAML_FIELD_IGNORE("cue", OPT),
                                             CYAML_FIELD_IGNORE("eue", OPT), CYAML_FIELD_END};
static const cyaml_schema_value_t float_s = {CYAML_VALUE_FLOAT(CYAML_FLAG_DEFAULT, double)};
static const cyaml_schema_field_t opts_f[] = {
    STR("name", opts_t, name, 0), STR("method", opts_t, method, OPT), STR("csv", opts_t, csv, OPT),
    STR("system", opts_t, system, OPT), OPT_FLOAT("min_coverage", opts_t, min_coverage),
    OPT_FLOAT("weight_sd", opts_t, weight_sd), DCS_YAML_OPT_INT("draws", opts_t, draws),
    CYAML_FIELD_INT_PTR("seed", CYAML_FLAG_POINTER | OPT, opts_t, seed),
    CYAML_FIELD_MAPPING_PTR("weights", CYAML_FLAG_POINTER | OPT, opts_t, weights, any_f),
    CYAML_FIELD_SEQUENCE("ahp", CYAML_FLAG_POINTER | OPT, opts_t, ahp, &float_s, 0, 225),
    CYAML_FIELD_END};
static const cyaml_schema_field_t doc_f[] = {
    CYAML_FIELD_MAPPING_PTR("cohort", CYAML_FLAG_POINTER, doc_t, cohort, opts_f),
    CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER | OPT, doc_t, sites, &site_s, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t doc_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, doc_t, doc_f)};

/* The cohort entry of s: its catalogue values, or PUE, CUE, EUE, coverage and
 * occupancy as given (NaN when not given: listed, not ranked). */
static void fill_entry(dcs_index_entry_t *e, const site_t *s)
{
    *e = (dcs_index_entry_t){.id = s->id, .name = s->name, .region = s->region, .coverage = s->coverage,
                             .meter_class_pct = s->meter_class_pct > 0 ? s->meter_class_pct : 0.5,
                             .u_cue_pct = s->u_cue_pct > 0 ? s->u_cue_pct : 5.0,
                             .u_eue_pct = s->u_eue_pct > 0 ? s->u_eue_pct : 2.0,
                             .peak_tflops = s->peak_tflops > 0 ? s->peak_tflops : NAN,
                             .c_eff_tflops = s->c_eff_tflops > 0 ? s->c_eff_tflops : NAN,
                             .e_dc_wh = s->has_cat ? s->e_dc_wh : NAN, .e_it_wh = s->has_cat ? s->e_it_wh : NAN,
                             .period = s->has_cat ? s->period : NULL,
                             .ai_tflops = {s->has_cat ? s->ai[0] : NAN, s->has_cat ? s->ai[1] : NAN},
                             .general_tflops = {s->has_cat ? s->general[0] : NAN, s->has_cat ? s->general[1] : NAN}};
    if (s->has_cat)
        memcpy(e->cat, s->cat, sizeof e->cat);
    else
        dcs_index_catalogue_clear(e->cat);
    const struct { const char *id; double v; } given[] = {
        {"pue", s->pue}, {"compute_eff_it", s->cue_tflops_per_kw}, {"econ_output", s->eue_yuan_per_kwh},
        {"coverage", s->coverage}, {"rack_occupancy", s->rack_occupancy > 0 ? s->rack_occupancy : NAN}};
    for (size_t k = 0; k < sizeof given / sizeof given[0]; k++)
        if (!s->has_cat || (k == 4 && isfinite(given[k].v)))
            e->cat[dcs_index_catalogue_index(given[k].id)] = given[k].v;
}

/* ---- CSV: header row names the columns; fields may be "quoted" ---- */

enum { COL_ID, COL_NAME, COL_REGION, COL_PUE, COL_CUE, COL_EUE, COL_COVERAGE, COL_CLASS,
       COL_UCUE, COL_UEUE, COL_OCC, COL_PEAK, COL_CEFF, NCOLS, NREQUIRED = COL_CLASS };
static const char *col_names[NCOLS] = {"id", "name", "region", "pue", "cue_tflops_per_kw",
                                       "eue_yuan_per_kwh", "coverage", "meter_class_pct",
                                       "u_cue_pct", "u_eue_pct", "rack_occupancy", "peak_tflops",
                                       "c_eff_tflops"};


static char *keep(dcs_index_cohort_t *c, const char *s)
{
    char **grown = realloc(c->strings, (c->nstrings + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->strings = grown;
    return c->strings[c->nstrings++] = strdup(s);
}

/* An entry's id must be new and its coverage a share (0..1). */
static int check_entry(dcs_index_cohort_t *c, const site_t *s, const char *file, int line)
{
    for (size_t j = 0; j < c->n; j++)
        if (strcmp(c->e[j].id, s->id) == 0)
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: id '%s' appears twice in the cohort",
                            file, line, s->id), DCS_ECONFIG;
    if (!(s->coverage >= 0 && s->coverage <= 1))
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: site '%s': coverage %g is outside 0..1 "
                        "(a share, e.g. 0.95, not a percentage)", file, line, s->id, s->coverage),
               DCS_ECONFIG;
    return 0;
}

static int csv_row(dcs_index_cohort_t *c, char **f, int nf, int nh, const int *col, const char *file,
                   int line)
{
    site_t s = {0};
    double *num[NCOLS] = {[COL_PUE] = &s.pue, [COL_CUE] = &s.cue_tflops_per_kw,
                          [COL_EUE] = &s.eue_yuan_per_kwh, [COL_COVERAGE] = &s.coverage,
                          [COL_CLASS] = &s.meter_class_pct, [COL_UCUE] = &s.u_cue_pct,
                          [COL_UEUE] = &s.u_eue_pct, [COL_OCC] = &s.rack_occupancy,
                          [COL_PEAK] = &s.peak_tflops, [COL_CEFF] = &s.c_eff_tflops};
    if (nf != nh)
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: %d fields, the header has %d", file, line,
                        nf, nh), DCS_ECONFIG;
    for (int k = COL_PUE; k < NCOLS; k++) {
        if (col[k] < 0)
            continue;
        const char *v = f[col[k]];
        char *end;
        *num[k] = k <= COL_EUE && !*v ? NAN : strtod(v, &end); /* an empty figure: not ranked */
        if (!(k <= COL_EUE && !*v) && (end == v || *end))
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: column '%s': '%s' is not a "
                            "number", file, line, col_names[k], v), DCS_ECONFIG;
    }
    if (!f[col[COL_ID]][0])
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: empty id", file, line), DCS_ECONFIG;
    s.id = f[col[COL_ID]];
    int rc = check_entry(c, &s, file, line);
    if (rc)
        return rc;
    s.id = keep(c, f[col[COL_ID]]);
    s.name = keep(c, col[COL_NAME] < nf ? f[col[COL_NAME]] : "");
    s.region = keep(c, col[COL_REGION] < nf ? f[col[COL_REGION]] : "");
    if (!s.id || !s.name || !s.region)
        return DCS_ENOMEM;
    dcs_index_entry_t *grown = realloc(c->e, (c->n + 1) * sizeof *grown);
    if (!grown)
        return DCS_ENOMEM;
    c->e = grown;
    fill_entry(&c->e[c->n++], &s);
    return 0;
}

static int csv_header(dcs_index_cohort_t *c, char *line, int *col, int *nh, const char *file)
{
    char *f[64];
    int nf = *nh = dcs_csv_split(line, f, 64);
    for (int i = 0; i < nf; i++) {
        int known = 0;
        for (int k = 0; k < NCOLS; k++)
            known |= strcmp(f[i], col_names[k]) == 0;
        if (!known)
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: unknown column '%s' (docs/rank.md "
                            "lists the columns)", file, f[i]), DCS_ECONFIG;
    }
    for (int k = 0; k < NCOLS; k++) {
        col[k] = -1;
        for (int i = 0; i < nf; i++)
            if (strcmp(f[i], col_names[k]) == 0)
                col[k] = i;
        if (k < NREQUIRED && col[k] < 0)
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: missing column '%s'", file,
                            col_names[k]), DCS_ECONFIG;
    }
    return 0;
}

/* Load the CSV named by the cohort (relative to the cohort file's folder), as
 * UTF-8 or GBK/GB18030 (converted). */
static int load_csv(dcs_index_cohort_t *c, const char *cohort_path, const char *csv)
{
    char path[4096];
    const char *slash = strrchr(cohort_path, '/'), *enc;
    if (csv[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - cohort_path), cohort_path, csv);
    else
        snprintf(path, sizeof path, "%s", csv);
    char *text;
    size_t len;
    int rc = dcs_text_read(path, &text, &len, &enc, c->errmsg, sizeof c->errmsg), col[NCOLS], nh = 0;
    if (rc)
        return rc == DCS_EINVAL ? DCS_ECONFIG : rc;
    c->encoding = enc;
    char *line = text;
    for (int lineno = 1; !rc && line && *line; lineno++) {
        char *nl = strchr(line, '\n'), *f[64];
        if (nl)
            *nl = '\0';
        if (lineno == 1)
            rc = csv_header(c, line, col, &nh, path);
        else if (line[strspn(line, " \t\r")] != '\0')
            rc = csv_row(c, f, dcs_csv_split(line, f, 64), nh, col, path, lineno);
        line = nl ? nl + 1 : NULL;
    }
    if (!rc && !nh)
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s: empty file", path), DCS_ECONFIG);
    free(text);
    return rc;
}

/* Score a `config:` entry from its own store over [from, to] (default: all data)
 * and fill s's figures; *scored is the site's config. Returns 0 or an error with
 * errmsg set. */
static int score_site(dcs_index_cohort_t *c, const dcs_index_policy_t *pol, site_t *s,
                      const char *cohort_path, dcs_config_t **scored, const char **withheld)
{
    char path[4096], err[512];
    const char *slash = strrchr(cohort_path, '/');
    if (s->config[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - cohort_path), cohort_path, s->config);
    else
        snprintf(path, sizeof path, "%s", s->config);
    dcs_config_t *cfg = NULL;
    dcs_store_t *st = NULL;
    dcs_metric_score_t *sc = NULL;
    int64_t from = 0, to = 0;
    dcs_config_t **grown = realloc(c->configs, (c->nconfigs + 1) * sizeof *grown);
    if (!grown)
        return DCS_ENOMEM;
    c->configs = grown;
    int rc = dcs_config_load(path, &cfg);
    c->configs[c->nconfigs++] = cfg; /* kept: entries point at its strings */
    if (rc)
        return snprintf(c->errmsg, sizeof c->errmsg, "site '%s': %s", s->id, dcs_config_errmsg(cfg)), rc;
    const char *tz = cfg->site->timezone;
    if ((s->from && dcs_time_parse(s->from, tz, &from)) || (s->to && dcs_time_parse(s->to, tz, &to)))
        return snprintf(c->errmsg, sizeof c->errmsg, "site '%s': bad from/to time", s->id), DCS_ECONFIG;
    rc = dcs_store_open(cfg, 'r', &st);
    if (!rc && (!s->from || !s->to)) {
        int64_t first, last;
        rc = dcs_store_range(st, &first, &last);
        from = s->from ? from : first;
        to = s->to ? to : last + 1;
    }
    if (!rc)
        rc = dcs_metric_score(cfg, st, from, to, 3600 * DCS_NS_PER_S, &sc, err, sizeof err);
    else
        snprintf(err, sizeof err, "%s", dcs_store_errmsg(st));
    if (!rc) {
        double f[DCS_METRIC_NPREC];
        dcs_metric_indicators_t ind;
        for (int p = 0; p < DCS_METRIC_NPREC; p++)
            f[p] = dcs_index_policy_fp32eq(pol, p);
        dcs_metric_indicators(cfg, sc, f, dcs_index_policy_cef(pol), &ind);
        s->pue = sc->pue;
        s->cue_tflops_per_kw = ind.cue_it_tflops_per_kw;
        s->eue_yuan_per_kwh = ind.eue_yuan_per_kwh;
        s->coverage = sc->coverage;
        dcs_metric_limits_t lim = dcs_index_policy_limits(pol);
        dcs_metric_check(cfg, sc, &lim);
        const char *why = dcs_metric_withheld(sc);
        char line[400];
        snprintf(line, sizeof line, "not publishable: %s", why ? why : "");
        if (why && !(*withheld = keep(c, line)))
            rc = DCS_ENOMEM;
        s->peak_tflops = ind.peak_fp32eq_tflops;
        s->c_eff_tflops = ind.c_eff_fp32eq_tflops;
        size_t nc;
        const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
        double occ = cfg->inventory && cfg->inventory->rack_occupancy > 0 ? cfg->inventory->rack_occupancy : -1;
        for (size_t k = 0; k < nc; k++)
            s->cat[k] = dcs_index_indicator_value(cat[k].id, sc, &ind, occ);
        s->has_cat = 1;
        s->e_dc_wh = sc->e_dc_wh, s->e_it_wh = sc->e_it_wh;
        int inv = cfg->inventory && ind.peak_fp32eq_tflops > 0;
        s->ai[0] = inv ? ind.peak_tflops[DCS_METRIC_FP16] : NAN, s->ai[1] = inv ? ind.c_eff_tflops[DCS_METRIC_FP16] : NAN;
        s->general[0] = inv ? ind.peak_tflops[DCS_METRIC_FP32] : NAN;
        s->general[1] = inv ? ind.c_eff_tflops[DCS_METRIC_FP32] : NAN;
        char a[48], b[48];
        dcs_time_format(from, tz, a, sizeof a), dcs_time_format(to, tz, b, sizeof b);
        snprintf(s->period, sizeof s->period, "%.10s..%.10s", a, b);
        if (cfg->inventory && cfg->inventory->rack_occupancy > 0 && !(s->rack_occupancy > 0))
            s->rack_occupancy = cfg->inventory->rack_occupancy;
        *scored = cfg; /* name and region come from it (never stored in s: libcyaml owns s) */
    } else {
        snprintf(c->errmsg, sizeof c->errmsg, "site '%s': %s", s->id, err);
    }
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    return rc;
}

static int options(dcs_index_cohort_t *c, const char *path)
{
    const opts_t *o = c->doc->cohort;
    if (o->method || o->weights || o->ahp)
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: cohort.%s: the weights and the method "
                        "are the index system's now: name one with cohort.system: FILE (default: "
                        "the shipped default system; docs/index-system.md)", path,
                        dcs_config_line_of_key(path, 1, o->method ? "method" : o->weights ? "weights" : "ahp"),
                        o->method ? "method" : o->weights ? "weights" : "ahp"), DCS_ECONFIG;
    if ((o->draws && (*o->draws < 0 || *o->draws > 100000)) ||
        (o->min_coverage && !(*o->min_coverage >= 0 && *o->min_coverage <= 1)) ||
        (o->weight_sd && !(*o->weight_sd >= 0)))
        return snprintf(c->errmsg, sizeof c->errmsg, "%s: cohort: draws must be 0..100000, "
                        "min_coverage 0..1, weight_sd >= 0", path), DCS_ECONFIG;
    const char *slash = strrchr(path, '/');
    if (o->system && asprintf(&c->system, "%.*s%s", o->system[0] != '/' && slash ? (int)(slash - path + 1) : 0,
                              path, o->system) < 0)
        return c->system = NULL, DCS_ENOMEM;
    return 0;
}

int dcs_index_cohort_load(const char *path, const dcs_index_policy_t *pol,
                          dcs_index_cohort_t **out)
{
    dcs_index_cohort_t *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return DCS_ENOMEM;
    int rc = dcs_config_yaml_load(path, &doc_s, (void **)&c->doc, c->errmsg, sizeof c->errmsg);
    if (!rc)
        rc = options(c, path);
    if (rc)
        return rc;
    c->e = calloc(c->doc->sites_count + 1, sizeof *c->e);
    if (!c->e)
        return DCS_ENOMEM;
    for (unsigned i = 0; !rc && i < c->doc->sites_count; i++) {
        site_t *st = &c->doc->sites[i];
        dcs_config_t *scored = NULL;
        const char *withheld = NULL;
        double *given[3] = {&st->pue, &st->cue_tflops_per_kw, &st->eue_yuan_per_kwh};
        for (int j = 0; !st->config && j < 3; j++) /* a figure not given: listed, not ranked */
            *given[j] = st->yaml_x[j] ? *st->yaml_x[j] : NAN;
        if (st->config)
            rc = score_site(c, pol, st, path, &scored, &withheld);
        else if (!st->name || !st->region || !(st->coverage > 0))
            rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s: site '%s': give config, or name, "
                           "region, pue, cue_tflops_per_kw, eue_yuan_per_kwh and coverage",
                           path, st->id), DCS_ECONFIG);
        if (!rc)
            rc = check_entry(c, st, path, dcs_config_line_of_id(path, st->id));
        if (rc)
            break;
        fill_entry(&c->e[c->n], st);
        c->e[c->n].withheld = withheld;
        if (scored && !st->name)
            c->e[c->n].name = scored->site->name;
        if (scored && !st->region)
            c->e[c->n].region = scored->site->region;
        c->n++;
    }
    if (!rc && c->doc->cohort->csv) /* an error above stands: the CSV must not overwrite it */
        rc = load_csv(c, path, c->doc->cohort->csv);
    if (!rc && c->n == 0)
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s: no sites (give sites: or cohort.csv)", path),
              DCS_ECONFIG);
    return rc;
}

const char *dcs_index_cohort_errmsg(const dcs_index_cohort_t *c) { return c ? c->errmsg : "out of memory"; }
const char *dcs_index_cohort_name(const dcs_index_cohort_t *c) { return c->doc->cohort->name; }
const char *dcs_index_cohort_system(const dcs_index_cohort_t *c) { return c->system; }

void dcs_index_cohort_sopts(const dcs_index_cohort_t *c, dcs_index_sopts_t *o)
{
    const opts_t *x = c->doc->cohort;
    if (x->min_coverage)
        o->min_coverage = *x->min_coverage;
    if (x->draws)
        o->draws = (unsigned)*x->draws;
    if (x->seed)
        o->seed = (unsigned long)*x->seed;
    if (x->weight_sd)
        o->weight_sd = *x->weight_sd;
}

const dcs_index_entry_t *dcs_index_cohort_entries(const dcs_index_cohort_t *c, size_t *n)
{
    *n = c->n;
    return c->e;
}

void dcs_index_cohort_free(dcs_index_cohort_t *c)
{
    if (!c)
        return;
    dcs_config_yaml_free(&doc_s, c->doc);
    for (size_t i = 0; i < c->nconfigs; i++)
        dcs_config_free(c->configs[i]);
    free(c->configs);
    for (size_t i = 0; i < c->nstrings; i++)
        free(c->strings[i]);
    free(c->strings);
    free(c->e);
    free(c->system);
    free(c);
}
