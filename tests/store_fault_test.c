/* store_fault_test.c: store files damaged as disks and people damage them.
 * Seeded byte mutations of a valid day file: every reader (read, range,
 * inspect) returns within seconds, either with samples whose timestamps are
 * inside the file's day and increasing, or with the file named as a problem;
 * nothing hangs in HDF5's metadata retries and nothing crashes (each mutation
 * runs in a child process with an alarm); inspect's coverage stays 0..100 %. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../engine/store/dcs_store.h"
#include "testutil.h"

static const char *site_yaml =
    "site: {id: sf-01, name: Store faults, region: lingang, pue_category: 1,\n"
    "       poll_interval_ms: 1000, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total}\n";

#define T0 ((int64_t)1795478400 * DCS_NS_PER_S) /* 2026-11-24T00:00:00Z */
#define DAY_NS (86400 * DCS_NS_PER_S)
#define MUTATIONS 200
#define SECONDS_MAX 12 /* per mutated file, for all three readers */

static dcs_config_t *site(const char *dir)
{
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", site_yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    return cfg;
}

/* A day file of 600 samples per channel, flushed in 6 parts (several chunks). */
static void write_day(dcs_config_t *cfg)
{
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int i = 0; i < 600; i++) {
        dcs_sample_t s[2] = {{.channel = 0, .t_ns = T0 + i * DCS_NS_PER_S, .value = 1000 + i},
                             {.channel = 1, .t_ns = T0 + i * DCS_NS_PER_S, .value = 700}};
        assert_int_equal(dcs_store_append(st, s, 2), 0);
        if (i % 100 == 99)
            assert_int_equal(dcs_store_flush(st), 0);
    }
    dcs_store_close(st);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    assert_true(b && fread(b, 1, *n, f) == *n);
    fclose(f);
    return b;
}

/* The readers on the (mutated) store: exit 0 when each answered sensibly. */
static int readers(dcs_config_t *cfg, const char *file)
{
    dcs_store_t *st;
    dcs_store_series_t s;
    int64_t first, last;
    if (dcs_store_open(cfg, 'r', &st))
        return 10;
    int rc = dcs_store_read(st, "fac", T0, T0 + DAY_NS, &s);
    if (rc == 0) {
        for (size_t i = 0; i < s.n; i++)
            if (s.t_ns[i] < T0 || s.t_ns[i] >= T0 + DAY_NS || (i && s.t_ns[i] <= s.t_ns[i - 1]))
                return fprintf(stderr, "sample %zu at %lld: outside the day or not increasing\n", i,
                               (long long)s.t_ns[i]), 11;
        dcs_store_series_free(&s);
    } else if (rc != DCS_ESTORE && rc != DCS_ENODATA) {
        return 12;
    }
    rc = dcs_store_range(st, &first, &last);
    if (rc == 0 && (first < T0 || last >= T0 + DAY_NS || first > last))
        return fprintf(stderr, "range %lld..%lld outside the day\n", (long long)first, (long long)last), 13;
    dcs_store_close(st);
    FILE *out = tmpfile();
    rc = dcs_store_inspect(file, out);
    rewind(out);
    char line[1024];
    while (fgets(line, sizeof line, out)) { /* coverage is a share of the day: 0..100 % */
        const char *c = strstr(line, "coverage ");
        double pct;
        if (c && sscanf(c + 9, "%lf", &pct) == 1 && !(pct >= 0 && pct <= 100))
            return fprintf(stderr, "inspect: %s", line), 15;
    }
    fclose(out);
    return rc == 0 || rc == DCS_ESTORE || rc == DCS_ENODATA ? 0 : 14;
}

static void test_mutated_day_files(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("faults");
    dcs_config_t *cfg = site(dir);
    write_day(cfg);
    char path[1024];
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_store_day_path(st, T0, path, sizeof path);
    dcs_store_close(st);
    size_t n;
    unsigned char *good = slurp(path, &n), *bad = malloc(n);
    assert_non_null(bad);
    srand(20261202);
    int slow = 0;
    for (int m = 0; m < MUTATIONS; m++) {
        size_t len = n;
        memcpy(bad, good, n);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++) /* metadata lives near the start: weigh it */
            bad[(size_t)rand() % (k % 2 ? n : (n < 4096 ? n : 4096))] ^= (unsigned char)(1 + rand() % 255);
        if (m % 10 == 9)
            len = n / 2 + (size_t)rand() % (n / 2); /* and truncations */
        FILE *f = fopen(path, "wb");
        assert_true(f && fwrite(bad, 1, len, f) == len);
        fclose(f);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(SECONDS_MAX * 3);
            _exit(readers(cfg, path));
        }
        int status;
        waitpid(pid, &status, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double secs = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
        if (WIFSIGNALED(status))
            fail_msg("mutation %d: readers died by signal %d after %.1f s", m, WTERMSIG(status), secs);
        if (WEXITSTATUS(status))
            fail_msg("mutation %d: readers answered wrongly (%d)", m, WEXITSTATUS(status));
        slow += secs > SECONDS_MAX;
        if (secs > SECONDS_MAX)
            fprintf(stderr, "mutation %d: %.1f s\n", m, secs);
    }
    assert_int_equal(slow, 0); /* within SECONDS_MAX each: no reader waits on retries */
    free(good), free(bad);
    dcs_config_free(cfg);
}

