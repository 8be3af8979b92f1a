/* dcs_region.h: the pilot office's regional store (after submit: it holds what
 * sites submitted). Operators, sites, submissions, per-period indicator values
 * and findings, one schema (docs/region.md) behind one interface with two
 * backends: SQLite, one file per region (the default), and PostgreSQL for a
 * city-level platform with many writers and readers. `ingest` verifies a
 * bundle, re-scores it from its rollups with the region's own formula, policy
 * and index system, and stores it, or refuses it with one line and stores
 * nothing. */
#ifndef DCS_REGION_H
#define DCS_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "../submit/dcs_submit.h"

#define DCS_REGION_SCHEMA_VERSION 3

typedef struct dcs_region dcs_region_t;

/* Open (and create or migrate to DCS_REGION_SCHEMA_VERSION) the store named
 * by spec: "postgresql://..." or "postgres://..." (a libpq URI) or "pg:CONNINFO"
 * (libpq key=value words) for PostgreSQL, else the path of a SQLite file
 * (":memory:" for one in memory).
 * A store of a newer schema is refused. Returns 0, DCS_ESTORE or DCS_ENOMEM
 * with err one line (never a password). */
int dcs_region_open(const char *spec, dcs_region_t **out, char *err, size_t errlen);
void dcs_region_close(dcs_region_t *r);
/* 1 when spec names a PostgreSQL server rather than a SQLite file. */
int dcs_region_is_server(const char *spec);
const char *dcs_region_backend(const dcs_region_t *r); /* "sqlite" or "postgresql" */
int dcs_region_schema(const dcs_region_t *r);          /* the store's schema version */

typedef struct {
    const dcs_submit_keyring_t *keyring;
    const dcs_index_policy_t *pol;    /* the region's formula and policy */
    dcs_index_system_t *sys;          /* the region's index system */
    const char *archive_dir;          /* accepted bundles are copied here unchanged */
    const char *tmpdir;               /* bundles are extracted here while checked */
    int64_t now_ns;                   /* keys must be valid then */
} dcs_region_ingest_opts_t;

typedef struct {
    long long id;                     /* the stored submission, 0 when refused */
    int rankable;                     /* stored and may be ranked */
    int versions_match;               /* formula, policy and system as the bundle's */
    size_t superseded;                /* accepted submissions this correction superseded */
    char operator_id[DCS_SUBMIT_ID_MAX + 1], site_id[DCS_SUBMIT_ID_MAX + 1], label[32];
    uint64_t number;
    char digest[65];
    double coverage, composite;
    char why[700];                    /* refused: the reason; not rankable: why; else the
                                       * differences to the claimed figures, "" none */
} dcs_region_ingest_t;

/* Verify, re-score and store one bundle. Returns 0 (stored, rankable or not),
 * DCS_EINVAL (refused: res->why, nothing stored), or DCS_ESTORE/DCS_EIO/
 * DCS_ENOMEM (res->why; nothing stored). */
int dcs_region_ingest(dcs_region_t *r, const char *bundle, const dcs_region_ingest_opts_t *o,
                      dcs_region_ingest_t *res);

/* One stored submission, as `region list` and `region show` print it. */
typedef struct {
    long long id, superseded_by;
    char operator_id[DCS_SUBMIT_ID_MAX + 1], site_id[DCS_SUBMIT_ID_MAX + 1], region[DCS_SUBMIT_ID_MAX + 1];
    char site_name[200], label[32], status[16], digest[65], ingested_utc[40], created_utc[40];
    char from_utc[40], to_utc[40];
    int64_t from_ns, to_ns;
    uint64_t number;
    int correction, rankable, versions_match;
    double coverage, composite;
    double e_dc_wh, e_it_wh;          /* schema 2: the period's energies (NaN: stored before), */
    double ai_tflops[2], general_tflops[2]; /* and FP16 / FP32 compute, rated and effective */
    char why_not[400], differences[700], archive[4200];
    char formula_version[64], system_id[64], system_version[32];
} dcs_region_sub_t;

/* Submissions matching the filters (NULL: any), oldest first: operator, site,
 * period label, region. fn is called per row; a non-zero return stops. Returns
 * 0, or DCS_ESTORE with dcs_region_errmsg. */
typedef int (*dcs_region_sub_fn)(void *ctx, const dcs_region_sub_t *s);
int dcs_region_list(dcs_region_t *r, const char *operator_id, const char *site_id, const char *label,
                    const char *region, dcs_region_sub_fn fn, void *ctx);
/* Submission id's indicator values (the region's figures, catalogue order, NaN
 * unknown) and, when claimed is not NULL, the operator's claimed ones. Returns
 * 0, DCS_ENODATA or DCS_ESTORE. */
int dcs_region_values(dcs_region_t *r, long long id, double cat[DCS_INDEX_CAT_MAX],
                      double claimed[DCS_INDEX_CAT_MAX]);
