#!/usr/bin/env python3
"""Huawei Cloud DNS for the e2e worlds: tests/fakes/huaweicloud_server.py started on a free port
of 127.0.0.1 with its AK/SK written as files, the zone seeded with CNAMEs.

    handle = start(directory, "example.test", ["www.example.test."], "primary.example.net.")
    handle.config("huawei")  -> the [[provider]] block pointing planbd at the fake
    handle.cnames()          -> {absolute lower-case name: absolute lower-case target}
    handle.down() / .up()    -> every API request answered 500 DNS.0001 "Internal error." / normally
    handle.secrets()         -> the credential strings, none of which may leak
    handle.stop()

`python3 tests/e2e/fake_huaweicloud.py` runs a self-test: start, seed, read back, down, up, stop.
"""

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import ApiFake, secret_file  # noqa: E402

# Anything above every failure the e2e injects: "down" lasts until up().
_FOREVER = 1_000_000


class HuaweiCloudHandle:
    def __init__(self, directory, zone, names, initial_target):
        self.dir = os.path.join(directory, "huaweicloud")
        os.makedirs(self.dir, exist_ok=True)
        self.zone = zone.lower().rstrip(".")
        self._secrets = {"access_key_id": "HWAKPLANBE2E0427",
                         "secret_access_key": "hw-secret-e2e-5c3b9a7d1f"}
        self.files = {k: secret_file(self.dir, k, v) for k, v in self._secrets.items()}
        self.fake = ApiFake(self.dir, "huaweicloud_server.py", [
            "--access-key-id-file", self.files["access_key_id"],
            "--secret-access-key-file", self.files["secret_access_key"],
            "--zone", self.zone])
        target = initial_target.lower().rstrip(".") + "."
        for name in names:
            self.fake.control("POST", "/_fake/records", {
                "zone": self.zone, "name": name.lower().rstrip(".") + ".", "type": "CNAME",
                "records": [target], "ttl": 60})

    @property
    def port(self):
        return self.fake.port

    def config(self, name):
        return f"""
[[provider]]
name                   = "{name}"
type                   = "huaweicloud"
access_key_id_file     = "{self.files['access_key_id']}"
secret_access_key_file = "{self.files['secret_access_key']}"
region                 = "ap-southeast-1"
endpoint               = "http://127.0.0.1:{self.fake.port}"
"""

    def cnames(self):
        records = self.fake.control("GET", "/_fake/records") or []
        return {r["name"].lower(): r["records"][0].lower().rstrip(".") + "." for r in records
                if r.get("type") == "CNAME" and r.get("records")}

    def down(self):
        self.fake.control("POST", "/_fake/fail", {"count": _FOREVER, "status": 500})

    def up(self):
        self.fake.control("POST", "/_fake/fail", {"count": 0})

    def secrets(self):
        return list(self._secrets.values())

    def stop(self):
        self.fake.stop()


def start(directory, zone, names, initial_target):
    return HuaweiCloudHandle(directory, zone, names, initial_target)


def _api_status(port):
    """The status an (unsigned) API request gets: 401 while up, 500 while down."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/zones", timeout=2) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


def _self_test():
    with tempfile.TemporaryDirectory() as d:
        handle = start(d, "example.test", ["www.example.test.", "API.example.test"],
                       "Primary.example.net")
        try:
            served = handle.cnames()
            assert served == {"www.example.test.": "primary.example.net.",
                              "api.example.test.": "primary.example.net."}, served
            assert "type                   = \"huaweicloud\"" in handle.config("huawei")
            assert _api_status(handle.port) == 401  # up: the gateway wants a signature
            handle.down()
            assert _api_status(handle.port) == 500
            handle.up()
            assert _api_status(handle.port) == 401
            assert all(s not in json.dumps(served) for s in handle.secrets())
        finally:
            handle.stop()
    print("fake_huaweicloud self-test: ok")


if __name__ == "__main__":
    _self_test()
