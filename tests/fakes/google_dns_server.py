#!/usr/bin/env python3
"""A protocol-faithful fake of Google Cloud DNS (API v1) and its OAuth 2.0 token endpoint.

Python 3 standard library plus `cryptography` (RSA signature checks); listens on 127.0.0.1 alone.

    google_dns_server.py --port P --credentials-file F --project PROJECT
                         [--zone example.com ...] [--page-size-max 2] [--pending-seconds 0]
                         [--token-lifetime 3599]

The service account is the one in --credentials-file (a service-account JSON key, as planbd reads
it): Google knows the public half of every key it issues, so this fake derives it from the key.

Token endpoint, POST /token (form-encoded; Google's "Using OAuth 2.0 for Server to Server
Applications", https://developers.google.com/identity/protocols/oauth2/service-account):
grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT. The JWT is checked as Google
does: header alg RS256; the RS256 signature VERIFIED with the account's public key; iss the
account's client_email; aud this endpoint's URL (the key file's token_uri); scope naming
https://www.googleapis.com/auth/ndev.clouddns.readwrite (or cloud-platform); iat not in the future
and exp after now, at most an hour after iat. Replies {"access_token","expires_in","token_type":
"Bearer"}; refusals HTTP 400 {"error":"invalid_grant","error_description":...} with Google's own
texts ("Invalid JWT Signature.": github.com/googleapis/google-cloud-python/issues/10004; "Invalid
JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat
and exp values in the JWT claim.", the same text of github.com/erebusnz/gapi-google-analytics-php-
interface/issues/147 with its later wording), invalid_scope, unsupported_grant_type.

API under /dns/v1/projects/{project} (https://cloud.google.com/dns/docs/reference/rest/v1), every
request with "Authorization: Bearer TOKEN" of a token this fake issued and not yet expired:
  GET  /managedZones[?dnsName=]                 managedZones.list (dnsName filters)
  GET  /managedZones/{zone}                     managedZones.get (nameServers)
  GET  /managedZones/{zone}/rrsets[?name=&type=&maxResults=&pageToken=]
       resourceRecordSets.list: name filters to one owner name, type (only with name: "If present,
       the "name" parameter must also be present") to one type; pages of at most --page-size-max
  POST /managedZones/{zone}/changes             changes.create {"additions":[],"deletions":[]}:
       atomic. Every deletion must match an existing rrset exactly (name, type, ttl, rrdatas as a
       set; routingPolicy too): one that differs is 412 conditionNotMet "Precondition not met for
       'entity.change.deletions[N]'" (external-dns issue 3311), one that is gone 404 notFound; an
       addition where its name and type already exist (after the deletions) is 409 alreadyExists
       "The resource 'entity.change.additions[N]' named 'NAME (TYPE)' already exists" (the wording
       of terraform-provider-google issue 9112 and bridgy-fed issue 1072); a CNAME beside another
       type is 400 (RFC 1034 §3.6.2; reason "cnameResourceRecordSetConflict"). More than 1,000
       additions or deletions, or 100,000 bytes of rrdata, is 403 quotaExceeded "The change would
       exceed quota for additions per change." (external-dns issue 1028; limits:
       https://cloud.google.com/dns/quotas). The change is "pending" until --pending-seconds
       passed (or /_fake/complete), then "done" (changes.get).
  GET  /managedZones/{zone}/changes/{id}        changes.get
Errors have Google's JSON shape {"error":{"code","message","errors":[{"message","domain",
"reason"}],"status"}}: 401 authError UNAUTHENTICATED ("Request had invalid authentication
credentials. ..."), 403 forbidden for another project, 404 notFound, 400 invalid.

Control endpoints (no auth; tests only), JSON in and out:
  GET    /_fake/health
  GET    /_fake/records                          -> [{"zone","name","type","ttl","rrdatas",...}]
  POST   /_fake/records   {"zone","name","type","ttl"?,"rrdatas","routingPolicy"?}  upsert
  DELETE /_fake/records   {"zone","name","type"}
  POST   /_fake/race      like POST /_fake/records, applied just before the next changes.create
  POST   /_fake/complete                         every pending change becomes done
  POST   /_fake/expire-tokens                    every issued token stops working (401)
  POST   /_fake/credentials {"credentials_file"} the account's key is this file's (a rotation);
                                                 also lifts /_fake/revoke
  GET    /_fake/requests  -> {"count","requests":[...]};  DELETE /_fake/requests
  GET    /_fake/stats     -> {"tokens_issued","max_additions","max_deletions","changes"}
Faults (fault_control.py): throttle -> 429 rateLimitExceeded RESOURCE_EXHAUSTED (Google sends no
Retry-After; "retry_after" adds one, and "status": 403 gives the older 403 rateLimitExceeded);
fail -> 500 backendError INTERNAL (503: UNAVAILABLE); malformed -> 200 with a broken body; revoke
-> the key is deleted: the token endpoint answers invalid_grant "Invalid JWT Signature." (what a
deleted key gets: github.com/google-github-actions/setup-gcloud/issues/76) and issued tokens
stop working. The other faults meet API requests only: the token endpoint is another service.

The request log holds method, path, query and whether the token was good; never a token.
"""

