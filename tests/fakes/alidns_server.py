#!/usr/bin/env python3
"""A protocol-faithful fake of Alibaba Cloud DNS (alidns, API 2015-01-09), for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone.

    alidns_server.py --port P --access-key-id-file F --access-key-secret-file F
                     [--domain example.com ...] [--page-size-max 2] [--max-skew 900]
                     [--dns-servers dns9.hichina.com,dns10.hichina.com]

RPC at "/", GET with a query or POST with a form body (provider-apis.md §5). Every request is
checked as Alibaba does: common parameters present, Format=JSON, Version=2015-01-09, a known and
active AccessKeyId, a Timestamp within --max-skew seconds, the V1 signature RECOMPUTED here from
the received parameters and the HTTP method (independently of planb's signer), and a
SignatureNonce never seen before. Actions: DescribeSubDomainRecords (paged by at most
--page-size-max records, whatever PageSize asks), DescribeDomainRecords, DescribeDomainInfo,
AddDomainRecord, UpdateDomainRecord, DeleteDomainRecord. Replies have the real shapes:
  {"RequestId","TotalCount","PageNumber","PageSize","DomainRecords":{"Record":[...]}}
  {"RequestId","RecordId"}
  errors: HTTP 4xx/5xx {"RequestId","HostId","Code","Message","Recommend"} with codes
  SignatureDoesNotMatch, SignatureNonceUsed, InvalidAccessKeyId.NotFound/.Inactive,
  InvalidTimeStamp.Expired/.Format, Missing<Param>, InvalidDomainName.NoExist,
  DomainRecordDuplicate, DomainRecordConflict, DomainRecordNotBelongToUser, Throttling.User,
  InternalError, ServiceUnavailable, InvalidAction.NotFound, QuotaExceeded.TTL,
  MissingSecurityToken, InvalidSecurityToken.Expired/.Malformed/.MismatchWithAccessKey.

The real rules this fake keeps (sources next to each):
  - each domain has an Alibaba Cloud DNS edition with its TTL floor; Add/UpdateDomainRecord below
    it is QuotaExceeded.TTL, and DescribeDomainInfo tells it as MinTtl with NeedDetailAttributes;
  - STS temporary credentials (POST /_fake/sts): a request with the STS AccessKeyId must carry
    their SecurityToken, and is refused once they expired;
  - DescribeDomainInfo names the domain's assigned name servers (DnsServers.DnsServer):
    --dns-servers for every domain, or "dns_servers" in POST /_fake/domains; by default the pair
    lexicon recorded (dns9.hichina.com, dns10.hichina.com);
  - DescribeSubDomainRecords filters by Type and Line when given (its reference,
    https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describesubdomainrecords), so
    TXT records (lexicon's recorded AddDomainRecord Type=TXT) are read apart from the CNAME;
  - UpdateDomainRecord sets Line to what it is given, "default" when omitted; Weight, Status,
    Remark and Locked are not its parameters and stay as they are.

Control endpoints (no signature; tests only), JSON in and out:
  GET    /_fake/health
  POST   /_fake/domains          {"name","edition"?,"dns_servers"?}  edition: free, personal,
                                   enterprise_standard, or enterprise_ultimate (the default: every
                                   TTL from 1; EDITIONS)
  GET    /_fake/records                                    -> [records]
  POST   /_fake/records          {"domain","rr","type","value","ttl"?,"line"?,"status"?} -> record
  PATCH  /_fake/records/{id}     record fields (RR, Type, Value, TTL, Line, Status)  -> record
  DELETE /_fake/records/{id}
  POST   /_fake/race             like POST /_fake/records  stored just before the next
                                                           Add/UpdateDomainRecord: a concurrent writer
  POST   /_fake/credentials      {"access_key_id","access_key_secret"}  a new active key pair
                                                           (also after /_fake/revoke)
  POST   /_fake/sts              {"access_key_id","access_key_secret","security_token"}
                                   temporary credentials, accepted beside the long-lived pair
  POST   /_fake/sts/expire       the temporary credentials expire (InvalidSecurityToken.Expired)
  GET    /_fake/requests                                   -> {"count","requests":[...]}
  DELETE /_fake/requests                                   forgets the log and the counter

Rate limits: each action has its own documented QPS per account
(https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-quota): DescribeDomainRecords
100/s, DescribeSubDomainRecords 300/s, AddDomainRecord, UpdateDomainRecord and
DeleteDomainRecord 60/s. A call over that within one second of the clock (see Throttle) is refused
with Throttling.User (HTTP 400, "Request was denied due to user flow control."), as
https://www.alibabacloud.com/en/notice/notice_on_api_throttling_of_alibaba_cloud_dns_444 names it.
  GET    /_fake/stats  -> {"requests","throttled","max_per_second":{action: n},"max_in_flight"}:
                          what a test's "never above the QPS" and "so many at once" rest on
  POST   /_fake/throttle-clock {"frozen": true|false}  every call counts in one second while
                          frozen, so a test sees the limit without racing the clock

Faults (fault_control.py): /_fake/throttle {"count"} -> Throttling.User; /_fake/fail
{"count","status"?} -> 500 InternalError (503: ServiceUnavailable); /_fake/malformed {"count"} ->
200 with broken JSON, before the request is even read; /_fake/revoke -> the key becomes inactive;
/_fake/faults queues any of them. Throttling wins over a failure.

The request log holds method, action, the parameters minus Signature, whether the signature
matched, and the Code and status answered; never the secret.
"""

