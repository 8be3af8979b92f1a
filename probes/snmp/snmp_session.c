/* snmp_session.c: SNMP sessions (v1, v2c, v3 USM) and the event loop that reads
 * the answers of every device of a cycle with one epoll set; net-snmp's
 * snmp_sess_timeout() does the resends. Descriptors above FD_SETSIZE are fine:
 * reads go through snmp_sess_read2() with a large fd set. A v3 session learns its
 * agent's engine ID from a probe sent like any request (net-snmp's own discovery
 * in snmp_sess_open would wait for it, a silent agent holding up all others). */
#define _GNU_SOURCE
#include "snmp_int.h"
#include "../../engine/base/dcs_base.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

void sn_library_init(void)
{
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

/* Ku from a password with the session's auth hash (RFC 3414 A.2). 0 or -1. */
static int derive_key(netsnmp_session *ss, const char *password, u_char *key, size_t *keylen)
{
    return generate_Ku(ss->securityAuthProto, (u_int)ss->securityAuthProtoLen,
                       (const u_char *)password, strlen(password), key, keylen) ==
                   SNMPERR_SUCCESS ? 0 : -1;
}

static int set_v3(netsnmp_session *ss, const dcs_config_snmpv3_t *v, char *err, size_t errlen)
{
    ss->version = SNMP_VERSION_3;
    ss->securityName = v->user;
    ss->securityNameLen = strlen(v->user);
    if (v->context)
        ss->contextName = v->context, ss->contextNameLen = strlen(v->context);
    int auth = strcmp(v->level, "noAuthNoPriv") != 0, priv = strcmp(v->level, "authPriv") == 0;
    ss->securityLevel = priv ? SNMP_SEC_LEVEL_AUTHPRIV
                        : auth ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_NOAUTH;
    if (!auth)
        return 0;
    const char *ap = v->auth_protocol ? v->auth_protocol : "SHA";
    ss->securityAuthProto = !strcmp(ap, "MD5") ? usmHMACMD5AuthProtocol
                            : !strcmp(ap, "SHA-256") ? usmHMAC192SHA256AuthProtocol
                                                     : usmHMACSHA1AuthProtocol;
    ss->securityAuthProtoLen = !strcmp(ap, "SHA-256") ? OID_LENGTH(usmHMAC192SHA256AuthProtocol)
                                                      : USM_AUTH_PROTO_SHA_LEN;
    ss->securityAuthKeyLen = USM_AUTH_KU_LEN;
    if (derive_key(ss, v->auth_password, ss->securityAuthKey, &ss->securityAuthKeyLen))
        return snprintf(err, errlen, "SNMPv3 user %s: cannot derive the auth key", v->user),
               DCS_ECONFIG;
    if (!priv)
        return 0;
    int des = v->priv_protocol && !strcmp(v->priv_protocol, "DES");
    ss->securityPrivProto = des ? usmDESPrivProtocol : usmAESPrivProtocol;
    ss->securityPrivProtoLen = des ? USM_PRIV_PROTO_DES_LEN : USM_PRIV_PROTO_AES_LEN;
    ss->securityPrivKeyLen = USM_PRIV_KU_LEN;
    if (derive_key(ss, v->priv_password, ss->securityPrivKey, &ss->securityPrivKeyLen))
        return snprintf(err, errlen, "SNMPv3 user %s: cannot derive the privacy key", v->user),
               DCS_ECONFIG;
    return 0;
}

int sn_session_open(sn_state_t *s, char *err, size_t errlen)
{
    const dcs_config_device_t *d = &s->cfg->devices[s->dev];
    netsnmp_session ss;
    char community[256];
    snmp_sess_init(&ss);
    ss.peername = s->peer;
    ss.timeout = d->timeout_ms * 1000L;
    ss.retries = d->retries;
    if (!strcmp(d->version, "3")) {
        int rc = set_v3(&ss, d->v3, err, errlen);
        if (rc)
            return rc;
    } else {
        snprintf(community, sizeof community, "%s", d->community);
        ss.version = !strcmp(d->version, "1") ? SNMP_VERSION_1 : SNMP_VERSION_2c;
        ss.community = (u_char *)community;
        ss.community_len = strlen(community);
    }
    if (ss.version == SNMP_VERSION_3)
        ss.flags |= SNMP_FLAGS_DONT_PROBE; /* discovered by a probe sent with a cycle */
    s->sess = snmp_sess_open(&ss);
    s->need_engine = ss.version == SNMP_VERSION_3;
    if (s->sess && s->need_engine) /* net-snmp clears it once open; sends would probe */
        snmp_sess_session(s->sess)->flags |= SNMP_FLAGS_DONT_PROBE;
    if (!s->sess) {
        int e = 0, se = 0;
        char *msg = NULL;
        snmp_error(&ss, &e, &se, &msg);
        snprintf(err, errlen, "%s: %s", s->peer, msg && *msg ? msg : "cannot open session");
        free(msg);
        return DCS_EIO;
    }
    return 0;
}

netsnmp_pdu *sn_probe_pdu(void)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    if (!pdu)
        return NULL;
    pdu->version = SNMP_VERSION_3;
    pdu->securityName = strdup("");
    pdu->securityNameLen = 0;
    pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    pdu->securityModel = SNMP_SEC_MODEL_USM;
    /* The probe goes out as the empty user, without keys: USM must know it. */
    pthread_mutex_lock(&lock);
    if (!usm_get_user(NULL, 0, "")) {
        struct usmUser *u = calloc(1, sizeof *u);
        if (u) {
            u->name = strdup(""), u->secName = strdup("");
            u->authProtocolLen = OID_LENGTH(usmNoAuthProtocol);
            u->authProtocol = snmp_duplicate_objid(usmNoAuthProtocol, u->authProtocolLen);
            u->privProtocolLen = OID_LENGTH(usmNoPrivProtocol);
            u->privProtocol = snmp_duplicate_objid(usmNoPrivProtocol, u->privProtocolLen);
            usm_add_user(u);
        }
    }
    pthread_mutex_unlock(&lock);
    return pdu;
}

