/* system_load.c: read an index-system file (docs/index-system.md): the system's
 * identity, its aggregation, and a flat list of nodes, each a group (with a
 * weighting of its children) or an indicator leaf (with a normalisation), tied
 * into a tree by `parent`. Every semantic error names FILE:LINE and the node.
 * AHP weights are computed here (the matrices are data); objective weights
 * when a cohort is evaluated (system.c). */
#define _GNU_SOURCE
#include "system_int.h"
#include "../base/dcs_base.h"
#include "../config/dcs_config.h"
#include "../config/dcs_yaml.h"

#include <cyaml/cyaml.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *name; double *upper, *matrix; unsigned upper_count, matrix_count; } expert_t;
typedef struct {
    char *method, *ahp_method, *ri, *objective, *subjective;
    double *matrix, *upper;
    unsigned matrix_count, upper_count;
    expert_t *experts;
    unsigned experts_count;
    double cr_max, alpha;
    int decimals;
} wspec_t;
typedef struct { char *method; double *best, *worst, *target, *tolerance; } norm_t;
typedef struct {
    char *id, *name_en, *name_zh, *parent, *indicator, *unit, *direction;
    double *weight;
    wspec_t *weights;
    norm_t *normalise;
} node_t;
typedef struct {
    char *id, *version, *name_en, *name_zh, *source, *aggregation, *topsis_normalisation;
    int verify;
    wspec_t *weights;
} head_t;
typedef struct { head_t *index_system; node_t *nodes; unsigned nodes_count; } doc_t;

#define OPT CYAML_FLAG_OPTIONAL
#define STR(k, st, f, fl) CYAML_FIELD_STRING_PTR(k, CYAML_FLAG_POINTER | (fl), st, f, 1, CYAML_UNLIMITED)
#define FLTP DCS_YAML_OPT_FLOAT
#define FLTS(k, st, f) CYAML_FIELD_SEQUENCE(k, CYAML_FLAG_POINTER | OPT, st, f, &float_s, 1, 225)

static const cyaml_schema_value_t float_s = {CYAML_VALUE_FLOAT(CYAML_FLAG_DEFAULT, double)};
static const cyaml_schema_field_t expert_f[] = {
    STR("name", expert_t, name, OPT), FLTS("upper", expert_t, upper), FLTS("matrix", expert_t, matrix),
    CYAML_FIELD_END};
static const cyaml_schema_value_t expert_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, expert_t, expert_f)};
static const cyaml_schema_field_t wspec_f[] = {
    STR("method", wspec_t, method, 0), FLTS("matrix", wspec_t, matrix), FLTS("upper", wspec_t, upper),
    CYAML_FIELD_SEQUENCE("experts", CYAML_FLAG_POINTER | OPT, wspec_t, experts, &expert_s, 1,
                         DCS_INDEX_MAX_EXPERTS),
    STR("ahp_method", wspec_t, ahp_method, OPT), STR("ri", wspec_t, ri, OPT),
    CYAML_FIELD_FLOAT("cr_max", OPT, wspec_t, cr_max), CYAML_FIELD_INT("decimals", OPT, wspec_t, decimals),
    CYAML_FIELD_FLOAT("alpha", OPT, wspec_t, alpha), STR("objective", wspec_t, objective, OPT),
    STR("subjective", wspec_t, subjective, OPT), CYAML_FIELD_END};
static const cyaml_schema_field_t norm_f[] = {
    STR("method", norm_t, method, 0), FLTP("best", norm_t, best), FLTP("worst", norm_t, worst),
    FLTP("target", norm_t, target), FLTP("tolerance", norm_t, tolerance), CYAML_FIELD_END};
