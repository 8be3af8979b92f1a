/* assess.c: one site against the policy file: GB 40879 grade, policy verdicts
 * (region-specific rules apply only in their region), indicator scores and the
 * composite with the policy's default AHP weights. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <string.h>

void dcs_index_assess(const dcs_index_policy_t *pol, const double x[DCS_INDEX_N],
                      double occupancy, const char *region, dcs_index_assessment_t *out)
{
    double lmax;
    memset(out, 0, sizeof *out);
    out->policy_version = dcs_index_policy_version(pol);
    out->grade = dcs_index_grade(pol, x[DCS_INDEX_PUE]);
    out->nrules = dcs_index_policy_rules(pol, &out->rules);
    if (out->nrules > DCS_INDEX_MAX_RULES)
        out->nrules = DCS_INDEX_MAX_RULES;
    for (size_t i = 0; i < out->nrules; i++) {
        const dcs_index_rule_t *r = &out->rules[i];
        out->met[i] = r->region && (!region || strcmp(r->region, region) != 0)
                          ? -1 : dcs_index_rule_met(r, x[DCS_INDEX_PUE], occupancy);
    }
    for (int j = 0; j < DCS_INDEX_N; j++)
        out->score[j] = dcs_index_score(x[j], dcs_index_policy_anchor(pol, j));
    dcs_index_ahp(dcs_index_policy_ahp(pol), DCS_INDEX_N, out->w, &lmax, &out->cr);
    out->composite = dcs_index_composite(out->score, out->w, DCS_INDEX_N);
}

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

void dcs_index_assessment_json(const dcs_index_assessment_t *a, FILE *f)
{
    fputs("  \"assessment\": {\n    \"policy_version\": ", f);
    dcs_json_str(f, a->policy_version);
    fputs(",\n    \"withheld\": ", f);
    dcs_json_str(f, a->withheld);
    fputs(",\n    \"grade\": ", f);
    dcs_json_str(f, a->withheld ? NULL : a->grade);
    fputs(",\n    \"policies\": [", f);
    for (size_t i = 0; i < a->nrules; i++) {
        fprintf(f, "%s\n      {\"id\": ", i ? "," : "");
        dcs_json_str(f, a->rules[i].id);
        fprintf(f, ", \"met\": %s}", a->met[i] < 0 || a->withheld ? "null" : a->met[i] ? "true" : "false");
    }
    fputs("],\n    \"scores\": {", f);
    for (int j = 0; j < DCS_INDEX_N; j++) {
        fprintf(f, "%s\"%s\": ", j ? ", " : "", j == 0 ? "pue" : j == 1 ? "cue" : "eue");
        num(f, a->score[j]);
    }
    fprintf(f, "},\n    \"weights\": {\"method\": \"ahp\", \"pue\": %.6f, \"cue\": %.6f, "
               "\"eue\": %.6f, \"cr\": %.6f},\n    \"composite\": ",
            a->w[0], a->w[1], a->w[2], a->cr);
    num(f, a->withheld ? NAN : a->composite);
    fputs("\n  }", f);
}
