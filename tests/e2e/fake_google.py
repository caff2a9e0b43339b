#!/usr/bin/env python3
"""Google Cloud DNS for the e2e worlds: tests/fakes/google_dns_server.py with a service account of
its own (an RSA key made here, written as the JSON key file planbd reads, token_uri the fake's).

    handle = start(directory, "example.test", ["www.example.test."], "primary.example.net.")
    handle.config("google")   # the [[provider]] block
    handle.cnames()           # {name: target} as the fake serves them
    handle.down(); handle.up(); handle.secrets(); handle.stop()

`python3 tests/e2e/fake_google.py` starts one, seeds it, reads it back and stops it.
"""

import json
import os
import sys
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import ApiFake  # noqa: E402

PROJECT = "planb-e2e-project"
# The token prefix the fake issues: any of its tokens in planbd's output is a leak.
TOKEN_PREFIX = "ya29.fake-"


def _service_account(path, token_uri, key_pem, key_id):
    with open(path, "w") as f:
        json.dump({"type": "service_account", "project_id": PROJECT,
                   "private_key_id": key_id, "private_key": key_pem,
                   "client_email": "planb-e2e@%s.iam.gserviceaccount.com" % PROJECT,
                   "client_id": "104857600000000000001",
                   "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                   "token_uri": token_uri}, f, indent=2)
    os.chmod(path, 0o600)


class GoogleFake:
    def __init__(self, directory, zone, names, initial_target):
        self.dir = os.path.join(directory, "google-fake")
        os.makedirs(self.dir, exist_ok=True)
        self.zone = zone.rstrip(".")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_pem = key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        self.key_id = "e2e5ec7e7d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b"
        self.credentials = os.path.join(self.dir, "service-account.json")
        # The fake reads the key at start; token_uri names its port, known once it runs.
        _service_account(self.credentials, "http://127.0.0.1:1/token", self.key_pem, self.key_id)
        self.fake = ApiFake(self.dir, "google_dns_server.py", [
            "--credentials-file", self.credentials, "--project", PROJECT, "--zone", self.zone])
        _service_account(self.credentials, "http://127.0.0.1:%d/token" % self.fake.port,
                         self.key_pem, self.key_id)
        for name in names:
            self.fake.control("POST", "/_fake/records", {
                "zone": self.zone, "name": name, "type": "CNAME", "ttl": 60,
                "rrdatas": [initial_target.lower().rstrip(".") + "."]})

    def config(self, name):
        return f"""
[[provider]]
name             = "{name}"
type             = "google"
credentials_file = "{self.credentials}"
project          = "{PROJECT}"
endpoint         = "http://127.0.0.1:{self.fake.port}/dns/v1"
"""

    def cnames(self):
        return {r["name"].lower(): r["rrdatas"][0].lower()
                for r in self.fake.control("GET", "/_fake/records") or []
                if r["type"] == "CNAME"}

    def down(self):
        self.fake.control("POST", "/_fake/fail", {"count": 1_000_000_000, "status": 503})

    def up(self):
        self.fake.control("DELETE", "/_fake/faults")

    def secrets(self):
        body = [line for line in self.key_pem.splitlines() if not line.startswith("-----")]
        return [body[1], body[-2], self.key_id, TOKEN_PREFIX]

    def stop(self):
        self.fake.stop()


def start(directory, zone, names, initial_target):
    return GoogleFake(directory, zone, names, initial_target)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        handle = start(d, "example.test", ["www.example.test.", "api.example.test."],
                       "primary.example.net.")
        try:
            assert handle.cnames() == {"www.example.test.": "primary.example.net.",
                                       "api.example.test.": "primary.example.net."}, handle.cnames()
            assert "type             = \"google\"" in handle.config("google")
            import urllib.error
            import urllib.request
            api = "http://127.0.0.1:%d/dns/v1/projects/%s/managedZones" % (handle.fake.port, PROJECT)

            def status():
                try:
                    with urllib.request.urlopen(api, timeout=5) as reply:
                        return reply.status
                except urllib.error.HTTPError as e:
                    return e.code

            handle.down()
            assert status() == 503, status()
            handle.up()
            assert status() == 401, status()  # up again: no token, so authError
            assert all(s for s in handle.secrets())
            print("fake_google: ok")
        finally:
            handle.stop()
