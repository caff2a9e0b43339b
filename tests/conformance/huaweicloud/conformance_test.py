#!/usr/bin/env python3
"""huaweicloud_conformance: tests/fakes/huaweicloud_server.py answers every request of the corpus
beside this file with a reply of the recorded shape (shape.py), the recorded HTTP status and, for
errors, the recorded code.

Each exchange's request is sent again as recorded, signed (SDK-HMAC-SHA256, computed here) with
the fake's keys, the documented zone and record set ids replaced by the fake's. Each exchange gets
a fresh fake in the state its recorded reply needs: zones enough for a second page (a "next"
link), the record set an update names, a CNAME already at the name for DNS.0312, a wrong secret for
APIGW.0301, a throttle fault for APIGW.0308 and DNS.0014.
"""

import glob
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "huaweicloud_server.py")
KEY_ID, SECRET = "HWCONFORMANCEAK", "hw-conformance-secret"
DOC_ZONE_ID = "2c9eb155587194ec01587224c9f90149"
DOC_RECORDSET_ID = "2c9eb155587228570158722b6ac30007"


def escape(text):
    return quote(text, safe="-_.~")


def authorization(secret, method, path, query, headers, body):
    """Huawei's AK/SK signature (provider-apis.md §11), written here apart from the fake's."""
    uri = "/".join(escape(s) for s in path.split("/"))
    uri = uri if uri.endswith("/") else uri + "/"
    pairs = sorted((escape(k), escape(v)) for k, v in parse_qsl(query, keep_blank_values=True))
    names = sorted(h.lower() for h in headers)
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    canonical = "\n".join([method, uri, "&".join(k + "=" + v for k, v in pairs),
                           "".join(n + ":" + lower[n] + "\n" for n in names), ";".join(names),
                           hashlib.sha256(body).hexdigest()])
    to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (lower["x-sdk-date"],
                                           hashlib.sha256(canonical.encode()).hexdigest())
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
        KEY_ID, ";".join(names), signature)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake:
    def __init__(self, workdir):
        for name, value in (("ak", KEY_ID), ("sk", SECRET)):
            path = os.path.join(workdir, name)
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
        for _ in range(5):  # a port free when picked may be taken before the fake binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [sys.executable, FAKE, "--port", str(self.port),
                 "--access-key-id-file", os.path.join(workdir, "ak"),
                 "--secret-access-key-file", os.path.join(workdir, "sk"),
                 "--page-size-max", "2"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if "listening" in self.process.stdout.readline():
                return
            self.process.wait()
        raise RuntimeError("the huaweicloud fake did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def http(self, method, path, body=b"", headers=None):
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                         data=body or None, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.headers.get("Content-Type", ""), reply.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        status, _, text = self.http(method, "/_fake/" + path, data,
                                    {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("control %s: HTTP %d %s" % (path, status, text))
        return json.loads(text)

    def api(self, method, path, query, body, secret=SECRET):
        body = body.encode() if isinstance(body, str) else body
        headers = {"Host": "127.0.0.1:%d" % self.port, "Content-Type": "application/json",
                   "X-Sdk-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}
        headers["Authorization"] = authorization(secret, method, path, query, headers, body)
        return self.http(method, path + ("?" + query if query else ""), body, headers)


def prepare(fake, name):
    """Puts the fake in the state the exchange NAME needs; returns the ids to use and the secret."""
    zone = fake.control("POST", "zones", {"name": "example.com"})
    ids = {DOC_ZONE_ID: zone["id"]}
    secret = SECRET
    if name.startswith("01-"):
        fake.control("POST", "zones", {"name": "example.org"})
        fake.control("POST", "zones", {"name": "example.net"})
    elif name.startswith("02-"):
        fake.control("POST", "records", {"zone": "example.com", "name": "www.example.com.",
                                         "type": "A", "records": ["192.168.10.1"]})
    elif name[:3] in ("04-", "05-", "06-"):
        record = fake.control("POST", "records", {
            "zone": "example.com", "name": "www.example.com.", "type": "A",
            "records": ["192.168.10.2", "192.168.10.1"],
            "description": "This is an example record set."})
        ids[DOC_RECORDSET_ID] = record["id"]
    elif name.startswith("09-"):
        fake.control("POST", "records", {"zone": "example.com", "name": "www.example.com.",
                                         "type": "CNAME", "records": ["other.example.net."]})
    elif name.startswith("11-"):
        secret = "not-the-secret"
    elif name.startswith("12-"):
        fake.control("POST", "throttle", {"count": 1})
    elif name.startswith("13-"):
        fake.control("POST", "throttle", {"count": 1, "flow_control": True})
    return ids, secret


def check(path):
    name = os.path.basename(path)
    exchange = load_exchange(path)
    recorded = exchange["response"]
    request = exchange["request"]
    with tempfile.TemporaryDirectory() as workdir:
        fake = Fake(workdir)
        try:
            ids, secret = prepare(fake, name)
            target = request["path"]
            for documented, actual in ids.items():
                target = target.replace(documented, actual)
            status, content_type, body = fake.api(request["method"], target, request["query"],
                                                  request["body"], secret)
        finally:
            fake.stop()
    problems = []
    if status != recorded["status"]:
        problems.append("HTTP %d, recorded %d: %s" % (status, recorded["status"], body[:300]))
    missing = missing_from(shape_of(recorded["body"]), shape_of(body, content_type))
    if missing:
        problems.append("the fake's reply lacks " + ", ".join(missing))
    code = exchange.get("expect", {}).get("code")
    if code is not None:
        reply = json.loads(body)
        got = reply.get("code") or reply.get("error_code")
        if got != code:
            problems.append("code %r, recorded %r" % (got, code))
    return problems


def main():
    paths = sorted(glob.glob(os.path.join(HERE, "*.json")))
    if not paths:
        print("no corpus files")
        return 1
    failed = 0
    for path in paths:
        problems = check(path)
        print("%s %s" % ("FAIL" if problems else "ok  ", os.path.basename(path)))
        for problem in problems:
            print("     " + problem)
        failed += bool(problems)
    print("%d of %d exchanges conform" % (len(paths) - failed, len(paths)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
