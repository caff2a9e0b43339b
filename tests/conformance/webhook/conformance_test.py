#!/usr/bin/env python3
"""webhook_conformance: tests/fakes/webhook_provider.py answers every request of the corpus beside
this file with the recorded status and Content-Type and, for JSON bodies, a reply of the recorded
shape (shape.py); text/plain refusals with the recorded text's start.

The fake runs with the domain filter of exchange 01 (foo.bar.com). Before each exchange its store
is emptied and given what the recorded reply needs: the endpoints a recorded listing shows, and
for a recorded batch the endpoints its updates and deletes name.
"""

import glob
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "webhook_provider.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake:
    def __init__(self):
        for _ in range(5):  # a port free when picked may be taken before the fake binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [sys.executable, FAKE, "--port", str(self.port), "--domain-filter", "foo.bar.com"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if "listening" in self.process.stdout.readline():
                return
            self.process.wait()
        raise RuntimeError("the webhook fake did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def http(self, method, path, body, headers):
        # http.client sends the recorded headers and no others (urllib would add a Content-Type).
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body.encode() if body else None,
                               headers=headers)
            reply = connection.getresponse()
            return reply.status, dict(reply.getheaders()), reply.read().decode()
        finally:
            connection.close()

    def control(self, method, path, body=None):
        status, _, text = self.http(method, "/_fake/" + path,
                                    json.dumps(body) if body is not None else "",
                                    {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("control %s %s: %s" % (method, path, text))
        return json.loads(text)


def prepare(fake, exchange):
    request, response = exchange["request"], exchange["response"]
    fake.control("DELETE", "records")
    if request["method"] == "GET" and request["path"] == "/records" and response["status"] == 200:
        for endpoint in json.loads(response["body"]):
            fake.control("POST", "records", endpoint)
    if request["method"] == "POST" and request["path"] == "/records" and request["body"]:
        changes = json.loads(request["body"])
        for key, endpoints in changes.items():
            if key.lower() in ("updateold", "updatenew", "delete"):
                for endpoint in endpoints:
                    fake.control("POST", "records", endpoint)


def main():
    files = sorted(glob.glob(os.path.join(HERE, "*.json")))
    failures = []
    with tempfile.TemporaryDirectory(prefix="planb-webhook-conformance-"):
        fake = Fake()
        try:
            for path in files:
                exchange = load_exchange(path)
                name = os.path.basename(path)
                request, recorded = exchange["request"], exchange["response"]
                prepare(fake, exchange)
                status, headers, body = fake.http(request["method"], request["path"],
                                                  request["body"], request["headers"])
                problems = []
                if status != recorded["status"]:
                    problems.append("status %d, recorded %d" % (status, recorded["status"]))
                want_type = recorded["headers"].get("Content-Type")
                got_type = headers.get("Content-Type")
                if want_type and got_type != want_type:
                    problems.append("Content-Type %r, recorded %r" % (got_type, want_type))
                if want_type and "json" in want_type:
                    missing = missing_from(shape_of(recorded["body"], want_type),
                                           shape_of(body, got_type or ""))
                    if missing:
                        problems.append("missing " + ", ".join(missing))
                elif want_type == "text/plain":
                    prefix = recorded["body"].split(":")[0]
                    if not body.startswith(prefix):
                        problems.append("body %r, recorded %r" % (body, recorded["body"]))
                elif recorded["body"] == "" and body != "":
                    problems.append("a body %r, recorded none" % body)
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
