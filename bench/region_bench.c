/* region_bench.c: a month of 1,000 channels through submission and the
 * regional store. Writes the month (5-minute samples), rolls it up, submits it
 * (a signed bundle of its PT15M rollups), and ingests it into a new SQLite
 * regional store: verify, re-score from the rollups, store, archive. Baselines
 * in the same run: SHA-256 over the bundle's bytes (reading it once) and the
 * re-score alone (dcs_index_site_score on the rollups). Prints the times, the
 * ratios, the bundle's size and the store's growth per submission, and what a
 * site-year of monthly bundles takes. */
#define _GNU_SOURCE
#include "bench_util.h"
#include "../engine/base/dcs_base.h"
#include "../engine/region/dcs_region.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NCH 1000
#define DAYS 30
#define STEP_S 300
#define T0 ((int64_t)1793462400 * DCS_NS_PER_S) /* 2026-10-31T16:00:00Z: 2026-11-01 in Shanghai */

static long long fsize(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int write_month(dcs_config_t *cfg, int nch)
{
    dcs_store_t *st;
    if (dcs_store_open(cfg, 'w', &st))
        return -1;
    dcs_sample_t *s = malloc((size_t)nch * sizeof *s);
    int rc = s ? 0 : -1;
    for (int64_t t = T0; !rc && t <= T0 + (int64_t)DAYS * 86400 * DCS_NS_PER_S; t += STEP_S * DCS_NS_PER_S) {
        for (int c = 0; c < nch; c++)
            s[c] = (dcs_sample_t){.channel = (uint32_t)c, .t_ns = t,
                                  .value = c ? 900 + (c % 7) * 10 : 1.35 * (nch - 1) * 930};
        rc = dcs_store_append(st, s, (size_t)nch);
    }
    rc = rc || dcs_store_flush(st);
    free(s);
    dcs_store_close(st);
    return rc;
}

#define GROWTH_N 24

/* The regional store's bytes for GROWTH_N submissions of a small site (a
 * correction each, numbers 2..), after a first one made the schema's pages:
 * what a submission's rows take, whatever its channels. -1 on failure. */
static long long store_growth(const char *dir, dcs_index_policy_t *pol, dcs_index_system_t *sys,
                              const dcs_submit_key_t *key, const dcs_submit_keyring_t *kr, char *err, size_t errlen)
{
    char sub[700], db[700], b[700], arch[700];
    snprintf(sub, sizeof sub, "%s/small", dir), snprintf(db, sizeof db, "%s/small.sqlite", dir);
    snprintf(b, sizeof b, "%s/small.dcsb", dir), snprintf(arch, sizeof arch, "%s/small-archive", dir);
    mkdir(sub, 0755);
    dcs_config_t *cfg = bench_site(sub, 3, STEP_S * 1000, "facility_total");
    if (!cfg || write_month(cfg, 3))
        return snprintf(err, errlen, "small site"), -1;
    dcs_region_ingest_opts_t io = {.keyring = kr, .pol = pol, .sys = sys, .archive_dir = arch, .tmpdir = dir,
                                   .now_ns = dcs_time_now_ns()};
    long long first = 0, rc = 0;
    for (int k = 0; !rc && k <= GROWTH_N; k++) {
        dcs_submit_opts_t o = {.label = "2026-11", .from_ns = T0, .to_ns = T0 + (int64_t)DAYS * 86400 * DCS_NS_PER_S,
                               .number = (uint64_t)k + 1, .correction = k > 0};
        dcs_store_t *st = NULL;
        dcs_region_t *r = NULL;
        dcs_index_site_t res = {0};
        dcs_region_ingest_t ir;
        rc = dcs_store_open(cfg, 'r', &st) || dcs_submit_write(cfg, st, pol, sys, key, &o, b, &res, err, errlen) ||
             dcs_region_open(db, &r, err, errlen) || dcs_region_ingest(r, b, &io, &ir);
        dcs_index_site_free(&res);
        dcs_store_close(st);
        dcs_region_close(r); /* closing checkpoints SQLite's WAL into the file */
        if (k == 0)
            first = fsize(db);
    }
    dcs_config_free(cfg);
    return rc ? -1 : fsize(db) - first;
}

int main(void)
{
    char dir[] = "/tmp/dcscore-region-bench-XXXXXX", p[4][700], err[700];
    if (!mkdtemp(dir))
        return 1;
    dcs_config_t *cfg = bench_site(dir, NCH, STEP_S * 1000, "facility_total");
    dcs_index_policy_t *pol = NULL;
    dcs_index_system_t *sys = NULL;
    const char *src = getenv("DCS_SRC") ? getenv("DCS_SRC") : ".";
    snprintf(p[0], sizeof p[0], "%s/engine/index/policy.yaml", src);
    snprintf(p[1], sizeof p[1], "%s/engine/index/systems/default.yaml", src);
    if (!cfg || dcs_index_policy_load(p[0], &pol) || dcs_index_system_load(p[1], &sys) || write_month(cfg, NCH))
        return fprintf(stderr, "region_bench: set-up failed\n"), 1;
    snprintf(p[0], sizeof p[0], "%s/op.key", dir), snprintf(p[1], sizeof p[1], "%s/op.pub", dir);
    snprintf(p[2], sizeof p[2], "%s/month.dcsb", dir), snprintf(p[3], sizeof p[3], "%s/region.sqlite", dir);
    dcs_submit_key_t key;
    if (dcs_submit_keygen("op-bench", p[0], p[1], err, sizeof err) || dcs_submit_key_load(p[0], &key, err, sizeof err))
        return fprintf(stderr, "region_bench: %s\n", err), 1;
    dcs_store_t *st;
    dcs_index_site_t res;
    dcs_submit_opts_t o = {.label = "2026-11", .from_ns = T0, .to_ns = T0 + (int64_t)DAYS * 86400 * DCS_NS_PER_S,
                           .number = 1};
    double t0 = bench_now_s();
    if (dcs_store_open(cfg, 'r', &st) || dcs_submit_write(cfg, st, pol, sys, &key, &o, p[2], &res, err, sizeof err))
        return fprintf(stderr, "region_bench: submit: %s\n", err), 1;
    double t_submit = bench_now_s() - t0;
    dcs_index_site_free(&res);
    /* the re-score alone, on the store now read from its rollups only */
    t0 = bench_now_s();
    if (dcs_index_site_score(cfg, st, pol, sys, o.from_ns, o.to_ns, 86400 * DCS_NS_PER_S, NULL, NULL, &res, err,
                             sizeof err))
        return fprintf(stderr, "region_bench: re-score: %s\n", err), 1;
    double t_rescore = bench_now_s() - t0;
    double pue = res.sc->pue;
    dcs_index_site_free(&res);
    dcs_store_close(st);
    char hex[65];
    t0 = bench_now_s();
    dcs_sha256_file(p[2], hex);
    double t_hash = bench_now_s() - t0;
    char ring[400];
    sodium_bin2hex(hex, sizeof hex, key.pk, 32);
    snprintf(ring, sizeof ring, "operators:\n  - {id: op-bench, public_key: %s, valid_from: 2026-01-01}\n", hex);
    snprintf(p[1], sizeof p[1], "%s/keyring.yaml", dir);
    FILE *f = fopen(p[1], "w");
    fputs(ring, f), fclose(f);
    dcs_submit_keyring_t *kr;
    dcs_region_t *r;
    if (dcs_submit_keyring_load(p[1], &kr, err, sizeof err) || dcs_region_open(p[3], &r, err, sizeof err))
        return fprintf(stderr, "region_bench: %s\n", err), 1;
    char arch[800];
    snprintf(arch, sizeof arch, "%s/archive", dir);
    dcs_region_ingest_opts_t io = {.keyring = kr, .pol = pol, .sys = sys, .archive_dir = arch, .tmpdir = dir,
                                   .now_ns = dcs_time_now_ns()};
    dcs_region_ingest_t ir;
    t0 = bench_now_s();
    if (dcs_region_ingest(r, p[2], &io, &ir))
        return fprintf(stderr, "region_bench: ingest: %s\n", ir.why), 1;
    double t_ingest = bench_now_s() - t0;
    dcs_region_close(r);
    long long bundle = fsize(p[2]), grown = store_growth(dir, pol, sys, &key, kr, err, sizeof err);
    if (grown < 0)
        return fprintf(stderr, "region_bench: growth: %s\n", err), 1;
    printf("region_bench: %d channels x %d days (PUE %.4f), one monthly bundle\n", NCH, DAYS, pue);
    printf("  bundle                 %8.1f MB  (%.0f bytes per channel-day)\n", bundle / 1e6,
           (double)bundle / NCH / DAYS);
    printf("  submit (rollups made)  %8.2f s\n", t_submit);
    printf("  baseline: SHA-256 read %8.3f s  (%.0f MB/s)\n", t_hash, bundle / 1e6 / t_hash);
    printf("  baseline: re-score     %8.3f s  (from the store's rollups)\n", t_rescore);
    printf("  ingest                 %8.3f s  = %.1f x the SHA-256 read, %.2f x (read + re-score)\n", t_ingest,
           t_ingest / t_hash, t_ingest / (t_hash + t_rescore));
    printf("  regional store growth  %8.0f bytes per submission (SQLite, the mean of %d past the first)\n",
           (double)grown / GROWTH_N, GROWTH_N);
    printf("  a site-year of monthly bundles: archive %.2f GB, regional store %.1f KB\n", 12.0 * bundle / 1e9,
           12.0 * grown / GROWTH_N / 1e3);
    dcs_submit_keyring_free(kr);
    dcs_index_system_free(sys);
    dcs_index_policy_free(pol);
    dcs_config_free(cfg);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) != 0;
}
