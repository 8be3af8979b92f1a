/* dcs_index.h: from indicators to scores, verdicts, a composite index and a
 * ranking with confidence. Last engine stage before reports (metric -> index ->
 * report). Policy data (grades, limits, conversion factors) come from a data
 * file, engine/index/policy.yaml; indicators, anchors, weights and the
 * composite from an index-system file (engine/index/systems/, sized by it,
 * not by this header); definitions in METRICS.md. */
#ifndef DCS_INDEX_H
#define DCS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../metric/dcs_metric.h"

typedef struct { double best, worst; } dcs_index_anchor_t;

typedef struct {
    char *name, *name_zh;      /* name_zh NULL: name */
    double max_pue;
} dcs_index_grade_t;

typedef struct {
    char *id, *name, *source;
    double max_pue;
    double min_rack_occupancy; /* 0: no occupancy condition */
    char *region;              /* NULL: applies everywhere */
    char *name_zh, *source_zh; /* NULL: the English */
    bool unofficial;           /* wording not yet from the primary document */
} dcs_index_rule_t;

typedef struct {
    char *id, *name_en, *name_zh;
} dcs_index_region_t;

typedef struct dcs_index_policy dcs_index_policy_t;

/* Load policy data from PATH. Returns 0, DCS_ECONFIG or DCS_EIO (errmsg names the
 * file and line) or DCS_ENOMEM; *out set unless out of memory. */
int dcs_index_policy_load(const char *path, dcs_index_policy_t **out);
const char *dcs_index_policy_errmsg(const dcs_index_policy_t *p);
void dcs_index_policy_free(dcs_index_policy_t *p);

/* Accessors. */
const char *dcs_index_policy_version(const dcs_index_policy_t *p);
/* A region's display name ("Qingpu District", "青浦区" when zh), or id itself
 * when the policy file does not name it. */
const char *dcs_index_policy_region(const dcs_index_policy_t *p, const char *id, int zh);
/* A grade's name in zh (or the English name when none): grade is one of the
 * names dcs_index_grade gives. */
const char *dcs_index_policy_grade_zh(const dcs_index_policy_t *p, const char *grade);
const char *dcs_index_policy_hash(const dcs_index_policy_t *p); /* SHA-256 of the file, hex */
const char *dcs_index_policy_path(const dcs_index_policy_t *p);
/* The policy's index system (its index_system key, resolved against the
 * policy file's folder), or NULL: the shipped default. */
const char *dcs_index_policy_system(const dcs_index_policy_t *p);
double dcs_index_policy_fp32eq(const dcs_index_policy_t *p, int precision); /* 0 fp64 .. 3 int8 */
double dcs_index_policy_cef(const dcs_index_policy_t *p);                    /* kgCO2/kWh */
size_t dcs_index_policy_rules(const dcs_index_policy_t *p, const dcs_index_rule_t **rules);
/* The plausibility limits and the publishing threshold min_coverage. */
dcs_metric_limits_t dcs_index_policy_limits(const dcs_index_policy_t *p);

/* Score of value x: 100 at best, 0 at worst, linear between, clamped to 0..100
 * (works for cost and benefit indicators alike). NaN when x is NaN. */
double dcs_index_score(double x, dcs_index_anchor_t a);

/* GB 40879 grade of a PUE: the first level whose max_pue >= pue (inclusive).
 * Returns its name, or "exceeds the GB 40879 limit value", or "no PUE". */
const char *dcs_index_grade(const dcs_index_policy_t *p, double pue);

/* Does a site meet rule r? occupancy < 0 means unknown (an occupancy rule then
 * fails with reason "rack occupancy unknown"). Limits are inclusive. */
int dcs_index_rule_met(const dcs_index_rule_t *r, double pue, double occupancy);

/* ---- AHP (ahp.c) ---- */

#define DCS_INDEX_AHP_MAX 15 /* criteria per matrix */
typedef enum { DCS_AHP_EIGEN, DCS_AHP_APPROX, DCS_AHP_GEOMETRIC } dcs_index_ahp_method_t;
typedef enum { DCS_RI_SAATY1980, DCS_RI_ALONSO_LAMATA2006 } dcs_index_ri_t;

