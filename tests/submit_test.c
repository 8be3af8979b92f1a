/* submit_test.c: signed submissions from a site to the region, against SQLite
 * and a real PostgreSQL server started here (initdb + pg_ctl, a Unix socket in
 * a scratch folder, stopped at the end). One day of minute samples at fixed
 * power: facility 1500 W, IT 1000 W, cooling 500 W, so by hand E_DC = 1500 W x
 * 24 h = 36000 Wh, E_IT = 24000 Wh, PUE = 1.5 exactly, coverage 1. The bundle
 * round trip stores the region's re-scored figures (tolerance 1e-12); every
 * refusal (a changed byte in the rollups, the JSON, the signature; an unknown or
 * expired key; a replay or an older number; an overlap; a newer format) leaves
 * the store and the archive as they were; a correction supersedes with its
 * history kept; a region on another index system keeps its own composite (PUE
 * 1.5 between anchors 1.0 and 2.5: 66.67) and states the difference; six hours
 * missing (coverage 0.75) is kept, not rankable; no secret of the site config is
 * in the bundle's bytes. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/region/dcs_region.h"
#include "../engine/submit/dcs_submit.h"
#include "../engine/submit/submit_int.h"
#include "testutil.h"

#define M (60 * DCS_NS_PER_S)
#define DAY (86400 * DCS_NS_PER_S)
#define D0 ((int64_t)1795305600 * DCS_NS_PER_S) /* 2026-11-22T00:00:00Z */

static const char *site_yaml =
    "site: {id: SITE, name: Submit site, region: qingpu, pue_category: 1, timezone: UTC,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}\n"
    "  - {id: pdu, protocol: snmp, host: 127.0.0.1, port: 16161, community: s3cr3t-c0mmunity}\n"
    "  - id: ups\n"
    "    protocol: snmp\n"
    "    host: 127.0.0.1\n"
    "    port: 16162\n"
    "    version: '3'\n"
    "    v3: {user: opsuser-x, auth_password: authpass-s3cr3t, priv_password: privpass-s3cr3t}\n"
    "channels:\n"
    "  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: W, role: facility_total}\n"
    "  - {id: it, device: m, function: 4, address: 2, type: float32, kind: power, unit: W, role: it_total}\n"
    "  - {id: cool, device: pdu, oid: 1.3.6.1.4.1.99.1, kind: power, unit: W, role: cooling}\n";

typedef struct {
    const char *dir;
    char spec[1200], archive[700], keyring[700], key[700], tmp[700];
    dcs_index_policy_t *pol;
    dcs_index_system_t *sys;
    dcs_submit_keyring_t *kr;
    dcs_submit_key_t k;
} ctx_t;

