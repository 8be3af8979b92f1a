/* snmp_int.h: internals of the SNMP backend: per-device state, one request's
 * bookkeeping, session set-up (v1/v2c/v3) and the event loop (snmp_session.c). */
#ifndef DCS_SNMP_INT_H
#define DCS_SNMP_INT_H

#include <pthread.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "../../engine/config/dcs_config.h"

#define SN_MAX_OID 128
#define SN_MAX_VB 64   /* varbinds per GET, whatever max_oids says */

#define SN_WALK_HOPS 1024 /* requests one walk may take in a cycle (SNMPv1: one row each) */

typedef struct {
    oid oid[SN_MAX_OID];
    size_t len;
    unsigned chan;             /* channel index in the config */
    int walk;                  /* dcs_config_walk_t */
    int es;                    /* ENTITY-SENSOR: also read scale and precision */
    /* this cycle */
    uint8_t flag;
    double sum;                /* value, or the walk's sum */
    unsigned count;
    double es_exp;             /* power of ten from scale and precision */
    int es_bad;
    oid next[SN_MAX_OID];      /* walk: where the next GETBULK starts */
    size_t next_len;
    int pending, walk_hops;    /* walk: a follow-up request to send */
} sn_chan_t;

typedef struct sn_req sn_req_t;

typedef struct {
    const dcs_config_t *cfg;
    unsigned dev;
    sn_req_t *slot;            /* request records, reused; net-snmp's callback magic */
    size_t nslot;
    void *sess;                /* snmp_sess_open handle, NULL until open */
    char peer[300];
    sn_chan_t *ch;
    size_t n;
    unsigned gen;              /* cycle number: answers of older cycles are late */
    int outstanding;
    int read_error;            /* last SNMPERR_* of a refused answer this cycle */
    int need_engine;           /* v3: the agent's engine ID is not known yet */
    int send_data;             /* v3: just discovered, the cycle's GETs are to be sent */
    size_t late;
    int64_t t_start, t_last;
    char err[256];
} sn_state_t;

/* One request in flight. Records live as long as the device: net-snmp may call
 * back for a request at any later read, timeout or close, so the callback checks
 * busy and the request id instead of trusting the pointer's history. */
struct sn_req {
    sn_state_t *s;
    int busy, reqid;
    unsigned gen;
    int walk, probe;           /* a walk's request; the v3 engine discovery probe */
    unsigned nvb;
    unsigned vb_chan[SN_MAX_VB];   /* channel (index in s->ch) of each varbind */
    uint8_t vb_role[SN_MAX_VB];    /* 0 value, 1 entity scale, 2 entity precision */
};

/* Once per process: no config files, no MIBs, logging off. */
void sn_library_init(void);
/* Open s's session (v3: derive keys; no I/O, the engine is discovered by a probe
 * sent with the first cycle). 0, DCS_ECONFIG (bad settings) or DCS_EIO. */
int sn_session_open(sn_state_t *s, char *err, size_t errlen);
/* v3 engine discovery (RFC 3414 4): the probe to send asynchronously, and what to
 * do with its answer (a report carrying the engine ID). 0, or -1 with nothing
 * learnt. */
netsnmp_pdu *sn_probe_pdu(void);
int sn_engine_learnt(sn_state_t *s, const netsnmp_pdu *report);
/* Close s's session and forget its v3 user's keys. */
void sn_session_close(sn_state_t *s);
/* Read answers of states[0..n-1] until none is outstanding or deadline_ns;
 * after each read, more(s) sends what the answers asked for (a walk's next rows,
 * the GETs after a discovery). */
void sn_loop(sn_state_t **states, size_t n, int64_t deadline_ns, void (*more)(sn_state_t *s));

/* ---- one answer's checks (answer.c) ---- */

/* A varbind's value by its type: a sample flag, *out when DCS_SAMPLE_OK. */
int sn_varbind_value(const netsnmp_variable_list *v, double *out);
/* The OID varbind `role` of ch asks for: its own (0), or ENTITY-SENSOR's scale
 * (1) or precision (2) beside it. Returns its length. */
size_t sn_asked_oid(const sn_chan_t *ch, int role, oid *name);
/* The GET varbind v (NULL: missing) answering (ch, role): a flag and *x; *why
 * names an answer for another OID (garbage), else NULL. */
int sn_get_answer(const sn_chan_t *ch, int role, const netsnmp_variable_list *v, double *x, const char **why);
/* One answer of ch's walk: its rows under the column added to ch->sum/count.
 * Returns SN_WALK_MORE (ch->pending set: ask again after the last row), or the
 * column's flag (ok, no-such-object for an empty column, garbage for rows out
 * of order or a walk past SN_WALK_HOPS) with *why. has_ns/ns: the channel's
 * "not supported" reading, skipped. */
#define SN_WALK_MORE (-1)
int sn_walk_answer(sn_chan_t *ch, const netsnmp_variable_list *v, int has_ns, double ns, const char **why);

#endif
