#!/usr/bin/env python3
"""A protocol-faithful fake of the AWS Route 53 API (REST-XML, 2013-04-01) for planb's tests.

Python 3 standard library only. Listens on 127.0.0.1 only.

    route53_server.py --port P --access-key-id-file F --secret-file F [--session-token-file F]
                      [--signing-region R] [--pending-polls N] [--pending-seconds S] [--max-requests-per-second R]
                      [--burst B] [--max-skew SECONDS] [--zone NAME[=ID]]...
                      [--name-servers HOST,HOST,...]

What it does like Route 53 (shared/reference/provider-apis.md §4):
- Recomputes the SigV4 signature of every API request on its own (hashlib/hmac, service route53,
  paths encoded twice) with the region of the partition it plays, --signing-region (us-east-1 by
  default; cn-northwest-1 for route53.amazonaws.com.cn, us-gov-west-1 for
  route53.us-gov.amazonaws.com: botocore data/route53/2013-04-01/endpoint-rule-set-1.json), and
  answers 403 SignatureDoesNotMatch on a mismatch, 403 InvalidClientTokenId for another access
  key id, and refuses more than --max-skew of clock skew.
- With --session-token-file (temporary credentials), every request must carry that token in
  X-Amz-Security-Token, among the signed headers (AWS General Reference, "Add the signature to
  the HTTP request": the token is added to the request and, for most services, signed;
  aws-sig-v4-test-suite post-sts-token). A missing or other token is 403 InvalidClientTokenId
  "The security token included in the request is invalid." as Route 53 answers credentials it
  does not know (github.com/barnybug/cli53/issues/278, status 403); /_fake/config {"token_expired": true} makes every
  request 403 ExpiredToken "The security token included in the request is expired", as Route 53
  answers (github.com/aws/aws-sdk-ruby/issues/2097; the ErrorResponse body of
  github.com/cfn-sphere/cfn-sphere/issues/55).
- GET  /2013-04-01/hostedzonesbyname?dnsname&hostedzoneid&maxitems
- GET  /2013-04-01/hostedzone/{Id}/rrset?name&type&identifier&maxitems: name/type/identifier are
  start positions in Route 53's order (labels reversed, then type, then identifier), with paging
  (IsTruncated, NextRecordName/Type/Identifier) and octal escapes in names.
- POST /2013-04-01/hostedzone/{Id}/rrset/ (the trailing slash is required): ChangeBatch checked
  against the schema order, applied all or nothing; DELETE must match exactly (TTL and values);
  CREATE of an existing set and CNAME-with-other-types are refused. A Comment longer than 256
  characters is refused by schema validation (ChangeBatch Comment is a ResourceDescription of at
  most 256: API Reference API_ChangeBatch; botocore route53 service-2.json) with InvalidInput
  "Invalid XML ; cvc-maxLength-valid: …", the form Route 53 gives for every too-long element
  (github.com/hashicorp/terraform-provider-aws/issues/7557, /882). HealthCheckId is kept on a set
  and is part of what a DELETE must match ("To delete a resource record set, you must specify all
  the same values that you specified when you created it", API Reference
  API_ChangeResourceRecordSets). InvalidChangeBatch in the 2024
  <ErrorResponse> shape, or the older <InvalidChangeBatch><Messages> shape on request. The
  documented size limits of one request are enforced (Developer Guide, "Quotas", Maximums on API
  requests, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html):
  at most 1,000 ResourceRecord elements and 32,000 characters in all Value elements, both counted
  twice for UPSERT; beyond them the batch is refused whole with Route 53's own messages,
  "Number of records limit of 1000 exceeded." and "RDATA character limit of 32000 exceeded."
  (as users quote them: github.com/DNSControl/dnscontrol/issues/1114,
  github.com/kubernetes-sigs/external-dns/issues/515).
- TXT (and SPF) values go through the same ChangeBatch path and are checked as Route 53 checks
  them: each value is one or more character-strings in double quotes ("Enclose the value in
  quotation marks", Developer Guide, "Supported DNS record types", TXT:
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat;
  the recorded boto3 request and listing of lexicon's
  tests/fixtures/cassettes/route53/IntegrationTests/
  test_provider_when_calling_delete_record_by_filter_should_remove_record.yaml send and serve
  "challengetoken" with its quotes). An unquoted value is refused with InvalidChangeBatch
  "Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in
  quotation marks) encountered with '…''" (the 2024 text, github.com/kubernetes-sigs/
  external-dns/issues/4792; without the inner quotes in 2019, /issues/1176), a string of more
  than 255 characters with "CharacterStringTooLong (Value is too long)" in the same form
  (github.com/boto/boto3/issues/1462). A TXT DELETE whose TTL or values differ from the set's is
  refused as any other ("the values provided do not match the current values").
- GET  /2013-04-01/hostedzone/{Id} (GetHostedZone): the zone and, for a public zone, its
  DelegationSet of four name servers, without trailing dots, in the shape of the API Reference's
  examples (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html):
  --name-servers, or by default the example's ns-2048.awsdns-64.com, ns-2049.awsdns-65.net,
  ns-2050.awsdns-66.org, ns-2051.awsdns-67.co.uk; a private zone has VPCs and no DelegationSet
  (the example "Private Hosted Zone"); an unknown id is 404 NoSuchHostedZone.
- GET  /2013-04-01/change/{Id}: PENDING until --pending-polls polls were answered AND
  --pending-seconds have passed since the change was accepted, then INSYNC. A change answered
  PENDING is already in the zone's listings, as on Route 53 (PENDING is about its DNS servers).
- Every API request draws from a token bucket of --burst tokens (default: the rate) refilled at
  --max-requests-per-second (default 5; 0: no limit); without a token the answer is HTTP 400
  Throttling "Rate exceeded". "Five requests per second per AWS account ... HTTP 400 ... Code
  Throttling ... Message Rate exceeded" (Developer Guide, "Limits on API requests", as long
  documented: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html);
  Route 53 applies it as a token bucket of a burst and a refill rate
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html, which
  now documents 10/s with a burst of 50 for the account: pass those to model it).

Control endpoints (JSON, not signed), for tests to act behind the client's back:
- GET  /_fake/health
- POST /_fake/reset           forget zones, changes, faults, settings and the log (as at start)
- POST /_fake/zones           {"name", "id"?, "private"?, "name_servers"?}  -> {"id"}
- POST /_fake/rrsets          {"zone_id", "name", "type", "ttl", "values", "set_identifier"?,
                               "alias_target"?: {"hosted_zone_id", "dns_name"},
                               "health_check_id"?, "failover"?, "weight"?}  (no validation)
- POST /_fake/rrsets/delete   {"zone_id", "name", "type", "set_identifier"?}
- GET  /_fake/rrsets?zone_id=Z                                           -> [sets]
- POST /_fake/config          {"pending_polls"?, "pending_seconds"?, "max_requests_per_second"?,
                               "burst"?, "max_records_per_batch"?, "max_value_characters"?,
                               "legacy_errors"?, "revoked"?, "token_expired"?}
- GET  /_fake/requests        the log of API requests (method, path, query, headers, body,
                              status, operation, error code, time: seconds since start on the
                              server's monotonic clock); DELETE /_fake/requests clears it
- GET  /_fake/stats           {"requests", "throttled", "max_in_any_second": the most API
                              requests received within any one second (sliding window, throttled
                              ones included), "max_requests_per_second", "burst"};
                              DELETE /_fake/stats starts counting again

Faults (fault_control.py), for the next COUNT API requests (to "operation" only, when given:
"ListResourceRecordSets" | "ChangeResourceRecordSets" | "GetChange" | "ListHostedZonesByName" |
"GetHostedZone"),
oldest armed first:
- POST /_fake/faults          {"kind", "count"?: 1, "operation"?, "retry_after"?: seconds,
                               "status"?}: "throttle" -> 400 Throttling, "prior_request" -> 400
                              PriorRequestNotComplete, "server_error" -> 500 (or status)
                              InternalFailure, "malformed" -> 200 (or status) with cut-off XML;
                              with retry_after, a Retry-After header
- DELETE /_fake/faults        forget every fault still pending (a provider that heals)
- POST /_fake/throttle, /_fake/fail, /_fake/malformed {"count", ...}: the same, replacing what is
                              pending of that kind
- POST /_fake/revoke          every API request -> 403 InvalidClientTokenId until
                              /_fake/config {"revoked": false}
"""

