/* assess.c: one site against the policy file: GB 40879 grade and policy
 * verdicts (region-specific rules apply only in their region). Scores and the
 * composite come from the index system (system.c). */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <string.h>

void dcs_index_assess(const dcs_index_policy_t *pol, double pue, double occupancy, const char *region,
                      dcs_index_assessment_t *out)
{
    memset(out, 0, sizeof *out);
    out->policy_version = dcs_index_policy_version(pol);
    out->grade = dcs_index_grade(pol, pue);
    out->grade_zh = dcs_index_policy_grade_zh(pol, out->grade);
    out->region_en = dcs_index_policy_region(pol, region, 0);
    out->region_zh = dcs_index_policy_region(pol, region, 1);
    out->nrules = dcs_index_policy_rules(pol, &out->rules);
    if (out->nrules > DCS_INDEX_MAX_RULES)
        out->nrules = DCS_INDEX_MAX_RULES;
    for (size_t i = 0; i < out->nrules; i++) {
        const dcs_index_rule_t *r = &out->rules[i];
        out->met[i] = r->region && (!region || strcmp(r->region, region) != 0)
                          ? -1 : dcs_index_rule_met(r, pue, occupancy);
    }
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
    fputs("]\n  }", f);
}
