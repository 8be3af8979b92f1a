/* json.c: the score as JSON for machines (schema "dcscore.score/2", docs/json.md).
 * Numbers are SI-prefixed in their key names (_wh, _kwh, _s); NaN becomes null.
 * Times are UTC ISO 8601 plus the site-zone rendering. */
#include "dcs_metric.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdlib.h>

/* The shortest of %.15g/%.16g/%.17g that reads back as the same double: exact
 * for machines, and 1.3 stays "1.3" for people. */
static void jnum(FILE *f, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

static void jtime(FILE *f, const char *key, int64_t t_ns, const char *tz)
{
    char utc[48], local[48];
    dcs_time_format(t_ns, NULL, utc, sizeof utc);
    dcs_time_format(t_ns, tz, local, sizeof local);
    fprintf(f, "\"%s\": \"%s\", \"%s_local\": \"%s\"", key, utc, key, local);
}

static void json_channels(const dcs_metric_score_t *sc, const dcs_config_t *cfg, FILE *f)
{
    fputs("  \"channels\": [\n", f);
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        const dcs_config_channel_t *c = &cfg->channels[m->channel];
        fputs("    {\"id\": ", f);
        dcs_json_str(f, c->id);
        fprintf(f, ", \"role\": \"%s\", \"kind\": \"%s\", \"unit\": \"%s\", \"cross_check\": %s",
                dcs_config_role_name(c->role), dcs_config_kind_name(c->kind),
                dcs_config_si_unit(c->kind), c->cross_check ? "true" : "false");
        fprintf(f, ", \"samples\": %zu, \"missing\": %zu, \"covered_s\": ", m->samples, m->missing);
        jnum(f, m->covered_s);
        fputs(", \"coverage\": ", f);
        jnum(f, m->coverage);
        fputs(c->kind == DCS_CONFIG_UTILISATION ? ", \"mean_pct\": " : ", \"e_wh\": ", f);
        jnum(f, c->kind == DCS_CONFIG_UTILISATION ? m->mean : m->e_wh);
        if (c->kind == DCS_CONFIG_ENERGY)
            fprintf(f, ", \"counter\": {\"deltas\": %zu, \"rollovers\": %zu, \"resets\": %zu, "
                       "\"implausible\": %zu}", m->counter.deltas, m->counter.rollovers,
                    m->counter.resets, m->counter.implausible);
        if (c->cross_check) {
            fputs(", \"cross_check_rel\": ", f);
            jnum(f, m->cross_check_rel);
        }
        if (m->bridged_gaps) {
            fprintf(f, ", \"bridged\": {\"gaps\": %zu, \"seconds\": ", m->bridged_gaps);
            jnum(f, m->bridged_s);
            fputs(", \"e_wh\": ", f);
            jnum(f, m->bridged_wh);
            fputs(", \"by\": ", f);
            dcs_json_str(f, m->bridged_by);
            fputc('}', f);
        }
        fprintf(f, "}%s\n", i + 1 < sc->nchannels ? "," : "");
    }
    fputs("  ]", f);
}