typedef struct {
    dcs_index_ahp_method_t method; /* eigenvector (default), approximate, geometric */
    dcs_index_ri_t ri;             /* random-index table (default Saaty 1980) */
    double cr_max;                 /* CR must be below it; 0 = 0.10 */
    int decimals;                  /* the matrix's printed precision; 0 = 2 */
} dcs_index_ahp_opts_t;

typedef struct {
    double w[DCS_INDEX_AHP_MAX];   /* weights, sum 1 */
    double lambda_max, ci, ri, cr; /* CI = (lambda_max - n)/(n - 1), CR = CI/RI(n) */
    size_t worst_i, worst_j;       /* the least reciprocal pair (0-based), */
    double worst_dev;              /* |a_ij a_ji - 1| there (0 when exact) */
} dcs_index_ahp_result_t;

/* Weights of the n x n pairwise matrix a (row-major, n = 1..15). Entries must
 * be positive with a unit diagonal, and each pair reciprocal to o->decimals:
 * the entry below 1 within half a unit of that decimal of 1 / its partner
 * (0.33 and 0.14 pass beside 3 and 7 at 2 decimals). The matrix used is the
 * exact one: each pair keeps its entry >= 1. Lambda_max: the Perron root
 * (eigenvector), or mean_i (A w)_i / w_i (approximate, geometric). o NULL =
 * defaults. Returns 0; DCS_EINVAL (err says which entries); DCS_ECONFIG when
 * CR >= cr_max (r still filled). */
int dcs_index_ahp_solve(const double *a, size_t n, const dcs_index_ahp_opts_t *o,
                        dcs_index_ahp_result_t *r, char *err, size_t errlen);

/* The full matrix from its upper triangle, row by row (a_12, a_13, .., a_1n,
 * a_23, ..): n(n-1)/2 positive entries. Returns 0 or DCS_EINVAL. */
int dcs_index_ahp_upper(const double *upper, size_t n, double *full);

/* AIJ: the element-wise geometric mean of k experts' n x n matrices (mats[e *
 * n * n + c]), itself reciprocal when theirs are. Returns 0 or DCS_EINVAL. */
int dcs_index_ahp_aij(const double *mats, size_t k, size_t n, double *agg);

double dcs_index_ri(dcs_index_ri_t table, size_t n);   /* NaN outside 0..15 */
const char *dcs_index_ri_name(dcs_index_ri_t table);    /* "saaty1980", ... */
const char *dcs_index_ahp_method_name(dcs_index_ahp_method_t m);
int dcs_index_ri_parse(const char *name, dcs_index_ri_t *out);             /* 0 or DCS_EINVAL */
int dcs_index_ahp_method_parse(const char *name, dcs_index_ahp_method_t *out);

/* dcs_index_ahp_solve with the defaults: w[0..n-1], lambda_max and cr. Returns
 * 0, DCS_EINVAL (w untouched) or DCS_ECONFIG (CR >= 0.10; w filled). */
int dcs_index_ahp(const double *a, size_t n, double *w, double *lambda_max, double *cr);

/* Entropy weights of an m x n matrix of non-negative values x (row-major, one row
 * per site). Column j: p_ij = x_ij / sum_i x_ij, e_j = -(1/ln m) sum_i p_ij ln p_ij
 * (0 ln 0 = 0), w_j = (1 - e_j) / sum_k (1 - e_k). A column summing to 0 has
 * e_j = 1. When m < 2 or every e_j = 1, the weights are equal (1/n). Returns 0,
 * or DCS_EINVAL for a negative or non-finite value (shift or rescale first). */
int dcs_index_entropy(const double *x, size_t m, size_t n, double *w);

