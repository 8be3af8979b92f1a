/* http.c: the HTTP backends' common handle setup (dcs_http.h). */
#include "dcs_http.h"
#include "../engine/base/dcs_base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t dcs_http_body_take(char *p, size_t size, size_t n, void *body)
{
    dcs_http_body_t *b = body;
    size_t k = size * n;
    if (b->len + k + 1 > b->max)
        return b->too_big = 1, 0; /* abort the transfer */
    if (b->len + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        while (cap < b->len + k + 1)
            cap *= 2;
        char *g = realloc(b->buf, cap);
        if (!g)
            return 0;
        b->buf = g, b->cap = cap;
    }
    memcpy(b->buf + b->len, p, k);
    b->len += k;
    b->buf[b->len] = '\0';
    return k;
}

int dcs_http_setup(CURL *e, const dcs_config_device_t *d, char *err, size_t errlen)
{
    if (d->ca_file && access(d->ca_file, R_OK) != 0)
        return snprintf(err, errlen, "ca_file %s: %s", d->ca_file, strerror(errno)), DCS_ECONFIG;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "dcscore");
    if (d->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, d->ca_file);
    if (d->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (d->username && !d->auth_session) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, d->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, d->password ? d->password : "");
    }
    return 0;
}