/* The disk fills up (RLIMIT_FSIZE in a child: writes fail with EFBIG, as
 * ENOSPC would): the failed flush says why, the samples stay staged, and once
 * there is room again the next flush writes them; every sample is then read
 * back with its time, and none written before the fault is lost. One cycle
 * here; DCS_DISKFULL_CYCLES (make soak: 100) cycles in a row. */
static void test_disk_full(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("full");
    dcs_config_t *cfg = site(dir);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        const char *env = getenv("DCS_DISKFULL_CYCLES");
        int cycles = env ? atoi(env) : 1, total = 0, failed = 0, why = 0, retried = 0;
        dcs_store_t *st;
        dcs_store_open(cfg, 'w', &st);
        for (int c = 0; c < cycles; c++) {
            int fails = 0;
            for (int round = 0; round < 40 && fails < 3; round++) { /* three failed flushes in a row */
                for (int i = 0; i < 500; i++, total++) {
                    dcs_sample_t x[2] = {{.channel = 0, .t_ns = T0 + total * DCS_NS_PER_S, .value = total},
                                         {.channel = 1, .t_ns = T0 + total * DCS_NS_PER_S, .value = 7}};
                    dcs_store_append(st, x, 2);
                }
                if (round == 0) { /* a flush with room; then the disk fills up */
                    char path[1024];
                    struct stat sb;
                    dcs_store_flush(st);
                    dcs_store_day_path(st, T0 + (total - 1) * DCS_NS_PER_S, path, sizeof path);
                    stat(path, &sb);
                    struct rlimit rl = {.rlim_cur = (rlim_t)sb.st_size + 20000, .rlim_max = RLIM_INFINITY};
                    setrlimit(RLIMIT_FSIZE, &rl);
                    continue;
                }
                if (dcs_store_flush(st) == 0)
                    continue;
                fails++;
                why += strstr(dcs_store_errmsg(st), "File too large") != NULL;
            }
            failed += fails;
            struct rlimit rl = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
            setrlimit(RLIMIT_FSIZE, &rl);
            if (dcs_store_flush(st) == 0)
                retried++;
            else
                fprintf(stderr, "cycle %d, retry: %s\n", c, dcs_store_errmsg(st));
        }
        dcs_store_close(st);
        int msg[5] = {total, failed, why, retried, cycles};
        _exit(write(pipefd[1], msg, sizeof msg) == sizeof msg ? 0 : 1);
    }
    int msg[5] = {0}, status;
    assert_int_equal(read(pipefd[0], msg, sizeof msg), sizeof msg);
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(msg[1], 3 * msg[4]); /* three flushes failed per cycle */
    assert_int_equal(msg[2], 3 * msg[4]); /* and said why (errno's text) */
    assert_int_equal(msg[3], msg[4]);     /* with room again, the retry wrote them */
    dcs_store_t *st;
    dcs_store_series_t s;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "fac", T0, T0 + (int64_t)msg[0] * DCS_NS_PER_S, &s), 0);
    if (dcs_store_problem(st, 0))
        fail_msg("%s", dcs_store_problem(st, 0));
    assert_int_equal(s.n, (size_t)msg[0]); /* every sample, none lost to the fault */
    for (size_t i = 0; i < s.n; i++)
        if (s.t_ns[i] != T0 + (int64_t)i * DCS_NS_PER_S || s.value[i] != (double)i)
            fail_msg("sample %zu: t %lld value %g", i, (long long)s.t_ns[i], s.value[i]);
    dcs_store_series_free(&s);
    dcs_store_close(st);
    close(pipefd[0]), close(pipefd[1]);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_day_files),
        cmocka_unit_test(test_disk_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
