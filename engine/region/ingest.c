/* ingest.c: `dcscore region ingest`: a bundle verified (signature, digests,
 * canonical bytes), re-scored from its own PT15M rollups with the region's
 * formula, policy and index system, checked against what the operator claimed,
 * and stored with its figures and findings in one transaction, or refused with
 * one line and nothing stored. */
#define _GNU_SOURCE
#include "region_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MATCH_REL 1e-9 /* claimed and recomputed figures agree to this, relative */

typedef struct {
    dcs_submit_bundle_t b;
    dcs_config_t *cfg;
    dcs_store_t *st;
    dcs_index_site_t site;
    double cat[DCS_INDEX_CAT_MAX];
    int have_site;
} job_t;

static int refuse(dcs_region_ingest_t *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(dcs_region_ingest_t *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->why, sizeof res->why, fmt, ap);
    va_end(ap);
    dcs_text_one_line(res->why);
    return DCS_EINVAL;
}

static int same(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= MATCH_REL * fmax(fabs(a), fabs(b));
}

/* Re-score the bundle from its rollups with the region's policy and system. */
static int rescore(job_t *j, const char *bundle, const dcs_region_ingest_opts_t *o, dcs_region_ingest_t *res)
{
    char err[512];
    if (dcs_config_load(j->b.site_yaml, &j->cfg))
        return refuse(res, "%s: its site.yaml does not load: %s", bundle, dcs_config_errmsg(j->cfg));
    if (strcmp(j->cfg->site->id, j->b.site_id) || strcmp(j->cfg->site->region, j->b.region))
        return refuse(res, "%s: site.yaml is site '%s' of region '%s', the manifest says '%s' of '%s'", bundle,
                      j->cfg->site->id, j->cfg->site->region, j->b.site_id, j->b.region);
    char want[4200]; /* the bundle's own rollups, never a path of the region's machine */
    snprintf(want, sizeof want, "%s/store", j->b.dir);
    if (strcmp(j->cfg->site->store_dir, want) != 0)
        return refuse(res, "%s: site.yaml's store_dir is not the bundle's own (store)", bundle);
    if (dcs_store_open(j->cfg, 'r', &j->st))
        return refuse(res, "%s: its rollups cannot be read", bundle);
    dcs_store_rollups_only(j->st, DCS_STORE_PT15M);
    j->have_site = 1;
    int rc = dcs_index_site_score(j->cfg, j->st, o->pol, o->sys, j->b.from_ns, j->b.to_ns, 86400 * DCS_NS_PER_S,
                                  NULL, NULL, &j->site, err, sizeof err);
    if (rc)
        return rc == DCS_ENOMEM ? (snprintf(res->why, sizeof res->why, "out of memory"), rc)
                                : refuse(res, "%s: cannot be re-scored from its rollups: %s", bundle, err);
    size_t nc;
    const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
    double occ = j->cfg->inventory ? j->cfg->inventory->rack_occupancy : -1;
    for (size_t k = 0; k < nc; k++)
        j->cat[k] = dcs_index_indicator_value(cat[k].id, j->site.sc, &j->site.ind, occ);
    return 0;
}

/* Claimed against recomputed: with the same versions every figure must agree
 * (else refused); with others, the differences are stated and the region's
 * figures kept. */
static int compare(job_t *j, const char *bundle, const dcs_region_ingest_opts_t *o, dcs_region_ingest_t *res)
{
    res->versions_match = strcmp(j->b.formula_version, DCS_METRIC_FORMULA_VERSION) == 0 &&
                          strcmp(j->b.policy_sha256, dcs_index_policy_hash(o->pol)) == 0 &&
                          strcmp(j->b.system_sha256, dcs_index_system_hash(o->sys)) == 0;
    size_t nc, len = 0;
    const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
    char diff[600] = "";
    for (size_t k = 0; k <= nc; k++) {
        double c = k < nc ? j->b.claimed[k] : j->b.claimed_composite;
        double g = k < nc ? j->cat[k] : dcs_index_site_composite(&j->site);
        if (same(c, g))
            continue;
        const char *id = k < nc ? cat[k].id : "composite";
        if (res->versions_match)
            return refuse(res, "%s: claims %s %.10g, its rollups give %.10g (same formula, policy and index "
                          "system: they must agree to %g)", bundle, id, c, g, MATCH_REL);
        if (len < sizeof diff)
            len += (size_t)snprintf(diff + len, sizeof diff - len, "%s%s claimed %.6g, region %.6g", len ? "; " : "",
                                    id, c, g);
    }
    if (!res->versions_match)
        snprintf(res->why, sizeof res->why, "scored with the region's %s, policy %.12s, system %s %s (bundle: %s, "
                 "%.12s, %s %s)%s%s", DCS_METRIC_FORMULA_VERSION, dcs_index_policy_hash(o->pol),
                 dcs_index_system_id(o->sys), dcs_index_system_version(o->sys), j->b.formula_version,
                 j->b.policy_sha256, j->b.system_id, j->b.system_version, diff[0] ? ": " : "", diff);
    return 0;
}

