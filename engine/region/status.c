/* status.c: the live scheduling feed's messages (dcscore.status/1): a site's
 * signed, sequence-numbered status over its last interval (live PUE, IT and
 * facility power, rated and effective AI FP16 and general FP32 compute, the
 * coverage behind them, its findings), verified against the keyring and kept
 * in the regional store; and the schedule served from them (dcscore.schedule/2):
 * per site the latest figures with their freshness, a stale site never shown as
 * available, and a placement hint for a given need. */
#define _GNU_SOURCE
#include "region_int.h"
#include "../base/dcs_base.h"

#include <json-c/json.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUTURE_NS (300 * DCS_NS_PER_S) /* a message stamped further ahead of the clock is refused */

static int reject(int code, int *http, char *why, size_t len, const char *fmt, const char *a)
{
    *http = code;
    snprintf(why, len, fmt, a ? a : "");
    dcs_text_one_line(why);
    return DCS_EINVAL;
}

static double jnum(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return NAN;
    return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)
               ? json_object_get_double(v) : NAN;
}

static const char *jtext(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* The fields of a parsed message into s; 0, or -1 with why. */
static int fields(json_object *m, dcs_region_status_t *s, char *why, size_t len)
{
    const char *op = jtext(m, "operator"), *site = jtext(m, "site"), *region = jtext(m, "region");
    json_object *fp16 = NULL, *fp32 = NULL, *f = NULL, *seq = NULL, *t = NULL;
    json_object_object_get_ex(m, "fp16", &fp16), json_object_object_get_ex(m, "fp32", &fp32);
    json_object_object_get_ex(m, "findings", &f);
    if (!op || !site || !region || !dcs_submit_id_ok(op) || !dcs_submit_id_ok(site) || !dcs_submit_id_ok(region) ||
        !json_object_object_get_ex(m, "seq", &seq) || !json_object_is_type(seq, json_type_int) ||
        json_object_get_int64(seq) < 1 || !json_object_object_get_ex(m, "t_ns", &t) ||
        !json_object_is_type(t, json_type_int))
        return snprintf(why, len, "a status message needs operator, site, region (ids), seq (from 1) and t_ns"), -1;
    snprintf(s->operator_id, sizeof s->operator_id, "%s", op);
    snprintf(s->site_id, sizeof s->site_id, "%s", site), snprintf(s->region, sizeof s->region, "%s", region);
    s->seq = (uint64_t)json_object_get_int64(seq), s->t_ns = json_object_get_int64(t);
    s->interval_s = jnum(m, "interval_s"), s->pue = jnum(m, "pue");
    s->it_kw = jnum(m, "it_kw"), s->facility_kw = jnum(m, "facility_kw"), s->coverage = jnum(m, "coverage");
    s->fp16_rated = jnum(fp16, "rated_tflops"), s->fp16_effective = jnum(fp16, "effective_tflops");
    s->fp32_rated = jnum(fp32, "rated_tflops"), s->fp32_effective = jnum(fp32, "effective_tflops");
    snprintf(s->findings, sizeof s->findings, "%s", f ? json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN) : "[]");
    if (!(s->interval_s >= 1 && s->interval_s <= 86400) || !(s->coverage >= 0 && s->coverage <= 1))
        return snprintf(why, len, "interval_s must be 1..86400 and coverage 0..1"), -1;
    /* figures no real site gives are refused, never served (a missing one is null) */
    const double v[6] = {s->it_kw, s->facility_kw, s->fp16_rated, s->fp16_effective, s->fp32_rated, s->fp32_effective};
    for (int k = 0; k < 6; k++)
        if (v[k] < 0)
            return snprintf(why, len, "a power or compute figure is negative"), -1;
    if (s->pue < 1)
        return snprintf(why, len, "pue %g is below 1 (IT power above the facility's)", s->pue), -1;
    if (s->fp16_effective > s->fp16_rated || s->fp32_effective > s->fp32_rated)
        return snprintf(why, len, "effective compute above the rated"), -1;
    return 0;
}

