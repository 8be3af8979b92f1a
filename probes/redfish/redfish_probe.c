/* redfish_probe.c: the `redfish` backend: a server's input power (and energy)
 * from its BMC (DMTF Redfish). The first cycle discovers the resources by
 * following their links (@odata.id), as the schema gives them:
 *   /redfish/v1/Chassis -> each chassis ->
 *     PowerSubsystem -> PowerSupplies -> each supply present -> its Metrics:
 *       InputPowerWatts.Reading (schema 2020.4 on); or, where the chassis
 *       links no PowerSubsystem, the legacy Power resource:
 *       PowerControl[0].PowerConsumedWatts (the chassis' total: later entries
 *       are sub-domains on some BMCs, CPU or memory, and would count twice);
 *     EnvironmentMetrics: EnergykWh.Reading, where the BMC has it;
 * later cycles read only those leaves (a leaf gone, 404, sends it back to
 * discovery). Channel `metric: power` is the sum of the supplies' input
 * power (else the legacy reading), `metric: energy` the chassis' energy
 * counter. A BMC where more than one chassis reports power (or energy), as an
 * enclosure and its nodes may, has those samples flagged, not added: which
 * chassis meters the server is not guessed. HTTPS is verified (the system's CAs, or ca_file); `insecure: true`
 * turns that off and poll says so. Basic authentication. Every device of a
 * cycle is read at once on one thread (libcurl multi, up to 4 requests per
 * BMC); only paths under /redfish/v1/ are followed. */
#define _GNU_SOURCE
#include "../dcs_http.h"
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BODY_MAX (4u << 20)
#define PER_BMC 4
#define MAX_RQ 64

typedef enum { RQ_CHASSES, RQ_CHASSIS, RQ_PSUBSYS, RQ_PSUS, RQ_PSU_RES, RQ_PSU, RQ_LEGACY, RQ_ENV, RQ_LOGIN } rq_kind_t;

#define SESSIONS "/redfish/v1/SessionService/Sessions"

typedef struct {
    rq_kind_t kind;
    char path[400];
} rq_t;

typedef struct rf_state rf_state_t;

typedef struct {
    rf_state_t *s;
    CURL *e;
    rq_t rq;
    dcs_http_body_t body;
    int busy;
    unsigned gen;                 /* the session token this request carried */
    char token[512], location[400]; /* a login's answer headers */
} conn_t;

struct rf_state {
    const dcs_config_t *cfg;
    char *base;
    size_t n;
    uint32_t *chan;
    int discovered;
    long timeout_ms;
    rq_t leaf[MAX_RQ], queue[MAX_RQ];
    size_t nleaf, nq;
    conn_t c[PER_BMC];
    double psu_w, legacy_w, energy_kwh;
    int power_chassis;            /* chassis found linking power (at discovery) */
    int npsu, nlegacy, nenergy, failed;
    int flag;                     /* the cycle's worst flag */
    int64_t t_start, t_done;
    char err[DCS_PROBE_ERRLEN];
    /* auth: session: the token (never logged), where to delete it, and the
     * headers carrying it; a login runs alone, before the requests it gates */
    int session, login_needed, login_busy, relogins;
    unsigned gen;
    char token[512], session_path[400];
    struct curl_slist *hdr, *old_hdr, *json_hdr;
    char *login_body;
};

static pthread_mutex_t multi_mu = PTHREAD_MUTEX_INITIALIZER;
static CURLM *multi;

/* A login's answer headers: the token and where the session lives. */
static size_t header(char *p, size_t size, size_t n, void *ctx)
{
    conn_t *c = ctx;
    size_t k = size * n;
    char line[600];
    if (c->rq.kind != RQ_LOGIN || k >= sizeof line)
        return k;
    memcpy(line, p, k);
    line[k] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    const char *v = strchr(line, ':');
    for (v = v ? v + 1 : NULL; v && *v == ' '; v++)
        ;
    if (v && strncasecmp(line, "X-Auth-Token:", 13) == 0)
        snprintf(c->token, sizeof c->token, "%s", v);
    else if (v && strncasecmp(line, "Location:", 9) == 0 && strstr(v, "/redfish/v1/"))
        snprintf(c->location, sizeof c->location, "%s", strstr(v, "/redfish/v1/")); /* a path or a full URL */
    return k;
}

