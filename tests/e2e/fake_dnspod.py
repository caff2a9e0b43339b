#!/usr/bin/env python3
"""tests/fakes/dnspod_server.py for the e2e worlds: a DNSPod fake serving ZONE, its names seeded as
CNAMEs, with distinctive credentials, and the [[provider]] block that points planbd at it.

    handle = start(directory, "example.test", ["www.example.test."], "primary.example.net.")
    handle.config("dnspod")   # the TOML [[provider]] block
    handle.cnames()           # {"www.example.test.": "primary.example.net."}
    handle.down(); handle.up()
    handle.secrets(); handle.stop()

down() makes every API request fail as a gateway in front of the API does, with HTTP 503 (the
fake's "fail" fault with a status); up() heals it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import ApiFake, secret_file  # noqa: E402

# A count no test reaches: down() lasts until up().
_DOWN_FOR = 1_000_000_000


def _canonical(name):
    return name.lower().rstrip(".") + "."


class DnspodHandle:
    def __init__(self, directory, zone, names, initial_target):
        d = os.path.join(directory, "dnspod-fake")
        os.makedirs(d, exist_ok=True)
        self.zone = zone.lower().rstrip(".")
        pid = os.getpid()
        self._secrets = {"secret_id": "AKIDdnspodE2E%d" % pid,
                         "secret_key": "dnspod-e2e-key-%d-Wq4r" % pid}
        self.files = {k: secret_file(d, "dnspod_" + k, v) for k, v in self._secrets.items()}
        # The default plan minimum (1): the worlds write TTLs of 60. Pages of 100 records.
        self.fake = ApiFake(d, "dnspod_server.py", [
            "--secret-id-file", self.files["secret_id"], "--secret-key-file",
            self.files["secret_key"], "--domain", self.zone, "--page-size-max", "100"])
        self.port = self.fake.port
        for name in names:
            absolute = _canonical(name)
            label = "@" if absolute == self.zone + "." else absolute[:-len(self.zone) - 2]
            self.fake.control("POST", "/_fake/records", {
                "domain": self.zone, "name": label, "type": "CNAME",
                "value": _canonical(initial_target), "ttl": 60})

    def config(self, name):
        return f"""
[[provider]]
name            = "{name}"
type            = "dnspod"
secret_id_file  = "{self.files['secret_id']}"
secret_key_file = "{self.files['secret_key']}"
endpoint        = "http://127.0.0.1:{self.port}/"
"""

    def cnames(self):
        records = self.fake.control("GET", "/_fake/records") or []
        out = {}
        for r in records:
            if r.get("Type") != "CNAME" or r.get("Domain") != self.zone:
                continue
            absolute = self.zone + "." if r["Name"] == "@" else f"{r['Name']}.{self.zone}."
            out[absolute.lower()] = _canonical(r["Value"])
        return out

    def down(self):
        self.fake.control("POST", "/_fake/fail", {"count": _DOWN_FOR, "status": 503})

    def up(self):
        self.fake.control("POST", "/_fake/fail", {"count": 0})

    def secrets(self):
        return list(self._secrets.values())

    def stop(self):
        self.fake.stop()


def start(directory, zone, names, initial_target):
    return DnspodHandle(directory, zone, names, initial_target)


def _self_test():
    import json
    import tempfile
    import urllib.error
    import urllib.request

    with tempfile.TemporaryDirectory() as d:
        handle = start(d, "example.test", ["www.example.test.", "example.test."],
                       "primary.example.net.")
        try:
            assert handle.cnames() == {"www.example.test.": "primary.example.net.",
                                       "example.test.": "primary.example.net."}, handle.cnames()
            block = handle.config("dnspod")
            assert 'type            = "dnspod"' in block and str(handle.port) in block
            assert all(s not in block for s in handle.secrets())
            handle.down()
            request = urllib.request.Request(f"http://127.0.0.1:{handle.port}/", data=b"{}",
                                             method="POST")
            try:
                urllib.request.urlopen(request, timeout=2)
                raise AssertionError("down() did not fail the API")
            except urllib.error.HTTPError as e:
                assert e.code == 503, e.code
            handle.up()
            with urllib.request.urlopen(request, timeout=2) as reply:
                body = json.loads(reply.read())
            # Unsigned: refused in the envelope, HTTP 200, as the service does.
            assert body["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization", body
        finally:
            handle.stop()
    print("fake_dnspod self-test: ok")


if __name__ == "__main__":
    _self_test()
