"""peers.py: dcscore beside the pollers operators run today, on the same fixtures.

    /usr/bin/python3 bench/peers.py BUILD [--devices N] [--short S] [--long S]

Modbus TCP (dcs-mbfleet) and SNMP v2c (dcs-snmpfleet), N devices x 20 values,
1 s cycles, polled in turn by:
  dcscore poll           at 1 and 20 values per request (max_registers / max_oids)
  collectd 5.12          modbus and snmp plugins (one value per request: their design)
  zabbix-agent2 6.0      modbus.get, 1 register x 20 keys or 20 registers x 1 key
  prometheus-snmp-exporter 0.21   a 20-OID get, max_repetitions 1 or 20
zabbix-agent2 and snmp_exporter answer on request: a driver here asks them once
per device per cycle (ZBXD passive checks, HTTP scrapes), as a Zabbix server or
Prometheus would. Only the poller's own CPU is counted (rusage of its process,
all threads): the driver and the fleet are not. Each poller runs twice, for
--short and --long seconds; CPU and samples are the differences of the two, so
start-up is taken out. The fleets count what they answered, so the values per
request printed are measured, not configured.

Then dcscore alone: 1,000 Modbus TCP meters on 1 s cycles, and what collectd
does on a fleet of SNMP agents of which 10 % never answer (1 s timeout, 10 s
cycles). Every process is bounded (--duration, or stopped here) and talks to
127.0.0.1 only."""
import argparse
import glob
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MB_BASE, SNMP_BASE, HTTP_PORT, ZBX_PORT = 30000, 30400, 30900, 30901
SILENT_BASE = 20000
OID_POWER = "1.3.6.1.4.1.318.1.1.26.4.3.1.5"  # rPDU2-shaped power column, rows 1..20
NVAL = 20


def version(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return r.stdout.split(":")[-1].split("+")[0].split("-")[0] if r.returncode == 0 else None


# ---- fixtures --------------------------------------------------------------------

class Fleet:
    """dcs-mbfleet or dcs-snmpfleet for one run; counts what it answered."""

    def __init__(self, build, kind, base, count, work, extra=()):
        self.out = os.path.join(work, f"{kind}.fleet")
        ready = os.path.join(work, f"{kind}.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        if kind == "modbus":
            cmd = [f"{build}/dcs-mbfleet", "--tcp", f"{base}:{count}"]
        else:
            cmd = [f"{build}/dcs-snmpfleet", "--udp", f"{base}:{count}", "--oids", str(NVAL)]
        cmd += ["--duration", "300", "--ready-file", ready, *extra]
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.out, "w"))
        for _ in range(200):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"peers: {os.path.basename(cmd[0])} did not start: "
                           f"{open(self.out).read().strip()}")

    def stop(self):
        """Stop the fleet; returns (requests answered, values answered)."""
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=10)
        text = open(self.out).read()
        m = re.search(r"(\d+) reads answered, (\d+) registers", text) or \
            re.search(r"\d+ requests, (\d+) answered, (\d+) values", text)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def open_files_limit():
    """In the child: as many descriptors as allowed (10,000 agents are 10,000 sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def run_process(cmd, seconds, cwd, driver=None, stop=True):
    """Run cmd for about `seconds` (a driver, if any, meanwhile); returns the CPU
    seconds of its process and the driver's count."""
    log = open(os.path.join(cwd, "poller.log"), "a")
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE if not stop else log, stderr=log,
                         preexec_fn=open_files_limit)
    out = b""
    count = 0
    if driver:
        count = driver(seconds)
    elif stop:
        time.sleep(seconds)
    else:
        out = p.stdout.read()
    if stop:
        p.send_signal(signal.SIGTERM)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    return ru.ru_utime + ru.ru_stime, count, out


def wait_port(port, proto="tcp"):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"peers: nothing listens on 127.0.0.1:{port}")


# ---- the pollers -------------------------------------------------------------------