int dcs_region_status_accept(dcs_region_t *r, const dcs_submit_keyring_t *kr, const char *body, size_t len,
                             const char *sig_hex, int64_t now_ns, dcs_region_status_t *s, int *http, char *why,
                             size_t whylen)
{
    memset(s, 0, sizeof *s);
    if (len > DCS_REGION_STATUS_MAX)
        return reject(413, http, why, whylen, "a status message is at most 64 KiB%s", NULL);
    json_tokener *tok = json_tokener_new();
    json_object *m = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    int whole = tok && json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    char err[300];
    int rc = 0;
    if (!m || !whole || !json_object_is_type(m, json_type_object))
        rc = reject(400, http, why, whylen, "the body is not one JSON object%s", NULL);
    else if (!jtext(m, "schema") || strcmp(jtext(m, "schema"), DCS_REGION_STATUS_SCHEMA) != 0)
        rc = reject(400, http, why, whylen, "schema '%s' is not " DCS_REGION_STATUS_SCHEMA, jtext(m, "schema"));
    else if (fields(m, s, err, sizeof err))
        rc = reject(400, http, why, whylen, "%s", err);
    json_object_put(m);
    if (rc)
        return rc;
    unsigned char pk[32], sig[crypto_sign_BYTES];
    size_t got = 0;
    if (dcs_submit_keyring_find(kr, s->operator_id, now_ns, pk, err, sizeof err))
        return reject(403, http, why, whylen, "%s", err);
    if (!sig_hex || sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &got, NULL) || got != sizeof sig ||
        crypto_sign_verify_detached(sig, (const unsigned char *)body, len, pk) != 0)
        return reject(401, http, why, whylen, "the signature does not verify with operator '%s''s key", s->operator_id);
    if (s->t_ns > now_ns + FUTURE_NS)
        return reject(400, http, why, whylen, "the message is stamped more than 5 minutes ahead of the collector's clock%s",
                      NULL);
    return dcs_region_status_store(r, s, now_ns, http, why, whylen);
}

int dcs_region_status_store(dcs_region_t *r, const dcs_region_status_t *s, int64_t now_ns, int *http, char *why,
                            size_t whylen)
{
    char seq[32], t[32], rx[32], b[9][40];
    const char *v[9];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)s->seq);
    snprintf(t, sizeof t, "%lld", (long long)s->t_ns), snprintf(rx, sizeof rx, "%lld", (long long)now_ns);
    const double x[9] = {s->interval_s, s->pue, s->it_kw, s->facility_kw, s->fp16_rated, s->fp16_effective,
                         s->fp32_rated, s->fp32_effective, s->coverage};
    for (int k = 0; k < 9; k++)
        v[k] = rs_num(b[k], sizeof b[k], x[k]);
    long long last = 0;
    const char *p1[1] = {s->site_id};
    *http = 500;
    if (rs_run(r, r->ops->begin, 0, NULL, NULL, NULL))
        return snprintf(why, whylen, "%s", r->errmsg), DCS_ESTORE;
    int other = rs_site_of_other(r, s->site_id, s->operator_id);
    int rc = other < 0 || rs_one(r, "SELECT COALESCE(MAX(seq), 0) FROM status WHERE site_id = $1", 1, p1, &last)
                 ? DCS_ESTORE : 0;
    if (!rc && other)
        rc = reject(403, http, why, whylen, "site '%s' belongs to another operator", s->site_id);
    else if (!rc && s->seq <= (unsigned long long)last)
        rc = reject(409, http, why, whylen, "a replay: sequence number not above the site's last (site %s)", s->site_id);
    const char *pm[15] = {s->site_id, s->operator_id, seq, t, rx, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                          s->findings};
    if (!rc && (rs_register(r, s->operator_id, s->site_id, NULL, s->region, now_ns) ||
                rs_run(r, "INSERT INTO status (site_id, operator_id, seq, t_ns, received_ns, interval_s, pue, it_kw, "
                          "facility_kw, fp16_rated_tflops, fp16_effective_tflops, fp32_rated_tflops, "
                          "fp32_effective_tflops, coverage, findings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                          "$11, $12, $13, $14, $15)", 15, pm, NULL, NULL) ||
                rs_run(r, "COMMIT", 0, NULL, NULL, NULL)))
        rc = DCS_ESTORE;
    if (rc == DCS_ESTORE)
        snprintf(why, whylen, "%s", r->errmsg);
    if (rc)
        rs_run(r, "ROLLBACK", 0, NULL, NULL, NULL);
    else
        *http = 202, why[0] = '\0';
    return rc;
}
