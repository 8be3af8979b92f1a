/* cmd_score.c: `dcscore score` (table or JSON) and `dcscore report` (HTML).
 * Both read the store over a window and run the same scoring. */
#define _GNU_SOURCE
#include "cli.h"
#include "../base/dcs_base.h"
#include "../index/dcs_index.h"
#include "../metric/dcs_metric.h"
#include "../store/dcs_store.h"
#include "../../reports/dcs_report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *score_help =
    "usage: dcscore score [--from T] [--to T] [--period P] [--bucket D]\n"
    "                     [--system SYSTEM.yaml]\n"
    "                     [--json | --eu-kpi] [--allow-partial] SITE.yaml\n"
    "\n"
    "Integrate power to energy (trapezoid over real timestamps; gaps longer than the\n"
    "site's gap_limit_s are missing, not interpolated), sum energies by role and\n"
    "compute PUE = E_DC / E_IT with its measurement category, for the window and per\n"
    "bucket, with coverage (the measured share of the energy, per PUE role).\n"
    "Plausibility findings (policy file) are listed; after an error finding, or with\n"
    "coverage below min_coverage (the policy's 0.95, or the site's if higher), the\n"
    "figures are not publishable: verdicts are withheld and the exit status is 2.\n"
    "Channels are integrated by worker processes (dcscore --threads N score ...;\n"
    "default: the online cores); the figures are the same for any N.\n"
    "\n"
    "  --from T, --to T   window; ISO 8601 (2026-11-23T08:00:00+08:00), a date\n"
    "                     (2026-11-23, site zone) or @UNIX_SECONDS; default: all data\n"
    "  --period P         the previous complete day, month, quarter or year (P) in the\n"
    "                     site's zone\n"
    "  --bucket D         bucket width: 15m, 1h (default), 1d\n"
    "  --json             JSON (schema dcscore.score/2, docs/json.md) instead of a table\n"
    "  --eu-kpi           the EU 2024/1364-style KPI set as JSON (dcscore.eu-kpi/1)\n"
    "  --allow-partial    print figures that are not publishable marked partial, exit 0\n"
    "  --system FILE      the index system (docs/index-system.md) for the composite:\n"
    "                     each indicator's value, score, weight and points (default:\n"
    "                     the policy's index_system, else the shipped default of PUE,\n"
    "                     CUE and EUE); a system that needs a cohort says so\n";

static const char *report_help =
    "usage: dcscore report [--lang en|zh] [--pdf] [-o FILE] [--from T] [--to T] [--period P]\n"
    "                      [--system SYSTEM.yaml] SITE.yaml\n"
    "       dcscore report --region REGION | --procurement [--system SYSTEM.yaml]\n"
    "                      [--lang en|zh] [--pdf] [-o FILE] COHORT.yaml|COHORT.csv\n"
    "       dcscore report --region REGION | --procurement --region-store STORE\n"
    "                      --period LABEL [--system SYSTEM.yaml] [--lang en|zh] [--pdf] [-o FILE]\n"
    "\n"
    "Write a report as one self-contained HTML file (inline CSS and SVG, no scripts)\n"
    "and print its path:\n"
    "  site report (operator): PUE with its category, CUE, EUE, grade, policy\n"
    "    verdicts, the site on its index system with the composite, energy split,\n"
    "    power chart, per-interval table, data quality;\n"
    "  --region: the pilot office's report on the sites of REGION in the cohort, ranked\n"
    "    on the index system with every indicator's figure and score, medians and\n"
    "    compliance over the ranked sites, with the compute-scheduling feed written\n"
    "    beside it (FILE.schedule.json and .csv); a region no entry belongs to is refused;\n"
    "  --procurement: the cohort ranked as `dcscore rank` ranks it, with every weight,\n"
    "    AHP matrix and CR, each indicator's anchors, and per entry each submitted\n"
    "    figure, score, weight and points, confidence and weight sensitivity, dated,\n"
    "    with the ranking as CSV beside it (FILE.csv).\n"
    "  --lang en|zh   language of labels and dates (default en)\n"
    "  --pdf          also print it to FILE.pdf with headless Chromium\n"
    "  -o FILE        output (default: SITE_ID-report.html, REGION-report.html or\n"
    "                 procurement-report.html in the current folder)\n"
    "  --region-store STORE --period LABEL  the cohort of period LABEL's accepted\n"
    "                 submissions in a regional store (docs/region.md)\n"
    "  --system FILE  the index system (default: a cohort's system:, the policy's\n"
    "                 index_system, else the shipped default)\n"
    "  --from, --to, --period, --bucket, --allow-partial as for `dcscore score` (site\n"
    "                 report; one that is not publishable is written with the reason\n"
    "                 in a banner and exits 2)\n";

