/* verify.c: reading a bundle at the region. Nothing in it is trusted before
 * its manifest's signature verifies with the operator's key from the keyring;
 * after that every member must be the manifest's (name, size, SHA-256, order)
 * and every byte of the file the one canonical form dcscore writes. */
#define _GNU_SOURCE
#include "dcs_submit.h"
#include "submit_int.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MANIFEST_MAX (1 << 20)

typedef struct {
    FILE *in;
    const char *path;
    char *err;
    size_t errlen;
} rd_t;

static int refuse(rd_t *r, const char *fmt, const char *a, const char *b)
{
    char what[400];
    snprintf(what, sizeof what, fmt, a ? a : "", b ? b : "");
    dcs_text_one_line(what);
    snprintf(r->err, r->errlen, "%s: %s", r->path, what);
    return DCS_EINVAL;
}

/* The next member, which must be `name`, read whole (at most max bytes). */
static int small_member(rd_t *r, const char *name, size_t max, char **out, size_t *len)
{
    char got[TAR_NAME_MAX + 1], why[200];
    uint64_t size = 0;
    int k = tar_next(r->in, got, &size, why, sizeof why);
    if (k < 0)
        return refuse(r, "%s", why, NULL);
    if (k == 0 || strcmp(got, name) != 0)
        return refuse(r, "not a dcscore bundle (its first members are manifest.json and manifest.sig, "
                      "found '%s')", k ? got : "the end", NULL);
    if (size > max)
        return refuse(r, "%s is larger than a bundle's", name, NULL);
    if (!(*out = calloc(1, (size_t)size + 1)))
        return snprintf(r->err, r->errlen, "out of memory"), DCS_ENOMEM;
    *len = (size_t)size;
    if (fread(*out, 1, *len, r->in) != *len || tar_skip_pad(r->in, size))
        return refuse(r, "%s is truncated or its padding changed", name, NULL);
    return 0;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

static json_object *jobj(json_object *o, const char *key, json_type t)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t) ? v : NULL;
}