static void sh(const char *fmt, ...)
{
    char cmd[4000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* A site `id` with a day of samples from D0 + day0, a gap of `hole` minutes at noon. */
static dcs_config_t *make_site(const char *dir, const char *id, int day0, int hole)
{
    char yml[2000], *at;
    snprintf(yml, sizeof yml, "%s", site_yaml);
    while ((at = strstr(yml, "SITE")))
        memmove(at + strlen(id), at + 4, strlen(at + 4) + 1), memcpy(at, id, strlen(id));
    char name[100];
    snprintf(name, sizeof name, "%s.yaml", id);
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, name, yml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int i = 0; i <= 1440; i++) {
        if (i >= 720 && i < 720 + hole)
            continue;
        int64_t t = D0 + (int64_t)day0 * DAY + i * M;
        dcs_sample_t s[3] = {{.channel = 0, .t_ns = t, .value = 1500}, {.channel = 1, .t_ns = t, .value = 1000},
                             {.channel = 2, .t_ns = t, .value = 500}};
        assert_int_equal(dcs_store_append(st, s, 3), 0);
    }
    assert_int_equal(dcs_store_flush(st), 0);
    dcs_store_close(st);
    return cfg;
}

/* Write a bundle of site cfg for [from, to) with number n. */
static void submit(ctx_t *c, dcs_config_t *cfg, int64_t from, int64_t to, uint64_t n, int correction, const char *out)
{
    dcs_store_t *st;
    dcs_index_site_t res;
    char err[700];
    dcs_submit_opts_t o = {.label = "2026-11-22", .from_ns = from, .to_ns = to, .number = n, .correction = correction};
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    int rc = dcs_submit_write(cfg, st, c->pol, c->sys, &c->k, &o, out, &res, err, sizeof err);
    if (rc)
        fail_msg("submit: %s", err);
    dcs_index_site_free(&res);
    dcs_store_close(st);
}

static int count_fn(void *ctx, const dcs_region_sub_t *s)
{
    (void)s;
    ++*(int *)ctx;
    return 0;
}

static int rows(dcs_region_t *r)
{
    int n = 0;
    if (dcs_region_list(r, NULL, NULL, NULL, NULL, count_fn, &n))
        fail_msg("list: %s", dcs_region_errmsg(r));
    return n;
}

static int archived(const ctx_t *c)
{
    DIR *d = opendir(c->archive);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static int ingest(ctx_t *c, dcs_region_t *r, const char *bundle, dcs_region_ingest_t *res)
{
    dcs_region_ingest_opts_t o = {.keyring = c->kr, .pol = c->pol, .sys = c->sys, .archive_dir = c->archive,
                                  .tmpdir = c->tmp, .now_ns = dcs_time_now_ns()};
    return dcs_region_ingest(r, bundle, &o, res);
}

/* Refused with `why` in the reason, and nothing stored or archived. */
static void refused(ctx_t *c, dcs_region_t *r, const char *bundle, const char *why)
{
    int n = rows(r), a = archived(c);
    dcs_region_ingest_t res;
    assert_int_equal(ingest(c, r, bundle, &res), DCS_EINVAL);
    if (!strstr(res.why, why))
        fail_msg("%s: refused for '%s', expected '%s'", bundle, res.why, why);
    assert_null(strchr(res.why, '\n'));
    assert_int_equal(rows(r), n);
    assert_int_equal(archived(c), a);
}

/* A copy of src with the byte at `at` (from the end when negative) flipped. */
static const char *flipped(const ctx_t *c, const char *src, long at, const char *name)
{
    static char path[800];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    sh("cp '%s' '%s'", src, path);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f), pos = at < 0 ? size + at : at;
    fseek(f, pos, SEEK_SET);
    int b = fgetc(f);
    fseek(f, pos, SEEK_SET);
    fputc(b ^ 0x01, f);
    fclose(f);
    return path;
}

/* Offset of the first occurrence of needle in file path (-1 none). */
static long find_bytes(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 24];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *p = memmem(buf, n, needle, strlen(needle));
    return p ? p - buf : -1;
}

/* Re-pack src as dst with `from` replaced by `to` in its manifest, signed by
 * key: a bundle its signer really signed, to test what is checked after the
 * signature. */
