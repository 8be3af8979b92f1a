/* keys.c: operator key pairs (Ed25519, libsodium) as one-line text files, and
 * the office's keyring (YAML): operator id -> public keys with validity dates. */
#define _GNU_SOURCE
#include "dcs_submit.h"
#include "../base/dcs_base.h"
#include "../config/dcs_config.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_TAG "dcscore-ed25519-secret/1"
#define PUBLIC_TAG "dcscore-ed25519-public/1"

int dcs_submit_id_ok(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= DCS_SUBMIT_ID_MAX && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                        "0123456789._-") == n && id[0] != '-' && id[0] != '.';
}

/* Create path with mode, never over an existing file, and write line to it. */
static int write_new(const char *path, int mode, const char *line, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return snprintf(err, errlen, "%s: %s", path, errno == EEXIST ? "exists: not overwritten (a key "
                        "is replaced by a new one in the keyring, never in place)" : strerror(errno)),
               errno == EEXIST ? DCS_EINVAL : DCS_EIO;
    size_t n = strlen(line);
    int bad = write(fd, line, n) != (ssize_t)n || fsync(fd) != 0;
    if (close(fd) || bad) {
        unlink(path);
        return snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno)), DCS_EIO;
    }
    return 0;
}

int dcs_submit_keygen(const char *operator_id, const char *secret_path, const char *public_path, char *err,
                      size_t errlen)
{
    if (!dcs_submit_id_ok(operator_id))
        return snprintf(err, errlen, "operator id '%s': 1 to %d letters, digits, '.', '_' or '-', not "
                        "starting with '-' or '.'", operator_id, DCS_SUBMIT_ID_MAX), DCS_EINVAL;
    if (sodium_init() < 0)
        return snprintf(err, errlen, "libsodium cannot start"), DCS_EIO;
    unsigned char pk[32], sk[64];
    char hex[129], line[300];
    crypto_sign_keypair(pk, sk);
    sodium_bin2hex(hex, sizeof hex, sk, sizeof sk);
    snprintf(line, sizeof line, "%s %s %s\n", SECRET_TAG, operator_id, hex);
    int rc = write_new(secret_path, 0600, line, err, errlen);
    sodium_memzero(line, sizeof line), sodium_memzero(hex, sizeof hex), sodium_memzero(sk, sizeof sk);
    if (rc)
        return rc;
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    snprintf(line, sizeof line, "%s %s %s\n", PUBLIC_TAG, operator_id, hex);
    if ((rc = write_new(public_path, 0644, line, err, errlen)))
        unlink(secret_path);
    return rc;
}

/* Read the one line "TAG ID HEX" of a key file into id and bin[len]. */
static int read_line(const char *path, const char *tag, char *id, size_t idlen, unsigned char *bin, size_t len,
                     char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), DCS_EIO;
    char line[400], t[40], i[80], hex[260];
    size_t got = 0;
    int ok = fgets(line, sizeof line, f) && sscanf(line, "%39s %79s %259s", t, i, hex) == 3 &&
             strcmp(t, tag) == 0 && dcs_submit_id_ok(i) && strlen(i) < idlen &&
             sodium_hex2bin(bin, len, hex, strlen(hex), NULL, &got, NULL) == 0 && got == len;
    fclose(f);
    sodium_memzero(line, sizeof line), sodium_memzero(hex, sizeof hex);
    if (!ok)
        return snprintf(err, errlen, "%s: not a dcscore %s key file (one line: %s OPERATOR HEX)", path,
                        strstr(tag, "secret") ? "private" : "public", tag), DCS_EINVAL;
    snprintf(id, idlen, "%s", i);
    return 0;
}

int dcs_submit_key_load(const char *path, dcs_submit_key_t *key, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), DCS_EIO;
    if (sb.st_mode & 077)
        return snprintf(err, errlen, "%s: mode %04o lets others read the private key: chmod 600 %s", path,
                        (unsigned)(sb.st_mode & 07777), path), DCS_EINVAL;
    if (sodium_init() < 0)
        return snprintf(err, errlen, "libsodium cannot start"), DCS_EIO;
    int rc = read_line(path, SECRET_TAG, key->operator_id, sizeof key->operator_id, key->sk, sizeof key->sk,
                       err, errlen);
    if (!rc)
        crypto_sign_ed25519_sk_to_pk(key->pk, key->sk);
    return rc;
}

int dcs_submit_pub_load(const char *path, char *operator_id, size_t idlen, unsigned char pk[32], char *err,
                        size_t errlen)
{
    return read_line(path, PUBLIC_TAG, operator_id, idlen, pk, 32, err, errlen);
}

/* ---- the keyring ---- */

typedef struct {
    char *id, *name, *public_key, *valid_from, *valid_to;
} kentry_t;
typedef struct {
    char *zone;
    kentry_t *operators;
    unsigned operators_count;
} kdoc_t;