/* TOPSIS closeness (0..1) of m alternatives on any n criteria: normalise each
 * column (vector: x / ||x||, non-negative values only; min-max when minmax:
 * (x - min) / (max - min), cost columns reversed), weight, take the ideal best
 * and worst per criterion (max for benefit[j] != 0, min for cost), closeness =
 * d- / (d+ + d-). A column with no information (zeros, or constant for
 * min-max) adds no distance; an alternative equal to both ideals gets 1.
 * Returns 0, DCS_EINVAL (a NaN, or a negative value for vector) or DCS_ENOMEM. */
int dcs_index_topsis(const double *x, size_t m, size_t n, const double *w, const int *benefit,
                     int minmax, double *closeness);

/* CRITIC weights (Diakoulaki et al. 1995) of an m x n matrix x: each column
 * min-max normalised (cost columns reversed), sigma_j its standard deviation,
 * rho_jk the Pearson correlation of columns j and k, C_j = sigma_j sum_k (1 -
 * rho_jk), w_j = C_j / sum C. A constant column gets 0 (equal weights when all
 * are). Returns 0, DCS_EINVAL (NaN) or DCS_ENOMEM. */
int dcs_index_critic(const double *x, size_t m, size_t n, const int *benefit, double *w);

/* ---- one site's assessment ---- */

#define DCS_INDEX_MAX_RULES 16

typedef struct {
    const char *policy_version;
    const char *grade;                 /* GB 40879 grade of the PUE */
    const char *grade_zh;              /* its Chinese name */
    const char *region_en, *region_zh; /* the site's region as the policy file names it */
    size_t nrules;
    const dcs_index_rule_t *rules;
    int met[DCS_INDEX_MAX_RULES];      /* 1 met, 0 not met, -1 not applicable (region) */
    const char *withheld;              /* not NULL: the figures are not publishable for
                                        * this reason; grade, verdicts and the index
                                        * system's composite are withheld (shown as
                                        * "withheld: REASON") */
} dcs_index_assessment_t;

/* GB 40879 grade and policy verdicts of one site from its PUE and rack
 * occupancy (< 0 when unknown); rules of another region are not applicable. */
void dcs_index_assess(const dcs_index_policy_t *pol, double pue, double occupancy, const char *region,
                      dcs_index_assessment_t *out);

/* Write `"assessment": {...}` (no surrounding braces or comma) to f. */
void dcs_index_assessment_json(const dcs_index_assessment_t *a, FILE *f);

/* ---- cohort files (dcscore rank) ---- */

#define DCS_INDEX_CAT_MAX 24 /* catalogue indicators */

/* One entry of a cohort YAML, before it is read for an index system. */
typedef struct {
    const char *id, *name, *region;
    double cat[DCS_INDEX_CAT_MAX]; /* each catalogue indicator's value (catalogue order), NaN
                                    * unknown: every one when scored from a store, else
                                    * PUE, CUE_IT, EUE, coverage and rack occupancy as given */
    double coverage;            /* 0..1 */
    double meter_class_pct;     /* accuracy class of its meters (%), 0.5 when not given */
    double u_cue_pct, u_eue_pct;/* stated relative uncertainty of CUE and EUE (%) */
    double peak_tflops;         /* rated FP32-eq compute, NaN unknown */
    double c_eff_tflops;        /* effective compute in the window, NaN unknown */
    const char *withheld;       /* scored from a store: why its figures are not
                                 * publishable (an error finding), NULL when they are */
    const char *source;         /* where its figures come from when they are signed
                                 * data ("submission #3, bundle sha256 ..."), or NULL */
    const char *period;         /* the period its figures cover ("2026-11"), or NULL */
    double e_dc_wh, e_it_wh;    /* its energies over that period, NaN unknown */
    double ai_tflops[2];        /* FP16 (AI) compute: rated, effective; NaN unknown */
    double general_tflops[2];   /* FP32 (general) compute: rated, effective; NaN unknown */
} dcs_index_entry_t;

typedef struct dcs_index_cohort dcs_index_cohort_t;
struct dcs_index_sopts;