/* The session's token goes into the headers of the requests that follow. */
static void set_token(rf_state_t *s, const char *token)
{
    char h[600];
    snprintf(s->token, sizeof s->token, "%s", token);
    snprintf(h, sizeof h, "X-Auth-Token: %s", token);
    curl_slist_free_all(s->old_hdr); /* at most one login a cycle: nothing carries these now */
    s->old_hdr = s->hdr;
    s->hdr = curl_slist_append(NULL, h);
    s->gen++;
}

/* Log out at close: the BMC's session slots are few. Best effort, 1 s. */
static void logout(rf_state_t *s)
{
    char url[1000];
    CURL *e = s->c[0].e;
    if (!s->token[0] || !s->session_path[0] || !e)
        return;
    snprintf(url, sizeof url, "%s%s", s->base, s->session_path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdr);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_perform(e);
}

static int login_body(rf_state_t *s, const dcs_config_device_t *d)
{
    json_object *o = json_object_new_object();
    if (!o)
        return -1;
    json_object_object_add(o, "UserName", json_object_new_string(d->username));
    json_object_object_add(o, "Password", json_object_new_string(d->password ? d->password : ""));
    s->login_body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    s->json_hdr = curl_slist_append(NULL, "Content-Type: application/json");
    return s->login_body && s->json_hdr ? 0 : -1;
}

static void rf_close(void *state)
{
    rf_state_t *s = state;
    if (!s)
        return;
    if (s->session)
        logout(s);
    curl_slist_free_all(s->hdr), curl_slist_free_all(s->old_hdr), curl_slist_free_all(s->json_hdr);
    free(s->login_body);
    for (int k = 0; k < PER_BMC; k++) {
        if (s->c[k].e)
            curl_easy_cleanup(s->c[k].e);
        free(s->c[k].body.buf);
    }
    free(s->base), free(s->chan), free(s);
}

static int rf_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err, size_t errlen)
{
    const dcs_config_device_t *d = &cfg->devices[dev];
    rf_state_t *s = calloc(1, sizeof *s);
    if (!s || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return free(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    s->cfg = cfg, s->timeout_ms = d->timeout_ms;
    for (unsigned i = 0; i < cfg->channels_count; i++)
        s->n += cfg->channels[i].device_index == dev;
    s->base = strndup(d->url, strlen(d->url) - (d->url[strlen(d->url) - 1] == '/'));
    s->chan = calloc(s->n ? s->n : 1, sizeof *s->chan);
    if (!s->base || !s->chan)
        return rf_close(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    for (unsigned i = 0, k = 0; i < cfg->channels_count; i++)
        if (cfg->channels[i].device_index == dev)
            s->chan[k++] = i;
    for (int k = 0; k < PER_BMC; k++) {
        CURL *e = s->c[k].e = curl_easy_init();
        if (!e)
            return rf_close(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
        s->c[k].s = s;
        s->c[k].body.max = BODY_MAX;
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, dcs_http_body_take);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &s->c[k].body);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &s->c[k]);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &s->c[k]);
        int rc = dcs_http_setup(e, d, err, errlen);
        if (rc)
            return rf_close(s), rc;
    }
    s->session = d->auth_session;
    if (s->session && login_body(s, d))
        return rf_close(s), snprintf(err, errlen, "out of memory"), DCS_ENOMEM;
    *state = s;
    return 0;
}

/* The cycle's samples fail: the first reason is kept. */
static void fail_with(rf_state_t *s, int flag, const char *fmt, const char *a, const char *b)
{
    if (!s->failed) {
        s->flag = flag;
        snprintf(s->err, sizeof s->err, fmt, a ? a : "", b ? b : "");
    }
    s->failed = 1;
}

