#!/usr/bin/env python3
"""A protocol-faithful fake of Huawei Cloud DNS (API v2), for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone.

    huaweicloud_server.py --port P --access-key-id-file F --secret-access-key-file F
                          [--zone example.com ...] [--page-size-max 2] [--max-skew 900]
                          [--pending-seconds 0] [--name-servers ns1.huaweicloud-dns.com,...]

Every API request is checked as Huawei's API gateway does (provider-apis.md §11; the signing guide
https://support.huaweicloud.com/devg-apisign/api-sign-algorithm-002.html): an Authorization
"SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=..." of a known and active access key,
X-Sdk-Date among the signed headers and within --max-skew seconds of now, and the signature
RECOMPUTED here from the received method, path, query, signed headers and body (independently of
planb's signer). Temporary credentials (POST /_fake/temporary) must carry their X-Security-Token.
A refusal is the gateway's 401 {"error_code":"APIGW.0301","error_msg":"Incorrect IAM
authentication information: ...","request_id"} (api-sign-errorcode.html).

API (paths and fields: huaweicloud-sdk-go-v3 services/dns/v2/dns_meta.go and model/):
  GET    /v2/zones?type=public&name=&search_mode=&limit=&offset=   ListPublicZones
  GET    /v2/zones/{zone_id}/nameservers                           ShowPublicZoneNameServer
  GET    /v2/zones/{zone_id}/recordsets?name=&type=&search_mode=&limit=&offset=
                                                                   ListRecordSetsByZone
  POST   /v2/zones/{zone_id}/recordsets      {name,type,ttl?,records,description?}  CreateRecordSet
  GET    /v2/zones/{zone_id}/recordsets/{id}                       ShowRecordSet
  PUT    /v2/zones/{zone_id}/recordsets/{id} {name?,type?,ttl?,records?,description?}
                                                                   UpdateRecordSet
  DELETE /v2/zones/{zone_id}/recordsets/{id}                       DeleteRecordSet
Rules kept (sources next to each below): name filters are fuzzy ("contains") unless
search_mode=equal; limit is 0..500 (DNS.0006 otherwise), a page holds at most --page-size-max
whatever limit asks, and metadata.total_count counts every match; names are FQDNs with a trailing
dot inside the zone; TTL 1..2147483647 (DNS.0319 otherwise); one record set per name and type, and
a CNAME alone at its name (DNS.0312); default (SOA, NS) record sets are neither updated (DNS.0318)
nor deleted (DNS.0317); an update keeps every field it is not given
(description, line, weight, tags); writes answer 202 with status PENDING_CREATE / PENDING_UPDATE /
PENDING_DELETE, and a record set reads PENDING_* until --pending-seconds have passed (or POST
/_fake/settle), then ACTIVE; errors are {"code":"DNS.xxxx","message"} with the documented status
(https://support.huaweicloud.com/intl/en-us/api-dns/ErrorCode.html; the same table, codes, statuses
and messages, in Open Telekom Cloud's copy of this API: opentelekomcloud-docs/domain-name-service
api-ref/source/appendix/error_code.rst).

Control endpoints (no signature; tests only), JSON in and out:
  GET    /_fake/health
  POST   /_fake/zones          {"name"}                        -> zone
  GET    /_fake/records                                        -> [record sets]
  POST   /_fake/records        {"zone","name","type","records","ttl"?,"line"?,"status"?,
                                "description"?,"weight"?}     -> record set (ACTIVE)
  PATCH  /_fake/records/{id}   fields                          -> record set
  DELETE /_fake/records/{id}
  POST   /_fake/race           like POST /_fake/records, stored just before the next write
  POST   /_fake/pending        {"seconds"}   how long a write stays PENDING_* from now on
  POST   /_fake/settle         every PENDING_* record set becomes ACTIVE now
  POST   /_fake/credentials    {"access_key_id","secret_access_key"}   a new active key pair
  POST   /_fake/temporary      {"access_key_id","secret_access_key","security_token"}
  POST   /_fake/temporary/expire
  GET    /_fake/requests                                       -> {"count","requests":[...]}
  DELETE /_fake/requests

Faults (fault_control.py): /_fake/throttle {"count","retry_after"?,"flow_control"?} -> the
gateway's 429 APIGW.0308 ("The throttling threshold has been reached"; Retry-After only when
retry_after is given: the gateway documents none), or with "flow_control": true DNS's own 403
DNS.0014 "Request forbidden by flow control."; /_fake/fail {"count","status"?} -> 500 DNS.0001
"Internal error." (502/503: a gateway page, not JSON); /_fake/malformed {"count"} -> 200 with a
broken body; /_fake/revoke -> the key is refused (APIGW.0301) until /_fake/credentials.

The request log holds method, path, query, the signed header names, whether the signature matched
and the status and code answered; never a secret.
"""