/* Copy a string field of at most cap - 1 bytes; 0, or -1 when absent or long. */
static int jcopy(json_object *o, const char *key, char *dst, size_t cap)
{
    const char *s = o ? jstr(o, key) : NULL;
    if (!s || strlen(s) >= cap)
        return -1;
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* The format: this one, a newer one (refused as such), or none. */
static int check_format(rd_t *r, json_object *m, dcs_submit_bundle_t *b)
{
    const char *f = jstr(m, "schema");
    int v = 0;
    if (!f || sscanf(f, "dcscore.bundle/%d", &v) != 1 || v < 1)
        return refuse(r, "not a dcscore bundle (manifest schema '%s')", f ? f : "none", NULL);
    if (v > DCS_SUBMIT_FORMAT_VERSION)
        return refuse(r, "bundle format %s is newer than this dcscore reads (%s): upgrade dcscore", f,
                      DCS_SUBMIT_FORMAT);
    snprintf(b->format, sizeof b->format, "%s", f);
    return 0;
}

static int check_signature(rd_t *r, const dcs_submit_keyring_t *kr, int64_t now_ns, const char *operator_id,
                           const char *mtext, size_t mlen, const char *sig, size_t siglen)
{
    unsigned char pk[32], s[crypto_sign_BYTES];
    char why[300];
    size_t got = 0;
    int rc = dcs_submit_keyring_find(kr, operator_id, now_ns, pk, why, sizeof why);
    if (rc)
        return refuse(r, "%s", why, NULL);
    if (siglen != 2 * crypto_sign_BYTES + 1 || sig[siglen - 1] != '\n' ||
        sodium_hex2bin(s, sizeof s, sig, siglen - 1, NULL, &got, NULL) || got != sizeof s)
        return refuse(r, "manifest.sig is not one Ed25519 signature in hex", NULL, NULL);
    if (crypto_sign_verify_detached(s, (const unsigned char *)mtext, mlen, pk) != 0)
        return refuse(r, "the signature does not verify with operator '%s''s key: the manifest was changed "
                      "or signed by another key", operator_id, NULL);
    return 0;
}

/* The fields the region uses, from a manifest whose signature verified. */
static int fields(rd_t *r, json_object *m, dcs_submit_bundle_t *b)
{
    json_object *per = jobj(m, "period", json_type_object), *pol = jobj(m, "policy", json_type_object);
    json_object *sys = jobj(m, "index_system", json_type_object), *cl = jobj(m, "claimed", json_type_object);
    json_object *n = jobj(m, "submission", json_type_int), *c = jobj(m, "correction", json_type_boolean);
    json_object *f = per ? jobj(per, "from_ns", json_type_int) : NULL, *t = per ? jobj(per, "to_ns", json_type_int) : NULL;
    if (!n || !c || !f || !t || !cl || jcopy(m, "site", b->site_id, sizeof b->site_id) ||
        jcopy(m, "region", b->region, sizeof b->region) || jcopy(per, "label", b->label, sizeof b->label) ||
        jcopy(m, "formula_version", b->formula_version, sizeof b->formula_version) ||
        jcopy(pol, "version", b->policy_version, sizeof b->policy_version) ||
        jcopy(pol, "sha256", b->policy_sha256, sizeof b->policy_sha256) ||
        jcopy(sys, "id", b->system_id, sizeof b->system_id) ||
        jcopy(sys, "version", b->system_version, sizeof b->system_version) ||
        jcopy(sys, "sha256", b->system_sha256, sizeof b->system_sha256) || !dcs_submit_id_ok(b->site_id))
        return refuse(r, "the manifest lacks a field of %s (or one is malformed)", DCS_SUBMIT_FORMAT, NULL);
    b->number = (uint64_t)json_object_get_int64(n);
    b->correction = json_object_get_boolean(c);
    b->from_ns = json_object_get_int64(f), b->to_ns = json_object_get_int64(t);
    if (json_object_get_int64(n) < 1 || b->from_ns >= b->to_ns)
        return refuse(r, "the manifest's submission number or period is out of range", NULL, NULL);
    const char *cr = jstr(m, "created_utc");
    if (!cr || dcs_time_parse(cr, "UTC", &b->created_ns))
        return refuse(r, "the manifest's created_utc is not a time", NULL, NULL);
    size_t nc;
    const dcs_index_indicator_t *cat = dcs_index_catalogue(&nc);
    dcs_index_catalogue_clear(b->claimed);
    for (size_t k = 0; k < nc && k < DCS_INDEX_CAT_MAX; k++) {
        json_object *v = jobj(cl, cat[k].id, json_type_double);
        v = v ? v : jobj(cl, cat[k].id, json_type_int);
        b->claimed[k] = v ? json_object_get_double(v) : NAN;
    }
    json_object *v = jobj(cl, "composite", json_type_double);
    b->claimed_composite = v ? json_object_get_double(v) : NAN;
    return 0;
}

/* A member name this format holds: the four texts, or a day's rollup of the site. */
static int name_ok(const char *name, const char *site)
{
    static const char *const texts[] = {"score.json", "site.yaml", "policy.yaml", "system.yaml"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(name, texts[i]) == 0)
            return 1;
    char want[200];
    size_t n = (size_t)snprintf(want, sizeof want, "store/%s/rollup/%s_", site, site);
    return strncmp(name, want, n) == 0 && strlen(name) == n + 11 && strspn(name + n, "0123456789") == 8 &&
           strcmp(name + n + 8, ".h5") == 0;
}

/* Stream the next member (which must be files[i]) to dir, hashing it. */
static int extract(rd_t *r, json_object *file, const dcs_submit_bundle_t *b)
{
    const char *want = jstr(file, "name"), *sha = jstr(file, "sha256");
    json_object *sz = jobj(file, "size", json_type_int);
    char name[TAR_NAME_MAX + 1], why[200], path[4400], hex[65];
    uint64_t size = 0;
    int k = tar_next(r->in, name, &size, why, sizeof why);
    if (k < 0)
        return refuse(r, "%s", why, NULL);
    if (!want || !sha || !sz || !name_ok(want, b->site_id))
        return refuse(r, "the manifest lists a member this format does not hold ('%s')", want ? want : "?", NULL);
    if (k == 0 || strcmp(name, want) != 0 || (uint64_t)json_object_get_int64(sz) != size)
        return refuse(r, "member '%s' is not where or as large as the manifest says", want, NULL);
    snprintf(path, sizeof path, "%s/%s", b->dir, name);
    for (char *s = strchr(path + strlen(b->dir) + 1, '/'); s; s = strchr(s + 1, '/'))
        *s = '\0', mkdir(path, 0755), *s = '/';
    FILE *out = fopen(path, "wb");
    crypto_hash_sha256_state st;
    unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    int bad = !out;
    for (uint64_t left = size; !bad && left;) {
        size_t n = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, r->in);
        bad = n == 0 || fwrite(buf, 1, n, out) != n;
        crypto_hash_sha256_update(&st, buf, n);
        left -= n;
    }
    if ((out && fclose(out)) || bad)
        return refuse(r, "member '%s' is truncated (or cannot be extracted)", name, NULL);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    if (strcmp(hex, sha) != 0)
        return refuse(r, "member '%s' does not match its digest in the signed manifest (changed)", name, NULL);
    return tar_skip_pad(r->in, size) ? refuse(r, "the padding after '%s' was changed", name, NULL) : 0;
}