def dcscore_site(proto, n, batch, base):
    lines = ["site: {id: peers, name: Peers, region: lingang, pue_category: 1,"
             " poll_interval_ms: 1000, store_dir: store}", "devices:"]
    for d in range(n):
        if proto == "modbus":
            lines.append(f"  - {{id: d{d:03d}, protocol: modbus_tcp, host: 127.0.0.1, port: {base + d},"
                         f" timeout_ms: 500, retries: 0, max_registers: {1 if batch == 1 else 125}}}")
        else:
            lines.append(f"  - {{id: d{d:03d}, protocol: snmp, host: 127.0.0.1, port: {base + d},"
                         f" timeout_ms: 500, retries: 0, max_oids: {batch}}}")
    lines.append("channels:")
    for d in range(n):
        for r in range(NVAL):
            where = (f"function: 3, address: {r}, type: uint16" if proto == "modbus"
                     else f"oid: .{OID_POWER}.{r + 1}")
            lines.append(f"  - {{id: d{d:03d}v{r:02d}, device: d{d:03d}, role: it_rack, kind: power,"
                         f" unit: W, {where}}}")
    return "\n".join(lines) + "\n"


def run_dcscore(build, work, proto, n, batch, seconds, base):
    d = os.path.join(work, f"dcscore-{proto}-{batch}-{seconds}")
    os.makedirs(d)
    open(os.path.join(d, "site.yaml"), "w").write(dcscore_site(proto, n, batch, base))
    cpu, _, out = run_process([f"{build}/dcscore", "poll", "--duration", str(seconds), "--stats",
                               "--summary-interval", "0", "-q", "site.yaml"], seconds, d, stop=False)
    st = json.loads(out.decode().splitlines()[-1])
    return cpu, st["samples"]["ok"], st


def collectd_conf(proto, n, base, d, interval=1, timeout=1):
    c = [f'Hostname "bench"', "FQDNLookup false", f'BaseDir "{d}"', f'PIDFile "{d}/collectd.pid"',
         'PluginDir "/usr/lib/collectd"', 'TypesDB "/usr/share/collectd/types.db"',
         f"Interval {interval}", "LoadPlugin logfile",
         '<Plugin logfile>\n  LogLevel "warning"\n  File STDERR\n</Plugin>', "LoadPlugin csv",
         f'<Plugin csv>\n  DataDir "{d}/csv"\n  StoreRates false\n</Plugin>']
    if proto == "modbus":
        c += ["LoadPlugin modbus", "<Plugin modbus>"]
        for r in range(NVAL):
            c.append(f'  <Data "r{r}">\n    RegisterBase {r}\n    RegisterType Uint16\n'
                     f'    RegisterCmd ReadHolding\n    Type gauge\n    Instance "r{r}"\n  </Data>')
        for m in range(n):
            collect = "".join(f'      Collect "r{r}"\n' for r in range(NVAL))
            c.append(f'  <Host "m{m}">\n    Address "127.0.0.1"\n    Port "{base + m}"\n'
                     f'    Interval {interval}\n    <Slave 1>\n      Instance "u1"\n{collect}'
                     "    </Slave>\n  </Host>")
    else:
        nv = NVAL if n <= 1000 else 1
        c += ["LoadPlugin snmp", "<Plugin snmp>"]
        for r in range(1, nv + 1):
            c.append(f'  <Data "p{r}">\n    Type "gauge"\n    Table false\n    TypeInstance "p{r}"\n'
                     f'    Values ".{OID_POWER}.{r}"\n  </Data>')
        for a in range(n):
            collect = " ".join(f'"p{r}"' for r in range(1, nv + 1))
            c.append(f'  <Host "a{a}">\n    Address "127.0.0.1:{base + a}"\n    Version 2\n'
                     f'    Community "public"\n    Timeout {timeout}\n    Retries 0\n'
                     f"    Interval {interval}\n    Collect {collect}\n  </Host>")
    c.append("</Plugin>")
    return "\n".join(c) + "\n"


def csv_samples(d):
    n = 0
    for f in glob.glob(os.path.join(d, "csv", "*", "*", "*")):
        with open(f) as fh:
            n += sum(1 for _ in fh) - 1  # a header line each
    return n


