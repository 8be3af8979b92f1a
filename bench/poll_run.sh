# poll_run.sh: sourced by the poll scale benches. poll_run DURATION runs
# `dcscore poll` on $DIR/site.yaml for DURATION seconds and prints
# "cycles overruns max_cycle_ms last_cycle_ms cpu_s ok timeout p50_ms p99_ms"
# (cpu: user + system of the poller alone). Needs BUILD and DIR.
poll_run() {
    cd "$DIR"
    /usr/bin/time -f "%U %S" -o "$DIR/time.$1" "$BUILD/dcscore" poll --duration "$1" --stats \
        --summary-interval 0 -q site.yaml >"$DIR/stats.$1" 2>"$DIR/poll.$1.err"
    /usr/bin/python3 - "$DIR/stats.$1" "$DIR/time.$1" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
u, k = map(float, open(sys.argv[2]).read().split()[-2:])
print(s["cycles"], s["overruns"], s["max_cycle_ms"], s["last_cycle_ms"], u + k,
      s["samples"]["ok"], s["samples"]["timeout"] + s["samples"]["backoff"],
      s["cycle_ms"]["p50"], s["cycle_ms"]["p99"])
PY
}
