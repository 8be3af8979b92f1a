/* scohort.c: a cohort CSV for an index system, as spreadsheets write it: a
 * header naming the columns (UTF-8 with or without BOM, or GBK/GB18030
 * converted), one row per site or vendor, a figure per leaf. A missing figure
 * keeps the entry (listed, not ranked, with the reason); a malformed file is
 * refused with FILE:LINE. Format: docs/index-system.md. */
#define _GNU_SOURCE
#include "system_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 128
enum { C_ID = -2, C_NAME = -3, C_REGION = -4, C_COVERAGE = -5, C_CLASS = -6, C_PUE = -7, C_OCC = -8,
       C_PEAK = -9, C_CEFF = -10, C_NFIXED = 9 };
#define C_U(k) (-100 - (k)) /* u_<indicator>_pct of leaf k */

struct dcs_index_scohort {
    char *text;                 /* the file as UTF-8; fields point into it */
    const char *encoding;
    dcs_index_sentry_t *e;
    double *x, *u;              /* n x nleaves: figures and stated uncertainties */
    size_t n, nleaves;
    int cov_leaf;               /* a leaf whose indicator is coverage: the coverage column, or -1 */
    char errmsg[512];
};

/* Column name -> leaf index (>= 0) or a C_* code; -1 unknown. */
static int leaf_column(const dcs_index_system_t *s, const char *name);

static int column(const dcs_index_system_t *s, const char *name)
{
    size_t len = strlen(name);
    if (len > 6 && strncmp(name, "u_", 2) == 0 && strcmp(name + len - 4, "_pct") == 0) {
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)(len - 6), name + 2);
        int k = strcmp(id, "cue") == 0 ? leaf_column(s, "compute_eff_it")
              : strcmp(id, "eue") == 0 ? leaf_column(s, "econ_output") : leaf_column(s, id);
        return k >= 0 ? C_U(k) : -1;
    }
    return leaf_column(s, name);
}

static int leaf_column(const dcs_index_system_t *s, const char *name)
{
    static const struct { const char *name; int code; } fixed[] = {
        {"id", C_ID}, {"name", C_NAME}, {"region", C_REGION}, {"coverage", C_COVERAGE},
        {"meter_class_pct", C_CLASS}, {"peak_tflops", C_PEAK}, {"c_eff_tflops", C_CEFF}};
    static const struct { const char *alias, *id; } aliases[] = {
        {"cue_tflops_per_kw", "compute_eff_it"}, {"eue_yuan_per_kwh", "econ_output"}};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if (strcmp(name, fixed[k].name) == 0)
            return fixed[k].code;
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strcmp(name, aliases[k].alias) == 0)
            name = aliases[k].id;
    for (size_t k = 0; k < s->nleaves; k++) {
        const dcs_index_node_t *nd = &s->nodes[s->leaf_node[k]];
        if (strcmp(name, nd->indicator) == 0 || strcmp(name, nd->id) == 0)
            return (int)k;
    }
    /* not leaves: PUE for the grade, occupancy for the regional rules */
    return strcmp(name, "pue") == 0 ? C_PUE : strcmp(name, "rack_occupancy") == 0 ? C_OCC : -1;
}

static int header(dcs_index_scohort_t *c, const dcs_index_system_t *s, char *line, const char *path,
                  int *col, int *nf)
{
    char *f[MAX_COLS];
    int have[MAX_COLS] = {0}, base[C_NFIXED] = {0}, uhave[MAX_COLS] = {0};
    *nf = dcs_csv_split(line, f, MAX_COLS);
    for (int i = 0; i < *nf; i++) {
        col[i] = column(s, f[i]);
        if (col[i] == -1)
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: unknown column '%s' (not a leaf of "
                            "index system %s or its u_..._pct, nor id, name, region, coverage, "
                            "meter_class_pct, pue, rack_occupancy, peak_tflops, c_eff_tflops)",
                            path, f[i], s->id), DCS_ECONFIG;
        int *seen = col[i] >= 0 ? &have[col[i]] : col[i] <= C_U(0) ? &uhave[C_U(0) - col[i]]
                                                                  : &base[-col[i] - 2];
        if ((*seen)++)
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: column '%s' appears twice", path, f[i]),
                   DCS_ECONFIG;
    }
    for (int k = 0; k < 4; k++)
        if (!base[k])
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: missing column '%s'", path,
                            (const char *[]){"id", "name", "region", "coverage"}[k]), DCS_ECONFIG;
    c->cov_leaf = -1;
    for (size_t k = 0; k < s->nleaves; k++)
        if (strcmp(s->nodes[s->leaf_node[k]].indicator, "coverage") == 0 && !have[k])
            have[k] = 1, c->cov_leaf = (int)k; /* scored from the coverage column */
    for (size_t k = 0; k < s->nleaves; k++)
        if (!have[k])
            return snprintf(c->errmsg, sizeof c->errmsg, "%s:1: missing column for leaf '%s' "
                            "(indicator %s)", path, s->nodes[s->leaf_node[k]].id,
                            s->nodes[s->leaf_node[k]].indicator), DCS_ECONFIG;
    return 0;
}