int sn_engine_learnt(sn_state_t *s, const netsnmp_pdu *report)
{
    netsnmp_session *ss = snmp_sess_session(s->sess);
    if (!ss->securityEngineIDLen && report->securityEngineIDLen) {
        ss->securityEngineID = netsnmp_memdup(report->securityEngineID,
                                              report->securityEngineIDLen);
        ss->securityEngineIDLen = ss->securityEngineID ? report->securityEngineIDLen : 0;
    }
    if (!ss->securityEngineIDLen || usm_create_user_from_session(ss) != SNMPERR_SUCCESS)
        return -1;
    s->need_engine = 0;
    return 0;
}

void sn_session_close(sn_state_t *s)
{
    if (!s->sess)
        return;
    netsnmp_session *ss = snmp_sess_session(s->sess);
    struct usmUser *u = NULL;
    /* net-snmp keeps v3 users (and their keys) per engine for the whole process;
     * forget ours so that a reload with a new password takes effect. */
    if (ss && ss->version == SNMP_VERSION_3 && ss->securityName && ss->securityEngineIDLen)
        u = usm_get_user(ss->securityEngineID, ss->securityEngineIDLen, ss->securityName);
    snmp_sess_close(s->sess); /* may call back for requests still in flight */
    s->sess = NULL;
    if (u && usm_remove_user(u) == NULL)
        usm_free_user(u);
}

static int busy(const sn_state_t *s)
{
    return s->sess && s->outstanding > 0;
}


void sn_loop(sn_state_t **states, size_t n, int64_t deadline_ns, void (*more)(sn_state_t *s))
{
    int ep = epoll_create1(EPOLL_CLOEXEC), maxfd = 0;
    size_t waiting = 0;
    for (size_t i = 0; i < n; i++) {
        if (!busy(states[i]))
            continue;
        int fd = snmp_sess_transport(states[i]->sess)->sock;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = states[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        maxfd = fd > maxfd ? fd : maxfd;
        waiting++;
    }
    netsnmp_large_fd_set set;
    netsnmp_large_fd_set_init(&set, maxfd + 1);
    struct epoll_event evs[256];
    int64_t next_timers = 0;
    while (waiting && ep >= 0) {
        int64_t now = dcs_time_now_ns();
        if (now >= deadline_ns)
            break;
        int64_t wait_ms = (deadline_ns - now) / 1000000 + 1;
        int k = epoll_wait(ep, evs, 256, (int)(wait_ms < 10 ? wait_ms : 10));
        for (int j = 0; j < k; j++) {
            sn_state_t *s = evs[j].data.ptr;
            int was_busy = busy(s), fd = snmp_sess_transport(s->sess)->sock;
            NETSNMP_LARGE_FD_SET(fd, &set);
            if (snmp_sess_read2(s->sess, &set) != 0) {
                int e = snmp_sess_session(s->sess)->s_snmp_errno;
                s->read_error = e ? e : s->read_error;
            }
            NETSNMP_LARGE_FD_CLR(fd, &set);
            more(s);
            waiting -= was_busy && !busy(s); /* done: no need to wait for the timer pass */
        }
        now = dcs_time_now_ns();
        if (k <= 0 || now >= next_timers) { /* resends and per-agent timeouts */
            next_timers = now + 10000000;
            waiting = 0;
            for (size_t i = 0; i < n; i++) {
                if (busy(states[i])) {
                    snmp_sess_timeout(states[i]->sess);
                    more(states[i]);
                }
                waiting += busy(states[i]);
            }
        }
    }
    netsnmp_large_fd_set_cleanup(&set);
    if (ep >= 0)
        close(ep);
}
