/* findings.c: plausibility checks on a scored window. Each check is a named
 * finding with a severity; an error finding, or coverage below the threshold,
 * makes the window's figures not publishable and withholds every verdict built
 * on them (grade, policy rules, composite). The limits are data: the policy
 * file's `plausibility` block. Definitions: METRICS.md "Findings". */
#include "dcs_metric.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A finding with its detail in English (fmt) and Chinese (zh, the same
 * arguments in the same order). */
static void add(dcs_metric_score_t *sc, const char *id, int severity, const char *channel, const char *zh,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(dcs_metric_score_t *sc, const char *id, int severity, const char *channel, const char *zh,
                const char *fmt, ...)
{
    if (sc->nfindings >= DCS_METRIC_MAX_FINDINGS)
        return;
    dcs_metric_finding_t *f = &sc->findings[sc->nfindings++];
    f->id = id;
    f->severity = severity;
    f->channel = channel;
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(f->detail_zh, sizeof f->detail_zh, zh, aq);
#pragma GCC diagnostic pop
    va_end(aq);
    va_end(ap);
}

static void check_pue(dcs_metric_score_t *sc, const dcs_metric_limits_t *lim)
{
    if (!isfinite(sc->pue))
        add(sc, "no_pue", DCS_FINDING_ERROR, NULL, "无 PUE：本时段未计量到 IT 能耗", "no PUE: no IT energy measured in the window");
    else if (sc->pue < lim->pue_min)
        add(sc, "pue_below_min", DCS_FINDING_ERROR, NULL, "PUE %.4f 低于 %.2f：IT 能耗高于总能耗（请检查电表倍率或角色）",
            "PUE %.4f is below %.2f: IT energy above facility energy (a meter's scale or role?)",
            sc->pue, lim->pue_min);
    else if (sc->pue > lim->pue_max)
        add(sc, "pue_above_max", DCS_FINDING_ERROR, NULL, "PUE %.4f 高于合理上限 %.2f（请检查电表倍率或角色）",
            "PUE %.4f is above the plausible ceiling %.2f (a meter's scale or role?)", sc->pue,
            lim->pue_max);
}

/* IT above facility in any bucket, beyond the two meters' class. Buckets below
 * min_coverage are left to the coverage finding: a silent facility meter is not
 * an IT meter reading high. */
static void check_buckets(dcs_metric_score_t *sc, const dcs_metric_limits_t *lim, const char *tz)
{
    double tol = 2 * lim->meter_class_pct / 100;
    for (size_t k = 0; k < sc->nbuckets; k++)
        if (sc->bucket_coverage[k] >= lim->min_coverage &&
            sc->bucket_e_it_wh[k] > sc->bucket_e_dc_wh[k] * (1 + tol) && sc->bucket_e_it_wh[k] > 0) {
            char t[48];
            dcs_time_format(sc->bucket_start_ns[k], tz, t, sizeof t);
            add(sc, "it_above_facility", DCS_FINDING_ERROR, NULL,
                "自 %3$s 起的时段内 IT 能耗 %1$.3f kWh 高于总能耗 %2$.3f kWh（超出电表准确度等级 %4$.1f %% 的 2 倍）",
                "IT energy %.3f kWh above facility energy %.3f kWh in the bucket from %s "
                "(beyond 2 x %.1f %% meter class)", sc->bucket_e_it_wh[k] / 1000,
                sc->bucket_e_dc_wh[k] / 1000, t, lim->meter_class_pct);
            return; /* one is enough to name */
        }
}

/* Rack PDUs summed against the UPS output (it_total), when both are metered. */
static void check_racks(const dcs_config_t *cfg, dcs_metric_score_t *sc, const dcs_metric_limits_t *lim)
{
    double racks = 0, ups = 0;
    int nr = 0, nu = 0;
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_config_channel_t *c = &cfg->channels[sc->channels[i].channel];
        if (c->kind != DCS_CONFIG_POWER && c->kind != DCS_CONFIG_ENERGY)
            continue;
        if (c->role == DCS_CONFIG_ROLE_IT_RACK && !c->cross_check)
            racks += sc->channels[i].e_wh, nr++;
        else if (c->role == DCS_CONFIG_ROLE_IT_TOTAL && !c->cross_check)
            ups += sc->channels[i].e_wh, nu++;
    }
    double tol = 2 * lim->meter_class_pct / 100;
    if (nr && nu && ups > 0 && racks > ups * (1 + tol))
        add(sc, "racks_above_ups", DCS_FINDING_ERROR, NULL,
            "机柜 PDU 合计 %.3f kWh，高于 UPS 输出 %.3f kWh 达 %.1f %%（超出电表准确度等级 %.1f %% 的 2 倍）",
            "rack PDUs sum to %.3f kWh, above the UPS output %.3f kWh by %.1f %% (beyond 2 x %.1f "
            "%% meter class)", racks / 1000, ups / 1000, (racks / ups - 1) * 100,
            lim->meter_class_pct);
}

/* Did counter channel `id` fill gaps of a power channel? */
static int bridged_by(const dcs_metric_score_t *sc, const char *id)
{
    for (size_t i = 0; i < sc->nchannels; i++)
        if (sc->channels[i].bridged_gaps && strcmp(sc->channels[i].bridged_by, id) == 0)
            return 1;
    return 0;
}

/* Per channel: a counter against its own boundary's integrated power (an error
 * when that counter filled gaps: its energy is then part of the result), and
 * utilisation outside 0..100 %. */