import argparse
import collections
import copy
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from fault_control import FaultControl

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
Q = "{" + NS + "}"
API = "/2013-04-01"
MAX_COMMENT = 256  # API_ChangeBatch: Comment, "Maximum length of 256"
SERVICE = "route53"
# The delegation set of the API Reference's GetHostedZone examples (API_GetHostedZone).
DEFAULT_NAME_SERVERS = ["ns-2048.awsdns-64.com", "ns-2049.awsdns-65.net", "ns-2050.awsdns-66.org",
                        "ns-2051.awsdns-67.co.uk"]
# One string of a TXT value: at most 255 characters (Developer Guide, TXT record type).
MAX_TXT_STRING = 255
TYPES = {"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF",
         "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}
# ResourceRecordSet children in the order the schema requires.
RRSET_ORDER = ["Name", "Type", "SetIdentifier", "Weight", "Region", "GeoLocation", "Failover",
               "MultiValueAnswer", "TTL", "ResourceRecords", "AliasTarget", "HealthCheckId",
               "TrafficPolicyInstanceId", "CidrRoutingConfig", "GeoProximityLocation"]


class ApiError(Exception):
    def __init__(self, status, code, message, sender=True, legacy_messages=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.sender = sender
        self.legacy_messages = legacy_messages  # InvalidChangeBatch in the pre-2024 shape
        self.headers = headers or {}


# ---- names ----

def decode_name(text):
    """A name as sent or stored -> canonical: octal escapes decoded, lower case, trailing dot."""
    out = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)
    out = out.lower()
    if not out.endswith("."):
        out += "."
    return out


def encode_name(name):
    """How Route 53 prints a name: characters other than a-z 0-9 - _ . as \\ooo."""
    return "".join(c if (c.isascii() and (c.isalnum() or c in "-_.")) else "\\%03o" % ord(c)
                   for c in name)


def order_key(name):
    """Route 53's listing order: by labels, reversed (com, example, www)."""
    labels = decode_name(name).rstrip(".").split(".")
    return tuple(reversed(labels))


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---- state ----

class State:
    def __init__(self, access_key_id, secret, pending_polls, max_skew, initial_zones=(),
                 pending_seconds=0.0, max_requests_per_second=5.0, burst=None,
                 signing_region="us-east-1", session_token=None, name_servers=None):
        self.lock = threading.Lock()
        self.access_key_id = access_key_id
        self.secret = secret
        self.signing_region = signing_region
        self.session_token = session_token
        self.max_skew = max_skew
        self.default_pending_polls = pending_polls
        self.default_pending_seconds = pending_seconds
        self.default_rate = max_requests_per_second
        self.default_burst = burst
        self.initial_zones = list(initial_zones)  # [(name, id or None)] from --zone
        self.name_servers = list(name_servers or DEFAULT_NAME_SERVERS)
        self.reset()

    def reset(self):
        """Back to the state at start, so one server can serve many tests."""
        self.pending_polls = self.default_pending_polls
        self.pending_seconds = self.default_pending_seconds
        self.max_records_per_batch = 1000
        self.max_value_characters = 32000
        self.legacy_errors = False
        self.token_expired = False
        self.set_rate(self.default_rate, self.default_burst)
        self.reset_stats()
        self.zones = {}    # id -> {"id", "name", "private", "rrsets": {key: rrset}}
        self.changes = {}  # id -> {"id", "polls_left", "submitted", "comment"}
        self.faults = FaultControl(extra_kinds=("prior_request",))
        self.log = []
        for name, zone_id in self.initial_zones:
            self.add_zone(name, zone_id)

    def set_rate(self, rate, burst=None):
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(self.rate, 1.0)
        self.tokens = self.burst
        self.refilled_at = time.monotonic()

    def reset_stats(self):
        self.requests = 0
        self.throttled = 0
        self.recent = collections.deque()  # arrival times within the last second
        self.max_in_any_second = 0

    def admit(self, now):
        """Counts an API request arriving at NOW; False when the account's bucket is empty."""
        self.requests += 1
        self.recent.append(now)
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        self.max_in_any_second = max(self.max_in_any_second, len(self.recent))
        if self.rate <= 0:
            return True
        self.tokens = min(self.burst, self.tokens + (now - self.refilled_at) * self.rate)
        self.refilled_at = now
        if self.tokens < 1.0:
            self.throttled += 1
            return False
        self.tokens -= 1.0
        return True

    def stats(self):
        return {"requests": self.requests, "throttled": self.throttled,
                "max_in_any_second": self.max_in_any_second,
                "max_requests_per_second": self.rate, "burst": self.burst}

    def new_id(self, prefix):
        return prefix + uuid.uuid4().hex[:13].upper()

    def add_zone(self, name, zone_id=None, private=False, name_servers=None):
        zone_id = zone_id or self.new_id("Z")
        self.zones[zone_id] = {"id": zone_id, "name": decode_name(name), "private": bool(private),
                               "rrsets": {},
                               "name_servers": list(name_servers if name_servers is not None
                                                    else self.name_servers)}
        return zone_id

    def zone(self, zone_id):
        z = self.zones.get(zone_id)
        if z is None:
            raise ApiError(404, "NoSuchHostedZone", "No hosted zone found with ID: " + zone_id)
        return z


def rrset_key(name, rtype, identifier):
    return (decode_name(name), rtype, identifier or "")


def sort_key(rrset):
    return (order_key(rrset["name"]), rrset["type"], rrset.get("set_identifier") or "")


# ---- SigV4, recomputed from the request as received ----

def sigv4_check(state, method, raw_path, raw_query, headers, body):
    auth = headers.get("Authorization")
    if not auth:
        raise ApiError(403, "MissingAuthenticationToken", "Missing Authentication Token")
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})", auth.strip())
    if not m:
        raise ApiError(400, "IncompleteSignature",
                       "Authorization header requires Credential, SignedHeaders and Signature")
    akid, day, region, service, signed, signature = m.groups()
    if state.faults.revoked or akid != state.access_key_id:
        raise ApiError(403, "InvalidClientTokenId",
                       "The security token included in the request is invalid.")
    if state.session_token is not None:
        token = headers.get("X-Amz-Security-Token")
        if token is None or not hmac.compare_digest(token, state.session_token):
            raise ApiError(403, "InvalidClientTokenId",
                           "The security token included in the request is invalid.")
        if state.token_expired:
            raise ApiError(403, "ExpiredToken",
                           "The security token included in the request is expired")
    if region != state.signing_region or service != SERVICE:
        # What Route 53 answers a request signed for another region: 403 SignatureDoesNotMatch
        # "Credential should be scoped to a valid region, not 'eu-central-1'."
        # (github.com/aws/aws-sdk-php/issues/732).
        raise ApiError(403, "SignatureDoesNotMatch",
                       "Credential should be scoped to a valid region, not '%s'." % region)
    amz_date = headers.get("X-Amz-Date")
    if not amz_date or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        raise ApiError(400, "IncompleteSignature", "X-Amz-Date is missing or malformed")
    if amz_date[:8] != day:
        raise ApiError(403, "SignatureDoesNotMatch",
                       "Date in Credential scope does not match YYYYMMDD from X-Amz-Date")
    signed_list = signed.split(";")
    if "host" not in signed_list or "x-amz-date" not in signed_list or \
            signed_list != sorted(signed_list) or \
            (state.session_token is not None and "x-amz-security-token" not in signed_list):
        raise ApiError(403, "SignatureDoesNotMatch",
                       "SignedHeaders must be sorted and include host and x-amz-date")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
    if skew > state.max_skew:
        raise ApiError(403, "SignatureDoesNotMatch",
                       "Signature expired: %s is more than %d s away from the server's time"
                       % (amz_date, state.max_skew))

    # Not S3: every segment of the path as received is encoded once more.
    canonical_uri = "/".join(quote(seg, safe="-_.~") for seg in raw_path.split("/")) or "/"
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        k, _, v = part.partition("=")
        pairs.append((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")))
    canonical_query = "&".join("%s=%s" % kv for kv in sorted(pairs))
    canonical_headers = ""
    for name in signed_list:
        values = headers.get_all(name) or []
        canonical_headers += name + ":" + ",".join(" ".join(v.split()) for v in values) + "\n"
    canonical_request = "\n".join([method, canonical_uri, canonical_query, canonical_headers,
                                   signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + state.secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ApiError(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you "
                       "provided. Check your AWS Secret Access Key and signing method. "
                       "The Canonical String for this request should have been\n'%s'\n\n"
                       "The String-to-Sign should have been\n'%s'\n"
                       % (canonical_request, string_to_sign))


# ---- XML replies ----

def error_xml(err, legacy):
    rid = str(uuid.uuid4())
    if legacy and err.legacy_messages is not None:
        return ('<?xml version="1.0"?>\n<InvalidChangeBatch xmlns="%s"><Messages>%s</Messages>'
                '<RequestId>%s</RequestId></InvalidChangeBatch>'
                % (NS, "".join("<Message>%s</Message>" % esc(m) for m in err.legacy_messages),
                   rid))
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId>'
            '</ErrorResponse>' % (NS, "Sender" if err.sender else "Receiver", esc(err.code),
                                  esc(err.message), rid))


def rrset_xml(s):
    out = "<ResourceRecordSet><Name>%s</Name><Type>%s</Type>" % (esc(encode_name(s["name"])),
                                                                 s["type"])
    if s.get("set_identifier"):
        out += "<SetIdentifier>%s</SetIdentifier>" % esc(s["set_identifier"])
    if s.get("weight") is not None:
        out += "<Weight>%d</Weight>" % s["weight"]
    if s.get("failover"):
        out += "<Failover>%s</Failover>" % esc(s["failover"])
    if s.get("alias_target"):
        a = s["alias_target"]
        out += ("<AliasTarget><HostedZoneId>%s</HostedZoneId><DNSName>%s</DNSName>"
                "<EvaluateTargetHealth>%s</EvaluateTargetHealth></AliasTarget>"
                % (esc(a.get("hosted_zone_id", "")), esc(a.get("dns_name", "")),
                   "true" if a.get("evaluate_target_health") else "false"))
    else:
        out += "<TTL>%d</TTL><ResourceRecords>%s</ResourceRecords>" % (
            s["ttl"], "".join("<ResourceRecord><Value>%s</Value></ResourceRecord>" % esc(v)
                              for v in s["values"]))
    if s.get("health_check_id"):
        out += "<HealthCheckId>%s</HealthCheckId>" % esc(s["health_check_id"])
    return out + "</ResourceRecordSet>"


def change_info_xml(root, change, status):
    comment = "<Comment>%s</Comment>" % esc(change["comment"]) if change.get("comment") else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s"><ChangeInfo><Id>/change/%s</Id>'
            '<Status>%s</Status><SubmittedAt>%s</SubmittedAt>%s</ChangeInfo></%s>'
            % (root, NS, change["id"], status, change["submitted"], comment, root))


START = time.monotonic()

MALFORMED = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
             '<ResourceRecordSets><ResourceRecordSet><Name>www.exa' % NS)


# ---- operations ----

def parse_maxitems(params, default):
    text = params.get("maxitems")
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise ApiError(400, "InvalidInput", "1 validation error detected: Value '%s' at "
                       "'maxItems' failed to satisfy constraint" % text)
    return min(int(text), 300)


def list_hosted_zones_by_name(state, params):
    dns_name = params.get("dnsname")
    zone_id = params.get("hostedzoneid")
    if zone_id and not dns_name:
        raise ApiError(400, "InvalidInput", "hostedzoneid requires dnsname")
    maxitems = parse_maxitems(params, 100)
    zones = sorted(state.zones.values(), key=lambda z: (order_key(z["name"]), z["id"]))
    if dns_name:
        start = (order_key(dns_name), zone_id or "")
        zones = [z for z in zones if (order_key(z["name"]), z["id"]) >= start]
    page, rest = zones[:maxitems], zones[maxitems:]
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListHostedZonesByNameResponse xmlns="%s">' % NS
    body += "<HostedZones>"
    for z in page:
        # Config holds the zone's Comment, empty when it has none, as Route 53 answered lexicon
        # (tests/conformance/route53/01-list-hosted-zones-by-name.json).
        body += ("<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name><CallerReference>planb-fake"
                 "</CallerReference><Config><Comment></Comment><PrivateZone>%s</PrivateZone>"
                 "</Config>"
                 "<ResourceRecordSetCount>%d</ResourceRecordSetCount></HostedZone>"
                 % (z["id"], esc(encode_name(z["name"])), "true" if z["private"] else "false",
                    len(z["rrsets"])))
    body += "</HostedZones>"
    if dns_name:
        body += "<DNSName>%s</DNSName>" % esc(dns_name)
    if zone_id:
        body += "<HostedZoneId>%s</HostedZoneId>" % esc(zone_id)
    body += "<IsTruncated>%s</IsTruncated>" % ("true" if rest else "false")
    if rest:
        body += "<NextDNSName>%s</NextDNSName><NextHostedZoneId>%s</NextHostedZoneId>" % (
            esc(encode_name(rest[0]["name"])), rest[0]["id"])
    body += "<MaxItems>%d</MaxItems></ListHostedZonesByNameResponse>" % maxitems
    return 200, body


def list_rrsets(state, zone_id, params):
    zone = state.zone(zone_id)
    name, rtype, ident = params.get("name"), params.get("type"), params.get("identifier")
    if rtype and not name:
        raise ApiError(400, "InvalidInput", "Invalid request: a type requires a name")
    if ident and not rtype:
        raise ApiError(400, "InvalidInput", "Invalid request: an identifier requires a type")
    if rtype and rtype not in TYPES:
        raise ApiError(400, "InvalidInput", "Invalid type: " + rtype)
    maxitems = parse_maxitems(params, 300)
    sets = sorted(zone["rrsets"].values(), key=sort_key)
    if name:
        start = (order_key(name), rtype or "", ident or "")
        sets = [s for s in sets if sort_key(s) >= start]
    page, rest = sets[:maxitems], sets[maxitems:]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
            "<ResourceRecordSets>%s</ResourceRecordSets><IsTruncated>%s</IsTruncated>"
            % (NS, "".join(rrset_xml(s) for s in page), "true" if rest else "false"))
    if rest:
        body += "<NextRecordName>%s</NextRecordName><NextRecordType>%s</NextRecordType>" % (
            esc(encode_name(rest[0]["name"])), rest[0]["type"])
        if rest[0].get("set_identifier"):
            body += "<NextRecordIdentifier>%s</NextRecordIdentifier>" % esc(
                rest[0]["set_identifier"])
    body += "<MaxItems>%d</MaxItems></ListResourceRecordSetsResponse>" % maxitems
    return 200, body