def run_collectd(build, work, proto, n, batch, seconds, base, **kw):
    d = os.path.join(work, f"collectd-{proto}-{seconds}-{n}")
    os.makedirs(d)
    open(os.path.join(d, "collectd.conf"), "w").write(collectd_conf(proto, n, base, d, **kw))
    cpu, _, _ = run_process(["collectd", "-f", "-C", "collectd.conf"], seconds, d)
    return cpu, csv_samples(d), None


def zbx_get(key):
    s = socket.create_connection(("127.0.0.1", ZBX_PORT), timeout=5)
    k = key.encode()
    s.sendall(b"ZBXD\x01" + struct.pack("<II", len(k), 0) + k)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    text = data[13:].decode(errors="replace")
    if text.startswith("ZBX_NOTSUPPORTED") or not text:
        return 0
    v = json.loads(text)
    return len(v) if isinstance(v, list) else 1


def paced(seconds, jobs, workers=8):
    """Run jobs() (a list of thunks returning counts) once per 1 s tick for
    `seconds`; a tick whose work is not done by the next waits for it."""
    end = time.time() + seconds
    total = 0
    with ThreadPoolExecutor(workers) as ex:
        while True:
            tick = int(time.time()) + 1
            if tick > end:
                break
            time.sleep(max(0.0, tick - time.time()))
            total += sum(ex.map(lambda f: f(), jobs()))
    time.sleep(max(0.0, end - time.time()))
    return total


def run_zabbix(build, work, proto, n, batch, seconds, base):
    d = os.path.join(work, f"zabbix-{batch}-{seconds}")
    os.makedirs(d)
    open(os.path.join(d, "agent2.conf"), "w").write(
        "LogType=console\nServer=127.0.0.1\nListenIP=127.0.0.1\n"
        f"ListenPort={ZBX_PORT}\nHostname=bench\nControlSocket={d}/agent.sock\n"
        f"PidFile={d}/agent.pid\nTimeout=3\n")
    if batch == 1:
        keys = [f"modbus.get[tcp://127.0.0.1:{base + m},1,3,{r},1,uint16,be,0]"
                for m in range(n) for r in range(NVAL)]
    else:
        keys = [f"modbus.get[tcp://127.0.0.1:{base + m},1,3,0,{NVAL},uint16,be,0]" for m in range(n)]

    def driver(s):
        wait_port(ZBX_PORT)
        return paced(s - 1, lambda: [lambda k=k: zbx_get(k) for k in keys])
    cpu, count, _ = run_process(["zabbix_agent2", "-c", "agent2.conf"], seconds, d, driver)
    return cpu, count, None


def scrape(conn, path):
    conn.request("GET", path)
    body = conn.getresponse().read().decode()
    return sum(1 for line in body.splitlines() if line.startswith("rPDU2PhaseStatusPower{"))


def run_exporter(build, work, proto, n, batch, seconds, base):
    d = os.path.join(work, f"exporter-{batch}-{seconds}")
    os.makedirs(d)
    get = "".join(f"  - {OID_POWER}.{r}\n" for r in range(1, NVAL + 1))
    open(os.path.join(d, "snmp.yml"), "w").write(
        f"m:\n  version: 2\n  auth: {{community: public}}\n  timeout: 1s\n  retries: 0\n"
        f"  max_repetitions: {batch}\n  get:\n{get}  metrics:\n"
        f"  - {{name: rPDU2PhaseStatusPower, oid: {OID_POWER}, type: gauge,"
        " indexes: [{labelname: idx, type: gauge}]}\n")
    local = threading.local()

    def one(a):
        if not hasattr(local, "c"):
            local.c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=5)
        return scrape(local.c, f"/snmp?module=m&target=127.0.0.1:{base + a}")

    def driver(s):
        wait_port(HTTP_PORT)
        return paced(s - 1, lambda: [lambda a=a: one(a) for a in range(n)])
    cpu, count, _ = run_process(["prometheus-snmp-exporter", "--config.file=snmp.yml",
                                 f"--web.listen-address=127.0.0.1:{HTTP_PORT}", "--log.level=warn"],
                                seconds, d, driver)
    return cpu, count, None


# ---- measuring -------------------------------------------------------------------

