"""The PowerDNS corpus held to the real server: PowerDNS Authoritative of Debian 12 (4.7) is the
"fake" here. The test starts pdns_server as the end-to-end tests do (tests/e2e/world.py Pdns),
gives its zone what the recorded exchanges presume (www a CNAME with an operator's comment, txt a
TXT), sends every request of tests/conformance/powerdns/ in file order with the server's key
(a wrong one where the exchange records a wrong one) and checks that the reply has the recorded
status and every field of the recorded reply (shape.py)."""

import glob
import json
import os
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import world  # noqa: E402
from shape import load_exchange, missing_from, shape_of  # noqa: E402

KEY = "pdns-conformance-key-5d0c"
# Zones of exchanges recorded elsewhere, mapped to the test server's one zone.
ZONES = {"unit.tests.": "example.test."}


def send(api_url, request):
    path = request["path"]
    for recorded, ours in ZONES.items():
        path = path.replace(recorded, ours)
    url = api_url + path + ("?" + request["query"] if request["query"] else "")
    body = request["body"].encode() if request["body"] else None
    sent = urllib.request.Request(url, method=request["method"], data=body)
    for name, value in request["headers"].items():
        if name == "X-API-Key":
            value = "wrong-key" if "wrong" in value else KEY
        sent.add_header(name, value)
    try:
        with urllib.request.urlopen(sent, timeout=10) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def api_answers(api_url):
    try:
        return send(api_url, {"method": "GET", "path": "/api/v1/servers/localhost", "query": "",
                              "headers": {"X-API-Key": "***"}, "body": ""})[0] == 200
    except OSError:
        return False


class PowerDnsConformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="planb-pdns-conformance-")
        cls.pdns = world.Pdns(cls.dir.name, "app.aws.example.net.", KEY)
        world.wait_for("the PowerDNS API", lambda: api_answers(cls.pdns.api_url), 10)
        # What the recorded exchanges presume: www's CNAME carries a comment (TTL 30), txt a TXT.
        setup = {"rrsets": [
            {"name": "www.example.test.", "type": "CNAME", "ttl": 30, "changetype": "REPLACE",
             "records": [{"content": "app.aws.example.net.", "disabled": False}],
             "comments": [{"content": "failover target, owned by team web", "account": "ops"}]},
            {"name": "txt.example.test.", "type": "TXT", "ttl": 60, "changetype": "REPLACE",
             "records": [{"content": "\"v=spf1 -all\"", "disabled": False}]}]}
        status = send(cls.pdns.api_url, {
            "method": "PATCH", "path": "/api/v1/servers/localhost/zones/example.test.",
            "query": "", "body": json.dumps(setup),
            "headers": {"X-API-Key": "***", "Content-Type": "application/json"}})[0]
        assert status == 204, status

    @classmethod
    def tearDownClass(cls):
        cls.pdns.stop()
        cls.dir.cleanup()

    def test_the_real_server_answers_every_corpus_request_with_the_recorded_shape(self):
        files = sorted(glob.glob(os.path.join(HERE, "powerdns", "*.json")))
        self.assertGreaterEqual(len(files), 10)
        for path in files:
            exchange = load_exchange(path)
            with self.subTest(os.path.basename(path)):
                status, content_type, body = send(self.pdns.api_url, exchange["request"])
                recorded = exchange["response"]
                self.assertEqual(status, recorded["status"], body)
                self.assertEqual(
                    missing_from(shape_of(recorded["body"]), shape_of(body, content_type)), [],
                    "fields of the recorded reply the real server's lacks; it sent: " + body)


if __name__ == "__main__":
    unittest.main()