def invalid_xml(element):
    return ApiError(400, "InvalidInput", "Invalid XML ; cvc-complex-type.2.4.a: Invalid content "
                    "was found starting with element '%s'." % element)


def local(tag):
    if not tag.startswith(Q):
        raise invalid_xml(tag)
    return tag[len(Q):]


def parse_change_batch(body):
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise ApiError(400, "InvalidInput", "Invalid XML: %s" % e)
    if root.tag != Q + "ChangeResourceRecordSetsRequest":
        raise invalid_xml(root.tag)
    batch = list(root)
    if len(batch) != 1 or local(batch[0].tag) != "ChangeBatch":
        raise invalid_xml(batch[0].tag if batch else "(none)")
    parts = [local(e.tag) for e in batch[0]]
    if parts not in (["Changes"], ["Comment", "Changes"]):
        raise invalid_xml(",".join(parts))
    comment = batch[0].findtext(Q + "Comment")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ApiError(400, "InvalidInput",
                       "Invalid XML ; cvc-maxLength-valid: Value '%s' with length = '%d' is not "
                       "facet-valid with respect to maxLength '%d' for type 'ResourceDescription'."
                       % (comment, len(comment), MAX_COMMENT))
    changes = []
    for change in batch[0].find(Q + "Changes"):
        if [local(e.tag) for e in change] != ["Action", "ResourceRecordSet"]:
            raise invalid_xml("Change")
        action = change.findtext(Q + "Action").strip()
        if action not in ("CREATE", "DELETE", "UPSERT"):
            raise ApiError(400, "InvalidInput", "Invalid action: " + action)
        rrs = change.find(Q + "ResourceRecordSet")
        names = [local(e.tag) for e in rrs]
        last = -1
        for n in names:
            if n not in RRSET_ORDER or RRSET_ORDER.index(n) <= last:
                raise invalid_xml(n)
            last = RRSET_ORDER.index(n)
        s = {"name": (rrs.findtext(Q + "Name") or "").strip(),
             "type": (rrs.findtext(Q + "Type") or "").strip(),
             "set_identifier": rrs.findtext(Q + "SetIdentifier"),
             "weight": int(rrs.findtext(Q + "Weight")) if rrs.find(Q + "Weight") is not None
             else None,
             "failover": rrs.findtext(Q + "Failover"),
             "health_check_id": rrs.findtext(Q + "HealthCheckId"),
             "ttl": None, "values": [], "alias_target": None}
        if not s["name"] or s["type"] not in TYPES:
            raise ApiError(400, "InvalidInput", "Invalid name or type in a ResourceRecordSet")
        alias = rrs.find(Q + "AliasTarget")
        if alias is not None:
            s["alias_target"] = {"hosted_zone_id": alias.findtext(Q + "HostedZoneId"),
                                 "dns_name": alias.findtext(Q + "DNSName")}
        elif rrs.find(Q + "TTL") is not None and rrs.find(Q + "ResourceRecords") is not None:
            ttl = rrs.findtext(Q + "TTL").strip()
            if not re.fullmatch(r"[0-9]+", ttl) or int(ttl) > 2147483647:
                raise ApiError(400, "InvalidInput", "Invalid TTL: " + ttl)
            s["ttl"] = int(ttl)
            for rr in rrs.find(Q + "ResourceRecords"):
                if local(rr.tag) != "ResourceRecord" or [local(e.tag) for e in rr] != ["Value"]:
                    raise invalid_xml(rr.tag)
                s["values"].append(rr.findtext(Q + "Value"))
            if not s["values"]:
                raise ApiError(400, "InvalidInput", "ResourceRecords must not be empty")
        else:
            raise ApiError(400, "InvalidInput",
                           "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, "
                           "and ResourceRecords]], but found none in Change with [Action=%s, "
                           "Name=%s, Type=%s, SetIdentifier=%s]"
                           % (action, s["name"], s["type"], s["set_identifier"]))
        changes.append((action, s))
    if not changes:
        raise ApiError(400, "InvalidInput", "Changes must not be empty")
    return comment, changes