static int members(rd_t *r, json_object *m, dcs_submit_bundle_t *b, const char *tmpdir)
{
    json_object *files = jobj(m, "files", json_type_array);
    size_t n = files ? json_object_array_length(files) : 0;
    if (!files || n > DCS_SUBMIT_MAX_FILES)
        return refuse(r, "the manifest has no list of files", NULL, NULL);
    snprintf(b->dir, sizeof b->dir, "%s/dcs-bundle-XXXXXX", tmpdir);
    if (!mkdtemp(b->dir)) {
        b->dir[0] = '\0';
        return snprintf(r->err, r->errlen, "%s: cannot create a folder: %s", tmpdir, strerror(errno)), DCS_EIO;
    }
    int rc = 0, have = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_object *f = json_object_array_get_idx(files, i);
        rc = json_object_is_type(f, json_type_object) ? extract(r, f, b) : refuse(r, "a malformed file entry", 0, 0);
        const char *nm = rc ? NULL : jstr(f, "name");
        have |= nm && strcmp(nm, "score.json") == 0 ? 1 : nm && strcmp(nm, "site.yaml") == 0 ? 2 : 0;
    }
    char name[TAR_NAME_MAX + 1], why[200];
    uint64_t size;
    int k = rc ? 0 : tar_next(r->in, name, &size, why, sizeof why);
    if (!rc && k)
        rc = k < 0 ? refuse(r, "%s", why, NULL) : refuse(r, "member '%s' is not in the signed manifest", name, NULL);
    if (!rc && have != 3)
        rc = refuse(r, "score.json or site.yaml is missing", NULL, NULL);
    snprintf(b->site_yaml, sizeof b->site_yaml, "%s/site.yaml", b->dir);
    return rc;
}

/* The bundle file read through a stream that hashes every byte it reads: the
 * whole file's digest comes out of the one pass the checks make. */
typedef struct {
    FILE *f;
    crypto_hash_sha256_state st;
    long long pos;
} hashed_t;

static ssize_t hashed_read(void *c, char *buf, size_t n)
{
    hashed_t *h = c;
    size_t k = fread(buf, 1, n, h->f);
    crypto_hash_sha256_update(&h->st, (const unsigned char *)buf, k);
    h->pos += (long long)k;
    return ferror(h->f) ? -1 : (ssize_t)k;
}

static int hashed_seek(void *c, off64_t *off, int whence)
{
    hashed_t *h = c; /* only where it is (ftello), never a move: every byte is hashed once, in order */
    if (whence != SEEK_CUR || *off != 0)
        return -1;
    *off = h->pos;
    return 0;
}

static int hashed_close(void *c)
{
    return fclose(((hashed_t *)c)->f);
}

int dcs_submit_open(const char *path, const dcs_submit_keyring_t *kr, int64_t now_ns, const char *tmpdir,
                    dcs_submit_bundle_t *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    if (sodium_init() < 0)
        return snprintf(err, errlen, "libsodium cannot start"), DCS_EIO;
    hashed_t h = {.f = fopen(path, "rb")};
    crypto_hash_sha256_init(&h.st);
    cookie_io_functions_t io = {.read = hashed_read, .seek = hashed_seek, .close = hashed_close};
    rd_t r = {.in = h.f ? fopencookie(&h, "rb", io) : NULL, .path = path, .err = err, .errlen = errlen};
    if (!r.in) {
        if (h.f)
            fclose(h.f);
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), DCS_EIO;
    }
    char *mtext = NULL, *sig = NULL;
    size_t mlen = 0, slen = 0;
    json_object *m = NULL;
    int rc = small_member(&r, "manifest.json", MANIFEST_MAX, &mtext, &mlen);
    if (!rc)
        rc = small_member(&r, "manifest.sig", 256, &sig, &slen);
    if (!rc) {
        json_tokener *tok = json_tokener_new();
        m = tok ? json_tokener_parse_ex(tok, mtext, (int)mlen) : NULL;
        if (!m || !json_object_is_type(m, json_type_object) || json_tokener_get_parse_end(tok) != mlen)
            rc = refuse(&r, "manifest.json is not one JSON object", NULL, NULL);
        json_tokener_free(tok);
    }
    if (!rc)
        rc = check_format(&r, m, b);
    if (!rc && jcopy(m, "operator", b->operator_id, sizeof b->operator_id))
        rc = refuse(&r, "the manifest names no operator", NULL, NULL);
    if (!rc)
        rc = check_signature(&r, kr, now_ns, b->operator_id, mtext, mlen, sig, slen);
    if (!rc)
        rc = fields(&r, m, b);
    if (!rc)
        rc = members(&r, m, b, tmpdir); /* read to the end: the whole file has gone through the hash */
    if (!rc) {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&h.st, d);
        sodium_bin2hex(b->digest, sizeof b->digest, d, sizeof d);
    }
    json_object_put(m);
    free(mtext), free(sig);
    fclose(r.in);
    if (rc)
        dcs_submit_close(b);
    return rc;
}

void dcs_submit_close(dcs_submit_bundle_t *b)
{
    submit_rmtree(b->dir);
    b->dir[0] = '\0';
}