static const cyaml_schema_field_t node_f[] = {
    STR("id", node_t, id, 0), STR("name_en", node_t, name_en, OPT), STR("name_zh", node_t, name_zh, OPT),
    STR("parent", node_t, parent, OPT), STR("indicator", node_t, indicator, OPT),
    STR("unit", node_t, unit, OPT), STR("direction", node_t, direction, OPT),
    FLTP("weight", node_t, weight),
    CYAML_FIELD_MAPPING_PTR("weights", CYAML_FLAG_POINTER | OPT, node_t, weights, wspec_f),
    CYAML_FIELD_MAPPING_PTR("normalise", CYAML_FLAG_POINTER | OPT, node_t, normalise, norm_f),
    CYAML_FIELD_END};
static const cyaml_schema_value_t node_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, node_t, node_f)};
static const cyaml_schema_field_t head_f[] = {
    STR("id", head_t, id, 0), STR("version", head_t, version, 0), STR("name_en", head_t, name_en, OPT),
    STR("name_zh", head_t, name_zh, OPT), STR("source", head_t, source, 0),
    CYAML_FIELD_BOOL("verify", OPT, head_t, verify), STR("aggregation", head_t, aggregation, OPT),
    STR("topsis_normalisation", head_t, topsis_normalisation, OPT),
    CYAML_FIELD_MAPPING_PTR("weights", CYAML_FLAG_POINTER, head_t, weights, wspec_f), CYAML_FIELD_END};
static const cyaml_schema_field_t doc_f[] = {
    CYAML_FIELD_MAPPING_PTR("index_system", CYAML_FLAG_POINTER, doc_t, index_system, head_f),
    CYAML_FIELD_SEQUENCE("nodes", CYAML_FLAG_POINTER, doc_t, nodes, &node_s, 1, DCS_INDEX_MAX_NODES),
    CYAML_FIELD_END};
static const cyaml_schema_value_t doc_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, doc_t, doc_f)};