def same_set(a, b):
    return (a.get("ttl") == b.get("ttl") and sorted(a.get("values") or []) ==
            sorted(b.get("values") or []) and (a.get("alias_target") or None) ==
            (b.get("alias_target") or None) and a.get("weight") == b.get("weight") and
            (a.get("health_check_id") or None) == (b.get("health_check_id") or None) and
            (a.get("failover") or None) == (b.get("failover") or None))


def check_batch_size(state, changes):
    """The documented maximums of one request, UPSERT counted twice; refused whole beyond them."""
    records = characters = 0
    for action, s in changes:
        weight = 2 if action == "UPSERT" else 1
        records += weight * len(s["values"])
        characters += weight * sum(len(v or "") for v in s["values"])
    messages = []
    if records > state.max_records_per_batch:
        messages.append("Number of records limit of %d exceeded." % state.max_records_per_batch)
    if characters > state.max_value_characters:
        messages.append("RDATA character limit of %d exceeded." % state.max_value_characters)
    if messages:
        raise ApiError(400, "InvalidChangeBatch", "[" + ", ".join(messages) + "]",
                       legacy_messages=messages)


def change_rrsets(state, zone_id, body):
    zone = state.zone(zone_id)
    comment, changes = parse_change_batch(body)
    check_batch_size(state, changes)
    rrsets = copy.deepcopy(zone["rrsets"])  # all or nothing: work on a copy
    messages = []
    zname = zone["name"]
    for action, s in changes:
        name = decode_name(s["name"])
        s["name"] = name
        key = rrset_key(name, s["type"], s["set_identifier"])
        shown = "[name='%s', type='%s'%s]" % (encode_name(name), s["type"],
                                               ", set-identifier='%s'" % s["set_identifier"]
                                               if s["set_identifier"] else "")
        if not (name == zname or name.endswith("." + zname)):
            messages.append("RRSet with DNS name %s is not permitted in zone %s"
                            % (encode_name(name), zname))
            continue
        rdata_problem = txt_problem(s) if s["type"] in ("TXT", "SPF") else None
        if rdata_problem:
            messages.append(rdata_problem)
            continue
        if s["type"] == "CNAME" and len(s["values"]) > 1:
            messages.append("RRSet of type CNAME with DNS name %s has more than one value"
                            % encode_name(name))
            continue
        if action == "DELETE":
            current = rrsets.get(key)
            if current is None:
                messages.append("Tried to delete resource record set %s but it was not found"
                                % shown)
            elif not same_set(current, s):
                messages.append("Tried to delete resource record set %s but the values provided "
                                "do not match the current values" % shown)
            else:
                del rrsets[key]
            continue
        if action == "CREATE" and key in rrsets:
            messages.append("Tried to create resource record set %s but it already exists"
                            % shown)
            continue
        others = [k for k in rrsets if k[0] == name and k[1] != s["type"]]
        if s["type"] == "CNAME" and name == zname:
            messages.append("RRSet of type CNAME with DNS name %s is not permitted at apex in "
                            "zone %s" % (encode_name(name), zname))
            continue
        if s["type"] == "CNAME" and others:
            messages.append("RRSet of type CNAME with DNS name %s is not permitted as it "
                            "conflicts with other records with the same DNS name in zone %s"
                            % (encode_name(name), zname))
            continue
        if s["type"] != "CNAME" and any(k[1] == "CNAME" for k in others):
            messages.append("RRSet of type %s with DNS name %s is not permitted because a "
                            "conflicting RRSet of type CNAME with the same DNS name already "
                            "exists in zone %s" % (s["type"], encode_name(name), zname))
            continue
        rrsets[key] = s
    if messages:
        raise ApiError(400, "InvalidChangeBatch", "[" + ", ".join(messages) + "]",
                       legacy_messages=messages)
    zone["rrsets"] = rrsets
    change = {"id": state.new_id("C"), "polls_left": state.pending_polls,
              "insync_at": time.monotonic() + state.pending_seconds,
              "submitted": now_iso(), "comment": comment}
    state.changes[change["id"]] = change
    status = "PENDING" if change["polls_left"] > 0 or state.pending_seconds > 0 else "INSYNC"
    return 200, change_info_xml("ChangeResourceRecordSetsResponse", change, status)


