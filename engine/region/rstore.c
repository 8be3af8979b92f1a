/* rstore.c: opening the regional store, its versioned migrations, and the
 * queries that read it back (list, values). */
#define _GNU_SOURCE
#include "region_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Migration k takes the schema from version k to k + 1 (docs/region.md). */
static const char *const migrations[DCS_REGION_SCHEMA_VERSION] = {
    "CREATE TABLE operators (id TEXT PRIMARY KEY, first_utc TEXT NOT NULL);\n"
    "CREATE TABLE sites (id TEXT PRIMARY KEY, operator_id TEXT NOT NULL REFERENCES operators(id),\n"
    "  name TEXT, region TEXT NOT NULL);\n"
    "CREATE TABLE submissions (id %ID%, operator_id TEXT NOT NULL REFERENCES operators(id),\n"
    "  site_id TEXT NOT NULL REFERENCES sites(id), number BIGINT NOT NULL, label TEXT NOT NULL,\n"
    "  from_ns BIGINT NOT NULL, to_ns BIGINT NOT NULL, from_utc TEXT NOT NULL, to_utc TEXT NOT NULL,\n"
    "  correction INTEGER NOT NULL, status TEXT NOT NULL, superseded_by BIGINT,\n"
    "  rankable INTEGER NOT NULL, why_not TEXT, coverage DOUBLE PRECISION, composite DOUBLE PRECISION,\n"
    "  format TEXT NOT NULL, formula_version TEXT NOT NULL, policy_version TEXT, policy_sha256 TEXT,\n"
    "  system_id TEXT, system_version TEXT, system_sha256 TEXT, versions_match INTEGER NOT NULL,\n"
    "  differences TEXT, digest TEXT NOT NULL UNIQUE, archive TEXT NOT NULL, created_utc TEXT NOT NULL,\n"
    "  ingested_utc TEXT NOT NULL, UNIQUE (operator_id, number));\n"
    "CREATE INDEX submissions_site ON submissions (site_id, from_ns);\n"
    "CREATE TABLE indicator_values (submission_id BIGINT NOT NULL REFERENCES submissions(id),\n"
    "  indicator TEXT NOT NULL, value DOUBLE PRECISION, claimed DOUBLE PRECISION, unit TEXT,\n"
    "  PRIMARY KEY (submission_id, indicator));\n"
    "CREATE TABLE findings (submission_id BIGINT NOT NULL REFERENCES submissions(id), seq INTEGER NOT NULL,\n"
    "  finding TEXT NOT NULL, severity TEXT NOT NULL, channel TEXT, detail TEXT,\n"
    "  PRIMARY KEY (submission_id, seq));\n",
    /* 2: the period's energies and its AI (FP16) and general (FP32) compute,
     * rated and effective, for regional totals */
    "ALTER TABLE submissions ADD COLUMN e_dc_wh DOUBLE PRECISION;\n"
    "ALTER TABLE submissions ADD COLUMN e_it_wh DOUBLE PRECISION;\n"
    "ALTER TABLE submissions ADD COLUMN fp16_rated_tflops DOUBLE PRECISION;\n"
    "ALTER TABLE submissions ADD COLUMN fp16_effective_tflops DOUBLE PRECISION;\n"
    "ALTER TABLE submissions ADD COLUMN fp32_rated_tflops DOUBLE PRECISION;\n"
    "ALTER TABLE submissions ADD COLUMN fp32_effective_tflops DOUBLE PRECISION;\n",
    /* 3: the live scheduling feed's status messages */
    "CREATE TABLE status (site_id TEXT NOT NULL REFERENCES sites(id), operator_id TEXT NOT NULL,\n"
    "  seq BIGINT NOT NULL, t_ns BIGINT NOT NULL, received_ns BIGINT NOT NULL, interval_s DOUBLE PRECISION,\n"
    "  pue DOUBLE PRECISION, it_kw DOUBLE PRECISION, facility_kw DOUBLE PRECISION,\n"
    "  fp16_rated_tflops DOUBLE PRECISION, fp16_effective_tflops DOUBLE PRECISION,\n"
    "  fp32_rated_tflops DOUBLE PRECISION, fp32_effective_tflops DOUBLE PRECISION,\n"
    "  coverage DOUBLE PRECISION, findings TEXT, PRIMARY KEY (site_id, seq));\n"
    "CREATE INDEX status_time ON status (site_id, t_ns);\n",
};

int rs_run(dcs_region_t *r, const char *sql, int n, const char *const *params, rs_row_fn fn, void *ctx)
{
    return r->ops->run(r->h, sql, n, params, fn, ctx, r->errmsg, sizeof r->errmsg);
}

static int one_fn(void *ctx, int nc, const char *const *v)
{
    if (nc > 0 && v[0])
        *(long long *)ctx = strtoll(v[0], NULL, 10);
    return 1;
}

int rs_one(dcs_region_t *r, const char *sql, int n, const char *const *params, long long *v)
{
    return rs_run(r, sql, n, params, one_fn, v);
}

