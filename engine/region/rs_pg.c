/* rs_pg.c: the regional store on a PostgreSQL server (libpq), for a city-level
 * platform with many writers and readers. Ingests serialise on a table lock
 * taken in their transaction, so replay and overlap checks hold across
 * writers. */
#include "region_int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

int rs_pg_open(const char *conninfo, void **h, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(err, errlen, "postgresql: %s", msg); /* libpq's messages name no password */
        PQfinish(c);
        return -1;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    *h = c;
    return 0;
}

static int run(void *h, const char *sql, int n, const char *const *params, rs_row_fn fn, void *ctx, char *err,
               size_t errlen)
{
    PGconn *c = h;
    PGresult *res = n ? PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;
    if (rc) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(err, errlen, "postgresql: %s", msg);
    }
    int rows = rc ? 0 : PQntuples(res), nc = rc ? 0 : PQnfields(res);
    for (int i = 0, stop = 0; fn && !stop && i < rows; i++) {
        const char *vals[64];
        for (int k = 0; k < nc && k < 64; k++)
            vals[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
        stop = fn(ctx, nc < 64 ? nc : 64, vals);
    }
    PQclear(res);
    return rc;
}

static void close_db(void *h)
{
    PQfinish(h);
}

const rs_ops_t rs_pg_ops = {.name = "postgresql", .id_ddl = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                            .run = run, .begin = "BEGIN; LOCK TABLE submissions IN SHARE ROW EXCLUSIVE MODE",
                            .close = close_db};