static int parse_args(int argc, char **argv, score_args_t *a, const char *help)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'F'}, {"to", required_argument, 0, 'T'},
        {"bucket", required_argument, 0, 'b'}, {"json", no_argument, 0, 'j'},
        {"lang", required_argument, 0, 'L'}, {"region", required_argument, 0, 'R'},
        {"procurement", no_argument, 0, 'P'}, {"pdf", no_argument, 0, 'p'},
        {"eu-kpi", no_argument, 0, 'E'}, {"period", required_argument, 0, 'D'},
        {"allow-partial", no_argument, 0, 'A'}, {"system", required_argument, 0, 'S'},
        {"region-store", required_argument, 0, 'G'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    a->bucket_ns = 3600 * DCS_NS_PER_S;
    while ((c = getopt_long(argc, argv, "o:qv", opts, NULL)) != -1) {
        switch (c) {
        case 'F': a->from = optarg; break;
        case 'T': a->to = optarg; break;
        case 'o': a->out = optarg; break;
        case 'j': a->json = 1; break;
        case 'R': a->region = optarg; break;
        case 'P': a->procurement = 1; break;
        case 'p': a->pdf = 1; break;
        case 'E': a->eu_kpi = 1; break;
        case 'D': a->period = optarg; break;
        case 'A': a->allow_partial = 1; break;
        case 'S': a->system = optarg; break;
        case 'G': a->region_store = optarg; break;
        case 'L':
            if (dcs_report_lang_parse(optarg, &a->lang)) {
                fprintf(stderr, "dcscore: --lang takes en or zh\n");
                return CLI_USAGE;
            }
            break;
        case 'q': cli_verbosity = 1; break;
        case 'v': cli_verbosity = 3; break;
        case 'b':
            if (!(a->bucket_ns = cli_parse_duration(optarg))) {
                fprintf(stderr, "dcscore: bad --bucket '%s' (e.g. 15m, 1h, 1d)\n", optarg);
                return CLI_USAGE;
            }
            break;
        case 'h': fputs(help, stdout); return -1;
        default: fputs(help, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - (a->region_store ? 0 : 1) || (a->region_store && !(a->region || a->procurement))) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Everything score and report need about a scored window. */
typedef struct {
    dcs_config_t *cfg;
    dcs_store_t *st;
    dcs_index_policy_t *pol;
    dcs_index_system_t *sys;   /* --system, else the policy's or the shipped default */
    dcs_report_lang_t lang;
    dcs_index_site_t r;        /* the window, scored end to end */
} scored_t;

/* The site on the index system: a line per leaf, then the composite. */
static void print_system(const scored_t *s)
{
    printf("index      %s %s (sha256 %.16s...)\n", dcs_index_system_id(s->sys), dcs_index_system_version(s->sys),
           dcs_index_system_hash(s->sys));
    if (s->r.sys_why[0] && !s->r.sev.score) {
        printf("composite  none: %s\n\n", s->r.sys_why);
        return;
    }
    size_t nn;
    const size_t *ln;
    const dcs_index_node_t *nodes = dcs_index_system_nodes(s->sys, &nn);
    size_t L = dcs_index_system_leaves(s->sys, &ln);
    for (size_t k = 0; k < L; k++)
        if (isfinite(s->r.sx[k]))
            printf("  %-12s %12.4g %-12s score %6.1f  weight %.4f  points %6.2f\n", nodes[ln[k]].id, s->r.sx[k],
                   nodes[ln[k]].unit, s->r.sev.score[k], s->r.sev.global_w[k], s->r.sev.contribution[k]);
        else
            printf("  %-12s %12s %-12s weight %.4f  (no figure: no points)\n", nodes[ln[k]].id, "not measured",
                   nodes[ln[k]].unit, s->r.sev.global_w[k]);
    if (s->r.as.withheld)
        printf("composite  withheld: %s\n\n", s->r.as.withheld);
    else if (s->r.sys_why[0])
        printf("composite  none: %s\n\n", s->r.sys_why);
    else
        printf("composite  %.2f / 100 (the sum of the points)\n\n", s->r.sev.composite[0]);
}

/* Load config, policy and index system, open the store, score the window end
 * to end. Returns a CLI_* code. */
static int run_score(const char *path, const score_args_t *a, scored_t *s)
{
    int64_t from = 0, to = 0;
    char err[512];
    if (!(s->cfg = cli_load_config(path)) || !(s->pol = cli_policy_load()))
        return CLI_USAGE;
    int rc = a->period ? cli_period(s->cfg, a->period, dcs_time_now_ns(), &from, &to)
                       : cli_window(s->cfg, a->from, a->to, &from, &to);
    if (rc)
        return rc;
    if ((rc = cli_system_load(s->pol, a->system, &s->sys)))
        return rc;
    if (dcs_store_open(s->cfg, 'r', &s->st))
        return CLI_FAIL;
    rc = dcs_index_site_score(s->cfg, s->st, s->pol, s->sys, from, to, a->bucket_ns, cli_progress,
                              "scoring channels", &s->r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "dcscore: %s\n", err);
        return rc == DCS_ENOMEM ? CLI_FAIL : CLI_DATA;
    }
    for (size_t i = 0; i < s->r.sc->nproblems; i++)
        fprintf(stderr, "dcscore: warning: skipped %s\n", s->r.sc->problems[i]);
    return CLI_OK;
}

/* "LABEL  VALUE UNIT NOTE", or "LABEL  not measured (why)". */
static void print_figure(const scored_t *s, const char *label, const char *what, double v, const char *unit,
                         const char *note)
{
    const char *why = dcs_metric_missing(s->cfg, s->r.sc, &s->r.ind, what);
    if (why)
        printf("%-10s %s\n", label, why);
    else
        printf("%-10s %.3f %s%s\n", label, v, unit, note);
}

static void print_assessment(const scored_t *s)
{
    const dcs_metric_indicators_t *d = &s->r.ind;
    const dcs_index_assessment_t *as = &s->r.as;
    char note[200], basis[80];
    snprintf(note, sizeof note, " (FP32-equivalent; utilisation known for %.1f %% of %.0f rated TFLOPS)",
             d->utilisation_coverage * 100, d->peak_fp32eq_tflops);
    snprintf(basis, sizeof basis, " (%s)", d->eue_basis ? d->eue_basis : "");
    print_figure(s, "CUE_IT", "cue_it", d->cue_it_tflops_per_kw, "TFLOPS/kW", note);
    print_figure(s, "CUE_DC", "cue_dc", d->cue_dc_tflops_per_kw, "TFLOPS/kW", "");
    print_figure(s, "EUE", "eue", d->eue_yuan_per_kwh, "yuan/kWh", basis);
    print_figure(s, "carbon CUE", "carbon", d->carbon_cue_kgco2_per_kwh, "kgCO2/kWh of IT", "");
    if (as->withheld) {
        printf("grade      withheld: %s\npolicy     withheld: %s\n", as->withheld, as->withheld);
        return;
    }
    printf("grade      %s\n", as->grade);
    for (size_t i = 0; i < as->nrules; i++)
        printf("policy     %-20s %s\n", as->rules[i].id,
               as->met[i] < 0 ? "not applicable (other region)" : as->met[i] ? "met" : "NOT met");
    printf("formula    %s\n", as->policy_version);
}

static void print_findings(const dcs_metric_score_t *sc, const dcs_config_t *cfg)
{
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        if (m->bridged_gaps)
            printf("bridged    %s: %zu gap%s, %.1f s, %.3f kWh from counter %s\n",
                   cfg->channels[m->channel].id, m->bridged_gaps, m->bridged_gaps > 1 ? "s" : "",
                   m->bridged_s, m->bridged_wh / 1000, m->bridged_by);
    }
    for (size_t i = 0; i < sc->nfindings; i++)
        printf("finding    %-7s %s: %s\n", dcs_metric_severity_name(sc->findings[i].severity),
               sc->findings[i].id, sc->findings[i].detail);
}

static void print_table(const scored_t *s)
{
    const dcs_config_t *cfg = s->cfg;
    const dcs_metric_score_t *sc = s->r.sc;
    char from[48], to[48];
    const char *tz = cfg->site->timezone;
    dcs_time_format(sc->from_ns, tz, from, sizeof from);
    dcs_time_format(sc->to_ns, tz, to, sizeof to);
    const char *rname = s->r.as.region_en;
    if (rname && strcmp(rname, cfg->site->region) != 0)
        printf("site       %s (%s, region %s: %s)\n", cfg->site->id, cfg->site->name, cfg->site->region, rname);
    else
        printf("site       %s (%s, region %s)\n", cfg->site->id, cfg->site->name, cfg->site->region);
    double len_s = (double)(sc->to_ns - sc->from_ns) * 1e-9;
    if (len_s >= 2 * 86400)
        printf("window     %s .. %s (%s, %.4g days)\n", from, to, tz, len_s / 86400);
    else
        printf("window     %s .. %s (%s, %.0f s)\n", from, to, tz, len_s);
    printf("boundary   PUE category %d, E_IT from %s\n", sc->category, sc->it_source);
    printf("coverage   %.1f %% of the energy (E_DC %.1f %%, E_IT %.1f %%; threshold %.0f %%)\n",
           sc->coverage * 100, sc->coverage_dc * 100, sc->coverage_it * 100,
           cfg->site->min_coverage * 100);
    print_findings(sc, cfg);
    printf("E_DC       %.3f kWh\nE_IT       %.3f kWh\ncooling    %.3f kWh\nother      %.3f kWh\n",
           sc->e_dc_wh / 1000, sc->e_it_wh / 1000, sc->e_cooling_wh / 1000, sc->e_other_wh / 1000);
    if (isfinite(sc->pue))
        printf("PUE%d       %.4f%s\n", sc->category, sc->pue,
               sc->to_ns - sc->from_ns < 365LL * 86400 * DCS_NS_PER_S ? "  (interval PUE: trend only)" : "");
    else
        printf("PUE%d       %s\n", sc->category, dcs_metric_missing(cfg, sc, &s->r.ind, "pue"));
    for (size_t z = 0; z < sc->nzones; z++)
        printf("pPUE       %.4f  zone %s (IT %.3f kWh, cooling + other %.3f kWh)\n", sc->zones[z].ppue,
               sc->zones[z].zone, sc->zones[z].e_it_wh / 1000, sc->zones[z].e_infra_wh / 1000);
    print_assessment(s);
    print_system(s);
    printf("%-26s %12s %12s %8s %9s\n", "bucket start", "E_DC kWh", "E_IT kWh", "PUE", "coverage");
    for (size_t k = 0; k < sc->nbuckets; k++) {
        char t[48];
        dcs_time_format(sc->bucket_start_ns[k], tz, t, sizeof t);
        char pue[16] = "-";
        if (isfinite(sc->bucket_pue[k]))
            snprintf(pue, sizeof pue, "%.4f", sc->bucket_pue[k]);
        printf("%-26s %12.3f %12.3f %8s %8.1f%%\n", t, sc->bucket_e_dc_wh[k] / 1000,
               sc->bucket_e_it_wh[k] / 1000, pue, sc->bucket_coverage[k] * 100);
    }
    printf("\n%-24s %-15s %8s %8s %9s %14s\n", "channel", "role", "samples", "flagged",
           "coverage", "kWh | mean %");
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        const dcs_config_channel_t *c = &cfg->channels[m->channel];
        printf("%-24s %-15s %8zu %8zu %8.1f%% %14.3f%s\n", c->id, dcs_config_role_name(c->role),
               m->samples, m->missing, m->coverage * 100,
               c->kind == DCS_CONFIG_UTILISATION ? m->mean : m->e_wh / 1000,
               c->cross_check ? "  cross-check" : "");
    }
}