import argparse
import calendar
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from fault_control import FaultControl

# The gateway refuses an X-Sdk-Date more than 15 minutes off (signing guide, "X-Sdk-Date").
DEFAULT_MAX_SKEW = 900
# Huawei's public name servers as ShowPublicZoneNameServer names them (the API reference's
# example reply: ns1.huaweicloud-dns.com., ns1.huaweicloud-dns.cn.).
DEFAULT_NAME_SERVERS = ("ns1.huaweicloud-dns.com.", "ns1.huaweicloud-dns.cn.")
TYPES = ("A", "AAAA", "MX", "CNAME", "TXT", "NS", "SRV", "CAA", "SOA")


def escape(text):
    # The SDK's escape: RFC 3986 unreserved stay literal, UTF-8 bytes otherwise, upper-case hex.
    return quote(text, safe="-_.~")


def canonical_uri(path):
    uri = "/".join(escape(unquote(segment)) for segment in path.split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs):
    return "&".join(k + "=" + v for k, v in sorted((escape(k), escape(v)) for k, v in pairs))


def signature(secret, method, path, pairs, headers, signed, body, date):
    canonical_headers = "".join(h + ":" + headers.get(h, "").strip() + "\n" for h in signed)
    canonical = "\n".join([method, canonical_uri(path), canonical_query(pairs), canonical_headers,
                           ";".join(signed), hashlib.sha256(body).hexdigest()])
    to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (date, hashlib.sha256(canonical.encode()).hexdigest())
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def request_id():
    return uuid.uuid4().hex


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime())


