#!/usr/bin/env python3
"""A small external-dns webhook provider, written from the protocol's documentation, for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone, or on a unix socket.

    webhook_provider.py (--port P | --unix /abs/path.sock) [--domain-filter example.test ...]
                        [--exclude-domain x.example.test ...] [--change-keys go|lower|capitalised]
                        [--min-ttl N] [--records seed.json] [--media-version 1]

The protocol (kubernetes-sigs/external-dns docs/tutorials/webhook-provider.md, api/webhook.yaml,
provider/webhook/api/httpapi.go):
  GET  /                 the domain filter, {"include": [...], "exclude": [...]}
                         (endpoint/domain_filter.go domainFilterSerde)
  GET  /records          every endpoint, [{"dnsName","targets","recordType","setIdentifier"?,
                         "recordTTL"?,"labels"?,"providerSpecific"?}] (endpoint/endpoint.go)
  POST /adjustendpoints  the endpoints, adjusted: a recordTTL below --min-ttl raised to it and a
                         providerSpecific entry "webhook-fake/adjusted" added
  POST /records          plan.Changes, applied as one batch: 204 No Content
Every answer with a body has Content-Type application/external.dns.webhook+json;version=1
(--media-version V: version=V, a provider of another protocol version, which refuses version 1).

Headers are checked as the community webhook template does (kashalls/external-dns-unifi-webhook
pkg/webhook/webhook.go and mediatype.go, the pattern of ionos-cloud/external-dns-ionos-webhook):
GET / and GET /records need Accept, POST /records needs Content-Type, POST /adjustendpoints both,
each equal to the media type byte for byte; a missing header is 406 "client must provide an accept
header" / "... a content type", another value 415 "client must provide a valid versioned media type
in the accept header: unsupported media type version: ...", both text/plain. A body that does not
decode is 400 text/plain "error decoding changes: ...".

Changes are validated as external-dns' own in-memory provider does (provider/inmemory/inmemory.go
validateChangeBatch), keyed by (dnsName, recordType, setIdentifier) (endpoint.EndpointKey): a
create of an existing key, an updateNew of a missing key, an updateOld or delete whose first target
is not the stored one, or one key twice in the batch, fail the whole batch, which changes nothing;
a failure of the provider is 500 with no body, as httpapi.go answers any provider error.

--change-keys: which keys of plan.Changes the provider decodes.
  go           (default) as Go's encoding/json does: an exact match preferred, else any case, so
               "create" and "Create" both work (every Go provider, whichever external-dns version)
  lower        only "create", "updateOld", "updateNew", "delete" (external-dns >= v0.17.0, #5355)
  capitalised  only "Create", "UpdateOld", "UpdateNew", "Delete" (older external-dns' field names)
A key the mode does not decode is ignored, as a JSON decoder ignores unknown members; the request
log lists it under "ignored_keys".

Control endpoints (tests only), JSON in and out:
  GET    /_fake/health
  GET    /_fake/records                  -> [endpoints]
  POST   /_fake/records   {endpoint}     stores (replaces the same key)
  DELETE /_fake/records                  forgets every endpoint
  POST   /_fake/race      {endpoint}     stored just before the next POST /records applies
  GET    /_fake/requests                 -> {"count","requests":[{"method","path","accept",
                                            "content_type","status","body"?,"ignored_keys"?}]}
  DELETE /_fake/requests
Faults (fault_control.py): /_fake/fail {"count","status"?} -> 500 (or STATUS) with no body;
/_fake/throttle {"count"} -> 500 too: the protocol has no throttling of its own, an upstream
rate limit is one more provider error (httpapi.go); /_fake/malformed {"count"} -> 200 with a broken
JSON body; /_fake/revoke -> the upstream DNS API refuses the provider's credentials: 500 for every
request until /_fake/credentials.
"""

import argparse
import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_control import FaultControl  # noqa: E402

MEDIA_TYPE = "application/external.dns.webhook+json;version=1"

# The keys of plan.Changes, per --change-keys (plan/plan.go; the json tags since commit 923a6d9).
LOWER_KEYS = ("create", "updateOld", "updateNew", "delete")
CAPITALISED_KEYS = ("Create", "UpdateOld", "UpdateNew", "Delete")


def key_of(endpoint):
    """endpoint.EndpointKey: the name as Go compares it (exactly), type, set identifier."""
    return (endpoint.get("dnsName", ""), endpoint.get("recordType", ""),
            endpoint.get("setIdentifier", ""))


def normal_name(name):
    return name.lower().rstrip(".")


