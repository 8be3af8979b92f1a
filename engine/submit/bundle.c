/* bundle.c: `dcscore submit`: a period scored from its PT15M rollups (as the
 * region will re-score it), packed with those rollups, the site config without
 * secrets, the policy and index system used, and a signed manifest of digests. */
#define _GNU_SOURCE
#include "dcs_submit.h"
#include "submit_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUARTER_NS (900 * DCS_NS_PER_S)

typedef struct {
    char name[TAR_NAME_MAX + 1];  /* member name */
    char path[4200];              /* its file in the work folder */
    uint64_t size;
    char sha256[65];
} member_t;

typedef struct {
    char dir[4200];
    member_t m[DCS_SUBMIT_MAX_FILES];
    size_t n;
} work_t;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

void submit_rmtree(const char *dir)
{
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make member `name` (a file the caller then writes at the returned path). */
static const char *member(work_t *w, const char *name)
{
    if (w->n == DCS_SUBMIT_MAX_FILES)
        return NULL;
    member_t *m = &w->m[w->n++];
    char path[sizeof m->path];
    snprintf(path, sizeof path, "%s/%s", w->dir, name);
    snprintf(m->name, sizeof m->name, "%s", name);
    memcpy(m->path, path, sizeof path);
    return m->path;
}

static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    char buf[65536];
    int rc = in && out ? 0 : -1;
    for (size_t n; !rc && (n = fread(buf, 1, sizeof buf, in)) > 0;)
        rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = -1;
    return rc;
}

/* Every UTC day of [from, to) with data gets a current rollup, and its PT15M
 * level goes to store/SITE/rollup/ of the work folder. */
static int add_rollups(work_t *w, dcs_store_t *st, const dcs_config_t *cfg, int64_t from, int64_t to, char *err,
                       size_t errlen)
{
    char dir[4400], name[200];
    snprintf(dir, sizeof dir, "%s/store/%s/rollup", w->dir, cfg->site->id);
    char mk[4500];
    snprintf(mk, sizeof mk, "%s/store", w->dir);
    mkdir(mk, 0755);
    snprintf(mk, sizeof mk, "%s/store/%s", w->dir, cfg->site->id);
    mkdir(mk, 0755);
    if (mkdir(dir, 0755) && errno != EEXIST)
        return snprintf(err, errlen, "%s: %s", dir, strerror(errno)), DCS_EIO;
    for (int64_t day = dcs_time_day(from); day <= dcs_time_day(to - 1); day++) {
        char path[4400];
        struct stat sb;
        dcs_store_rollup_path(st, day, path, sizeof path);
        if (!dcs_store_day_exists(st, day) && stat(path, &sb) != 0)
            continue; /* no data that day */
        int rc = dcs_store_rollup_day(st, day);
        const char *base = strrchr(path, '/') + 1;
        snprintf(name, sizeof name, "store/%s/rollup/%s", cfg->site->id, base);
        const char *to_path = rc ? NULL : member(w, name);
        if (!rc && !to_path)
            return snprintf(err, errlen, "more than %d days in one bundle", DCS_SUBMIT_MAX_FILES - 8), DCS_EINVAL;
        if (!rc)
            rc = dcs_store_rollup_extract(st, day, DCS_STORE_PT15M, to_path);
        if (rc)
            return snprintf(err, errlen, "%s", dcs_store_errmsg(st)), rc;
    }
    return 0;
}

/* score.json, site.yaml (secrets removed, store_dir: store), policy.yaml and
 * system.yaml. */
static int add_texts(work_t *w, const dcs_config_t *cfg, const dcs_index_policy_t *pol, dcs_index_system_t *sys,
                     const dcs_index_site_t *res, char *err, size_t errlen)
{
    const char *p = member(w, "score.json");
    FILE *f = p ? fopen(p, "w") : NULL;
    if (!f)
        return snprintf(err, errlen, "%s: cannot write", p ? p : w->dir), DCS_EIO;
    dcs_index_site_json(res, cfg, f);
    if (fclose(f))
        return snprintf(err, errlen, "%s: cannot write", p), DCS_EIO;
    int rc = dcs_submit_redact(cfg->path, member(w, "site.yaml"), "store", err, errlen);
    if (!rc && (copy_file(dcs_index_policy_path(pol), member(w, "policy.yaml")) ||
                copy_file(dcs_index_system_path(sys), member(w, "system.yaml"))))
        rc = (snprintf(err, errlen, "cannot copy the policy or index-system file into %s", w->dir), DCS_EIO);
    return rc;
}

