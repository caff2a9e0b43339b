"""Fault injection: a flaky soak. Every vendor endpoint fails about 10 % of its probes at random
(503s, resets, answers later than the probe's timeout) and has latency spikes within the timeout,
for PLANB_SOAK_SECONDS (150 s by default; CI). planbd must change nothing: no DNS write on any of
the five providers, no dns_change in the audit log, planb_failovers_total absent or 0, every
record steady.

usage: soak.py PLANBD flaky_soak

What "at random" means here: each probe attempt fails with probability 10 %, except that an
endpoint never fails more than fall - 1 = 2 attempts in a row. Three failures in a row is, by the
configuration's own definition (fall = 3), an endpoint that is down, and then a failover is the
right answer, not a false one: independent 10 % failures would produce such a run every couple of
minutes across four probes. Everything short of that is noise that hysteresis must absorb."""

import http.server
import os
import random
import socket
import struct
import threading
import time

from faultworld import (A_TARGET, PROVIDERS, FaultWorld, free_port, hold_for, main,
                        seeded_random, wait_for)

FAIL_RATE = 0.10
SPIKE_RATE = 0.15      # latency spikes that still answer within the timeout
MAX_RUN = FaultWorld.FALL - 1
# Longer than world.py's 300 ms: a spike of 150 ms must not turn into a timeout on a loaded CI
# machine, or the soak would measure the machine rather than planbd.
PROBE_TIMEOUT = 0.45


class FlakyEndpoint:
    """An endpoint like world.Endpoint that fails ~10 % of its requests in one of three ways."""

    def __init__(self, name, rng):
        self.name = name
        self.rng = rng
        self.port = free_port()
        self.requests = 0
        self.failures = {"503": 0, "reset": 0, "late": 0}
        self.spikes = 0
        self.run = 0
        self.lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with endpoint.lock:
                    endpoint.requests += 1
                    fail = endpoint.run < MAX_RUN and endpoint.rng.random() < FAIL_RATE
                    endpoint.run = endpoint.run + 1 if fail else 0
                    how = endpoint.rng.choice(("503", "reset", "late")) if fail else None
                    spike = not fail and endpoint.rng.random() < SPIKE_RATE
                    delay = endpoint.rng.uniform(0.05, 0.15) if spike else 0
                    if how:
                        endpoint.failures[how] += 1
                    if spike:
                        endpoint.spikes += 1
                if how == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                if how == "late":
                    time.sleep(PROBE_TIMEOUT + 0.25)
                time.sleep(delay)
                body = b"down" if how == "503" else b"ok"
                try:
                    self.send_response(503 if how == "503" else 200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/healthz"

    def injected(self):
        return sum(self.failures.values())

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def start(self):
        raise AssertionError("a flaky endpoint is never restarted")


class SoakWorld(FaultWorld):
    def config(self, failback_after, hold_down, resync):
        rng = seeded_random("flaky_soak")
        for name in list(self.endpoints):
            self.endpoints[name].stop()
            self.endpoints[name] = FlakyEndpoint(name, random.Random(rng.random()))
        text = super().config(failback_after, hold_down, resync)
        assert 'timeout  = "300ms"' in text
        text = text.replace('timeout  = "300ms"', f'timeout  = "{int(PROBE_TIMEOUT * 1000)}ms"')
        # a2 is a tcp probe in world.py: an http one here, so it meets the same faults.
        tcp = f'type    = "tcp"\n  address = "127.0.0.1:{self.endpoints["a2"].port}"'
        assert tcp in text
        return text.replace(tcp, f'type    = "http"\n  url     = "{self.endpoints["a2"].url}"')


def scenario_flaky_soak(world):
    seconds = float(os.environ.get("PLANB_SOAK_SECONDS", "150"))
    world.wait_verdicts()
    wait_for("every provider to serve vendor A",
             lambda: set(world.served().values()) == {A_TARGET}, 10)
    serial = world.named.soa_serial()
    started = time.monotonic()
    checks = 0

    def steady():
        nonlocal checks
        checks += 1
        assert world.planbd.proc.poll() is None, "planbd exited during the soak"
        assert world.named.soa_serial() == serial, "named's zone changed during the soak"
        served = world.served()
        assert set(served.values()) == {A_TARGET}, f"a provider moved: {served}"
        assert world.metric_sum("planb_failovers_total") == 0, "planb_failovers_total grew"
        return True

    # The soak itself is the "nothing happens" window: its length is the parameter under test.
    hold_for(seconds, "the soak changed something", steady, interval=1.0)
    elapsed = time.monotonic() - started

    world.assert_alive("after the soak")
    changes = [e for e in world.audit() if e.get("type") == "dns_change"]
    assert not changes, f"dns_change in the audit log: {changes}"
    record = world.status()["records"][0]
    assert record["served"] == "vendor-a" and record["rule"] == "steady", record
    probes = sum(e.requests for e in world.endpoints.values())
    injected = sum(e.injected() for e in world.endpoints.values())
    spikes = sum(e.spikes for e in world.endpoints.values())
    failed = world.metric_sum("planb_probe_results_total") - world.metric_sum(
        "planb_probe_results_total", result="success")
    kinds = {k: sum(e.failures[k] for e in world.endpoints.values()) for k in ("503", "reset",
                                                                               "late")}
    print(f"FIGURES soak_s={elapsed:.0f} probes={probes} faults_injected={injected} "
          f"({injected / max(probes, 1):.1%}; {kinds}) latency_spikes={spikes} "
          f"probe_failures_seen={failed:.0f} false_flips=0 dns_writes=0 checks={checks} "
          f"providers={len(PROVIDERS)}")
    assert injected >= probes * 0.05, "the soak hardly injected any fault"


if __name__ == "__main__":
    main(globals(), lambda planbd, scenario: SoakWorld(planbd, hold_down="1s", resync="3s"))
