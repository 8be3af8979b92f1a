/* expo.c: the Prometheus text exposition, read as the format defines it: lines
 * ending in LF (the last one too: a page without it was cut short), `#` lines
 * (HELP, TYPE, OpenMetrics' EOF, other comments) skipped, blank lines skipped,
 * samples `name{label="value",...} value [timestamp]` with blanks or tabs
 * between tokens, label values escaping \\, \" and \n, values as Go's
 * ParseFloat reads them (NaN, +Inf, -Inf included). A line that is none of
 * these fails the page: a scrape is taken whole or not at all. */
#define _GNU_SOURCE
#include "prom_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_start(int c)
{
    return isalpha(c) || c == '_' || c == ':';
}

static int name_char(int c)
{
    return isalnum(c) || c == '_' || c == ':';
}

static const char *blanks(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

int prom_sel_parse(const char *text, prom_sel_t *sel, char *err, size_t errlen)
{
    memset(sel, 0, sizeof *sel);
    const char *p = text;
    size_t k = 0;
    if (!name_start((unsigned char)*p))
        return snprintf(err, errlen, "metric '%s': a name starts with a letter, _ or :", text), -1;
    while (name_char((unsigned char)*p) && k + 1 < sizeof sel->name)
        sel->name[k++] = *p++;
    if (!*p)
        return 0;
    if (*p != '{')
        return snprintf(err, errlen, "metric '%s': expected { after the name (or a name under 128)", text), -1;
    for (p++;;) {
        while (*p == ' ')
            p++;
        if (*p == '}' && !p[1])
            return 0;
        if (sel->nm == PROM_MATCHERS)
            return snprintf(err, errlen, "metric '%s': at most %d label matchers", text, PROM_MATCHERS), -1;
        int n = 0, neg = 0;
        char *lab = sel->m[sel->nm].label, *val = sel->m[sel->nm].value;
        if (sscanf(p, "%63[A-Za-z0-9_]%n", lab, &n) != 1 || !name_start((unsigned char)lab[0]) ||
            name_char((unsigned char)p[n]))
            return snprintf(err, errlen, "metric '%s': a label name (at most 63 characters) expected", text), -1;
        p += n;
        neg = p[0] == '!';
        if (p[neg] != '=' || p[neg + 1] != '"')
            return snprintf(err, errlen, "metric '%s': label %s needs =\"value\" or !=\"value\"", text, lab), -1;
        p += neg + 2;
        size_t v = 0;
        for (; *p && *p != '"'; p++) {
            char c = *p;
            if (c == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
                c = *++p == 'n' ? '\n' : *p;
            if (v + 1 >= sizeof sel->m[0].value)
                return snprintf(err, errlen, "metric '%s': a label value over 191 bytes", text), -1;
            val[v++] = c;
        }
        if (*p != '"')
            return snprintf(err, errlen, "metric '%s': unterminated label value", text), -1;
        sel->m[sel->nm++].negate = neg;
        p++;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p != '}')
            return snprintf(err, errlen, "metric '%s': expected , or } after a label", text), -1;
    }
}

/* A series' labels as parsed from one line: pointers into the page. */
typedef struct {
    const char *name, *val;       /* val: raw (escapes kept) */
    size_t nlen, vlen;
} label_t;

/* Does the raw (escaped) value equal want? */
static int value_is(const label_t *l, const char *want)
{
    const char *p = l->val, *e = l->val + l->vlen;
    for (; p < e; p++, want++) {
        char c = *p;
        if (c == '\\' && p + 1 < e)
            c = *++p == 'n' ? '\n' : *p;
        if (c != *want)
            return 0;
    }
    return *want == '\0';
}

static int matches(const prom_sel_t *s, const char *name, size_t nlen, const label_t *lab, size_t nl)
{
    if (strlen(s->name) != nlen || memcmp(s->name, name, nlen) != 0)
        return 0;
    for (size_t m = 0; m < s->nm; m++) {
        int eq = s->m[m].value[0] == '\0'; /* an absent label has the value "" */
        for (size_t j = 0; j < nl; j++)
            if (lab[j].nlen == strlen(s->m[m].label) && memcmp(lab[j].name, s->m[m].label, lab[j].nlen) == 0) {
                eq = value_is(&lab[j], s->m[m].value);
                break;
            }
        if (eq == s->m[m].negate)
            return 0;
    }
    return 1;
}

/* FNV-1a of the name and the labels sorted by name: the same series however
 * the exporter orders its labels. */
static uint64_t series_hash(const char *name, size_t nlen, label_t *lab, size_t nl)
{
    for (size_t i = 1; i < nl; i++) /* insertion sort: a handful of labels */
        for (size_t j = i; j > 0; j--) {
            size_t n = lab[j].nlen < lab[j - 1].nlen ? lab[j].nlen : lab[j - 1].nlen;
            int c = memcmp(lab[j].name, lab[j - 1].name, n);
            if (c > 0 || (c == 0 && lab[j].nlen >= lab[j - 1].nlen))
                break;
            label_t t = lab[j];
            lab[j] = lab[j - 1], lab[j - 1] = t;
        }
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < nlen; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    for (size_t j = 0; j < nl; j++) {
        for (size_t i = 0; i < lab[j].nlen; i++)
            h = (h ^ (unsigned char)lab[j].name[i]) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
        for (size_t i = 0; i < lab[j].vlen; i++)
            h = (h ^ (unsigned char)lab[j].val[i]) * 1099511628211ULL;
        h = (h ^ 0xfe) * 1099511628211ULL;
    }
    return h;
}

/* The labels of a line from p (after '{') to its '}': 0 with *np at the
 * character after it, -1 when malformed. */
static int parse_labels(const char *p, const char *e, label_t *lab, size_t *nl, const char **np)
{
    size_t n = 0;
    for (;;) {
        p = blanks(p, e);
        if (p < e && *p == '}')
            break;
        if (p == e || !name_start((unsigned char)*p) || *p == ':' || n == 64)
            return -1;
        lab[n].name = p;
        while (p < e && (isalnum((unsigned char)*p) || *p == '_'))
            p++;
        lab[n].nlen = (size_t)(p - lab[n].name);
        p = blanks(p, e);
        if (p + 1 >= e || p[0] != '=' || (p = blanks(p + 1, e)) == e || *p != '"')
            return -1;
        lab[n].val = ++p;
        while (p < e && *p != '"') {
            if (*p == '\\') {
                if (p + 1 == e || (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
                    return -1;
                p++;
            }
            p++;
        }
        if (p == e)
            return -1;
        lab[n].vlen = (size_t)(p - lab[n].val);
        n++;
        p = blanks(p + 1, e);
        if (p < e && *p == ',')
            p++;
        else if (p == e || *p != '}')
            return -1;
    }
    *nl = n, *np = p + 1;
    return 0;
}

/* A value or a timestamp token [p, q) as a double (Go's ParseFloat spelling). */
static int number(const char *p, const char *q, double *v)
{
    char buf[64];
    size_t n = (size_t)(q - p);
    if (!n || n >= sizeof buf)
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (!strcasecmp(buf, "nan") || !strcasecmp(buf, "+inf") || !strcasecmp(buf, "-inf") || !strcasecmp(buf, "inf")) {
        *v = buf[0] == '-' ? -INFINITY : (buf[0] == 'n' || buf[0] == 'N') ? NAN : INFINITY;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtod(buf, &end);
    return *end || isnan(*v) || isinf(*v) || (errno == ERANGE && *v != 0) ? -1 : 0;
}

/* One sample line [p, e): matched into acc. 0, or -1 when malformed. */
static int sample_line(const char *p, const char *e, const prom_sel_t *sels, size_t n, prom_acc_t *acc)
{
    label_t lab[64];
    size_t nl = 0;
    const char *name = p;
    if (!name_start((unsigned char)*p))
        return -1;
    while (p < e && name_char((unsigned char)*p))
        p++;
    size_t nlen = (size_t)(p - name);
    const char *q = blanks(p, e);
    if (q < e && *q == '{' && parse_labels(q + 1, e, lab, &nl, &p))
        return -1;
    const char *v0 = blanks(p, e), *v1 = v0;
    if (v0 == p)
        return -1; /* the value must be set off by a blank */
    while (v1 < e && *v1 != ' ' && *v1 != '\t')
        v1++;
    double v, ts;
    if (number(v0, v1, &v))
        return -1;
    const char *t0 = blanks(v1, e), *t1 = t0;
    while (t1 < e && *t1 != ' ' && *t1 != '\t')
        t1++;
    if (t0 < e && (number(t0, t1, &ts) || blanks(t1, e) != e || !(ts == floor(ts))))
        return -1; /* an optional integer timestamp (ms), then nothing */
    uint64_t h = 0;
    int hashed = 0;
    for (size_t s = 0; s < n; s++) {
        if (!matches(&sels[s], name, nlen, lab, nl))
            continue;
        if (!hashed)
            h = series_hash(name, nlen, lab, nl), hashed = 1;
        prom_acc_t *a = &acc[s];
        for (size_t k = 0; k < a->n && k < 16; k++)
            a->duplicate |= a->seen[k] == h;
        if (a->n < 16)
            a->seen[a->n] = h;
        a->n++;
        a->nonfinite += !isfinite(v);
        a->sum += isfinite(v) ? v : 0;
    }
    return 0;
}

int prom_scan(const char *page, size_t len, const prom_sel_t *sels, size_t n, prom_acc_t *acc, char *err,
              size_t errlen)
{
    memset(acc, 0, n * sizeof *acc);
    if (len && page[len - 1] != '\n')
        return snprintf(err, errlen, "the page does not end with a newline (cut short?)"), -1;
    const char *p = page, *end = page + len;
    for (size_t line = 1; p < end; line++) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *next = e + 1;
        if (e > p && e[-1] == '\r')
            e--;
        const char *q = blanks(p, e);
        if (q < e && *q != '#' && sample_line(q, e, sels, n, acc)) {
            int w = (int)(e - q < 60 ? e - q : 60);
            snprintf(err, errlen, "line %zu: not a sample, comment or blank line: '%.*s'", line, w, q);
            for (char *c = err; *c; c++)
                if ((unsigned char)*c < 0x20)
                    *c = '?';
            return -1;
        }
        p = next;
    }
    return 0;
}
