#!/usr/bin/env python3
"""cloudflare_conformance: the fake (tests/fakes/cloudflare_server.py) answers every request of the
corpus (tests/conformance/cloudflare/*.json) with the recorded status and a reply of the recorded
shape (shape.py): no field the real service sent is missing from the fake's reply.

Each exchange's state is put into the fake first, through its control endpoints: the zone, the
records the recorded reply lists or the request names (their ids mapped to the fake's), the token
the exchange was refused for, or a throttle. Then the recorded request is sent as recorded, with
the fake's zone and record ids in place of the recorded ones.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import load_exchange, missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "cloudflare_server.py")
TOKEN = "gWLX2tc008RPN0yxuphRS2wGwPlanbConform_Kd"  # 40 characters, as Cloudflare's tokens
PREFIX = "/client/v4/zones/"


class Fake:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="planb-cf-conformance-")
        token_file = os.path.join(self.dir.name, "token")
        with open(token_file, "w", encoding="utf-8") as f:
            f.write(TOKEN + "\n")
        self.process = subprocess.Popen(
            [sys.executable, FAKE, "--port", "0", "--token-file", token_file,
             "--per-page-max", "100"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()  # "... listening on 127.0.0.1:PORT", once bound
        if not line:
            raise RuntimeError("the Cloudflare fake did not start")
        self.base = "http://" + line.split()[-1]

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.dir.cleanup()

    def send(self, method, path, body=None, headers=None):
        data = body.encode() if isinstance(body, str) and body else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.headers.get("Content-Type", ""), reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def control(self, method, path, body=None):
        status, _, text = self.send(method, "/_fake/" + path,
                                    json.dumps(body) if body is not None else None,
                                    {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("control %s: HTTP %d: %s" % (path, status, text))
        return json.loads(text)


def zone_of(name):
    """The zone a record name belongs to in the corpus: its last two labels."""
    return ".".join(name.split(".")[-2:])


class Exchange:
    """One corpus file replayed against a fresh fake."""

    def __init__(self, fake, exchange):
        self.fake = fake
        self.exchange = exchange
        self.zone_id = None  # the fake's id of the exchange's zone
        self.record_ids = {}  # recorded record id -> the fake's

    def zone(self, name):
        return self.fake.control("POST", "zones", {"name": name})

    def record(self, fields):
        kept = {k: fields[k] for k in ("name", "type", "content", "ttl", "proxied", "comment",
                                       "tags", "settings") if k in fields}
        stored = self.fake.control("POST", "records", dict(kept, zone=zone_of(fields["name"])))
        if "id" in fields:
            self.record_ids[fields["id"]] = stored["id"]
        return stored

    def prepare(self):
        """The fake's state for this exchange; the headers to send."""
        request, response = self.exchange["request"], self.exchange["response"]
        expect = self.exchange.get("expect", {})
        path, query = request["path"], dict(urllib.parse.parse_qsl(request.get("query", "")))
        headers = {"Authorization": "Bearer " + TOKEN}
        if request.get("body"):
            headers["Content-Type"] = "application/json"
        if path.startswith(PREFIX):
            names = [query.get("name.exact") or query.get("name") or ""]
            body = json.loads(response["body"])
            result = body.get("result")
            listed = result if isinstance(result, list) else [result] if isinstance(
                result, dict) and "name" in result else []
            names += [r["name"] for r in listed]
            sent = json.loads(request["body"]) if request.get("body") else {}
            names += [p["name"] for p in sent.get("patches", []) + sent.get("posts", [])
                      if isinstance(sent, dict)]
            if isinstance(sent, dict) and isinstance(sent.get("name"), str):
                names.append(sent["name"])
            zone = self.zone(zone_of(next((n for n in names if n), "example.com")))
            self.zone_id = zone["id"]
            record_path = path.rstrip("/").split("/")
            if request["method"] == "GET" and response["status"] == 200 and len(record_path) > 5:
                for r in listed:  # a listing's records (GET /zones/{id} lists none)
                    self.record(r)
            elif request["method"] == "DELETE":
                self.record({"id": record_path[-1], "name": "deleted." + zone["name"],
                             "type": "TXT", "content": "challengetoken"})
            elif request["method"] == "PATCH":
                record_id = path.rstrip("/").split("/")[-1]
                self.record(dict(listed[0], id=record_id, content="192.0.2.1"))
            elif path.endswith("/batch"):
                for p in sent.get("patches", []):
                    self.record(dict(p, content="192.0.2.1"))
            if expect.get("fake_state") == "identical":
                self.record(sent)  # the record the recorded POST was refused as a copy of
        elif path == "/client/v4/zones" and response["status"] == 200:
            self.zone(query["name"])
        token = expect.get("fake_token")
        if token == "malformed":
            headers["Authorization"] = "Bearer 0123456789abcdef0123456789abcdef01234"
        elif token == "wrong":
            headers["Authorization"] = "Bearer " + TOKEN[::-1]
        elif token == "revoked":
            self.fake.control("POST", "revoke", {})
        if expect.get("error_kind") == "RateLimited":
            self.fake.control("POST", "throttle", {"count": 1})
        return headers

    def replay(self):
        headers = self.prepare()
        request = self.exchange["request"]
        path, body = request["path"], request.get("body", "")
        if path.startswith(PREFIX):
            segments = path[len(PREFIX):].split("/")
            segments[0] = self.zone_id
            if len(segments) == 3 and segments[2] != "batch":
                segments[2] = self.record_ids.get(segments[2], segments[2])
            path = PREFIX + "/".join(segments)
        if body and path.endswith("/batch"):
            sent = json.loads(body)
            for key in ("deletes", "patches", "puts"):
                for item in sent.get(key, []):
                    item["id"] = self.record_ids.get(item["id"], item["id"])
            body = json.dumps(sent)
        if request.get("query"):
            path += "?" + request["query"]
        return self.fake.send(request["method"], path, body, headers)


class CorpusConformance(unittest.TestCase):
    def test_the_fake_answers_every_corpus_request_with_the_recorded_shape(self):
        files = sorted(glob.glob(os.path.join(HERE, "*.json")))
        self.assertGreaterEqual(len(files), 11)
        for path in files:
            with self.subTest(exchange=os.path.basename(path)):
                exchange = load_exchange(path)
                fake = Fake()
                try:
                    status, content_type, text = Exchange(fake, exchange).replay()
                finally:
                    fake.close()
                recorded = exchange["response"]
                self.assertEqual(status, recorded["status"], text)
                missing = missing_from(
                    shape_of(recorded["body"], recorded["headers"].get("Content-Type", "")),
                    shape_of(text, content_type))
                self.assertEqual(missing, [], "the fake's reply lacks these: %s" % text[:400])


if __name__ == "__main__":
    unittest.main()