/* Exit code of score and report: CLI_DATA when the figures are not publishable
 * (an error finding or coverage below min_coverage), unless --allow-partial. */
static int publish_verdict(const score_args_t *a, const scored_t *s)
{
    const char *why = s->r.as.withheld;
    if (!why)
        return CLI_OK;
    fprintf(stderr, "dcscore: %s: %s: %s\n", s->cfg->site->id,
            a->allow_partial ? "partial (--allow-partial), verdicts withheld" : "not publishable", why);
    return a->allow_partial ? CLI_OK : CLI_DATA;
}

/* What score and report do once the window is scored; returns a CLI_* code. */
typedef int (*score_action_fn)(const score_args_t *a, const scored_t *s);

/* Shared shell of `score` and `report`: arguments, scoring, clean-up. */
static int score_command(int argc, char **argv, const char *help, score_action_fn action)
{
    score_args_t a = {0};
    int rc = parse_args(argc, argv, &a, help);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    scored_t s = {.lang = a.lang};
    rc = run_score(argv[optind], &a, &s);
    if (!rc)
        rc = action(&a, &s);
    dcs_index_site_free(&s.r);
    dcs_index_system_free(s.sys);
    dcs_store_close(s.st);
    dcs_index_policy_free(s.pol);
    dcs_config_free(s.cfg);
    return rc;
}

