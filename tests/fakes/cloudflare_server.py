#!/usr/bin/env python3
"""A protocol-faithful fake of the Cloudflare API v4 DNS endpoints, for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone.

    cloudflare_server.py --port P --token-file FILE [--zone example.com ...] [--per-page-max 2]
                         [--plan free] [--no-batch] [--rate-limit 1200] [--rate-window 300]
                         [--name-servers ada.ns.cloudflare.com,bob.ns.cloudflare.com]

API (under /client/v4, as https://api.cloudflare.com/client/v4; shapes from provider-apis.md §3):
  GET    /zones?name=&page=&per_page=
  GET    /zones/{zid}
  GET    /zones/{zid}/dns_records?type=&name.exact=&name=&page=&per_page=
  POST   /zones/{zid}/dns_records
  POST   /zones/{zid}/dns_records/batch  {"deletes","patches","puts","posts"}
  GET|PATCH|PUT|DELETE /zones/{zid}/dns_records/{id}
  GET    /user/tokens/verify
Every API request needs "Authorization: Bearer <token>" (the token file's content). Replies use
the real envelope {"success","errors":[{"code","message"}],"messages","result"} plus
"result_info" on listings, which are paged by at most --per-page-max records, so clients must
follow total_pages. Error codes: 6003 with error_chain 6111 (400, an Authorization header that is
not a bearer token), 10000 (403, a wrong token), 9106 (400, no token), 7003 (404, unknown zone),
81044 (404, unknown record), 81053/81054 (host taken), 81058 (identical record), 9021 (bad TTL),
1004 (missing field), 10100 (429, with retry-after).

Zones carry the name servers Cloudflare assigned them ("name_servers", GET /zones and
GET /zones/{zid}): --name-servers for every zone, or "name_servers" in POST /_fake/zones; by default
two of the "<name>.ns.cloudflare.com" shape the recorded replies show
(tests/conformance/cloudflare/01-zone-lookup.json: christian.ns.cloudflare.com,
dina.ns.cloudflare.com).

TXT records are stored with their content as sent, quoted or not: the API reference asks for
quoted character-strings (cloudflare_txt.hpp cites it) but the API takes unquoted content too and
echoes it as sent (lexicon's recorded TXT POST below). An identical TXT is refused with 81057, a
TXT never proxied (9004).

Records keep what the API keeps (tests/conformance/cloudflare/ holds the real replies): proxied,
comment, tags and settings stay on a PATCH that does not name them and reset on a PUT; a proxied
record's TTL is always 1 (Auto), whatever TTL is sent.

Zones carry their plan ({"plan": {"legacy_id": --plan}}). The batch endpoint behaves as
https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/ says: the
four lists run in the order deletes, patches, puts, posts, each in the order given, in one
transaction: if any action fails nothing is applied and the first error is returned. One batch
may hold at most 200 records on the Free plan, 3,500 on the others (the error code for a larger
batch is not documented: this fake answers 400 with 1004). The result is
{"deletes","patches","puts","posts"}, each the records as stored. With --no-batch the endpoint is
missing (404, 7000 "No route for that URI"), as for any path the API does not have.

Rate limit (https://developers.cloudflare.com/fundamentals/api/reference/limits/): 1,200 requests
per 5 minutes per token (--rate-limit, --rate-window in seconds); the request over it gets 429
(10100) with retry-after, and so does every request for the next --rate-window seconds.

Control endpoints (no auth; tests only), JSON in and out:
  GET    /_fake/health
  POST   /_fake/zones            {"name","name_servers"?}   -> the zone (again: its name servers
                                                            change, its records stay)
  GET    /_fake/records                                     -> [records]
  POST   /_fake/records          {"zone","name","type","content","ttl"?,"proxied"?,"comment"?,
                                 "tags"?,"settings"?} -> record
  PATCH  /_fake/records/{id}     any record fields          -> record  (behind the client's back)
  DELETE /_fake/records/{id}
  POST   /_fake/race             like POST /_fake/records   stored just before the next API write
                                                            (POST/PATCH/PUT): a concurrent writer
  POST   /_fake/token            {"token"}                  the token that works from now on
                                                            (also after /_fake/revoke)
  GET    /_fake/requests                                    -> {"count","requests":[...]}
  DELETE /_fake/requests                                    forgets the log and the counter
  GET    /_fake/stats    -> {"requests","throttled","max_in_window","batch_calls",
                             "batch_records_max"}: what a test asserts "never above the ceiling"
                             with (max_in_window: most requests within any one rate window)

Faults (fault_control.py): /_fake/throttle {"count","retry_after"?} -> 429 (10100) with retry-after
(default 30); /_fake/fail {"count","status"?} -> 500 (10001), or that status with an HTML body;
/_fake/malformed {"count"} -> 200 with broken JSON; /_fake/revoke -> the token stops working (403,
10000); /_fake/faults queues any of them. Throttling wins over a failure, a failure over a
malformed reply.

The request log holds method, path, query, parsed body, auth ("ok", "bad", "missing") and the
status answered; never a token.
"""