/* "FILE:LINE: node 'ID': what" (no line when the id is not found). */
static int fail(dcs_index_system_t *s, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(dcs_index_system_t *s, const char *id, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int line = id ? dcs_config_line_of_id(s->path, id) : 0;
    if (line > 0)
        snprintf(s->errmsg, sizeof s->errmsg, "%s:%d: %s", s->path, line, what);
    else
        snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", s->path, what);
    return DCS_ECONFIG;
}

static int pick(const char *v, const char *const *names, int n, int dflt)
{
    if (!v)
        return dflt;
    for (int k = 0; k < n; k++)
        if (strcmp(v, names[k]) == 0)
            return k;
    return -1;
}

static const char *const wnames[] = {"fixed", "ahp", "entropy", "critic", "blend"};

/* One expert's (or the group's) matrix for n children, full or upper triangle. */
static int matrix_of(dcs_index_system_t *s, const char *id, const double *full, unsigned nfull,
                     const double *upper, unsigned nupper, size_t n, double *out)
{
    if (full && nfull == n * n)
        return memcpy(out, full, n * n * sizeof *out), 0;
    if (upper && nupper == n * (n - 1) / 2 && !dcs_index_ahp_upper(upper, n, out))
        return 0;
    return fail(s, id, "%s: AHP needs a %zu x %zu matrix (%zu entries) or its upper triangle "
                "(%zu entries) for its %zu children", id ? id : "index_system.weights", n, n, n * n,
                n * (n - 1) / 2, n);
}

/* The AHP matrices of node nd (nchild children): one, or k experts by AIJ;
 * each expert's CR and the aggregate's are kept. */
static int load_ahp(dcs_index_system_t *s, const char *id, const wspec_t *w, dcs_index_node_t *nd,
                    size_t n)
{
    const char *label = id ? id : "index_system.weights";
    int rc = w->ri && dcs_index_ri_parse(w->ri, &nd->ahp_opts.ri) ? fail(s, id, "%s: ri '%s' is not "
             "saaty1980 or alonso-lamata2006", label, w->ri) : 0;
    if (!rc && w->ahp_method && dcs_index_ahp_method_parse(w->ahp_method, &nd->ahp_opts.method))
        rc = fail(s, id, "%s: ahp_method '%s' is not eigenvector, approximate or geometric", label,
                  w->ahp_method);
    nd->ahp_opts.cr_max = w->cr_max;
    nd->ahp_opts.decimals = w->decimals;
    nd->nexperts = w->experts_count ? w->experts_count : 1;
    if (!rc && !(nd->ahp = malloc(nd->nexperts * n * n * sizeof *nd->ahp)))
        return DCS_ENOMEM;
    for (size_t e = 0; !rc && e < nd->nexperts; e++) {
        const expert_t *x = w->experts_count ? &w->experts[e] : NULL;
        rc = x ? matrix_of(s, id, x->matrix, x->matrix_count, x->upper, x->upper_count, n, nd->ahp + e * n * n)
               : matrix_of(s, id, w->matrix, w->matrix_count, w->upper, w->upper_count, n, nd->ahp);
    }
    char why[256];
    for (size_t e = 0; !rc && w->experts_count && e < nd->nexperts; e++)
        if (dcs_index_ahp_solve(nd->ahp + e * n * n, n, &nd->ahp_opts, &nd->expert_result[e], why, sizeof why))
            rc = fail(s, id, "%s: expert %zu (%s): %s", label, e + 1,
                      w->experts[e].name ? w->experts[e].name : "unnamed", why);
    double agg[DCS_INDEX_AHP_MAX * DCS_INDEX_AHP_MAX];
    if (!rc && dcs_index_ahp_aij(nd->ahp, nd->nexperts, n, agg))
        rc = fail(s, id, "%s: AHP entries must be positive", label);
    if (!rc && dcs_index_ahp_solve(agg, n, &nd->ahp_opts, &nd->ahp_result, why, sizeof why))
        rc = fail(s, id, "%s: %s%s", label, nd->nexperts > 1 ? "the experts' aggregate: " : "", why);
    return rc;
}

/* The weighting of node nd's n children from spec w. */
static int load_weights(dcs_index_system_t *s, const char *id, const wspec_t *w, dcs_index_node_t *nd,
                        size_t n)
{
    const char *label = id ? id : "index_system.weights";
    int m = pick(w->method, wnames, 5, 0);
    if (m < 0)
        return fail(s, id, "%s: weights.method '%s' is not fixed, ahp, entropy, critic or blend",
                    label, w->method);
    nd->wmethod = (dcs_index_wmethod_t)m;
    if (n > DCS_INDEX_AHP_MAX && (m == DCS_W_AHP || (m == DCS_W_BLEND && w->subjective &&
                                                   strcmp(w->subjective, "ahp") == 0)))
        return fail(s, id, "%s: AHP over %zu children (at most %d)", label, n, DCS_INDEX_AHP_MAX);
    if (m == DCS_W_BLEND) {
        int obj = pick(w->objective, wnames, 5, -1), subj = pick(w->subjective, wnames, 2, -1);
        if ((obj != DCS_W_ENTROPY && obj != DCS_W_CRITIC) || subj < 0 || !(w->alpha >= 0 && w->alpha <= 1))
            return fail(s, id, "%s: blend needs objective: entropy|critic, subjective: ahp|fixed "
                        "and alpha in 0..1", label);
        nd->blend_objective = (dcs_index_wmethod_t)obj;
        nd->blend_alpha = w->alpha;
        nd->subjective_ahp = subj == DCS_W_AHP;
    }
    if (m == DCS_W_AHP || (m == DCS_W_BLEND && nd->subjective_ahp))
        return n < 1 ? fail(s, id, "%s: no children to weigh", label) : load_ahp(s, id, w, nd, n);
    return 0;
}

/* Leaf k: its indicator from the catalogue (or stated by the operator) and
 * its normalisation. */
static int load_leaf(dcs_index_system_t *s, const node_t *x, dcs_index_node_t *nd)
{
    static const char *const norms[] = {"linear", "minmax", "vector", "target"};
    const dcs_index_indicator_t *ind = dcs_index_indicator_find(x->indicator);
    int dir = pick(x->direction, (const char *const[]){"cost", "benefit"}, 2, ind ? ind->benefit : -1);
    if (x->direction && dir < 0)
        return fail(s, x->id, "%s: direction '%s' is not cost or benefit", x->id, x->direction);
    if (dir < 0)
        return fail(s, x->id, "%s: indicator '%s' is not in the catalogue: give its unit and "
                    "direction (cost or benefit)", x->id, x->indicator);
    if (ind && dir != ind->benefit)
        return fail(s, x->id, "%s: %s is a %s in the catalogue; direction %s would score it upside "
                    "down", x->id, x->indicator, ind->benefit ? "benefit" : "cost", x->direction);
    if (!ind && !x->unit)
        return fail(s, x->id, "%s: operator-supplied indicator '%s' needs a unit", x->id, x->indicator);
    nd->leaf = 1;
    nd->indicator = x->indicator;
    if (ind && !x->name_en)
        nd->name_en = ind->name_en;
    if (ind && !x->name_zh)
        nd->name_zh = ind->name_zh;
    nd->unit = x->unit ? x->unit : ind->unit;
    nd->benefit = dir;
    const norm_t *z = x->normalise;
    int k = z ? pick(z->method, norms, 4, -1) : -1;
    if (k < 0)
        return fail(s, x->id, "%s: normalise.method must be linear, minmax, vector or target", x->id);
    nd->norm = (dcs_index_norm_t)k;
    if (k == DCS_NORM_LINEAR && !(z->best && z->worst && *z->best != *z->worst))
        return fail(s, x->id, "%s: linear normalisation needs best and worst (different)", x->id);
    if (k == DCS_NORM_TARGET && !(z->target && z->tolerance && *z->tolerance > 0))
        return fail(s, x->id, "%s: target normalisation needs target and tolerance > 0", x->id);
    if (k == DCS_NORM_VECTOR && s->agg != DCS_AGG_TOPSIS)
        return fail(s, x->id, "%s: vector normalisation is for TOPSIS (aggregation: topsis)", x->id);
    nd->best = z->best ? *z->best : NAN;
    nd->worst = z->worst ? *z->worst : NAN;
    nd->target = z->target ? *z->target : NAN;
    nd->tolerance = z->tolerance ? *z->tolerance : NAN;
    return 0;
}

/* Nodes: ids unique, parents known and listed before their children, leaves
 * childless, groups with children. */
static int load_nodes(dcs_index_system_t *s, doc_t *d)
{
    s->nnodes = d->nodes_count;
    for (size_t i = 0; i < s->nnodes; i++) {
        const node_t *x = &d->nodes[i];
        dcs_index_node_t *nd = &s->nodes[i];
        nd->id = x->id, nd->name_en = x->name_en ? x->name_en : x->id;
        nd->name_zh = x->name_zh ? x->name_zh : nd->name_en;
        nd->parent = -1;
        nd->weight = x->weight ? *x->weight : NAN;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->nodes[j].id, x->id) == 0)
                return fail(s, x->id, "node id '%s' appears twice", x->id);
        for (size_t j = 0; x->parent && j < i; j++)
            if (strcmp(s->nodes[j].id, x->parent) == 0)
                nd->parent = (int)j;
        if (x->parent && (nd->parent < 0 || s->nodes[nd->parent].leaf))
            return fail(s, x->id, "%s: parent '%s' is not a group listed above it", x->id, x->parent);
        if (x->indicator && x->weights)
            return fail(s, x->id, "%s: a leaf (indicator) has no weights of its own", x->id);
        if (!x->indicator && !x->weights)
            return fail(s, x->id, "%s: give indicator (a leaf) or weights (a group)", x->id);
        int rc = x->indicator ? load_leaf(s, x, nd) : 0;
        if (rc)
            return rc;
        if (nd->leaf)
            s->leaf_node[s->nleaves++] = i;
    }
    return 0;
}