const char *rs_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.17g", v);
    return isfinite(v) ? buf : NULL;
}

double rs_double(const char *v)
{
    return v ? strtod(v, NULL) : NAN;
}

int rs_site_of_other(dcs_region_t *r, const char *site, const char *op)
{
    long long other = 0;
    const char *p[2] = {site, op};
    return rs_one(r, "SELECT 1 FROM sites WHERE id = $1 AND operator_id <> $2", 2, p, &other) ? -1 : other != 0;
}

int rs_register(dcs_region_t *r, const char *op, const char *site, const char *name, const char *region,
                int64_t now_ns)
{
    char now[48];
    dcs_time_format(now_ns, "UTC", now, sizeof now);
    const char *po[2] = {op, now}, *ps[4] = {site, op, name ? name : site, region};
    return rs_run(r, "INSERT INTO operators (id, first_utc) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", 2, po,
                  NULL, NULL) ||
                   rs_run(r, name ? "INSERT INTO sites (id, operator_id, name, region) VALUES ($1, $2, $3, $4) ON "
                                    "CONFLICT (id) DO UPDATE SET name = excluded.name, region = excluded.region"
                                  : "INSERT INTO sites (id, operator_id, name, region) VALUES ($1, $2, $3, $4) ON "
                                    "CONFLICT (id) DO NOTHING", 4, ps, NULL, NULL)
               ? -1 : 0;
}

