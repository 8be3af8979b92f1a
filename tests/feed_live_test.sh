#!/bin/sh
# feed_live_test.sh: the live scheduling feed end to end on loopback, once on a
# SQLite regional store and once on a PostgreSQL server started here. A
# collector serves HTTPS (its own CA); three sites poll the simulated fleet with
# `poll --forward` every 2 s: qp-a and qp-b (operator op-qp) directly, lg-c
# (op-lg) through a relay the test cuts for a while. During the cut lg-c turns
# stale and is never shown available, and its poller's /metrics show the queue
# growing; the poller is killed with SIGKILL with messages queued and started
# again; when the link returns the queue drains.
# Then every site's messages are at the collector numbered 1..N with none
# missing or twice (N: the last number its poller had acknowledged), received
# in their order; a forged, a replayed and an oversized message are refused
# with their reasons; and the placement of 100 TFLOPS FP16 puts the sites in
# the hand-computed order. The three sites poll the same meters, and their
# inventories are the demo's counts x1 (qp-a), x2 (qp-b) and x4 (lg-c): effective
# compute scales with the counts, so the marginal facility kW per effective
# TFLOPS is in ratio 4 : 2 : 1, and the order is lg-c, qp-b, qp-a; each site's
# marginal is checked against PUE x IT kW / effective TFLOPS from its own
# figures (0.1 %, the schedule's rounding).
set -u
TEST_NAME=feed_live_test
. "$(cd "${DCS_SRC:-.}" && pwd)/tests/lib.sh"
. "$SRC/tests/pg.sh"
PY=/usr/bin/python3
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    "$SRC/fixtures/fleet.sh" down "$DIR/fleet" >/dev/null 2>&1
    pg_down
    cd / && rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
    n=$(($1 * 10)); shift
    while ! "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.1; done
}

"$D" keygen --operator op-qp -o op-qp >kq.out && "$D" keygen --operator op-lg -o op-lg >kl.out || fail "keygen"
{ echo "operators:"; grep -h '^  - {id:' kq.out kl.out | sed 's/valid_from: [0-9-]*/valid_from: 2026-01-01/'; } >ring.yaml
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key -out tls.crt -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >openssl.log 2>&1 || fail "openssl: $(tail -2 openssl.log)"
"$SRC/fixtures/fleet.sh" up "$DIR/fleet" "$BUILD" >fleet.log 2>&1 || fail "fleet: $(tail -3 fleet.log)"
for p in $(cut -d' ' -f1 fleet/fleet.pids); do PIDS="$PIDS $p"; done

# site ROUND ID REGION FACTOR: the fleet's site as ID, its inventory counts x FACTOR
site() {
    $PY - "$DIR/fleet/site.yaml" "$2" "$3" "$4" >"$1/$2.yaml" <<'PY'
import re, sys
src, sid, region, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = open(src).read().replace("id: demo-qp-01", "id: " + sid).replace("region: qingpu", "region: " + region)
t = re.sub(r"count: (\d+)", lambda m: "count: %d" % (int(m.group(1)) * k), t)
print(t, end="")
PY
}

# poller ROUND ID OPERATOR URL: start one, its pid in $POLLER
poller() {
    "$D" poll --metrics 127.0.0.1:0 --summary-interval 0 --forward "$4" --key "$DIR/$3.key" --forward-ca "$DIR/tls.crt" \
        --forward-interval 2 "$1/$2.yaml" 2>>"$1/$2.log" &
    POLLER=$!
    PIDS="$PIDS $POLLER"
}

queued() { ls "$1" 2>/dev/null | grep -c '\.msg$'; }
queue_over() { [ "$(queued "$1")" -gt "$2" ]; } # DIR N: more than N queued (asked anew each time)
queue_empty() { [ "$(queued "$1")" -eq 0 ]; }