/* Each group's (and the root's) weighting, once its children are known. */
static int load_groups(dcs_index_system_t *s, doc_t *d)
{
    size_t ch[DCS_INDEX_MAX_NODES];
    for (int p = -1; p < (int)s->nnodes; p++) {
        if (p >= 0 && s->nodes[p].leaf)
            continue;
        size_t n = system_children(s, p, ch);
        const char *id = p < 0 ? NULL : s->nodes[p].id;
        if (!n)
            return fail(s, id, "%s: a group without children", id ? id : "index_system");
        const wspec_t *w = p < 0 ? d->index_system->weights : d->nodes[p].weights;
        int rc = load_weights(s, id, w, system_node(s, p), n);
        for (size_t k = 0; !rc && k < n && (system_node(s, p)->wmethod == DCS_W_FIXED ||
                                            (system_node(s, p)->wmethod == DCS_W_BLEND &&
                                             !system_node(s, p)->subjective_ahp)); k++)
            if (!(s->nodes[ch[k]].weight >= 0))
                rc = fail(s, s->nodes[ch[k]].id, "%s: fixed weights: give this node a weight >= 0",
                          s->nodes[ch[k]].id);
        if (rc)
            return rc;
    }
    return 0;
}

int dcs_index_system_load(const char *path, dcs_index_system_t **out)
{
    dcs_index_system_t *s = calloc(1, sizeof *s);
    *out = s;
    if (!s || !(s->path = strdup(path)))
        return DCS_ENOMEM;
    int rc = dcs_config_yaml_load(path, &doc_s, &s->doc, s->errmsg, sizeof s->errmsg);
    if (rc)
        return rc;
    doc_t *d = s->doc;
    const head_t *h = d->index_system;
    s->id = h->id, s->version = h->version, s->source = h->source, s->verify = h->verify;
    s->name_en = h->name_en ? h->name_en : h->id;
    s->name_zh = h->name_zh ? h->name_zh : s->name_en;
    int agg = pick(h->aggregation, (const char *const[]){"weighted_sum", "topsis"}, 2, 0);
    int tn = pick(h->topsis_normalisation, (const char *const[]){"vector", "minmax"}, 2, 0);
    if (agg < 0 || tn < 0)
        return fail(s, NULL, "index_system: aggregation is weighted_sum or topsis, "
                    "topsis_normalisation vector or minmax");
    s->agg = (dcs_index_agg_t)agg;
    s->topsis_minmax = tn;
    s->root.id = "index_system";
    s->root.parent = -1;
    rc = load_nodes(s, d);
    if (!rc)
        rc = load_groups(s, d);
    if (!rc && !s->nleaves)
        rc = fail(s, NULL, "no indicator leaves");
    if (!rc && dcs_sha256_file(s->path, s->hash))
        rc = fail(s, NULL, "cannot be read again to hash it");
    return rc;
}

