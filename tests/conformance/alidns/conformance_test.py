#!/usr/bin/env python3
"""alidns_conformance: tests/fakes/alidns_server.py answers every request of the corpus beside this
file with a reply of the recorded shape (shape.py), the recorded HTTP status and Code.

Each exchange's request is sent again as recorded, but signed with the fake's keys (and its
SecurityToken, when the recorded request carried one), with a fresh Timestamp and nonce, and the
RecordId the fake assigned. The fake is put in the state the recorded reply needs: the domain
(free edition for QuotaExceeded.TTL, absent for InvalidDomainName.NoExist), the record an update
names (at the same value for DomainRecordDuplicate), a wrong secret for SignatureDoesNotMatch, the
recorded old Timestamp for InvalidTimeStamp.Expired, an unknown key for InvalidAccessKeyId, a
throttle fault for Throttling.User.
"""

import base64
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
import uuid
from urllib.parse import parse_qsl, quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "alidns_server.py")
KEY_ID, KEY_SECRET = "LTAI-conformance", "conformance-secret"
STS_ID, STS_SECRET, STS_TOKEN = "STS.conformance", "sts-conformance-secret", "CAIS-conformance"


def encode(text):
    return quote(text, safe="-_.~")


def signed(method, params, secret):
    canonical = "&".join(encode(k) + "=" + encode(v) for k, v in sorted(params.items()))
    to_sign = method + "&" + encode("/") + "&" + encode(canonical)
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return canonical + "&Signature=" + encode(base64.b64encode(digest).decode())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake:
    def __init__(self, workdir):
        for name, value in (("id", KEY_ID), ("secret", KEY_SECRET)):
            path = os.path.join(workdir, name)
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
        for _ in range(5):  # a port free when picked may be taken before the fake binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [sys.executable, FAKE, "--port", str(self.port),
                 "--access-key-id-file", os.path.join(workdir, "id"),
                 "--access-key-secret-file", os.path.join(workdir, "secret"),
                 "--page-size-max", "500"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if "listening" in self.process.stdout.readline():
                return
            self.process.wait()
        raise RuntimeError("the alidns fake did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def http(self, method, path, body=None, headers=None):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                         method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, dict(reply.headers), reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def control(self, method, path, body=None):
        status, _, text = self.http(method, "/_fake/" + path, body)
        if status != 200:
            raise RuntimeError("control %s %s: %s" % (method, path, text))
        return json.loads(text)


def recorded_params(request):
    params = dict(parse_qsl(request.get("query", ""), keep_blank_values=True))
    params.update(parse_qsl(request.get("body", ""), keep_blank_values=True))
    params.pop("Signature", None)
    return params


def domain_of(params):
    if params.get("DomainName"):
        return params["DomainName"]
    if params.get("SubDomain"):
        return ".".join(params["SubDomain"].split(".")[-2:])
    return "example.com"


def replay(fake, exchange):
    """The fake's (status, content type, body) for the exchange's request."""
    request, expect = exchange["request"], exchange.get("expect", {})
    code = expect.get("error_code")
    params = recorded_params(request)
    domain = domain_of(params)
    fake.control("DELETE", "requests")
    for record in fake.control("GET", "records"):  # each exchange starts from an empty account
        fake.control("DELETE", "records/" + record["RecordId"])
    if code != "InvalidDomainName.NoExist":
        edition = "free" if code == "QuotaExceeded.TTL" else "enterprise_ultimate"
        fake.control("POST", "domains", {"name": domain, "edition": edition})
    if params.get("Action") in ("DescribeDomainRecords", "DescribeSubDomainRecords"):
        # The records the recorded listing shows, so the fake's listing has records to shape.
        listed = json.loads(exchange["response"]["body"]).get("DomainRecords", {})
        for r in listed.get("Record", []):
            fake.control("POST", "records", {"domain": domain, "rr": r["RR"], "type": r["Type"],
                                             "value": r["Value"], "ttl": r["TTL"],
                                             "line": r["Line"], "status": r["Status"]})
    if "RecordId" in params:
        value = params["Value"] if code == "DomainRecordDuplicate" else "before.example.net"
        rtype = params["Type"] if code == "DomainRecordDuplicate" else "TXT"
        record = fake.control("POST", "records", {"domain": domain,
                                                  "rr": params.get("RR", "deleted"),
                                                  "type": rtype, "value": value, "ttl": 600})
        params["RecordId"] = record["RecordId"]
    key_id, secret = KEY_ID, KEY_SECRET
    if "SecurityToken" in params:
        fake.control("POST", "sts", {"access_key_id": STS_ID, "access_key_secret": STS_SECRET,
                                     "security_token": STS_TOKEN})
        key_id, secret = STS_ID, STS_SECRET
        params["SecurityToken"] = STS_TOKEN
    if code and code.startswith("InvalidAccessKeyId"):
        key_id = "LTAI-nobody-knows"
    if code == "SignatureDoesNotMatch":
        secret = "not-the-secret"
    if code == "Throttling.User":
        fake.control("POST", "throttle", {"count": 1})
    params["AccessKeyId"] = key_id
    params["SignatureNonce"] = str(uuid.uuid4())
    if code != "InvalidTimeStamp.Expired":
        params["Timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    method = request["method"]
    text = signed(method, params, secret)
    if method == "GET":
        return fake.http("GET", "/?" + text)
    return fake.http("POST", "/", text.encode(),
                     {"Content-Type": "application/x-www-form-urlencoded"})


def main():
    files = sorted(glob.glob(os.path.join(HERE, "*.json")))
    failures = []
    with tempfile.TemporaryDirectory(prefix="planb-alidns-conformance-") as workdir:
        fake = Fake(workdir)
        try:
            for path in files:
                exchange = load_exchange(path)
                name = os.path.basename(path)
                recorded = exchange["response"]
                status, headers, body = replay(fake, exchange)
                content_type = headers.get("Content-Type", "")
                missing = missing_from(
                    shape_of(recorded["body"], recorded["headers"].get("Content-Type", "")),
                    shape_of(body, content_type))
                problems = []
                if status != recorded["status"]:
                    problems.append("status %d, recorded %d" % (status, recorded["status"]))
                if missing:
                    problems.append("missing " + ", ".join(missing))
                want_code = exchange.get("expect", {}).get("error_code")
                got_code = json.loads(body).get("Code") if body.strip().startswith("{") else None
                if want_code and not (got_code or "").startswith(want_code):
                    problems.append("Code %r, recorded %r" % (got_code, want_code))
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
