"""peers_http.py: dcscore's redfish backend beside collectd's curl_json plugin, on
the same BMC fleet (dcs-sim redfish --fleet N: two power supplies and
EnvironmentMetrics each), 10 s cycles, 1 s timeout, plain HTTP on loopback.

    /usr/bin/python3 bench/peers_http.py BUILD [--bmcs N] [--short S] [--long S]

Both read the same three leaves per BMC a cycle, one value per request: each
supply's InputPowerWatts.Reading and the chassis' EnergykWh.Reading. (dcscore
finds them by discovery in its first cycle; collectd is given them, and cannot
sum the supplies, so it stores three values where dcscore stores two.) CPU per
value read is what compares: the poller's own CPU (rusage of its process, all
threads), the difference between a --short and a --long run so that start-up
is taken out. Debian's collectd 5.12 has no redfish plugin (it needs
libredfish, not packaged) and no Prometheus text input, so the exporters have
no collectd counterpart. Every process is bounded and talks to 127.0.0.1 only."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import csv_samples, run_process, version  # noqa: E402

LEAVES = ["/redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/PSU0/Metrics",
          "/redfish/v1/Chassis/1/PowerSubsystem/PowerSupplies/PSU1/Metrics",
          "/redfish/v1/Chassis/1/EnvironmentMetrics"]
KEYS = ["InputPowerWatts/Reading", "InputPowerWatts/Reading", "EnergykWh/Reading"]


def start_bmcs(build, n, work):
    out = os.path.join(work, "bmcs.out")
    p = subprocess.Popen([f"{build}/dcs-sim", "redfish", "--layout", "new", "--units", "2", "--fleet", str(n),
                          "--quiet", "1", "--port", "0"], stdout=open(out, "w"), stderr=subprocess.STDOUT)
    for _ in range(200):
        m = re.search(r"^READY port=(\d+)", open(out).read(), re.M)
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        subprocess.run(["sleep", "0.05"])
    raise RuntimeError(f"peers_http: dcs-sim redfish did not start: {open(out).read().strip()}")


def run_dcscore(build, work, n, port, seconds):
    d = os.path.join(work, f"dcscore-{seconds}")
    os.makedirs(d)
    lines = ["site: {id: peers, name: Peers, region: lingang, pue_category: 3, poll_interval_ms: 10000,"
             " store_dir: store}", "devices:"]
    lines += [f"  - {{id: b{k:04d}, protocol: redfish, url: \"http://127.0.0.1:{port}/d/{k}\", timeout_ms: 1000,"
              " retries: 0}" for k in range(n)]
    lines.append("channels:")
    for k in range(n):
        lines.append(f"  - {{id: p{k:04d}, device: b{k:04d}, metric: power, kind: power, unit: W, role: it_rack}}")
        lines.append(f"  - {{id: q{k:04d}, device: b{k:04d}, metric: energy, kind: energy, unit: kWh,"
                     " role: it_rack}")
    open(os.path.join(d, "site.yaml"), "w").write("\n".join(lines) + "\n")
    cpu, _, out = run_process([f"{build}/dcscore", "poll", "--duration", str(seconds), "--stats",
                               "--summary-interval", "0", "-q", "site.yaml"], seconds, d, stop=False)
    st = json.loads(out.decode().splitlines()[-1])
    return cpu, st["samples"]["ok"], st["cycles"]


def run_collectd(work, n, port, seconds):
    d = os.path.join(work, f"collectd-{seconds}")
    os.makedirs(d)
    c = ['Hostname "bench"', "FQDNLookup false", f'BaseDir "{d}"', f'PIDFile "{d}/collectd.pid"',
         'PluginDir "/usr/lib/collectd"', 'TypesDB "/usr/share/collectd/types.db"', "Interval 10",
         "LoadPlugin logfile", '<Plugin logfile>\n  LogLevel "warning"\n  File STDERR\n</Plugin>',
         "LoadPlugin csv", f'<Plugin csv>\n  DataDir "{d}/csv"\n  StoreRates false\n</Plugin>',
         "LoadPlugin curl_json", "<Plugin curl_json>"]
    for k in range(n):
        for i, (leaf, key) in enumerate(zip(LEAVES, KEYS)):
            c.append(f'  <URL "http://127.0.0.1:{port}/d/{k}{leaf}">\n    Instance "b{k}l{i}"\n'
                     f'    Timeout 1000\n    <Key "{key}">\n      Type "gauge"\n    </Key>\n  </URL>')
    c.append("</Plugin>")
    open(os.path.join(d, "collectd.conf"), "w").write("\n".join(c) + "\n")
    cpu, _, _ = run_process(["collectd", "-f", "-C", "collectd.conf"], seconds, d)
    return cpu, csv_samples(d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--bmcs", type=int, default=1000)
    ap.add_argument("--short", type=int, default=21)
    ap.add_argument("--long", type=int, default=61)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="dcscore-peers-http.")
    fleet = None
    try:
        fleet, port = start_bmcs(build, args.bmcs, work)
        print(f"Redfish BMCs: {args.bmcs} (2 supplies + EnvironmentMetrics: 3 GETs, 1 value each, a cycle),"
              " 10 s cycles, 1 s timeout")
        a = run_dcscore(build, work, args.bmcs, port, args.short)
        b = run_dcscore(build, work, args.bmcs, port, args.long)
        cyc = b[2] - a[2]
        if cyc <= 0:
            raise RuntimeError("peers_http: the long dcscore run had no more cycles than the short one")
        ours = (b[0] - a[0]) / (3 * args.bmcs * cyc)
        print(f"  dcscore poll        {1e6 * ours:8.1f} us CPU per value read ({(b[1] - a[1]) // cyc} samples"
              f" a cycle, {cyc} cycles)")
        cd = version("collectd-core")
        if not cd or not shutil.which("collectd"):
            print("  collectd: not installed (make bench installs collectd-core); skipped")
            return
        a, b = run_collectd(work, args.bmcs, port, args.short), run_collectd(work, args.bmcs, port, args.long)
        vals = b[1] - a[1]
        if vals <= 0:
            raise RuntimeError("peers_http: collectd stored no more values in the long run than the short one")
        theirs = (b[0] - a[0]) / vals
        print(f"  collectd {cd} curl_json {1e6 * theirs:6.1f} us CPU per value read ({vals} values more in"
              " the long run)")
        print(f"  dcscore: {theirs / ours:.1f}x less CPU per value than collectd")
    except RuntimeError as e:
        sys.exit(str(e))
    finally:
        if fleet:
            fleet.terminate()
            fleet.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