static void enqueue(rf_state_t *s, rq_kind_t kind, const char *path)
{
    if (s->nq == MAX_RQ || strncmp(path, "/redfish/v1/", 12) != 0 || strstr(path, "..") ||
        strlen(path) >= sizeof s->queue[0].path || strpbrk(path, "#?")) /* only the BMC's tree, no fragments */
        return;
    rq_t *q = &s->queue[s->nq++];
    q->kind = kind;
    snprintf(q->path, sizeof q->path, "%s", path);
}

/* Follow obj.key's link ({"@odata.id": path}); 1 when there is one. */
static int follow(rf_state_t *s, json_object *o, const char *key, rq_kind_t kind)
{
    json_object *x, *id;
    if (!json_object_object_get_ex(o, key, &x) || !json_object_object_get_ex(x, "@odata.id", &id) ||
        !json_object_is_type(id, json_type_string))
        return 0;
    enqueue(s, kind, json_object_get_string(id));
    return 1;
}

static void keep_leaf(rf_state_t *s, const rq_t *q)
{
    if (!s->discovered && s->nleaf < MAX_RQ)
        s->leaf[s->nleaf++] = *q;
}

/* A Reading of obj.key (an Excerpt { "Reading": x }) or obj.key itself as a number. */
static int reading(json_object *o, const char *key, double *v)
{
    json_object *x, *r;
    if (!json_object_object_get_ex(o, key, &x))
        return -1;
    if (json_object_is_type(x, json_type_object) && json_object_object_get_ex(x, "Reading", &r))
        x = r;
    if (!json_object_is_type(x, json_type_double) && !json_object_is_type(x, json_type_int))
        return -1;
    *v = json_object_get_double(x);
    return isfinite(*v) ? 0 : -1;
}

static void members(rf_state_t *s, json_object *o, rq_kind_t kind)
{
    json_object *m, *id;
    if (!json_object_object_get_ex(o, "Members", &m) || !json_object_is_type(m, json_type_array))
        return fail_with(s, DCS_SAMPLE_GARBAGE, "%s: no Members%s", "collection", NULL);
    for (size_t i = 0; i < json_object_array_length(m); i++)
        if (json_object_object_get_ex(json_object_array_get_idx(m, i), "@odata.id", &id) &&
            json_object_is_type(id, json_type_string))
            enqueue(s, kind, json_object_get_string(id));
}

/* A supply's Status.State says it is not there (an empty slot). */
static int absent(json_object *o)
{
    json_object *st, *state;
    return json_object_object_get_ex(o, "Status", &st) && json_object_object_get_ex(st, "State", &state) &&
           json_object_is_type(state, json_type_string) && strcmp(json_object_get_string(state), "Absent") == 0;
}

static void legacy_power(rf_state_t *s, const rq_t *q, json_object *o)
{
    json_object *pc;
    double v;
    if (!json_object_object_get_ex(o, "PowerControl", &pc) || !json_object_is_type(pc, json_type_array) ||
        !json_object_array_length(pc))
        return fail_with(s, DCS_SAMPLE_GARBAGE, "%s: no PowerControl%s", q->path, NULL);
    if (reading(json_object_array_get_idx(pc, 0), "PowerConsumedWatts", &v))
        return fail_with(s, DCS_SAMPLE_GARBAGE, "%s: no PowerControl[0].PowerConsumedWatts%s", q->path, NULL);
    s->legacy_w += v, s->nlegacy++;
    keep_leaf(s, q);
}

