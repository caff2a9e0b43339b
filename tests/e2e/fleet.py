"""A fleet world for end-to-end tests of fleet mode (product.md §9): a real etcd on loopback, a
real BIND9 and PowerDNS, vendor endpoints, and three planbd nodes sharing them, each with its own
config, state_dir, admin socket, metrics port and [cluster] section.

Every node reaches each vendor endpoint through its own fault proxy (node.paths["a1"], ...), so a
test can cut one node's path to a vendor while the others still see it; and each node reaches the
PowerDNS API through its own fault proxy (node.pdns_proxy), so a test can count each node's PATCH
requests and refuse one node's writes; and etcd through its own fault proxy (node.etcd_proxy), so a
test can partition one node from etcd (node.cut_etcd()). BIND is written by rfc2136 directly.

Python standard library only; builds on world.py."""

import base64
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from fault_proxy import FaultProxy
from world import (A_TARGET, B_TARGET, RECORD, ZONE, Endpoint, Named, Pdns, Planbd, free_port,
                   require, wait_for)

WWW = "www.example.test"


def http_json(url, body=None, timeout=2):
    """POST BODY (or GET) to URL and parse the JSON reply; None when it cannot be had."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read() or b"{}")
    except (OSError, ValueError, urllib.error.HTTPError):
        return None


def b64(text):
    return base64.b64encode(text.encode()).decode()


def prefix_end(prefix):
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Etcd:
    """One etcd 3.4 member on loopback (real-servers.md §5): a clean environment, its own data
    dir and client/peer ports, readiness on /health with a bound, stopped by PID. start() again
    after stop() reuses the same data dir and ports."""

    def __init__(self, directory):
        self.dir = os.path.join(directory, "etcd")
        os.makedirs(self.dir)
        self.data_dir = os.path.join(self.dir, "data")
        self.port = free_port()
        self.peer_port = free_port()
        self.log_path = os.path.join(self.dir, "etcd.log")
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        # etcd reads ETCD_* variables as flags and aborts when one shadows a flag given here.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD_")}
        if platform.machine() in ("aarch64", "arm64"):
            env["ETCD_UNSUPPORTED_ARCH"] = "arm64"
        peer = f"http://127.0.0.1:{self.peer_port}"
        command = [require("etcd"), "--name", "planb-e2e", "--data-dir", self.data_dir,
                   "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                   "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                   "--initial-cluster", f"planb-e2e={peer}"]
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"etcd exited {self.proc.returncode}:\n{self.log()}")
            return (http_json(self.url + "/health") or {}).get("health") == "true"

        wait_for("etcd to answer /health", ready, 10)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.running():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def keys(self, prefix):
        """Every key under PREFIX with its value (decoded), or None when etcd does not answer."""
        reply = http_json(self.url + "/v3/kv/range",
                          {"key": b64(prefix), "range_end": b64(prefix_end(prefix))})
        if reply is None:
            return None
        return {base64.b64decode(kv["key"]).decode(errors="replace"):
                base64.b64decode(kv.get("value", "")).decode(errors="replace")
                for kv in reply.get("kvs", [])}


class Node:
    """One planbd of the fleet, with its own directory, config, proxies and planbd process."""

    VENDOR_ENDPOINTS = ("a1", "a2", "b1", "b2")

    def __init__(self, fleet, index):
        self.fleet = fleet
        self.name = f"node-{index}"
        self.dir = os.path.join(fleet.dir, self.name)
        os.makedirs(self.dir)
        self.state_dir = os.path.join(self.dir, "state")
        self.socket = os.path.join(self.dir, "admin.sock")
        self.metrics_port = free_port()
        self.config_path = os.path.join(self.dir, "planb.toml")
        self.paths = {n: FaultProxy(fleet.endpoints[n].port, name=f"{self.name}->{n}").start()
                      for n in self.VENDOR_ENDPOINTS}
        self.pdns_proxy = FaultProxy(fleet.pdns.api_port, name=f"{self.name}->pdns-api").start()
        self.etcd_proxy = FaultProxy(fleet.etcd.port, name=f"{self.name}->etcd").start()
        self.env = None  # extra environment for planbd (set before start())
        with open(self.config_path, "w") as f:
            f.write(fleet.config(self))
        self.planbd = None
        self.killed = False  # by kill -9 and not started again: no clean exit to expect

    # ---- process ----

    def start(self):
        if self.planbd is None:
            self.planbd = Planbd(self.fleet.binary, self.config_path, self.dir, env=self.env)
        else:
            self.planbd.start()
        self.killed = False

    def running(self):
        return self.planbd is not None and self.planbd.proc.poll() is None

    def kill9(self):
        self.planbd.kill9()
        self.killed = True

    def pause(self):
        self.planbd.signal(signal.SIGSTOP)

    def resume(self):
        self.planbd.signal(signal.SIGCONT)

    def stop(self):
        """SIGTERM; the exit code, or None when there is no clean exit to expect."""
        if self.planbd is None or self.killed:
            return None
        self.resume()  # a paused planbd cannot act on SIGTERM
        return self.planbd.stop()

    # ---- reading it ----

    def ctl(self, *args):
        planbctl = os.path.join(os.path.dirname(self.fleet.binary), "planbctl")
        return subprocess.run([planbctl, "--socket", self.socket, *args], capture_output=True,
                              text=True, timeout=30)

    def status(self):
        """`planbctl --json status` (asserts it answers)."""
        return json.loads(ok(self.ctl("--json", "status")).stdout)

    def status_now(self):
        """GET /v1/status on the metrics port: the same document, cheap enough to poll; None
        while planbd does not answer."""
        return http_json(f"http://127.0.0.1:{self.metrics_port}/v1/status", timeout=1)

    def cluster(self):
        status = self.status_now()
        return status.get("cluster") if status else None

    def view(self, of=None, status=None):
        """This node's status entry for node OF (default: itself) in cluster.nodes."""
        status = status or self.status_now() or {}
        nodes = (status.get("cluster") or {}).get("nodes") or []
        return next((n for n in nodes if n.get("node") == (of or self.name)), None)

    def record(self, status=None):
        status = status or self.status()
        return next(r for r in status["records"] if r["name"].rstrip(".") == WWW)

    def history(self, limit=200):
        return json.loads(ok(self.ctl("--json", "history", "--limit", str(limit))).stdout)["entries"]

    def metrics(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics",
                                        timeout=2) as reply:
                return reply.read().decode()
        except OSError:
            return None

    def metric(self, name, labels=None, text=None):
        """The value of NAME{LABELS} on /metrics, None when absent."""
        text = text if text is not None else self.metrics() or ""
        for line in text.splitlines():
            if not (line.startswith(name + "{") or line.startswith(name + " ")):
                continue
            if all(f'{k}="{v}"' in line for k, v in (labels or {}).items()):
                return float(line.rsplit(" ", 1)[1])
        return None

    def log(self, since=0):
        """planbd's log from byte offset SINCE (see log_size())."""
        if not os.path.exists(self.dir + "/planbd.log"):
            return ""
        with open(self.dir + "/planbd.log", errors="replace") as f:
            f.seek(since)
            return f.read()

    def log_size(self):
        path = self.dir + "/planbd.log"
        return os.path.getsize(path) if os.path.exists(path) else 0

    def wait_log(self, pattern, timeout, since=0):
        regex = re.compile(pattern)
        return wait_for(f"{self.name} to log /{pattern}/",
                        lambda: regex.search(self.log(since)), timeout)

    def patches(self, since=None):
        """The PATCH requests this node sent to the PowerDNS API."""
        return self.pdns_proxy.requests("PATCH", since=since)

    def cut(self, vendor_prefix, mode="blackhole"):
        """Sets this node's paths to the endpoints named VENDOR_PREFIX* to MODE."""
        for name, proxy in self.paths.items():
            if name.startswith(vendor_prefix):
                proxy.set_mode(mode)

    def cut_etcd(self, mode="blackhole", **kwargs):
        """Sets this node's path to etcd to MODE (pass heals it)."""
        self.etcd_proxy.set_mode(mode, **kwargs)

    def close_proxies(self):
        for proxy in list(self.paths.values()) + [self.pdns_proxy, self.etcd_proxy]:
            proxy.stop()