class State:
    def __init__(self, include, exclude, change_keys, min_ttl, media_type=MEDIA_TYPE):
        self.media_type = media_type
        self.lock = threading.Lock()
        self.include = include
        self.exclude = exclude
        self.change_keys = change_keys
        self.min_ttl = min_ttl
        self.records = []
        self.race = []
        self.log = []
        self.count = 0
        self.faults = FaultControl()

    def find(self, key):
        for i, r in enumerate(self.records):
            if key_of(r) == key:
                return i
        return None

    def store(self, endpoint):
        i = self.find(key_of(endpoint))
        if i is None:
            self.records.append(endpoint)
        else:
            self.records[i] = endpoint


class ChangeError(Exception):
    pass


def decode_changes(body, mode):
    """The four lists as the mode's decoder reads them, and the keys it ignored."""
    if not isinstance(body, dict):
        raise ValueError("json: cannot unmarshal %s into Go value of type plan.Changes"
                         % type(body).__name__)
    lists = {k: [] for k in LOWER_KEYS}
    ignored = []
    for key, value in body.items():
        target = None
        if mode == "lower" and key in LOWER_KEYS:
            target = key
        elif mode == "capitalised" and key in CAPITALISED_KEYS:
            target = LOWER_KEYS[CAPITALISED_KEYS.index(key)]
        elif mode == "go":
            # encoding/json: "preferring an exact match but also accepting a case-insensitive
            # match" (https://pkg.go.dev/encoding/json#Unmarshal).
            for k in LOWER_KEYS:
                if k.lower() == key.lower():
                    target = k
        if target is None:
            ignored.append(key)
            continue
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise ValueError("json: cannot unmarshal into Go struct field Changes.%s" % key)
        lists[target] = value
    return lists, ignored


def first_target(endpoint):
    targets = endpoint.get("targets") or []
    return targets[0] if targets else None