static int print_score(const score_args_t *a, const scored_t *s)
{
    if (a->eu_kpi) {
        dcs_metric_eu_kpi_json(s->r.sc, s->cfg, &s->r.ind, stdout);
    } else if (a->json) {
        dcs_index_site_json(&s->r, s->cfg, stdout);
    } else {
        print_table(s);
    }
    return publish_verdict(a, s);
}

int cmd_score(int argc, char **argv)
{
    return score_command(argc, argv, score_help, print_score);
}

/* Chart lines: the power channels of every role of the energy balance
 * (facility, IT total, cooling, other; not racks or servers), up to max. */
static size_t chart_series(const dcs_config_t *cfg, dcs_store_t *st, const dcs_metric_score_t *sc,
                           dcs_store_series_t *raw, dcs_report_series_t *out, size_t max)
{
    static const char *colours[] = {"#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e", "#566573"};
    size_t n = 0;
    for (unsigned i = 0; i < cfg->channels_count && n < max; i++) {
        const dcs_config_channel_t *c = &cfg->channels[i];
        if (c->kind != DCS_CONFIG_POWER || c->cross_check ||
            (c->role != DCS_CONFIG_ROLE_FACILITY_TOTAL && c->role != DCS_CONFIG_ROLE_IT_TOTAL &&
             c->role != DCS_CONFIG_ROLE_COOLING && c->role != DCS_CONFIG_ROLE_LIGHTING_OTHER))
            continue;
        if (dcs_store_read(st, c->id, sc->from_ns, sc->to_ns, &raw[n]))
            continue;
        out[n] = (dcs_report_series_t){.label = c->id, .colour = colours[n % 6],
                                       .t_ns = raw[n].t_ns, .value = raw[n].value, .n = raw[n].n};
        n++;
    }
    return n;
}

