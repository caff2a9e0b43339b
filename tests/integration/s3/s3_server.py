#!/usr/bin/env python3
"""A small fake of S3-compatible object storage for planb's signed-probe tests.

Python 3 standard library only. Listens on 127.0.0.1 only.

    s3_server.py --port P --access-key-id-file F --secret-file F [--region R]
                 [--session-token-file F] [--object /bucket/key=content]...

Every request must carry an AWS Signature Version 4 Authorization header, which the server
recomputes on its own (hashlib/hmac; service s3, the path encoded once, X-Amz-Content-Sha256 as
the payload hash, the clock skew at most 15 minutes):
- a bad or missing signature: 403 SignatureDoesNotMatch / AccessDenied;
- another access key id: 403 InvalidAccessKeyId;
- with --session-token-file (temporary credentials, an STS key id "ASIA…"): the request must
  carry X-Amz-Security-Token, among the signed headers: without it 403 InvalidAccessKeyId (the
  temporary key id alone is unknown), with another token 400 InvalidToken ("The provided token is
  malformed or otherwise invalid"), as https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
  lists them; https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html: the
  token header is part of the signed request for S3;
- then GET or HEAD of a known object: 200 with its content; of another: 404 NoSuchKey.
GET /_fake/requests (unsigned) returns the log of requests as JSON lines: method, path, status.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key_id>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_query(query):
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append((quote(unquote(name), safe="~"), quote(unquote(value), safe="~")))
    return "&".join(n + "=" + v for n, v in sorted(pairs))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_request(body=True)

    def do_HEAD(self):
        self.handle_request(body=False)

    def reply(self, status, text, body):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(data)
        with self.server.lock:
            self.server.log.append({"method": self.command, "path": self.path, "status": status})

    def error(self, status, code, body):
        self.reply(status, "<Error><Code>%s</Code></Error>" % code, body)

    # The status S3 answers each refusal of check_signature with (403 unless listed).
    STATUS = {"InvalidToken": 400, "ExpiredToken": 400}

    def handle_request(self, body):
        if self.path == "/_fake/requests":
            with self.server.lock:
                text = "".join(json.dumps(entry) + "\n" for entry in self.server.log)
            self.reply(200, text, body)
            return
        why = self.check_signature()
        if why is not None:
            self.error(self.STATUS.get(why, 403), why, body)
            return
        path = unquote(self.path.partition("?")[0])
        if path in self.server.objects:
            self.reply(200, self.server.objects[path], body)
        else:
            self.error(404, "NoSuchKey", body)

    def check_signature(self):
        match = AUTH.match(self.headers.get("Authorization", ""))
        if not match:
            return "AccessDenied"
        if match["key_id"] != self.server.access_key_id:
            return "InvalidAccessKeyId"
        if match["region"] != self.server.region or match["service"] != "s3":
            return "AuthorizationHeaderMalformed"
        amz_date = self.headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            return "AccessDenied"
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs((now - when).total_seconds()) > 900 or amz_date[:8] != match["day"]:
            return "RequestTimeTooSkewed"
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-content-sha256" not in signed:
            return "AccessDenied"
        if self.server.session_token is not None:
            token = self.headers.get("X-Amz-Security-Token")
            if token is None:
                return "InvalidAccessKeyId"
            if token != self.server.session_token or "x-amz-security-token" not in signed:
                return "InvalidToken"
        payload_hash = self.headers.get("X-Amz-Content-Sha256")
        if payload_hash != sha256_hex(b""):
            return "XAmzContentSHA256Mismatch"
        path, _, query = self.path.partition("?")
        headers = "".join(
            name + ":" + " ".join((self.headers.get(name) or "").split()) + "\n" for name in signed)
        canonical = "\n".join([self.command, quote(unquote(path), safe="/~"),
                               canonical_query(query), headers, match["signed"], payload_hash])
        scope = "/".join([match["day"], match["region"], "s3", "aws4_request"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             sha256_hex(canonical.encode())])
        key = ("AWS4" + self.server.secret).encode()
        for part in (match["day"], match["region"], "s3", "aws4_request"):
            key = hmac_sha256(key, part)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return "SignatureDoesNotMatch"
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key-id-file", required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--session-token-file")
    parser.add_argument("--object", action="append", default=[])
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.lock = threading.Lock()
    server.log = []
    server.region = args.region
    with open(args.access_key_id_file) as f:
        server.access_key_id = f.read().strip()
    with open(args.secret_file) as f:
        server.secret = f.read().strip()
    server.session_token = None
    if args.session_token_file:
        with open(args.session_token_file) as f:
            server.session_token = f.read().strip()
    server.objects = {}
    for spec in args.object:
        path, _, content = spec.partition("=")
        server.objects[path] = content
    server.serve_forever()


if __name__ == "__main__":
    main()
