/* snmp_probe.c: SNMP v1, v2c and v3 (USM, SHA/AES) backend on net-snmp's
 * thread-safe single-session API (snmp_sess_*, net-snmp README.thread). Every
 * device of a site is polled at once from one thread (dcs_probe_ops.poll_many):
 * all requests are sent asynchronously, one epoll loop reads the answers, and
 * net-snmp's own timers resend (device `retries`) until the device's timeout
 * runs out; the loop ends at the cycle's deadline whatever is still missing.
 * Answers that arrive after it are counted as late, never waited for.
 * Channels are packed into GETs of at most `max_oids` varbinds; a walked column
 * (walk: sum | mean) is read with GETBULK (GETNEXT on v1) until it leaves the
 * subtree. A v3 agent's engine ID is learnt from a probe sent with its first
 * cycle, asynchronously like the rest; the GETs follow its answer. The library
 * is initialised once without config files or MIBs and with its logging off:
 * OIDs are numeric. */
#define _GNU_SOURCE
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"
#include "snmp_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void library_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sn_library_init);
}

static void sn_close(void *state)
{
    sn_state_t *s = state;
    if (!s)
        return;
    sn_session_close(s);
    free(s->slot);
    free(s->ch);
    free(s);
}

/* Channels of the device, with their OIDs; entity sensors also read their scale
 * and precision (columns 2 and 3 of entPhySensorTable, RFC 3433). */
static int load_channels(sn_state_t *s)
{
    const dcs_config_t *cfg = s->cfg;
    for (unsigned c = 0; c < cfg->channels_count; c++) {
        const dcs_config_channel_t *cc = &cfg->channels[c];
        if (cc->device_index != s->dev)
            continue;
        sn_chan_t *ch = &s->ch[s->n++];
        uint32_t tmp[SN_MAX_OID];
        size_t len = SN_MAX_OID;
        dcs_sample_oid_parse(cc->oid, tmp, &len); /* validated by config */
        for (size_t k = 0; k < len; k++)
            ch->oid[k] = tmp[k];
        ch->len = len;
        ch->chan = c;
        ch->walk = cc->walk;
        ch->es = cc->entity_sensor && len == 12; /* .1.3.6.1.2.1.99.1.1.1.4.N */
    }
    return 0;
}

static int sn_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err,
                   size_t errlen)
{
    sn_state_t *s = calloc(1, sizeof *s);
    size_t cap = cfg->channels_count ? cfg->channels_count : 1;
    if (!s || !(s->ch = calloc(cap, sizeof *s->ch)) ||
        !(s->slot = calloc(2 * cap + 2, sizeof *s->slot))) {
        sn_close(s);
        return DCS_ENOMEM;
    }
    s->cfg = cfg;
    s->dev = dev;
    s->nslot = 2 * cap + 2;
    load_channels(s);
    library_init();
    snprintf(s->peer, sizeof s->peer, "udp:%s:%d", cfg->devices[dev].host,
             cfg->devices[dev].port);
    int rc = sn_session_open(s, err, errlen);
    if (rc == DCS_ECONFIG) {
        sn_close(s);
        return rc;
    }
    *state = s;
    return 0;
}

/* ---- results -------------------------------------------------------------- */

static void set_err(sn_state_t *s, const char *what, const sn_chan_t *ch)
{
    if (!s->err[0])
        snprintf(s->err, sizeof s->err, "%s: %s%s%s", s->peer, what, ch ? " at " : "",
                 ch ? s->cfg->channels[ch->chan].oid : "");
}

/* The profile's "no value" reading (PowerNet-MIB answers -1 for "not
 * supported"): a missing sample, never a value. */
static int not_supported(const sn_state_t *s, const sn_chan_t *ch, double x)
{
    const dcs_config_channel_t *c = &s->cfg->channels[ch->chan];
    return c->has_not_supported && x == c->not_supported;
}

/* A GET answer: varbinds in request order, each naming the OID asked for (an
 * answer for another OID, or a varbind missing, is garbage for that channel). */