def ok(result):
    assert result.returncode == 0, (result.args, result.returncode, result.stdout, result.stderr)
    return result


class Fleet:
    """etcd + named + PowerDNS + vendor A (a1, a2) and B (b1, b2) + three planbd nodes."""

    INTERVAL = 0.5
    FALL = 3
    LEASE_TTL = 2
    # The detection time: a fault becomes a verdict within interval x fall; +2 s of slack.
    DETECT = INTERVAL * FALL + 2.0

    def __init__(self, planbd_binary, nodes=3, providers=("bind", "pdns"), failback_after="1h",
                 hold_down="1s", resync="3s", pdns_api_key="pdns-api-key-fleet-6c2d9e41",
                 prefix="/planb-e2e/", cluster=True, start=True, lease_ttl=None):
        self.binary = planbd_binary
        self.cluster = cluster  # False: no [cluster] section (independent planbds, for debugging)
        self.providers = providers
        self.failback_after = failback_after
        self.hold_down = hold_down
        self.resync = resync
        self.prefix = prefix
        self.lease_ttl = lease_ttl or self.LEASE_TTL
        self.failed = False
        self.dir = tempfile.mkdtemp(prefix="planb-fleet-")
        self.etcd = self.named = self.pdns = None
        self.endpoints = {}
        self.nodes = []
        try:
            self.etcd = Etcd(self.dir)
            self.named = Named(self.dir, A_TARGET)
            self.pdns = Pdns(self.dir, A_TARGET, pdns_api_key)
            self.endpoints = {n: Endpoint(n) for n in Node.VENDOR_ENDPOINTS}
            self.nodes = [Node(self, i + 1) for i in range(nodes)]
            if start:
                self.start()
        except BaseException:
            self.failed = True
            self.close()
            raise

    # ---- config ----

    def config(self, node):
        p = node.paths
        zone_providers = "[" + ", ".join(f'"{n}"' for n in self.providers) + "]"
        verify = []
        if "bind" in self.providers:
            verify.append(f'"127.0.0.1:{self.named.port}"')
        if "pdns" in self.providers:
            verify.append(f'"127.0.0.1:{self.pdns.port}"')
        providers = ""
        if "bind" in self.providers:
            providers += f"""
[[provider]]
name          = "bind"
type          = "rfc2136"
server        = "127.0.0.1:{self.named.port}"
tsig_key_file = "{self.named.key_file}"
"""
        if "pdns" in self.providers:
            providers += f"""
[[provider]]
name         = "pdns"
type         = "powerdns"
api_url      = "http://127.0.0.1:{node.pdns_proxy.port}"
api_key_file = "{self.pdns.key_file}"
"""
        cluster = f"""
[cluster]
etcd_endpoints = ["http://127.0.0.1:{node.etcd_proxy.port}"]
node_name      = "{node.name}"
lease_ttl      = "{self.lease_ttl}s"
quorum         = "majority"
min_nodes      = 2
prefix         = "{self.prefix}"
""" if self.cluster else ""
        # Vendor A's probes are both http, so a blackholed path fails them both (a tcp probe
        # would only connect, which the proxy accepts).
        return f"""
[daemon]
state_dir       = "{node.state_dir}"
admin_socket    = "{node.socket}"
metrics_listen  = "127.0.0.1:{node.metrics_port}"
log_level       = "info"
resync_interval = "{self.resync}"
{cluster}
[probe_defaults]
interval = "500ms"
timeout  = "300ms"
rise     = 2
fall     = {self.FALL}

[guard]
hold_down          = "{self.hold_down}"
max_flips_per_hour = 20
all_unhealthy      = "keep"
{providers}
[[zone]]
name           = "{ZONE}"
providers      = {zone_providers}
verify_servers = [{", ".join(verify)}]

[[target]]
name         = "vendor-a"
vendor       = "vendor-a"
cname        = "{A_TARGET}"
healthy_when = "all"

  [[target.probe]]
  name   = "a1"
  region = "region-1"
  type   = "http"
  url    = "http://127.0.0.1:{p['a1'].port}/healthz"
  expect_status = [200]
  expect_body   = "ok"

  [[target.probe]]
  name   = "a2"
  region = "region-2"
  type   = "http"
  url    = "http://127.0.0.1:{p['a2'].port}/healthz"

[[target]]
name         = "vendor-b"
vendor       = "vendor-b"
cname        = "{B_TARGET}"
healthy_when = "any"

  [[target.probe]]
  name   = "b1"
  region = "region-1"
  type   = "http"
  url    = "http://127.0.0.1:{p['b1'].port}/healthz"

  [[target.probe]]
  name   = "b2"
  region = "region-2"
  type   = "http"
  url    = "http://127.0.0.1:{p['b2'].port}/healthz"

[[record]]
name           = "{WWW}"
zone           = "{ZONE}"
ttl            = 60
targets        = ["vendor-a", "vendor-b"]
failover_on    = "target"
failback       = "auto"
failback_after = "{self.failback_after}"
"""

    # ---- life cycle ----

    def start(self):
        """Starts node 1 first and gives it the time to lead, so the scenarios begin with a known
        leader (node-1) and two followers; then the others; then waits for the fleet to be
        ready."""
        first = self.nodes[0]
        if not self.cluster:
            for node in self.nodes:
                node.start()
            return wait_for("every node to serve vendor-a", lambda: all(
                [r.get("served") for r in (n.status_now() or {}).get("records", [])]
                == ["vendor-a"] for n in self.nodes), 20)
        first.start()
        try:
            first.wait_log(r"cluster: this node leads", 10)
        except AssertionError:
            print("note: node-1 alone did not log 'cluster: this node leads' within 10 s")
        for node in self.nodes[1:]:
            node.start()
        return self.wait_ready()

    def live(self, exclude=()):
        return [n for n in self.nodes if n.running() and n.name not in exclude]

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def wait_ready(self, timeout=20):
        """Every running node answers, sees etcd, sees every running node live with every target
        healthy, and they all agree on a leader. Returns the leader's name."""
        def ready():
            nodes = self.live()
            leaders = set()
            for node in nodes:
                status = node.status_now()
                cluster = (status or {}).get("cluster")
                if not cluster or not cluster.get("etcd_up") or not cluster.get("leader"):
                    return None
                if cluster.get("live_nodes") != len(nodes):
                    return None
                views = {v.get("node"): v for v in cluster.get("nodes") or []}
                for other in nodes:
                    view = views.get(other.name)
                    if not view or not view.get("live") or set(
                            (view.get("targets") or {}).values()) != {"healthy"}:
                        return None
                served = [r.get("served") for r in status["records"]]
                if served != ["vendor-a"]:
                    return None
                leaders.add(cluster["leader"])
            if len(leaders) != 1:
                return None
            leader = leaders.pop()
            return leader if (self.node(leader).cluster() or {}).get("leading") else None

        return wait_for("the fleet to be ready (every node live, healthy views, one leader)",
                        ready, timeout)

    def leader(self, among=None):
        """The leader named by the first node of AMONG (default: the running ones) that answers."""
        for node in among or self.live():
            cluster = node.cluster()
            if cluster is not None:
                return cluster.get("leader")
        return None

    def wait_leader(self, exclude=(), among=None, timeout=None):
        """Waits until every node of AMONG (default: running, not EXCLUDEd) names the same leader,
        not one of EXCLUDE, and that leader says it leads. Returns its name."""
        timeout = timeout if timeout is not None else self.LEASE_TTL + 2

        def agreed():
            nodes = among or self.live(exclude)
            names = set()
            for node in nodes:
                cluster = node.cluster()
                if cluster is None:
                    return None
                names.add(cluster.get("leader"))
            if len(names) != 1:
                return None
            name = names.pop()
            if name is None or name in exclude:
                return None
            return name if (self.node(name).cluster() or {}).get("leading") else None

        return wait_for(f"a leader other than {sorted(exclude)} agreed by "
                        f"{[n.name for n in (among or self.live(exclude))]}", agreed, timeout)

    def stop_vendor(self, prefix):
        for name, endpoint in self.endpoints.items():
            if name.startswith(prefix):
                endpoint.stop()

    def start_vendor(self, prefix):
        for name, endpoint in self.endpoints.items():
            if name.startswith(prefix):
                endpoint.start()

    # ---- DNS as served ----

    def served(self):
        """What each provider of the zone answers for www.example.test."""
        out = {}
        if "bind" in self.providers:
            out["bind"] = self.named.cname()
        if "pdns" in self.providers:
            out["pdns"] = self.pdns.cname()
        return out

    def serves(self, target):
        return all(v == target for v in self.served().values())

    def patches(self, since=None):
        """Every node's PATCH requests to PowerDNS: {node name: [request, ...]}."""
        return {n.name: n.patches(since) for n in self.nodes}

    def dns_changes(self, node=None):
        """The dns_change entries of the fleet's audit log, as `planbctl history` on NODE shows it
        (default: the first running node)."""
        node = node or self.live()[0]
        return [e for e in node.history() if e.get("type") == "dns_change"]

    # ---- secrets ----

    def secrets(self):
        tsig = re.search(r'secret "([^"]+)"', open(self.named.key_file).read()).group(1)
        return [tsig, self.pdns.api_key]

    def assert_no_secret(self):
        """No secret in any node's log or state files, nor under the fleet's prefix in etcd."""
        secrets = self.secrets()
        places = []
        for node in self.nodes:
            places.append((f"{node.name}'s log", node.log()))
            if os.path.isdir(node.state_dir):
                for name in os.listdir(node.state_dir):
                    path = os.path.join(node.state_dir, name)
                    if os.path.isfile(path):
                        places.append((f"{node.name}'s {name}",
                                       open(path, errors="replace").read()))
        keys = dict(getattr(self, "etcd_keys", {}))
        if self.etcd and self.etcd.running():
            keys.update(self.etcd.keys(self.prefix) or {})
        places += [(f"etcd key {k}", k + "\n" + v) for k, v in keys.items()]
        for what, text in places:
            for secret in secrets:
                assert secret not in text, f"a secret appears in {what}"

    # ---- teardown ----

    def dump(self):
        for node in self.nodes:
            print(f"---- {node.name} log ----")
            print(node.log())
            for proxy in [node.pdns_proxy] + list(node.paths.values()):
                if proxy.requests("PATCH") or proxy.stats()["refused"]:
                    print(proxy.describe())
        if self.etcd:
            print("---- etcd log (tail) ----")
            print("\n".join(self.etcd.log().splitlines()[-40:]))
            keys = self.etcd.keys(self.prefix) if self.etcd.running() else None
            if keys is not None:
                print(f"---- etcd keys under {self.prefix} ----")
                for k, v in sorted(keys.items()):
                    print(f"{k} = {v[:300]}")

    def close(self):
        """Stops every node (returns {name: exit code} of those that should exit cleanly), checks
        that no secret leaked, stops everything else; keeps the files when the test failed."""
        codes = {}
        # The fleet's keys in etcd, read while the nodes still hold their leases (a lease's keys
        # go with it), for the secret check.
        self.etcd_keys = (self.etcd.keys(self.prefix) if self.etcd and self.etcd.running()
                          else None) or {}
        try:
            for node in self.nodes:
                try:
                    codes[node.name] = node.stop()
                except AssertionError as e:
                    codes[node.name] = str(e)
            if any(code not in (0, None) for code in codes.values()):
                self.failed = True
            self.assert_no_secret()
        except BaseException:
            self.failed = True
            raise
        finally:
            if self.failed:
                self.dump()
            for node in self.nodes:
                node.close_proxies()
            for endpoint in self.endpoints.values():
                endpoint.stop()
            for server in (self.named, self.pdns, self.etcd):
                if server:
                    server.stop()
            if self.failed or os.environ.get("PLANB_E2E_KEEP") == "1":
                print(f"(files kept in {self.dir})")
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        return {k: v for k, v in codes.items() if v is not None}



