# pg.sh: a PostgreSQL 15 server of the test's own, for shell tests (sourced).
# pg_up DIR: initdb and pg_ctl in DIR/pg (as the postgres user when run as
# root: initdb refuses root), listening on a Unix socket in DIR/pg only; sets
# PG_SPEC to the region-store spec. pg_down: stop it (call at exit).
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=""
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_up() {
    PG_DIR=$1/pg
    mkdir -p "$PG_DIR" && chmod 755 "$1"
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U dcscore --auth=trust -E UTF8 >"$1/initdb.log" 2>&1 &&
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
            -o "-k '$PG_DIR' -c listen_addresses='' -p 5498" start >"$1/pg_ctl.log" 2>&1 || {
        cat "$1/initdb.log" "$1/pg_ctl.log" "$PG_DIR/pg.log" 2>/dev/null | tail -5
        return 1
    }
    PG_SPEC="pg:host=$PG_DIR port=5498 dbname=postgres user=dcscore"
}
pg_down() {
    [ -n "$PG_DIR" ] && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
    PG_DIR=""
}
