/* rs_sqlite.c: the regional store in one SQLite file (the embedded default).
 * WAL journal, foreign keys on, a 10 s busy timeout for concurrent readers. */
#include "region_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

int rs_sqlite_open(const char *path, void **h, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s (not a SQLite file?)", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return -1;
    }
    *h = db;
    return 0;
}

/* Bind $1..$n by name (SQLite numbers named parameters by first use). */
static int bind(sqlite3_stmt *st, int n, const char *const *params)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        int at = sqlite3_bind_parameter_index(st, name);
        if (at == 0)
            continue; /* not used by this statement */
        int rc = params[i] ? sqlite3_bind_text(st, at, params[i], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, at);
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

static int run(void *h, const char *sql, int n, const char *const *params, rs_row_fn fn, void *ctx, char *err,
               size_t errlen)
{
    sqlite3 *db = h;
    const char *tail = sql;
    int rc = 0;
    while (!rc && tail && *tail) { /* several statements (migrations) run in turn */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
            return -1;
        }
        if (!st)
            break; /* only whitespace or comments left */
        rc = bind(st, n, params);
        int s, stop = 0;
        while (!rc && !stop && (s = sqlite3_step(st)) == SQLITE_ROW) {
            int nc = sqlite3_column_count(st);
            const char *vals[64];
            for (int c = 0; c < nc && c < 64; c++)
                vals[c] = (const char *)sqlite3_column_text(st, c);
            stop = fn ? fn(ctx, nc < 64 ? nc : 64, vals) : 0;
        }
        if (!rc && !stop && s != SQLITE_DONE)
            rc = -1;
        if (rc)
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    return rc;
}

static void close_db(void *h)
{
    sqlite3_close(h);
}

const rs_ops_t rs_sqlite_ops = {.name = "sqlite", .id_ddl = "INTEGER PRIMARY KEY", .run = run,
                                .begin = "BEGIN IMMEDIATE", .close = close_db};
