#!/usr/bin/env python3
"""Runs planb's benchmarks and prints one table beside product.md §8's targets.

(a) planb's probe engine (bench/probe_bench.cpp) probing N HTTP endpoints on loopback
    (bench/endpoint_server.cpp, one process, one port each) at an interval;
(b) prometheus-blackbox-exporter probing the same endpoints at the same rate, driven like
    Prometheus drives it (bench/blackbox_driver.cpp), its own CPU measured from /proc;
(c) failover against BIND9 + PowerDNS (bench/failover_bench.py);
(d) mass failover: many records on five providers at once (bench/mass_failover_bench.py).
(a) and (b) run one after the other against the same endpoint server in the same run, so
neither takes CPU from the other on a small machine."""

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "loadavg_before": open("/proc/loadavg").read().split()[:3]}


class EndpointServer:
    def __init__(self, binary, count, directory):
        self.ports_file = os.path.join(directory, "endpoints.txt")
        self.proc = subprocess.Popen([binary, "--endpoints", str(count), "--ports-file",
                                      self.ports_file], stdout=subprocess.PIPE, text=True,
                                     preexec_fn=raise_nofile)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("endpoint server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def run_json(cmd, what):
    print(f"== {what}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_blackbox(args, server, directory):
    binary = shutil.which("prometheus-blackbox-exporter")
    if not binary:
        raise RuntimeError("prometheus-blackbox-exporter is not installed: run scripts/setup")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True)
    version = (version.stdout + version.stderr).split("\n")[0]
    config = os.path.join(directory, "blackbox.yml")
    # The same check as planb's probe: a fresh connection, GET, a 2xx status and "ok" in the
    # body, over IPv4.
    with open(config, "w") as f:
        f.write("""modules:
  http_2xx:
    prober: http
    timeout: 2s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      fail_if_body_not_matches_regexp: ["ok"]
""")
    port = free_port()
    log = open(os.path.join(directory, "blackbox.log"), "w")
    proc = subprocess.Popen([binary, f"--config.file={config}",
                             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                            stdout=log, stderr=subprocess.STDOUT, preexec_fn=raise_nofile)

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/healthy", timeout=1):
                return True
        except OSError:
            return False
    try:
        wait_for("blackbox_exporter", healthy, 10)
        result = run_json([os.path.join(args.build, "bench", "planb_bench_blackbox_driver"),
                           "--exporter", f"127.0.0.1:{port}", "--pid", str(proc.pid),
                           "--endpoints-file", server.ports_file,
                           "--interval-ms", str(args.interval_ms),
                           "--warmup-s", str(args.warmup_s), "--duration-s", str(args.duration_s),
                           "--connections", str(args.connections)], "blackbox_exporter")
        result["version"] = version
        return result
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def table(m, planb, blackbox, failover, mass):
    rows = []
    if planb:
        rows += [
            ("probe engine: probes/s achieved (interval "
             f"{planb['interval_ms']} ms, {planb['endpoints']} endpoints)",
             "≥ 10,000 on one core", fmt(planb["probes_per_s"], ",.0f")),
            ("probe engine: CPU-s per 1,000 probes", "≤ 0.1 (10,000/s on one core)",
             fmt(planb["cpu_s_per_1000"], ".4f")),
            ("probe engine: share of one core", "", fmt(planb["cpu_s"] / planb["window_s"] * 100,
                                                         ".0f") + " %"),
            ("probe engine: probes/s one core sustains at that CPU per probe", "≥ 10,000",
             fmt(1000 / planb["cpu_s_per_1000"] if planb["cpu_s_per_1000"] else None, ",.0f")),
            ("probe engine: scheduling lateness p50 / p99", "p99 ≤ 100 ms",
             f"{planb['lateness_p50_ms']:.2f} / {planb['lateness_p99_ms']:.2f} ms"),
            (f"resident memory with {planb['endpoints']} endpoints (VmRSS / VmHWM)", "≤ 64 MiB",
             f"{planb['vm_rss_kib'] / 1024:.1f} / {planb['vm_hwm_kib'] / 1024:.1f} MiB"),
            ("probe failures in the window", "0", str(planb["failures"])),
        ]
    if blackbox:
        rows += [
            ("blackbox_exporter: probes/s achieved", "same rate",
             fmt(blackbox["probes_per_s"], ",.0f")),
            ("blackbox_exporter: CPU-s per 1,000 probes", "", fmt(blackbox["cpu_s_per_1000"], ".4f")),
            ("blackbox_exporter: resident memory (VmHWM)", "",
             f"{blackbox['vm_hwm_kib'] / 1024:.1f} MiB"),
        ]
        if planb and blackbox["cpu_s_per_1000"] > 0:
            ratio = planb["cpu_s_per_1000"] / blackbox["cpu_s_per_1000"]
            rows.append(("planb CPU per probe / blackbox_exporter's", "≤ 1/5 (0.20)",
                         f"{ratio:.3f} (1/{1 / ratio:.1f})"))
    if failover:
        rows += [
            (f"failover overhead, fall-th failed probe → every verify server "
             f"({failover['samples']} samples)", "p50 ≤ 50 ms, p99 ≤ 250 ms",
             f"p50 {failover['overhead_ms']['p50']:.1f} ms, p99 "
             f"{failover['overhead_ms']['p99']:.1f} ms"),
            ("end to end, fault → DNS changed everywhere (500 ms / 200 ms / fall 3)", "≤ 2 s",
             f"p50 {failover['end_to_end_ms']['p50']:.0f} ms, max "
             f"{failover['end_to_end_ms']['max']:.0f} ms"),
        ]
    if mass:
        for provider, r in mass["providers"].items():
            served = (f"{r['from_decision_s']:.2f} s" if r["from_decision_s"] is not None else
                      f"{r['served']}/{mass['records']} after {mass['timeout_s']:g} s")
            rows.append((f"mass failover, {mass['records']} records: {provider}, decision → "
                         f"every record served; most requests in 1 s",
                         f"≤ {r['target_s']:g} s; within ceiling",
                         f"{served}; {r['max_per_s']}/s, {r['beyond_ceiling']} beyond"
                         f"{'' if r['met'] else '  MISSED'}"))
    width = max(len(r[0]) for r in rows)
    twidth = max(len(r[1]) for r in rows)
    print(f"\nplanb benchmarks, {m['date']}, {m['nproc']} CPUs ({m['cpu']}), load average "
          f"before {' '.join(m['loadavg_before'])}, after {' '.join(m['loadavg_after'])}")
    print(f"{'what':<{width}}  {'target':<{twidth}}  measured")
    print(f"{'-' * width}  {'-' * twidth}  --------")
    for what, target, value in rows:
        print(f"{what:<{width}}  {target:<{twidth}}  {value}")


def prioritise(nice):
    """Runs the benchmark, and every process it starts, at `nice` — also against other
    sessions: with autogroup scheduling a nice value only counts within a session, so the
    benchmark becomes a session of its own and sets that session's niceness too. Without the
    privilege to do so it runs as it is (say so in the figures)."""
    try:
        os.setsid()
    except OSError:
        pass  # already a session (or group) leader: scripts/bench starts us with setsid
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:
        pass  # no autogroup scheduling, or not allowed
    try:
        os.nice(nice - os.nice(0))
    except OSError:
        print(f"(cannot change niceness to {nice}; running at {os.nice(0)})", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--endpoints", type=int, default=10000)
    parser.add_argument("--interval-ms", type=int, default=1000)
    parser.add_argument("--warmup-s", type=float, default=3)
    parser.add_argument("--duration-s", type=float, default=30)
    parser.add_argument("--connections", type=int, default=256,
                        help="keep-alive connections from the driver to blackbox_exporter")
    parser.add_argument("--failover-samples", type=int, default=20)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["planb", "blackbox", "failover", "mass"])
    parser.add_argument("--mass-records", type=int, default=1000)
    parser.add_argument("--mass-timeout-s", type=float, default=120)
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--nice", type=int, default=-10,
                        help="niceness of the benchmark, its servers and its session (default "
                             "-10: ahead of other work on a shared machine; needs privilege, "
                             "else ignored)")
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    prioritise(args.nice)

    m = machine()
    planb = blackbox = failover = mass = None
    directory = tempfile.mkdtemp(prefix="planb-bench-")
    try:
        if "planb" not in args.skip or "blackbox" not in args.skip:
            server = EndpointServer(os.path.join(args.build, "bench", "planb_bench_endpoints"),
                                    args.endpoints, directory)
            try:
                if "planb" not in args.skip:
                    planb = run_json([os.path.join(args.build, "bench", "planb_probe_bench"),
                                      "--endpoints-file", server.ports_file,
                                      "--server-pid", str(server.proc.pid),
                                      "--interval-ms", str(args.interval_ms),
                                      "--warmup-s", str(args.warmup_s),
                                      "--duration-s", str(args.duration_s)], "planb probe engine")
                if "blackbox" not in args.skip:
                    blackbox = bench_blackbox(args, server, directory)
            finally:
                server.stop()
        if "failover" not in args.skip:
            failover = run_json([sys.executable, os.path.join(ROOT, "bench", "failover_bench.py"),
                                 os.path.join(args.build, "daemon", "planbd"), "--samples",
                                 str(args.failover_samples)], "failover")
        if "mass" not in args.skip:
            mass = run_json([sys.executable, os.path.join(ROOT, "bench", "mass_failover_bench.py"),
                             os.path.join(args.build, "daemon", "planbd"), "--records",
                             str(args.mass_records), "--timeout-s", str(args.mass_timeout_s)],
                            "mass failover")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    m["autogroup"] = open("/proc/self/autogroup").read().strip() if os.path.exists(
        "/proc/self/autogroup") else None
    m["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    table(m, planb, blackbox, failover, mass)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": m, "planb": planb, "blackbox": blackbox, "failover": failover,
                       "mass_failover": mass}, f, indent=2)


if __name__ == "__main__":
    main()
