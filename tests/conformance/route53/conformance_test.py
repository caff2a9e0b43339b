#!/usr/bin/env python3
"""The Route 53 fake (tests/fakes/route53_server.py) answers the corpus' requests with replies of
the recorded shape (tests/conformance/README.md, check 2).

Each exchange's request is sent to the fake, re-signed with the fake's keys and session token,
after the fake was given what the recorded account held (the zone under the recorded id, the
record sets the request reads or the change needs). Successful replies must have every element
path of the recorded reply (shape.py). Error replies must carry the recorded status and code;
their element paths are compared too, except for recordings of the 2012-12-12 API, whose
<Response><Errors> shape Route 53 no longer documents (the fake answers <ErrorResponse>, the shape
of the current API reference, "Common Errors"). Recordings of the 2012-12-12 API are sent to the
fake's 2013-04-01 API (path and namespace), the only version it serves.
"""

import datetime
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from urllib.parse import quote, unquote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from shape import missing_from, shape_of  # noqa: E402

FAKE = os.path.join(HERE, "..", "..", "fakes", "route53_server.py")
AKID = "ASIAPLANBCONFORMANCE"
SECRET = "conformance/secret+key/0123456789abcdefghij"
TOKEN = "IQoJb3JpZ2luX2VjEConformanceToken/+=="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(method, path, query, body, host, secret=SECRET, token=TOKEN):
    """SigV4 headers for a Route 53 request (service route53, us-east-1), as AWS documents it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-security-token": token}
    signed = ";".join(sorted(headers))
    canonical_uri = "/".join(quote(quote(seg, safe="-_.~"), safe="-_.~")
                             for seg in path.split("/"))
    pairs = sorted((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
                   for k, _, v in (p.partition("=") for p in query.split("&") if p))
    canonical = "\n".join([method, canonical_uri, "&".join("%s=%s" % kv for kv in pairs),
                           "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers)),
                           signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/us-east-1/route53/aws4_request" % day
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "route53", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"X-Amz-Date": amz_date, "X-Amz-Security-Token": token,
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                             % (AKID, scope, signed, signature)}


def error_code(body):
    """The code of an error body of any shape Route 53 has used."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(body)
    local = root.tag.split("}")[-1]
    if local == "InvalidChangeBatch":
        return "InvalidChangeBatch"
    for e in root.iter():
        if e.tag.split("}")[-1] == "Code":
            return (e.text or "").strip()
    return None


# What the recorded account held for each exchange, and how its request maps onto the fake.
ZONE_LEXICON = ("fullcr1stal.tk.", "Z0748009194T9V149ZJ4F")
ZONE_DOCS = ("example.com.", "Z1PA6795UKMFR9")
ZONE_DENOMINATOR = ("denominator.io.", "Z1PA6795UKMFR9")
ZONE_MYZONE = ("myzone.com.", "Z1PA6795UKMFR9")


def rrset(zone_id, name, rtype, ttl, values, **extra):
    body = {"zone_id": zone_id, "name": name, "type": rtype, "ttl": ttl, "values": values}
    body.update(extra)
    return body


SETUP = {
    "01": {"zones": [ZONE_LEXICON]},
    "02": {"zones": [ZONE_LEXICON],
           "rrsets": [rrset("Z0748009194T9V149ZJ4F", "docs.fullcr1stal.tk.", "CNAME", 3600,
                            ["docs.example.com"])]},
    "03": {"zones": [ZONE_LEXICON]},
    "04": {"zones": [ZONE_DOCS],
           "rrsets": [rrset("Z1PA6795UKMFR9", "example.com.", "SOA", 900,
                            ["ns-2048.awsdns-64.net. hostmaster.awsdns.com. 1 7200 900 1209600 86400"]),
                      rrset("Z1PA6795UKMFR9", "example.com.", "NS", 172800,
                            ["ns-2048.awsdns-64.net."])]},
    "05": {"zones": [ZONE_DOCS], "change_first": True},
    "06": {"zones": [ZONE_DENOMINATOR],
           "rrsets": [rrset("Z1PA6795UKMFR9", "www.denominator.io.", "CNAME", 0,
                            ["www1.denominator.io."], set_identifier="a", weight=1),
                      rrset("Z1PA6795UKMFR9", "www.denominator.io.", "CNAME", 0,
                            ["www2.denominator.io."], set_identifier="b", weight=1)]},
    "07": {"zones": [ZONE_MYZONE],
           "rrsets": [rrset("Z1PA6795UKMFR9", "apple.myzone.com.", "A", 300, ["1.2.3.4"],
                            set_identifier="foobar", weight=1),
                      rrset("Z1PA6795UKMFR9", "fooo.myzone.com.", "A", 0, [],
                            alias_target={"hosted_zone_id": "Z3I0BTR7N27QRM",
                                          "dns_name": "ipv4-route53recordsetlivetest."
                                                      "adrianc.myzone.com."})]},
    "08": {"fault": {"kind": "throttle"}},
    "09": {"zones": [ZONE_DENOMINATOR], "config": {"legacy_errors": True},
           "rrsets": [rrset("Z1PA6795UKMFR9", "www.denominator.io.", "A", 3600, ["192.0.2.1"])]},
    "10": {"wrong_secret": True},
    "11": {"config": {"token_expired": True}},
    "13": {"zones": [ZONE_DOCS]},
    "14": {"private_zones": [ZONE_DOCS]},
    "15": {"zones": [ZONE_LEXICON]},
    "16": {"zones": [ZONE_LEXICON],
           "rrsets": [rrset("Z0748009194T9V149ZJ4F", "delete.testfilt.fullcr1stal.tk.", "TXT",
                            3600, ['"challengetoken"'])]},
    "17": {"zones": [ZONE_LEXICON],
           "rrsets": [rrset("Z0748009194T9V149ZJ4F", name, "TXT", 3600, ['"challengetoken"'])
                      for name in ("_acme-challenge.fqdn.fullcr1stal.tk.",
                                   "_acme-challenge.full.fullcr1stal.tk.",
                                   "_acme-challenge.test.fullcr1stal.tk.")]},
    "18": {"zones": [ZONE_LEXICON]},
}