import argparse
import base64
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from fault_control import FaultControl

SCOPES = ("https://www.googleapis.com/auth/ndev.clouddns.readwrite",
          "https://www.googleapis.com/auth/cloud-platform")
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# https://cloud.google.com/dns/quotas, "Limits".
MAX_ADDITIONS = 1000
MAX_DELETIONS = 1000
MAX_RRDATA_BYTES = 100_000
# The name servers Cloud DNS assigns come from shards like ns-cloud-d1..d4.googledomains.com
# (github.com/opstrace/opstrace/issues/1068 shows a zone's four).
NAME_SERVERS = ["ns-cloud-d1.googledomains.com.", "ns-cloud-d2.googledomains.com.",
                "ns-cloud-d3.googledomains.com.", "ns-cloud-d4.googledomains.com."]
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")


class ApiError(Exception):
    def __init__(self, code, reason, message, status, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status
        self.headers = headers or {}

    def body(self):
        return {"error": {"code": self.code, "message": self.message,
                          "errors": [{"message": self.message, "domain": "global",
                                      "reason": self.reason}],
                          "status": self.status}}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(name):
    return name.lower().rstrip(".") + "."


def load_account(path):
    with open(path, encoding="utf-8") as f:
        key = json.load(f)
    private = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    return key["client_email"], private.public_key()


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.port = args.port
        self.project = args.project
        self.client_email, self.public_key = load_account(args.credentials_file)
        self.page_size_max = max(1, args.page_size_max)
        self.pending_seconds = args.pending_seconds
        self.token_lifetime = args.token_lifetime
        self.zones = {}  # dnsName -> {"name", "dnsName", "id", "rrsets": {(name, type): rrset}}
        self.tokens = {}  # token -> expiry (monotonic)
        self.changes = {}  # (zone name, id) -> change
        self.next_change = 1
        self.faults = FaultControl()
        self.race = []
        self.log = []
        self.count = 0
        self.stats = {"tokens_issued": 0, "max_additions": 0, "max_deletions": 0, "changes": 0}
        for zone in args.zone:
            self.add_zone(zone)

    def add_zone(self, dns_name):
        dns_name = canonical(dns_name)
        name = dns_name.rstrip(".").replace(".", "-")
        zone = {"name": name, "dnsName": dns_name, "id": str(1000 + len(self.zones)),
                "visibility": "public", "rrsets": {}}
        # Every new zone holds its SOA and NS (managedZones.create's reference).
        zone["rrsets"][(dns_name, "NS")] = {"kind": "dns#resourceRecordSet", "name": dns_name,
                                            "type": "NS", "ttl": 21600,
                                            "rrdatas": list(NAME_SERVERS)}
        zone["rrsets"][(dns_name, "SOA")] = {
            "kind": "dns#resourceRecordSet", "name": dns_name, "type": "SOA", "ttl": 21600,
            "rrdatas": [NAME_SERVERS[0] + " cloud-dns-hostmaster.google.com. 1 21600 3600 "
                        "259200 300"]}
        self.zones[dns_name] = zone

    def zone_by_name(self, name):
        for zone in self.zones.values():
            if zone["name"] == name or zone["id"] == name:
                return zone
        raise ApiError(404, "notFound",
                       "The 'parameters.managedZone' resource named '%s' does not exist." % name,
                       "NOT_FOUND")

    def upsert(self, body):
        zone = self.zones.get(canonical(body["zone"]))
        if zone is None:
            return None
        rrset = {"kind": "dns#resourceRecordSet", "name": canonical(body["name"]),
                 "type": body["type"], "ttl": int(body.get("ttl", 300)),
                 "rrdatas": list(body["rrdatas"])}
        if "routingPolicy" in body:
            rrset["routingPolicy"] = body["routingPolicy"]
        zone["rrsets"][(rrset["name"], rrset["type"])] = rrset
        return rrset

    def status_of(self, change):
        if change["status"] == "pending" and time.monotonic() >= change["_due"]:
            change["status"] = "done"
        return {k: v for k, v in change.items() if not k.startswith("_")}


def same_rrset(a, b):
    keys = ("name", "type", "ttl", "routingPolicy")
    return (all(canonical(a.get(k, "")) == canonical(b.get(k, "")) if k == "name"
                else a.get(k) == b.get(k) for k in keys)
            and sorted(a.get("rrdatas", [])) == sorted(b.get("rrdatas", [])))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "google-dns-fake/1"

    def log_message(self, fmt, *args):  # one line per request, never a token or body
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
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
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        state = self.server.state
        with state.lock:
            if parts.path.startswith("/_fake/"):
                status, body = self.control(state, parts.path, raw)
                headers = {}
            else:
                status, body, headers = self.serve(state, parts, raw)
        self.send(status, body, headers)

    # ---- the service ------------------------------------------------------------------------

    def serve(self, state, parts, raw):
        entry = {"method": self.command, "path": parts.path, "query": parts.query,
                 "token_ok": None, "status": 0, "reason": None}
        state.log.append(entry)
        state.count += 1
        if parts.path == "/token" and self.command == "POST":
            # The token endpoint is another service (oauth2.googleapis.com): the API's faults are
            # not its; /_fake/revoke is.
            status, body = self.token(state, raw, entry)
            return status, body, {}
        if state.faults.take(kinds=("malformed",)) is not None:
            entry["status"] = 200
            return 200, b'{"kind": "dns#resourceRecordSetsListResponse", "rrsets": [{"na', {}
        try:
            fault = state.faults.take(kinds=("throttle", "server_error"))
            if fault is not None and fault["kind"] == "throttle":
                status = int(fault.get("status") or 429)
                headers = {}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = str(fault["retry_after"])
                # external-dns issue 1710: "Error 429: Resource has been exhausted (e.g. check
                # quota)., rateLimitExceeded".
                raise ApiError(status, "rateLimitExceeded",
                               "Resource has been exhausted (e.g. check quota).",
                               "RESOURCE_EXHAUSTED", headers)
            if fault is not None:
                status = int(fault.get("status") or 500)
                if status == 503:
                    raise ApiError(503, "backendError", "The service is currently unavailable.",
                                   "UNAVAILABLE")
                raise ApiError(status, "backendError", "Internal error encountered.", "INTERNAL")
            self.authenticate(state, entry)
            status, body = self.api(state, parts, raw)
            entry["status"] = status
            return status, body, {}
        except ApiError as e:
            entry["status"] = e.code
            entry["reason"] = e.reason
            return e.code, e.body(), e.headers

    def token(self, state, raw, entry):
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))

        def refuse(error, description):
            entry["status"] = 400
            entry["reason"] = error
            return 400, {"error": error, "error_description": description}

        if form.get("grant_type") != GRANT:
            return refuse("unsupported_grant_type",
                          "Invalid grant_type: %s" % form.get("grant_type", ""))
        parts = form.get("assertion", "").split(".")
        if len(parts) != 3:
            return refuse("invalid_request", "Invalid JWT: the assertion is not a JWT")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            return refuse("invalid_grant", "Invalid JWT: malformed")
        if header.get("alg") != "RS256":
            return refuse("invalid_grant", "Invalid JWT: only RS256 is accepted")
        if state.faults.revoked:
            return refuse("invalid_grant", "Invalid JWT Signature.")
        try:
            state.public_key.verify(signature, (parts[0] + "." + parts[1]).encode(),
                                    padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return refuse("invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != state.client_email:
            return refuse("invalid_grant", "Invalid JWT Signature.")
        audience = "http://127.0.0.1:%d/token" % state.port
        if claims.get("aud") != audience:
            return refuse("invalid_grant", "Invalid JWT: Failed audience check.")
        scopes = str(claims.get("scope", "")).split()
        if not any(s in SCOPES for s in scopes):
            return refuse("invalid_scope", "Invalid oauth scope or ID token audience provided.")
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (not isinstance(iat, int) or not isinstance(exp, int) or iat > now + 60
                or exp <= now or exp - iat > 3600):
            return refuse("invalid_grant",
                          "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                          "reasonable timeframe. Check your iat and exp values in the JWT claim.")
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        state.tokens[token] = time.monotonic() + state.token_lifetime
        state.stats["tokens_issued"] += 1
        entry["status"] = 200
        return 200, {"access_token": token, "expires_in": state.token_lifetime,
                     "token_type": "Bearer"}

    def authenticate(self, state, entry):
        value = self.headers.get("Authorization", "")
        token = value[len("Bearer "):] if value.startswith("Bearer ") else None
        expiry = state.tokens.get(token)
        entry["token_ok"] = expiry is not None and expiry > time.monotonic() \
            and not state.faults.revoked
        if not entry["token_ok"]:
            raise ApiError(401, "authError", UNAUTHENTICATED, "UNAUTHENTICATED")

    def api(self, state, parts, raw):
        prefix = "/dns/v1/projects/"
        if not parts.path.startswith(prefix):
            raise ApiError(404, "notFound", "Not Found", "NOT_FOUND")
        segments = [unquote(s) for s in parts.path[len(prefix):].split("/")]
        if segments[0] != state.project:
            raise ApiError(403, "forbidden",
                           "The caller does not have permission", "PERMISSION_DENIED")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        rest = segments[1:]
        if rest == ["managedZones"] and self.command == "GET":
            zones = [z for z in state.zones.values()
                     if "dnsName" not in query or z["dnsName"] == canonical(query["dnsName"])]
            return 200, {"kind": "dns#managedZonesListResponse",
                         "managedZones": [self.zone_view(z) for z in zones]}
        if len(rest) == 2 and rest[0] == "managedZones" and self.command == "GET":
            return 200, self.zone_view(state.zone_by_name(rest[1]))
        if len(rest) == 3 and rest[2] == "rrsets" and self.command == "GET":
            return 200, self.list_rrsets(state, state.zone_by_name(rest[1]), query)
        if len(rest) == 3 and rest[2] == "changes" and self.command == "POST":
            return 200, self.create_change(state, state.zone_by_name(rest[1]), raw)
        if len(rest) == 4 and rest[2] == "changes" and self.command == "GET":
            zone = state.zone_by_name(rest[1])
            change = state.changes.get((zone["name"], rest[3]))
            if change is None:
                raise ApiError(404, "notFound", "The 'parameters.changeId' resource named '%s' "
                               "does not exist." % rest[3], "NOT_FOUND")
            return 200, state.status_of(change)
        raise ApiError(404, "notFound", "Not Found", "NOT_FOUND")

    @staticmethod
    def zone_view(zone):
        return {"kind": "dns#managedZone", "name": zone["name"], "dnsName": zone["dnsName"],
                "id": zone["id"], "visibility": zone["visibility"], "description": "",
                "nameServers": list(NAME_SERVERS), "creationTime": "2026-01-05T10:00:00.000Z",
                # DNSSEC off, with the default key specs, as recorded (tests/conformance/google/
                # 02-managed-zones-list.json).
                "dnssecConfig": {"kind": "dns#managedZoneDnsSecConfig", "state": "off",
                                 "defaultKeySpecs": [
                                     {"kind": "dns#dnsKeySpec", "keyType": "keySigning",
                                      "algorithm": "rsasha256", "keyLength": 2048},
                                     {"kind": "dns#dnsKeySpec", "keyType": "zoneSigning",
                                      "algorithm": "rsasha256", "keyLength": 1024}],
                                 "nonExistence": "nsec3"}}

    def list_rrsets(self, state, zone, query):
        if "type" in query and "name" not in query:
            raise ApiError(400, "invalid", "Invalid value for 'parameters.name': ''", "INVALID_ARGUMENT")
        sets = sorted(zone["rrsets"].values(), key=lambda r: (r["name"], r["type"]))
        if "name" in query:
            sets = [r for r in sets if r["name"] == canonical(query["name"])]
        if "type" in query:
            sets = [r for r in sets if r["type"] == query["type"]]
        size = state.page_size_max
        if query.get("maxResults"):
            size = min(size, max(1, int(query["maxResults"])))
        start = 0
        if query.get("pageToken"):
            try:
                start = int(b64url_decode(query["pageToken"]).decode())
            except ValueError:
                raise ApiError(400, "invalid", "Invalid value for 'parameters.pageToken'",
                               "INVALID_ARGUMENT")
        page = sets[start:start + size]
        # An empty page still has its (empty) rrsets array, as recorded (tests/conformance/google/
        # 03-rrsets-list-name-type-empty.json).
        reply = {"kind": "dns#resourceRecordSetsListResponse", "rrsets": page}
        if start + size < len(sets):
            reply["nextPageToken"] = base64.urlsafe_b64encode(
                str(start + size).encode()).decode().rstrip("=")
        return reply

    def create_change(self, state, zone, raw):
        for body in state.race:
            body = dict(body, zone=zone["dnsName"])
            if body.get("delete"):
                zone["rrsets"].pop((canonical(body["name"]), body["type"]), None)
            else:
                state.upsert(body)
        state.race = []
        try:
            change = json.loads(raw)
            additions = change.get("additions", [])
            deletions = change.get("deletions", [])
        except (ValueError, AttributeError):
            raise ApiError(400, "parseError", "Parse Error", "INVALID_ARGUMENT")
        if not additions and not deletions:
            raise ApiError(400, "required", "The 'entity.change' parameter is required but was "
                           "missing.", "INVALID_ARGUMENT")
        size = sum(len(d) for r in additions + deletions for d in r.get("rrdatas", []))
        for count, limit, what in ((len(additions), MAX_ADDITIONS, "additions per change"),
                                   (len(deletions), MAX_DELETIONS, "deletions per change"),
                                   (size, MAX_RRDATA_BYTES, "total rrdata size per change")):
            if count > limit:
                raise ApiError(403, "quotaExceeded",
                               "The change would exceed quota for %s." % what, "PERMISSION_DENIED")
        rrsets = dict(zone["rrsets"])
        for i, d in enumerate(deletions):
            key = (canonical(d.get("name", "")), d.get("type"))
            current = rrsets.get(key)
            if current is None:
                raise ApiError(404, "notFound", "The 'entity.change.deletions[%d]' resource named "
                               "'%s (%s)' does not exist." % (i, key[0], key[1]), "NOT_FOUND")
            if not same_rrset(current, d):
                raise ApiError(412, "conditionNotMet", "Precondition not met for "
                               "'entity.change.deletions[%d]'" % i, "FAILED_PRECONDITION")
            del rrsets[key]
        for i, a in enumerate(additions):
            name, rtype = a.get("name", ""), a.get("type", "")
            if not name.endswith(".") or not rtype or not a.get("rrdatas"):
                raise ApiError(400, "invalid", "Invalid value for 'entity.change.additions[%d]'"
                               % i, "INVALID_ARGUMENT")
            key = (canonical(name), rtype)
            if key in rrsets:
                raise ApiError(409, "alreadyExists", "The resource 'entity.change.additions[%d]' "
                               "named '%s (%s)' already exists" % (i, key[0], rtype), "ALREADY_EXISTS")
            others = [t for (n, t) in rrsets if n == key[0]]
            if (rtype == "CNAME" and others) or ("CNAME" in others):
                raise ApiError(400, "cnameResourceRecordSetConflict",
                               "The resource record set 'entity.change.additions[%d]' is invalid "
                               "because a CNAME resource record set cannot coexist with another "
                               "resource record set of a different type" % i, "INVALID_ARGUMENT")
            stored = {"kind": "dns#resourceRecordSet", "name": key[0], "type": rtype,
                      "ttl": int(a.get("ttl", 300)), "rrdatas": list(a["rrdatas"])}
            rrsets[key] = stored
        zone["rrsets"] = rrsets
        state.stats["changes"] += 1
        state.stats["max_additions"] = max(state.stats["max_additions"], len(additions))
        state.stats["max_deletions"] = max(state.stats["max_deletions"], len(deletions))
        change_id = str(state.next_change)
        state.next_change += 1
        # The reply repeats the change, each rrset with its kind (04-changes-create-cname-pending).
        record = {"kind": "dns#change", "id": change_id, "status": "pending",
                  "startTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                  "additions": [dict(r, kind="dns#resourceRecordSet") for r in additions],
                  "deletions": [dict(r, kind="dns#resourceRecordSet") for r in deletions],
                  "_due": time.monotonic() + state.pending_seconds}
        state.changes[(zone["name"], change_id)] = record
        return state.status_of(record)

    # ---- control ----------------------------------------------------------------------------

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
        if segments == ["records"] and method == "GET":
            return 200, [dict(r, zone=z["dnsName"]) for z in state.zones.values()
                         for r in sorted(z["rrsets"].values(),
                                         key=lambda r: (r["name"], r["type"]))]
        if segments == ["records"] and method == "POST":
            rrset = state.upsert(body)
            return (200, rrset) if rrset else (404, {"error": "no such zone"})
        if segments == ["records"] and method == "DELETE":
            zone = state.zones.get(canonical(body["zone"]))
            if zone is None:
                return 404, {"error": "no such zone"}
            zone["rrsets"].pop((canonical(body["name"]), body["type"]), None)
            return 200, {"ok": True}
        if segments == ["race"] and method == "POST":
            state.race.append(body)
            return 200, {"ok": True}
        if segments == ["complete"] and method == "POST":
            for change in state.changes.values():
                change["_due"] = 0
            return 200, {"ok": True}
        if segments == ["expire-tokens"] and method == "POST":
            state.tokens = {}
            return 200, {"ok": True}
        if segments == ["credentials"] and method == "POST":
            state.client_email, state.public_key = load_account(body["credentials_file"])
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log = []
            state.count = 0
            return 200, {"ok": True}
        if segments == ["stats"] and method == "GET":
            return 200, dict(state.stats)
        return 404, {"error": "unknown control endpoint"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--credentials-file", required=True,
                        help="the service-account JSON key whose public half checks assertions")
    parser.add_argument("--project", required=True)
    parser.add_argument("--zone", action="append", default=[], help="a zone's dnsName")
    parser.add_argument("--page-size-max", type=int, default=2,
                        help="largest listing page served, whatever maxResults asks (default 2)")
    parser.add_argument("--pending-seconds", type=float, default=0,
                        help="how long a change stays pending (default 0: done when read)")
    parser.add_argument("--token-lifetime", type=int, default=3599,
                        help="expires_in of each token, seconds (Google's: 3599)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print("google dns fake listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
