/* snmp_probe.c: SNMP v1/v2c backend on net-snmp's thread-safe single-session API
 * (snmp_sess_*, see net-snmp README.thread). All OIDs of a device go in one GET.
 * The library is initialised once without reading config files or MIBs and with
 * its logging off: OIDs are numeric. v0 is synchronous (async: issue 8). */
#define _GNU_SOURCE
#include "../dcs_probe.h"
#include "../../engine/base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#define MAX_OID 128

typedef struct {
    oid name[MAX_OID];
    size_t len;
} oid_t;

typedef struct {
    const dcs_config_t *cfg;
    unsigned dev;
    void *sess;      /* snmp_sess_open handle */
    unsigned *chan;
    oid_t *oids;
    size_t n;
} snmp_state_t;

static void library_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
    /* With no handler net-snmp logs to stderr; a null handler keeps it silent. */
    snmp_disable_log();
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
    init_snmp("dcscore");
}

static void sn_close(void *state)
{
    snmp_state_t *s = state;
    if (!s)
        return;
    if (s->sess)
        snmp_sess_close(s->sess);
    free(s->chan);
    free(s->oids);
    free(s);
}

static int sn_open(const dcs_config_t *cfg, unsigned dev, void **state, char *err,
                   size_t errlen)
{
    const dcs_config_device_t *d = &cfg->devices[dev];
    snmp_state_t *s = calloc(1, sizeof *s);
    unsigned cap = cfg->channels_count ? cfg->channels_count : 1;
    if (!s || !(s->chan = calloc(cap, sizeof *s->chan)) || !(s->oids = calloc(cap, sizeof *s->oids))) {
        sn_close(s);
        return DCS_ENOMEM;
    }
    s->cfg = cfg;
    s->dev = dev;
    for (unsigned c = 0; c < cfg->channels_count; c++) {
        if (cfg->channels[c].device_index != dev)
            continue;
        uint32_t tmp[MAX_OID];
        size_t len = MAX_OID;
        dcs_sample_oid_parse(cfg->channels[c].oid, tmp, &len); /* validated by config */
        for (size_t k = 0; k < len; k++)
            s->oids[s->n].name[k] = tmp[k];
        s->oids[s->n].len = len;
        s->chan[s->n++] = c;
    }
    library_init();
    netsnmp_session ss;
    char peer[300], community[256];
    snmp_sess_init(&ss);
    snprintf(peer, sizeof peer, "udp:%s:%d", d->host, d->port);
    snprintf(community, sizeof community, "%s", d->community);
    ss.peername = peer;
    ss.version = strcmp(d->version, "1") == 0 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
    ss.community = (u_char *)community;
    ss.community_len = strlen(community);
    ss.timeout = d->timeout_ms * 1000L;
    ss.retries = 0;
    s->sess = snmp_sess_open(&ss);
    if (!s->sess) {
        snprintf(err, errlen, "snmp %s: cannot open session", peer);
        sn_close(s);
        return DCS_ECONFIG;
    }
    *state = s;
    return 0;
}

/* Value of one varbind, or a flag. Integer types go through double exactly up
 * to 2^53 (Counter64 beyond that loses low bits). */
static int varbind_value(const netsnmp_variable_list *v, double *out)
{
    switch (v->type) {
    case ASN_INTEGER:
        *out = (double)*v->val.integer;
        return DCS_SAMPLE_OK;
    case ASN_GAUGE: case ASN_COUNTER: case ASN_TIMETICKS: case ASN_UINTEGER:
        *out = (double)(unsigned long)*v->val.integer;
        return DCS_SAMPLE_OK;
    case ASN_COUNTER64:
        *out = (double)v->val.counter64->high * 4294967296.0 + (double)v->val.counter64->low;
        return DCS_SAMPLE_OK;
    case SNMP_NOSUCHOBJECT: case SNMP_NOSUCHINSTANCE: case SNMP_ENDOFMIBVIEW:
        return DCS_SAMPLE_NOSUCH;
    default:
        return DCS_SAMPLE_GARBAGE;
    }
}

static void fill_all(snmp_state_t *s, dcs_sample_t *out, size_t n, int flag)
{
    int64_t now = dcs_time_now_ns();
    for (size_t i = 0; i < n && i < s->n; i++)
        out[i] = (dcs_sample_t){.channel = s->chan[i], .flag = (uint8_t)flag, .t_ns = now,
                                .value = NAN};
}

static int sn_poll(void *state, int64_t deadline_ns, dcs_sample_t *out, size_t n, char *err,
                   size_t errlen)
{
    snmp_state_t *s = state;
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    int64_t left_us = (deadline_ns - dcs_time_now_ns()) / 1000;
    netsnmp_session *ss = snmp_sess_session(s->sess);
    ss->timeout = left_us < d->timeout_ms * 1000L ? (long)left_us : d->timeout_ms * 1000L;
    if (ss->timeout <= 0) {
        fill_all(s, out, n, DCS_SAMPLE_TIMEOUT);
        snprintf(err, errlen, "%s:%d: cycle deadline passed before the request", d->host, d->port);
        return 0;
    }
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
    for (size_t i = 0; i < s->n; i++)
        snmp_add_null_var(pdu, s->oids[i].name, s->oids[i].len);
    int status = snmp_sess_synch_response(s->sess, pdu, &resp);
    int64_t now = dcs_time_now_ns();
    if (status != STAT_SUCCESS || !resp || resp->errstat != SNMP_ERR_NOERROR) {
        int flag = status == STAT_TIMEOUT ? DCS_SAMPLE_TIMEOUT
                   : status == STAT_SUCCESS ? DCS_SAMPLE_EXCEPTION : DCS_SAMPLE_NOCONN;
        fill_all(s, out, n, flag);
        snprintf(err, errlen, "%s:%d: %s", d->host, d->port,
                 status == STAT_SUCCESS && resp ? snmp_errstring((int)resp->errstat)
                                                : dcs_sample_flag_name(flag));
        if (resp)
            snmp_free_pdu(resp);
        return 0;
    }
    int ok = 0;
    netsnmp_variable_list *v = resp->variables;
    for (size_t i = 0; i < n && i < s->n; i++, v = v ? v->next_variable : NULL) {
        const dcs_config_channel_t *c = &s->cfg->channels[s->chan[i]];
        double raw = NAN;
        int flag = !v ? DCS_SAMPLE_GARBAGE
                   : snmp_oid_compare(v->name, v->name_length, s->oids[i].name, s->oids[i].len)
                       ? DCS_SAMPLE_GARBAGE : varbind_value(v, &raw);
        double value = (raw * c->scale + c->offset) * c->to_si;
        if (flag == DCS_SAMPLE_OK && !isfinite(value))
            flag = DCS_SAMPLE_GARBAGE;
        if (flag != DCS_SAMPLE_OK)
            snprintf(err, errlen, "%s:%d: %s: %s", d->host, d->port, c->oid, dcs_sample_flag_name(flag));
        out[i] = (dcs_sample_t){.channel = s->chan[i], .flag = (uint8_t)flag, .t_ns = now,
                                .value = flag == DCS_SAMPLE_OK ? value : NAN};
        ok += flag == DCS_SAMPLE_OK;
    }
    snmp_free_pdu(resp);
    return ok;
}

static const dcs_probe_ops snmp_probe = {
    .version = 1,
    .name = "snmp",
    .open = sn_open,
    .poll = sn_poll,
    .close = sn_close,
};

void dcs_probe_snmp_register(void)
{
    dcs_probe_register(&snmp_probe);
}