#define KSTR(k, f, fl) CYAML_FIELD_STRING_PTR(k, CYAML_FLAG_POINTER | (fl), kentry_t, f, 1, CYAML_UNLIMITED)
static const cyaml_schema_field_t kentry_f[] = {
    KSTR("id", id, 0), KSTR("name", name, CYAML_FLAG_OPTIONAL), KSTR("public_key", public_key, 0),
    KSTR("valid_from", valid_from, 0), KSTR("valid_to", valid_to, CYAML_FLAG_OPTIONAL), CYAML_FIELD_END};
static const cyaml_schema_value_t kentry_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, kentry_t, kentry_f)};
static const cyaml_schema_field_t kdoc_f[] = {
    CYAML_FIELD_STRING_PTR("zone", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, kdoc_t, zone, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("operators", CYAML_FLAG_POINTER, kdoc_t, operators, &kentry_s, 0, 100000),
    CYAML_FIELD_END};
static const cyaml_schema_value_t kdoc_s = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, kdoc_t, kdoc_f)};

typedef struct {
    const char *id;
    unsigned char pk[32];
    int64_t from_ns, to_ns;  /* [from, to); to = INT64_MAX when open */
} key_t_;

struct dcs_submit_keyring {
    kdoc_t *doc;
    key_t_ *k;
    size_t n;
};

/* Entry i of the keyring file into kr->k[i]. */
static int entry(dcs_submit_keyring_t *kr, const char *path, const char *zone, unsigned i, char *err,
                 size_t errlen)
{
    const kentry_t *e = &kr->doc->operators[i];
    key_t_ *k = &kr->k[i];
    int line = dcs_config_line_of_id(path, e->id);
    size_t got = 0;
    k->id = e->id;
    if (!dcs_submit_id_ok(e->id))
        return snprintf(err, errlen, "%s:%d: id '%s' is not an operator id", path, line, e->id), DCS_EINVAL;
    if (sodium_hex2bin(k->pk, 32, e->public_key, strlen(e->public_key), NULL, &got, NULL) || got != 32)
        return snprintf(err, errlen, "%s:%d: public_key: 64 hex digits (the third field of the "
                        "operator's .pub file)", path, line), DCS_EINVAL;
    if (dcs_time_parse(e->valid_from, zone, &k->from_ns))
        return snprintf(err, errlen, "%s:%d: valid_from '%s' is not a date", path, line, e->valid_from),
               DCS_EINVAL;
    k->to_ns = INT64_MAX;
    if (e->valid_to && dcs_time_parse(e->valid_to, zone, &k->to_ns))
        return snprintf(err, errlen, "%s:%d: valid_to '%s' is not a date", path, line, e->valid_to), DCS_EINVAL;
    if (e->valid_to && strlen(e->valid_to) == 10)
        k->to_ns += 86400 * DCS_NS_PER_S; /* a date: valid through that day */
    if (k->to_ns <= k->from_ns)
        return snprintf(err, errlen, "%s:%d: valid_to is before valid_from", path, line), DCS_EINVAL;
    return 0;
}

int dcs_submit_keyring_load(const char *path, dcs_submit_keyring_t **out, char *err, size_t errlen)
{
    dcs_submit_keyring_t *kr = *out = calloc(1, sizeof *kr);
    if (!kr)
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    int rc = dcs_config_yaml_load(path, &kdoc_s, (void **)&kr->doc, err, errlen);
    if (rc)
        return rc == DCS_ECONFIG ? DCS_EINVAL : rc;
    const char *zone = kr->doc->zone ? kr->doc->zone : "Asia/Shanghai";
    if (dcs_tz_check(zone, "zone", err, errlen))
        return DCS_EINVAL;
    kr->n = kr->doc->operators_count;
    if (!(kr->k = calloc(kr->n ? kr->n : 1, sizeof *kr->k)))
        return snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    for (unsigned i = 0; !rc && i < kr->n; i++)
        rc = entry(kr, path, zone, i, err, errlen);
    return rc;
}

void dcs_submit_keyring_free(dcs_submit_keyring_t *kr)
{
    if (!kr)
        return;
    dcs_config_yaml_free(&kdoc_s, kr->doc);
    free(kr->k);
    free(kr);
}

int dcs_submit_keyring_find(const dcs_submit_keyring_t *kr, const char *operator_id, int64_t t_ns,
                            unsigned char pk[32], char *err, size_t errlen)
{
    int known = 0;
    for (size_t i = 0; i < kr->n; i++) {
        if (strcmp(kr->k[i].id, operator_id) != 0)
            continue;
        known = 1;
        if (t_ns >= kr->k[i].from_ns && t_ns < kr->k[i].to_ns)
            return memcpy(pk, kr->k[i].pk, 32), 0;
    }
    if (!known)
        return snprintf(err, errlen, "operator '%s' is not in the keyring", operator_id), DCS_ENODATA;
    return snprintf(err, errlen, "operator '%s' has no key valid now in the keyring (expired or not yet "
                    "valid)", operator_id), DCS_EINVAL;
}