/* The bundle's bytes into the archive as DIGEST.dcsb (temporary name, then
 * renamed). */
static int archive(const char *bundle, const char *dir, const char *digest, char *out, size_t outlen,
                   dcs_region_ingest_t *res)
{
    char tmp[4400];
    snprintf(out, outlen, "%s/%s.dcsb", dir, digest);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    if (mkdir(dir, 0750) && errno != EEXIST)
        return snprintf(res->why, sizeof res->why, "%s: cannot create: %s", dir, strerror(errno)), DCS_EIO;
    FILE *in = fopen(bundle, "rb"), *to = in ? fopen(tmp, "wb") : NULL;
    char buf[65536];
    int bad = !in || !to;
    for (size_t n; !bad && (n = fread(buf, 1, sizeof buf, in)) > 0;)
        bad = fwrite(buf, 1, n, to) != n;
    bad |= (to && (fflush(to) || fsync(fileno(to)))) || (in && ferror(in));
    if (in)
        fclose(in);
    if ((to && fclose(to)) || bad || rename(tmp, out)) {
        unlink(tmp);
        return snprintf(res->why, sizeof res->why, "%s: cannot archive the bundle: %s", out, strerror(errno)),
               DCS_EIO;
    }
    return 0;
}

/* Replay, ownership and overlap: refused (1) or fine (0); -1 on a store error. */
static int checks(dcs_region_t *r, const job_t *j, const char *bundle, dcs_region_ingest_t *res)
{
    char from[32], to[32];
    snprintf(from, sizeof from, "%lld", (long long)j->b.from_ns), snprintf(to, sizeof to, "%lld", (long long)j->b.to_ns);
    long long last = 0, clash = 0;
    const char *p1[1] = {j->b.operator_id}, *p3[3] = {j->b.site_id, from, to};
    int other = rs_site_of_other(r, j->b.site_id, j->b.operator_id);
    if (other < 0 || rs_one(r, "SELECT COALESCE(MAX(number), 0) FROM submissions WHERE operator_id = $1", 1, p1, &last) ||
        rs_one(r, "SELECT id FROM submissions WHERE site_id = $1 AND status = 'accepted' AND from_ns < $3 "
                  "AND to_ns > $2 ORDER BY id LIMIT 1", 3, p3, &clash))
        return -1;
    if (j->b.number <= (unsigned long long)last)
        return refuse(res, "%s: submission number %llu of operator '%s' is not above its last accepted, %lld "
                      "(a replay or an older bundle)", bundle, (unsigned long long)j->b.number, j->b.operator_id,
                      last), 1;
    if (other)
        return refuse(res, "%s: site '%s' belongs to another operator, not '%s'", bundle, j->b.site_id,
                      j->b.operator_id), 1;
    if (clash && !j->b.correction)
        return refuse(res, "%s: site '%s' period %s overlaps accepted submission #%lld: submit it as a correction "
                      "(dcscore submit --correction) to supersede that one", bundle, j->b.site_id, j->b.label,
                      clash), 1;
    return 0;
}