def txt_strings(value):
    """The character-strings of a TXT value as Route 53 takes it (each in double quotes, \\" and
    \\\\ and \\ooo escapes inside), or None when it is not in that form."""
    strings, i = [], 0
    while i < len(value):
        if value[i] in " \t":
            i += 1
            continue
        if value[i] != '"':
            return None
        i += 1
        text = ""
        while i < len(value) and value[i] != '"':
            if value[i] == "\\" and re.fullmatch(r"[0-7]{3}", value[i + 1:i + 4]):
                text += chr(int(value[i + 1:i + 4], 8))
                i += 4
            elif value[i] == "\\" and i + 1 < len(value):
                text += value[i + 1]
                i += 2
            else:
                text += value[i]
                i += 1
        if i >= len(value):
            return None  # no closing quote
        i += 1
        strings.append(text)
    return strings or None


def txt_problem(s):
    """Route 53's refusal of a TXT set's values, or None (sources in the module docstring)."""
    for value in s["values"]:
        strings = txt_strings(value or "")
        if strings is None:
            return ("Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should "
                    "be enclosed in quotation marks) encountered with '%s''" % value)
        if any(len(text) > MAX_TXT_STRING for text in strings):
            return ("Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too "
                    "long) encountered with '%s''" % value)
    return None


def get_hosted_zone(state, zone_id):
    """GetHostedZone in the shape of the API Reference's examples (API_GetHostedZone)."""
    z = state.zone(zone_id)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<GetHostedZoneResponse xmlns="%s">'
            "<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name><CallerReference>planb-fake"
            "</CallerReference><Config><Comment></Comment><PrivateZone>%s</PrivateZone></Config>"
            "<ResourceRecordSetCount>%d</ResourceRecordSetCount></HostedZone>"
            % (NS, z["id"], esc(encode_name(z["name"])), "true" if z["private"] else "false",
               len(z["rrsets"])))
    if z["private"]:
        body += ("<VPCs><VPC><VPCRegion>us-east-2</VPCRegion><VPCId>vpc-1a2b3c4d</VPCId></VPC>"
                 "</VPCs>")
    else:
        body += "<DelegationSet><NameServers>%s</NameServers></DelegationSet>" % "".join(
            "<NameServer>%s</NameServer>" % esc(ns) for ns in z["name_servers"])
    return 200, body + "</GetHostedZoneResponse>"