import argparse
import collections
import copy
import datetime
import hashlib
import json
import sys
import math
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fault_control import FaultControl

API_PREFIX = "/client/v4"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def error_body(code, message, chain=None):
    error = {"code": code, "message": message}
    if chain:
        error["error_chain"] = [{"code": c, "message": m} for c, m in chain]
    return {"success": False, "errors": [error], "messages": [], "result": None}


# A token that is not one is refused before it is looked up: HTTP 400, 6003 with the header named in
# error_chain, as github:jeessy2/ddns-go issue 916 recorded (also issues 658, 757 and 1296 there).
MALFORMED_TOKEN = (400, 6003, "Invalid request headers",
                   [(6111, "Invalid format for Authorization header")])
# RFC 6750 section 2.1: "Bearer" and one b64token. Quotes, spaces or a pasted command line are not
# one, and Cloudflare answers 6111 for such text (github:jeessy2/ddns-go issue 916: "check your
# token"). A Global API Key (37 hex digits) used as a bearer token gets 6111 too
# (tests/conformance/cloudflare/11-malformed-token.json's note).
BEARER = re.compile(r"Bearer ([A-Za-z0-9._~+/-]+=*)\Z")
GLOBAL_API_KEY = re.compile(r"[0-9a-f]{37}\Z")


def bearer_token(header):
    """The token of an Authorization header, or None when Cloudflare would call it malformed."""
    match = BEARER.match(header)
    if match is None or GLOBAL_API_KEY.match(match.group(1)):
        return None
    return match.group(1)


# The per-token limit's refusal (github:RiotGames/cloud-inquisitor issue 153, HTTP 429 per
# github:lablabs/cloudflare-exporter issue 74).
RATE_LIMITED = (10100, "More than 1200 requests per 300 seconds reached. Please wait and consider "
                       "throttling your request speed")


class ApiError(Exception):
    def __init__(self, status, code, message, chain=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.chain = chain


# The name servers a zone is assigned when none are given: Cloudflare's "<name>.ns.cloudflare.com"
# pairs, as tests/conformance/cloudflare/01-zone-lookup.json shows them.
DEFAULT_NAME_SERVERS = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]


# Records one batch may change, by plan (batch-record-changes, "Availability and limits").
BATCH_LIMITS = {"free": 200, "pro": 3500, "business": 3500, "enterprise": 3500}


class RateLimit:
    """Cloudflare's per-token limit: LIMIT requests per WINDOW seconds, then blocked for WINDOW."""

    def __init__(self, limit, window):
        self.limit = limit
        self.window = window
        self.sent = collections.deque()  # monotonic times of the requests let through
        self.blocked_until = 0.0
        self.throttled = 0
        self.max_in_window = 0

    def admit(self):
        """None when the request may go on, else the seconds of retry-after."""
        now = time.monotonic()
        if now < self.blocked_until:
            self.throttled += 1
            return max(1, math.ceil(self.blocked_until - now))
        while self.sent and self.sent[0] + self.window <= now:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            self.blocked_until = now + self.window
            self.throttled += 1
            return max(1, math.ceil(self.window))
        self.sent.append(now)
        self.max_in_window = max(self.max_in_window, len(self.sent))
        return None


