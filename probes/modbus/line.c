/* line.c: Modbus lines (see mb_line.h). TCP sockets are connected here without
 * blocking and handed to libmodbus (modbus_set_socket): its TCP backend, and its
 * RTU backend for RTU frames over TCP, only read and write the descriptor. A read
 * is libmodbus's request sent with modbus_send_raw_request and a wait for the
 * answer through dcs_task_wait (a task yields, a worker thread blocks); on RTU lines
 * libmodbus's modbus_receive_confirmation frames the answer and checks its CRC,
 * on TCP lines the MBAP frame is read here as it comes. check_answer then holds
 * it against the request. An answer's transaction id is not compared (libmodbus
 * keeps the request's to itself): a connection carries one request at a time and
 * is closed after any timeout or bad frame, so no stale answer can arrive on it. */
#define _GNU_SOURCE
#include "mb_line.h"
#include "../task.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/sample/dcs_sample.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static mb_line_t *lines;
static atomic_int open_tcp;
static atomic_int select_lines; /* RTU and RTU-over-TCP lines: libmodbus select()s on them */

int mb_line_key_of(const dcs_config_t *cfg, unsigned dev, char *key, size_t keylen)
{
    const dcs_config_device_t *d = &cfg->devices[dev];
    if (d->protocol == DCS_CONFIG_MODBUS_RTU)
        snprintf(key, keylen, "rtu:%s", d->serial);
    else
        snprintf(key, keylen, "%s:%s:%d", d->protocol == DCS_CONFIG_MODBUS_TCP ? "tcp" : "rtutcp",
                 d->host, d->port);
    return 0;
}

static modbus_t *new_ctx(const dcs_config_device_t *d)
{
    char port[16];
    snprintf(port, sizeof port, "%d", d->port);
    switch (d->protocol) {
    case DCS_CONFIG_MODBUS_RTU:
        return modbus_new_rtu(d->serial, d->baud, d->parity[0], d->data_bits, d->stop_bits);
    case DCS_CONFIG_MODBUS_RTU_TCP:
        return modbus_new_rtu("rtu-over-tcp", 9600, 'N', 8, 1); /* framing only */
    default:
        return modbus_new_tcp_pi(d->host, port);
    }
}

/* Resolve the line's host:port into l->addr (once: a name lookup would hold up
 * every task of the thread). 0 or -1. */