def hold_for(seconds, what, check):
    """Asserts that CHECK stays true for a whole window: the way to show that nothing happens.
    CHECK returns True, or something false (a description of what went wrong helps)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        assert result is True, f"{what}: {result!r}"
        time.sleep(0.1)


def nothing_written(fleet, serial, target=A_TARGET, since=None):
    """A check for hold_for: DNS still serves TARGET, BIND's serial is SERIAL, no PATCH reached
    PowerDNS since SINCE."""
    def check():
        served = fleet.served()
        if any(v != target for v in served.values()):
            return f"DNS serves {served}"
        if "bind" in fleet.providers and fleet.named.soa_serial() != serial:
            return f"BIND's serial moved from {serial} to {fleet.named.soa_serial()}"
        patches = {n: len(p) for n, p in fleet.patches(since).items() if p}
        return True if not patches else f"PATCH requests to PowerDNS: {patches}"
    return check


def writers_in_log(node, since=0):
    return re.findall(r"provider \S+: writing .*", node.log(since))


def run_fleet_scenario(scenario, run, fleet):
    """Runs one scenario in FLEET, closes it, and requires every node still running to have
    stopped cleanly on SIGTERM."""
    try:
        run(fleet)
    except BaseException:
        fleet.failed = True
        raise
    finally:
        codes = fleet.close()
    bad = {name: code for name, code in codes.items() if code != 0}
    assert not bad, f"nodes did not exit 0 on SIGTERM: {bad}"
    print(f"{scenario}: passed")