/* A resource's answer: more to ask, or readings. */
static void answered(rf_state_t *s, const rq_t *q, json_object *o)
{
    double v = 0;
    switch (q->kind) {
    case RQ_CHASSES:
        return members(s, o, RQ_CHASSIS);
    case RQ_CHASSIS:
        s->power_chassis += follow(s, o, "PowerSubsystem", RQ_PSUBSYS) || follow(s, o, "Power", RQ_LEGACY);
        follow(s, o, "EnvironmentMetrics", RQ_ENV);
        return;
    case RQ_PSUBSYS:
        follow(s, o, "PowerSupplies", RQ_PSUS);
        return;
    case RQ_PSUS:
        return members(s, o, RQ_PSU_RES);
    case RQ_PSU_RES:
        if (!absent(o))
            follow(s, o, "Metrics", RQ_PSU);
        return;
    case RQ_PSU:
        if (reading(o, "InputPowerWatts", &v))
            return fail_with(s, DCS_SAMPLE_GARBAGE, "%s: no InputPowerWatts.Reading%s", q->path, NULL);
        s->psu_w += v, s->npsu++;
        return keep_leaf(s, q);
    case RQ_LEGACY:
        return legacy_power(s, q, o);
    case RQ_LOGIN: /* answered by its headers (logged_in) */
        return;
    case RQ_ENV:
        if (!reading(o, "EnergykWh", &v)) {
            s->energy_kwh += v, s->nenergy++;
            keep_leaf(s, q);
        }
        return;
    }
}

/* The login's answer: the token, or the cycle fails (nothing else is asked). */
static void logged_in(rf_state_t *s, conn_t *c, long code)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", code);
    if ((code == 200 || code == 201) && c->token[0]) {
        set_token(s, c->token);
        snprintf(s->session_path, sizeof s->session_path, "%s", c->location);
        return;
    }
    s->nq = 0;
    fail_with(s, DCS_SAMPLE_EXCEPTION, code / 100 == 2 ? "login: no X-Auth-Token in the answer%s%s"
                                                       : "login: HTTP %s from %s", num, SESSIONS);
}

/* A 401 under a session: the token expired (a BMC reboot, its timeout). Log in
 * again once a cycle and ask again; 1 when the request is queued again. */
static int session_lost(rf_state_t *s, conn_t *c)
{
    if (c->gen == s->gen && s->token[0] && !s->relogins) {
        s->token[0] = '\0';
        s->login_needed = 1;
    }
    if ((s->login_needed || s->login_busy || c->gen != s->gen) && s->nq < MAX_RQ) {
        s->queue[s->nq++] = c->rq;
        return 1;
    }
    return 0;
}

static void done(rf_state_t *s, conn_t *c, CURLcode res)
{
    long code = 0;
    char where[600];
    curl_easy_getinfo(c->e, CURLINFO_RESPONSE_CODE, &code);
    curl_multi_remove_handle(multi, c->e);
    c->busy = 0;
    s->login_busy &= c->rq.kind != RQ_LOGIN;
    s->t_done = dcs_time_now_ns();
    snprintf(where, sizeof where, "%s", c->rq.path);
    if (res == CURLE_COULDNT_CONNECT || res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CONNECT_ERROR)
        return fail_with(s, DCS_SAMPLE_NOCONN, "%s%s", curl_easy_strerror(res),
                         res == CURLE_COULDNT_CONNECT ? "" : " (give the BMC's CA in ca_file)");
    if (res == CURLE_OPERATION_TIMEDOUT)
        return fail_with(s, DCS_SAMPLE_TIMEOUT, "timeout%s%s", NULL, NULL);
    if (res != CURLE_OK)
        return fail_with(s, DCS_SAMPLE_GARBAGE, "%s: %s", where, curl_easy_strerror(res));
    if (c->rq.kind == RQ_LOGIN)
        return logged_in(s, c, code);
    if (code == 401 && s->session && session_lost(s, c))
        return;
    if (code == 404 && c->rq.kind == RQ_ENV) /* linked but not there: no energy */
        return;
    if (code != 200) {
        char num[32];
        snprintf(num, sizeof num, "%ld", code);
        s->discovered = s->discovered && code != 404 ? 1 : 0; /* a leaf gone: find them again */
        return fail_with(s, DCS_SAMPLE_EXCEPTION, "HTTP %s from %s", num, where);
    }
    json_tokener *tok = json_tokener_new();
    json_object *o = tok && c->body.buf ? json_tokener_parse_ex(tok, c->body.buf, (int)c->body.len) : NULL;
    int whole = tok && c->body.buf && json_tokener_get_parse_end(tok) == c->body.len;
    json_tokener_free(tok);
    if (!o || !whole || !json_object_is_type(o, json_type_object))
        fail_with(s, DCS_SAMPLE_GARBAGE, "%s: not one JSON object%s", where, NULL);
    else
        answered(s, &c->rq, o);
    json_object_put(o);
}