static void got_get(sn_state_t *s, const sn_req_t *q, netsnmp_pdu *pdu)
{
    netsnmp_variable_list *v = pdu->variables;
    for (unsigned k = 0; k < q->nvb; k++, v = v ? v->next_variable : NULL) {
        sn_chan_t *ch = &s->ch[q->vb_chan[k]];
        double x = NAN;
        const char *why = NULL;
        int flag = sn_get_answer(ch, q->vb_role[k], v, &x, &why);
        if (why && q->vb_role[k] == 0)
            set_err(s, why, ch);
        if (flag == DCS_SAMPLE_OK && q->vb_role[k] == 0 && not_supported(s, ch, x))
            flag = DCS_SAMPLE_NOSUCH;
        if (q->vb_role[k] == 0) {
            ch->flag = (uint8_t)flag, ch->sum = x, ch->count = flag == DCS_SAMPLE_OK;
            if (flag != DCS_SAMPLE_OK)
                set_err(s, dcs_sample_flag_name(flag), ch);
        } else if (flag == DCS_SAMPLE_OK) {
            ch->es_exp += q->vb_role[k] == 1 ? 3.0 * (x - 9.0) : -x; /* scale, precision */
        } else {
            ch->es_bad = 1;
        }
    }
}

/* A GETBULK/GETNEXT answer of a walk (answer.c): rows added, or the next
 * request marked pending, or the column's flag with its reason. */
static void got_walk(sn_state_t *s, const sn_req_t *q, netsnmp_pdu *pdu)
{
    sn_chan_t *ch = &s->ch[q->vb_chan[0]];
    const dcs_config_channel_t *c = &s->cfg->channels[ch->chan];
    const char *why = NULL;
    int flag = sn_walk_answer(ch, pdu->variables, c->has_not_supported, c->not_supported, &why);
    if (flag == SN_WALK_MORE)
        return;
    ch->flag = (uint8_t)flag;
    if (why)
        set_err(s, why, ch);
}

/* Errors that fail a whole request: its channels get one flag. */
static void fail_req(sn_state_t *s, const sn_req_t *q, int flag, const char *why)
{
    for (unsigned k = 0; k < q->nvb; k++)
        if (q->vb_role[k] == 0)
            s->ch[q->vb_chan[k]].flag = (uint8_t)flag;
    set_err(s, why, NULL);
}

static int callback(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)sp;
    sn_req_t *q = magic;
    sn_state_t *s = q->s;
    /* A v3 report is matched by message id: its request id may be 0. */
    int report = op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu->command == SNMP_MSG_REPORT;
    if (op == NETSNMP_CALLBACK_OP_RESEND || !q->busy || (q->reqid != reqid && !report))
        return 1; /* a resend notice, or not (or no longer) ours */
    q->busy = 0;
    if (q->gen != s->gen) { /* from an earlier cycle */
        s->late += op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE;
        return 1;
    }
    s->outstanding--;
    s->t_last = dcs_time_now_ns();
    if (q->probe) { /* v3 discovery: the answer (a report: a "security error") has the ID */
        int answered = op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE ||
                       op == NETSNMP_CALLBACK_OP_SEC_ERROR;
        if (answered && pdu && sn_engine_learnt(s, pdu) == 0)
            s->send_data = 1;
        else
            set_err(s, answered ? "SNMPv3 engine discovery: no usable engine ID in the answer"
                                : "timeout (SNMPv3 engine discovery)", NULL);
    } else if (op == NETSNMP_CALLBACK_OP_SEC_ERROR) {
        fail_req(s, q, DCS_SAMPLE_EXCEPTION, "SNMPv3 security error (check user and keys)");
    } else if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && s->read_error) {
        /* answers came but were refused (e.g. a wrong v3 key): say why */
        char why[160];
        snprintf(why, sizeof why, "no valid answer: %s", snmp_api_errstring(s->read_error));
        fail_req(s, q, DCS_SAMPLE_EXCEPTION, why);
    } else if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
        fail_req(s, q, DCS_SAMPLE_TIMEOUT, "timeout");
    } else if (pdu->command == SNMP_MSG_REPORT) {
        int rpt = snmpv3_get_report_type(pdu); /* e.g. wrong digest: bad password */
        char why[160];
        snprintf(why, sizeof why, "SNMPv3 %s", snmp_api_errstring(rpt));
        fail_req(s, q, DCS_SAMPLE_EXCEPTION, why);
    } else if (pdu->errstat != SNMP_ERR_NOERROR) {
        fail_req(s, q, pdu->errstat == SNMP_ERR_NOSUCHNAME ? DCS_SAMPLE_NOSUCH : DCS_SAMPLE_EXCEPTION,
                 snmp_errstring((int)pdu->errstat));
    } else if (q->walk) {
        got_walk(s, q, pdu);
    } else {
        got_get(s, q, pdu);
    }
    return 1;
}

