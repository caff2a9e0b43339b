#!/usr/bin/env python3
"""Two targets of product.md §8 that need planbd itself:

- start to READY=1 with 1,000 endpoints: planbd is started with a NOTIFY_SOCKET of ours and a
  configuration of 1,000 tcp probes; the time is from spawning it to receiving READY=1;
- plan for 5,000 records x 2 providers: a configuration of 5,000 records in one zone on two
  rfc2136 providers; the time of GET /v1/plan on the admin socket (10,000 rows, what
  `planbctl plan` asks), and of the whole `planbctl --json plan` process.

The providers point at loopback ports nothing listens on: the plan is built from what planbd
knows, it sends nothing. Beside each start's wall time it reports the CPU planbd used until
READY=1 (user + system, all threads, from /proc), which a loaded machine inflates far less.
Like run_bench.py it runs at autogroup niceness -10 (--nice) on a shared machine.
Usage: startup_plan_bench.py PLANBD PLANBCTL [--runs N] [--nice N] [--json FILE]"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from run_bench import prioritise


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_config(directory, endpoints, records):
    key = os.path.join(directory, "tsig.key")
    with open(key, "w") as f:
        f.write('key "planb" {\n  algorithm hmac-sha256;\n'
                '  secret "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";\n};\n')
    os.chmod(key, 0o600)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    lines = [f"""
[daemon]
state_dir      = "{directory}/state"
admin_socket   = "{directory}/admin.sock"
metrics_listen = "127.0.0.1:{free_port()}"
log_level      = "warn"

[probe_defaults]
interval = "1s"
timeout  = "500ms"
"""]
    for name in ("p1", "p2"):
        lines.append(f"""
[[provider]]
name          = "{name}"
type          = "rfc2136"
server        = "127.0.0.1:{free_port()}"
tsig_key_file = "{key}"
""")
    lines.append('\n[[zone]]\nname = "example.test"\nproviders = ["p1", "p2"]\n')
    per_target = max(1, endpoints // 2)
    for t in ("a", "b"):
        lines.append(f'\n[[target]]\nname = "{t}"\nvendor = "vendor-{t}"\n'
                     f'cname = "app.{t}.example.net"\nhealthy_when = "any"\n')
        for i in range(per_target):
            lines.append(f'  [[target.probe]]\n  name = "{t}{i}"\n  region = "r{i % 4}"\n'
                         f'  type = "tcp"\n  address = "127.0.0.1:{port}"\n')
    for i in range(records):
        lines.append(f'\n[[record]]\nname = "www{i}.example.test"\nzone = "example.test"\n'
                     f'targets = ["a", "b"]\n')
    path = os.path.join(directory, "planb.toml")
    with open(path, "w") as f:
        f.write("".join(lines))
    return path, listener


def cpu_ms(pid):
    """User + system CPU of process PID (all its threads) so far, in milliseconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def stop(proc):
    """SIGTERM, then SIGKILL after 10 s: planbd's stop waits for the provider calls already
    queued, and thousands of reads of servers that never answer outlast any patience."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def start_to_ready(planbd, endpoints, runs):
    times, cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="planb-bench-") as directory:
            config, listener = write_config(directory, endpoints, 1)
            notify_path = os.path.join(directory, "notify.sock")
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(notify_path)
            notify.settimeout(10)
            started = time.monotonic()
            proc = subprocess.Popen([planbd, "--config", config],
                                    env=dict(os.environ, NOTIFY_SOCKET=notify_path),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while True:
                    if b"READY=1" in notify.recv(4096):
                        times.append((time.monotonic() - started) * 1000)
                        cpu.append(cpu_ms(proc.pid))
                        break
            finally:
                stop(proc)
                listener.close()
    return times, cpu


def ask(socket_path, target):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(socket_path)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: planbd\r\nConnection: close\r\n\r\n".encode())
    # Chunks joined once: appending each to a growing bytes object copied the 2.7 MB answer
    # about 40 times over and charged some 10 ms of this client's own work to planbd.
    chunks = []
    while chunk := s.recv(1 << 16):
        chunks.append(chunk)
    s.close()
    return b"".join(chunks)


def plan(planbd, planbctl, records, runs):
    with tempfile.TemporaryDirectory(prefix="planb-bench-") as directory:
        config, listener = write_config(directory, 2, records)
        sock = os.path.join(directory, "admin.sock")
        proc = subprocess.Popen([planbd, "--config", config],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(sock):
                if time.monotonic() > deadline:
                    raise RuntimeError("planbd did not open its admin socket within 30 s")
                time.sleep(0.05)
            api, ctl, rows = [], [], 0
            for _ in range(runs):
                t0 = time.monotonic()
                body = ask(sock, "/v1/plan")
                api.append((time.monotonic() - t0) * 1000)
                t0 = time.monotonic()
                out = subprocess.run([planbctl, "--socket", sock, "--json", "plan"],
                                     capture_output=True, check=True).stdout
                ctl.append((time.monotonic() - t0) * 1000)
                rows = len(json.loads(out)["changes"])
            assert b"200 OK" in body.split(b"\r\n")[0], body[:200]
            return api, ctl, rows
        finally:
            stop(proc)
            listener.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("planbd")
    parser.add_argument("planbctl")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--nice", type=int, default=-10)
    parser.add_argument("--json")
    args = parser.parse_args()
    prioritise(args.nice)
    load_before = os.getloadavg()
    ready, ready_cpu = start_to_ready(args.planbd, args.endpoints, args.runs)
    api, ctl, rows = plan(args.planbd, args.planbctl, args.records, args.runs)
    load_after = os.getloadavg()
    result = {
        "start_to_ready_ms": {"p50": statistics.median(ready), "max": max(ready),
                              "endpoints": args.endpoints, "runs": len(ready)},
        "start_to_ready_cpu_ms": {"p50": statistics.median(ready_cpu), "max": max(ready_cpu)},
        "loadavg": {"before": load_before, "after": load_after},
        "plan_api_ms": {"p50": statistics.median(api), "max": max(api), "rows": rows,
                        "each": api},
        "planbctl_plan_ms": {"p50": statistics.median(ctl), "max": max(ctl)},
    }
    print(f"| start to READY=1, {args.endpoints} endpoints | <= 200 ms | "
          f"p50 {result['start_to_ready_ms']['p50']:.0f} ms, max {max(ready):.0f} ms "
          f"({len(ready)} starts); CPU until READY p50 {statistics.median(ready_cpu):.0f} ms |")
    print(f"| plan, {args.records} records x 2 providers ({rows} rows), GET /v1/plan | <= 50 ms | "
          f"p50 {result['plan_api_ms']['p50']:.0f} ms, max {max(api):.0f} ms |")
    print(f"| the same through `planbctl --json plan` (a process) | | "
          f"p50 {result['planbctl_plan_ms']['p50']:.0f} ms, max {max(ctl):.0f} ms |")
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