static int number(dcs_index_scohort_t *c, const char *v, double *out, const char *path, int line,
                  const char *what)
{
    char *end;
    if (!*v)
        return *out = NAN, 0;
    *out = strtod(v, &end);
    if (end == v || *end || !isfinite(*out))
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: column '%s': '%s' is not a number",
                        path, line, what, v), DCS_ECONFIG;
    return 0;
}

static int row(dcs_index_scohort_t *c, const dcs_index_system_t *s, char *line, int lineno,
               const int *col, int nh, const char *path)
{
    char *f[MAX_COLS + 1];
    int nf = dcs_csv_split(line, f, MAX_COLS + 1);
    if (nf != nh)
        return snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: %d fields, the header has %d", path,
                        lineno, nf, nh), DCS_ECONFIG;
    dcs_index_sentry_t *e = &c->e[c->n];
    *e = (dcs_index_sentry_t){.x = c->x + c->n * c->nleaves, .u_pct = c->u + c->n * c->nleaves,
                              .meter_class_pct = 0.5, .line = lineno, .coverage = NAN, .id = "",
                              .name = "", .region = "", .peak_tflops = NAN, .c_eff_tflops = NAN,
                              .e_dc_wh = NAN, .e_it_wh = NAN, .ai_tflops = {NAN, NAN},
                              .general_tflops = {NAN, NAN}};
    dcs_index_catalogue_clear(e->cat);
    for (size_t k = 0; k < c->nleaves; k++)
        e->u_pct[k] = NAN;
    int rc = 0;
    for (int i = 0; !rc && i < nf; i++) {
        if (col[i] <= C_PUE && col[i] >= C_CEFF) {
            double *to = col[i] == C_PUE ? &e->cat[dcs_index_catalogue_index("pue")]
                       : col[i] == C_OCC ? &e->cat[dcs_index_catalogue_index("rack_occupancy")]
                       : col[i] == C_PEAK ? &e->peak_tflops : &e->c_eff_tflops;
            rc = number(c, f[i], to, path, lineno, (const char *[]){"pue", "rack_occupancy", "peak_tflops",
                                                                    "c_eff_tflops"}[C_PUE - col[i]]);
        } else if (col[i] >= 0)
            rc = number(c, f[i], &e->x[col[i]], path, lineno, s->nodes[s->leaf_node[col[i]]].indicator);
        else if (col[i] == C_COVERAGE) {
            rc = number(c, f[i], &e->coverage, path, lineno, "coverage");
            if (c->cov_leaf >= 0)
                e->x[c->cov_leaf] = e->coverage;
        }
        else if (col[i] <= C_U(0))
            rc = number(c, f[i], &e->u_pct[C_U(0) - col[i]], path, lineno, "u_pct");
        else if (col[i] == C_CLASS)
            rc = *f[i] ? number(c, f[i], &e->meter_class_pct, path, lineno, "meter_class_pct") : 0;
        else
            *(col[i] == C_ID ? &e->id : col[i] == C_NAME ? &e->name : &e->region) = f[i];
    }
    if (!rc && !*e->id)
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: empty id", path, lineno), DCS_ECONFIG);
    if (!rc && isnan(e->coverage))
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: empty coverage (a share of 0..1)", path,
                       lineno), DCS_ECONFIG);
    if (!rc && !(e->coverage >= 0 && e->coverage <= 1))
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: coverage %g is outside 0..1 (a share, "
                       "e.g. 0.95, not a percentage)", path, lineno, e->coverage), DCS_ECONFIG);
    for (size_t k = 0; k < c->nleaves; k++) { /* the leaves are catalogue values too */
        int at = dcs_index_catalogue_index(s->nodes[s->leaf_node[k]].indicator);
        if (at >= 0)
            e->cat[at] = e->x[k];
    }
    e->cat[dcs_index_catalogue_index("coverage")] = e->coverage;
    for (size_t j = 0; !rc && j < c->n; j++)
        if (strcmp(c->e[j].id, e->id) == 0)
            rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s:%d: id '%s' already on line %d", path,
                           lineno, e->id, c->e[j].line), DCS_ECONFIG);
    c->n += !rc;
    return rc;
}