class ApiError(Exception):
    def __init__(self, status, code, message, gateway=False, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.gateway = gateway
        self.headers = headers or {}

    def body(self):
        if self.gateway:  # the API gateway's shape (api-sign-errorcode.html)
            return {"error_code": self.code, "error_msg": self.message,
                    "request_id": request_id()}
        return {"code": self.code, "message": self.message}  # DNS's (ErrorCode.html)


def auth_error(detail):
    return ApiError(401, "APIGW.0301", "Incorrect IAM authentication information: " + detail,
                    gateway=True)


class State:
    def __init__(self, key_id, secret, page_size_max, max_skew, pending_seconds, name_servers):
        self.lock = threading.Lock()
        self.key_id = key_id
        self.key_secret = secret
        self.temporary = None  # {"access_key_id","secret_access_key","security_token","expired"}
        self.page_size_max = page_size_max
        self.max_skew = max_skew
        self.pending_seconds = pending_seconds
        self.name_servers = list(name_servers)
        self.zones = {}  # id -> zone
        self.records = {}  # id -> record set (with "_settles_at")
        self.race = []
        self.faults = FaultControl()
        self.log = []
        self.count = 0

    def add_zone(self, name):
        name = name.lower().rstrip(".") + "."
        for zone in self.zones.values():
            if zone["name"] == name:
                return zone
        zone = {"id": uuid.uuid4().hex, "name": name, "description": "", "email": "",
                "ttl": 300, "serial": 1, "status": "ACTIVE", "record_num": 2,
                "zone_type": "public", "pool_id": "00000000570e54ee01570e9939b20019",
                "project_id": "e55c6f3dc4e34c9f86353b664ae0e70c", "created_at": now_text(),
                "updated_at": now_text(), "masters": []}
        zone["links"] = {"self": "https://dns.example.invalid/v2/zones/" + zone["id"]}
        self.zones[zone["id"]] = zone
        # Every public zone has its system SOA and NS record sets ("default": true).
        self.new_record(zone, name, "SOA", ["ns1.huaweicloud-dns.com. hostmaster.huaweicloud"
                                            ".com. (1 7200 900 1209600 300)"], 300, default=True)
        self.new_record(zone, name, "NS", list(self.name_servers), 172800, default=True)
        return zone

    def zone_by_name(self, name):
        name = name.lower().rstrip(".") + "."
        for zone in self.zones.values():
            if zone["name"] == name:
                return zone
        return None

    def new_record(self, zone, name, rtype, records, ttl=300, status="ACTIVE", default=False,
                   description=None, line=None, weight=None):
        record = {"id": uuid.uuid4().hex, "name": name.lower(), "description": description,
                  "zone_id": zone["id"], "zone_name": zone["name"], "type": rtype,
                  "ttl": ttl, "records": list(records), "create_at": now_text(),
                  "update_at": now_text(), "status": status, "default": default,
                  "project_id": "e55c6f3dc4e34c9f86353b664ae0e70c"}
        if line is not None:
            record["line"] = line
        if weight is not None:
            record["weight"] = weight
        record["links"] = {"self": "https://dns.example.invalid/v2/zones/%s/recordsets/%s"
                           % (zone["id"], record["id"])}
        record["_settles_at"] = 0.0
        self.records[record["id"]] = record
        return record

    def settle(self):
        """PENDING_* record sets whose time has come become ACTIVE (or go, when deleted)."""
        now = time.time()
        for record in list(self.records.values()):
            if record["status"].startswith("PENDING") and record["_settles_at"] <= now:
                if record["status"] == "PENDING_DELETE":
                    del self.records[record["id"]]
                else:
                    record["status"] = "ACTIVE"

    def pend(self, record, status):
        record["status"] = status
        record["update_at"] = now_text()
        record["_settles_at"] = time.time() + self.pending_seconds


def public(record):
    return {k: v for k, v in record.items() if not k.startswith("_")}


def int_query(query, name, default, low, high, code):
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, code, "The %s parameter is invalid." % name)
    if not low <= value <= high:
        raise ApiError(400, code, "The %s parameter is invalid." % name)
    return value


def matches(value, wanted, mode):
    # Fuzzy ("contains") by default, exact with search_mode=equal (ListRecordSetsByZoneRequest's
    # name and search_mode in huaweicloud-sdk-go-v3).
    if wanted is None or wanted == "":
        return True
    value, wanted = value.lower(), wanted.lower()
    return value == wanted if mode == "equal" else wanted in value


def check_write(state, zone, name, rtype, ignore_id=None):
    """DNS.0312 when the write would break the one-set-per-name-and-type rule or a
    CNAME's being alone at its name (RFC 1034 §3.6.2; the console's "conflict with an existing
    record set" FAQ)."""
    for other in state.records.values():
        if other["zone_id"] != zone["id"] or other["name"] != name or other["id"] == ignore_id:
            continue
        if other.get("line") not in (None, "default_view"):
            continue
        if other["type"] == rtype or "CNAME" in (other["type"], rtype):
            raise ApiError(400, "DNS.0312", "This record set name already exists.")


