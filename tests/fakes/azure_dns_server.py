#!/usr/bin/env python3
"""A protocol-faithful fake of Azure DNS (ARM, api-version 2018-05-01) and its Entra ID token
endpoint, for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone.

    azure_dns_server.py --port P --client-secret-file F [--tenant T] [--client-id C]
                        [--subscription S] [--resource-group RG] [--zone example.com ...]
                        [--page-size-max 2] [--token-lifetime 3599]
                        [--write-bucket 200 --write-refill 10 --read-bucket 250 --read-refill 25]

One server plays both hosts, as planb's `login_endpoint` and `endpoint` can point at it:

Entra ID, POST /{tenant}/oauth2/v2.0/token, a form (client-credentials grant,
https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
  grant_type=client_credentials, client_id, client_secret, scope={this server's base}/.default.
  200 {"token_type":"Bearer","expires_in":N,"ext_expires_in":N,"access_token":…}; refusals
  {"error","error_description":"AADSTSnnn: …","error_codes":[nnn],"timestamp","trace_id",
  "correlation_id","error_uri"} with the codes of
  https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes: 90002 (tenant
  not found, 400), 700016 (application not found, 400), 7000215 (invalid client secret, 401),
  7000222 (expired secret: after /_fake/revoke, 401), 70011 (invalid scope, 400), 70003
  (unsupported grant type, 400).

ARM, https://management.azure.com paths of Azure/azure-rest-api-specs
specification/dns/resource-manager/Microsoft.Network/stable/2018-05-01/dns.json:
  GET    …/dnsZones/{zone}                        Zones_Get (properties.nameServers)
  GET    …/dnsZones/{zone}/recordsets|all         RecordSets_ListByDnsZone / ListAllByDnsZone
  GET    …/dnsZones/{zone}/{type}                 RecordSets_ListByType
         ($top, "If not specified, returns up to 100"; pages of at most --page-size-max, chained
         by nextLink with $skipToken as examples/ListCNAMERecordset.json shows)
  GET    …/dnsZones/{zone}/{type}/{name}          RecordSets_Get
  PUT    …/dnsZones/{zone}/{type}/{name}          RecordSets_CreateOrUpdate: 201 created, 200
         updated; If-Match: <etag> and If-None-Match: * checked (412 PreconditionFailed)
  DELETE …/dnsZones/{zone}/{type}/{name}          RecordSets_Delete: 200 deleted, 204 none
Every ARM request must carry api-version=2018-05-01 and "Authorization: Bearer <a token this
fake issued, not expired>": a missing one is 401 AuthenticationFailed, an unknown one 401
InvalidAuthenticationToken, an expired one 401 ExpiredAuthenticationToken (the codes Azure SDKs
renew tokens on: azure-sdk-for-node's runtime checks `ExpiredAuthenticationToken`).
Errors are ARM's CloudError {"error":{"code","message"}}; the DNS resource provider's own
refusals (404 NotFound of a record set, 409 Conflict, 400 BadRequest, 412 PreconditionFailed) are
the bare {"code","message"} external-dns logged (kubernetes-sigs/external-dns#4855, #5358).

Rules kept (sources next to each in the code): a CNAME record set cannot share its name with
another type (409 Conflict), nor another type a CNAME's; a record set's etag changes on every
write; TTL 0 to 2147483647; the zone's apex has NS and SOA record sets from its creation.

ARM's throttling (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/
request-limits-and-throttling): token buckets per subscription and principal, reads (250, 25/s)
and writes and deletes (200, 10/s) by default; a request finding its bucket empty is 429
SubscriptionRequestsThrottled with Retry-After, and every reply carries
x-ms-ratelimit-remaining-subscription-reads / -writes.

Control endpoints (no auth; tests only), JSON in and out:
  GET    /_fake/health
  GET    /_fake/records                          -> [{"zone","name","type","etag","ttl",
                                                      "cname"?,"txt"?,"properties"}]
  POST   /_fake/records     {"zone","name","type","properties"}  (any record set, raw ARM
                                                     properties) -> the record set
  DELETE /_fake/records/{zone}/{type}/{name}
  POST   /_fake/race        like POST /_fake/records, stored just before the next PUT: a
                            concurrent writer (that PUT then meets a new etag)
  POST   /_fake/credentials {"client_secret"}     a new secret (also after /_fake/revoke)
  POST   /_fake/expire-tokens                      every token issued so far expires
  GET    /_fake/requests / DELETE /_fake/requests  the log (never a secret or a token)
  GET    /_fake/stats      -> {"requests","throttled","tokens_issued","max_in_flight"}
Faults (fault_control.py): throttle {"count","retry_after"?} -> 429 (Retry-After only when
given: ARM documents it, but a test can also see a reply without); fail {"count","status"?} ->
500 InternalServerError (503 ServiceUnavailable); malformed -> 200 with broken JSON; revoke ->
every token is invalid (401 InvalidAuthenticationToken) and the secret is expired (AADSTS7000222)
until /_fake/credentials. Faults meet ARM requests only, never the token endpoint.
"""

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from fault_control import FaultControl