static void check_channels(const dcs_config_t *cfg, dcs_metric_score_t *sc, const dcs_metric_limits_t *lim)
{
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_metric_channel_t *m = &sc->channels[i];
        const dcs_config_channel_t *c = &cfg->channels[m->channel];
        double rel = m->cross_check_rel;
        if (c->cross_check && isfinite(rel) && fabs(rel) * 100 > 2 * lim->meter_class_pct) {
            int used = bridged_by(sc, c->id);
            add(sc, "counter_vs_power", used ? DCS_FINDING_ERROR : DCS_FINDING_WARNING, c->id,
                "%s：电能表 %.3f kWh，同角色功率积分 %.3f kWh（%+.2f %%，超出电表准确度等级 %.1f %% 的 2 倍）%s",
                "%s: %.3f kWh against %.3f kWh integrated for its role (%+.2f %%, beyond 2 x "
                "%.1f %% meter class)%s", c->id, m->e_wh / 1000, m->e_wh / (1 + rel) / 1000,
                rel * 100, lim->meter_class_pct, used ? "; it filled power gaps" : "");
        }
        if (lim->scale_step_max > 0 && m->step_ratio > lim->scale_step_max && !c->cross_check) {
            char day[48];
            dcs_time_format(m->step_day_ns, cfg->site->timezone, day, sizeof day);
            add(sc, "scale_step", DCS_FINDING_ERROR, c->id,
                "%1$s：%3$.10s 前一日平均功率 %2$.6g W，当日 %4$.6g W（×%5$.4g，超过判定倍率跳变的 ×%6$g）",
                "%s: mean power %.6g W the day before %.10s, %.6g W that day (x%.4g, above the "
                "x%g a meter's scale slip is judged by)", c->id, m->step_before_w, day,
                m->step_after_w, m->step_after_w / m->step_before_w, lim->scale_step_max);
        }
        if (c->kind == DCS_CONFIG_UTILISATION && isfinite(m->mean) &&
            (m->mean < -DCS_METRIC_UTIL_SLACK_PCT || m->mean > 100 + DCS_METRIC_UTIL_SLACK_PCT))
            add(sc, "utilisation_range", DCS_FINDING_ERROR, c->id, "%s：平均利用率 %.2f %% 超出 0..100 %%（请检查单位或倍率）",
                "%s: mean utilisation %.2f %% outside 0..100 %% (unit or scale?)", c->id, m->mean);
    }
}

/* Effective compute that rests on GPU utilisation: the share of time any kernel
 * ran (100 % with one warp busy), the lowest grade of source. */
static void check_activity(const dcs_config_t *cfg, dcs_metric_score_t *sc)
{
    for (unsigned i = 0; cfg->inventory && i < cfg->inventory->servers_count; i++) {
        const dcs_config_server_t *sv = &cfg->inventory->servers[i];
        for (int p = 0; p < 4; p++) {
            int g;
            if (sv->prec_channel[p] == UINT32_MAX)
                continue;
            const dcs_config_channel_t *c = &cfg->channels[sv->prec_channel[p]];
            dcs_metric_activity_source(c, &g);
            if (g < 4)
                continue;
            add(sc, "activity_from_gpu_util", DCS_FINDING_WARNING, c->id,
                "%s：服务器组 %s 的有效算力按 GPU 利用率计（只表示有内核在运行，不代表算力单元的工作量），为上限；"
                "请改用张量流水线活跃度（DCGM_FI_PROF_PIPE_TENSOR_ACTIVE）",
                "%s: group %s's effective compute rests on GPU utilisation, the share of time any kernel ran, "
                "not how much of the GPU worked: an upper bound (use DCGM_FI_PROF_PIPE_TENSOR_ACTIVE)",
                c->id, sv->id);
            break;
        }
    }
}

void dcs_metric_check(const dcs_config_t *cfg, dcs_metric_score_t *sc, const dcs_metric_limits_t *lim)
{
    sc->nfindings = 0;
    check_pue(sc, lim);
    check_buckets(sc, lim, cfg->site->timezone);
    check_racks(cfg, sc, lim);
    check_channels(cfg, sc, lim);
    check_activity(cfg, sc);
    if (!(sc->coverage >= lim->min_coverage))
        add(sc, "coverage_below_min", DCS_FINDING_ERROR, NULL,
            "数据覆盖率 %.1f %%（E_DC %.1f %%，E_IT %.1f %%）低于要求的 %.0f %%",
            "coverage %.1f %% (E_DC %.1f %%, E_IT %.1f %%) is below min_coverage %.0f %%",
            sc->coverage * 100, sc->coverage_dc * 100, sc->coverage_it * 100,
            lim->min_coverage * 100);
}

const char *dcs_metric_withheld(const dcs_metric_score_t *sc)
{
    for (size_t i = 0; i < sc->nfindings; i++)
        if (sc->findings[i].severity == DCS_FINDING_ERROR)
            return sc->findings[i].detail;
    return NULL;
}

const char *dcs_metric_withheld_zh(const dcs_metric_score_t *sc, const char *withheld)
{
    for (size_t i = 0; withheld && i < sc->nfindings; i++)
        if (sc->findings[i].detail == withheld || strcmp(sc->findings[i].detail, withheld) == 0)
            return sc->findings[i].detail_zh;
    return withheld;
}

const char *dcs_metric_severity_name(int severity)
{
    return severity == DCS_FINDING_ERROR ? "error" : "warning";
}