def check_fields(zone, body, partial):
    name = body.get("name")
    if name is not None or not partial:
        if not isinstance(name, str) or not name.endswith(".") or not (
                name.lower() == zone["name"] or name.lower().endswith("." + zone["name"])):
            # The record set's name must be an FQDN ending with the zone's name
            # (CreateRecordSetRequestBody.name).
            raise ApiError(400, "DNS.0304", "Invalid record set name.")
    rtype = body.get("type")
    if rtype is not None or not partial:
        if rtype not in TYPES:
            raise ApiError(400, "DNS.0307", "Invalid record set type.")
    ttl = body.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or not 1 <= ttl <= 2147483647):
        # ttl "1~2147483647" (CreateRecordSetRequestBody, UpdateRecordSetReq).
        raise ApiError(400, "DNS.0319", "The TTL parameter has been out of range.")
    records = body.get("records")
    if records is not None or not partial:
        if not isinstance(records, list) or not records or not all(
                isinstance(r, str) and r for r in records):
            raise ApiError(400, "DNS.0308", "Invalid record set value.")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in separate writes: no 40 ms per request
    server_version = "huaweicloud-fake/1"

    def log_message(self, fmt, *args):  # one line per request on stderr, never the body
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, headers=None, content_type="application/json;charset=UTF-8"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", request_id())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        parts = urlsplit(self.path)
        raw = self.read_body()
        state = self.server.state
        if parts.path.startswith("/_fake/"):
            with state.lock:
                status, body = self.control(state, parts.path, raw)
            self.send(status, body)
            return
        with state.lock:
            status, body, headers, content_type = self.api(state, parts, raw)
        self.send(status, body, headers, content_type)

    # ---- API ------------------------------------------------------------------------------

    def api(self, state, parts, raw):
        entry = {"method": self.command, "path": parts.path, "query": parts.query,
                 "signed_headers": [], "signature_ok": False}
        state.log.append(entry)
        state.count += 1
        state.settle()
        json_type = "application/json;charset=UTF-8"
        fault = state.faults.take(("malformed",))
        if fault is not None:
            entry.update(status=200, code="malformed")
            return 200, b'{"recordsets": [', {}, json_type
        try:
            # A service that is down answers nothing else, signed or not.
            fault = state.faults.take(("server_error",))
            if fault is not None:
                status = int(fault.get("status", 500))
                if status in (502, 503, 504):
                    entry.update(status=status, code="gateway page")
                    return status, b"<html><body>Service Unavailable</body></html>", {}, \
                        "text/html"
                raise ApiError(status, "DNS.0001", "Internal error.")
            self.authenticate(state, parts, raw, entry)
            # The gateway throttles per user, so after it knows who asks.
            fault = state.faults.take(("throttle",))
            if fault is not None:
                if fault.get("flow_control"):
                    raise ApiError(403, "DNS.0014", "Request forbidden by flow control.")
                headers = {}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = str(fault["retry_after"])
                raise ApiError(429, "APIGW.0308",
                               "The throttling threshold has been reached: policy user over "
                               "ratelimit,limit:100,time:1 minute", gateway=True,
                               headers=headers)
            status, body = self.route(state, parts, raw)
            entry.update(status=status, code=None)
            return status, body, {}, json_type
        except ApiError as e:
            entry.update(status=e.status, code=e.code)
            return e.status, e.body(), e.headers, json_type

    def authenticate(self, state, parts, raw, entry):
        authorization = self.headers.get("Authorization") or ""
        prefix = "SDK-HMAC-SHA256 "
        if not authorization.startswith(prefix):
            raise auth_error("no SDK-HMAC-SHA256 Authorization header")
        fields = {}
        for item in authorization[len(prefix):].split(","):
            key, _, value = item.strip().partition("=")
            fields[key] = value
        signed = [h for h in fields.get("SignedHeaders", "").split(";") if h]
        entry["signed_headers"] = signed
        if "x-sdk-date" not in signed:
            raise auth_error("x-sdk-date is not signed")
        date = self.headers.get("X-Sdk-Date") or ""
        try:
            when = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            raise auth_error("x-sdk-date is malformed")
        if abs(time.time() - when) > state.max_skew:
            raise auth_error("x-sdk-date expired")
        access = fields.get("Access", "")
        temporary = state.temporary
        if temporary is not None and access == temporary["access_key_id"]:
            # Temporary AK/SK need their security token (X-Security-Token), and expire.
            if self.headers.get("X-Security-Token") != temporary["security_token"]:
                raise auth_error("the security token is missing or wrong")
            if temporary["expired"]:
                raise auth_error("the security token expired")
            secret = temporary["secret_access_key"]
        elif access == state.key_id and not state.faults.revoked:
            secret = state.key_secret
        else:
            raise auth_error("the access key is invalid")
        headers = {name.lower(): value for name, value in self.headers.items()}
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        expected = signature(secret, self.command, parts.path, pairs, headers, signed, raw, date)
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            raise auth_error("verify aksk signature fail")
        entry["signature_ok"] = True

    def route(self, state, parts, raw):
        segments = parts.path.split("/")[1:]
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        method = self.command
        if segments[:2] != ["v2", "zones"]:
            raise ApiError(404, "APIGW.0101", "The API does not exist or has not been published "
                           "in the environment", gateway=True)
        if len(segments) == 2 and method == "GET":
            return self.list_zones(state, query)
        zone = state.zones.get(segments[2]) if len(segments) > 2 else None
        if zone is None:
            raise ApiError(404, "DNS.0302", "This zone does not exist.")
        if segments[3:] == ["nameservers"] and method == "GET":
            return 200, {"nameservers": [{"hostname": h, "priority": i + 1}
                                         for i, h in enumerate(state.name_servers)]}
        if segments[3:] == ["recordsets"] and method == "GET":
            return self.list_records(state, zone, query)
        body = {}
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                raise ApiError(400, "DNS.0002", "Invalid request.")
            if not isinstance(body, dict):
                raise ApiError(400, "DNS.0002", "Invalid request.")
        if segments[3:] == ["recordsets"] and method == "POST":
            return self.create(state, zone, body)
        if len(segments) == 5 and segments[3] == "recordsets":
            record = state.records.get(segments[4])
            if record is None or record["zone_id"] != zone["id"]:
                raise ApiError(404, "DNS.0313", "This record set does not exist.")
            if method == "GET":
                return 200, public(record)
            if method == "PUT":
                return self.update(state, zone, record, body)
            if method == "DELETE":
                if record["default"]:
                    raise ApiError(400, "DNS.0317",
                                   "This record set is a default one and cannot be deleted.")
                state.pend(record, "PENDING_DELETE")
                return 202, public(record)
        raise ApiError(404, "APIGW.0101", "The API does not exist", gateway=True)

    @staticmethod
    def page(state, items, query, path):
        """One page of ITEMS and the listing's links: a "next" link while more remain (the API
        reference's ListRecordSetsByZone and ListPublicZones examples carry one)."""
        limit = int_query(query, "limit", 500, 0, 500, "DNS.0006")
        offset = int_query(query, "offset", 0, 0, 2147483647, "DNS.0011")
        served = min(limit, state.page_size_max)
        links = {"self": "https://dns.example.invalid%s?limit=%d&offset=%d" % (path, limit, offset)}
        if offset + served < len(items):
            links["next"] = "https://dns.example.invalid%s?limit=%d&offset=%d" % (
                path, limit, offset + served)
        return items[offset:offset + served], links

    def list_zones(self, state, query):
        if query.get("type", "public") != "public":
            raise ApiError(400, "DNS.0008", "The zone of this type is not supported now.")
        mode = query.get("search_mode", "like")
        found = [z for z in state.zones.values() if matches(z["name"], query.get("name"), mode)]
        found.sort(key=lambda z: (z["created_at"], z["name"]))
        page, links = self.page(state, found, query, "/v2/zones")
        return 200, {"links": links, "zones": page, "metadata": {"total_count": len(found)}}

    def list_records(self, state, zone, query):
        mode = query.get("search_mode", "like")
        found = [r for r in state.records.values()
                 if r["zone_id"] == zone["id"] and matches(r["name"], query.get("name"), mode)
                 and (not query.get("type") or r["type"] == query["type"].upper())
                 and (not query.get("status") or r["status"] == query["status"])]
        found.sort(key=lambda r: (r["name"], r["type"], r["id"]))
        page, links = self.page(state, found, query, "/v2/zones/%s/recordsets" % zone["id"])
        return 200, {"links": links, "recordsets": [public(r) for r in page],
                     "metadata": {"total_count": len(found)}}

    def apply_race(self, state):
        while state.race:
            body = state.race.pop(0)
            self.add_from_control(state, body)

    def create(self, state, zone, body):
        check_fields(zone, body, partial=False)
        self.apply_race(state)
        name = body["name"].lower()
        check_write(state, zone, name, body["type"])
        record = state.new_record(zone, name, body["type"], body["records"],
                                  body.get("ttl", 300), description=body.get("description"))
        state.pend(record, "PENDING_CREATE")
        return 202, public(record)

    def update(self, state, zone, record, body):
        check_fields(zone, body, partial=True)
        self.apply_race(state)
        if record["default"]:
            raise ApiError(400, "DNS.0318",
                           "This record set is a default one and cannot be updated.")
        name = body.get("name", record["name"]).lower()
        rtype = body.get("type", record["type"])
        check_write(state, zone, name, rtype, ignore_id=record["id"])
        record.update(name=name, type=rtype)
        # Fields not given keep their values (UpdateRecordSetReq in huaweicloud-sdk-go-v3:
        # "默认为空，表示维持原值", empty keeps the value).
        for key in ("ttl", "records", "description"):
            if body.get(key) is not None:
                record[key] = body[key]
        state.pend(record, "PENDING_UPDATE")
        return 202, public(record)

    # ---- control --------------------------------------------------------------------------

    @staticmethod
    def add_from_control(state, body):
        zone = state.zone_by_name(body["zone"])
        if zone is None:
            zone = state.add_zone(body["zone"])
        return state.new_record(zone, body["name"], body["type"], body["records"],
                                body.get("ttl", 300), body.get("status", "ACTIVE"),
                                description=body.get("description"), line=body.get("line"),
                                weight=body.get("weight"))

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
            return 200, state.add_zone(body["name"])
        if segments == ["records"] and method == "GET":
            state.settle()
            return 200, sorted((public(r) for r in state.records.values()),
                               key=lambda r: (r["name"], r["type"]))
        if segments == ["records"] and method == "POST":
            return 200, public(self.add_from_control(state, body))
        if segments == ["race"] and method == "POST":
            state.race.append(body)
            return 200, {"ok": True}
        if len(segments) == 2 and segments[0] == "records":
            record = state.records.get(segments[1])
            if record is None:
                return 404, {"error": "no such record set"}
            if method == "DELETE":
                del state.records[record["id"]]
                return 200, public(record)
            if method == "PATCH":
                record.update({k: v for k, v in body.items() if k != "id"})
                return 200, public(record)
        if segments == ["pending"] and method == "POST":
            state.pending_seconds = float(body["seconds"])
            return 200, {"ok": True}
        if segments == ["settle"] and method == "POST":
            for record in state.records.values():
                record["_settles_at"] = 0.0
            state.settle()
            return 200, {"ok": True}
        if segments == ["credentials"] and method == "POST":
            state.key_id = body["access_key_id"]
            state.key_secret = body["secret_access_key"]
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["temporary"] and method == "POST":
            state.temporary = {"access_key_id": body["access_key_id"],
                               "secret_access_key": body["secret_access_key"],
                               "security_token": body["security_token"], "expired": False}
            return 200, {"ok": True}
        if segments == ["temporary", "expire"] and method == "POST":
            if state.temporary is None:
                return 404, {"error": "no temporary credentials"}
            state.temporary["expired"] = True
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log = []
            state.count = 0
            return 200, {"ok": True}
        return 404, {"error": "unknown control endpoint"}


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        return f.read().rstrip("\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key-id-file", required=True)
    parser.add_argument("--secret-access-key-file", required=True)
    parser.add_argument("--zone", action="append", default=[], help="a public zone to serve")
    parser.add_argument("--page-size-max", type=int, default=2,
                        help="largest page served, whatever limit asks (default 2)")
    parser.add_argument("--max-skew", type=int, default=DEFAULT_MAX_SKEW,
                        help="seconds an X-Sdk-Date may be off (default 900)")
    parser.add_argument("--pending-seconds", type=float, default=0,
                        help="how long a write reads PENDING_* before ACTIVE (default 0)")
    parser.add_argument("--name-servers", default=",".join(DEFAULT_NAME_SERVERS),
                        help="every zone's name servers, comma-separated")
    args = parser.parse_args()
    state = State(read_secret(args.access_key_id_file), read_secret(args.secret_access_key_file),
                  max(1, args.page_size_max), args.max_skew, args.pending_seconds,
                  [n for n in args.name_servers.split(",") if n])
    for zone in args.zone:
        state.add_zone(zone)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    print("huaweicloud fake listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