/* Load a cohort YAML (options, inline sites, a CSV of submitted figures, sites
 * scored from their own stores; format in docs/rank.md). pol supplies the
 * conversion factors and limits for scored sites. Returns 0, DCS_EIO,
 * DCS_ECONFIG (errmsg: "FILE:LINE: what") or DCS_ENOMEM. */
int dcs_index_cohort_load(const char *path, const dcs_index_policy_t *pol,
                          dcs_index_cohort_t **out);
const char *dcs_index_cohort_errmsg(const dcs_index_cohort_t *c);
const char *dcs_index_cohort_name(const dcs_index_cohort_t *c);
const dcs_index_entry_t *dcs_index_cohort_entries(const dcs_index_cohort_t *c, size_t *n);
/* The cohort's system: key (resolved against the cohort's folder), or NULL. */
const char *dcs_index_cohort_system(const dcs_index_cohort_t *c);
/* Its min_coverage, draws, seed and weight_sd into o (those it gives). */
void dcs_index_cohort_sopts(const dcs_index_cohort_t *c, struct dcs_index_sopts *o);
void dcs_index_cohort_free(dcs_index_cohort_t *c);

/* ---- the indicator catalogue (catalogue.c) ---- */

typedef struct {
    const char *id;          /* dcscore's id, e.g. "compute_eff_it" */
    const char *label;       /* as the measures name it, e.g. "CUE_IT" */
    const char *name_zh, *name_en, *unit;
    int benefit;             /* 1: more is better; 0: a cost (PUE) */
    const char *source;      /* standard or METRICS.md section */
    const char *measured;    /* how dcscore measures it */
    double lo, hi;           /* a real figure lies in [lo, hi] (PUE >= 1, a share 0..1) */
} dcs_index_indicator_t;

const dcs_index_indicator_t *dcs_index_catalogue(size_t *n);
const dcs_index_indicator_t *dcs_index_indicator_find(const char *id); /* NULL: not listed */
int dcs_index_catalogue_index(const char *id); /* its position in the catalogue, -1 */
void dcs_index_catalogue_clear(double *cat);   /* cat[0..DCS_INDEX_CAT_MAX-1] = NaN */
/* The value of catalogue indicator id for a scored site (rack_occupancy < 0:
 * unknown); NaN when it cannot be computed or is not a site figure. */
double dcs_index_indicator_value(const char *id, const dcs_metric_score_t *sc,
                                 const dcs_metric_indicators_t *ind, double rack_occupancy);

/* ---- index systems (system.c, system_load.c): a tree of groups and
 * indicator leaves, a normalisation per leaf, a weighting per group, and an
 * aggregation; loaded from a YAML file (docs/index-system.md). ---- */

typedef enum { DCS_NORM_LINEAR, DCS_NORM_MINMAX, DCS_NORM_VECTOR, DCS_NORM_TARGET } dcs_index_norm_t;
typedef enum { DCS_W_FIXED, DCS_W_AHP, DCS_W_ENTROPY, DCS_W_CRITIC, DCS_W_BLEND } dcs_index_wmethod_t;
typedef enum { DCS_AGG_SUM, DCS_AGG_TOPSIS } dcs_index_agg_t;

#define DCS_INDEX_MAX_NODES 64
#define DCS_INDEX_MAX_EXPERTS 16

typedef struct {
    const char *id, *name_en, *name_zh;
    int parent;                   /* node index; -1: under the root */
    int leaf;                     /* 1: an indicator */
    /* leaf */
    const char *indicator, *unit; /* catalogue id (or operator's) and its unit */
    int benefit;
    dcs_index_norm_t norm;
    double best, worst;           /* linear: score 100 at best, 0 at worst, clamped */
    double target, tolerance;     /* target: 100 at target, 0 at |x - target| >= tolerance */
    /* group (and the root, node -1): how its children are weighted */
    dcs_index_wmethod_t wmethod, blend_objective;
    double blend_alpha;           /* blend: alpha x subjective + (1 - alpha) x objective */
    int subjective_ahp;           /* blend: subjective part from AHP (else fixed) */
    double weight;                /* fixed: this node's weight among its siblings */
    size_t nexperts;              /* AHP: 1 matrix, or k experts aggregated by AIJ */
    double *ahp;                  /* nexperts full n x n matrices (n = children) */
    dcs_index_ahp_opts_t ahp_opts;
    /* filled when loaded (fixed, AHP) or evaluated (objective) */
    dcs_index_ahp_result_t ahp_result, expert_result[DCS_INDEX_MAX_EXPERTS];
    double local_w, global_w;
} dcs_index_node_t;