class Route53Conformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        files = {}
        for name, text in (("akid", AKID), ("secret", SECRET), ("token", TOKEN)):
            files[name] = os.path.join(cls.dir.name, name)
            with open(files[name], "w") as f:
                f.write(text + "\n")
            os.chmod(files[name], 0o600)
        cls.port = free_port()
        cls.log = open(os.path.join(cls.dir.name, "fake.log"), "w")
        cls.fake = subprocess.Popen(
            [sys.executable, FAKE, "--port", str(cls.port), "--access-key-id-file", files["akid"],
             "--secret-file", files["secret"], "--session-token-file", files["token"],
             "--max-requests-per-second", "0", "--pending-polls", "0"],
            stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                cls.control("GET", "health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or cls.fake.poll() is not None:
                    raise RuntimeError("the Route 53 fake did not start")
                time.sleep(0.05)  # polling the server's start, bounded by the deadline

    @classmethod
    def tearDownClass(cls):
        cls.fake.terminate()
        cls.fake.wait(10)
        cls.log.close()
        cls.dir.cleanup()

    @classmethod
    def control(cls, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request("http://127.0.0.1:%d/_fake/%s" % (cls.port, path),
                                         data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    def send(self, method, path, query, body, secret=SECRET):
        host = "127.0.0.1:%d" % self.port
        data = body.encode()
        headers = sign(method, path, query, data, host, secret=secret)
        if data:
            headers["Content-Type"] = "application/xml"
        url = "http://%s%s%s" % (host, quote(path, safe="/-_.~"), "?" + query if query else "")
        request = urllib.request.Request(url, data=data if data else None, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    def prepare(self, number):
        self.control("POST", "reset", {})
        setup = SETUP.get(number, {})
        for name, zone_id in setup.get("zones", []):
            self.control("POST", "zones", {"name": name, "id": zone_id})
        for name, zone_id in setup.get("private_zones", []):
            self.control("POST", "zones", {"name": name, "id": zone_id, "private": True})
        for body in setup.get("rrsets", []):
            self.control("POST", "rrsets", body)
        if "config" in setup:
            self.control("POST", "config", setup["config"])
        if "fault" in setup:
            self.control("POST", "faults", setup["fault"])
        return setup

    def test_the_fake_answers_every_corpus_request_with_the_recorded_shape(self):
        files = sorted(f for f in os.listdir(HERE) if f.endswith(".json"))
        self.assertGreaterEqual(len(files), 12)
        checked = 0
        for name in files:
            with open(os.path.join(HERE, name), encoding="utf-8") as f:
                exchange = json.load(f)
            if exchange["response"] is None:
                continue  # a request only: the signing vector, checked by route53_test
            with self.subTest(exchange=name):
                number = name[:2]
                setup = self.prepare(number)
                request = exchange["request"]
                path = request["path"]
                body = request["body"].replace("doc/2012-12-12/", "doc/2013-04-01/")
                if request["method"] == "POST" and not path.endswith("/"):
                    path += "/"  # the 2013-04-01 operation's URI; 2012-12-12 clients sent none
                if setup.get("change_first"):
                    status, _, text = self.send(
                        "POST", "/2013-04-01/hostedzone/Z1PA6795UKMFR9/rrset/", "",
                        exchange_body_for_change())
                    self.assertEqual(status, 200, text)
                    change_id = text.split("<Id>/change/")[1].split("<")[0]
                    path = path.replace("C2682N5HXP0BZ4", change_id)
                status, content_type, text = self.send(
                    request["method"], path, request["query"], body,
                    secret="not-the-secret" if setup.get("wrong_secret") else SECRET)
                recorded = exchange["response"]
                self.assertEqual(status, recorded["status"], text)
                if status >= 400:
                    self.assertEqual(error_code(text), exchange["expect"]["code"], text)
                    if "doc/2012-12-12/" in recorded["body"] and \
                            "<InvalidChangeBatch" not in recorded["body"]:
                        checked += 1
                        continue
                missing = missing_from(
                    shape_of(recorded["body"], recorded["headers"].get("Content-Type", "")),
                    shape_of(text, content_type))
                self.assertEqual(missing, [], "the fake's reply lacks what Route 53 sent:\n" + text)
                checked += 1
        self.assertGreaterEqual(checked, 11)


def exchange_body_for_change():
    return ('<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
            "<ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet>"
            "<Name>www.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords>"
            "<ResourceRecord><Value>a.example.net.</Value></ResourceRecord></ResourceRecords>"
            "</ResourceRecordSet></Change></Changes></ChangeBatch>"
            "</ChangeResourceRecordSetsRequest>")


if __name__ == "__main__":
    unittest.main()