static void iso_utc(int64_t t_ns, char *buf, size_t len)
{
    dcs_time_format(t_ns, "UTC", buf, len);
}

/* The manifest's text (a JSON object, docs/submit.md) into *text. */
static int manifest(const work_t *w, const dcs_config_t *cfg, const dcs_index_policy_t *pol,
                    dcs_index_system_t *sys, const dcs_index_site_t *res, const dcs_submit_key_t *key,
                    const dcs_submit_opts_t *o, char **text, size_t *len)
{
    FILE *f = open_memstream(text, len);
    if (!f)
        return DCS_ENOMEM;
    char a[48], b[48], c[48];
    iso_utc(o->from_ns, a, sizeof a), iso_utc(o->to_ns, b, sizeof b), iso_utc(dcs_time_now_ns(), c, sizeof c);
    fprintf(f, "{\n  \"schema\": \"%s\",\n  \"operator\": ", DCS_SUBMIT_FORMAT);
    dcs_json_str(f, key->operator_id);
    fprintf(f, ",\n  \"submission\": %llu,\n  \"correction\": %s,\n  \"site\": ", (unsigned long long)o->number,
            o->correction ? "true" : "false");
    dcs_json_str(f, cfg->site->id);
    fprintf(f, ",\n  \"region\": ");
    dcs_json_str(f, cfg->site->region);
    fprintf(f, ",\n  \"period\": {\"label\": ");
    dcs_json_str(f, o->label);
    fprintf(f, ", \"from_utc\": \"%s\", \"to_utc\": \"%s\", \"from_ns\": %lld, \"to_ns\": %lld, \"zone\": ", a, b,
            (long long)o->from_ns, (long long)o->to_ns);
    dcs_json_str(f, cfg->site->timezone);
    fprintf(f, "},\n  \"created_utc\": \"%s\",\n  \"rollup_level\": \"PT15M\",\n", c);
    fprintf(f, "  \"formula_version\": \"%s\",\n  \"policy\": {\"version\": ", DCS_METRIC_FORMULA_VERSION);
    dcs_json_str(f, dcs_index_policy_version(pol));
    fprintf(f, ", \"sha256\": \"%s\"},\n  \"index_system\": {\"id\": ", dcs_index_policy_hash(pol));
    dcs_json_str(f, dcs_index_system_id(sys));
    fprintf(f, ", \"version\": ");
    dcs_json_str(f, dcs_index_system_version(sys));
    fprintf(f, ", \"sha256\": \"%s\"},\n  \"claimed\": {", dcs_index_system_hash(sys));
    size_t nc;
    const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
    double occ = cfg->inventory ? cfg->inventory->rack_occupancy : -1;
    for (size_t k = 0; k < nc; k++) {
        fprintf(f, "%s\"%s\": ", k ? ", " : "", cat[k].id);
        dcs_json_num(f, "%.17g", dcs_index_indicator_value(cat[k].id, res->sc, &res->ind, occ));
    }
    fprintf(f, ", \"composite\": ");
    dcs_json_num(f, "%.17g", dcs_index_site_composite(res));
    fprintf(f, "},\n  \"files\": [");
    for (size_t i = 0; i < w->n; i++)
        fprintf(f, "%s\n    {\"name\": \"%s\", \"size\": %llu, \"sha256\": \"%s\"}", i ? "," : "", w->m[i].name,
                (unsigned long long)w->m[i].size, w->m[i].sha256);
    fprintf(f, "\n  ]\n}\n");
    return fclose(f) ? DCS_ENOMEM : 0;
}