void dcs_index_system_free(dcs_index_system_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nnodes; i++)
        free(s->nodes[i].ahp);
    free(s->root.ahp);
    dcs_config_yaml_free(&doc_s, s->doc);
    free(s->path);
    free(s);
}

const char *dcs_index_system_errmsg(const dcs_index_system_t *s) { return s ? s->errmsg : "out of memory"; }
const char *dcs_index_system_id(const dcs_index_system_t *s) { return s->id; }
const char *dcs_index_system_version(const dcs_index_system_t *s) { return s->version; }
const char *dcs_index_system_hash(const dcs_index_system_t *s) { return s->hash; }
const char *dcs_index_system_path(const dcs_index_system_t *s) { return s->path; }
dcs_index_agg_t dcs_index_system_aggregation(const dcs_index_system_t *s) { return s->agg; }
const dcs_index_node_t *dcs_index_system_root(const dcs_index_system_t *s) { return &s->root; }

const dcs_index_node_t *dcs_index_system_nodes(const dcs_index_system_t *s, size_t *n)
{
    *n = s->nnodes;
    return s->nodes;
}

size_t dcs_index_system_leaves(const dcs_index_system_t *s, const size_t **leaf_node)
{
    *leaf_node = s->leaf_node;
    return s->nleaves;
}
