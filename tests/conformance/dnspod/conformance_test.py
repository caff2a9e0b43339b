#!/usr/bin/env python3
"""dnspod_conformance: tests/fakes/dnspod_server.py answers every request of the corpus beside this
file with a reply of the recorded shape (shape.py) and the recorded error Code.

Each exchange's body is sent again as recorded, signed (TC3-HMAC-SHA256) with the fake's keys and a
fresh X-TC-Timestamp, with the RecordId the fake assigned in place of the recorded one. The fake is
put in the state the recorded reply needs: the domains the requests name, the two apex NS records
DescribeRecordList lists, and for AuthFailure.SecretIdNotFound a SecretId it does not know.
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
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "dnspod_server.py")
SECRET_ID, SECRET_KEY = "AKIDconformance", "dnspod-conformance-key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hmac256(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def headers_for(host, action, body, secret_id, secret_key):
    timestamp = int(time.time())
    content_type = "application/json; charset=utf-8"
    canonical = "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
        content_type, host, hashlib.sha256(body).hexdigest())
    day = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    scope = day + "/dnspod/tc3_request"
    to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (timestamp, scope,
                                               hashlib.sha256(canonical.encode()).hexdigest())
    key = hmac256(hmac256(hmac256(("TC3" + secret_key).encode(), day), "dnspod"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "Host": host, "X-TC-Action": action,
            "X-TC-Version": "2021-03-23", "X-TC-Timestamp": str(timestamp),
            "Authorization": "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, "
                             "Signature=%s" % (secret_id, scope, signature)}


def main():
    failures = []
    with tempfile.TemporaryDirectory() as workdir:
        files = {}
        for name, value in (("id", SECRET_ID), ("key", SECRET_KEY)):
            files[name] = os.path.join(workdir, name)
            with open(files[name], "w") as f:
                f.write(value + "\n")
            os.chmod(files[name], 0o600)
        port = free_port()
        log = open(os.path.join(workdir, "fake.log"), "w")
        proc = subprocess.Popen([sys.executable, FAKE, "--port", str(port), "--secret-id-file",
                                 files["id"], "--secret-key-file", files["key"],
                                 "--page-size-max", "100"], stdout=log, stderr=subprocess.STDOUT)
        base = "http://127.0.0.1:%d" % port

        def control(method, path, body=None):
            request = urllib.request.Request(base + path, method=method,
                                             data=json.dumps(body).encode() if body else None,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as reply:
                return json.loads(reply.read() or b"{}")

        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    control("GET", "/_fake/health")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            for domain in ("dnspod.cn", "dnspod.site", "dnspod.com"):
                control("POST", "/_fake/domains", {"name": domain})
            for value in ("f1g1ns1.dnspod.net.", "f1g1ns2.dnspod.net."):
                control("POST", "/_fake/records", {"domain": "dnspod.cn", "name": "@",
                                                   "type": "NS", "value": value, "ttl": 86400})
            created = None
            for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
                exchange = load_exchange(path)
                name = os.path.basename(path)
                request = exchange["request"]
                action = request["headers"]["X-TC-Action"]
                params = json.loads(request["body"])
                if "RecordId" in params and created is not None:
                    params["RecordId"] = created
                body = json.dumps(params, ensure_ascii=False).encode()
                secret_id = "AKIDunknown" if "secret-id-not-found" in name else SECRET_ID
                http = urllib.request.Request(base + "/", data=body, method="POST",
                                              headers=headers_for("127.0.0.1:%d" % port, action,
                                                                  body, secret_id, SECRET_KEY))
                with urllib.request.urlopen(http, timeout=5) as reply:
                    status, text = reply.status, reply.read()
                recorded = exchange["response"]
                if status != recorded["status"]:
                    failures.append("%s: HTTP %d, recorded %d" % (name, status, recorded["status"]))
                got = json.loads(text)
                want = json.loads(recorded["body"])
                code = want["Response"].get("Error", {}).get("Code")
                got_code = got["Response"].get("Error", {}).get("Code")
                if code != got_code:
                    failures.append("%s: Code %s, recorded %s" % (name, got_code, code))
                missing = missing_from(shape_of(recorded["body"]), shape_of(text))
                if missing:
                    failures.append("%s: the fake's reply lacks %s" % (name, ", ".join(missing)))
                if action == "CreateRecord" and got_code is None:
                    created = got["Response"]["RecordId"]
                print("%s: %s" % (name, "ok" if not failures or not failures[-1].startswith(name)
                                  else "FAILED"))
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