/* Apply the migrations the store lacks, each in its own transaction. */
static int migrate(dcs_region_t *r)
{
    if (rs_run(r, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "applied_utc TEXT NOT NULL)", 0, NULL, NULL, NULL))
        return -1;
    long long v = 0;
    if (rs_one(r, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", 0, NULL, &v))
        return -1;
    if (v > DCS_REGION_SCHEMA_VERSION)
        return snprintf(r->errmsg, sizeof r->errmsg, "regional store schema %lld is newer than this dcscore "
                        "reads (%d): upgrade dcscore", v, DCS_REGION_SCHEMA_VERSION), -1;
    for (int k = (int)v; k < DCS_REGION_SCHEMA_VERSION; k++) {
        char *ddl = NULL, now[48], ver[16];
        const char *at = strstr(migrations[k], "%ID%");
        if ((at ? asprintf(&ddl, "%.*s%s%s", (int)(at - migrations[k]), migrations[k], r->ops->id_ddl, at + 4)
                : asprintf(&ddl, "%s", migrations[k])) < 0)
            return snprintf(r->errmsg, sizeof r->errmsg, "out of memory"), -1;
        dcs_time_format(dcs_time_now_ns(), "UTC", now, sizeof now);
        snprintf(ver, sizeof ver, "%d", k + 1);
        const char *p[2] = {ver, now};
        int rc = rs_run(r, "BEGIN", 0, NULL, NULL, NULL) || rs_run(r, ddl, 0, NULL, NULL, NULL) ||
                 rs_run(r, "INSERT INTO schema_migrations (version, applied_utc) VALUES ($1, $2)", 2, p, NULL, NULL) ||
                 rs_run(r, "COMMIT", 0, NULL, NULL, NULL);
        free(ddl);
        if (rc) {
            char keep[700];
            snprintf(keep, sizeof keep, "%s", r->errmsg);
            rs_run(r, "ROLLBACK", 0, NULL, NULL, NULL);
            snprintf(r->errmsg, sizeof r->errmsg, "migration to schema %d: %s", k + 1, keep);
            return -1;
        }
    }
    r->schema = DCS_REGION_SCHEMA_VERSION;
    return 0;
}

int dcs_region_is_server(const char *spec)
{
    return strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0 ||
           strncmp(spec, "pg:", 3) == 0;
}

int dcs_region_open(const char *spec, dcs_region_t **out, char *err, size_t errlen)
{
    dcs_region_t *r = *out = calloc(1, sizeof *r);
    if (!r)
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    int pg = dcs_region_is_server(spec);
    r->ops = pg ? &rs_pg_ops : &rs_sqlite_ops;
    int rc = pg ? rs_pg_open(strncmp(spec, "pg:", 3) == 0 ? spec + 3 : spec, &r->h, err, errlen)
                : rs_sqlite_open(spec, &r->h, err, errlen);
    if (rc)
        return DCS_ESTORE;
    if (migrate(r))
        return snprintf(err, errlen, "%s", r->errmsg), DCS_ESTORE;
    return 0;
}

void dcs_region_close(dcs_region_t *r)
{
    if (!r)
        return;
    if (r->h)
        r->ops->close(r->h);
    free(r);
}

const char *dcs_region_backend(const dcs_region_t *r) { return r->ops->name; }
int dcs_region_schema(const dcs_region_t *r) { return r->schema; }
const char *dcs_region_errmsg(const dcs_region_t *r) { return r ? r->errmsg : "out of memory"; }

#define SUB_COLS                                                                                                \
    "s.id, s.operator_id, s.site_id, t.region, t.name, s.label, s.status, s.digest, s.ingested_utc, "            \
    "s.created_utc, s.from_utc, s.to_utc, s.from_ns, s.to_ns, s.number, s.correction, s.rankable, "             \
    "s.versions_match, s.coverage, s.composite, s.why_not, s.differences, s.archive, s.formula_version, "       \
    "s.system_id, s.system_version, s.superseded_by, s.e_dc_wh, s.e_it_wh, s.fp16_rated_tflops, "             \
    "s.fp16_effective_tflops, s.fp32_rated_tflops, s.fp32_effective_tflops"

static void cpy(char *dst, size_t cap, const char *v)
{
    snprintf(dst, cap, "%s", v ? v : "");
}

typedef struct {
    dcs_region_sub_fn fn;
    void *ctx;
} list_t;

static int sub_row(void *ctx, int nc, const char *const *v)
{
    if (nc < 33)
        return 1;
    dcs_region_sub_t s;
    memset(&s, 0, sizeof s);
    s.id = strtoll(v[0], NULL, 10);
    cpy(s.operator_id, sizeof s.operator_id, v[1]), cpy(s.site_id, sizeof s.site_id, v[2]);
    cpy(s.region, sizeof s.region, v[3]), cpy(s.site_name, sizeof s.site_name, v[4]);
    cpy(s.label, sizeof s.label, v[5]), cpy(s.status, sizeof s.status, v[6]), cpy(s.digest, sizeof s.digest, v[7]);
    cpy(s.ingested_utc, sizeof s.ingested_utc, v[8]), cpy(s.created_utc, sizeof s.created_utc, v[9]);
    cpy(s.from_utc, sizeof s.from_utc, v[10]), cpy(s.to_utc, sizeof s.to_utc, v[11]);
    s.from_ns = strtoll(v[12], NULL, 10), s.to_ns = strtoll(v[13], NULL, 10);
    s.number = strtoull(v[14], NULL, 10);
    s.correction = atoi(v[15]), s.rankable = atoi(v[16]), s.versions_match = atoi(v[17]);
    s.coverage = rs_double(v[18]), s.composite = rs_double(v[19]);
    cpy(s.why_not, sizeof s.why_not, v[20]), cpy(s.differences, sizeof s.differences, v[21]);
    cpy(s.archive, sizeof s.archive, v[22]), cpy(s.formula_version, sizeof s.formula_version, v[23]);
    cpy(s.system_id, sizeof s.system_id, v[24]), cpy(s.system_version, sizeof s.system_version, v[25]);
    s.superseded_by = v[26] ? strtoll(v[26], NULL, 10) : 0;
    s.e_dc_wh = rs_double(v[27]), s.e_it_wh = rs_double(v[28]);
    s.ai_tflops[0] = rs_double(v[29]), s.ai_tflops[1] = rs_double(v[30]);
    s.general_tflops[0] = rs_double(v[31]), s.general_tflops[1] = rs_double(v[32]);
    list_t *l = ctx;
    return l->fn(l->ctx, &s);
}

int dcs_region_list(dcs_region_t *r, const char *operator_id, const char *site_id, const char *label,
                    const char *region, dcs_region_sub_fn fn, void *ctx)
{
    const char *p[4] = {operator_id, site_id, label, region};
    list_t l = {fn, ctx};
    return rs_run(r, "SELECT " SUB_COLS " FROM submissions s JOIN sites t ON t.id = s.site_id "
                     "WHERE (CAST($1 AS TEXT) IS NULL OR s.operator_id = CAST($1 AS TEXT)) "
                     "AND (CAST($2 AS TEXT) IS NULL OR s.site_id = CAST($2 AS TEXT)) "
                     "AND (CAST($3 AS TEXT) IS NULL OR s.label = CAST($3 AS TEXT)) "
                     "AND (CAST($4 AS TEXT) IS NULL OR t.region = CAST($4 AS TEXT)) ORDER BY s.id",
                  4, p, sub_row, &l) ? DCS_ESTORE : 0;
}

typedef struct {
    double *cat, *claimed;
    int n;
} values_t;

static int value_row(void *ctx, int nc, const char *const *v)
{
    values_t *x = ctx;
    int at = nc >= 3 && v[0] ? dcs_index_catalogue_index(v[0]) : -1;
    if (at >= 0) {
        x->cat[at] = rs_double(v[1]);
        if (x->claimed)
            x->claimed[at] = rs_double(v[2]);
        x->n++;
    }
    return 0;
}

int dcs_region_values(dcs_region_t *r, long long id, double cat[DCS_INDEX_CAT_MAX],
                      double claimed[DCS_INDEX_CAT_MAX])
{
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", id);
    const char *p[1] = {sid};
    values_t x = {cat, claimed, 0};
    dcs_index_catalogue_clear(cat);
    if (claimed)
        dcs_index_catalogue_clear(claimed);
    if (rs_run(r, "SELECT indicator, value, claimed FROM indicator_values WHERE submission_id = $1", 1, p,
               value_row, &x))
        return DCS_ESTORE;
    return x.n ? 0 : DCS_ENODATA;
}