/* PUE from the start of the month and of the year (site zone) to the window's end. */
static size_t period_pues(const scored_t *s, dcs_report_period_t *out)
{
    static const char *labels[2] = {"Month to date", "Year to date"};
    const char *tz = s->cfg->site->timezone;
    char iso[48], start[16];
    size_t n = 0;
    dcs_time_format(s->r.sc->to_ns - 1, tz, iso, sizeof iso);
    for (int k = 0; k < 2; k++) {
        snprintf(start, sizeof start, k == 0 ? "%.7s-01" : "%.4s-01-01", iso);
        int64_t from;
        dcs_metric_score_t *p = NULL;
        char err[256];
        if (dcs_time_parse(start, tz, &from) || from >= s->r.sc->from_ns ||
            dcs_metric_score(s->cfg, s->st, from, s->r.sc->to_ns, 86400 * DCS_NS_PER_S, &p, err, sizeof err))
            continue; /* the window already covers it, or nothing to read */
        dcs_metric_check(s->cfg, p, &s->r.lim); /* the same checks as the window's */
        const char *why = dcs_metric_withheld(p);
        out[n] = (dcs_report_period_t){.label = labels[k], .from_ns = from, .to_ns = s->r.sc->to_ns,
                                       .pue = why ? NAN : p->pue, .coverage = p->coverage};
        snprintf(out[n].withheld_zh, sizeof out[0].withheld_zh, "%s", why ? dcs_metric_withheld_zh(p, why) : "");
        snprintf(out[n++].withheld, sizeof out[0].withheld, "%s", why ? why : "");
        dcs_metric_score_free(p);
    }
    return n;
}