/* ---- requests ------------------------------------------------------------- */

/* A free request record, or NULL when net-snmp still holds them all. */
static sn_req_t *new_req(sn_state_t *s)
{
    for (size_t k = 0; k < s->nslot; k++)
        if (!s->slot[k].busy) { /* busy from now: a GET is filled before it is sent */
            s->slot[k] = (sn_req_t){.s = s, .gen = s->gen, .busy = 1};
            return &s->slot[k];
        }
    set_err(s, "too many requests in flight", NULL);
    return NULL;
}

static int send_pdu(sn_state_t *s, netsnmp_pdu *pdu, sn_req_t *q)
{
    int id = snmp_sess_async_send(s->sess, pdu, callback, q);
    if (!id) {
        snmp_free_pdu(pdu);
        fail_req(s, q, DCS_SAMPLE_NOCONN, "cannot send");
        q->busy = 0;
        return -1;
    }
    q->reqid = id;
    s->outstanding++;
    return 0;
}

static void send_walk(sn_state_t *s, unsigned i)
{
    sn_chan_t *ch = &s->ch[i];
    int v1 = strcmp(s->cfg->devices[s->dev].version, "1") == 0;
    sn_req_t *q = new_req(s);
    netsnmp_pdu *pdu = q ? snmp_pdu_create(v1 ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK) : NULL;
    if (!pdu) {
        if (q)
            q->busy = 0;
        return;
    }
    if (!v1)
        pdu->non_repeaters = 0, pdu->max_repetitions = 25;
    snmp_add_null_var(pdu, ch->next, ch->next_len);
    q->walk = 1, q->nvb = 1, q->vb_chan[0] = i;
    send_pdu(s, pdu, q);
}

/* Add channel i's varbinds to the GET being built; send it when full. */
static void add_get(sn_state_t *s, netsnmp_pdu **pdu, sn_req_t **q, unsigned i, int max)
{
    sn_chan_t *ch = &s->ch[i];
    int need = ch->es ? 3 : 1;
    if (*q && (int)(*q)->nvb + need > max) {
        send_pdu(s, *pdu, *q);
        *pdu = NULL, *q = NULL;
    }
    if (!*q) {
        *q = new_req(s);
        *pdu = *q ? snmp_pdu_create(SNMP_MSG_GET) : NULL;
        if (!*pdu) {
            if (*q)
                (*q)->busy = 0;
            *q = NULL;
            return;
        }
    }
    for (int r = 0; r < need; r++) {
        oid name[SN_MAX_OID];
        snmp_add_null_var(*pdu, name, sn_asked_oid(ch, r, name));
        (*q)->vb_chan[(*q)->nvb] = i;
        (*q)->vb_role[(*q)->nvb++] = (uint8_t)r;
    }
}

/* The cycle's requests: GETs of up to max_oids varbinds, and the walks. */
static void send_requests(sn_state_t *s)
{
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    int max = d->max_oids < SN_MAX_VB ? d->max_oids : SN_MAX_VB;
    netsnmp_pdu *pdu = NULL;
    sn_req_t *q = NULL;
    for (unsigned i = 0; i < s->n; i++) {
        sn_chan_t *ch = &s->ch[i];
        if (ch->walk) {
            memcpy(ch->next, ch->oid, ch->len * sizeof(oid));
            ch->next_len = ch->len;
            send_walk(s, i);
        } else {
            add_get(s, &pdu, &q, i, max);
        }
    }
    if (q)
        send_pdu(s, pdu, q);
}

/* After a read: the GETs a discovery was waiting for, a walk's next rows. */
static void more(sn_state_t *s)
{
    if (s->send_data) {
        s->send_data = 0;
        send_requests(s);
    }
    for (unsigned i = 0; i < s->n; i++)
        if (s->ch[i].pending) {
            s->ch[i].pending = 0;
            send_walk(s, i);
        }
}

