/* dcs_submit.h: a site's signed submission to the region (after index: it packs
 * an evaluated window with the data that recomputes it). Operator keys (Ed25519,
 * libsodium), the keyring the pilot office keeps, and the bundle: one POSIX tar
 * file (docs/submit.md) of manifest.json, manifest.sig, score.json, site.yaml
 * (every secret removed), policy.yaml, system.yaml and the period's PT15M
 * rollups of every channel, store/SITE/rollup/SITE_YYYYMMDD.h5. The manifest
 * names every other member with its size and SHA-256, the operator and the
 * submission number; manifest.sig is a detached Ed25519 signature of its bytes.
 * A bundle is written only in one canonical form, and read only in it: any
 * changed byte is refused. */
#ifndef DCS_SUBMIT_H
#define DCS_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "../index/dcs_index.h"

#define DCS_SUBMIT_FORMAT "dcscore.bundle/1"
#define DCS_SUBMIT_FORMAT_VERSION 1
#define DCS_SUBMIT_ID_MAX 64     /* operator and site ids */

/* 1 when id can name an operator or a site in a bundle and the regional store:
 * 1..64 of [A-Za-z0-9._-], not starting with '-' or '.'. */
int dcs_submit_id_ok(const char *id);

/* ---- keys (keys.c) ---- */

typedef struct {
    char operator_id[DCS_SUBMIT_ID_MAX + 1];
    unsigned char sk[64], pk[32];
} dcs_submit_key_t;

/* Write a new Ed25519 key pair for operator_id: the private key to
 * secret_path (created 0600, never over an existing file) and the public key to
 * public_path (0644), as one text line each (docs/submit.md). Returns 0, or
 * DCS_EINVAL (bad id, file exists) / DCS_EIO with err one line. */
int dcs_submit_keygen(const char *operator_id, const char *secret_path, const char *public_path, char *err,
                      size_t errlen);
/* Load a private key file; one that group or others may read (mode & 077) is
 * refused with the chmod that fixes it. Returns 0, DCS_EIO or DCS_EINVAL. */
int dcs_submit_key_load(const char *path, dcs_submit_key_t *key, char *err, size_t errlen);
/* The public key line of a public key file: operator id and key, for the
 * keyring. Returns 0, DCS_EIO or DCS_EINVAL. */
int dcs_submit_pub_load(const char *path, char *operator_id, size_t idlen, unsigned char pk[32], char *err,
                        size_t errlen);

/* The office's keyring (YAML, docs/submit.md): operator id -> public key, valid
 * from a date to a date (site zone of the office, Asia/Shanghai unless given). */
typedef struct dcs_submit_keyring dcs_submit_keyring_t;
int dcs_submit_keyring_load(const char *path, dcs_submit_keyring_t **out, char *err, size_t errlen);
void dcs_submit_keyring_free(dcs_submit_keyring_t *kr);
/* Operator's key valid at t_ns into pk. Returns 0; DCS_ENODATA (not in the
 * keyring) or DCS_EINVAL (no key of it valid then) with err one line. */
int dcs_submit_keyring_find(const dcs_submit_keyring_t *kr, const char *operator_id, int64_t t_ns,
                            unsigned char pk[32], char *err, size_t errlen);

/* ---- bundles (bundle.c writes, verify.c reads) ---- */

typedef struct {
    const char *label;       /* the period as people say it: "2026-11", "2026-Q4", "2026" */
    int64_t from_ns, to_ns;  /* [from, to), on 15-minute boundaries */
    uint64_t number;         /* this operator's submission number: above every earlier one */
    int correction;          /* supersedes accepted submissions of an overlapping period */
} dcs_submit_opts_t;

/* Score cfg's site over the period from its PT15M rollups (each UTC day's
 * rollup made first if missing or stale), exactly as the region will, and write
 * the signed bundle to out_path (complete or absent). res gets the evaluation
 * (free with dcs_index_site_free). A period whose figures are not publishable is
 * still written (the region keeps it, not rankable). Returns 0; DCS_EINVAL (the
 * period), DCS_ENODATA, DCS_ESTORE, DCS_EIO or DCS_ENOMEM with err one line. */
int dcs_submit_write(dcs_config_t *cfg, dcs_store_t *st, const dcs_index_policy_t *pol, dcs_index_system_t *sys,
                     const dcs_submit_key_t *key, const dcs_submit_opts_t *o, const char *out_path,
                     dcs_index_site_t *res, char *err, size_t errlen);

/* A bundle read and checked (verify.c). */
#define DCS_SUBMIT_MAX_FILES 1200
typedef struct {
    char format[64];
    char operator_id[DCS_SUBMIT_ID_MAX + 1], site_id[DCS_SUBMIT_ID_MAX + 1];
    char region[DCS_SUBMIT_ID_MAX + 1], label[32];
    uint64_t number;
    int correction;
    int64_t from_ns, to_ns, created_ns;
    char formula_version[64], policy_version[64], policy_sha256[65];
    char system_id[64], system_version[32], system_sha256[65];
    double claimed[DCS_INDEX_CAT_MAX];   /* catalogue values the operator claims (NaN: none) */
    double claimed_composite;
    char digest[65];                     /* SHA-256 of the whole bundle file */
    char dir[4096];                      /* the members, extracted (removed by _close) */
    char site_yaml[4200];                /* dir/site.yaml: loads as a site scored from dir/store */
} dcs_submit_bundle_t;

/* Read path, check it is a canonical dcscore bundle of a format this dcscore
 * reads, that its operator's key in kr (valid at now_ns) signed the manifest,
 * and that every member has the manifest's size and digest; extract it to a
 * new folder under tmpdir. Returns 0; DCS_EINVAL (refused: err has the one-line
 * reason), DCS_EIO or DCS_ENOMEM. */
int dcs_submit_open(const char *path, const dcs_submit_keyring_t *kr, int64_t now_ns, const char *tmpdir,
                    dcs_submit_bundle_t *b, char *err, size_t errlen);
/* Remove the extracted folder. */
void dcs_submit_close(dcs_submit_bundle_t *b);

/* ---- secrets (redact.c) ---- */

/* Copy the YAML file src to dst with the value of every secret key (community,
 * auth_password, priv_password, password, user, username, token, secret,
 * api_key) replaced by "REDACTED" and store_dir by `store_dir` (NULL: kept).
 * Returns 0, DCS_EIO or DCS_EINVAL (not YAML) with err one line. */
int dcs_submit_redact(const char *src, const char *dst, const char *store_dir, char *err, size_t errlen);

#endif