class State:
    def __init__(self, token, per_page_max, plan="free", batch=True, rate_limit=1200,
                 rate_window=300.0, name_servers=None):
        self.lock = threading.Lock()
        self.token = token
        self.per_page_max = per_page_max
        self.plan = plan
        self.name_servers = list(name_servers or DEFAULT_NAME_SERVERS)
        self.batch = batch
        self.rate = RateLimit(rate_limit, rate_window)
        self.batch_calls = 0
        self.batch_records_max = 0
        self.zones = {}    # id -> {"id","name"}
        self.records = {}  # id -> record
        self.faults = FaultControl()
        self.race = []  # control bodies of records to add before the next write
        self.log = []
        self.count = 0

    def add_zone(self, name, name_servers=None):
        name = name.lower().rstrip(".")
        zid = hashlib.md5(name.encode()).hexdigest()
        stamp = now_iso()
        # The fields of a zone as GET /zones answered for one on the Free plan
        # (tests/conformance/cloudflare/01-zone-lookup.json).
        self.zones[zid] = {
            "id": zid, "name": name, "status": "active", "paused": False, "type": "full",
            "development_mode": 0,
            "name_servers": list(name_servers or self.name_servers),
            "original_name_servers": ["ns1.example.net", "ns2.example.net"],
            "original_registrar": None, "original_dnshost": None,
            "modified_on": stamp, "created_on": stamp, "activated_on": stamp,
            "meta": {"step": 2, "wildcard_proxiable": False, "custom_certificate_quota": 0,
                     "page_rule_quota": 3, "phishing_detected": False,
                     "multiple_railguns_allowed": False},
            "owner": {"id": "0" * 32, "type": "user", "email": "owner@example.com"},
            "account": {"id": "1" * 32, "name": "owner@example.com"},
            "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
            "plan": {"id": hashlib.md5(self.plan.encode()).hexdigest(),
                     "name": self.plan.capitalize(), "price": 0, "currency": "USD",
                     "frequency": "", "is_subscribed": False, "can_subscribe": False,
                     "legacy_id": self.plan, "legacy_discount": False,
                     "externally_managed": False}}
        return self.zones[zid]

    def zone_by_name(self, name):
        name = name.lower().rstrip(".")
        for zone in self.zones.values():
            if zone["name"] == name:
                return zone
        return None

    def make_record(self, zone, fields):
        name = fields["name"].lower().rstrip(".")
        if name != zone["name"] and not name.endswith("." + zone["name"]):
            name = name + "." + zone["name"]  # Cloudflare expands relative names
        stamp = now_iso()
        rtype = fields["type"].upper()
        record = {
            "id": uuid.uuid4().hex,
            "zone_id": zone["id"],
            "zone_name": zone["name"],
            "name": name,
            "type": rtype,
            "content": fields["content"],
            "proxiable": rtype in ("A", "AAAA", "CNAME"),
            "proxied": bool(fields.get("proxied", False)),
            "ttl": fields.get("ttl", 1),
            "locked": False,
            "data": {},  # as Cloudflare's SDK tests show it (github:cloudflare/cloudflare-go dns_test.go)
            "settings": fields.get("settings", {}),
            "meta": {"auto_added": False, "managed_by_apps": False,
                     "managed_by_argo_tunnel": False, "source": "primary"},
            "comment": fields.get("comment"),
            "tags": fields.get("tags", []),
            "created_on": stamp,
            "modified_on": stamp,
        }
        return settle(record)