static void start(sn_state_t *s, int64_t deadline_ns)
{
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    s->gen++;
    s->err[0] = '\0';
    s->outstanding = 0;
    s->read_error = 0;
    s->send_data = 0;
    s->t_start = s->t_last = dcs_time_now_ns();
    for (size_t i = 0; i < s->n; i++) {
        sn_chan_t *ch = &s->ch[i];
        ch->flag = DCS_SAMPLE_TIMEOUT, ch->sum = 0, ch->count = 0, ch->es_exp = 0;
        ch->es_bad = 0, ch->pending = 0, ch->walk_hops = 0;
    }
    if (!s->sess && sn_session_open(s, s->err, sizeof s->err)) {
        for (size_t i = 0; i < s->n; i++)
            s->ch[i].flag = DCS_SAMPLE_NOCONN;
        return;
    }
    netsnmp_session *ss = snmp_sess_session(s->sess);
    int64_t left_us = (deadline_ns - s->t_start) / 1000;
    ss->timeout = left_us < d->timeout_ms * 1000L ? (long)left_us : d->timeout_ms * 1000L;
    if (!s->need_engine) {
        send_requests(s);
        return;
    }
    sn_req_t *q = new_req(s); /* v3, engine not known yet: the probe first */
    netsnmp_pdu *pdu = q ? sn_probe_pdu() : NULL;
    if (!pdu) {
        if (q)
            q->busy = 0;
        return;
    }
    q->probe = 1;
    send_pdu(s, pdu, q);
}

/* Samples of a finished (or cut-off) device; returns OK samples. */
static int finish(sn_state_t *s, dcs_sample_t *out, size_t n)
{
    int ok = 0;
    for (size_t i = 0; i < n && i < s->n; i++) {
        const sn_chan_t *ch = &s->ch[i];
        const dcs_config_channel_t *c = &s->cfg->channels[ch->chan];
        int flag = ch->es_bad && ch->flag == DCS_SAMPLE_OK ? DCS_SAMPLE_NOSUCH : ch->flag;
        double raw = ch->walk == DCS_CONFIG_WALK_MEAN && ch->count ? ch->sum / ch->count : ch->sum;
        double value = (raw * pow(10.0, ch->es_exp) * c->scale + c->offset) * c->to_si;
        if (flag == DCS_SAMPLE_OK && !isfinite(value))
            flag = DCS_SAMPLE_GARBAGE;
        if (flag == DCS_SAMPLE_TIMEOUT)
            set_err(s, "timeout", NULL);
        out[i] = (dcs_sample_t){.channel = ch->chan, .flag = (uint8_t)flag, .t_ns = s->t_last,
                                .value = flag == DCS_SAMPLE_OK ? value : NAN};
        ok += flag == DCS_SAMPLE_OK;
    }
    return ok;
}

static size_t sn_poll_many(void **states, size_t n, int64_t deadline_ns, dcs_sample_t **out,
                           const size_t *nout, int *ok, char (*err)[DCS_PROBE_ERRLEN],
                           int64_t *latency_ns)
{
    size_t late = 0;
    for (size_t i = 0; i < n; i++)
        late += ((sn_state_t *)states[i])->late, ((sn_state_t *)states[i])->late = 0;
    for (size_t i = 0; i < n; i++)
        start(states[i], deadline_ns);
    sn_loop((sn_state_t **)states, n, deadline_ns, more);
    for (size_t i = 0; i < n; i++) {
        sn_state_t *s = states[i];
        ok[i] = finish(s, out[i], nout[i]);
        latency_ns[i] = s->t_last - s->t_start;
        snprintf(err[i], DCS_PROBE_ERRLEN, "%s", s->err);
        late += s->late, s->late = 0;
    }
    return late;
}

static int sn_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err,
                   size_t errlen)
{
    int ok;
    char e[1][DCS_PROBE_ERRLEN];
    int64_t lat;
    void *one[1] = {state};
    sn_poll_many(one, 1, deadline_ns, &out, &n, &ok, e, &lat);
    snprintf(err, errlen, "%s", e[0]);
    return ok;
}

static const dcs_probe_ops snmp_probe = {
    .version = 2,
    .name = "snmp",
    .open = sn_open,
    .poll = sn_poll,
    .close = sn_close,
    .poll_many = sn_poll_many,
};

void dcs_probe_snmp_register(void)
{
    dcs_probe_register(&snmp_probe);
}
