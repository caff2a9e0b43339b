#!/usr/bin/env python3
"""azure_conformance: tests/fakes/azure_dns_server.py answers every request of the corpus beside
this file with a reply of the recorded shape (shape.py), the recorded HTTP status and error code.

Each exchange's request is sent again as recorded, with the fake's tenant, client, secret,
subscription and resource group in place of the recorded placeholders and a bearer token the fake
issued. The fake is put in the state the recorded reply needs: the record sets a listing or a GET
shows, the record set a 412 names (the request keeps the recorded stale If-Match), another type
where the recorded 409 refused a CNAME.
"""

import glob
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "azure_dns_server.py")
TENANT, CLIENT, SECRET = "conformance-tenant", "conformance-client", "conformance-secret"
SUBSCRIPTION, GROUP = "conformance-subscription", "rg-conformance"
ARM_PATH = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/"
                      r"dns[zZ]ones/([^/]+)(/.*)?$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake:
    def __init__(self, workdir):
        path = os.path.join(workdir, "secret")
        with open(path, "w") as f:
            f.write(SECRET + "\n")
        os.chmod(path, 0o600)
        for _ in range(5):  # a port free when picked may be taken before the fake binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [sys.executable, FAKE, "--port", str(self.port), "--client-secret-file", path,
                 "--tenant", TENANT, "--client-id", CLIENT, "--subscription", SUBSCRIPTION,
                 "--resource-group", GROUP, "--page-size-max", "100"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if "listening" in self.process.stdout.readline():
                return
            self.process.wait()
        raise RuntimeError("the azure fake did not start")

    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def http(self, method, path, body=None, headers=None):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base() + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, dict(reply.headers), reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def control(self, method, path, body=None):
        status, _, text = self.http(method, "/_fake/" + path, body,
                                    {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("control %s %s: %s" % (method, path, text))
        return json.loads(text)

    def token(self):
        form = urlencode({"client_id": CLIENT, "scope": self.base() + "/.default",
                          "client_secret": SECRET, "grant_type": "client_credentials"})
        status, _, text = self.http("POST", "/%s/oauth2/v2.0/token" % TENANT, form.encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise RuntimeError("no token: %s" % text)
        return json.loads(text)["access_token"]


def seed(fake, zone, record_set):
    rtype = record_set["type"].rsplit("/", 1)[1].upper()
    if record_set["name"] == "@" and rtype in ("NS", "SOA"):
        return  # the fake's zone has its own apex NS and SOA
    properties = {k: v for k, v in record_set["properties"].items()
                  if k not in ("fqdn", "provisioningState")}
    fake.control("POST", "records", {"zone": zone, "name": record_set["name"], "type": rtype,
                                     "properties": properties})


def replay(fake, exchange):
    """The fake's (status, content type, body) for the exchange's request."""
    request, expect = exchange["request"], exchange.get("expect", {})
    recorded_body = exchange["response"]["body"]
    method, path = request["method"], request["path"]
    if path.endswith("/oauth2/v2.0/token"):
        form = dict(parse_qsl(request["body"]))
        form.update(client_id=CLIENT, client_secret=SECRET)
        if "management.azure.com" in form["scope"]:
            form["scope"] = fake.base() + "/.default"  # the scope of the ARM this fake plays
        return fake.http("POST", "/%s/oauth2/v2.0/token" % TENANT, urlencode(form).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded"})
    match = ARM_PATH.match(path)
    zone, rest = match.group(1), match.group(2) or ""
    fake.control("POST", "zones", {"name": zone})
    for r in fake.control("GET", "records"):  # each exchange starts from an empty zone
        if r["zone"] == zone and not (r["name"] == "@" and r["type"] in ("NS", "SOA")):
            fake.control("DELETE", "records/%s/%s/%s" % (zone, r["type"], r["name"]))
    kind = expect.get("kind")
    if kind == "list":
        for record_set in json.loads(recorded_body)["value"]:
            seed(fake, zone, record_set)
    elif kind == "record_set" and method == "GET":
        seed(fake, zone, json.loads(recorded_body))
    elif kind == "empty" and method == "DELETE" or expect.get("if_match"):
        rtype, name = rest.strip("/").split("/")
        properties = {"TTL": 100}
        if rtype == "TXT":
            properties["TXTRecords"] = [{"value": ["x"]}]
        fake.control("POST", "records", {"zone": zone, "name": name, "type": rtype,
                                         "properties": properties})
    elif expect.get("code") == "Conflict":
        name = rest.strip("/").split("/")[1]
        fake.control("POST", "records", {"zone": zone, "name": name, "type": "A", "properties": {
            "TTL": 60, "ARecords": [{"ipv4Address": "192.0.2.1"}]}})
    headers = {"Authorization": "Bearer " + fake.token()}
    if expect.get("if_match"):
        headers["If-Match"] = expect["if_match"]
    body = None
    if request.get("body"):
        body = request["body"].encode()
        headers["Content-Type"] = "application/json"
    target = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnsZones/%s%s?%s" % (
        SUBSCRIPTION, GROUP, zone, rest, "api-version=2018-05-01")
    return fake.http(method, target, body, headers)


def error_code(text):
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    return inner.get("code") or (body.get("error_codes") or [None])[0]


def main():
    files = sorted(glob.glob(os.path.join(HERE, "*.json")))
    failures = []
    with tempfile.TemporaryDirectory(prefix="planb-azure-conformance-") as workdir:
        fake = Fake(workdir)
        try:
            for path in files:
                exchange = load_exchange(path)
                name = os.path.basename(path)
                recorded = exchange["response"]
                status, headers, body = replay(fake, exchange)
                missing = missing_from(
                    shape_of(recorded["body"], recorded["headers"].get("Content-Type", "")),
                    shape_of(body, headers.get("Content-Type", "")))
                problems = []
                if status != recorded["status"]:
                    problems.append("status %d, recorded %d" % (status, recorded["status"]))
                if missing:
                    problems.append("missing " + ", ".join(missing))
                want = exchange.get("expect", {}).get("code") or \
                    exchange.get("expect", {}).get("aadsts")
                if want and error_code(body) != want:
                    problems.append("code %r, recorded %r" % (error_code(body), want))
                print("%s %s" % ("FAIL" if problems else "ok  ", name))
                for p in problems:
                    print("     " + p)
                if problems:
                    failures.append(name)
        finally:
            fake.stop()
    print("%d exchanges, %d failed" % (len(files), len(failures)))
    return 1 if failures or not files else 0


if __name__ == "__main__":
    sys.exit(main())