/* Digest every member, sign the manifest, write the tar to out_path. */
static int pack(work_t *w, const char *mtext, size_t mlen, const dcs_submit_key_t *key, const char *out_path,
                char *err, size_t errlen)
{
    unsigned char sig[crypto_sign_BYTES];
    char hex[2 * crypto_sign_BYTES + 2], tmp[4400];
    crypto_sign_detached(sig, NULL, (const unsigned char *)mtext, mlen, key->sk);
    sodium_bin2hex(hex, sizeof hex - 1, sig, sizeof sig);
    strcat(hex, "\n");
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *out = fopen(tmp, "wb");
    int rc = !out || tar_add(out, "manifest.json", NULL, mtext, mlen) ||
             tar_add(out, "manifest.sig", NULL, hex, strlen(hex));
    for (size_t i = 0; !rc && i < w->n; i++)
        rc = tar_add(out, w->m[i].name, w->m[i].path, NULL, 0);
    if (!rc)
        rc = tar_end(out);
    if (out && (fflush(out) || fsync(fileno(out))))
        rc = -1;
    if (out && fclose(out))
        rc = -1;
    if (!rc && rename(tmp, out_path) != 0)
        rc = -1;
    if (rc) {
        unlink(tmp);
        return snprintf(err, errlen, "%s: cannot write: %s", out_path, strerror(errno)), DCS_EIO;
    }
    return 0;
}

static int digest_all(work_t *w, char *err, size_t errlen)
{
    for (size_t i = 0; i < w->n; i++) {
        struct stat sb;
        if (stat(w->m[i].path, &sb) || dcs_sha256_file(w->m[i].path, w->m[i].sha256))
            return snprintf(err, errlen, "%s: cannot read back", w->m[i].path), DCS_EIO;
        w->m[i].size = (uint64_t)sb.st_size;
    }
    return 0;
}

static int check_opts(const dcs_submit_opts_t *o, char *err, size_t errlen)
{
    if (!(o->from_ns < o->to_ns) || o->from_ns % QUARTER_NS || o->to_ns % QUARTER_NS)
        return snprintf(err, errlen, "the period must start and end on 15-minute boundaries (its PT15M "
                        "rollups are what the region re-scores)"), DCS_EINVAL;
    if (o->number < 1)
        return snprintf(err, errlen, "submission numbers start at 1"), DCS_EINVAL;
    if (strlen(o->label) >= 32 || strpbrk(o->label, "\"\\/"))
        return snprintf(err, errlen, "period label '%s': under 32 characters, no quotes or slashes", o->label),
               DCS_EINVAL;
    return 0;
}

int dcs_submit_write(dcs_config_t *cfg, dcs_store_t *st, const dcs_index_policy_t *pol, dcs_index_system_t *sys,
                     const dcs_submit_key_t *key, const dcs_submit_opts_t *o, const char *out_path,
                     dcs_index_site_t *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    int rc = check_opts(o, err, errlen);
    if (rc)
        return rc;
    if (!dcs_submit_id_ok(cfg->site->id))
        return snprintf(err, errlen, "site id '%s' cannot name a submission: 1 to %d letters, digits, '.', "
                        "'_' or '-'", cfg->site->id, DCS_SUBMIT_ID_MAX), DCS_EINVAL;
    work_t *w = calloc(1, sizeof *w);
    if (!w)
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    snprintf(w->dir, sizeof w->dir, "%s.work-XXXXXX", out_path);
    if (!mkdtemp(w->dir)) {
        snprintf(err, errlen, "%s: cannot create: %s", w->dir, strerror(errno));
        w->dir[0] = '\0';
        rc = DCS_EIO;
    }
    if (!rc)
        rc = add_rollups(w, st, cfg, o->from_ns, o->to_ns, err, errlen);
    dcs_store_rollups_only(st, DCS_STORE_PT15M); /* the claimed figures are the bundled rollups' */
    if (!rc)
        rc = dcs_index_site_score(cfg, st, pol, sys, o->from_ns, o->to_ns, 86400 * DCS_NS_PER_S, NULL, NULL, res,
                                  err, errlen);
    if (!rc)
        rc = add_texts(w, cfg, pol, sys, res, err, errlen);
    if (!rc)
        rc = digest_all(w, err, errlen);
    char *mtext = NULL;
    size_t mlen = 0;
    if (!rc && (rc = manifest(w, cfg, pol, sys, res, key, o, &mtext, &mlen)))
        snprintf(err, errlen, "out of memory");
    if (!rc)
        rc = pack(w, mtext, mlen, key, out_path, err, errlen);
    free(mtext);
    submit_rmtree(w->dir);
    free(w);
    return rc;
}
