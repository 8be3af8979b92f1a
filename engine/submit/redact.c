/* redact.c: a site config without its secrets, for the bundle. The YAML is
 * re-emitted event by event (libyaml), so block and flow styles alike lose the
 * value of every secret key, and an alias standing for one is replaced too;
 * everything else (ids, channels, inventory, finance) is kept as written. */
#include "dcs_submit.h"
#include "../base/dcs_base.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static int secret_key(const char *k)
{
    static const char *const keys[] = {"community", "auth_password", "priv_password", "password", "user",
                                       "username", "token", "secret", "api_key"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

#define DEPTH_MAX 64
typedef struct {
    int is_map[DEPTH_MAX], want_key[DEPTH_MAX], depth;
    int replace;               /* 1 secret, 2 store_dir: the next value is replaced */
    int under;                 /* > 0: inside a secret's block from this depth: all replaced */
} walk_t;

/* A value event of the current mapping (or sequence item) has been seen. */
static void took_value(walk_t *w)
{
    if (w->depth > 0 && w->is_map[w->depth - 1])
        w->want_key[w->depth - 1] = 1;
}

static int scalar(yaml_event_t *ev, const char *text)
{
    return yaml_scalar_event_initialize(ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                        YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

/* Rewrite ev in place when it is the value of a key to replace. 0, or -1 (too deep). */
static int visit(walk_t *w, yaml_event_t *ev, const char *store_dir)
{
    int in_map = w->depth > 0 && w->is_map[w->depth - 1];
    int is_key = in_map && w->want_key[w->depth - 1] && ev->type == YAML_SCALAR_EVENT;
    if (is_key) {
        const char *k = (const char *)ev->data.scalar.value;
        w->replace = secret_key(k) ? 1 : store_dir && strcmp(k, "store_dir") == 0 ? 2 : 0;
        w->want_key[w->depth - 1] = 0;
        return 0;
    }
    int rep = w->under && w->depth >= w->under ? 1 : w->replace;
    if (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT) {
        w->replace = 0;
        if (rep) {
            yaml_event_delete(ev);
            scalar(ev, rep == 1 ? "REDACTED" : store_dir);
        }
        took_value(w);
    } else if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) {
        if (w->depth == DEPTH_MAX)
            return -1;
        w->is_map[w->depth] = ev->type == YAML_MAPPING_START_EVENT;
        w->want_key[w->depth++] = 1;
        if (rep == 1 && !w->under)
            w->under = w->depth; /* a secret key over a block: every scalar in it */
        w->replace = 0;
    } else if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) {
        if (w->under == w->depth)
            w->under = 0;
        w->depth--;
        took_value(w);
    }
    return 0;
}

int dcs_submit_redact(const char *src, const char *dst, const char *store_dir, char *err, size_t errlen)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    if (!in || !out) {
        snprintf(err, errlen, "%s: %s", in ? dst : src, strerror(errno));
        if (in)
            fclose(in);
        return DCS_EIO;
    }
    yaml_parser_t p;
    yaml_emitter_t e;
    yaml_parser_initialize(&p);
    yaml_emitter_initialize(&e);
    yaml_parser_set_input_file(&p, in);
    yaml_emitter_set_output_file(&e, out);
    yaml_emitter_set_unicode(&e, 1);
    walk_t w = {.depth = 0};
    int rc = 0, done = 0;
    while (!rc && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = (snprintf(err, errlen, "%s:%zu: not YAML: %s", src, p.problem_mark.line + 1,
                           p.problem ? p.problem : "?"), DCS_EINVAL);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        if (visit(&w, &ev, store_dir)) {
            yaml_event_delete(&ev);
            rc = (snprintf(err, errlen, "%s: nested deeper than %d levels", src, DEPTH_MAX), DCS_EINVAL);
        } else if (!yaml_emitter_emit(&e, &ev)) /* takes the event */
            rc = (snprintf(err, errlen, "%s: cannot write: %s", dst, e.problem ? e.problem : "?"), DCS_EIO);
    }
    yaml_parser_delete(&p);
    yaml_emitter_delete(&e);
    fclose(in);
    if (fclose(out) && !rc)
        rc = (snprintf(err, errlen, "%s: cannot write: %s", dst, strerror(errno)), DCS_EIO);
    return rc;
}