def settle(record):
    """What the API stores of a record about to be written: a proxied record's TTL is Auto
    whatever was sent (github:DNSControl/dnscontrol pull 489: a TTL sent with proxy on "ends up
    changing nothing"; https://developers.cloudflare.com/dns/proxy-status/: "all proxied records
    have a TTL of Auto ... This value cannot be edited"). Timestamps of comment and tags are there
    only when they are (the API reference's record: comment_modified_on, tags_modified_on)."""
    if record.get("proxied"):
        record["ttl"] = 1
    for field in ("comment", "tags"):
        stamp = field + "_modified_on"
        if record.get(field):
            record.setdefault(stamp, record["modified_on"])
        else:
            record.pop(stamp, None)
    return record


def check_record(state, zone, record, ignore_id=None):
    """Cloudflare's rules for a record about to be stored; raises ApiError."""
    ttl = record["ttl"]
    if not isinstance(ttl, int) or isinstance(ttl, bool) or (ttl != 1 and not 60 <= ttl <= 86400):
        raise ApiError(400, 9021,
                       "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
    if record["proxied"] and record["type"] not in ("A", "AAAA", "CNAME"):
        # github:hashicorp/terraform issue 11991: a proxied TXT record, HTTP 400.
        raise ApiError(400, 1004, "DNS Validation Error",
                       [(9004, "This kind of record cannot be proxied")])
    if not record["content"]:
        raise ApiError(400, 9005, "Content for CNAME record is invalid.")
    for other in state.records.values():
        if other["id"] == ignore_id or other["zone_id"] != zone["id"]:
            continue
        if other["name"] != record["name"]:
            continue
        same = (other["type"] == record["type"]
                and other["content"].lower().rstrip(".") == record["content"].lower().rstrip("."))
        if same and record["type"] == "TXT":
            # A second POST of the same TXT: HTTP 400, 81057 (github:dns-lexicon/dns-lexicon
            # tests/fixtures/cassettes/cloudflare/IntegrationTests/
            # test_provider_when_calling_create_record_with_duplicate_records_should_be_noop.yaml).
            raise ApiError(400, 81057, "The record already exists.")
        if same:
            raise ApiError(400, 81058, "An identical record already exists.")
        if record["type"] == "CNAME" and other["type"] == "CNAME":
            raise ApiError(400, 81054, "A CNAME record with that host already exists.")
        if record["type"] == "CNAME" or other["type"] == "CNAME":
            raise ApiError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")


def page_of(items, query, per_page_max):
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = max(1, int(query.get("per_page", "100")))
    except ValueError:
        raise ApiError(400, 1004, "DNS Validation Error: page and per_page must be integers")
    per_page = min(per_page, per_page_max)
    total = len(items)
    total_pages = (total + per_page - 1) // per_page
    chunk = items[(page - 1) * per_page: page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": total,
            "total_pages": total_pages}
    return chunk, info


def fault_reply(fault):
    """How Cloudflare fails in the way FAULT (from FaultControl.take) asks: (status, body, headers)."""
    if fault["kind"] == "throttle":
        return 429, error_body(*RATE_LIMITED), {"retry-after": str(fault.get("retry_after", 30))}
    if fault["kind"] == "server_error":
        status = int(fault.get("status", 500))
        if status == 500:
            return 500, error_body(10001, "Internal server error"), {}
        return status, b"<html><body>Bad Gateway</body></html>", {}
    return 200, b'{"success":true,"errors":[],"result":[{"id":', {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK cost 40 ms per request.
    disable_nagle_algorithm = True
    server_version = "cloudflare-fake/1"

    def log_message(self, fmt, *args):  # one line per request on stderr, no headers
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    # ---- plumbing -------------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw = self.read_body()
        state = self.server.state
        if parts.path.startswith("/_fake/"):
            with state.lock:
                status, body = self.control(state, parts.path, raw)
            self.send(status, body)
            return
        with state.lock:
            status, body, headers = self.api(state, parts.path, query, raw)
        self.send(status, body, headers)

    # ---- the API --------------------------------------------------------------------------

    def api(self, state, path, query, raw):
        auth = self.headers.get("Authorization")
        if auth is None:
            auth_state = "missing"
        elif bearer_token(auth) is None:
            auth_state = "malformed"
        elif not state.faults.revoked and auth == "Bearer " + state.token:
            auth_state = "ok"
        else:
            auth_state = "bad"
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        entry = {"method": self.command, "path": path, "query": query, "body": parsed,
                 "auth": auth_state, "status": 0}
        state.log.append(entry)
        state.count += 1
        status, body, headers = self.answer(state, auth_state, path, query, parsed)
        entry["status"] = status
        return status, body, headers

    def answer(self, state, auth_state, path, query, body):
        fault = state.faults.take(kinds=("throttle", "server_error", "malformed"))
        if fault is not None:
            return fault_reply(fault)
        if auth_state == "missing":
            return 400, error_body(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization "
                                         "headers"), {}
        if auth_state == "malformed":
            status, code, message, chain = MALFORMED_TOKEN
            return status, error_body(code, message, chain), {}
        if auth_state == "bad":
            # github:cloudflare/cloudflare-docs issue 13405: a GET of dns_records with a wrong token.
            return 403, error_body(10000, "Authentication error"), {}
        retry_after = state.rate.admit()
        if retry_after is not None:
            return 429, error_body(*RATE_LIMITED), {"retry-after": str(retry_after)}
        if not path.startswith(API_PREFIX + "/"):
            return 404, error_body(7000, "No route for that URI"), {}
        segments = path[len(API_PREFIX) + 1:].split("/")
        if self.command in ("POST", "PATCH", "PUT") and state.race:
            for fields in state.race:
                zone = state.zone_by_name(fields["zone"])
                record = state.make_record(zone, fields)
                state.records[record["id"]] = record
            state.race = []
        try:
            result, info = self.route(state, segments, query, body)
        except ApiError as e:
            return e.status, error_body(e.code, e.message, e.chain), {}
        envelope = {"success": True, "errors": [], "messages": [], "result": result}
        if info is not None:
            envelope["result_info"] = info
        return 200, envelope, {}

    def route(self, state, segments, query, body):
        method = self.command
        if segments == ["user", "tokens", "verify"] and method == "GET":
            return {"id": "fake-token-id", "status": "active"}, None
        if segments == ["zones"] and method == "GET":
            zones = sorted(state.zones.values(), key=lambda z: z["name"])
            if "name" in query:
                zones = [z for z in zones if z["name"] == query["name"].lower()]
            chunk, info = page_of(zones, query, state.per_page_max)
            return [dict(z, status="active") for z in chunk], info
        if len(segments) == 2 and segments[0] == "zones" and method == "GET":
            zone = state.zones.get(segments[1])
            if zone is None:
                raise ApiError(404, 7003, "Could not route to /zones/%s, perhaps your object "
                                          "identifier is invalid?" % segments[1][:40])
            return dict(zone, status="active"), None
        if len(segments) < 3 or segments[0] != "zones" or segments[2] != "dns_records":
            raise ApiError(404, 7000, "No route for that URI")
        zone = state.zones.get(segments[1])
        if zone is None:
            raise ApiError(404, 7003, "Could not route to /zones/%s/dns_records, perhaps your "
                                      "object identifier is invalid?" % segments[1][:40])
        if len(segments) == 3:
            if method == "GET":
                return self.list_records(state, zone, query)
            if method == "POST":
                return self.create(state, zone, body), None
            raise ApiError(405, 10405, "Method not allowed")
        if len(segments) != 4:
            raise ApiError(404, 7000, "No route for that URI")
        if segments[3] == "batch":
            if not state.batch:
                raise ApiError(404, 7000, "No route for that URI")
            if method != "POST":
                raise ApiError(405, 10405, "Method not allowed")
            return self.batch(state, zone, body), None
        record = state.records.get(segments[3])
        if record is None or record["zone_id"] != zone["id"]:
            raise ApiError(404, 81044, "Record does not exist.")
        if method == "GET":
            return record, None
        if method == "DELETE":
            del state.records[record["id"]]
            return {"id": record["id"]}, None
        if method in ("PATCH", "PUT"):
            return self.update(state, zone, record, body, method == "PUT"), None
        raise ApiError(405, 10405, "Method not allowed")

    def list_records(self, state, zone, query):
        records = [r for r in state.records.values() if r["zone_id"] == zone["id"]]
        if "type" in query:
            records = [r for r in records if r["type"] == query["type"].upper()]
        exact = query.get("name.exact", query.get("name"))
        if exact is not None:
            records = [r for r in records if r["name"] == exact.lower().rstrip(".")]
        records.sort(key=lambda r: (r["type"], r["name"], r["created_on"], r["id"]))
        return page_of(records, query, state.per_page_max)

    def batch(self, state, zone, body):
        if not isinstance(body, dict):
            raise ApiError(400, 9207, "Request body is invalid.")
        lists = {}
        for key in ("deletes", "patches", "puts", "posts"):
            value = body.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ApiError(400, 9207, "Request body is invalid.")
            lists[key] = value
        size = sum(len(v) for v in lists.values())
        limit = BATCH_LIMITS.get(state.plan, BATCH_LIMITS["free"])
        state.batch_calls += 1
        state.batch_records_max = max(state.batch_records_max, size)
        if size > limit:
            raise ApiError(400, 1004, "DNS Validation Error: a batch may change at most %d "
                                      "records on this zone's plan" % limit)
        before = copy.deepcopy(state.records)
        result = {key: [] for key in lists}
        try:
            for item in lists["deletes"]:
                record = self.record_of(state, zone, item)
                del state.records[record["id"]]
                result["deletes"].append(record)
            for item in lists["patches"]:
                result["patches"].append(
                    self.update(state, zone, self.record_of(state, zone, item), item, False))
            for item in lists["puts"]:
                result["puts"].append(
                    self.update(state, zone, self.record_of(state, zone, item), item, True))
            for item in lists["posts"]:
                result["posts"].append(self.create(state, zone, item))
        except ApiError:
            state.records = before  # one transaction: nothing applied
            raise
        return result

    @staticmethod
    def record_of(state, zone, item):
        record = state.records.get(item.get("id"))
        if record is None or record["zone_id"] != zone["id"]:
            raise ApiError(404, 81044, "Record does not exist.")
        return record

    def create(self, state, zone, body):
        if not isinstance(body, dict):
            raise ApiError(400, 9207, "Request body is invalid.")
        for field in ("type", "name", "content"):
            if not isinstance(body.get(field), str):
                raise ApiError(400, 1004, "DNS Validation Error: %s is required" % field)
        record = state.make_record(zone, body)
        check_record(state, zone, record)
        state.records[record["id"]] = record
        return record

    def update(self, state, zone, record, body, replace_all):
        if not isinstance(body, dict):
            raise ApiError(400, 9207, "Request body is invalid.")
        candidate = copy.deepcopy(record)
        if replace_all:
            # PUT overwrites: omitted fields reset (provider-apis.md section 3; the comment and tags
            # a client does not send are cleared, github:timothymiller/cloudflare-ddns pull 219).
            candidate.update({"ttl": 1, "proxied": False, "comment": None, "tags": [],
                              "settings": {}})
        # PATCH changes only what it names: a PATCH without tags keeps them (Cloudflare in
        # github:cloudflare/cloudflare-go issue 1224), "proxied": false turns the proxy off (issue
        # 563 there), a null or empty comment removes it (issues 1158 and 1371 there).
        for field in ("type", "name", "content", "ttl", "proxied", "comment", "tags", "settings"):
            if field in body:
                candidate[field] = body[field]
        if candidate.get("comment") == "":
            candidate["comment"] = None
        if candidate.get("tags") is None:
            candidate["tags"] = []
        candidate["type"] = str(candidate["type"]).upper()
        candidate["name"] = str(candidate["name"]).lower().rstrip(".")
        candidate["modified_on"] = now_iso()
        for field in ("comment", "tags"):
            if field in body and body[field] != record.get(field):
                candidate[field + "_modified_on"] = candidate["modified_on"]
        check_record(state, zone, candidate, ignore_id=record["id"])
        settle(candidate)
        state.records[record["id"]] = candidate
        return candidate

    # ---- control --------------------------------------------------------------------------

    def control(self, state, path, raw):
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return 400, {"error": "control bodies are JSON"}
        method = self.command
        segments = path.split("/")[2:]
        fault_answer = state.faults.control(method, path, body)
        if fault_answer is not None:
            return fault_answer
        if segments == ["health"]:
            return 200, {"ok": True}
        if segments == ["zones"] and method == "POST":
            return 200, state.add_zone(body["name"], body.get("name_servers"))
        if segments == ["records"] and method == "GET":
            return 200, sorted(state.records.values(), key=lambda r: (r["name"], r["type"]))
        if segments == ["records"] and method == "POST":
            zone = state.zone_by_name(body["zone"])
            if zone is None:
                return 404, {"error": "no such zone"}
            record = state.make_record(zone, body)
            state.records[record["id"]] = record
            return 200, record
        if len(segments) == 2 and segments[0] == "records":
            record = state.records.get(segments[1])
            if record is None:
                return 404, {"error": "no such record"}
            if method == "DELETE":
                del state.records[record["id"]]
                return 200, {"id": record["id"]}
            if method == "PATCH":
                record.update({k: v for k, v in body.items() if k != "id"})
                record["modified_on"] = now_iso()
                settle(record)  # a hand edit in the dashboard keeps the API's rules too
                return 200, record
        if segments == ["race"] and method == "POST":
            if state.zone_by_name(body["zone"]) is None:
                return 404, {"error": "no such zone"}
            state.race.append(body)
            return 200, {"ok": True}
        if segments == ["token"] and method == "POST":
            state.token = body["token"]
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log = []
            state.count = 0
            return 200, {"ok": True}
        if segments == ["stats"] and method == "GET":
            return 200, {"requests": state.count, "throttled": state.rate.throttled,
                         "max_in_window": state.rate.max_in_window,
                         "batch_calls": state.batch_calls,
                         "batch_records_max": state.batch_records_max}
        return 404, {"error": "unknown control endpoint"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--zone", action="append", default=[], help="a zone to serve")
    parser.add_argument("--per-page-max", type=int, default=2,
                        help="largest page served, whatever per_page asks (default 2)")
    parser.add_argument("--plan", default="free", choices=sorted(BATCH_LIMITS),
                        help="every zone's plan (default free)")
    parser.add_argument("--no-batch", action="store_true",
                        help="serve no batch endpoint (404, 7000)")
    parser.add_argument("--rate-limit", type=int, default=1200,
                        help="requests per rate window per token (default 1200)")
    parser.add_argument("--rate-window", type=float, default=300.0,
                        help="the rate window in seconds (default 300)")
    parser.add_argument("--name-servers", default=",".join(DEFAULT_NAME_SERVERS),
                        help="every zone's assigned name servers, comma-separated")
    args = parser.parse_args()
    with open(args.token_file, encoding="utf-8") as f:
        token = f.read().rstrip("\r\n")
    state = State(token, max(1, args.per_page_max), args.plan, not args.no_batch,
                  max(1, args.rate_limit), max(0.001, args.rate_window),
                  [n for n in args.name_servers.split(",") if n])
    for zone in args.zone:
        state.add_zone(zone)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    # The port bound (the one asked for, or the kernel's pick for --port 0), for whoever started us.
    print("cloudflare fake listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
