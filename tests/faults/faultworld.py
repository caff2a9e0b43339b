"""Worlds for the fault-injection suite (ctest label `faults`), built on tests/e2e/world.py.

FaultWorld: BIND9, PowerDNS and the Cloudflare, Route 53 and Alibaba fakes all host the zone, and
planbd reaches every one of them through its own FaultProxy (tests/e2e/fault_proxy.py): BIND's DNS
UPDATEs and queries over TCP, the four HTTP APIs. A fault of any kind can be put on any provider
and healed again (inject / heal); what each provider serves is read directly, never through its
proxy.

Python standard library only."""

import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from fault_proxy import FaultProxy  # noqa: E402
from world import (A_TARGET, B_TARGET, RECORD, ZONE, Endpoint, World, free_port,  # noqa: E402,F401
                   require,
                   run_scenario, wait_for)

PROVIDERS = ("bind", "pdns", "cloudflare", "route53", "alidns")
KINDS = ("down", "slow", "5xx", "429", "revoked", "malformed")
CNAME = {"vendor-a": A_TARGET, "vendor-b": B_TARGET}

# Provider clients give up after these (daemon/provider_factory.cpp, net/http_client.hpp).
DNS_TIMEOUT = 3.0
HTTP_TIMEOUT = 10.0


def hold_for(seconds, what, check, interval=0.1):
    """Asserts that CHECK stays true for a whole window: the way to show that nothing happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), what
        time.sleep(interval)


# ---- canned answers for the proxies' reply mode ----

def http_reply(status, body, headers=()):
    reason = {200: "OK", 401: "Unauthorized", 429: "Too Many Requests",
              503: "Service Unavailable"}.get(status, "Error")
    head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Connection: close", *headers]
    text = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    return lambda data: text


def dns_rcode_reply(rcode):
    """A DNS-over-TCP answer with RCODE to the query it is given (same id and question)."""
    def respond(data):
        if len(data) < 14:
            return b""
        message = data[2:]
        ident, flags = struct.unpack("!HH", message[:4])
        opcode = flags & 0x7800
        answer = struct.pack("!HHHHHH", ident, 0x8000 | opcode | rcode, 0, 0, 0, 0)
        return struct.pack("!H", len(answer)) + answer
    return respond


def garbage(data):
    return b"\x00\x0b\xde\xad\xbe\xefgarbag"  # a length prefix, then no DNS message at all


# ---- the world ----

class FaultWorld(World):
    """World with all five providers, each behind its own fault proxy."""

    def __init__(self, planbd_binary, **kwargs):
        self.proxies = {}
        kwargs.setdefault("with_pdns", True)
        kwargs.setdefault("with_api_fakes", True)
        super().__init__(planbd_binary, **kwargs)

    # World.__init__ calls config() after named, PowerDNS and the fakes run and before planbd
    # starts: the proxies and named's own copy of the TSIG key are made here.
    def config(self, failback_after, hold_down, resync):
        self.proxies["bind"] = FaultProxy(self.named.port, name="bind").start()
        self.proxies["pdns"] = FaultProxy(self.pdns.api_port, name="pdns").start()
        for name in ("cloudflare", "route53", "alidns"):
            self.proxies[name] = FaultProxy(getattr(self.api, name).port, name=name).start()
        self.separate_named_key()
        text = super().config(failback_after, hold_down, resync)
        text = text.replace(f'server        = "127.0.0.1:{self.named.port}"',
                            f'server        = "127.0.0.1:{self.proxies["bind"].port}"')
        text = text.replace(f'api_url      = "{self.pdns.api_url}"',
                            f'api_url      = "http://127.0.0.1:{self.proxies["pdns"].port}"')
        for name in ("cloudflare", "route53", "alidns"):
            text = text.replace(f"http://127.0.0.1:{getattr(self.api, name).port}",
                                f"http://127.0.0.1:{self.proxies[name].port}")
        return text

    # -- BIND --

    def separate_named_key(self):
        """named reads its own copy of the TSIG key, so a test can make planbd's key wrong."""
        self.named_key = os.path.join(self.dir, "named-tsig.key")
        self.good_key = open(self.named.key_file).read()
        with open(self.named_key, "w") as f:
            f.write(self.good_key)
        conf = os.path.join(self.dir, "named.conf")
        text = open(conf).read().replace(f'include "{self.named.key_file}";',
                                         f'include "{self.named_key}";')
        with open(conf, "w") as f:
            f.write(text)
        self.reload_named()

    def reload_named(self):
        log = os.path.join(self.dir, "named.log")
        before = open(log).read().count("reloading configuration succeeded")
        self.named.proc.send_signal(signal.SIGHUP)
        wait_for("named to reload", lambda: open(log).read().count(
            "reloading configuration succeeded") > before, 10)

    def named_key_secret(self, secret):
        with open(self.named_key, "w") as f:
            f.write(re.sub(r'secret "[^"]+"', f'secret "{secret}"', self.good_key))
        self.reload_named()

    def restart_named(self):
        self.named.log = open(os.path.join(self.dir, "named.log"), "a")
        self.named.proc = subprocess.Popen(
            [require("named"), "-g", "-c", f"{self.dir}/named.conf"],
            stdout=self.named.log, stderr=subprocess.STDOUT)
        wait_for("named to answer SOA again", lambda: self.named.soa_serial() is not None, 10)

    # -- PowerDNS --

    def restart_pdns(self, api_key):
        self.pdns.stop()
        conf = os.path.join(self.pdns.dir, "pdns.conf")
        text = re.sub(r"^api-key=.*$", f"api-key={api_key}", open(conf).read(), flags=re.M)
        with open(conf, "w") as f:
            f.write(text)
        self.pdns.start()

    # -- faults --

    def inject(self, provider, kind):
        """Puts fault KIND on PROVIDER (see the table in docs/RELIABILITY.md)."""
        proxy = self.proxies[provider]
        api = getattr(self.api, provider, None)
        big = 1_000_000
        if kind == "down":
            if provider == "bind":
                self.named.proc.kill()
                self.named.proc.wait()
                self.named.log.close()
            elif provider == "pdns":
                self.pdns.stop()
            else:
                proxy.set_mode("refuse")
        elif kind == "slow":
            timeout = DNS_TIMEOUT if provider == "bind" else HTTP_TIMEOUT
            proxy.set_mode("delay", delay_ms=int((timeout + 1.5) * 1000))
        elif kind == "5xx":
            if provider == "bind":
                proxy.set_mode("reply", responder=dns_rcode_reply(2))  # SERVFAIL
            elif provider == "pdns":
                proxy.set_mode("reply", responder=http_reply(503, b'{"error": "overloaded"}'))
            elif provider == "route53":
                api.control("POST", "/_fake/faults", {"kind": "server_error", "count": big,
                                                      "status": 503})
            else:
                api.control("POST", "/_fake/fail", {"count": big, "status": 503})
        elif kind == "429":
            if provider == "bind":
                proxy.set_mode("reply", responder=dns_rcode_reply(5))  # REFUSED: DNS's "go away"
            elif provider == "pdns":
                proxy.set_mode("reply", responder=http_reply(
                    429, b'{"error": "slow down"}', ["Retry-After: 1"]))
            elif provider == "route53":
                api.control("POST", "/_fake/faults", {"kind": "throttle", "count": big,
                                                      "retry_after": 1})
            elif provider == "cloudflare":
                api.control("POST", "/_fake/throttle", {"count": big, "retry_after": 1})
            else:
                api.control("POST", "/_fake/throttle", {"count": big})
        elif kind == "revoked":
            if provider == "bind":
                self.named_key_secret("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=")
            elif provider == "pdns":
                self.restart_pdns("a-key-planbd-does-not-have")
            else:
                api.control("POST", "/_fake/revoke")
        elif kind == "malformed":
            if provider == "bind":
                proxy.set_mode("reply", responder=garbage)
            elif provider == "pdns":
                proxy.set_mode("reply", responder=http_reply(200, b'{"rrsets": [{"name": "www'))
            elif provider == "route53":
                api.control("POST", "/_fake/faults", {"kind": "malformed", "count": big})
            else:
                api.control("POST", "/_fake/malformed", {"count": big})
        else:
            raise ValueError(kind)

    def heal(self, provider, kind):
        proxy = self.proxies[provider]
        api = getattr(self.api, provider, None)
        proxy.set_mode("pass")
        if kind == "down":
            if provider == "bind":
                self.restart_named()
            elif provider == "pdns":
                self.pdns.start()
        elif kind in ("5xx", "429", "malformed") and api is not None:
            if provider == "route53":
                api.control("DELETE", "/_fake/faults")
            elif kind == "5xx":
                api.control("POST", "/_fake/fail", {"count": 0})
            elif kind == "429":
                api.control("POST", "/_fake/throttle", {"count": 0})
            else:
                api.control("POST", "/_fake/malformed", {"count": 0})
        elif kind == "revoked":
            if provider == "bind":
                self.named_key_secret(re.search(r'secret "([^"]+)"', self.good_key).group(1))
            elif provider == "pdns":
                self.restart_pdns(self.pdns.api_key)
            elif provider == "cloudflare":
                api.control("POST", "/_fake/token", {"token": self.api.secrets["cf_token"]})
            elif provider == "route53":
                api.control("POST", "/_fake/config", {"revoked": False})
            else:
                api.control("POST", "/_fake/credentials", {
                    "access_key_id": self.api.secrets["ali_key_id"],
                    "access_key_secret": self.api.secrets["ali_secret"]})

    # -- observations --

    def served(self):
        """What each provider serves at www.example.test, read directly (None when unreadable)."""
        out = dict(self.api.targets())
        out["bind"] = self.named.cname() or None if self.named.proc.poll() is None else None
        out["pdns"] = (self.pdns.cname() or None) if self.pdns.proc.poll() is None else None
        return out

    def alive(self):
        """planbd runs and GET /healthz answers 200."""
        if self.planbd.proc.poll() is not None:
            return False
        try:
            return self.http_get("/healthz")[0] == 200
        except OSError:
            return False

    def assert_alive(self, when):
        assert self.planbd.proc.poll() is None, f"planbd exited ({self.planbd.proc.returncode}) {when}"
        code = None
        for _ in range(20):  # a slow machine: /healthz gets a few tries within 2 s
            try:
                code = self.http_get("/healthz")[0]
            except OSError:
                code = None
            if code == 200:
                return
            time.sleep(0.1)
        raise AssertionError(f"/healthz answers {code} {when}")

    def status(self):
        result = self.ctl("--json", "status")
        assert result.returncode == 0, (result.returncode, result.stderr)
        return json.loads(result.stdout)

    def audit(self):
        path = os.path.join(self.state_dir, "audit.jsonl")
        entries = []
        if os.path.exists(path):
            for line in open(path):
                line = line.strip()
                if line:
                    entries.append(json.loads(line))
        return entries

    def metric_sum(self, name, **labels):
        code, text = self.http_get("/metrics")
        assert code == 200, code
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.split()[-1])
        return total

    def close(self):
        try:
            return super().close()
        finally:
            for proxy in self.proxies.values():
                proxy.stop()


def main(module_globals, make_world):
    """usage: SCRIPT PLANBD SCENARIO: runs scenario_SCENARIO in make_world(planbd, scenario)."""
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = module_globals[f"scenario_{scenario}"]
    started = time.monotonic()
    world = make_world(planbd, scenario)
    run_scenario(scenario, run, world)
    print(f"{scenario}: {time.monotonic() - started:.1f}s wall")


def seeded_random(scenario):
    seed = int(os.environ.get("PLANB_FAULT_SEED", "0")) or random.randrange(1, 1 << 30)
    print(f"{scenario}: PLANB_FAULT_SEED={seed}")
    return random.Random(seed)