/* The submission row, with the period's energies and compute; its id into res->id. */
static int insert_submission(dcs_region_t *r, const job_t *j, const char *arch, dcs_region_ingest_t *res,
                             int64_t now_ns)
{
    char num[32], from[32], to[32], fu[48], tu[48], cu[48], now[48], txt[8][40];
    snprintf(num, sizeof num, "%llu", (unsigned long long)j->b.number);
    snprintf(from, sizeof from, "%lld", (long long)j->b.from_ns), snprintf(to, sizeof to, "%lld", (long long)j->b.to_ns);
    dcs_time_format(j->b.from_ns, "UTC", fu, sizeof fu), dcs_time_format(j->b.to_ns, "UTC", tu, sizeof tu);
    dcs_time_format(j->b.created_ns, "UTC", cu, sizeof cu), dcs_time_format(now_ns, "UTC", now, sizeof now);
    const dcs_metric_indicators_t *ind = &j->site.ind;
    int inv = j->cfg->inventory && ind->peak_fp32eq_tflops > 0;
    const double v[8] = {res->coverage, res->composite, j->site.sc->e_dc_wh, j->site.sc->e_it_wh,
                         inv ? ind->peak_tflops[DCS_METRIC_FP16] : NAN, inv ? ind->c_eff_tflops[DCS_METRIC_FP16] : NAN,
                         inv ? ind->peak_tflops[DCS_METRIC_FP32] : NAN, inv ? ind->c_eff_tflops[DCS_METRIC_FP32] : NAN};
    const char *n[8];
    for (int k = 0; k < 8; k++)
        n[k] = rs_num(txt[k], sizeof txt[k], v[k]);
    const char *p[32] = {j->b.operator_id, j->b.site_id, num, j->b.label, from, to, fu, tu,
                         j->b.correction ? "1" : "0", res->rankable ? "1" : "0",
                         res->rankable ? NULL : j->site.as.withheld, n[0], n[1], j->b.format,
                         j->b.formula_version, j->b.policy_version, j->b.policy_sha256, j->b.system_id,
                         j->b.system_version, j->b.system_sha256, res->versions_match ? "1" : "0",
                         res->rankable && res->why[0] ? res->why : NULL, j->b.digest, arch, cu, now,
                         n[2], n[3], n[4], n[5], n[6], n[7]};
    const char *q = "INSERT INTO submissions (operator_id, site_id, number, label, from_ns, to_ns, from_utc, "
                    "to_utc, correction, status, rankable, why_not, coverage, composite, format, formula_version, "
                    "policy_version, policy_sha256, system_id, system_version, system_sha256, versions_match, "
                    "differences, digest, archive, created_utc, ingested_utc, e_dc_wh, e_it_wh, fp16_rated_tflops, "
                    "fp16_effective_tflops, fp32_rated_tflops, fp32_effective_tflops) VALUES ($1, $2, $3, $4, $5, "
                    "$6, $7, $8, $9, 'accepted', $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, "
                    "$23, $24, $25, $26, $27, $28, $29, $30, $31, $32) RETURNING id";
    long long id = 0;
    if (rs_one(r, q, 32, p, &id) || !id)
        return -1;
    res->id = id;
    return 0;
}

/* Operator, site, the submission, its indicator values and findings, and the
 * submissions a correction supersedes. */