static void repack(const char *src, const char *dst, const char *from, const char *to, const dcs_submit_key_t *key)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_true(in && out);
    char name[TAR_NAME_MAX + 1], why[200], tmp[900];
    uint64_t size;
    while (tar_next(in, name, &size, why, sizeof why) == 1) {
        char *buf = malloc(size + 1);
        assert_int_equal(fread(buf, 1, size, in), size);
        buf[size] = '\0';
        assert_int_equal(tar_skip_pad(in, size), 0);
        if (strcmp(name, "manifest.json") == 0) {
            char *at = strstr(buf, from), *text = NULL;
            assert_non_null(at);
            assert_true(asprintf(&text, "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from)) > 0);
            free(buf), buf = text, size = strlen(text);
            unsigned char sig[crypto_sign_BYTES];
            char hex[2 * crypto_sign_BYTES + 2];
            crypto_sign_detached(sig, NULL, (unsigned char *)buf, size, key->sk);
            sodium_bin2hex(hex, sizeof hex - 1, sig, sizeof sig);
            strcat(hex, "\n");
            assert_int_equal(tar_add(out, "manifest.json", NULL, buf, size), 0);
            assert_int_equal(tar_add(out, "manifest.sig", NULL, hex, strlen(hex)), 0);
        } else if (strcmp(name, "manifest.sig") != 0) {
            snprintf(tmp, sizeof tmp, "%s.member", dst);
            FILE *m = fopen(tmp, "wb");
            fwrite(buf, 1, size, m), fclose(m);
            assert_int_equal(tar_add(out, name, tmp, NULL, 0), 0);
            unlink(tmp);
        }
        free(buf);
    }
    assert_int_equal(tar_end(out), 0);
    fclose(in), fclose(out);
}

/* Re-pack src as dst with `from` replaced by `to` in member `name`, its size and
 * digest updated in the manifest, signed by key: what an operator could sign. */
static void repack_member(const char *src, const char *dst, const char *name, const char *from, const char *to,
                          const dcs_submit_key_t *key)
{
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    char names[64][TAR_NAME_MAX + 1], why[200];
    char *data[64];
    uint64_t sizes[64], size;
    int n = 0;
    while (n < 64 && tar_next(in, names[n], &size, why, sizeof why) == 1) {
        data[n] = malloc(size + 1);
        assert_int_equal(fread(data[n], 1, size, in), size);
        data[n][size] = '\0', sizes[n] = size;
        assert_int_equal(tar_skip_pad(in, size), 0);
        n++;
    }
    fclose(in);
    char old_hex[65], new_hex[65], *text = NULL, old_entry[200], new_entry[200];
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) {
            char *at = strstr(data[i], from);
            assert_non_null(at);
            dcs_sha256_hex(data[i], sizes[i], old_hex);
            assert_true(asprintf(&text, "%.*s%s%s", (int)(at - data[i]), data[i], to, at + strlen(from)) > 0);
            snprintf(old_entry, sizeof old_entry, "\"size\": %llu, \"sha256\": \"%s\"", (unsigned long long)sizes[i],
                     old_hex);
            free(data[i]), data[i] = text, sizes[i] = strlen(text);
            dcs_sha256_hex(data[i], sizes[i], new_hex);
            snprintf(new_entry, sizeof new_entry, "\"size\": %llu, \"sha256\": \"%s\"", (unsigned long long)sizes[i],
                     new_hex);
        }
    char *m = strstr(data[0], old_entry), *mt = NULL;
    assert_non_null(m);
    assert_true(asprintf(&mt, "%.*s%s%s", (int)(m - data[0]), data[0], new_entry, m + strlen(old_entry)) > 0);
    free(data[0]), data[0] = mt, sizes[0] = strlen(mt);
    unsigned char sig[crypto_sign_BYTES];
    char hex[2 * crypto_sign_BYTES + 2];
    crypto_sign_detached(sig, NULL, (unsigned char *)data[0], sizes[0], key->sk);
    sodium_bin2hex(hex, sizeof hex - 1, sig, sizeof sig);
    strcat(hex, "\n");
    FILE *out = fopen(dst, "wb");
    assert_non_null(out);
    for (int i = 0; i < n; i++) {
        assert_int_equal(tar_add(out, names[i], NULL, i == 1 ? hex : data[i], i == 1 ? strlen(hex) : sizes[i]), 0);
        free(data[i]);
    }
    assert_int_equal(tar_end(out), 0);
    fclose(out);
}

static const char *path_in(const ctx_t *c, const char *name)
{
    static char p[4][800];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 800, "%s/%s", c->dir, name);
    return s;
}

