/* mb_line.h: Modbus lines: one libmodbus context per serial port or TCP endpoint,
 * shared by every unit id behind it and used by one poller worker at a time.
 * Internal to probes/modbus. */
#ifndef DCS_MB_LINE_H
#define DCS_MB_LINE_H

#include <modbus.h>
#include <sys/socket.h>
#include <stdint.h>

#include "../../engine/config/dcs_config.h"

typedef struct mb_line mb_line_t;
struct mb_line {
    const dcs_config_t *cfg;
    char key[320];        /* "tcp:HOST:PORT", "rtu:/dev/ttyX", "rtutcp:HOST:PORT" */
    dcs_config_proto_t proto;
    modbus_t *ctx;
    int connected, refs;
    int64_t last_ns;      /* end of the last request (for pause_ms) */
    int64_t until_ns;     /* the current request's time limit (set by mb_line_ready) */
    struct sockaddr_storage addr; /* TCP: host:port, resolved when the line is made */
    socklen_t addrlen;    /* 0: not resolved */
    int unit;             /* its unit id */
    uint16_t tid;         /* TCP: the transaction id of the last request sent */
    mb_line_t *next;
};

/* The line key of device dev; devices with equal keys share a line. Returns 0
 * (the signature of dcs_probe_ops.line). */
int mb_line_key_of(const dcs_config_t *cfg, unsigned dev, char *key, size_t keylen);
/* Find or create the line of device dev (no I/O). 0 or DCS_ECONFIG/DCS_ENOMEM. */
int mb_line_acquire(const dcs_config_t *cfg, unsigned dev, mb_line_t **out, char *err,
                    size_t errlen);
void mb_line_release(mb_line_t *line); /* NULL does nothing */
/* Make the line ready for one request of device d: wait out d's pause_ms since
 * the last request, connect if needed, select d's unit id, and set the request's
 * time limit to d's timeout or what is left before deadline_ns. Returns a sample
 * flag (DCS_SAMPLE_OK when ready) and *e an errno value. */
int mb_line_ready(mb_line_t *line, const dcs_config_device_t *d, int64_t deadline_ns, int *e);
/* Errors beyond errno and libmodbus's: an answer to another request (its TCP
 * transaction id is not the one sent), from another unit, and an exception
 * (MB_EXCEPTION + its code, 0..255; Modbus defines 1..11). */
#define MB_EBADTID (MODBUS_ENOBASE + 1001)
#define MB_EBADUNIT (MODBUS_ENOBASE + 1002)
#define MB_EXCEPTION (MODBUS_ENOBASE + 2000)
/* Text of any *e of mb_line_read: an exception named by its code ("exception 4
 * (server device failure)", "exception code 255 (not defined by Modbus)"). */
const char *mb_strerror(int e, char *buf, size_t len);

/* Read count registers at start with function fn (3 or 4) from the unit set by
 * mb_line_ready, by its time limit. Every answer is checked: on TCP its MBAP
 * header (transaction id, protocol, length, unit id), on RTU its unit id and
 * CRC, then function code and byte count. Returns count, or -1 and *e (an
 * errno, a libmodbus EMB* value, MB_EBADTID, MB_EBADUNIT or MB_EXCEPTION + code). */
int mb_line_read(mb_line_t *line, int fn, int start, int count, uint16_t *out, int *e);
void mb_line_mark(mb_line_t *line);  /* a request just ended */
/* After a timeout or a bad frame: close a TCP connection (reconnect on next use),
 * or discard what is buffered on a serial line. */
void mb_line_drop(mb_line_t *line);
const char *mb_line_name(const mb_line_t *line);
/* TCP connections open now, all lines. */
int mb_line_open_count(void);
/* RTU and RTU-over-TCP lines that exist now (libmodbus select()s on them). */
int mb_line_select_count(void);

#endif