static int store_all(dcs_region_t *r, const job_t *j, const char *arch, dcs_region_ingest_t *res, int64_t now_ns)
{
    char sid[32], v[40], c[40], seq[16];
    if (rs_register(r, j->b.operator_id, j->b.site_id, j->cfg->site->name, j->b.region, now_ns) ||
        insert_submission(r, j, arch, res, now_ns))
        return -1;
    snprintf(sid, sizeof sid, "%lld", res->id);
    size_t nc;
    const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
    for (size_t k = 0; k < nc; k++) {
        const char *p[5] = {sid, cat[k].id, rs_num(v, sizeof v, j->cat[k]), rs_num(c, sizeof c, j->b.claimed[k]),
                            cat[k].unit};
        if (rs_run(r, "INSERT INTO indicator_values (submission_id, indicator, value, claimed, unit) VALUES "
                      "($1, $2, $3, $4, $5)", 5, p, 0, 0))
            return -1;
    }
    const dcs_metric_score_t *sc = j->site.sc;
    for (size_t i = 0; i < sc->nfindings; i++) {
        snprintf(seq, sizeof seq, "%zu", i + 1);
        const char *p[6] = {sid, seq, sc->findings[i].id, dcs_metric_severity_name(sc->findings[i].severity),
                            sc->findings[i].channel, sc->findings[i].detail};
        if (rs_run(r, "INSERT INTO findings (submission_id, seq, finding, severity, channel, detail) VALUES "
                      "($1, $2, $3, $4, $5, $6)", 6, p, 0, 0))
            return -1;
    }
    char from[32], to[32];
    snprintf(from, sizeof from, "%lld", (long long)j->b.from_ns), snprintf(to, sizeof to, "%lld", (long long)j->b.to_ns);
    const char *pc[4] = {sid, j->b.site_id, from, to};
    long long n = 0;
    if (j->b.correction &&
        (rs_one(r, "SELECT COUNT(*) FROM submissions WHERE site_id = $2 AND status = 'accepted' AND id <> $1 AND "
                   "from_ns < $4 AND to_ns > $3", 4, pc, &n) ||
         rs_run(r, "UPDATE submissions SET status = 'superseded', superseded_by = $1 WHERE site_id = $2 AND "
                   "status = 'accepted' AND id <> $1 AND from_ns < $4 AND to_ns > $3", 4, pc, 0, 0)))
        return -1;
    res->superseded = (size_t)n;
    return 0;
}

/* In one write transaction: the checks, the archive copy, the rows. */
static int commit(dcs_region_t *r, job_t *j, const char *bundle, const dcs_region_ingest_opts_t *o,
                  dcs_region_ingest_t *res)
{
    char arch[4400] = "";
    if (rs_run(r, r->ops->begin, 0, NULL, NULL, NULL))
        return snprintf(res->why, sizeof res->why, "%s", r->errmsg), DCS_ESTORE;
    int k = checks(r, j, bundle, res), rc = k > 0 ? DCS_EINVAL : k < 0 ? DCS_ESTORE : 0;
    if (!rc)
        rc = archive(bundle, o->archive_dir, j->b.digest, arch, sizeof arch, res);
    if (!rc && (store_all(r, j, arch, res, o->now_ns) || rs_run(r, "COMMIT", 0, NULL, NULL, NULL)))
        rc = DCS_ESTORE;
    if (rc) {
        if (rc == DCS_ESTORE && k >= 0)
            snprintf(res->why, sizeof res->why, "%s", r->errmsg);
        rs_run(r, "ROLLBACK", 0, NULL, NULL, NULL);
        if (arch[0] && rc != DCS_EIO)
            unlink(arch);
        res->id = 0;
    }
    return rc;
}

int dcs_region_ingest(dcs_region_t *r, const char *bundle, const dcs_region_ingest_opts_t *o,
                      dcs_region_ingest_t *res)
{
    memset(res, 0, sizeof *res);
    job_t *j = calloc(1, sizeof *j);
    if (!j)
        return snprintf(res->why, sizeof res->why, "out of memory"), DCS_ENOMEM;
    int rc = dcs_submit_open(bundle, o->keyring, o->now_ns, o->tmpdir, &j->b, res->why, sizeof res->why);
    if (!rc) {
        snprintf(res->operator_id, sizeof res->operator_id, "%s", j->b.operator_id);
        snprintf(res->site_id, sizeof res->site_id, "%s", j->b.site_id);
        snprintf(res->label, sizeof res->label, "%s", j->b.label);
        snprintf(res->digest, sizeof res->digest, "%s", j->b.digest);
        res->number = j->b.number;
        rc = rescore(j, bundle, o, res);
    }
    if (!rc)
        rc = compare(j, bundle, o, res);
    if (!rc) {
        res->coverage = j->site.sc->coverage;
        res->composite = dcs_index_site_composite(&j->site);
        res->rankable = !j->site.as.withheld;
        if (!res->rankable)
            snprintf(res->why, sizeof res->why, "not rankable: %s", j->site.as.withheld);
        rc = commit(r, j, bundle, o, res);
    }
    if (j->have_site)
        dcs_index_site_free(&j->site);
    dcs_store_close(j->st);
    dcs_config_free(j->cfg);
    dcs_submit_close(&j->b);
    free(j);
    return rc;
}