static long request_ms(int64_t deadline_ns, long timeout_ms)
{
    long ms = (long)((deadline_ns - dcs_time_now_ns()) / 1000000);
    return ms < timeout_ms ? (ms > 1 ? ms : 1) : timeout_ms;
}

static void launch(rf_state_t *s, conn_t *c, int64_t deadline_ns, long timeout_ms)
{
    char url[1000];
    snprintf(url, sizeof url, "%s%s", s->base, c->rq.path);
    curl_easy_setopt(c->e, CURLOPT_URL, url);
    curl_easy_setopt(c->e, CURLOPT_TIMEOUT_MS, request_ms(deadline_ns, timeout_ms));
    if (c->rq.kind == RQ_LOGIN) {
        curl_easy_setopt(c->e, CURLOPT_POSTFIELDS, s->login_body);
        curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, s->json_hdr);
        c->token[0] = c->location[0] = '\0';
    } else {
        curl_easy_setopt(c->e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, s->session ? s->hdr : NULL);
    }
    c->gen = s->gen;
    c->body.len = 0;
    if (c->body.buf)
        c->body.buf[0] = '\0';
    c->busy = 1;
    curl_multi_add_handle(multi, c->e);
}

/* Start queued requests on the BMC's free connections; a login first, alone. */
static void start(rf_state_t *s, int64_t deadline_ns, long timeout_ms)
{
    for (int k = 0; k < PER_BMC && (s->nq || s->login_needed); k++) {
        conn_t *c = &s->c[k];
        if (c->busy || s->login_busy)
            continue;
        if (s->login_needed) {
            c->rq = (rq_t){.kind = RQ_LOGIN, .path = SESSIONS};
            s->login_needed = 0, s->login_busy = 1, s->relogins++;
        } else {
            c->rq = s->queue[--s->nq];
        }
        launch(s, c, deadline_ns, timeout_ms);
    }
}

static int busy(const rf_state_t *s)
{
    int b = s->nq > 0 || s->login_needed;
    for (int k = 0; k < PER_BMC; k++)
        b |= s->c[k].busy;
    return b;
}

static void cycle_begin(rf_state_t *s)
{
    s->psu_w = s->legacy_w = s->energy_kwh = 0;
    s->npsu = s->nlegacy = s->nenergy = s->failed = s->flag = 0;
    s->err[0] = '\0';
    s->t_start = s->t_done = dcs_time_now_ns();
    curl_slist_free_all(s->old_hdr); /* nothing in flight between cycles */
    s->old_hdr = NULL;
    s->relogins = s->login_busy = 0; /* a login cut off at the last deadline is over */
    s->login_needed = s->session && !s->token[0];
    if (!s->discovered) {
        s->nleaf = s->nq = 0, s->power_chassis = 0;
        enqueue(s, RQ_CHASSES, "/redfish/v1/Chassis");
    } else {
        memcpy(s->queue, s->leaf, s->nleaf * sizeof *s->leaf);
        s->nq = s->nleaf;
    }
}

