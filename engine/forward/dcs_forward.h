/* dcs_forward.h: the site's side of the live scheduling feed (after metric:
 * the samples polled become figures, as score makes them, but over the last
 * interval only, and go to the region's collector).
 *   live.c   per-channel sums of the samples of the current and the previous
 *            interval (fed by the poll thread); a finished interval becomes the
 *            figures of a dcscore.status/1 message (docs/json.md), each withheld
 *            (null) with a finding when what it rests on is missing;
 *   spool.c  messages kept on disk until the collector acknowledges them
 *            (store-and-forward): one file each, written whole or not at all,
 *            bounded by size and age, read back in sequence order after a
 *            restart or a kill -9;
 *   send.c   the forwarder thread: at each interval's end it takes the live
 *            figures, numbers and signs the message (Ed25519, the operator's
 *            key), queues it, and delivers the queue oldest first (libcurl multi,
 *            HTTPS with certificate verification), retrying with backoff.
 * No HDF5 here: the forwarder never touches the store. */
#ifndef DCS_FORWARD_H
#define DCS_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "../config/dcs_config.h"
#include "../metric/dcs_metric.h"
#include "../submit/dcs_submit.h"

/* ---- live figures (live.c) ---- */

typedef struct dcs_live dcs_live_t;

/* The figures of one interval, NaN where withheld. */
typedef struct {
    int64_t t_ns;                 /* the interval's end (UTC) */
    double interval_s;
    double pue, it_kw, facility_kw;
    double rated[2], effective[2]; /* [0] FP16 (AI), [1] FP32 (general), TFLOPS */
    double coverage;              /* the least covered input of the figures, 0..1 */
    char findings[400];           /* JSON array of finding codes, e.g. ["it_power_coverage"] */
} dcs_live_status_t;

/* An accumulator for cfg's channels over intervals of interval_s (aligned to
 * the clock: [k*interval, (k+1)*interval)). A figure is withheld when an input
 * channel has samples for less than lim->min_coverage (raised by the site's own
 * min_coverage) of the interval, or when PUE falls outside the policy's
 * [pue_min, pue_max]. cfg is read, not kept. NULL when out of memory. */
dcs_live_t *dcs_live_new(const dcs_config_t *cfg, double interval_s, const dcs_metric_limits_t *lim);
void dcs_live_free(dcs_live_t *l);
/* Add polled samples (any thread; samples of an interval already taken are
 * counted as late and dropped). */
void dcs_live_add(dcs_live_t *l, const dcs_sample_t *s, size_t n);
/* The figures of the interval ending at end_ns (a multiple of the interval),
 * from what was added for it; the interval's sums are then cleared. */
void dcs_live_take(dcs_live_t *l, int64_t end_ns, dcs_live_status_t *out);
/* Samples that arrived for an interval already taken. */
uint64_t dcs_live_late(dcs_live_t *l);

/* The message body (dcscore.status/1), malloc'd, *len bytes; NULL when out of
 * memory. */
char *dcs_live_status_json(const dcs_live_status_t *s, const char *operator_id, const char *site_id,
                           const char *region, uint64_t seq, size_t *len);

/* ---- the disk queue (spool.c) ---- */

typedef struct dcs_spool dcs_spool_t;
#define DCS_SPOOL_BODY_MAX 65536  /* bytes of one message, as the collector takes */

typedef struct {
    size_t depth;                 /* messages queued */
    uint64_t bytes;               /* their size on disk */
    int64_t oldest_t_ns;          /* data time of the oldest, 0 when empty */
    uint64_t dropped;             /* removed unsent by the size or age bound (since open) */
    uint64_t refused;             /* moved to refused/ (since open) */
} dcs_spool_stats_t;

/* Open (creating) the queue in dir: DIR/SEQ.msg files, DIR/acked (the last
 * sequence number the collector took) and DIR/refused/. At most max_bytes on
 * disk and messages at most max_age_s old (older and over-size ones are dropped
 * oldest first, counted). Half-written files of a process killed mid-write are
 * removed. Returns 0, or DCS_EIO / DCS_EINVAL (a file of the queue unreadable)
 * / DCS_ENOMEM with err one line. */
int dcs_spool_open(const char *dir, uint64_t max_bytes, double max_age_s, dcs_spool_t **out, char *err,
                   size_t errlen);
void dcs_spool_close(dcs_spool_t *sp);
/* The number the next message takes: one above every queued and acknowledged one. */
uint64_t dcs_spool_next_seq(const dcs_spool_t *sp);
/* Queue a message, on disk (fsync'd) when it returns 0; then apply the bounds
 * at now_ns. DCS_EIO with err when it could not be written. */
int dcs_spool_put(dcs_spool_t *sp, uint64_t seq, int64_t t_ns, const char *sig_hex, const char *body, size_t len,
                  int64_t now_ns, char *err, size_t errlen);
/* The oldest queued message: 0 with *seq, sig (129 bytes) and *body (malloc'd,
 * *len); DCS_ENODATA when the queue is empty; DCS_EIO when its file cannot be
 * read (it is moved to refused/). */
int dcs_spool_peek(dcs_spool_t *sp, uint64_t *seq, char sig[129], char **body, size_t *len);
/* The collector has message seq: record it, remove the file. */
int dcs_spool_ack(dcs_spool_t *sp, uint64_t seq);
/* The collector refused message seq for good: move it to refused/ with why
 * beside it (kept for the operator, never resent). */
int dcs_spool_refuse(dcs_spool_t *sp, uint64_t seq, const char *why);
void dcs_spool_stats(const dcs_spool_t *sp, dcs_spool_stats_t *st);

/* ---- the forwarder (send.c) ---- */

typedef struct dcs_forward dcs_forward_t;

typedef struct {
    const char *url;              /* the collector's POST /v1/status, http:// or https:// */
    const char *ca_file;          /* CA certificates to verify it by (NULL: the system's) */
    const dcs_submit_key_t *key;  /* the operator's signing key (copied) */
    const char *site_id, *region;
    double interval_s;            /* one message per interval */
    double grace_s;               /* wait after an interval's end for its last samples */
    const char *spool_dir;
    uint64_t max_bytes;
    double max_age_s;
    void (*log)(void *ctx, int level, const char *line); /* 0 error, 1 warning, 2 info, 3 debug */
    void *log_ctx;
} dcs_forward_opts_t;

typedef struct {
    dcs_spool_stats_t spool;
    uint64_t made, delivered, duplicates, refused, failures; /* since start */
    int last_http;                /* the collector's last answer, 0: none or no connection */
    int64_t last_delivered_ns;    /* when the last message was acknowledged, 0: none */
} dcs_forward_stats_t;

/* Open the queue and start the thread; live stays the caller's (swap it with
 * dcs_forward_set_live, free it after dcs_forward_stop). Returns 0, or an
 * error code with err one line (nothing started). */
int dcs_forward_start(const dcs_forward_opts_t *o, dcs_live_t *live, dcs_forward_t **out, char *err,
                      size_t errlen);
/* A new accumulator after a config reload; returns the one it replaces. */
dcs_live_t *dcs_forward_set_live(dcs_forward_t *f, dcs_live_t *live);
void dcs_forward_stats(dcs_forward_t *f, dcs_forward_stats_t *st);
/* Deliver what the queue holds for up to drain_s more seconds, then stop the
 * thread and free; what is left stays queued on disk. The last stats into
 * *last (may be NULL). NULL f does nothing. */
void dcs_forward_stop(dcs_forward_t *f, double drain_s, dcs_forward_stats_t *last);

#endif
