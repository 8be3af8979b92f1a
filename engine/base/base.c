/* base.c: error texts and UTC time helpers shared by every module.
 * Zone conversion goes through the C library (tzdata), one switch of TZ at a time. */
#define _GNU_SOURCE
#include "dcs_base.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Months in a period: 1 month, 3 quarter, 12 year; 0 day; -1 unknown. */
static int period_months(const char *period)
{
    static const struct { const char *name; int months; } p[] = {
        {"day", 0}, {"month", 1}, {"quarter", 3}, {"year", 12}};
    for (size_t i = 0; period && i < sizeof p / sizeof p[0]; i++)
        if (strcmp(period, p[i].name) == 0)
            return p[i].months;
    return -1;
}

int dcs_time_period(const char *period, const char *tz, int64_t now_ns, int64_t *from_ns,
                    int64_t *to_ns)
{
    char iso[48], start[16], prev[16];
    int months = period_months(period);
    if (months < 0)
        return DCS_EINVAL;
    dcs_time_format(now_ns, tz, iso, sizeof iso);
    int y = atoi(iso), m = atoi(iso + 5);
    if (months) { /* [first of the last complete one, first of the current one) */
        int m0 = (m - 1) / months * months + 1, py = m0 - months < 1 ? y - 1 : y;
        int pm = m0 - months < 1 ? m0 - months + 12 : m0 - months;
        snprintf(start, sizeof start, "%04d-%02d-01", y, m0);
        snprintf(prev, sizeof prev, "%04d-%02d-01", py, pm);
    } else { /* [yesterday 00:00, today 00:00), found through a time 12 h before midnight */
        int64_t midnight;
        snprintf(start, sizeof start, "%.10s", iso);
        if (dcs_time_parse(start, tz, &midnight))
            return DCS_EINVAL;
        dcs_time_format(midnight - 12 * 3600 * DCS_NS_PER_S, tz, iso, sizeof iso);
        snprintf(prev, sizeof prev, "%.10s", iso);
    }
    return dcs_time_parse(prev, tz, from_ns) || dcs_time_parse(start, tz, to_ns) ? DCS_EINVAL : 0;
}

/* A period label: "2026-10" (a month), "2026-Q3" (a quarter), "2026" (a
 * year) -> its year, first month and length in months. 0, or -1. */
static int label_parse(const char *label, int *y, int *m0, int *months)
{
    int m;
    char tail;
    size_t n = strlen(label);
    if (n == 7 && sscanf(label, "%4d-Q%1d%c", y, &m, &tail) == 2 && m >= 1 && m <= 4)
        return *m0 = 3 * m - 2, *months = 3, 0;
    if (n == 7 && sscanf(label, "%4d-%2d%c", y, &m, &tail) == 2 && m >= 1 && m <= 12)
        return *m0 = m, *months = 1, 0;
    if (n == 4 && sscanf(label, "%4d%c", y, &tail) == 1)
        return *m0 = 1, *months = 12, 0;
    return -1;
}

/* The first day of the month `add` months after year y, month m (1..12). */
static void month_start(int y, int m, int add, char out[16])
{
    int k = (y * 12 + m - 1) + add;
    snprintf(out, 16, "%04d-%02d-01", k / 12, k % 12 + 1);
}

int dcs_time_period_named(const char *label, const char *tz, int64_t *from_ns, int64_t *to_ns)
{
    int y, m0, months;
    char a[16], b[16];
    if (label_parse(label, &y, &m0, &months))
        return DCS_EINVAL;
    month_start(y, m0, 0, a), month_start(y, m0, months, b);
    return dcs_time_parse(a, tz, from_ns) || dcs_time_parse(b, tz, to_ns) ? DCS_EINVAL : 0;
}

int dcs_time_period_previous(const char *label, char *out, size_t len)
{
    int y, m0, months;
    char a[16];
    if (label_parse(label, &y, &m0, &months))
        return DCS_EINVAL;
    month_start(y, m0, -months, a); /* "YYYY-MM-01" of the period before */
    if (months == 3)
        snprintf(out, len, "%.4s-Q%d", a, (atoi(a + 5) - 1) / 3 + 1);
    else
        snprintf(out, len, "%.*s", months == 12 ? 4 : 7, a);
    return 0;
}