import argparse
import base64
import calendar
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from fault_control import FaultControl

HOST_ID = "alidns.aliyuncs.com"
VERSION = "2015-01-09"
COMMON = ("AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce",
          "SignatureVersion", "Timestamp", "Version", "Signature")


def percent_encode(text):
    # RFC 3986 unreserved stay literal; UTF-8 bytes otherwise, upper-case hex; space is %20.
    return quote(text, safe="-_.~")


def string_to_sign(method, params):
    canonical = "&".join(percent_encode(k) + "=" + percent_encode(v)
                         for k, v in sorted(params.items()) if k != "Signature")
    return method + "&" + percent_encode("/") + "&" + percent_encode(canonical)


def signature_v1(method, params, secret):
    digest = hmac.new((secret + "&").encode(), string_to_sign(method, params).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class RpcError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# Alibaba Cloud DNS editions and the TTL range each allows
# (https://www.alibabacloud.com/help/doc-detail/29806.htm: Free [600 - 86400], Individual
# [600 - 86400], Enterprise Standard [60 - 86400], Enterprise Ultimate [1 - 86400]).
# VersionCode: "mianfei" is what the free edition answers (lexicon's recorded DescribeDomainInfo,
# github:AnalogJ/lexicon tests/fixtures/cassettes/aliyun/IntegrationTests/
# test_provider_authenticate.yaml); the paid editions' codes are not in any recorded reply found,
# so this fake answers the edition's own name there.
EDITIONS = {"free": ("mianfei", 600), "personal": ("personal", 600),
            "enterprise_standard": ("enterprise_standard", 60),
            "enterprise_ultimate": ("enterprise_ultimate", 1)}
MAX_TTL = 86400

# The name servers a domain is assigned when none are given: the pair lexicon's recorded
# DescribeDomainInfo names (github:AnalogJ/lexicon tests/fixtures/cassettes/aliyun/IntegrationTests/
# test_provider_authenticate.yaml).
DEFAULT_DNS_SERVERS = ["dns9.hichina.com", "dns10.hichina.com"]


def request_id():
    return str(uuid.uuid4()).upper()


# Calls per second each action allows an account (the quota page above).
QPS = {"DescribeDomainRecords": 100, "DescribeSubDomainRecords": 300, "AddDomainRecord": 60,
       "UpdateDomainRecord": 60, "DeleteDomainRecord": 60}


class Throttle:
    """Per action, at most QPS[action] calls within one second; counters for tests.

    How Alibaba counts "60/1(s)" is not documented: this fake counts whole seconds of the clock,
    the usual reading. (Counting any sliding second instead, a client spacing its calls at exactly
    the documented rate is refused now and then, when network jitter bunches two of them.)"""

    def __init__(self):
        self.seconds = {}  # action -> [the second counted, calls admitted in it]
        self.frozen_second = None  # set: every call counts in this one second (tests)
        self.throttled = 0
        self.max_per_second = {}

    def admit(self, action):
        limit = QPS.get(action)
        if limit is None:
            return True
        second = self.frozen_second if self.frozen_second is not None else int(time.time())
        counted = self.seconds.setdefault(action, [second, 0])
        if counted[0] != second:
            counted[0], counted[1] = second, 0
        if counted[1] >= limit:
            self.throttled += 1
            return False
        counted[1] += 1
        self.max_per_second[action] = max(self.max_per_second.get(action, 0), counted[1])
        return True


class State:
    def __init__(self, key_id, key_secret, page_size_max, max_skew, dns_servers=None):
        self.lock = threading.Lock()
        self.throttle = Throttle()
        self.flight_lock = threading.Lock()  # guards the two below, apart from the state lock
        self.in_flight = 0
        self.max_in_flight = 0
        self.key_id = key_id
        self.key_secret = key_secret
        self.page_size_max = page_size_max
        self.max_skew = max_skew
        self.domains = {}  # name -> edition (a key of EDITIONS)
        self.dns_servers = list(dns_servers or DEFAULT_DNS_SERVERS)  # every domain's by default
        self.domain_dns_servers = {}  # name -> its own, when set through /_fake/domains
        self.sts = None  # {"access_key_id","access_key_secret","security_token","expired"}
        self.records = {}  # RecordId -> record
        self.next_id = 10_000_000_000_001
        self.nonces = set()
        self.faults = FaultControl()
        self.race = []  # control bodies of records to add before the next write
        self.log = []
        self.count = 0

    def new_record(self, domain, rr, rtype, value, ttl=600, line="default", status="ENABLE",
                   weight=1, remark=None):
        rid = str(self.next_id)
        self.next_id += 1
        record = {"RecordId": rid, "DomainName": domain, "RR": rr, "Type": rtype.upper(),
                  "Value": value, "TTL": int(ttl), "Line": line, "Status": status,
                  "Locked": False, "Weight": weight}
        if remark is not None:
            record["Remark"] = remark
        self.records[rid] = record
        return record


def check_write(state, domain, rr, rtype, value, line, ignore_id=None):
    """alidns's rules for a record about to be stored; raises RpcError."""
    for other in state.records.values():
        if other["RecordId"] == ignore_id or other["DomainName"] != domain:
            continue
        if other["RR"].lower() != rr.lower() or other["Line"] != line:
            continue
        if other["Type"] == rtype and other["Value"].lower() == value.lower():
            raise RpcError(400, "DomainRecordDuplicate", "The DNS record already exists.")
        if rtype == "CNAME" or other["Type"] == "CNAME":
            raise RpcError(400, "DomainRecordConflict",
                           "The DNS record conflicts with other records.")


def check_ttl(state, domain, ttl):
    """QuotaExceeded.TTL below the domain's edition floor, with the real reply's wording
    (https://github.com/jeessy2/ddns-go/issues/280 and /issues/1717: HTTP 400, "The specified TTL is
    invalid. A valid TTL must be in the range of 600 to 86400.")."""
    floor = EDITIONS[state.domains[domain]][1]
    if ttl < floor:
        raise RpcError(400, "QuotaExceeded.TTL",
                       "The specified TTL is invalid. A valid TTL must be in the range of %d to %d."
                       % (floor, MAX_TTL))


def fault_error(fault):
    """How alidns refuses a call in the way FAULT (from FaultControl.take) asks."""
    if fault["kind"] == "throttle":
        return RpcError(400, "Throttling.User", "Request was denied due to user flow control.")
    status = int(fault.get("status", 500))
    if status == 503:
        return RpcError(503, "ServiceUnavailable",
                        "The request has failed due to a temporary failure of the server.")
    return RpcError(status, "InternalError",
                    "The request processing has failed due to some unknown error.")


def require(params, *names):
    for name in names:
        if not params.get(name):
            raise RpcError(400, "Missing" + name, "%s is mandatory for this action." % name)


def int_param(params, name, default, low, high):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RpcError(400, "InvalidParameter", "The parameter %s is invalid." % name)
    if not low <= value <= high:
        raise RpcError(400, "InvalidParameter", "The parameter %s is invalid." % name)
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK cost 40 ms per request.
    disable_nagle_algorithm = True
    server_version = "alidns-fake/1"

    def log_message(self, fmt, *args):  # one line per request on stderr, never the body
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
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
        with state.flight_lock:  # counted before waiting for the state lock: in flight at once
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            with state.lock:
                status, body = self.rpc(state, parts, raw)
            self.send(status, body)
        finally:
            with state.flight_lock:
                state.in_flight -= 1

    # ---- RPC ------------------------------------------------------------------------------

    def rpc(self, state, parts, raw):
        entry = {"method": self.command, "action": None, "params": {}, "signature_ok": False,
                 "code": None, "status": 0}
        state.log.append(entry)
        state.count += 1
        if state.faults.take(kinds=("malformed",)) is not None:
            entry["status"] = 200
            return 200, b'{"RequestId":"6A1B2C3D","TotalCount":1,"DomainRecords":{"Record":[{"Re'
        try:
            params = self.parameters(parts, raw)
            entry["action"] = params.get("Action")
            entry["params"] = {k: v for k, v in params.items() if k != "Signature"}
            result = self.call(state, params, entry)
            status, body = 200, dict(result, RequestId=request_id())
        except RpcError as e:
            status = e.status
            body = {"RequestId": request_id(), "HostId": HOST_ID, "Code": e.code,
                    "Message": e.message,
                    "Recommend": "https://api.aliyun.com/troubleshoot?q=%s" % e.code}
            entry["code"] = e.code
        entry["status"] = status
        return status, body

    def parameters(self, parts, raw):
        if self.command not in ("GET", "POST"):
            raise RpcError(400, "UnsupportedHTTPMethod", "This http method is not supported.")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if self.command == "POST" and raw:
            pairs += parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        params = {}
        for name, value in pairs:
            if name in params:
                raise RpcError(400, "InvalidParameter", "The parameter %s is repeated." % name)
            params[name] = value
        return params

    def call(self, state, params, entry):
        fault = state.faults.take(kinds=("throttle", "server_error"))
        if fault is not None:
            raise fault_error(fault)
        for name in COMMON:
            require(params, name)
        if params["Format"].upper() != "JSON":
            raise RpcError(400, "InvalidParameter.Format", "This fake speaks JSON only.")
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise RpcError(400, "InvalidSignatureMethod.Malformed",
                           "Specified signature method is not valid.")
        if params["SignatureVersion"] != "1.0":
            raise RpcError(400, "UnsupportedSignatureVersion",
                           "Specified signature version is not supported.")
        sts = state.sts if state.sts and params["AccessKeyId"] == state.sts["access_key_id"] else None
        if sts is None and params["AccessKeyId"] != state.key_id:
            raise RpcError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if sts is None and state.faults.revoked:
            raise RpcError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
        # STS: the common error codes of Alibaba's API gateway
        # (github:aliyun/terraform-provider-alicloud alicloud/errors_common.go, from
        # https://error-center.alibabacloud.com/status/product/Public). "SecurityToken is mandatory
        # for this action." is a real reply's message
        # (https://github.com/tengattack/certbot-dns-aliyun/issues/22); the others' wording is this
        # fake's.
        if sts is not None:
            if not params.get("SecurityToken"):
                raise RpcError(400, "MissingSecurityToken",
                               "SecurityToken is mandatory for this action.")
            if params["SecurityToken"] != sts["security_token"]:
                raise RpcError(400, "InvalidSecurityToken.MismatchWithAccessKey",
                               "Specified SecurityToken mismatch with the AccessKey.")
            if sts["expired"]:
                raise RpcError(400, "InvalidSecurityToken.Expired",
                               "Specified SecurityToken is expired.")
        secret = sts["access_key_secret"] if sts is not None else state.key_secret
        try:
            stamp = calendar.timegm(time.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
        except ValueError:
            raise RpcError(400, "InvalidTimeStamp.Format",
                           "Specified time stamp or date value is not well formatted.")
        if abs(time.time() - stamp) > state.max_skew:
            raise RpcError(400, "InvalidTimeStamp.Expired",
                           "Specified time stamp or date value is expired.")
        if signature_v1(self.command, params, secret) != params["Signature"]:
            # As Alibaba does, the message quotes the server's string to sign.
            raise RpcError(400, "SignatureDoesNotMatch",
                           "Specified signature is not matched with our calculation. server "
                           "string to sign is:" + string_to_sign(self.command, params))
        entry["signature_ok"] = True
        if params["SignatureNonce"] in state.nonces:
            raise RpcError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        state.nonces.add(params["SignatureNonce"])
        if params["Version"] != VERSION:
            raise RpcError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if not state.throttle.admit(params["Action"]):
            raise RpcError(400, "Throttling.User", "Request was denied due to user flow control.")
        if params["Action"] in ("AddDomainRecord", "UpdateDomainRecord") and state.race:
            for body in state.race:
                self.add_from_control(state, body)
            state.race = []
        action = getattr(self, "action_" + params["Action"], None)
        if action is None:
            raise RpcError(404, "InvalidAction.NotFound",
                           "Specified api is not found, please check your url and method.")
        return action(state, params)

    @staticmethod
    def domain_of(state, params, name_param="DomainName"):
        domain = params.get(name_param, "").lower().rstrip(".")
        if domain not in state.domains:
            raise RpcError(400, "InvalidDomainName.NoExist",
                           "The specified domain name does not exist. Refresh the page and try "
                           "again.")
        return domain

    @staticmethod
    def page(state, records, params):
        number = int_param(params, "PageNumber", 1, 1, 100000)
        size = min(int_param(params, "PageSize", 20, 1, 500), state.page_size_max)
        chunk = records[(number - 1) * size: number * size]
        return {"TotalCount": len(records), "PageNumber": number, "PageSize": size,
                "DomainRecords": {"Record": chunk}}

    def action_DescribeSubDomainRecords(self, state, params):
        require(params, "SubDomain")
        sub = params["SubDomain"].lower().rstrip(".")
        if params.get("DomainName"):
            domain = self.domain_of(state, params)
        else:  # without DomainName the longest known suffix decides the split
            candidates = [d for d in state.domains if sub == d or sub.endswith("." + d)]
            if not candidates:
                raise RpcError(400, "InvalidDomainName.NoExist",
                               "The specified domain name does not exist.")
            domain = max(candidates, key=len)
        if sub == domain:
            rr = "@"
        elif sub.endswith("." + domain):
            rr = sub[: -len(domain) - 1]
        else:
            raise RpcError(400, "InvalidParameter.SubDomain", "The SubDomain is not in the domain.")
        records = [r for r in state.records.values()
                   if r["DomainName"] == domain and r["RR"].lower() == rr]
        if params.get("Type"):
            records = [r for r in records if r["Type"] == params["Type"].upper()]
        if params.get("Line"):
            records = [r for r in records if r["Line"] == params["Line"]]
        records.sort(key=lambda r: int(r["RecordId"]))
        return self.page(state, records, params)

    def action_DescribeDomainRecords(self, state, params):
        domain = self.domain_of(state, params)
        records = sorted((r for r in state.records.values() if r["DomainName"] == domain),
                         key=lambda r: int(r["RecordId"]))
        if params.get("RRKeyWord"):
            records = [r for r in records if params["RRKeyWord"].lower() in r["RR"].lower()]
        if params.get("TypeKeyWord"):
            records = [r for r in records if r["Type"] == params["TypeKeyWord"].upper()]
        return self.page(state, records, params)

    def action_DescribeDomainInfo(self, state, params):
        """The reply lexicon recorded (test_provider_authenticate.yaml above); with
        NeedDetailAttributes=true also MinTtl, LineType, RecordLineTreeJson, RegionLines and
        SlaveDns (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomaininfo:
        "When the value is true, the following data is returned: lineType, minTtl,
        recordLineTreeJson, recordLines, ... regionLines, slaveDns")."""
        domain = self.domain_of(state, params)
        code, floor = EDITIONS[state.domains[domain]]
        info = {"RecordLines": {"RecordLine": []}, "PunyCode": domain, "AliDomain": True,
                "DnsServers": {"DnsServer": list(state.domain_dns_servers.get(
                    domain, state.dns_servers))},
                "VersionName": "Alibaba Cloud DNS", "VersionCode": code, "DomainName": domain,
                "DomainId": str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)),
                "AvailableTtls": {"AvailableTtl": []},
                # The reference's example reply (help.aliyun.com/document_detail/29752.htm) has
                # these too; their values here are this fake's.
                "InBlackHole": False, "InstanceId": "i-" + domain.split(".")[0][:3],
                "ResourceGroupId": "rg-planbfake", "CreateTime": "2015-12-12T09:23Z",
                "GroupId": "", "GroupName": "", "Remark": ""}
        if params.get("NeedDetailAttributes", "").lower() == "true":
            info.update({"MinTtl": floor, "LineType": "default", "RegionLines": False,
                         "SlaveDns": False, "RecordLineTreeJson": "{\"default\":{}}"})
        return info

    def action_AddDomainRecord(self, state, params):
        require(params, "DomainName", "RR", "Type", "Value")
        domain = self.domain_of(state, params)
        ttl = int_param(params, "TTL", 600, 1, 86400)
        check_ttl(state, domain, ttl)
        line = params.get("Line") or "default"
        rtype = params["Type"].upper()
        check_write(state, domain, params["RR"], rtype, params["Value"], line)
        record = state.new_record(domain, params["RR"], rtype, params["Value"], ttl, line)
        return {"RecordId": record["RecordId"]}

    def action_UpdateDomainRecord(self, state, params):
        require(params, "RecordId", "RR", "Type", "Value")
        record = state.records.get(params["RecordId"])
        if record is None:
            raise RpcError(400, "DomainRecordNotBelongToUser",
                           "The DNS record does not belong to you.")
        ttl = int_param(params, "TTL", 600, 1, 86400)
        check_ttl(state, record["DomainName"], ttl)
        # An omitted Line is "default" (UpdateDomainRecord's reference,
        # https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-updatedomainrecord).
        line = params.get("Line") or "default"
        rtype = params["Type"].upper()
        unchanged = (record["RR"] == params["RR"] and record["Type"] == rtype
                     and record["Value"] == params["Value"] and record["Line"] == line)
        if unchanged:
            # provider-apis.md §5: an update to the current value is DomainRecordDuplicate;
            # this fake holds to that even when only the TTL differs (the strict reading).
            raise RpcError(400, "DomainRecordDuplicate", "The DNS record already exists.")
        check_write(state, record["DomainName"], params["RR"], rtype, params["Value"], line,
                    ignore_id=record["RecordId"])
        record.update({"RR": params["RR"], "Type": rtype, "Value": params["Value"], "TTL": ttl,
                       "Line": line})
        return {"RecordId": record["RecordId"]}

    def action_DeleteDomainRecord(self, state, params):
        require(params, "RecordId")
        if state.records.pop(params["RecordId"], None) is None:
            raise RpcError(400, "DomainRecordNotBelongToUser",
                           "The DNS record does not belong to you.")
        return {"RecordId": params["RecordId"]}

    # ---- control --------------------------------------------------------------------------

    @staticmethod
    def add_from_control(state, body):
        return state.new_record(body["domain"].lower().rstrip("."), body["rr"], body["type"],
                                body["value"], body.get("ttl", 600), body.get("line", "default"),
                                body.get("status", "ENABLE"), body.get("weight", 1),
                                body.get("remark"))

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
        if segments == ["domains"] and method == "POST":
            edition = body.get("edition", "enterprise_ultimate")
            if edition not in EDITIONS:
                return 400, {"error": "edition is one of " + ", ".join(sorted(EDITIONS))}
            name = body["name"].lower().rstrip(".")
            state.domains[name] = edition
            if body.get("dns_servers"):
                state.domain_dns_servers[name] = list(body["dns_servers"])
            return 200, {"ok": True}
        if segments == ["records"] and method == "GET":
            return 200, sorted(state.records.values(), key=lambda r: int(r["RecordId"]))
        if segments == ["records"] and method == "POST":
            if body["domain"].lower().rstrip(".") not in state.domains:
                return 404, {"error": "no such domain"}
            return 200, self.add_from_control(state, body)
        if segments == ["race"] and method == "POST":
            if body["domain"].lower().rstrip(".") not in state.domains:
                return 404, {"error": "no such domain"}
            state.race.append(body)
            return 200, {"ok": True}
        if len(segments) == 2 and segments[0] == "records":
            record = state.records.get(segments[1])
            if record is None:
                return 404, {"error": "no such record"}
            if method == "DELETE":
                del state.records[record["RecordId"]]
                return 200, {"RecordId": record["RecordId"]}
            if method == "PATCH":
                record.update({k: v for k, v in body.items() if k != "RecordId"})
                return 200, record
        if segments == ["credentials"] and method == "POST":
            state.key_id = body["access_key_id"]
            state.key_secret = body["access_key_secret"]
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["sts"] and method == "POST":
            state.sts = {"access_key_id": body["access_key_id"],
                         "access_key_secret": body["access_key_secret"],
                         "security_token": body["security_token"], "expired": False}
            return 200, {"ok": True}
        if segments == ["sts", "expire"] and method == "POST":
            if state.sts is None:
                return 404, {"error": "no STS credentials"}
            state.sts["expired"] = True
            return 200, {"ok": True}
        if segments == ["requests"] and method == "GET":
            return 200, {"count": state.count, "requests": state.log}
        if segments == ["requests"] and method == "DELETE":
            state.log = []
            state.count = 0
            return 200, {"ok": True}
        if segments == ["throttle-clock"] and method == "POST":
            state.throttle.frozen_second = int(time.time()) if body.get("frozen") else None
            return 200, {"ok": True}
        if segments == ["stats"] and method == "GET":
            with state.flight_lock:
                in_flight = state.max_in_flight
            return 200, {"requests": state.count, "throttled": state.throttle.throttled,
                         "max_per_second": state.throttle.max_per_second,
                         "max_in_flight": in_flight}
        return 404, {"error": "unknown control endpoint"}


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        return f.read().rstrip("\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key-id-file", required=True)
    parser.add_argument("--access-key-secret-file", required=True)
    parser.add_argument("--domain", action="append", default=[], help="a domain to serve")
    parser.add_argument("--page-size-max", type=int, default=2,
                        help="largest page served, whatever PageSize asks (default 2)")
    parser.add_argument("--edition", default="enterprise_ultimate", choices=sorted(EDITIONS),
                        help="the edition of every --domain (default enterprise_ultimate, TTL >= 1)")
    parser.add_argument("--max-skew", type=int, default=900,
                        help="seconds a Timestamp may be off (default 900)")
    parser.add_argument("--dns-servers", default=",".join(DEFAULT_DNS_SERVERS),
                        help="every domain's assigned name servers, comma-separated")
    args = parser.parse_args()
    state = State(read_secret(args.access_key_id_file), read_secret(args.access_key_secret_file),
                  max(1, args.page_size_max), args.max_skew,
                  [n for n in args.dns_servers.split(",") if n])
    for domain in args.domain:
        state.domains[domain.lower().rstrip(".")] = args.edition
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    print("alidns fake listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