static int write_report(const char *path, const scored_t *s)
{
    const dcs_config_t *cfg = s->cfg;
    const dcs_metric_score_t *sc = s->r.sc;
    dcs_store_t *st = s->st;
    dcs_store_series_t raw[6] = {0};
    dcs_report_series_t series[6];
    size_t ns = chart_series(cfg, st, sc, raw, series, 6);
    FILE *f = fopen(path, "w");
    dcs_report_period_t periods[2];
    size_t np = period_pues(s, periods);
    dcs_report_site_system_t sy = {.sys = s->sys, .x = s->r.sx, .ev = s->r.sev.score ? &s->r.sev : NULL,
                                   .why = s->r.sys_why[0] ? s->r.sys_why : NULL,
                                   .why_zh = s->r.sys_why_zh[0] ? s->r.sys_why_zh : NULL};
    int rc = !f ? DCS_EIO
                : dcs_report_site_html(f, s->lang, cfg, sc, &s->r.ind, &s->r.as, series, ns, periods, np,
                                       s->sys ? &sy : NULL);
    if (f && fclose(f))
        rc = DCS_EIO;
    for (size_t i = 0; i < ns; i++)
        dcs_store_series_free(&raw[i]);
    if (rc)
        fprintf(stderr, "dcscore: %s: cannot write the report\n", path);
    return rc ? CLI_FAIL : CLI_OK;
}

static int report_score(const score_args_t *a, const scored_t *s)
{
    char def[128];
    snprintf(def, sizeof def, "%s-report.html", s->cfg->site->id);
    const char *out = a->out ? a->out : def;
    int rc = write_report(out, s);
    if (!rc)
        rc = cli_report_done(out, a->pdf);
    return rc ? rc : publish_verdict(a, s);
}

int cmd_report(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* cohort reports take a cohort file instead of a site */
        if (strcmp(argv[i], "--procurement") == 0 || strncmp(argv[i], "--region", 8) == 0) {
            score_args_t a = {0};
            int rc = parse_args(argc, argv, &a, report_help);
            return rc ? (rc < 0 ? CLI_OK : rc) : cli_cohort_report(&a, a.region_store ? NULL : argv[optind]);
        }
    return score_command(argc, argv, report_help, report_score);
}