static void run(rf_state_t **st, size_t n, int64_t deadline_ns)
{
    for (size_t i = 0; i < n; i++)
        cycle_begin(st[i]);
    for (;;) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            start(st[i], deadline_ns, st[i]->timeout_ms);
            any |= busy(st[i]);
        }
        int running, q;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        while ((m = curl_multi_info_read(multi, &q)))
            if (m->msg == CURLMSG_DONE) {
                conn_t *c;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
                done(c->s, c, m->data.result);
            }
        int64_t rest = (deadline_ns - dcs_time_now_ns()) / 1000000;
        if (!any || rest <= 0)
            break;
        curl_multi_poll(multi, NULL, 0, (int)(rest < 100 ? rest : 100), NULL);
    }
    for (size_t i = 0; i < n; i++) /* cut off at the deadline */
        for (int k = 0; k < PER_BMC; k++)
            if (st[i]->c[k].busy) {
                curl_multi_remove_handle(multi, st[i]->c[k].e);
                st[i]->c[k].busy = 0;
                fail_with(st[i], DCS_SAMPLE_TIMEOUT, "timeout%s%s", NULL, NULL);
            }
}

static int finish(rf_state_t *s, dcs_sample_t *out, size_t n)
{
    if (!s->failed && (s->npsu || s->nlegacy))
        s->discovered = 1;
    int ok = 0;
    for (size_t k = 0; k < n && k < s->n; k++) {
        const dcs_config_channel_t *c = &s->cfg->channels[s->chan[k]];
        int energy = strcmp(c->metric, "energy") == 0, flag = s->failed ? s->flag : DCS_SAMPLE_OK;
        double raw = energy ? s->energy_kwh : s->npsu ? s->psu_w : s->legacy_w;
        if (!flag && (energy ? !s->nenergy : !(s->npsu || s->nlegacy))) {
            flag = DCS_SAMPLE_NOSUCH;
            if (!s->err[0])
                snprintf(s->err, sizeof s->err, "channel '%s': the BMC has no %s resource", c->id,
                         energy ? "EnvironmentMetrics EnergykWh" : "power supply or Power");
        }
        int several = energy ? s->nenergy : s->power_chassis; /* an enclosure and its nodes: not guessed */
        if (!flag && several > 1) {
            flag = DCS_SAMPLE_GARBAGE;
            if (!s->err[0])
                snprintf(s->err, sizeof s->err, "channel '%s': %d chassis report %s: adding them could count a "
                         "server twice", c->id, several, energy ? "energy" : "power");
        }
        double v = (raw * c->scale + c->offset) * c->to_si;
        out[k] = (dcs_sample_t){.channel = s->chan[k], .flag = (uint8_t)flag, .t_ns = s->t_done,
                                .value = flag == DCS_SAMPLE_OK && isfinite(v) ? v : NAN};
        ok += flag == DCS_SAMPLE_OK;
    }
    return ok;
}

static size_t rf_poll_many(void **states, size_t n, int64_t deadline_ns, dcs_sample_t **out, const size_t *nout,
                           int *ok, char (*err)[DCS_PROBE_ERRLEN], int64_t *latency_ns)
{
    pthread_mutex_lock(&multi_mu);
    if (!multi)
        multi = curl_multi_init();
    if (multi)
        run((rf_state_t **)states, n, deadline_ns);
    pthread_mutex_unlock(&multi_mu);
    for (size_t i = 0; i < n; i++) {
        rf_state_t *s = states[i];
        ok[i] = finish(s, out[i], nout[i]);
        latency_ns[i] = s->t_done - s->t_start;
        snprintf(err[i], DCS_PROBE_ERRLEN, "%s", s->err);
    }
    return 0;
}

static int rf_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err, size_t errlen)
{
    int ok;
    char e[1][DCS_PROBE_ERRLEN];
    int64_t lat;
    void *one[1] = {state};
    dcs_sample_t *o[1] = {out};
    rf_poll_many(one, 1, deadline_ns, o, &n, &ok, e, &lat);
    snprintf(err, errlen, "%s", e[0]);
    return ok;
}

static const dcs_probe_ops rf_ops = {
    .version = 2, .name = "redfish", .open = rf_open, .poll = rf_poll, .close = rf_close,
    .poll_many = rf_poll_many,
};

void dcs_probe_redfish_register(void)
{
    dcs_probe_register(&rf_ops);
}