typedef struct dcs_index_system dcs_index_system_t;

/* Load an index-system file. Returns 0, DCS_EIO, DCS_ECONFIG (errmsg "FILE:LINE:
 * what": an unknown method, an AHP matrix of the wrong size or inconsistent, a
 * vector normalisation without TOPSIS, ...) or DCS_ENOMEM; *out set unless out
 * of memory. */
int dcs_index_system_load(const char *path, dcs_index_system_t **out);
const char *dcs_index_system_errmsg(const dcs_index_system_t *s);
void dcs_index_system_free(dcs_index_system_t *s);

const char *dcs_index_system_id(const dcs_index_system_t *s);
const char *dcs_index_system_version(const dcs_index_system_t *s);
const char *dcs_index_system_hash(const dcs_index_system_t *s); /* SHA-256 of the file, hex */
const char *dcs_index_system_path(const dcs_index_system_t *s);
dcs_index_agg_t dcs_index_system_aggregation(const dcs_index_system_t *s);
/* Nodes in file order (the root is not a node: its weighting is root()). */
const dcs_index_node_t *dcs_index_system_nodes(const dcs_index_system_t *s, size_t *n);
const dcs_index_node_t *dcs_index_system_root(const dcs_index_system_t *s);
/* Leaves in file order: leaf k is nodes[leaf_node[k]]. */
size_t dcs_index_system_leaves(const dcs_index_system_t *s, const size_t **leaf_node);

/* One evaluation over a cohort of m entries, x[i * L + k] the raw value of leaf k
 * (NaN = missing). */
typedef struct {
    size_t m, nleaves;
    double *score;          /* [i * L + k] 0..100 (NaN: missing) */
    double *global_w;       /* [k] product of local weights down the tree */
    double *contribution;   /* [i * L + k] global_w x score, points */
    double *composite;      /* [i] 0..100; NaN when a leaf with weight > 0 is missing */
    const char **missing;   /* [i] the first missing leaf's id, or NULL */
} dcs_index_eval_t;

/* Normalise, weight (objective weights from the entries with every leaf) and
 * aggregate. Node local/global weights are stored in s. Returns 0, DCS_EINVAL
 * (err: e.g. entropy over a negative value) or DCS_ENOMEM; after an error out
 * holds nothing to free. */
int dcs_index_system_eval(dcs_index_system_t *s, const double *x, size_t m, dcs_index_eval_t *out,
                          char *err, size_t errlen);
void dcs_index_eval_free(dcs_index_eval_t *e);

/* One site on system s: x[k] = its value of leaf k's catalogue indicator
 * (dcs_index_indicator_value; rack_occupancy < 0 unknown), then the evaluation
 * of that single entry. A system that needs a cohort (a min-max or vector
 * normalisation, entropy, CRITIC or blend weights) is refused: err names the
 * node. Returns 0, DCS_EINVAL or DCS_ENOMEM. */
int dcs_index_system_site(dcs_index_system_t *s, const dcs_metric_score_t *sc,
                          const dcs_metric_indicators_t *ind, double rack_occupancy, double *x,
                          dcs_index_eval_t *out, char *err, size_t errlen);

/* ---- ranking on an index system (scohort.c, srank.c) ---- */

