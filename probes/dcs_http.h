/* dcs_http.h: what the HTTP backends (prometheus, redfish) share: a libcurl
 * easy handle set up from a device's endpoint keys. */
#ifndef DCS_HTTP_H
#define DCS_HTTP_H

#include "../engine/config/dcs_config.h"

#include <curl/curl.h>
#include <stddef.h>

/* Set e up for device d: http/https only, no signals, our user agent; the
 * device's ca_file (which must be readable), insecure: true (no verification),
 * basic auth with its username and password (not with auth: session). 0, or DCS_ECONFIG with err
 * naming the ca_file and why. */
int dcs_http_setup(CURL *e, const dcs_config_device_t *d, char *err, size_t errlen);

#endif
