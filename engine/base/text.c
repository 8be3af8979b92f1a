/* text.c: read a text file the way spreadsheets write it. Chinese Excel's
 * "CSV (逗号分隔)" writes GBK/GB18030, others UTF-8 with or without a BOM: the
 * text is given back as UTF-8 (converted with iconv when it is not UTF-8 but is
 * valid GB18030), or refused with the line of the first undecodable byte. */
#define _GNU_SOURCE
#include "dcs_base.h"

#include <errno.h>
#include <iconv.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offset of the first byte that is not well-formed UTF-8, or len. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!n || i + n > len)
            return i;
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += n;
    }
    return len;
}

static char *from_gb18030(const char *in, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 2 + 16, left = cap - 1, inleft = len;
    char *out = malloc(cap), *o = out, *i = (char *)in;
    size_t r = out ? iconv(cd, &i, &inleft, &o, &left) : (size_t)-1;
    iconv_close(cd);
    if (r == (size_t)-1 || inleft) {
        free(out);
        return NULL;
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

static int line_of(const char *s, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += s[i] == '\n';
    return line;
}

int dcs_text_read(const char *path, char **text, size_t *len, const char **encoding, char *err,
                  size_t errlen)
{
    FILE *f = fopen(path, "rb");
    *text = NULL;
    if (!f)
        return snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)), DCS_EIO;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        char *grown = n == cap ? realloc(buf, (cap *= 2) + 1) : buf;
        if (!grown)
            free(buf);
        buf = grown;
    }
    fclose(f);
    if (!buf)
        return snprintf(err, errlen, "%s: out of memory", path), DCS_ENOMEM;
    buf[n] = '\0';
    size_t skip = n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, bad = utf8_bad((unsigned char *)buf + skip, n - skip);
    *encoding = "UTF-8";
    if (bad == n - skip) {
        memmove(buf, buf + skip, n - skip + 1);
        *text = buf, *len = n - skip;
        return 0;
    }
    char *conv = from_gb18030(buf, n, len);
    if (!conv) {
        snprintf(err, errlen, "%s:%d: neither UTF-8 nor GB18030/GBK text (byte 0x%02X); save it "
                 "as CSV UTF-8", path, line_of(buf, skip + bad), (unsigned char)buf[skip + bad]);
        free(buf);
        return DCS_EINVAL;
    }
    free(buf);
    *encoding = "GB18030";
    *text = conv;
    return 0;
}

int dcs_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    crypto_hash_sha256_state st;
    unsigned char buf[8192], h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    for (size_t n; f && (n = fread(buf, 1, sizeof buf, f)) > 0;)
        crypto_hash_sha256_update(&st, buf, n);
    int bad = !f || ferror(f);
    if (f)
        fclose(f);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return bad ? DCS_EIO : 0;
}

void dcs_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}
