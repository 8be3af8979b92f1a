/* dcs_base.h: what every dcscore module shares: error codes, version, and UTC time.
 * Sits under the whole flow (probe -> sample -> store -> aggregate -> metric -> report).
 * Time is int64 nanoseconds since the Unix epoch, UTC, everywhere. */
#ifndef DCS_BASE_H
#define DCS_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DCS_VERSION "0.1.0"

/* Error codes: functions return 0 or one of these (negative). */
enum {
    DCS_OK = 0,
    DCS_ENOMEM = -1,    /* out of memory */
    DCS_EINVAL = -2,    /* bad argument or malformed input */
    DCS_ECONFIG = -3,   /* site configuration invalid */
    DCS_EIO = -4,       /* file or device I/O failed */
    DCS_ESTORE = -5,    /* store file missing, foreign or corrupt */
    DCS_ENODATA = -6,   /* nothing to compute from */
    DCS_ETIMEOUT = -7,  /* device did not answer in time */
    DCS_EDEVICE = -8,   /* device answered with an error or garbage */
    DCS_ECOVERAGE = -9, /* data present but coverage below the threshold */
    DCS_EBUSY = -10,    /* held by another process (a store's writer lock) */
};

/* Text for an error code; never NULL. */
const char *dcs_strerror(int rc);

#define DCS_NS_PER_S 1000000000LL

/* Current wall-clock time, UTC, in ns. */
int64_t dcs_time_now_ns(void);
/* Raise the open-file limit to the hard limit (a process of thousands of
 * sockets; systemd and login shells often leave the soft limit at 1024). */
void dcs_raise_open_files(void);

/* Format t_ns as ISO 8601 in UTC ("2026-11-23T08:00:00Z"), or in the IANA zone
 * `tz` with its offset ("2026-11-23T16:00:00+08:00") when tz is not NULL.
 * Writes at most len bytes incl. NUL. Switches the process's TZ briefly, so it is
 * not thread-safe: call it from reports and the CLI only. */
void dcs_time_format(int64_t t_ns, const char *tz, char *buf, size_t len);

/* Seconds east of UTC of zone tz at t_ns (0 when tz is NULL). Not thread-safe
 * (as dcs_time_format). */
long dcs_tz_offset_s(int64_t t_ns, const char *tz);

/* Times are int64 ns since 1970 UTC: 1970-01-01T00:00:00Z .. 2262-04-11T23:47:16Z. */
#define DCS_TIME_MAX_S 9223372036LL

/* Parse a time: "YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm|-hh:mm]", "YYYY-MM-DD" or "@SECONDS".
 * Without an offset the time is read in zone `tz` (UTC when tz is NULL).
 * Returns 0 and sets *t_ns, or DCS_EINVAL (malformed, or outside 1970..2262). */
int dcs_time_parse(const char *s, const char *tz, int64_t *t_ns);
/* Unix seconds to ns: 0 .. DCS_TIME_MAX_S (NaN, infinities and values outside
 * are DCS_EINVAL, never a wrapped time). */
int dcs_time_from_s(double secs, int64_t *t_ns);

/* The previous complete "day", "month", "quarter" or "year" before now_ns in
 * zone tz: [from, to). Returns 0 or DCS_EINVAL (unknown period). */
int dcs_time_period(const char *period, const char *tz, int64_t now_ns, int64_t *from_ns,
                    int64_t *to_ns);

/* How people name a period starting at from_ns in tz: "2026-11-30" (day),
 * "2026-11" (month), "2026-Q4" (quarter), "2026" (year). */
void dcs_time_period_label(const char *period, const char *tz, int64_t from_ns, char *buf, size_t len);
/* The period a label names in tz: "2026-10" (a month), "2026-Q3" (a quarter),
 * "2026" (a year) -> [from, to). Returns 0 or DCS_EINVAL. */
int dcs_time_period_named(const char *label, const char *tz, int64_t *from_ns, int64_t *to_ns);
/* The label of the period before a named one: 2026-11 -> 2026-10, 2026-Q1 ->
 * 2025-Q4, 2026 -> 2025. Returns 0 or DCS_EINVAL (not such a label). */
int dcs_time_period_previous(const char *label, char *out, size_t len);

/* 1 when tz names a zone of the installed tzdata ("Asia/Shanghai", "UTC"),
 * else 0. The C library reads an unknown zone as UTC silently: check first. */
int dcs_tz_known(const char *tz);
/* The (up to) three zone names closest to tz, comma-separated, into buf. */
void dcs_tz_suggest(const char *tz, char *buf, size_t len);
/* 0 when tz is known; else DCS_EINVAL and err = "WHAT: 'tz' is not an IANA time
 * zone (closest: ...)". */
int dcs_tz_check(const char *tz, const char *what, char *err, size_t errlen);

/* UTC calendar day number (days since 1970-01-01) of t_ns. */
int64_t dcs_time_day(int64_t t_ns);

/* Write s as a JSON string literal ("...", with \" \\ and control characters
 * escaped). NULL writes null. */
void dcs_json_str(FILE *f, const char *s);
/* Write v with printf format fmt (one double), or null when v is not finite. */
void dcs_json_num(FILE *f, const char *fmt, double v);

/* SHA-256 of a file, or of len bytes, as 64 lowercase hex digits and a NUL
 * (hex holds 65). Returns 0, or DCS_EIO when the file cannot be read. */
int dcs_sha256_file(const char *path, char hex[65]);
void dcs_sha256_hex(const void *data, size_t len, char hex[65]);

/* Split one CSV line in place into at most max fields (the line end is cut off;
 * "quoted" fields may hold commas, "" is a quote). Returns the field count. */
int dcs_csv_split(char *line, char **fields, int max);

/* Read a whole text file as UTF-8 (text.c): a UTF-8 BOM is dropped; a file
 * that is not UTF-8 but valid GB18030 (GBK, what Chinese Excel writes) is
 * converted and *encoding says "GB18030" (else "UTF-8"). *text is malloc'd and
 * NUL-terminated. Returns 0, DCS_EIO, DCS_ENOMEM or DCS_EINVAL (err: "FILE:LINE:
 * neither UTF-8 nor GB18030 ..."). */
int dcs_text_read(const char *path, char **text, size_t *len, const char **encoding, char *err,
                  size_t errlen);

/* Make s one line: every control character (CR, LF, tab, ESC, DEL, ...) in it,
 * say from a config value quoted in an error message, becomes '?'. */
void dcs_text_one_line(char *s);

/* Write s as a CSV field: quoted, inner quotes doubled; a field starting with
 * = + - @, a tab or CR gets a leading ' so spreadsheets show it as text rather
 * than run it as a formula (CSV injection). NULL writes nothing. */
void dcs_csv_str(FILE *f, const char *s);

#endif