def get_change(state, change_id):
    change = state.changes.get(change_id)
    if change is None:
        raise ApiError(404, "NoSuchChange", "A change with the specified change ID does not "
                       "exist: " + change_id)
    pending = change["polls_left"] > 0 or time.monotonic() < change["insync_at"]
    change["polls_left"] = max(0, change["polls_left"] - 1)
    return 200, change_info_xml("GetChangeResponse", change, "PENDING" if pending else "INSYNC")


def route(method, path):
    """(operation, handler arguments) for an API path, or raises."""
    m = re.fullmatch(API + r"/hostedzone/([^/]+)/rrset(/?)", path)
    if method == "GET" and path == API + "/hostedzonesbyname":
        return "ListHostedZonesByName", ()
    if m and method == "GET" and m.group(2) == "":
        return "ListResourceRecordSets", (m.group(1),)
    if m and method == "POST" and m.group(2) == "/":
        return "ChangeResourceRecordSets", (m.group(1),)
    m = re.fullmatch(API + r"/change/([^/]+)", path)
    if m and method == "GET":
        return "GetChange", (m.group(1),)
    m = re.fullmatch(API + r"/hostedzone/([^/]+)", path)
    if m and method == "GET":
        return "GetHostedZone", (m.group(1),)
    raise ApiError(404, "UnknownOperationException", "No operation for %s %s" % (method, path))