def apply_changes(state, lists):
    """provider/inmemory/inmemory.go validateChangeBatch, then ApplyChanges."""
    for endpoint in state.race:
        state.store(endpoint)
    state.race = []
    mesh = set()

    def once(endpoint):
        if key_of(endpoint) in mesh:
            raise ChangeError("invalid batch request")
        mesh.add(key_of(endpoint))

    for e in lists["create"]:
        if state.find(key_of(e)) is not None:
            raise ChangeError("record already exists")
        once(e)
    for e in lists["updateNew"]:
        if state.find(key_of(e)) is None:
            raise ChangeError("record not found")
        once(e)
    for e in lists["updateOld"]:
        i = state.find(key_of(e))
        if i is None or first_target(state.records[i]) != first_target(e):
            raise ChangeError("record not found")
    for e in lists["delete"]:
        i = state.find(key_of(e))
        if i is None or first_target(state.records[i]) != first_target(e):
            raise ChangeError("record not found")
        once(e)
    for e in lists["create"] + lists["updateNew"]:
        state.store(e)
    for e in lists["delete"]:
        del state.records[state.find(key_of(e))]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "webhook-fake/1"

    def log_message(self, fmt, *args):  # one line per request on stderr, never the body
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def address_string(self):  # a unix socket has no peer address
        return "local"

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body=None, content_type=MEDIA_TYPE):
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = (json.dumps(body) + "\n").encode()  # json.Encoder.Encode ends with a newline
        self.send_response(status)
        if data and content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        path = urlsplit(self.path).path
        raw = self.read_body()
        state = self.server.state
        if path.startswith("/_fake/"):
            with state.lock:
                status, body = self.control(state, path, raw)
            self.send(status, body, "application/json")
            return
        with state.lock:
            state.count += 1
            entry = {"method": self.command, "path": path,
                     "accept": self.headers.get("Accept"),
                     "content_type": self.headers.get("Content-Type")}
            state.log.append(entry)
            status, body, content_type = self.api(state, path, raw, entry)
            entry["status"] = status
        self.send(status, body, content_type)

    def header_check(self, name):
        """The template's headerCheck: (status, text) of a refusal, or None."""
        value = self.headers.get(name)
        what = "content type" if name == "Content-Type" else "accept header"
        if not value:
            article = "a" if name == "Content-Type" else "an"
            return 406, "client must provide %s %s" % (article, what)
        media_type = self.server.state.media_type
        if value != media_type:
            return 415, ("client must provide a valid versioned media type in the %s: "
                         "unsupported media type version: '%s'. supported media types are: '%s'"
                         % (what, value, media_type))
        return None

    def api(self, state, path, raw, entry):
        route = (self.command, path)
        checks = {("GET", "/"): ["Accept"], ("GET", "/records"): ["Accept"],
                  ("POST", "/records"): ["Content-Type"],
                  ("POST", "/adjustendpoints"): ["Content-Type", "Accept"]}
        if route not in checks:
            # http.ServeMux answers an unknown path under "/" with the negotiation handler; the
            # webhook template's router (chi) 404s: the fake does as the latter.
            return 404, "404 page not found\n", "text/plain; charset=utf-8"
        for header in checks[route]:
            refused = self.header_check(header)
            if refused:
                return refused[0], refused[1], "text/plain"
        fault = state.faults.take()
        if fault is not None:
            if fault["kind"] == "malformed":
                return 200, b'[{"dnsName": "www.', state.media_type
            return int(fault.get("status") or 500), None, None
        if state.faults.revoked:
            return 500, None, None  # the upstream API refused the provider's credentials
        if route == ("GET", "/"):
            body = {}
            if state.include:
                body["include"] = sorted(state.include)
            if state.exclude:
                body["exclude"] = sorted(state.exclude)
            return 200, body, state.media_type
        if route == ("GET", "/records"):
            return 200, state.records, state.media_type
        try:
            decoded = json.loads(raw.decode() if raw else "")
        except ValueError as e:
            text = "error decoding changes: %s" % e if path == "/records" else \
                "failed to decode request body: %s" % e
            return 400, text, "text/plain"
        if route == ("POST", "/adjustendpoints"):
            if decoded is None:
                decoded = []
            if not isinstance(decoded, list):
                return 400, "failed to decode request body: not a list", "text/plain"
            entry["body"] = decoded
            adjusted = []
            for endpoint in decoded:
                e = dict(endpoint)
                if state.min_ttl and int(e.get("recordTTL") or 0) < state.min_ttl:
                    e["recordTTL"] = state.min_ttl
                specific = list(e.get("providerSpecific") or [])
                specific.append({"name": "webhook-fake/adjusted", "value": "true"})
                e["providerSpecific"] = specific
                adjusted.append(e)
            return 200, adjusted, state.media_type
        try:
            lists, ignored = decode_changes(decoded, state.change_keys)
        except ValueError as e:
            return 400, "error decoding changes: %s" % e, "text/plain"
        entry["body"] = decoded
        if ignored:
            entry["ignored_keys"] = ignored
        try:
            apply_changes(state, lists)
        except ChangeError:
            return 500, None, None
        return 204, None, None

    def control(self, state, path, raw):
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return 400, {"error": "control bodies are JSON"}
        method = self.command
        segments = path.split("/")[2:]
        answer = state.faults.control(method, path, body)
        if answer is not None:
            return answer
        if segments == ["health"]:
            return 200, {"ok": True}
        if segments == ["records"] and method == "GET":
            return 200, state.records
        if segments == ["records"] and method == "POST":
            state.store(body)
            return 200, body
        if segments == ["records"] and method == "DELETE":
            state.records = []
            return 200, {"ok": True}
        if segments == ["race"] and method == "POST":
            state.race.append(body)
            return 200, {"ok": True}
        if segments == ["credentials"] and method == "POST":
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log = []
            state.count = 0
            return 200, {"ok": True}
        return 404, {"error": "unknown control endpoint"}


class UnixHandler(Handler):
    disable_nagle_algorithm = False  # TCP_NODELAY does not apply to a unix socket


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = super().get_request()
        return request, ("local", 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int)
    where.add_argument("--unix", help="listen on this unix socket instead")
    parser.add_argument("--domain-filter", action="append", default=[])
    parser.add_argument("--exclude-domain", action="append", default=[])
    parser.add_argument("--change-keys", choices=("go", "lower", "capitalised"), default="go")
    parser.add_argument("--min-ttl", type=int, default=0,
                        help="adjustendpoints raises a lower recordTTL to this")
    parser.add_argument("--records", help="a JSON file of endpoints to start with")
    parser.add_argument("--media-version", default="1", help="the protocol version it speaks")
    args = parser.parse_args()
    state = State([normal_name(d) for d in args.domain_filter],
                  [normal_name(d) for d in args.exclude_domain], args.change_keys, args.min_ttl,
                  "application/external.dns.webhook+json;version=" + args.media_version)
    if args.records:
        with open(args.records, encoding="utf-8") as f:
            state.records = json.load(f)
    if args.unix:
        if os.path.exists(args.unix):
            os.unlink(args.unix)
        server = UnixServer(args.unix, UnixHandler)
        where = args.unix
    else:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
        server.daemon_threads = True
        where = "127.0.0.1:%d" % args.port
    server.state = state
    print("webhook fake listening on %s" % where, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