def measure(args, work, name, fn, proto, batch):
    """Two runs; returns a result row, or None when the peer is not installed."""
    base = MB_BASE if proto == "modbus" else SNMP_BASE
    runs = []
    # dcscore's CPU per cycle is small beside its start-up: a longer second run
    # keeps the difference well above the start-up's run-to-run spread.
    for seconds in (args.short, args.long * (3 if fn is run_dcscore else 1)):
        fleet = Fleet(args.build, proto, base, args.devices, work)
        try:
            cpu, samples, _ = fn(args.build, work, proto, args.devices, batch, seconds, base)
        finally:
            reqs, vals = fleet.stop()
        runs.append((cpu, samples, reqs, vals))
    (c0, s0, r0, v0), (c1, s1, r1, v1) = runs
    per = (c1 - c0) / (s1 - s0) if s1 > s0 else float("nan")
    return {"name": name, "batch": batch, "per_req": (v1 - v0) / (r1 - r0) if r1 > r0 else 0,
            "samples": s1 - s0, "cpu": c1 - c0, "us": per * 1e6}


def table(title, rows):
    print(title)
    print(f"  {'poller':<34}{'values/req':>10}{'samples':>9}{'CPU s':>8}{'µs/sample':>11}"
          f"{'CPU-s/1k samples':>18}")
    for r in rows:
        print(f"  {r['name']:<34}{r['per_req']:>10.1f}{r['samples']:>9d}{r['cpu']:>8.3f}"
              f"{r['us']:>11.2f}{r['us'] / 1000:>18.5f}")


def ratios(rows, collectd):
    for batch in sorted({r["batch"] for r in rows}):
        ours = [r for r in rows if r["batch"] == batch and r["name"].startswith("dcscore")]
        peers = [r for r in rows if r["batch"] == batch and not r["name"].startswith("dcscore")]
        if not ours or not peers:
            continue
        best = min(peers, key=lambda r: r["us"])
        print(f"  at {batch:>2} value(s)/request: dcscore uses {best['us'] / ours[0]['us']:.1f}x less"
              f" CPU per sample than the best peer ({best['name']}; target >= 3x)")
        if batch > 1 and collectd:
            print(f"  at {batch:>2} values/request: {collectd['us'] / ours[0]['us']:.1f}x less than"
                  " collectd at its one value per request (target >= 10x)")


def peer_bench(args, work):
    have = {p: version(p) for p in ("collectd-core", "zabbix-agent2", "prometheus-snmp-exporter")}
    for p, v in have.items():
        if not v:
            print(f"peers: {p} is not installed (make bench installs it); its rows are left out")
    cd = f"collectd {have['collectd-core']}"
    plans = {
        "modbus": [("dcscore", run_dcscore, 1), (cd, run_collectd, 1),
                   (f"zabbix-agent2 {have['zabbix-agent2']} modbus.get", run_zabbix, 1),
                   ("dcscore", run_dcscore, NVAL),
                   (f"zabbix-agent2 {have['zabbix-agent2']} modbus.get", run_zabbix, NVAL)],
        "snmp": [("dcscore", run_dcscore, 1), (cd, run_collectd, 1),
                 (f"snmp_exporter {have['prometheus-snmp-exporter']}", run_exporter, 1),
                 ("dcscore", run_dcscore, NVAL),
                 (f"snmp_exporter {have['prometheus-snmp-exporter']}", run_exporter, NVAL)],
    }
    needs = {run_collectd: "collectd-core", run_zabbix: "zabbix-agent2",
             run_exporter: "prometheus-snmp-exporter"}
    print(f"Peers: {args.devices} devices x {NVAL} values, 1 s cycles; poller CPU only; "
          f"runs of {args.short} s and {args.long} s ({3 * args.long} s for dcscore), "
          "start-up taken out")
    for proto, plan in plans.items():
        rows = [measure(args, work, name, fn, proto, batch) for name, fn, batch in plan
                if fn not in needs or have[needs[fn]]]
        what = "Modbus TCP (dcs-mbfleet), uint16 registers" if proto == "modbus" else \
            "SNMP v2c GET (dcs-snmpfleet), INTEGER power column"
        table(what, rows)
        ratios(rows, next((r for r in rows if r["name"] == cd), None))
        print()


