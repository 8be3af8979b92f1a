/* dcs_http.h: what the HTTP backends (prometheus, redfish) share: a libcurl
 * easy handle set up from a device's endpoint keys, and the body of an answer. */
#ifndef DCS_HTTP_H
#define DCS_HTTP_H

#include "../engine/config/dcs_config.h"

#include <curl/curl.h>
#include <stddef.h>

/* An answer's body as it comes: NUL-terminated, at most max bytes (past that
 * the transfer is aborted and too_big set). */
typedef struct {
    char *buf;
    size_t len, cap, max;
    int too_big;
} dcs_http_body_t;
/* libcurl's write callback over a dcs_http_body_t (CURLOPT_WRITEDATA). */
size_t dcs_http_body_take(char *p, size_t size, size_t n, void *body);

/* Set e up for device d: http/https only, no signals, our user agent; the
 * device's ca_file (which must be readable), insecure: true (no verification),
 * basic auth with its username and password (not with auth: session). 0, or DCS_ECONFIG with err
 * naming the ca_file and why. */
int dcs_http_setup(CURL *e, const dcs_config_device_t *d, char *err, size_t errlen);

#endif