# ---- HTTP ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the AWS endpoints and libcurl use
    # Headers and body go out in two writes: with Nagle on, each reply would wait for the
    # client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "planb-fake-route53"
    state = None  # set in main()

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def reply(self, status, body, content_type="text/xml", headers=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path.startswith("/_fake/"):
            with self.state.lock:
                try:
                    status, out = self.control(raw_path, raw_query, body)
                except (KeyError, ValueError, TypeError) as e:
                    status, out = 400, {"error": "%s: %s" % (type(e).__name__, e)}
            self.reply(status, json.dumps(out), "application/json")
            return
        with self.state.lock:
            now = time.monotonic()
            status, text, headers, operation, code = self.api(raw_path, raw_query, body, now)
            self.state.log.append({
                "method": self.command, "path": raw_path, "query": raw_query,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"), "status": status,
                "operation": operation, "error_code": code, "time": now - START})
        self.reply(status, text, headers=headers)

    def api(self, raw_path, raw_query, body, now):
        state = self.state
        operation = None
        try:
            path = unquote(raw_path)
            if not state.admit(now):
                raise ApiError(400, "Throttling", "Rate exceeded")
            sigv4_check(state, self.command, raw_path, raw_query, self.headers, body)
            params = {}
            for part in raw_query.split("&") if raw_query else []:
                k, _, v = part.partition("=")
                params[unquote(k)] = unquote(v)
            operation, args = route(self.command, path)
            fault = self.take_fault(operation)
            if fault is not None:  # a malformed reply; the other faults raise ApiError
                status, text, headers = fault
                return status, text, headers, operation, "malformed"
            if operation == "ListHostedZonesByName":
                status, text = list_hosted_zones_by_name(state, params)
            elif operation == "ListResourceRecordSets":
                status, text = list_rrsets(state, args[0], params)
            elif operation == "ChangeResourceRecordSets":
                status, text = change_rrsets(state, args[0], body)
            elif operation == "GetHostedZone":
                status, text = get_hosted_zone(state, args[0])
            else:
                status, text = get_change(state, args[0])
            return status, text, {}, operation, None
        except ApiError as err:
            return (err.status, error_xml(err, state.legacy_errors), err.headers, operation,
                    err.code)

    def take_fault(self, operation):
        """The malformed reply due for OPERATION, if any: (status, text, headers); the other
        faults raise ApiError."""
        fault = self.state.faults.take(operation=operation)
        if fault is None:
            return None
        kind = fault["kind"]
        headers = {}
        if fault.get("retry_after") is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        if kind == "malformed":
            return fault.get("status", 200), MALFORMED, headers
        if kind == "throttle":
            raise ApiError(400, "Throttling", "Rate exceeded", headers=headers)
        if kind == "prior_request":
            raise ApiError(400, "PriorRequestNotComplete",
                           "The request was rejected because Route 53 was still processing a "
                           "prior request.", headers=headers)
        raise ApiError(fault.get("status", 500), "InternalFailure", "An internal error occurred.",
                       sender=False, headers=headers)

    def control(self, path, raw_query, body):
        state = self.state
        data = json.loads(body) if body else {}
        params = dict(p.partition("=")[::2] for p in raw_query.split("&") if p)
        fault_answer = state.faults.control(self.command, path, data)
        if fault_answer is not None:
            return fault_answer
        if path == "/_fake/health":
            return 200, {"ok": True}
        if path == "/_fake/reset" and self.command == "POST":
            state.reset()
            return 200, {"ok": True}
        if path == "/_fake/zones" and self.command == "POST":
            return 200, {"id": state.add_zone(data["name"], data.get("id"),
                                              data.get("private", False),
                                              data.get("name_servers"))}
        if path == "/_fake/rrsets" and self.command == "POST":
            zone = state.zone(data["zone_id"])
            s = {"name": data["name"], "type": data["type"], "ttl": data.get("ttl", 300),
                 "values": list(data.get("values", [])),
                 "set_identifier": data.get("set_identifier"), "weight": data.get("weight"),
                 "alias_target": data.get("alias_target"),
                 "health_check_id": data.get("health_check_id"), "failover": data.get("failover")}
            zone["rrsets"][rrset_key(s["name"], s["type"], s["set_identifier"])] = s
            return 200, {"ok": True}
        if path == "/_fake/rrsets/delete" and self.command == "POST":
            zone = state.zone(data["zone_id"])
            removed = zone["rrsets"].pop(
                rrset_key(data["name"], data["type"], data.get("set_identifier")), None)
            return 200, {"removed": removed is not None}
        if path == "/_fake/rrsets" and self.command == "GET":
            zone = state.zone(unquote(params["zone_id"]))
            return 200, sorted(zone["rrsets"].values(), key=sort_key)
        if path == "/_fake/config" and self.command == "POST":
            if "pending_polls" in data:
                state.pending_polls = int(data["pending_polls"])
            if "pending_seconds" in data:
                state.pending_seconds = float(data["pending_seconds"])
            if "max_requests_per_second" in data or "burst" in data:
                state.set_rate(data.get("max_requests_per_second", state.rate), data.get("burst"))
            if "max_records_per_batch" in data:
                state.max_records_per_batch = int(data["max_records_per_batch"])
            if "max_value_characters" in data:
                state.max_value_characters = int(data["max_value_characters"])
            if "legacy_errors" in data:
                state.legacy_errors = bool(data["legacy_errors"])
            if "revoked" in data:
                state.faults.revoked = bool(data["revoked"])
            if "token_expired" in data:
                state.token_expired = bool(data["token_expired"])
            return 200, {"ok": True}
        if path == "/_fake/requests" and self.command == "GET":
            return 200, state.log
        if path == "/_fake/requests" and self.command == "DELETE":
            state.log.clear()
            return 200, {"ok": True}
        if path == "/_fake/stats" and self.command == "GET":
            return 200, state.stats()
        if path == "/_fake/stats" and self.command == "DELETE":
            state.reset_stats()
            return 200, {"ok": True}
        return 404, {"error": "no control endpoint %s %s" % (self.command, path)}


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text[:-1] if text.endswith("\n") else text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key-id-file", required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--pending-polls", type=int, default=1,
                        help="GetChange answers PENDING at least this many times before INSYNC")
    parser.add_argument("--pending-seconds", type=float, default=0.0,
                        help="a change stays PENDING at least this long after it was accepted")
    parser.add_argument("--max-requests-per-second", type=float, default=5.0,
                        help="the account's refill rate of API requests (0: no limit)")
    parser.add_argument("--burst", type=float, default=None,
                        help="the bucket's capacity (default: the rate)")
    parser.add_argument("--max-skew", type=int, default=300,
                        help="seconds of clock skew accepted in X-Amz-Date")
    parser.add_argument("--signing-region", default="us-east-1",
                        help="the SigV4 region of the partition played (cn-northwest-1 for China)")
    parser.add_argument("--session-token-file", default=None,
                        help="temporary credentials: requests must carry and sign this token")
    parser.add_argument("--zone", action="append", default=[],
                        help="NAME or NAME=ID: a public hosted zone to start with")
    parser.add_argument("--name-servers", default=None,
                        help="HOST,HOST,...: the delegation set GetHostedZone names for public "
                             "zones (default: the API Reference example's four awsdns names)")
    args = parser.parse_args()

    zones = [(name, zone_id or None) for name, _, zone_id in
             (spec.partition("=") for spec in args.zone)]
    state = State(read_secret(args.access_key_id_file).strip("\r"),
                  read_secret(args.secret_file).strip("\r"), args.pending_polls, args.max_skew,
                  zones, args.pending_seconds, args.max_requests_per_second, args.burst,
                  args.signing_region,
                  read_secret(args.session_token_file).strip("\r")
                  if args.session_token_file else None,
                  [ns for ns in args.name_servers.split(",") if ns]
                  if args.name_servers is not None else None)
    Handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("route53 fake listening on 127.0.0.1:%d" % args.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
