/* evaluate.c: one site's window, scored end to end as `dcscore score` shows it:
 * energies and PUE from the store, CUE, EUE and companions, the plausibility
 * checks with the policy's limits (the site may raise min_coverage), the grade
 * and policy verdicts, and the site on its index system. Shared by the CLI, the
 * submission bundle (its claimed figures) and the region (its re-score). */
#define _GNU_SOURCE
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The site on the index system. A system that needs a cohort is noted (sys_why),
 * not an error. */
static int on_system(dcs_index_site_t *s, const dcs_config_t *cfg)
{
    double occupancy = cfg->inventory ? cfg->inventory->rack_occupancy : -1;
    int rc = dcs_index_system_site(s->sys, s->sc, &s->ind, occupancy, s->sx, &s->sev, s->sys_why,
                                   sizeof s->sys_why);
    const char *id = dcs_index_system_id(s->sys);
    if (rc == DCS_ENOMEM)
        return rc;
    if (rc) /* the system needs a cohort */
        snprintf(s->sys_why_zh, sizeof s->sys_why_zh, "评价体系 %s 需要在参评名单中整体计算（客观赋权或标准化），"
                 "单个数据中心无法单独计算综合评分", id);
    if (!rc && isnan(s->sev.composite[0])) {
        const char *leaf = s->sev.missing[0] ? s->sev.missing[0] : "?";
        snprintf(s->sys_why, sizeof s->sys_why, "no %s figure for this site: no composite on %s", leaf, id);
        snprintf(s->sys_why_zh, sizeof s->sys_why_zh, "本数据中心缺少指标 %s 的数值，无法按评价体系 %s 计算综合评分",
                 leaf, id);
    }
    return 0;
}

int dcs_index_site_score(dcs_config_t *cfg, dcs_store_t *st, const dcs_index_policy_t *pol,
                         dcs_index_system_t *sys, int64_t from_ns, int64_t to_ns, int64_t bucket_ns,
                         dcs_metric_progress_fn progress, void *ctx, dcs_index_site_t *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->sys = sys;
    int rc = dcs_metric_score_progress(cfg, st, from_ns, to_ns, bucket_ns, progress, ctx, &out->sc, err, errlen);
    if (rc)
        return rc;
    /* The policy's min_coverage is the floor; a site may raise it, not lower it. */
    out->lim = dcs_index_policy_limits(pol);
    out->lim.min_coverage = fmax(out->lim.min_coverage, cfg->site->min_coverage);
    cfg->site->min_coverage = out->lim.min_coverage;
    double f[DCS_METRIC_NPREC];
    for (int p = 0; p < DCS_METRIC_NPREC; p++)
        f[p] = dcs_index_policy_fp32eq(pol, p);
    dcs_metric_indicators(cfg, out->sc, f, dcs_index_policy_cef(pol), &out->ind);
    dcs_metric_check(cfg, out->sc, &out->lim);
    double occupancy = cfg->inventory ? cfg->inventory->rack_occupancy : -1;
    dcs_index_assess(pol, out->sc->pue, occupancy, cfg->site->region, &out->as);
    out->as.withheld = dcs_metric_withheld(out->sc);
    if ((rc = on_system(out, cfg)))
        snprintf(err, errlen, "out of memory");
    return rc;
}

void dcs_index_site_free(dcs_index_site_t *s)
{
    dcs_index_eval_free(&s->sev);
    dcs_metric_score_free(s->sc);
    s->sc = NULL;
}

double dcs_index_site_composite(const dcs_index_site_t *s)
{
    return s->sev.score && !s->sys_why[0] && !s->as.withheld ? s->sev.composite[0] : NAN;
}

/* `,"index_system": {...}`: the site on its index system. */
static void system_json(const dcs_index_site_t *s, FILE *f)
{
    fprintf(f, ",\n  \"index_system\": {\"id\": ");
    dcs_json_str(f, dcs_index_system_id(s->sys));
    fprintf(f, ", \"version\": ");
    dcs_json_str(f, dcs_index_system_version(s->sys));
    fprintf(f, ", \"sha256\": \"%s\", \"composite\": ", dcs_index_system_hash(s->sys));
    dcs_json_num(f, "%.4f", dcs_index_site_composite(s));
    fprintf(f, ", \"withheld\": ");
    dcs_json_str(f, s->as.withheld ? s->as.withheld : s->sys_why[0] ? s->sys_why : NULL);
    fprintf(f, ", \"leaves\": [");
    size_t nn;
    const size_t *ln;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(s->sys, &nn);
    size_t L = s->sev.score ? dcs_index_system_leaves(s->sys, &ln) : 0;
    for (size_t k = 0; k < L; k++) {
        fprintf(f, "%s{\"id\": ", k ? ", " : "");
        dcs_json_str(f, nodes[ln[k]].id);
        fprintf(f, ", \"value\": ");
        dcs_json_num(f, "%.6g", s->sx[k]);
        fprintf(f, ", \"score\": ");
        dcs_json_num(f, "%.4f", s->sev.score[k]);
        fprintf(f, ", \"global_weight\": %.6f}", s->sev.global_w[k]);
    }
    fprintf(f, "]}");
}

void dcs_index_site_json(const dcs_index_site_t *s, const dcs_config_t *cfg, FILE *f)
{
    dcs_metric_score_json_begin(s->sc, cfg, &s->ind, f);
    fputs(",\n", f);
    dcs_index_assessment_json(&s->as, f);
    system_json(s, f);
    fputs("\n}\n", f);
}