/* One cohort entry: a site or vendor with a raw value per leaf. */
typedef struct {
    const char *id, *name, *region;
    double *x;               /* [nleaves], NaN = missing */
    double *u_pct;           /* [nleaves] stated relative uncertainty (%), NaN = the default */
    double coverage;         /* 0..1 */
    double meter_class_pct;  /* accuracy class of its meters (%), 0.5 when not given */
    int line;                /* its line in the CSV */
    const char *withheld;    /* its figures are not publishable: why (not ranked) */
    const char *source;      /* the signed bundle its figures come from, or NULL */
    const char *period;      /* the period its figures cover, or NULL */
    double e_dc_wh, e_it_wh; /* its energies over that period, NaN unknown */
    double ai_tflops[2], general_tflops[2]; /* FP16 and FP32: rated, effective; NaN unknown */
    double cat[DCS_INDEX_CAT_MAX]; /* catalogue values known beside the leaves (PUE for
                                    * the grade, rack occupancy for the rules), NaN */
    double peak_tflops, c_eff_tflops; /* rated and effective FP32-eq compute, NaN unknown */
} dcs_index_sentry_t;

/* Entry e's value of catalogue indicator id (NaN when unknown). */
double dcs_index_sentry_value(const dcs_index_sentry_t *e, const char *id);

typedef struct dcs_index_scohort dcs_index_scohort_t;

/* Load a cohort CSV for system sys: columns id, name, region, coverage, one per
 * leaf (named by its indicator id or its node id; cue_tflops_per_kw and
 * eue_yuan_per_kwh are read as compute_eff_it and econ_output), and optionally
 * meter_class_pct, u_<indicator>_pct (the figure's stated uncertainty; u_cue_pct
 * and u_eue_pct as before), pue and rack_occupancy when they are not leaves (for
 * the grade and the regional rules), peak_tflops and c_eff_tflops. An empty leaf cell is a missing figure (the entry is listed,
 * not ranked). Duplicate ids, coverage outside 0..1, a value that is not a
 * number, an unknown column, a row with more fields than the header: errors
 * with FILE:LINE. GB18030/GBK is converted (dcs_text_read). Returns 0,
 * DCS_EIO, DCS_ECONFIG or DCS_ENOMEM; errmsg one line. */
int dcs_index_scohort_load(const char *path, const dcs_index_system_t *sys, dcs_index_scohort_t **out);
/* The same from a three-indicator cohort's entries (dcs_index_cohort_load): a
 * leaf takes an entry's store-scored catalogue value (cat[]), or its PUE, CUE or
 * EUE; another leaf of an entry not scored from a store is missing (listed, not
 * ranked). An entry whose figures are withheld keeps the reason. */
int dcs_index_scohort_from_entries(const dcs_index_entry_t *e, size_t n, const dcs_index_system_t *sys,
                                   dcs_index_scohort_t **out);
const char *dcs_index_scohort_errmsg(const dcs_index_scohort_t *c);
const char *dcs_index_scohort_encoding(const dcs_index_scohort_t *c); /* "UTF-8" / "GB18030" */
const dcs_index_sentry_t *dcs_index_scohort_entries(const dcs_index_scohort_t *c, size_t *n);
void dcs_index_scohort_free(dcs_index_scohort_t *c);

typedef struct dcs_index_sopts {
    double min_coverage;     /* entries below are listed, not ranked */
    unsigned draws;          /* Monte-Carlo draws (0: none) */
    unsigned long seed;
    double weight_sd;        /* relative sd of each leaf's global weight per draw */
    double u_default_pct;    /* relative uncertainty of a leaf that is not PUE (%), 5 */
    /* Called every 100 draws and at the last with draws done and total (NULL:
     * none). It must not call back into the ranking. */
    void (*progress)(void *ctx, unsigned done, unsigned total);
    void *progress_ctx;
} dcs_index_sopts_t;

typedef struct {
    int ranked, rank;        /* rank 1 = best */
    const char *why_not;     /* not ranked: the reason */
    const char *why_not_zh;  /* the same in Chinese */
    double composite;
    double *p_rank;          /* [nranked] P(rank = k + 1) over the draws */
    double ci90_lo, ci90_hi; /* 5th and 95th percentile of the composite */
    double gap_above;        /* points behind the entry ranked just above (NaN for the first) */
    int above;               /* that entry's index, -1 */
} dcs_index_sresult_t;