round() { # NAME STORE
    R=$DIR/$1
    mkdir -p "$R"
    site "$R" qp-a qingpu 1 && site "$R" qp-b qingpu 2 && site "$R" lg-c lingang 4 || fail "$1: site files"
    PC=$(free_port) PP=$(free_port)
    "$D" collect --listen 127.0.0.1:$PC --region-store "$2" --keyring ring.yaml --tls-cert tls.crt --tls-key tls.key \
        --rate 200 2>"$R/collect.log" &
    COL=$!
    PIDS="$PIDS $COL"
    wait_for 10 curl -sf --cacert tls.crt "https://127.0.0.1:$PC/metrics" || fail "$1: collector: $(cat "$R/collect.log")"
    $PY "$SRC/tests/data/tcpcut.py" "$PP" "$PC" >"$R/relay.out" 2>&1 &
    RELAY=$!
    PIDS="$PIDS $RELAY"
    wait_for 5 grep -q READY "$R/relay.out" || fail "$1: relay"
    poller "$R" qp-a op-qp "https://127.0.0.1:$PC/v1/status"; PA=$POLLER
    poller "$R" qp-b op-qp "https://127.0.0.1:$PC/v1/status"; PB=$POLLER
    poller "$R" lg-c op-lg "https://127.0.0.1:$PP/v1/status"; PCUT=$POLLER
    Q=$R/store/lg-c/forward
    export DCS_BASE="https://127.0.0.1:$PC" DCS_CA="$DIR/tls.crt" DCS_DIR="$DIR" DCS_R="$R"
    check() { $PY "$SRC/tests/data/feed_check.py" "$@"; }
    wait_for 30 check fresh qp-a qp-b lg-c || fail "$1: the three sites did not all report: $(tail -n 2 "$R"/*.log)"

    kill "$RELAY"; wait "$RELAY" 2>/dev/null     # the link is cut
    wait_for 20 check stale lg-c || fail "$1: lg-c not stale during the cut"
    wait_for 20 queue_over "$Q" 2 || fail "$1: lg-c queued $(queued "$Q") messages during the cut"
    mport=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$R/lg-c.log" | tail -n 1)
    curl -sf "http://127.0.0.1:$mport/metrics" >"$R/metrics.txt" || fail "$1: lg-c's /metrics"
    $PY - "$R/metrics.txt" <<'PY' || fail "$1: the queue's self-metrics"
import sys
m = {l.split("{")[0]: float(l.split()[-1]) for l in open(sys.argv[1]) if l.startswith("dcscore_forward_")}
assert m["dcscore_forward_queue_depth"] >= 3 and m["dcscore_forward_queue_oldest_age_seconds"] > 2, m
assert m["dcscore_forward_failures_total"] >= 1, m
PY
    cp "$(ls "$Q"/*.msg | head -1)" "$R/kept.msg"   # to replay and forge later
    kill -9 "$PCUT"; wait "$PCUT" 2>/dev/null       # mid-queue
    before=$(queued "$Q")
    poller "$R" lg-c op-lg "https://127.0.0.1:$PP/v1/status"; PCUT=$POLLER
    wait_for 10 grep -q "($before messages queued" "$R/lg-c.log" ||
        fail "$1: after the kill, $before were queued but: $(grep forward: "$R/lg-c.log" | tail -2)"
    wait_for 10 queue_over "$Q" "$before" || fail "$1: no new message queued after the restart"
    check stale lg-c || fail "$1: lg-c fresh before the link is back"

    $PY "$SRC/tests/data/tcpcut.py" "$PP" "$PC" >"$R/relay.out" 2>&1 &   # the link is back
    RELAY=$!
    PIDS="$PIDS $RELAY"
    wait_for 30 queue_empty "$Q" || fail "$1: lg-c's queue did not drain ($(queued "$Q") left)"
    wait_for 10 check fresh lg-c || fail "$1: lg-c not fresh after the link returned"
    check refusals "$R/kept.msg" || fail "$1: refusals"
    check placement || fail "$1: placement"
    kill "$PA" "$PB" "$PCUT"
    for p in "$PA" "$PB" "$PCUT"; do
        wait "$p"; rc=$?
        [ $rc -eq 0 ] || fail "$1: a poller exited $rc on SIGTERM: $(tail -n 3 "$R"/*.log)"
    done
    for s in qp-a qp-b lg-c; do
        [ "$(queued "$R/store/$s/forward")" -eq 0 ] && [ -z "$(ls "$R/store/$s/forward/refused")" ] ||
            fail "$1: $s left messages queued or refused"
        check sequence "$s" "$(cat "$R/store/$s/forward/acked")" || fail "$1: $s's messages"
    done
    grep -q "dcscore error:" "$R/lg-c.log" && fail "$1: the cut site logged an error: $(grep "dcscore error:" "$R/lg-c.log" | head -2)"
    kill "$COL" "$RELAY"
    wait "$COL" "$RELAY" 2>/dev/null
    echo "  $1: 3 sites, link cut, kill -9 mid-queue: delivered in order, nothing lost or twice"
}

round sqlite "$DIR/feed.sqlite"
pg_up "$DIR" || fail "PostgreSQL did not start"
round postgresql "$PG_SPEC"
exit 0
