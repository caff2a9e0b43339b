"""Fault injection: random packet loss on the path to a vendor, in a network namespace this test
makes (the build machines have no netem, but nftables can drop packets at random).

Vendor A's endpoint runs inside a new namespace, reached from planbd over a veth pair
(198.18.x.0/30, a benchmarking range that never leaves the namespace). An nftables rule there
drops LOSS_PERCENT % of the packets arriving for the endpoint, at random (numgen random).

- With 10 % loss for PLANB_NETNS_SECONDS (45 s by default), nothing changes: TCP retransmits a
  lost segment within the probe's timeout (1.5 s, longer than the 1 s SYN retransmit), and the
  rare probe that still fails is absorbed by fall = 3. No DNS write, no dns_change in the audit
  log, planb_failovers_total 0.
- With 100 % loss (the same rule, the vendor's network gone) the record fails over within
  interval x fall + timeout + 2 s: the loss is real, and it is detected.

Needs root (ip netns, nft); without the permission it exits 77 with a clear message.

usage: netns_loss.py PLANBD random_loss_in_a_namespace_moves_nothing_and_an_outage_fails_over"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from world import B_TARGET, World, run_scenario, wait_for  # noqa: E402

LOSS_PERCENT = 10
PORT = 8080  # inside the namespace, which has nothing else
INTERVAL_S, TIMEOUT_S, FALL = 2.0, 1.5, 3


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def run(*command, check=True):
    return subprocess.run(command, capture_output=True, text=True, check=check)


class Namespace:
    """A network namespace with vendor A's endpoint behind a veth pair, and an nftables table
    that drops packets to it at random."""

    def __init__(self):
        tag = os.getpid() % 10000
        self.name = f"planb-loss-{tag}"
        self.host_if, self.ns_if = f"pl{tag}h", f"pl{tag}n"
        octet = tag % 250
        self.host_ip, self.ns_ip = f"198.18.{octet}.1", f"198.18.{octet}.2"
        if os.geteuid() != 0:
            skip("random packet loss needs root for ip netns and nft")
        for tool in ("ip", "nft"):
            if run("sh", "-c", f"command -v {tool} || test -x /usr/sbin/{tool}", check=False).returncode:
                skip(f"{tool} is not installed: run scripts/setup")
        made = run("ip", "netns", "add", self.name, check=False)
        if made.returncode:
            skip(f"ip netns add is not permitted here: {made.stderr.strip()}")
        self.server = None
        try:
            run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
                "netns", self.name)
            run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            run("ip", "link", "set", self.host_if, "up")
            self.ns("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            self.ns("ip", "link", "set", self.ns_if, "up")
            self.ns("ip", "link", "set", "lo", "up")
            self.ns("nft", "add", "table", "inet", "planb")
            self.ns("nft", "add", "chain", "inet", "planb", "input",
                    "{ type filter hook input priority 0; }")
            self.set_loss(LOSS_PERCENT)
            self.server = subprocess.Popen(
                ["ip", "netns", "exec", self.name, sys.executable, "-c", SERVER, self.ns_ip,
                 str(PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            self.close()
            raise

    def ns(self, *command):
        return run("ip", "netns", "exec", self.name, *command)

    def set_loss(self, percent):
        """Drops PERCENT % of the packets to the endpoint's port, at random."""
        self.ns("nft", "flush", "chain", "inet", "planb", "input")
        # numgen's values are 0..99, and nft refuses "< 100" as always true: all is plain drop.
        chance = ("numgen", "random", "mod", "100", "<", str(percent)) if percent < 100 else ()
        self.ns("nft", "add", "rule", "inet", "planb", "input", "tcp", "dport", str(PORT), *chance,
                "counter", "drop")

    def dropped(self):
        out = self.ns("nft", "list", "chain", "inet", "planb", "input").stdout
        words = out.split()
        return int(words[words.index("packets") + 1]) if "packets" in words else 0

    @property
    def url(self):
        return f"http://{self.ns_ip}:{PORT}/healthz"

    def close(self):
        if self.server and self.server.poll() is None:
            self.server.kill()
            self.server.wait()
        run("ip", "netns", "del", self.name, check=False)  # takes the veth pair with it
        run("ip", "link", "del", self.host_if, check=False)


SERVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""


class LossWorld(World):
    """world.World with vendor A's two probes aimed into the namespace and probe timing that
    lets TCP recover a lost segment within the timeout."""

    def __init__(self, planbd, namespace):
        self.namespace = namespace
        super().__init__(planbd, hold_down="1s")

    def config(self, failback_after, hold_down, resync):
        text = super().config(failback_after, hold_down, resync)
        text = text.replace(self.endpoints["a1"].url, self.namespace.url)
        text = text.replace(f'address = "127.0.0.1:{self.endpoints["a2"].port}"',
                            f'address = "{self.namespace.ns_ip}:{PORT}"')
        text = text.replace('interval = "500ms"', f'interval = "{int(INTERVAL_S * 1000)}ms"')
        return text.replace('timeout  = "300ms"', f'timeout  = "{int(TIMEOUT_S * 1000)}ms"')

    def target_health(self, name):
        targets = json.loads(self.ctl("--json", "status").stdout or "{}").get("targets", [])
        return next((t["health"] for t in targets if t["name"] == name), None)

    def failovers(self):
        status, text = self.http_get("/metrics")
        return sum(float(line.split()[-1]) for line in text.splitlines()
                   if line.startswith("planb_failovers_total{"))


def scenario_random_loss_in_a_namespace_moves_nothing_and_an_outage_fails_over(world):
    ns = world.namespace
    world.wait_verdicts()
    wait_for("vendor-a healthy through the namespace", lambda: world.target_health("vendor-a") ==
             "healthy", 20)
    seconds = float(os.environ.get("PLANB_NETNS_SECONDS", "45"))
    serial = world.named.soa_serial()
    started = time.monotonic()
    # The window: long enough for ~45 attempts per probe at 10 % loss; a flip would show at once.
    while time.monotonic() - started < seconds:
        assert world.named.soa_serial() == serial, "DNS was written under 10 % packet loss"
        time.sleep(0.5)
    dropped = ns.dropped()
    assert dropped > 0, "the nftables rule dropped nothing: the loss was not injected"
    assert world.failovers() == 0, "planb_failovers_total moved under 10 % packet loss"
    assert "dns_change" not in world.ctl("--json", "history").stdout
    print(f"FIGURES loss={LOSS_PERCENT}% seconds={seconds:.0f} packets_dropped={dropped} "
          f"dns_writes=0 failovers=0")

    ns.set_loss(100)
    cut = time.monotonic()
    bound = INTERVAL_S * FALL + TIMEOUT_S + 2
    wait_for("the failover to vendor B", lambda: world.named.cname() == B_TARGET, bound + 5)
    took = time.monotonic() - cut
    assert took <= bound, f"failover took {took:.2f}s, bound {bound:.1f}s"
    print(f"FIGURES outage_failover_s={took:.2f} bound_s={bound:.1f}")


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    namespace = Namespace()
    try:
        world = LossWorld(planbd, namespace)
        run_scenario(scenario, globals()[f"scenario_{scenario}"], world)
    finally:
        namespace.close()


if __name__ == "__main__":
    main()