def modbus_scale(args, work):
    """1,000 Modbus TCP meters on 1 s cycles: power (float32) and energy (uint32), one read each."""
    n, base = 1000, 31000
    site = ["site: {id: mbscale, name: Scale, region: lingang, pue_category: 1,"
            " poll_interval_ms: 1000, store_dir: store}", "devices:"]
    site += [f"  - {{id: m{m:04d}, protocol: modbus_tcp, host: 127.0.0.1, port: {base + m},"
             " timeout_ms: 300, retries: 0}" for m in range(n)]
    site.append("channels:")
    for m in range(n):
        site.append(f"  - {{id: p{m:04d}, device: m{m:04d}, role: it_rack, kind: power, unit: W,"
                    " function: 3, address: 200, type: float32}")
        site.append(f"  - {{id: e{m:04d}, device: m{m:04d}, role: it_rack, kind: energy, unit: Wh,"
                    " function: 3, address: 202, type: uint32}")
    runs = []
    for seconds in (5, 20):
        d = os.path.join(work, f"mbscale-{seconds}")
        os.makedirs(d)
        open(os.path.join(d, "site.yaml"), "w").write("\n".join(site) + "\n")
        fleet = Fleet(args.build, "modbus", base, n, work)
        try:
            cpu, _, out = run_process([f"{args.build}/dcscore", "poll", "--duration", str(seconds),
                                       "--stats", "--summary-interval", "0", "-q", "site.yaml"],
                                      seconds, d, stop=False)
        finally:
            fleet.stop()
        runs.append((cpu, json.loads(out.decode().splitlines()[-1])))
    (c0, s0), (c1, s1) = runs
    cyc = s1["cycles"] - s0["cycles"]
    print(f"Modbus scale: {n} meters (dcs-mbfleet), 2 channels each, 1 s cycles, dcscore poll, "
          f"{s1['cycles']} cycles")
    print(f"  overruns {s1['overruns']}, cycle p50 {s1['cycle_ms']['p50']:.0f} ms, "
          f"p99 {s1['cycle_ms']['p99']:.0f} ms, max {s1['max_cycle_ms']:.0f} ms; "
          f"samples ok {s1['samples']['ok']} of {s1['samples_written']}")
    if cyc > 0:
        print(f"  CPU per 1 s cycle without start-up: {(c1 - c0) / cyc:.3f} s = "
              f"{100 * (c1 - c0) / cyc:.1f} % of one core")
    print()


def collectd_silent(args, work):
    """collectd on the silent-agent fleet: 10 % of agents never answer."""
    if not version("collectd-core"):
        return
    n, seconds = args.silent_agents, 35
    try:
        fleet = Fleet(args.build, "snmp", SILENT_BASE, n, work, ["--fault", "silent:every:10"])
    except RuntimeError as e:  # e.g. a port of the 10,000 in use: say so, skip the contrast
        print(f"{e}; collectd on the silent-agent fleet skipped")
        return
    try:
        cpu, samples, _ = run_collectd(args.build, work, "snmp", n, 1, seconds, SILENT_BASE,
                                       interval=10, timeout=1)
    finally:
        fleet.stop()
    want = (n - n // 10) * (seconds // 10)
    print(f"collectd on the silent-agent fleet: {n} agents, 10 % silent, 1 s timeout, 10 s cycles, "
          f"{seconds} s")
    print(f"  samples written {samples} of about {want} from the answering agents "
          f"({100 * samples / want:.0f} %), CPU {cpu:.2f} s")
    print("  (collectd's 5 read threads each wait out a silent agent's timeout before the next"
          " host; dcscore's figures for this fleet: bench/snmp_scale.sh above)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--short", type=int, default=3)
    ap.add_argument("--long", type=int, default=11)
    ap.add_argument("--silent-agents", type=int, default=10000)
    ap.add_argument("--only", choices=("peers", "modbus-scale", "silent"))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="dcscore-peers.")
    try:
        if args.only in (None, "peers"):
            peer_bench(args, work)
        if args.only in (None, "modbus-scale"):
            modbus_scale(args, work)
        if args.only in (None, "silent"):
            collectd_silent(args, work)
    except RuntimeError as e:
        sys.exit(str(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