void dcs_time_period_label(const char *period, const char *tz, int64_t from_ns, char *buf, size_t len)
{
    char iso[48];
    dcs_time_format(from_ns, tz, iso, sizeof iso);
    int months = period_months(period), m = atoi(iso + 5);
    if (months == 3)
        snprintf(buf, len, "%.4s-Q%d", iso, (m - 1) / 3 + 1);
    else
        snprintf(buf, len, "%.*s", months == 12 ? 4 : months == 1 ? 7 : 10, iso);
}

const char *dcs_strerror(int rc)
{
    switch (rc) {
    case DCS_OK: return "success";
    case DCS_ENOMEM: return "out of memory";
    case DCS_EINVAL: return "invalid argument or input";
    case DCS_ECONFIG: return "invalid configuration";
    case DCS_EIO: return "input/output error";
    case DCS_ESTORE: return "store error";
    case DCS_ENODATA: return "no data";
    case DCS_ETIMEOUT: return "device timeout";
    case DCS_EDEVICE: return "device error";
    case DCS_ECOVERAGE: return "insufficient coverage";
    case DCS_EBUSY: return "in use by another process";
    default: return "unknown error";
    }
}

void dcs_raise_open_files(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

int64_t dcs_time_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * DCS_NS_PER_S + ts.tv_nsec;
}

int64_t dcs_time_day(int64_t t_ns)
{
    int64_t s = t_ns / DCS_NS_PER_S - (t_ns % DCS_NS_PER_S < 0);
    return s / 86400 - (s % 86400 < 0);
}

/* Run localtime_r/mktime in zone tz: remember TZ, switch, convert, restore.
 * The process's TZ is one global: every switch holds tz_mu. */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

static char *tz_enter(const char *tz)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    return saved;
}

static void tz_leave(char *saved)
{
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static long offset_now(int64_t s, const char *tz)
{
    struct tm tm;
    time_t x = (time_t)s;
    char *saved = tz_enter(tz);
    localtime_r(&x, &tm);
    tz_leave(saved);
    return tm.tm_gmtoff;
}

/* Zone offsets by UTC hour. A switch of TZ makes glibc stat and re-read the
 * zone file, twice a conversion: a year's hourly buckets for 1,000 channels
 * were millions of file reads. An hour whose two ends have the same offset has
 * it throughout (no zone changes its offset twice within an hour); an hour with
 * a change in it is converted exactly, every time. */
#define TZ_CACHE 4096
static struct {
    char tz[64];
    int64_t hour;
    long off;
} tz_cache[TZ_CACHE];

static long offset_at(int64_t s, const char *tz)
{
    int64_t h = s / 3600 - (s % 3600 < 0);
    size_t slot = (size_t)h % TZ_CACHE, n = strlen(tz);
    for (size_t i = 0; i < n; i++)
        slot = (slot * 31 + (unsigned char)tz[i]) % TZ_CACHE;
    pthread_mutex_lock(&tz_mu);
    long off;
    if (tz_cache[slot].hour == h && strcmp(tz_cache[slot].tz, tz) == 0) {
        off = tz_cache[slot].off;
    } else {
        long a = offset_now(h * 3600, tz), b = offset_now((h + 1) * 3600, tz);
        off = a == b ? a : offset_now(s, tz);
        if (a == b && n < sizeof tz_cache[slot].tz) {
            memcpy(tz_cache[slot].tz, tz, n + 1);
            tz_cache[slot].hour = h, tz_cache[slot].off = a;
        }
    }
    pthread_mutex_unlock(&tz_mu);
    return off;
}

/* t_ns broken down in zone tz (UTC when tz is NULL); tm_gmtoff is the offset. */
static void local_tm(int64_t t_ns, const char *tz, struct tm *tm)
{
    time_t s = (time_t)(t_ns / DCS_NS_PER_S - (t_ns % DCS_NS_PER_S < 0));
    long off = tz ? offset_at((int64_t)s, tz) : 0;
    time_t shifted = s + off;
    gmtime_r(&shifted, tm);
    tm->tm_gmtoff = off;
}

long dcs_tz_offset_s(int64_t t_ns, const char *tz)
{
    struct tm tm;
    local_tm(t_ns, tz, &tm);
    return tz ? tm.tm_gmtoff : 0;
}

void dcs_time_format(int64_t t_ns, const char *tz, char *buf, size_t len)
{
    struct tm tm;
    local_tm(t_ns, tz, &tm);
    if (!tz) {
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return;
    }
    char z[32];
    long off = tm.tm_gmtoff;
    snprintf(z, sizeof z, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
             labs(off) % 3600 / 60);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n && n + strlen(z) < len)
        strcat(buf, z);
}