const char *dcs_region_errmsg(const dcs_region_t *r);

/* The cohort of a period: every accepted submission with that label (and of
 * that region, NULL: any), one entry per site with the region's figures
 * (catalogue values), coverage, why it is not rankable, and its source
 * ("submission #ID, bundle sha256 DIGEST"). Returns 0, DCS_ENODATA (none) or
 * DCS_ESTORE/DCS_ENOMEM (dcs_region_errmsg). */
typedef struct dcs_region_cohort dcs_region_cohort_t;
int dcs_region_cohort(dcs_region_t *r, const char *label, const char *region, dcs_region_cohort_t **out);
const dcs_index_entry_t *dcs_region_cohort_entries(const dcs_region_cohort_t *c, size_t *n);
void dcs_region_cohort_free(dcs_region_cohort_t *c);

/* ---- the live scheduling feed (status.c, schedule.c) ---- */

#define DCS_REGION_STATUS_SCHEMA "dcscore.status/1"
#define DCS_REGION_STATUS_MAX 65536   /* bytes of one message */

/* One site's status over its last interval (docs/json.md, dcscore.status/1). */
typedef struct {
    char operator_id[DCS_SUBMIT_ID_MAX + 1], site_id[DCS_SUBMIT_ID_MAX + 1], region[DCS_SUBMIT_ID_MAX + 1];
    uint64_t seq;                 /* per site, from 1, rising */
    int64_t t_ns;                 /* end of the interval */
    double interval_s;
    double pue, it_kw, facility_kw;
    double fp16_rated, fp16_effective, fp32_rated, fp32_effective; /* TFLOPS */
    double coverage;              /* of the interval's figures, 0..1 */
    char findings[512];           /* the message's findings, as JSON */
} dcs_region_status_t;

/* Check a message body against its signature (hex, Ed25519 over the body's
 * bytes) with its operator's key valid at now_ns, and store it. Returns 0
 * (*http 202) or DCS_EINVAL/DCS_ESTORE with *http (400 malformed or stamped
 * more than 5 min ahead, 401 bad signature, 403 unknown operator or another's
 * site, 409 a replayed or older sequence number, 413 too large, 500) and why. */
int dcs_region_status_accept(dcs_region_t *r, const dcs_submit_keyring_t *kr, const char *body, size_t len,
                             const char *sig_hex, int64_t now_ns, dcs_region_status_t *s, int *http, char *why,
                             size_t whylen);
/* One site in the schedule: its latest status, freshness and composite. */
typedef struct {
    char site_id[DCS_SUBMIT_ID_MAX + 1], region[DCS_SUBMIT_ID_MAX + 1];
    uint64_t seq;
    int64_t t_ns;
    double interval_s, age_s;     /* age of the data at the time asked */
    int stale;                    /* no message for 3 intervals: never available */
    double pue, it_kw, facility_kw, coverage;
    double rated[2], effective[2], available[2]; /* [0] FP16 (AI), [1] FP32 (general), TFLOPS */
    double cue[2];                /* effective TFLOPS per IT kW */
    double composite;             /* from its last accepted, rankable submission; NaN none */
    double marginal_kw_per_tflops;/* placement: facility kW per effective TFLOPS */
    const char *why_not;          /* placement: why it cannot take the need, NULL when it can */
} dcs_region_sched_t;

/* The latest status of every site (of region, NULL: all) at now_ns into *out
 * (malloc'd, *n rows, by site id). Returns 0, DCS_ESTORE or DCS_ENOMEM. */
int dcs_region_schedule(dcs_region_t *r, const char *region, int64_t now_ns, dcs_region_sched_t **out, size_t *n);
/* Placement of `need` TFLOPS at precision p (0 FP16, 1 FP32): the sites that
 * can take it now into order[0..k) by marginal energy per unit of compute
 * (facility kW per effective TFLOPS at the current PUE), then by composite,
 * higher first; every other site gets why_not. Returns k (METRICS.md). */
size_t dcs_region_place(dcs_region_sched_t *s, size_t n, int p, double need, size_t *order);

/* The schedule as JSON (dcscore.schedule/2, docs/json.md), with the placement
 * of `need` at precision p in order[0..k) when need > 0; or as CSV. */
void dcs_region_schedule_json(FILE *f, const dcs_region_sched_t *s, size_t n, int64_t now_ns, int p, double need,
                              const size_t *order, size_t k);
void dcs_region_schedule_csv(FILE *f, const dcs_region_sched_t *s, size_t n);
/* A site's status messages with t_ns in [from, to) as JSON (dcscore.history/1). */
int dcs_region_history_json(dcs_region_t *r, const char *site, int64_t from_ns, int64_t to_ns, FILE *f);

/* Store a verified message (the replay and ownership checks included). */
int dcs_region_status_store(dcs_region_t *r, const dcs_region_status_t *s, int64_t now_ns, int *http, char *why,
                            size_t whylen);

#endif