/* The inventory groups rated from accelerator profiles, with the profile's source. */
static void json_rated_from(const dcs_config_t *cfg, FILE *f)
{
    fputs(",\n    \"rated_from_profiles\": [", f);
    for (unsigned i = 0, k = 0; cfg->inventory && i < cfg->inventory->servers_count; i++) {
        const dcs_config_server_t *sv = &cfg->inventory->servers[i];
        if (!sv->accel)
            continue;
        fputs(k++ ? ", {\"group\": " : "{\"group\": ", f);
        dcs_json_str(f, sv->id);
        fputs(", \"accelerator\": ", f);
        dcs_json_str(f, sv->accel->accelerator);
        fprintf(f, ", \"per_server\": %d, \"servers\": %d, \"source\": ", sv->accelerators, sv->count);
        dcs_json_str(f, sv->accel->source);
        fputs(", \"confidence\": ", f);
        dcs_json_str(f, sv->accel->confidence);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_indicators(const dcs_metric_indicators_t *d, const dcs_config_t *cfg, FILE *f)
{
    static const char *prec[] = {"fp64", "fp32", "fp16", "int8"};
    fputs(",\n  \"indicators\": {\n    \"cue_it_tflops_per_kw\": ", f);
    jnum(f, d->cue_it_tflops_per_kw);
    fputs(", \"cue_dc_tflops_per_kw\": ", f);
    jnum(f, d->cue_dc_tflops_per_kw);
    fputs(",\n    \"c_eff_tflops\": {", f);
    for (int p = 0; p < DCS_METRIC_NPREC; p++) {
        fprintf(f, "%s\"%s\": ", p ? ", " : "", prec[p]);
        jnum(f, d->c_eff_tflops[p]);
    }
    fputs("},\n    \"peak_tflops\": {", f);
    for (int p = 0; p < DCS_METRIC_NPREC; p++) {
        fprintf(f, "%s\"%s\": ", p ? ", " : "", prec[p]);
        jnum(f, d->peak_tflops[p] > 0 ? d->peak_tflops[p] : NAN);
    }
    fputs("},\n    \"c_eff_sources\": {", f);
    for (int p = 0; p < DCS_METRIC_NPREC; p++) {
        fprintf(f, "%s\"%s\": [", p ? ", " : "", prec[p]);
        for (unsigned k = 0; k < d->nsources[p]; k++) {
            fprintf(f, "%s{\"source\": ", k ? ", " : "");
            dcs_json_str(f, d->sources[p][k].name);
            fprintf(f, ", \"grade\": %d, \"rated_tflops\": ", d->sources[p][k].grade);
            jnum(f, d->sources[p][k].rated_tflops);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputs("}, \"c_eff_fp32eq_tflops\": ", f);
    jnum(f, d->c_eff_fp32eq_tflops);
    fputs(", \"peak_fp32eq_tflops\": ", f);
    jnum(f, d->peak_fp32eq_tflops);
    fputs(",\n    \"utilisation_coverage\": ", f);
    jnum(f, d->utilisation_coverage);
    fprintf(f, ", \"servers_missing\": %u, \"p_it_avg_kw\": ", d->servers_missing);
    jnum(f, d->p_it_avg_kw);
    fputs(",\n    \"eue_yuan_per_kwh\": ", f);
    jnum(f, d->eue_yuan_per_kwh);
    fputs(", \"eue_basis\": ", f);
    if (d->eue_basis)
        dcs_json_str(f, d->eue_basis);
    else
        fputs("null", f);
    fputs(", \"output_yuan\": ", f);
    jnum(f, d->output_yuan);
    fputs(", \"output_yuan_per_rack_year\": ", f);
    jnum(f, d->output_yuan_per_rack_year);
    fputs(",\n    \"carbon_cue_kgco2_per_kwh\": ", f);
    jnum(f, d->carbon_cue_kgco2_per_kwh);
    fputs(", \"wue_l_per_kwh\": ", f);
    jnum(f, d->wue_l_per_kwh);
    fputs(", \"erf\": ", f);
    jnum(f, d->erf);
    fputs(", \"ref\": ", f);
    jnum(f, d->ref);
    json_rated_from(cfg, f);
    fputs("\n  }", f);
}

void dcs_metric_score_json(const dcs_metric_score_t *sc, const dcs_config_t *cfg, FILE *f)
{
    dcs_metric_score_json_begin(sc, cfg, NULL, f);
    fputs("\n}\n", f);
}

void dcs_metric_score_json_begin(const dcs_metric_score_t *sc, const dcs_config_t *cfg,
                                 const dcs_metric_indicators_t *ind, FILE *f)
{
    const char *tz = cfg->site->timezone;
    fputs("{\n  \"schema\": \"dcscore.score/2\",\n  \"formula_version\": \"" DCS_METRIC_FORMULA_VERSION
          "\",\n  \"dcscore_version\": \"" DCS_VERSION "\",\n  \"site\": {\"id\": ", f);
    dcs_json_str(f, cfg->site->id);
    fputs(", \"name\": ", f);
    dcs_json_str(f, cfg->site->name);
    fputs(", \"region\": ", f);
    dcs_json_str(f, cfg->site->region);
    fputs(", \"timezone\": ", f);
    dcs_json_str(f, tz);
    fputs("},\n  \"window\": {", f);
    jtime(f, "from", sc->from_ns, tz);
    fputs(", ", f);
    jtime(f, "to", sc->to_ns, tz);
    fprintf(f, ", \"from_ns\": %lld, \"to_ns\": %lld, \"from_unix_s\": %.9f, \"to_unix_s\": %.9f, "
               "\"duration_s\": %.3f, \"days\": %zu, \"days_from_rollups\": %zu},\n",
            (long long)sc->from_ns, (long long)sc->to_ns, (double)sc->from_ns * 1e-9,
            (double)sc->to_ns * 1e-9, (double)(sc->to_ns - sc->from_ns) * 1e-9, sc->days,
            sc->days_from_rollups);
    fprintf(f, "  \"boundary\": {\"pue_category\": %d, \"it_source\": \"%s\"},\n", sc->category,
            sc->it_source);
    fputs("  \"store_problems\": [", f);
    for (size_t i = 0; i < sc->nproblems; i++) {
        fputs(i ? ", " : "", f);
        dcs_json_str(f, sc->problems[i]);
    }
    fputs("],\n  \"coverage\": ", f);
    jnum(f, sc->coverage);
    fputs(", \"coverage_dc\": ", f);
    jnum(f, sc->coverage_dc);
    fputs(", \"coverage_it\": ", f);
    jnum(f, sc->coverage_it);
    fputs(",\n  \"min_coverage\": ", f);
    jnum(f, cfg->site->min_coverage);
    fputs(",\n  \"findings\": [", f);
    for (size_t i = 0; i < sc->nfindings; i++) {
        const dcs_metric_finding_t *x = &sc->findings[i];
        fprintf(f, "%s\n    {\"id\": \"%s\", \"severity\": \"%s\", \"channel\": ", i ? "," : "",
                x->id, dcs_metric_severity_name(x->severity));
        dcs_json_str(f, x->channel);
        fputs(", \"detail\": ", f);
        dcs_json_str(f, x->detail);
        fputc('}', f);
    }
    fprintf(f, "],\n  \"publishable\": %s, \"withheld\": ", dcs_metric_withheld(sc) ? "false" : "true");
    dcs_json_str(f, dcs_metric_withheld(sc));
    fputs(",\n  \"energy_kwh\": {\"dc\": ", f);
    jnum(f, sc->e_dc_wh / 1000);
    fputs(", \"it\": ", f);
    jnum(f, sc->e_it_wh / 1000);
    fputs(", \"cooling\": ", f);
    jnum(f, sc->e_cooling_wh / 1000);
    fputs(", \"lighting_other\": ", f);
    jnum(f, sc->e_other_wh / 1000);
    fputs("},\n  \"pue\": ", f);
    jnum(f, sc->pue);
    fprintf(f, ",\n  \"pue_interval\": %s,\n", sc->to_ns - sc->from_ns < 365LL * 86400 * DCS_NS_PER_S
                                                  ? "true" : "false");
    fprintf(f, "  \"buckets\": {\"width_s\": %lld, \"rows\": [\n", (long long)(sc->bucket_ns / DCS_NS_PER_S));
    for (size_t k = 0; k < sc->nbuckets; k++) {
        fputs("    {", f);
        jtime(f, "start", sc->bucket_start_ns[k], tz);
        fputs(", \"e_dc_kwh\": ", f);
        jnum(f, sc->bucket_e_dc_wh[k] / 1000);
        fputs(", \"e_it_kwh\": ", f);
        jnum(f, sc->bucket_e_it_wh[k] / 1000);
        fputs(", \"pue\": ", f);
        jnum(f, sc->bucket_pue[k]);
        fputs(", \"coverage\": ", f);
        jnum(f, sc->bucket_coverage[k]);
        fprintf(f, "}%s\n", k + 1 < sc->nbuckets ? "," : "");
    }
    fputs("  ]},\n  \"zones\": [", f);
    for (size_t z = 0; z < sc->nzones; z++) {
        fprintf(f, "%s\n    {\"zone\": ", z ? "," : "");
        dcs_json_str(f, sc->zones[z].zone);
        fputs(", \"e_it_kwh\": ", f);
        jnum(f, sc->zones[z].e_it_wh / 1000);
        fputs(", \"e_infra_kwh\": ", f);
        jnum(f, sc->zones[z].e_infra_wh / 1000);
        fputs(", \"ppue\": ", f);
        jnum(f, sc->zones[z].ppue);
        fputs("}", f);
    }
    fputs("],\n", f);
    json_channels(sc, cfg, f);
    if (ind)
        json_indicators(ind, cfg, f);
}

void dcs_metric_eu_kpi_json(const dcs_metric_score_t *sc, const dcs_config_t *cfg,
                            const dcs_metric_indicators_t *ind, FILE *f)
{
    const dcs_config_finance_t *fin = cfg->finance;
    double share = (double)(sc->to_ns - sc->from_ns) * 1e-9 / (365.25 * 86400.0);
    fputs("{\n  \"schema\": \"dcscore.eu-kpi/1\",\n  \"basis\": \"Commission Delegated Regulation (EU) "
          "2024/1364, Annex II key performance indicators (style)\",\n  \"formula_version\": \""
          DCS_METRIC_FORMULA_VERSION "\",\n  \"data_centre\": {\"id\": ", f);
    dcs_json_str(f, cfg->site->id);
    fputs(", \"name\": ", f);
    dcs_json_str(f, cfg->site->name);
    fputs(", \"region\": ", f);
    dcs_json_str(f, cfg->site->region);
    fputs("},\n  \"reporting_period\": {", f);
    jtime(f, "from", sc->from_ns, cfg->site->timezone);
    fputs(", ", f);
    jtime(f, "to", sc->to_ns, cfg->site->timezone);
    fputs("},\n  \"total_energy_consumption_kwh\": ", f);
    jnum(f, sc->e_dc_wh / 1000);
    fputs(",\n  \"it_energy_consumption_kwh\": ", f);
    jnum(f, sc->e_it_wh / 1000);
    fprintf(f, ",\n  \"power_usage_effectiveness\": ");
    jnum(f, sc->pue);
    fprintf(f, ", \"pue_category\": %d,\n  \"total_water_input_l\": ", sc->category);
    jnum(f, fin && fin->water_l_per_year > 0 ? fin->water_l_per_year * share : NAN);
    fputs(", \"water_usage_effectiveness_l_per_kwh\": ", f);
    jnum(f, ind->wue_l_per_kwh);
    fputs(",\n  \"reused_energy_kwh\": ", f);
    jnum(f, fin && fin->reused_kwh_per_year > 0 ? fin->reused_kwh_per_year * share : NAN);
    fputs(", \"energy_reuse_factor\": ", f);
    jnum(f, ind->erf);
    fputs(",\n  \"renewable_energy_kwh\": ", f);
    jnum(f, fin && fin->renewable_kwh_per_year > 0 ? fin->renewable_kwh_per_year * share : NAN);
    fputs(", \"renewable_energy_factor\": ", f);
    jnum(f, ind->ref);
    fputs(",\n  \"data_coverage\": ", f);
    jnum(f, sc->coverage);
    fputs(",\n  \"installed_it_power_kw\": null,\n  \"notes\": \"water, reused and renewable energy are "
          "the operator's yearly figures pro-rated to the period; installed IT power is not "
          "configured\"\n}\n", f);
}
