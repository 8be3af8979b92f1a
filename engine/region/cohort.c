/* cohort.c: a period's cohort from the regional store, for `rank` and the
 * regional and procurement reports: the region's re-scored figures of every
 * accepted submission, each naming the bundle it came from. */
#define _GNU_SOURCE
#include "region_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long long id;
    char site[DCS_SUBMIT_ID_MAX + 1], name[200], region[DCS_SUBMIT_ID_MAX + 1];
    char why[420], source[120], label[32];
    double coverage, e_dc_wh, e_it_wh, ai[2], general[2];
    int rankable;
} row_t;

struct dcs_region_cohort {
    row_t *rows;
    dcs_index_entry_t *e;
    size_t n, cap;
    int oom;
};

static int keep(void *ctx, const dcs_region_sub_t *s)
{
    dcs_region_cohort_t *c = ctx;
    if (strcmp(s->status, "accepted") != 0)
        return 0; /* superseded: history, not the period's figure */
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        row_t *g = realloc(c->rows, cap * sizeof *g);
        if (!g)
            return c->oom = 1;
        c->rows = g, c->cap = cap;
    }
    row_t *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    r->id = s->id, r->coverage = s->coverage, r->rankable = s->rankable;
    r->e_dc_wh = s->e_dc_wh, r->e_it_wh = s->e_it_wh;
    memcpy(r->ai, s->ai_tflops, sizeof r->ai), memcpy(r->general, s->general_tflops, sizeof r->general);
    snprintf(r->label, sizeof r->label, "%s", s->label);
    snprintf(r->site, sizeof r->site, "%s", s->site_id);
    snprintf(r->name, sizeof r->name, "%s", s->site_name[0] ? s->site_name : s->site_id);
    snprintf(r->region, sizeof r->region, "%s", s->region);
    snprintf(r->why, sizeof r->why, "%s", s->why_not);
    snprintf(r->source, sizeof r->source, "submission #%lld, bundle sha256 %s", s->id, s->digest);
    return 0;
}

int dcs_region_cohort(dcs_region_t *r, const char *label, const char *region, dcs_region_cohort_t **out)
{
    dcs_region_cohort_t *c = *out = calloc(1, sizeof *c);
    if (!c)
        return snprintf(r->errmsg, sizeof r->errmsg, "out of memory"), DCS_ENOMEM;
    int rc = dcs_region_list(r, NULL, NULL, label, region, keep, c);
    if (!rc && c->oom)
        rc = (snprintf(r->errmsg, sizeof r->errmsg, "out of memory"), DCS_ENOMEM);
    if (!rc && !c->n)
        rc = (snprintf(r->errmsg, sizeof r->errmsg, "no accepted submission for period '%s'%s%s", label,
                       region ? " of region " : "", region ? region : ""), DCS_ENODATA);
    if (!rc && !(c->e = calloc(c->n, sizeof *c->e)))
        rc = (snprintf(r->errmsg, sizeof r->errmsg, "out of memory"), DCS_ENOMEM);
    for (size_t i = 0; !rc && i < c->n; i++) {
        row_t *w = &c->rows[i];
        dcs_index_entry_t *e = &c->e[i];
        *e = (dcs_index_entry_t){.id = w->site, .name = w->name, .region = w->region, .coverage = w->coverage,
                                 .meter_class_pct = 0.5, .u_cue_pct = NAN, .u_eue_pct = NAN,
                                 .peak_tflops = NAN, .c_eff_tflops = NAN,
                                 .withheld = w->rankable ? NULL : w->why, .source = w->source,
                                 .period = w->label, .e_dc_wh = w->e_dc_wh, .e_it_wh = w->e_it_wh,
                                 .ai_tflops = {w->ai[0], w->ai[1]}, .general_tflops = {w->general[0], w->general[1]}};
        rc = dcs_region_values(r, w->id, e->cat, NULL);
        rc = rc == DCS_ENODATA ? 0 : rc;
    }
    return rc;
}

const dcs_index_entry_t *dcs_region_cohort_entries(const dcs_region_cohort_t *c, size_t *n)
{
    *n = c->n;
    return c->e;
}

void dcs_region_cohort_free(dcs_region_cohort_t *c)
{
    if (!c)
        return;
    free(c->rows), free(c->e), free(c);
}