typedef struct {
    size_t n, nranked, nleaves;
    dcs_index_sresult_t *r;  /* per entry, in cohort order */
    dcs_index_eval_t eval;   /* scores, global weights, contributions of the ranked entries */
    size_t *row;             /* entry i's row in eval, or (size_t)-1 */
} dcs_index_sranking_t;

/* Rank the entries on sys: the ranked ones are those with coverage >=
 * min_coverage and every leaf. Returns 0, DCS_ENODATA (none can be ranked),
 * DCS_EINVAL (err) or DCS_ENOMEM; after an error out holds nothing to free
 * (dcs_index_sranking_free on it is harmless). */
int dcs_index_srank(dcs_index_system_t *sys, const dcs_index_sentry_t *e, size_t n,
                    const dcs_index_sopts_t *o, dcs_index_sranking_t *out, char *err, size_t errlen);
void dcs_index_sranking_free(dcs_index_sranking_t *r);
/* Sensitivity of the ranks to each node's weight: the global weights of the
 * leaves under node j (a group, or a leaf itself) scaled by 1 + delta (k = 0)
 * and 1 - delta (k = 1), all renormalised, and the ranked entries ranked again.
 * ranks[(2 * j + k) * n + i] for entry i of the cohort (0 when not ranked),
 * j over the system's nodes. Returns 0, DCS_EINVAL or DCS_ENOMEM. */
int dcs_index_ssensitivity(const dcs_index_system_t *sys, const dcs_index_sentry_t *e, size_t n,
                           const dcs_index_sranking_t *r, double delta, int *ranks);

/* "ranked 3rd in 72 % of 2,000 draws; 2nd in 20 %" (the two likeliest ranks). */
void dcs_index_confidence_words(const dcs_index_sresult_t *r, size_t nranked, unsigned draws, char *buf,
                                size_t len);
/* The same in Chinese ("2,000 次抽样中 72 % 排名第 3，20 % 排名第 2"). */
void dcs_index_confidence_words_zh(const dcs_index_sresult_t *r, size_t nranked, unsigned draws, char *buf,
                                   size_t len);

/* ---- one site's window, end to end (evaluate.c) ---- */

/* What `dcscore score` shows of a window: the score, CUE/EUE and companions,
 * the limits used, the assessment, and the site on its index system. */
typedef struct {
    dcs_metric_score_t *sc;
    dcs_metric_indicators_t ind;
    dcs_metric_limits_t lim;       /* the policy's, with the site's min_coverage if higher */
    dcs_index_assessment_t as;     /* as.withheld: why the figures are not publishable */
    dcs_index_system_t *sys;       /* borrowed */
    double sx[DCS_INDEX_MAX_NODES];/* the site's value of each leaf */
    dcs_index_eval_t sev;
    char sys_why[512];             /* why it has no composite on sys, "" when it has */
    char sys_why_zh[640];          /* the same in Chinese */
} dcs_index_site_t;

/* Score cfg's site over [from_ns, to_ns) with buckets of bucket_ns on policy
 * pol and index system sys (progress may be NULL). Raises cfg's min_coverage to
 * the policy's. Returns 0; DCS_ENODATA, DCS_ESTORE or DCS_ENOMEM with err one
 * line. Free out with dcs_index_site_free either way. */
int dcs_index_site_score(dcs_config_t *cfg, dcs_store_t *st, const dcs_index_policy_t *pol,
                         dcs_index_system_t *sys, int64_t from_ns, int64_t to_ns, int64_t bucket_ns,
                         dcs_metric_progress_fn progress, void *ctx, dcs_index_site_t *out, char *err,
                         size_t errlen);
void dcs_index_site_free(dcs_index_site_t *s);
/* The composite, NaN when withheld or none (sys_why). */
double dcs_index_site_composite(const dcs_index_site_t *s);
/* The whole object `dcscore score --json` prints (dcscore.score/2, docs/json.md). */
void dcs_index_site_json(const dcs_index_site_t *s, const dcs_config_t *cfg, FILE *f);

#endif