/* Parse "+hh:mm", "-hhmm" or "Z" into seconds east of UTC. */
static int parse_offset(const char *p, long *off_s)
{
    if (*p == 'Z' && p[1] == '\0') {
        *off_s = 0;
        return 0;
    }
    int hh, mm, n = 0;
    if ((*p != '+' && *p != '-') ||
        (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 &&
         sscanf(p + 1, "%2d%2d%n", &hh, &mm, &n) != 2) ||
        p[1 + n] != '\0' || hh > 14 || mm > 59)
        return DCS_EINVAL;
    *off_s = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d[m - 1] + (m == 2 && leap);
}

int dcs_time_from_s(double secs, int64_t *t_ns)
{
    if (!(secs >= 0 && secs <= (double)DCS_TIME_MAX_S))
        return DCS_EINVAL;
    double ns = nearbyint(secs * 1e9);
    *t_ns = ns >= 9.2233720368547758e18 ? INT64_MAX : (int64_t)ns;
    return 0;
}

int dcs_time_parse(const char *s, const char *tz, int64_t *t_ns)
{
    if (!s || !*s)
        return DCS_EINVAL;
    if (s[0] == '@') {
        char *end;
        double v = strtod(s + 1, &end);
        if (*end || end == s + 1)
            return DCS_EINVAL;
        return dcs_time_from_s(v, t_ns);
    }
    struct tm tm = {0};
    int n = 0, sec = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3)
        return DCS_EINVAL;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2)
            return DCS_EINVAL;
        p += 1 + m;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &m) != 1)
                return DCS_EINVAL;
            p += 1 + m;
        }
    }
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > days_in_month(tm.tm_year, tm.tm_mon) || tm.tm_hour > 23 || tm.tm_min > 59 ||
        sec > 60 || tm.tm_year < 1969 || tm.tm_year > 2262)
        return DCS_EINVAL; /* 2026-02-30 is an error, not 2026-03-02; 1969 for offsets */
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_sec = sec;
    time_t t;
    if (*p) {
        long off;
        if (parse_offset(p, &off))
            return DCS_EINVAL;
        t = timegm(&tm) - off;
    } else if (tz) {
        tm.tm_isdst = -1;
        pthread_mutex_lock(&tz_mu);
        char *saved = tz_enter(tz);
        t = mktime(&tm);
        tz_leave(saved);
        pthread_mutex_unlock(&tz_mu);
    } else {
        t = timegm(&tm);
    }
    if (t == (time_t)-1 || t < 0 || t > DCS_TIME_MAX_S)
        return DCS_EINVAL; /* before 1970 or after 2262-04-11T23:47:16Z */
    *t_ns = (int64_t)t * DCS_NS_PER_S;
    return 0;
}

void dcs_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void dcs_text_one_line(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

void dcs_json_num(FILE *f, const char *fmt, double v)
{
    if (isfinite(v))
        fprintf(f, fmt, v);
    else
        fputs("null", f);
}

void dcs_csv_str(FILE *f, const char *s)
{
    if (!s)
        return;
    fputc('"', f);
    if (*s && strchr("=+-@\t\r", *s)) /* a spreadsheet would run it as a formula: text it */
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int dcs_csv_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        if (*p == '"') { /* quoted: "" is a literal quote */
            char *w = ++p;
            f[n++] = w;
            while (*p && !(*p == '"' && p[1] != '"'))
                *w++ = (*p == '"' ? *++p : *p), p++;
            p += *p == '"'; /* step over the closing quote before ending the field */
            *w = '\0';
        } else {
            f[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p != ',')
            break;
        *p++ = '\0';
    }
    return n;
}
