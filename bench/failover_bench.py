#!/usr/bin/env python3
"""Failover benchmark (product.md §8) against a real BIND9 and PowerDNS on loopback.

Starts the e2e world of tests/e2e/world.py (named + pdns_server + vendor endpoints + planbd,
written to by an rfc2136 and a powerdns provider, both servers listed as verify_servers), with
probes every 500 ms, timeout 200 ms, fall 3. Then, --samples times: stops vendor A's endpoints
and measures
  * end to end: fault injected -> every verify server answers vendor B's CNAME
  * failover overhead: the fall-th failed probe (planbd's "health: probe ... -> unhealthy" line,
    millisecond wall-clock stamp) -> every verify server answers the new CNAME
both servers being polled directly with one UDP query each about every 2 ms; then restores
vendor A and waits for the automatic failback before the next sample.

Prints a summary on stderr and one JSON object on stdout.
    failover_bench.py PLANBD [--samples N]"""

import argparse
import contextlib
import datetime
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import world as e2e  # noqa: E402
from dns_wire import query  # noqa: E402


class BenchWorld(e2e.World):
    """The e2e world with product.md §8's probe settings and room for many flips."""

    def config(self, failback_after, hold_down, resync):
        text = super().config(failback_after, hold_down, resync)
        text = text.replace('timeout  = "300ms"', 'timeout  = "200ms"')
        text = text.replace("max_flips_per_hour = 20", "max_flips_per_hour = 10000")
        assert 'timeout  = "200ms"' in text and "max_flips_per_hour = 10000" in text
        return text


LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)")


def stamp(line):
    """The wall-clock time of a planbd log line, in seconds since the epoch."""
    m = LOG_STAMP.match(line)
    if not m:
        return None
    text = m.group(1)
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def wait_both(world, target, sock, deadline_s):
    """Polls both verify servers until each answers `target`; returns the wall time it held."""
    servers = [world.named.port, world.pdns.port]
    done = {}
    deadline = time.monotonic() + deadline_s
    while len(done) < len(servers):
        if time.monotonic() > deadline:
            raise AssertionError(f"verify servers did not answer {target} within {deadline_s}s")
        for port in servers:
            if port not in done and query(port, e2e.RECORD, sock) == target:
                done[port] = time.time()
        time.sleep(0.002)
    return max(done.values())


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("planbd")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()

    # world.py reports on stdout (a failure dumps planbd's log): keep stdout for the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        result = measure(args)
    print(json.dumps(result))


def measure(args):
    world = BenchWorld(args.planbd, failback_after="1s", hold_down="1s", resync="30s",
                       with_pdns=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    end_to_end, overhead, planbd_verify = [], [], []
    try:
        world.wait_verdicts()
        wait_both(world, e2e.A_TARGET, sock, 10)
        for i in range(args.samples):
            offset = len(world.planbd.log())
            fault = time.time()
            world.stop_vendor("a")
            changed = wait_both(world, e2e.B_TARGET, sock, 10)
            log = world.planbd.log()[offset:]
            fall = next((stamp(line) for line in log.splitlines()
                         if re.search(r"health: probe vendor-a/\S+ healthy -> unhealthy", line)),
                        None)
            verified = e2e.wait_for(
                "planbd to log the verification",
                lambda: re.search(r"answered by every verify server (\d+) ms",
                                  world.planbd.log()[offset:]), 5)
            if fall is None:
                raise AssertionError("no probe of vendor-a went unhealthy:\n" + log)
            end_to_end.append((changed - fault) * 1000)
            overhead.append((changed - fall) * 1000)
            planbd_verify.append(int(verified.group(1)))
            print(f"sample {i + 1}: end to end {end_to_end[-1]:.0f} ms, overhead "
                  f"{overhead[-1]:.1f} ms", file=sys.stderr)
            world.start_vendor("a")
            wait_both(world, e2e.A_TARGET, sock, 30)  # failback before the next sample
    except BaseException:
        world.failed = True
        raise
    finally:
        world.close()
    result = {
        "samples": len(end_to_end),
        "end_to_end_ms": {"p50": percentile(end_to_end, 0.5), "p99": percentile(end_to_end, 0.99),
                          "max": max(end_to_end)},
        "overhead_ms": {"p50": percentile(overhead, 0.5), "p99": percentile(overhead, 0.99),
                        "max": max(overhead)},
        "planbd_verify_ms": {"p50": percentile(planbd_verify, 0.5),
                             "max": max(planbd_verify)} if planbd_verify else None,
    }
    print(f"failover: {result['samples']} samples; end to end p50 "
          f"{result['end_to_end_ms']['p50']:.0f} ms, max {result['end_to_end_ms']['max']:.0f} ms; "
          f"overhead p50 {result['overhead_ms']['p50']:.1f} ms, p99 "
          f"{result['overhead_ms']['p99']:.1f} ms", file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