static int resolve(mb_line_t *l, const char *host, int port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    if (getaddrinfo(host, p, &hints, &ai) != 0 || !ai || ai->ai_addrlen > sizeof l->addr) {
        if (ai)
            freeaddrinfo(ai);
        return -1;
    }
    memcpy(&l->addr, ai->ai_addr, ai->ai_addrlen);
    l->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

int mb_line_acquire(const dcs_config_t *cfg, unsigned dev, mb_line_t **out, char *err,
                    size_t errlen)
{
    char key[320];
    mb_line_key_of(cfg, dev, key, sizeof key);
    pthread_mutex_lock(&lines_lock);
    mb_line_t *l = lines;
    while (l && (l->cfg != cfg || strcmp(l->key, key) != 0))
        l = l->next;
    if (!l && (l = calloc(1, sizeof *l))) {
        l->cfg = cfg;
        l->proto = cfg->devices[dev].protocol;
        snprintf(l->key, sizeof l->key, "%s", key);
        if (!(l->ctx = new_ctx(&cfg->devices[dev]))) {
            snprintf(err, errlen, "%s: %s", key, modbus_strerror(errno));
            free(l);
            pthread_mutex_unlock(&lines_lock);
            return DCS_ECONFIG;
        }
        if (l->proto != DCS_CONFIG_MODBUS_RTU)
            resolve(l, cfg->devices[dev].host, cfg->devices[dev].port); /* retried on connect */
        if (l->proto != DCS_CONFIG_MODBUS_TCP)
            atomic_fetch_add(&select_lines, 1);
        l->next = lines;
        lines = l;
    }
    if (l)
        l->refs++;
    pthread_mutex_unlock(&lines_lock);
    *out = l;
    return l ? 0 : DCS_ENOMEM;
}

void mb_line_release(mb_line_t *line)
{
    if (!line)
        return;
    pthread_mutex_lock(&lines_lock);
    if (--line->refs == 0) {
        mb_line_t **pp = &lines;
        while (*pp != line)
            pp = &(*pp)->next;
        *pp = line->next;
        if (line->proto != DCS_CONFIG_MODBUS_TCP)
            atomic_fetch_sub(&select_lines, 1);
        mb_line_drop(line);
        if (line->proto == DCS_CONFIG_MODBUS_RTU && line->connected)
            modbus_close(line->ctx);
        modbus_free(line->ctx);
        free(line);
    }
    pthread_mutex_unlock(&lines_lock);
}

const char *mb_line_name(const mb_line_t *line)
{
    return line->key;
}

int mb_line_open_count(void)
{
    return atomic_load(&open_tcp);
}

int mb_line_select_count(void)
{
    return atomic_load(&select_lines);
}

/* Connect a TCP socket to the line's address by until_ns (non-blocking connect). */
static int tcp_connect(mb_line_t *l, const dcs_config_device_t *d, int64_t until_ns, int *e)
{
    if (!l->addrlen && resolve(l, d->host, d->port) < 0) { /* failed at start-up too */
        *e = ENOENT;
        return -1;
    }
    int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : connect(fd, (const struct sockaddr *)&l->addr, l->addrlen);
    *e = errno;
    if (rc < 0 && fd >= 0 && errno == EINPROGRESS) {
        socklen_t len = sizeof *e;
        int w = dcs_task_wait(fd, POLLOUT, until_ns);
        rc = w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, e, &len) == 0 && *e == 0 ? 0 : -1;
        if (rc < 0 && (w == 0 || *e == 0))
            *e = ETIMEDOUT;
    }
    if (rc < 0 && fd >= 0)
        close(fd), fd = -1;
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

static int line_connect(mb_line_t *l, const dcs_config_device_t *d, int64_t until_ns, int *e)
{
    int rc;
    if (l->proto != DCS_CONFIG_MODBUS_RTU) {
        int fd = tcp_connect(l, d, until_ns, e);
        rc = fd < 0 ? -1 : modbus_set_socket(l->ctx, fd);
    } else {
        rc = modbus_connect(l->ctx);
        *e = errno;
    }
    if (rc < 0)
        return -1;
    if (l->proto != DCS_CONFIG_MODBUS_TCP && modbus_get_socket(l->ctx) >= FD_SETSIZE) {
        /* libmodbus select()s on RTU descriptors (TCP answers are read here) */
        l->connected = 1;
        if (l->proto != DCS_CONFIG_MODBUS_RTU)
            atomic_fetch_add(&open_tcp, 1);
        mb_line_drop(l);
        *e = EMFILE;
        return -1;
    }
    l->connected = 1;
    if (l->proto != DCS_CONFIG_MODBUS_RTU)
        atomic_fetch_add(&open_tcp, 1);
    return 0;
}

int mb_line_ready(mb_line_t *l, const dcs_config_device_t *d, int64_t deadline_ns, int *e)
{
    int64_t now = dcs_time_now_ns();
    if (d->pause_ms > 0 && l->last_ns) {
        int64_t until = l->last_ns + (int64_t)d->pause_ms * 1000000;
        if (until > now && until < deadline_ns)
            dcs_task_sleep_until(until), now = dcs_time_now_ns();
    }
    int64_t left_us = (deadline_ns - now) / 1000, us = (int64_t)d->timeout_ms * 1000;
    if (left_us < us)
        us = left_us;
    *e = ETIMEDOUT;
    if (us <= 0)
        return DCS_SAMPLE_TIMEOUT;
    l->until_ns = now + us * 1000;
    if (!l->connected && line_connect(l, d, l->until_ns, e) < 0)
        return *e == ETIMEDOUT ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_NOCONN;
    l->unit = d->unit_id;
    modbus_set_slave(l->ctx, d->unit_id);
    modbus_set_response_timeout(l->ctx, (uint32_t)(us / 1000000), (uint32_t)(us % 1000000));
    return DCS_SAMPLE_OK;
}

const char *mb_strerror(int e, char *buf, size_t len)
{
    static const char *const names[12] = {NULL, "illegal function", "illegal data address",
                                          "illegal data value", "server device failure", "acknowledge",
                                          "server device busy", NULL, "memory parity error", NULL,
                                          "gateway path unavailable", "gateway target device failed to respond"};
    int code = e - MB_EXCEPTION;
    if (code >= 0 && code <= 255)
        snprintf(buf, len, code < 12 && names[code] ? "exception %d (%s)" : "exception code %d (not "
                 "defined by Modbus)", code, code < 12 && names[code] ? names[code] : "");
    else if (e == MB_EBADTID)
        snprintf(buf, len, "an answer to another request (transaction id not the one sent)");
    else if (e == MB_EBADUNIT)
        snprintf(buf, len, "an answer from another unit id");
    else
        snprintf(buf, len, "%s", modbus_strerror(e));
    return buf;
}

/* The answer rsp (len bytes, as framed) to a read of count registers with
 * function fn: its registers into out. Returns count, or -1 and *e. */
static int check_answer(const mb_line_t *l, const uint8_t *rsp, int len, int fn, int count,
                        uint16_t *out, int *e)
{
    int h = modbus_get_header_length(l->ctx); /* MBAP (7) or the unit id (1) */
    *e = EMBBADDATA;
    if (len < h + 2)
        return -1;
    if (h == 7 && ((rsp[2] | rsp[3]) != 0 || (rsp[4] << 8 | rsp[5]) != len - 6))
        return -1;
    if (h == 7 && (rsp[0] << 8 | rsp[1]) != l->tid)
        return *e = MB_EBADTID, -1;
    if (rsp[h - 1] != l->unit)
        return *e = h == 7 ? MB_EBADUNIT : EMBBADSLAVE, -1;
    if (rsp[h] == (fn | 0x80))
        return *e = MB_EXCEPTION + rsp[h + 1], -1;
    if (rsp[h] != fn || rsp[h + 1] != 2 * count || len < h + 2 + 2 * count)
        return -1;
    for (int k = 0; k < count; k++)
        out[k] = (uint16_t)(rsp[h + 2 + 2 * k] << 8 | rsp[h + 3 + 2 * k]);
    return count;
}

/* Send a read request on a TCP line with our own MBAP header, so that the
 * answer's transaction id can be checked. Returns 0 or -1 and *e. */
static int tcp_request(mb_line_t *l, const uint8_t pdu[6], int *e)
{
    uint8_t adu[12] = {0, 0, 0, 0, 0, 6};
    l->tid++;
    adu[0] = (uint8_t)(l->tid >> 8), adu[1] = (uint8_t)l->tid;
    memcpy(adu + 6, pdu, 6);
    ssize_t w = send(modbus_get_socket(l->ctx), adu, sizeof adu, MSG_NOSIGNAL);
    if (w == (ssize_t)sizeof adu)
        return 0;
    *e = w < 0 ? errno : EIO;
    return -1;
}

/* The answer to the request just sent on a TCP line: one MBAP frame, read as it
 * comes (libmodbus's receive would take three select()+recv() rounds, and on a
 * task's thread a half frame must not block the others). */
static int tcp_answer(mb_line_t *l, uint8_t *rsp, int cap, int *e)
{
    int fd = modbus_get_socket(l->ctx), got = 0, need = 7;
    while (got < need) {
        ssize_t r = recv(fd, rsp + got, (size_t)(cap - got), MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            *e = r == 0 ? ECONNRESET : errno;
            return -1;
        }
        if (r < 0) {
            int w = dcs_task_wait(fd, POLLIN, l->until_ns);
            if (w <= 0) {
                *e = w == 0 ? ETIMEDOUT : errno;
                return -1;
            }
            continue;
        }
        got += (int)r;
        if (got >= 6 && (need = 6 + (rsp[4] << 8 | rsp[5])) > cap) {
            *e = EMBBADDATA;
            return -1;
        }
    }
    if (got > need) { /* bytes past the frame: not an answer to one request */
        *e = EMBBADDATA;
        return -1;
    }
    return got;
}

int mb_line_read(mb_line_t *l, int fn, int start, int count, uint16_t *out, int *e)
{
    uint8_t req[6] = {(uint8_t)l->unit, (uint8_t)fn, (uint8_t)(start >> 8), (uint8_t)start,
                      (uint8_t)(count >> 8), (uint8_t)count};
    uint8_t rsp[MODBUS_MAX_ADU_LENGTH];
    if (l->proto == DCS_CONFIG_MODBUS_TCP ? tcp_request(l, req, e) : modbus_send_raw_request(l->ctx, req, 6) < 0) {
        if (l->proto != DCS_CONFIG_MODBUS_TCP)
            *e = errno;
        return -1;
    }
    int n;
    if (l->proto == DCS_CONFIG_MODBUS_TCP) {
        n = tcp_answer(l, rsp, (int)sizeof rsp, e);
    } else {
        int w = dcs_task_wait(modbus_get_socket(l->ctx), POLLIN, l->until_ns);
        n = w <= 0 ? -1 : modbus_receive_confirmation(l->ctx, rsp);
        *e = w == 0 ? ETIMEDOUT : errno;
    }
    return n < 0 ? -1 : check_answer(l, rsp, n, fn, count, out, e);
}

void mb_line_mark(mb_line_t *l)
{
    l->last_ns = dcs_time_now_ns();
}

void mb_line_drop(mb_line_t *l)
{
    if (!l->connected)
        return;
    if (l->proto == DCS_CONFIG_MODBUS_RTU) {
        modbus_flush(l->ctx);
        return;
    }
    if (l->proto == DCS_CONFIG_MODBUS_RTU_TCP) {
        close(modbus_get_socket(l->ctx));
        modbus_set_socket(l->ctx, -1);
    } else {
        modbus_close(l->ctx);
    }
    l->connected = 0;
    atomic_fetch_sub(&open_tcp, 1);
}