/* The byte offset of the data of the first member whose name starts with `name`. */
static long member_at(const char *bundle, const char *name)
{
    FILE *f = fopen(bundle, "rb");
    char got[TAR_NAME_MAX + 1], why[200];
    uint64_t size;
    long at = -1;
    while (f && at < 0 && tar_next(f, got, &size, why, sizeof why) == 1) {
        if (strncmp(got, name, strlen(name)) == 0)
            at = ftell(f);
        fseek(f, (long)((size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK), SEEK_CUR);
    }
    if (f)
        fclose(f);
    assert_true(at > 0);
    return at;
}

static void tampering(ctx_t *c, dcs_region_t *r, const char *b1)
{
    refused(c, r, flipped(c, b1, member_at(b1, "store/qp-01/rollup/") + 3000, "t-rollup.dcsb"),
            "does not match its digest");
    refused(c, r, flipped(c, b1, member_at(b1, "score.json") + 20, "t-json.dcsb"), "does not match its digest");
    refused(c, r, flipped(c, b1, member_at(b1, "manifest.sig") + 6, "t-sig.dcsb"), "signature");
    refused(c, r, flipped(c, b1, find_bytes(b1, "created_utc") + 18, "t-manifest.dcsb"), "signature");
    refused(c, r, flipped(c, b1, 140, "t-header.dcsb"), "did not write");
    refused(c, r, flipped(c, b1, -100, "t-end.dcsb"), "lone zero block");
    sh("cp '%s' '%s' && printf x >> '%s'", b1, path_in(c, "t-tail.dcsb"), path_in(c, "t-tail.dcsb"));
    refused(c, r, path_in(c, "t-tail.dcsb"), "after the end");
    sh("head -c 20000 '%s' > '%s'", b1, path_in(c, "t-short.dcsb"));
    refused(c, r, path_in(c, "t-short.dcsb"), "truncated");
}

static void keys_and_formats(ctx_t *c, dcs_region_t *r, const char *b1)
{
    char err[600];
    dcs_submit_key_t other;
    assert_int_equal(dcs_submit_keygen("op-x", path_in(c, "op-x.key"), path_in(c, "op-x.pub"), err, sizeof err), 0);
    assert_int_equal(dcs_submit_key_load(path_in(c, "op-x.key"), &other, err, sizeof err), 0);
    repack(b1, path_in(c, "k-unknown.dcsb"), "\"operator\": \"op-a\"", "\"operator\": \"op-x\"", &other);
    refused(c, r, path_in(c, "k-unknown.dcsb"), "operator 'op-x' is not in the keyring");
    repack(b1, path_in(c, "k-forged.dcsb"), "\"submission\": 1", "\"submission\": 9", &other);
    refused(c, r, path_in(c, "k-forged.dcsb"), "does not verify with operator 'op-a''s key");
    repack(b1, path_in(c, "k-newer.dcsb"), "dcscore.bundle/1", "dcscore.bundle/2", &c->k);
    refused(c, r, path_in(c, "k-newer.dcsb"), "bundle format dcscore.bundle/2 is newer");
    /* well signed, but its site.yaml points the region at a folder of its own machine */
    repack_member(b1, path_in(c, "k-store.dcsb"), "site.yaml", "store_dir: \"store\"", "store_dir: \"/etc\"", &c->k);
    refused(c, r, path_in(c, "k-store.dcsb"), "store_dir is not the bundle's own");
    /* the operator's key expired before today: refused, though well signed */
    dcs_submit_keyring_t *kr = c->kr, *old;
    char ring[1200];
    unsigned char pk[32];
    char id[80], hex[65];
    assert_int_equal(dcs_submit_pub_load(path_in(c, "op-a.pub"), id, sizeof id, pk, err, sizeof err), 0);
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    snprintf(ring, sizeof ring, "operators:\n  - {id: op-a, public_key: %s, valid_from: 2025-01-01, "
             "valid_to: 2025-12-31}\n", hex);
    assert_int_equal(dcs_submit_keyring_load(tu_write(c->dir, "old.yaml", ring), &old, err, sizeof err), 0);
    c->kr = old;
    refused(c, r, b1, "no key valid now");
    c->kr = kr;
    dcs_submit_keyring_free(old);
}

typedef struct {
    long long id[8], by[8];
    char status[8][16];
    double e_dc[8], e_it[8];
    int n;
} subs_t;

static int subs_fn(void *ctx, const dcs_region_sub_t *s)
{
    subs_t *x = ctx;
    if (x->n < 8)
        x->id[x->n] = s->id, x->by[x->n] = s->superseded_by, snprintf(x->status[x->n], 16, "%s", s->status),
        x->e_dc[x->n] = s->e_dc_wh, x->e_it[x->n] = s->e_it_wh;
    x->n++;
    return 0;
}

/* The whole suite on one regional store. */
static void suite(ctx_t *c)
{
    char err[700];
    dcs_region_t *r;
    if (dcs_region_open(c->spec, &r, err, sizeof err))
        fail_msg("open %s: %s", c->spec, err);
    assert_int_equal(dcs_region_schema(r), DCS_REGION_SCHEMA_VERSION);
    dcs_config_t *cfg = make_site(c->dir, "qp-01", 0, 0);
    const char *b1 = strdup(path_in(c, "b1.dcsb"));
    submit(c, cfg, D0, D0 + DAY, 1, 0, b1);
    /* no secret of the site config is in the bundle, and it still says where they were */
    const char *secrets[] = {"s3cr3t-c0mmunity", "authpass-s3cr3t", "privpass-s3cr3t", "opsuser-x"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(find_bytes(b1, secrets[i]), -1);
    assert_true(find_bytes(b1, "REDACTED") > 0);
    tampering(c, r, b1);
    keys_and_formats(c, r, b1);
    assert_int_equal(rows(r), 0);

    /* the round trip: the region's own figures, by hand */
    dcs_region_ingest_t res;
    assert_int_equal(ingest(c, r, b1, &res), 0);
    assert_true(res.id > 0 && res.rankable && res.versions_match);
    assert_int_equal(archived(c), 1);
    double cat[DCS_INDEX_CAT_MAX], claimed[DCS_INDEX_CAT_MAX];
    assert_int_equal(dcs_region_values(r, res.id, cat, claimed), 0);
    int pue = dcs_index_catalogue_index("pue"), cov = dcs_index_catalogue_index("coverage");
    assert_true(fabs(cat[pue] - 1.5) <= 1e-12 && fabs(claimed[pue] - 1.5) <= 1e-12);
    assert_true(fabs(cat[cov] - 1.0) <= 1e-12);
    assert_true(fabs(res.coverage - 1.0) <= 1e-12);
    subs_t e = {.n = 0}; /* the period's energies, by hand: 1500 W and 1000 W for 24 h */
    assert_int_equal(dcs_region_list(r, NULL, "qp-01", NULL, NULL, subs_fn, &e), 0);
    assert_true(e.n == 1 && fabs(e.e_dc[0] - 36000) <= 1e-6 && fabs(e.e_it[0] - 24000) <= 1e-6);

    refused(c, r, b1, "is not above its last accepted, 1 (a replay");
    const char *b2 = strdup(path_in(c, "b2.dcsb")), *b3 = strdup(path_in(c, "b3.dcsb"));
    submit(c, cfg, D0, D0 + DAY, 2, 0, b2);
    refused(c, r, b2, "overlaps accepted submission");
    /* a correction supersedes the accepted one; both stay */
    submit(c, cfg, D0 + 6 * 3600 * DCS_NS_PER_S, D0 + DAY, 3, 1, b3);
    assert_int_equal(ingest(c, r, b3, &res), 0);
    assert_int_equal(res.superseded, 1);
    subs_t s = {.n = 0};
    assert_int_equal(dcs_region_list(r, "op-a", "qp-01", NULL, NULL, subs_fn, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.status[0], "superseded");
    assert_int_equal(s.by[0], s.id[1]);
    assert_string_equal(s.status[1], "accepted");
    refused(c, r, b2, "is not above its last accepted, 3"); /* an older number than the last */

    /* the region on another index system (other anchors): kept, its own composite, the difference stated */
    dcs_config_t *cfg3 = make_site(c->dir, "qp-03", 0, 0);
    const char *b5 = strdup(path_in(c, "b5.dcsb"));
    submit(c, cfg3, D0, D0 + DAY, 5, 0, b5);
    const char *sys2 = tu_write(c->dir, "pue2.yaml",
                                "index_system: {id: pue2, version: '1', source: test, weights: {method: fixed}}\n"
                                "nodes:\n  - {id: pue, indicator: pue, weight: 1,\n"
                                "     normalise: {method: linear, best: 1.0, worst: 2.5}}\n");
    dcs_index_system_t *own = c->sys, *other;
    assert_int_equal(dcs_index_system_load(sys2, &other), 0);
    c->sys = other;
    assert_int_equal(ingest(c, r, b5, &res), 0);
    c->sys = own;
    assert_false(res.versions_match);
    assert_non_null(strstr(res.why, "scored with the region's"));
    assert_true(fabs(res.composite - 100 * (2.5 - 1.5) / (2.5 - 1.0)) <= 1e-9); /* 66.67, the region's */
    dcs_index_system_free(other);
    dcs_config_free(cfg3);
    free((void *)b5);

    /* six hours missing: coverage 0.75 < 0.95, kept but not rankable */
    dcs_config_t *cfg2 = make_site(c->dir, "qp-02", 0, 360);
    const char *b4 = strdup(path_in(c, "b4.dcsb"));
    submit(c, cfg2, D0, D0 + DAY, 6, 0, b4);
    assert_int_equal(ingest(c, r, b4, &res), 0);
    assert_false(res.rankable);
    assert_non_null(strstr(res.why, "not rankable"));
    assert_true(fabs(res.coverage - (1440 - 361.0) / 1440) <= 1e-9); /* the hole's edges: 361 minutes */
    assert_int_equal(rows(r), 4);
    dcs_config_free(cfg), dcs_config_free(cfg2);
    free((void *)b1), free((void *)b2), free((void *)b3), free((void *)b4);
    dcs_region_close(r);
}

/* Migrations: a store of schema 1 (what an earlier dcscore wrote) is brought to
 * the current schema on open, its rows kept; one of a newer schema is refused. */
static void test_migrations(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("submit-migrate");
    char db[600], err[700];
    snprintf(db, sizeof db, "%s/old.sqlite", dir);
    dcs_region_t *r;
    assert_int_equal(dcs_region_open(db, &r, err, sizeof err), 0);
    assert_int_equal(dcs_region_schema(r), DCS_REGION_SCHEMA_VERSION);
    dcs_region_close(r);
    sh("sqlite3 '%s' \"ALTER TABLE submissions DROP COLUMN e_dc_wh; ALTER TABLE submissions DROP COLUMN e_it_wh; "
       "ALTER TABLE submissions DROP COLUMN fp16_rated_tflops; ALTER TABLE submissions DROP COLUMN fp16_effective_tflops; "
       "ALTER TABLE submissions DROP COLUMN fp32_rated_tflops; ALTER TABLE submissions DROP COLUMN fp32_effective_tflops; "
       "DROP TABLE status; DELETE FROM schema_migrations WHERE version >= 2; INSERT INTO operators VALUES ('op-old', 'x');\"", db);
    assert_int_equal(dcs_region_open(db, &r, err, sizeof err), 0); /* migrated to 2 */
    assert_int_equal(dcs_region_schema(r), DCS_REGION_SCHEMA_VERSION);
    dcs_region_close(r);
    sh("sqlite3 '%s' \"SELECT e_dc_wh FROM submissions; SELECT id FROM operators;\" | grep -q op-old", db);
    sh("sqlite3 '%s' \"INSERT INTO schema_migrations VALUES (99, 'x')\"", db);
    assert_int_equal(dcs_region_open(db, &r, err, sizeof err), DCS_ESTORE);
    assert_non_null(strstr(err, "schema 99 is newer than this dcscore reads"));
    dcs_region_close(r);
}

static void setup_ctx(ctx_t *c, const char *name)
{
    char err[700];
    c->dir = tu_tmpdir(name);
    snprintf(c->archive, sizeof c->archive, "%s/archive", c->dir);
    snprintf(c->tmp, sizeof c->tmp, "%s", c->dir);
    snprintf(c->key, sizeof c->key, "%s/op-a.key", c->dir);
    assert_int_equal(dcs_submit_keygen("op-a", c->key, path_in(c, "op-a.pub"), err, sizeof err), 0);
    assert_int_equal(dcs_submit_key_load(c->key, &c->k, err, sizeof err), 0);
    char ring[1200], hex[65];
    sodium_bin2hex(hex, sizeof hex, c->k.pk, 32);
    snprintf(ring, sizeof ring, "zone: Asia/Shanghai\noperators:\n  - {id: op-a, name: Operator A, public_key: %s, "
             "valid_from: 2026-01-01}\n", hex);
    if (dcs_submit_keyring_load(tu_write(c->dir, "keyring.yaml", ring), &c->kr, err, sizeof err))
        fail_msg("keyring: %s", err);
    char path[1200];
    snprintf(path, sizeof path, "%s/engine/index/policy.yaml", tu_src());
    assert_int_equal(dcs_index_policy_load(path, &c->pol), 0);
    snprintf(path, sizeof path, "%s/engine/index/systems/default.yaml", tu_src());
    assert_int_equal(dcs_index_system_load(path, &c->sys), 0);
}

static void free_ctx(ctx_t *c)
{
    dcs_submit_keyring_free(c->kr);
    dcs_index_policy_free(c->pol);
    dcs_index_system_free(c->sys);
}

static void test_sqlite(void **state)
{
    (void)state;
    ctx_t c = {0};
    setup_ctx(&c, "submit-sqlite");
    snprintf(c.spec, sizeof c.spec, "%s/qingpu.sqlite", c.dir);
    suite(&c);
    free_ctx(&c);
}

/* A PostgreSQL 15 server of our own: initdb and pg_ctl on a socket in dir
 * (as the postgres user when we are root: initdb refuses root). */
static const char *pg_bin = "/usr/lib/postgresql/15/bin";

static char pg_dir[800]; /* the running server's folder, "" when none */

/* Stopped at exit too: a failed assertion leaves the test by longjmp. */
static void pg_stop(void)
{
    char cmd[2000];
    if (!pg_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "%s%s/pg_ctl -D '%s/pg' -m fast -w stop >/dev/null 2>&1",
             geteuid() == 0 ? "runuser -u postgres -- " : "", pg_bin, pg_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "submit_test: pg_ctl stop failed in %s\n", pg_dir);
    pg_dir[0] = '\0';
}

static int pg_start(const char *dir, char *spec, size_t len)
{
    const char *as = geteuid() == 0 ? "runuser -u postgres -- " : "";
    char cmd[3000];
    if (geteuid() == 0) {
        snprintf(cmd, sizeof cmd, "chown postgres '%s'", dir);
        if (system(cmd))
            return -1;
    }
    snprintf(pg_dir, sizeof pg_dir, "%s", dir);
    atexit(pg_stop);
    snprintf(cmd, sizeof cmd, "%s%s/initdb -D '%s/pg' -U dcscore --auth=trust -E UTF8 >'%s/initdb.log' 2>&1 && "
             "%s%s/pg_ctl -D '%s/pg' -l '%s/pg.log' -w -t 60 -o \"-k '%s' -c listen_addresses='' -p 5499\" start "
             ">'%s/pg_ctl.log' 2>&1", as, pg_bin, dir, dir, as, pg_bin, dir, dir, dir, dir);
    if (system(cmd))
        return -1;
    snprintf(spec, len, "pg:host=%s port=5499 dbname=postgres user=dcscore", dir);
    return 0;
}

static void test_postgresql(void **state)
{
    (void)state;
    ctx_t c = {0};
    setup_ctx(&c, "submit-pg");
    char pgdir[800];
    snprintf(pgdir, sizeof pgdir, "%s/pgsock", c.dir);
    mkdir(pgdir, 0755);
    if (pg_start(pgdir, c.spec, sizeof c.spec)) {
        sh("cat '%s'/*.log >&2 || true", pgdir);
        fail_msg("PostgreSQL did not start (logs above)");
    }
    suite(&c);
    pg_stop();
    free_ctx(&c);
}

/* A private key others may read is refused, with the fix. */
static void test_key_mode(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("submit-keymode");
    char sk[600], pk[600], err[600];
    dcs_submit_key_t k;
    snprintf(sk, sizeof sk, "%s/a.key", dir), snprintf(pk, sizeof pk, "%s/a.pub", dir);
    assert_int_equal(dcs_submit_keygen("op-a", sk, pk, err, sizeof err), 0);
    struct stat sb;
    assert_int_equal(stat(sk, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(dcs_submit_key_load(sk, &k, err, sizeof err), 0);
    chmod(sk, 0644);
    assert_int_equal(dcs_submit_key_load(sk, &k, err, sizeof err), DCS_EINVAL);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(dcs_submit_keygen("op-a", sk, pk, err, sizeof err), DCS_EINVAL); /* never over a key */
    assert_non_null(strstr(err, "exists"));
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_mode),
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_postgresql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