int dcs_index_scohort_load(const char *path, const dcs_index_system_t *s, dcs_index_scohort_t **out)
{
    dcs_index_scohort_t *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return DCS_ENOMEM;
    size_t len, lines = 1;
    int rc = dcs_text_read(path, &c->text, &len, &c->encoding, c->errmsg, sizeof c->errmsg);
    if (rc)
        return rc == DCS_EINVAL ? DCS_ECONFIG : rc;
    for (size_t i = 0; i < len; i++)
        lines += c->text[i] == '\n';
    c->nleaves = s->nleaves;
    c->e = calloc(lines, sizeof *c->e);
    c->x = malloc(lines * (s->nleaves ? s->nleaves : 1) * sizeof *c->x);
    c->u = malloc(lines * (s->nleaves ? s->nleaves : 1) * sizeof *c->u);
    if (!c->e || !c->x || !c->u)
        return DCS_ENOMEM;
    int col[MAX_COLS], nh = 0;
    char *line = c->text;
    for (int lineno = 1; !rc && line && *line; lineno++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (lineno == 1)
            rc = header(c, s, line, path, col, &nh);
        else if (line[strspn(line, " \t\r")] != '\0')
            rc = row(c, s, line, lineno, col, nh, path);
        line = nl ? nl + 1 : NULL;
    }
    if (!rc && !nh)
        rc = (snprintf(c->errmsg, sizeof c->errmsg, "%s: empty file", path), DCS_ECONFIG);
    return rc;
}

double dcs_index_sentry_value(const dcs_index_sentry_t *e, const char *id)
{
    int at = dcs_index_catalogue_index(id);
    return at >= 0 ? e->cat[at] : NAN;
}

int dcs_index_scohort_from_entries(const dcs_index_entry_t *e, size_t n, const dcs_index_system_t *s,
                                   dcs_index_scohort_t **out)
{
    dcs_index_scohort_t *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return DCS_ENOMEM;
    c->encoding = "UTF-8";
    c->nleaves = s->nleaves;
    c->e = calloc(n ? n : 1, sizeof *c->e);
    c->x = malloc((n ? n : 1) * (s->nleaves ? s->nleaves : 1) * sizeof *c->x);
    c->u = malloc((n ? n : 1) * (s->nleaves ? s->nleaves : 1) * sizeof *c->u);
    if (!c->e || !c->x || !c->u)
        return DCS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        dcs_index_sentry_t *x = &c->e[c->n++];
        *x = (dcs_index_sentry_t){.id = e[i].id, .name = e[i].name, .region = e[i].region,
                                  .x = c->x + i * c->nleaves, .u_pct = c->u + i * c->nleaves,
                                  .coverage = e[i].coverage, .meter_class_pct = e[i].meter_class_pct,
                                  .withheld = e[i].withheld, .source = e[i].source, .line = (int)i + 1,
                                  .period = e[i].period, .e_dc_wh = e[i].e_dc_wh, .e_it_wh = e[i].e_it_wh,
                                  .ai_tflops = {e[i].ai_tflops[0], e[i].ai_tflops[1]},
                                  .general_tflops = {e[i].general_tflops[0], e[i].general_tflops[1]},
                                  .peak_tflops = e[i].peak_tflops, .c_eff_tflops = e[i].c_eff_tflops};
        memcpy(x->cat, e[i].cat, sizeof x->cat);
        for (size_t k = 0; k < s->nleaves; k++) {
            const char *ind = s->nodes[s->leaf_node[k]].indicator;
            x->x[k] = dcs_index_sentry_value(x, ind);
            x->u_pct[k] = strcmp(ind, "compute_eff_it") == 0 ? e[i].u_cue_pct
                        : strcmp(ind, "econ_output") == 0 ? e[i].u_eue_pct : NAN;
        }
    }
    return 0;
}

const char *dcs_index_scohort_errmsg(const dcs_index_scohort_t *c) { return c ? c->errmsg : "out of memory"; }
const char *dcs_index_scohort_encoding(const dcs_index_scohort_t *c) { return c->encoding; }

const dcs_index_sentry_t *dcs_index_scohort_entries(const dcs_index_scohort_t *c, size_t *n)
{
    *n = c->n;
    return c->e;
}

void dcs_index_scohort_free(dcs_index_scohort_t *c)
{
    if (!c)
        return;
    free(c->text), free(c->e), free(c->x), free(c->u), free(c);
}