API_VERSION = "2018-05-01"
TYPES = ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT")
# What Azure DNS assigns a zone (examples/GetZone.json's set).
DEFAULT_NAME_SERVERS = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net.",
                        "ns3-01.azure-dns.org.", "ns4-01.azure-dns.info."]
MAX_TTL = 2147483647  # RecordSet.properties.TTL is an int64; the portal and CLI take 0..2^31-1


class ArmError(Exception):
    def __init__(self, status, code, message, bare=False, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.bare = bare  # the DNS resource provider's {"code","message"} without "error"
        self.headers = headers or {}

    def body(self):
        inner = {"code": self.code, "message": self.message}
        return inner if self.bare else {"error": inner}


class Bucket:
    """ARM's token bucket: CAPACITY tokens, refilled at RATE per second."""

    def __init__(self, capacity, rate):
        self.capacity, self.rate = float(capacity), float(rate)
        self.tokens, self.at = float(capacity), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, int((1 - self.tokens) / self.rate + 0.999))  # seconds until a token

    def remaining(self):
        return int(self.tokens)


class State:
    def __init__(self, args, secret):
        self.lock = threading.Lock()
        self.flight_lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.tenant, self.client_id, self.secret = args.tenant, args.client_id, secret
        self.subscription, self.resource_group = args.subscription, args.resource_group
        self.page_size_max = max(1, args.page_size_max)
        self.token_lifetime = args.token_lifetime
        self.tokens = {}  # token -> expiry (time.time())
        self.tokens_issued = 0
        self.zones = {}  # zone -> {(TYPE, lower name): record set}
        self.name_servers = DEFAULT_NAME_SERVERS
        self.races = []
        self.faults = FaultControl()
        self.buckets = {"read": Bucket(args.read_bucket, args.read_refill),
                        "write": Bucket(args.write_bucket, args.write_refill)}
        self.throttled = 0
        self.log = []
        self.count = 0
        self.base = "http://127.0.0.1:%d" % args.port

    def add_zone(self, zone):
        zone = zone.lower().rstrip(".")
        sets = self.zones.setdefault(zone, {})
        # A new zone has its apex NS and SOA record sets (dns-zones-records: "the SOA and NS
        # record sets at the zone apex are created automatically").
        if ("NS", "@") not in sets:
            self.store(zone, "@", "NS", {"TTL": 172800, "NSRecords": [
                {"nsdname": n} for n in self.name_servers]})
            self.store(zone, "@", "SOA", {"TTL": 3600, "SOARecord": {
                "host": self.name_servers[0], "email": "azuredns-hostmaster.microsoft.com",
                "serialNumber": 1, "refreshTime": 3600, "retryTime": 300,
                "expireTime": 2419200, "minimumTTL": 300}})

    def zone_path(self, zone):
        return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnsZones/%s"
                % (self.subscription, self.resource_group, zone))

    def store(self, zone, name, rtype, properties):
        properties = dict(properties)
        properties["fqdn"] = (zone if name == "@" else name + "." + zone) + "."
        properties["provisioningState"] = "Succeeded"
        # A record set that is no alias still has an empty targetResource (lexicon's recorded
        # 2018-05-01 PUT reply, tests/conformance/azure/03-put-cname-create.json).
        properties.setdefault("targetResource", {})
        record_set = {"id": self.zone_path(zone) + "/" + rtype + "/" + name,
                      "name": name, "type": "Microsoft.Network/dnsZones/" + rtype,
                      "etag": str(uuid.uuid4()), "properties": properties}
        self.zones[zone][(rtype, name.lower())] = record_set
        return record_set


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        return f.read().rstrip("\r\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall per request
    server_version = "azure-dns-fake/1"

    def log_message(self, fmt, *args):  # one line per request on stderr, never a body
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes)
                                          else json.dumps(body).encode())
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(data)))
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
        if parts.path.endswith("/oauth2/v2.0/token"):
            with state.lock:
                status, body = self.token(state, parts.path, raw)
            self.send(status, body)
            return
        with state.flight_lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            with state.lock:
                status, body, headers = self.arm(state, parts, raw)
            self.send(status, body, headers)
        finally:
            with state.flight_lock:
                state.in_flight -= 1

    # ---- Entra ID ------------------------------------------------------------------------

    def aad_error(self, status, error, code, text):
        now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return status, {
            "error": error,
            "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s"
                                 % (code, text, trace, correlation, now),
            "error_codes": [code], "timestamp": now, "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}

    def token(self, state, path, raw):
        tenant = unquote(path.split("/")[1])
        form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        entry = {"method": self.command, "path": "/{tenant}/oauth2/v2.0/token",
                 "host": "login", "client_id": form.get("client_id"), "scope": form.get("scope")}
        state.log.append(entry)
        state.count += 1
        status, body = self.token_reply(state, tenant, form)
        entry["status"] = status
        entry["code"] = body.get("error_codes", [None])[0] if status != 200 else None
        return status, body

    def token_reply(self, state, tenant, form):
        if form.get("grant_type") != "client_credentials":
            return self.aad_error(400, "unsupported_grant_type", 70003,
                                  "The app requested an unsupported grant type.")
        if tenant != state.tenant:
            return self.aad_error(400, "invalid_request", 90002,
                                  "Tenant '%s' not found. Check to make sure you have the "
                                  "correct tenant ID and are signing into the correct cloud."
                                  % tenant)
        if form.get("client_id") != state.client_id:
            return self.aad_error(400, "unauthorized_client", 700016,
                                  "Application with identifier '%s' was not found in the "
                                  "directory '%s'." % (form.get("client_id"), tenant))
        if state.faults.revoked:
            return self.aad_error(401, "invalid_client", 7000222,
                                  "The provided client secret keys for app '%s' are expired."
                                  % state.client_id)
        if form.get("client_secret") != state.secret:
            return self.aad_error(401, "invalid_client", 7000215,
                                  "Invalid client secret provided. Ensure the secret being sent "
                                  "in the request is the client secret value, not the client "
                                  "secret ID, for a secret added to app '%s'." % state.client_id)
        if form.get("scope") != state.base + "/.default":
            return self.aad_error(400, "invalid_scope", 70011,
                                  "The provided request must include a 'scope' input parameter. "
                                  "The provided value for the input parameter 'scope' is not "
                                  "valid.")
        token = "eyJ0eXAiOiJKV1QifQ.fake-%s" % uuid.uuid4().hex
        state.tokens[token] = time.time() + state.token_lifetime
        state.tokens_issued += 1
        return 200, {"token_type": "Bearer", "expires_in": state.token_lifetime,
                     "ext_expires_in": state.token_lifetime, "access_token": token}

    # ---- ARM ------------------------------------------------------------------------------

    def arm(self, state, parts, raw):
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        entry = {"method": self.command, "path": unquote(parts.path), "query": query,
                 "if_match": self.headers.get("If-Match"),
                 "if_none_match": self.headers.get("If-None-Match"), "status": 0, "code": None}
        state.log.append(entry)
        state.count += 1
        kind = "read" if self.command == "GET" else "write"
        headers = {}
        try:
            # A fault stands for the service itself failing: it meets a request before its
            # token is even looked at.
            fault = state.faults.take()
            if fault is not None and fault["kind"] == "malformed":
                entry["status"] = 200
                return 200, b'{"id":"/subscriptions/x","etag":"1","name":"w', headers
            if fault is not None and fault["kind"] == "throttle":
                raise self.throttled_error(state, kind, fault.get("retry_after"))
            if fault is not None and fault["kind"] == "server_error":
                status = int(fault.get("status") or 500)
                raise ArmError(status, "ServiceUnavailable" if status == 503
                               else "InternalServerError",
                               "The server encountered an internal error. Please retry the "
                               "request.")
            self.authenticate(state)
            wait = state.buckets[kind].take()
            if wait is not None:
                raise self.throttled_error(state, kind, wait)
            headers["x-ms-ratelimit-remaining-subscription-%ss" % kind] = \
                str(state.buckets[kind].remaining())
            if query.get("api-version") != API_VERSION:
                raise ArmError(400, "NoRegisteredProviderFound",
                               "No registered resource provider found for location 'global' and "
                               "API version '%s' for type 'dnszones'." % query.get("api-version"))
            status, body = self.route(state, parts, query, raw)
        except ArmError as e:
            entry["status"], entry["code"] = e.status, e.code
            headers.update(e.headers)
            return e.status, e.body(), headers
        entry["status"] = status
        return status, body, headers

    def throttled_error(self, state, kind, retry_after):
        state.throttled += 1
        headers = {"x-ms-ratelimit-remaining-subscription-%ss" % kind: "0"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return ArmError(429, "SubscriptionRequestsThrottled",
                        "Number of '%s' requests for subscription '%s' actor '%s' exceeded. "
                        "Please try again after '%s' seconds after additional tokens are "
                        "available. Refer to https://aka.ms/arm-throttling"
                        % (kind, state.subscription, state.client_id, retry_after or 1),
                        headers=headers)

    def authenticate(self, state):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing.")
        token = header[len("Bearer "):]
        expiry = state.tokens.get(token)
        if expiry is None or state.faults.revoked:
            raise ArmError(401, "InvalidAuthenticationToken",
                           "The access token is invalid.")
        if time.time() >= expiry:
            raise ArmError(401, "ExpiredAuthenticationToken",
                           "The access token expiry UTC time '%s' is earlier than current UTC "
                           "time '%s'." % (time.strftime("%m/%d/%Y %I:%M:%S %p",
                                                         time.gmtime(expiry)),
                                           time.strftime("%m/%d/%Y %I:%M:%S %p", time.gmtime())))

    def route(self, state, parts, query, raw):
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        # subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/dnsZones/ZONE[/…]
        if len(segments) < 8 or segments[0] != "subscriptions" or \
                segments[2].lower() != "resourcegroups" or segments[4] != "providers" or \
                segments[5].lower() != "microsoft.network" or segments[6].lower() != "dnszones":
            raise ArmError(404, "InvalidResourceType",
                           "The resource type could not be found in the namespace.")
        if segments[1] != state.subscription:
            raise ArmError(404, "SubscriptionNotFound",
                           "The subscription '%s' could not be found." % segments[1])
        if segments[3].lower() != state.resource_group.lower():
            raise ArmError(404, "ResourceGroupNotFound",
                           "Resource group '%s' could not be found." % segments[3])
        zone = segments[7].lower()
        rest = segments[8:]
        if zone not in state.zones:
            if not rest:
                raise ArmError(404, "ResourceNotFound",
                               "The Resource 'Microsoft.Network/dnszones/%s' under resource "
                               "group '%s' was not found. For more details please go to "
                               "https://aka.ms/ARMResourceNotFoundFix" % (zone, segments[3]))
            raise ArmError(404, "ParentResourceNotFound",
                           "Can not perform requested operation on nested resource. Parent "
                           "resource '%s' not found." % zone)
        if not rest:
            if self.command != "GET":
                raise ArmError(405, "MethodNotAllowed", "The method is not allowed.")
            return 200, self.zone_body(state, zone)
        if len(rest) == 1:
            if self.command != "GET":
                raise ArmError(405, "MethodNotAllowed", "The method is not allowed.")
            which = rest[0]
            if which in ("recordsets", "all"):
                return 200, self.listing(state, zone, None, parts, query)
            if which.upper() in TYPES:
                return 200, self.listing(state, zone, which.upper(), parts, query)
            raise ArmError(400, "BadRequest", "The record type '%s' is not supported." % which)
        if len(rest) != 2 or rest[0].upper() not in TYPES:
            raise ArmError(400, "BadRequest", "The request is not valid.")
        rtype, name = rest[0].upper(), rest[1]
        key = (rtype, name.lower())
        sets = state.zones[zone]
        if self.command == "GET":
            if key not in sets:
                # Azure/azure-cli#27374 logs this reply (tests/conformance/azure/12-…).
                raise ArmError(404, "NotFound",
                               "The resource record '%s' does not exist in resource group '%s' "
                               "of subscription '%s'." % (name, state.resource_group,
                                                          state.subscription), bare=True)
            return 200, sets[key]
        if self.command == "DELETE":
            if rtype == "SOA" or (rtype == "NS" and name == "@"):
                raise ArmError(400, "BadRequest", "The apex %s record set cannot be deleted."
                               % rtype, bare=True)
            if key not in sets:
                return 204, None
            self.check_if_match(sets.get(key))
            del sets[key]
            return 200, None
        if self.command == "PUT":
            return self.put(state, zone, rtype, name, raw)
        raise ArmError(405, "MethodNotAllowed", "The method is not allowed.")

    def zone_body(self, state, zone):
        # examples/GetZone.json's shape.
        return {"id": state.zone_path(zone), "name": zone, "type": "Microsoft.Network/dnsZones",
                "etag": "00000000-0000-0000-0000-000000000000", "location": "global",
                "tags": {}, "properties": {"maxNumberOfRecordSets": 10000,
                                           "maxNumberOfRecordsPerRecordSet": None,
                                           "numberOfRecordSets": len(state.zones[zone]),
                                           "nameServers": state.name_servers,
                                           "zoneType": "Public"}}

    def listing(self, state, zone, rtype, parts, query):
        try:
            top = int(query.get("$top", "100"))
            skip = int(query.get("$skipToken", "0"))
        except ValueError:
            raise ArmError(400, "BadRequest", "The $top or $skipToken value is not valid.")
        if top < 1:
            raise ArmError(400, "BadRequest", "The $top value must be positive.")
        page = min(top, state.page_size_max)
        # Azure lists the apex first, then by name.
        ordered = sorted((s for (t, _), s in state.zones[zone].items()
                          if rtype is None or t == rtype),
                         key=lambda s: (s["name"] != "@", s["name"].lower(), s["type"]))
        chunk = ordered[skip:skip + page]
        body = {"value": chunk}
        if skip + page < len(ordered):
            # examples/ListCNAMERecordset.json: nextLink is absolute, with api-version and
            # $skipToken.
            body["nextLink"] = "%s%s?api-version=%s&$skipToken=%d&$top=%d" % (
                state.base, parts.path, API_VERSION, skip + page, top)
        return body

    def check_if_match(self, current):
        if_match = self.headers.get("If-Match")
        if if_match is None or if_match == "*" and current is not None:
            return
        if current is None or current["etag"] != if_match:
            # Azure PowerShell's tests assert this very text (azure-powershell
            # src/Dns/Dns.Test/ScenarioTests/RecordsTests.ps1).
            raise ArmError(412, "PreconditionFailed",
                           "The condition '%s' in the If-Match header was not satisfied. The "
                           "current was '%s'." % (if_match, current["etag"] if current else "n/a"),
                           bare=True)

    def put(self, state, zone, rtype, name, raw):
        sets = state.zones[zone]
        if state.races:
            race = state.races.pop(0)
            state.store(race["zone"], race["name"], race["type"], race["properties"])
        try:
            body = json.loads(raw.decode() or "null")
            properties = body["properties"]
            if not isinstance(properties, dict):
                raise TypeError("properties")
        except (ValueError, KeyError, TypeError):
            raise ArmError(400, "BadRequest", "The request body is not a valid RecordSet.",
                           bare=True)
        current = sets.get((rtype, name.lower()))
        if self.headers.get("If-None-Match") == "*" and current is not None:
            # azure-xplat-cli#170: what Azure answers a create of an existing record set.
            raise ArmError(412, "PreconditionFailed",
                           "The condition '*' in the If-None-Match header was satisfied.",
                           bare=True)
        self.check_if_match(current)
        ttl = properties.get("TTL", 3600)
        if not isinstance(ttl, int) or ttl < 0 or ttl > MAX_TTL:
            raise ArmError(400, "BadRequest", "The TTL value '%s' is not valid." % ttl, bare=True)
        others = {t for (t, n) in sets if n == name.lower() and t != rtype}
        if rtype == "CNAME" and others:
            # github.com/rcl-letsencrypt-auto-ssl/Lets-Encrypt-Auto/issues/26
            raise ArmError(409, "Conflict", "The CNAME record could not be created because "
                           "another record with the same name already exists in this zone.",
                           bare=True)
        if rtype != "CNAME" and "CNAME" in others:
            # MicrosoftDocs/azure-docs#85496 (the portal's text of the same refusal).
            raise ArmError(409, "Conflict", "The record could not be created because a CNAME "
                           "record with the same name already exists in this zone.", bare=True)
        if rtype == "CNAME":
            cname = (properties.get("CNAMERecord") or {}).get("cname")
            if cname is not None and (not isinstance(cname, str) or '"' in cname
                                      or " " in cname):
                # external-dns#4855: a quoted target is refused so.
                raise ArmError(400, "BadRequest", "The domain name '%s' is invalid." % cname,
                               bare=True)
        properties = dict(properties, TTL=ttl)
        stored = state.store(zone, current["name"] if current else name, rtype, properties)
        return (200 if current is not None else 201), stored

    # ---- control --------------------------------------------------------------------------

    def control(self, state, path, raw):
        try:
            body = json.loads(raw.decode() or "null") or {}
        except ValueError:
            return 400, {"error": "control bodies are JSON"}
        handled = state.faults.control(self.command, path, body)
        if handled is not None:
            return handled
        segments = [unquote(s) for s in path[len("/_fake/"):].split("/") if s]
        method = self.command
        if segments == ["health"]:
            return 200, {"ok": True}
        if segments == ["records"] and method == "GET":
            out = []
            for zone, sets in sorted(state.zones.items()):
                for (rtype, _), s in sorted(sets.items()):
                    p = s["properties"]
                    item = {"zone": zone, "name": s["name"], "type": rtype, "etag": s["etag"],
                            "ttl": p.get("TTL"), "properties": p}
                    if rtype == "CNAME" and p.get("CNAMERecord"):
                        item["cname"] = p["CNAMERecord"].get("cname")
                    if rtype == "TXT":
                        item["txt"] = ["".join(r.get("value", [])) for r in p.get("TXTRecords", [])]
                    out.append(item)
            return 200, out
        if segments in (["records"], ["race"]) and method == "POST":
            zone = body["zone"].lower().rstrip(".")
            if zone not in state.zones:
                state.add_zone(zone)
            item = {"zone": zone, "name": body["name"], "type": body["type"].upper(),
                    "properties": body.get("properties", {})}
            if segments == ["race"]:
                state.races.append(item)
                return 200, {"ok": True}
            return 200, state.store(zone, item["name"], item["type"], item["properties"])
        if len(segments) == 4 and segments[0] == "records" and method == "DELETE":
            zone, rtype, name = segments[1].lower(), segments[2].upper(), segments[3].lower()
            state.zones.get(zone, {}).pop((rtype, name), None)
            return 200, {"ok": True}
        if segments == ["zones"] and method == "POST":
            state.add_zone(body["name"])
            return 200, {"ok": True}
        if segments == ["credentials"] and method == "POST":
            state.secret = body["client_secret"]
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["expire-tokens"] and method == "POST":
            for token in state.tokens:
                state.tokens[token] = 0
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log, state.count = [], 0
            return 200, {"ok": True}
        if segments == ["stats"] and method == "GET":
            with state.flight_lock:
                in_flight = state.max_in_flight
            return 200, {"requests": state.count, "throttled": state.throttled,
                         "tokens_issued": state.tokens_issued, "max_in_flight": in_flight}
        return 404, {"error": "unknown control endpoint"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-secret-file", required=True)
    parser.add_argument("--tenant", default="72f988bf-86f1-41af-91ab-2d7cd011db47")
    parser.add_argument("--client-id", default="00000000-0000-0000-0000-00000000c11e")
    parser.add_argument("--subscription", default="00000000-0000-0000-0000-0000000005b1")
    parser.add_argument("--resource-group", default="rg-dns")
    parser.add_argument("--zone", action="append", default=[], help="a zone to serve")
    parser.add_argument("--page-size-max", type=int, default=2,
                        help="largest listing page, whatever $top asks (default 2)")
    parser.add_argument("--token-lifetime", type=int, default=3599)
    parser.add_argument("--read-bucket", type=float, default=250)
    parser.add_argument("--read-refill", type=float, default=25)
    parser.add_argument("--write-bucket", type=float, default=200)
    parser.add_argument("--write-refill", type=float, default=10)
    args = parser.parse_args()
    state = State(args, read_secret(args.client_secret_file))
    for zone in args.zone:
        state.add_zone(zone)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    print("azure dns fake listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
