#!/usr/bin/env python3
"""google_conformance: tests/fakes/google_dns_server.py answers every request of the corpus beside
this file with a reply of the recorded shape (shape.py) and the recorded HTTP status.

The token request goes with a real assertion (an RS256 JWT signed here with the fake's service
account key); API requests carry the token the fake issued, the fake's project and managed zone
instead of the recorded ones. The fake is put in the state each recorded reply needs: the records
a listing shows, the record an addition collides with (409), a record a deletion no longer matches
(412), a throttle fault (429), a change over the limits (403).
"""

import base64
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "google_dns_server.py")
PROJECT = "conformance-project"
EMAIL = "conformance@%s.iam.gserviceaccount.com" % PROJECT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Fake:
    def __init__(self, workdir):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        path = os.path.join(workdir, "key.json")
        with open(path, "w") as f:
            json.dump({"type": "service_account", "client_email": EMAIL, "private_key": pem,
                       "token_uri": self.base + "/token"}, f)
        os.chmod(path, 0o600)
        self.log = open(os.path.join(workdir, "fake.log"), "w")
        self.proc = subprocess.Popen([sys.executable, FAKE, "--port", str(self.port),
                                      "--credentials-file", path, "--project", PROJECT,
                                      "--zone", "fullm3tal.tk", "--page-size-max", "100"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while self.control("GET", "health") is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake did not start")
            time.sleep(0.05)
        self.token = None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()

    def control(self, method, name, body=None):
        try:
            return self.send(method, "/_fake/" + name, json.dumps(body) if body is not None else "",
                             {"Content-Type": "application/json"})[1]
        except OSError:
            return None

    def send(self, method, path, body="", headers=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=body.encode() if body else None,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def assertion(self):
        now = int(time.time())
        header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        claims = b64url(json.dumps({
            "iss": EMAIL, "scope": "https://www.googleapis.com/auth/ndev.clouddns.readwrite",
            "aud": self.base + "/token", "iat": now, "exp": now + 3600}).encode())
        signature = self.key.sign((header + "." + claims).encode(), padding.PKCS1v15(),
                                  hashes.SHA256())
        return header + "." + claims + "." + b64url(signature)

    def api(self, method, path, body=""):
        headers = {"Authorization": "Bearer " + self.token}
        if body:
            headers["Content-Type"] = "application/json"
        return self.send(method, path, body, headers)


def fake_path(recorded_path):
    """The recorded API path with the fake's project and managed zone."""
    parts = recorded_path.split("/")  # "", dns, v1, projects, P, managedZones, Z, ...
    parts[4] = PROJECT
    if len(parts) > 6:
        parts[6] = "fullm3tal-tk"
    return "/".join(parts)


def main():
    failures = []
    with tempfile.TemporaryDirectory() as workdir:
        fake = Fake(workdir)
        try:
            for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
                exchange = load_exchange(path)
                name = os.path.basename(path)
                request, recorded = exchange["request"], exchange["response"]
                fake.control("DELETE", "faults")
                if name.startswith("01-"):
                    form = urllib.parse.urlencode({
                        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                        "assertion": fake.assertion()})
                    status, body = fake.send("POST", "/token", form, {
                        "Content-Type": "application/x-www-form-urlencoded"})
                    fake.token = body.get("access_token")
                else:
                    api_path = fake_path(request["path"])
                    query = request.get("query", "")
                    send_body = request.get("body", "")
                    if name.startswith("06-"):
                        for r in json.loads(recorded["body"])["rrsets"]:
                            if r["type"] not in ("NS", "SOA"):
                                fake.control("POST", "records", {
                                    "zone": "fullm3tal.tk", "name": r["name"], "type": r["type"],
                                    "ttl": r["ttl"], "rrdatas": r["rrdatas"]})
                    if name.startswith("07-"):
                        send_body = json.dumps({"additions": [{
                            "name": "coyote.fullm3tal.tk.", "type": "A", "ttl": 300,
                            "rrdatas": ["192.0.2.10"]}]})
                        fake.control("POST", "records", {"zone": "fullm3tal.tk",
                                                         "name": "coyote.fullm3tal.tk.",
                                                         "type": "A", "rrdatas": ["192.0.2.9"]})
                    if name.startswith("08-"):
                        fake.control("POST", "records", {"zone": "fullm3tal.tk",
                                                         "name": "www.fullm3tal.tk.",
                                                         "type": "CNAME", "ttl": 60,
                                                         "rrdatas": ["a.example.net."]})
                        send_body = json.dumps({"deletions": [{
                            "name": "www.fullm3tal.tk.", "type": "CNAME", "ttl": 300,
                            "rrdatas": ["a.example.net."]}], "additions": []})
                    if name.startswith("09-"):
                        fake.control("POST", "throttle", {"count": 1})
                    if name.startswith("10-"):
                        send_body = json.dumps({"additions": [{
                            "name": "n%d.fullm3tal.tk." % i, "type": "A", "ttl": 300,
                            "rrdatas": ["192.0.2.1"]} for i in range(1001)]})
                    if query:
                        api_path += "?" + query
                    status, body = fake.api(request["method"], api_path, send_body)
                if status != recorded["status"]:
                    failures.append("%s: status %s, recorded %s: %s" % (name, status,
                                                                      recorded["status"], body))
                    continue
                missing = missing_from(shape_of(recorded["body"]), shape_of(json.dumps(body)))
                if missing:
                    failures.append("%s: the fake's reply lacks %s" % (name, ", ".join(missing)))
        finally:
            fake.stop()
    for failure in failures:
        print("FAIL", failure)
    print("google_conformance: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
