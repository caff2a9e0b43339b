#!/usr/bin/env python3
"""A protocol-faithful fake of Tencent Cloud DNSPod (API 3.0, version 2021-03-23), for planb's tests.

Python 3 standard library only; listens on 127.0.0.1 alone.

    dnspod_server.py --port P --secret-id-file F --secret-key-file F
                     [--domain example.com ...] [--page-size-max 2] [--min-ttl 1]
                     [--max-skew 300] [--ns f1g1ns1.dnspod.net,f1g1ns2.dnspod.net]

Every call is POST "/" with a JSON body, the action in X-TC-Action, and is checked as Tencent
Cloud does ("Signature v3", https://tencentcloud.com/document/api/267/37447; provider-apis.md §6):
X-TC-Version 2021-03-23, X-TC-Timestamp within --max-skew seconds (AuthFailure.SignatureExpire),
an Authorization "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/dnspod/tc3_request,
SignedHeaders=..., Signature=..." whose SecretId is known and active and whose signature is
RECOMPUTED here from the received headers and body (independently of planb's signer), and for
temporary credentials the X-TC-Token. Replies are always the envelope
  {"Response": {..., "RequestId"}}
and errors come with HTTP 200 as {"Response": {"Error": {"Code", "Message"}, "RequestId"}}
(provider-apis.md §6 "Errors"; the recorded AuthFailure.SecretIdNotFound reply below).

Actions: DescribeRecordList (Offset/Limit, at most --page-size-max records a page whatever Limit
asks; filters Subdomain, RecordType; ResourceNotFound.NoDataOfRecord when nothing matches),
CreateRecord, ModifyRecord, DeleteRecord, DescribeDomain (DomainInfo.DnspodNsList),
DescribeDomainPurview (PurviewList "记录TTL最低"). The reply shapes are the API reference's
examples (TencentCloud/tencentcloud-cli tccli/examples/dnspod/v20210323/<Action>.md).

The real rules this fake keeps (sources next to each in the code):
  - a TTL below the domain's plan minimum is LimitExceeded.RecordTtlLimit; DescribeDomainPurview
    tells the minimum;
  - ModifyRecord without SubDomain makes the record "@"; without Weight it has no weight; without
    Status it is ENABLE; RecordLineId wins over RecordLine;
  - CreateRecord of a record that exists (name, type, line and value) is
    InvalidParameter.DomainRecordExist; a RecordId the domain does not hold is
    InvalidParameter.RecordIdInvalid;
  - per-action frequency limits (RequestLimitExceeded), counted per second of the clock:
    DescribeRecordList 100/s; CreateRecord, ModifyRecord, DeleteRecord 500/s; DescribeDomainPurview
    20/s (https://www.tencentcloud.com/document/api/1157/49025). No retry hint is given.

Control endpoints (no signature; tests only), JSON in and out:
  GET    /_fake/health
  POST   /_fake/domains          {"name","min_ttl"?,"ns"?}
  GET    /_fake/records                                    -> [records, with "Domain"]
  POST   /_fake/records          {"domain","name","type","value","ttl"?,"line"?,"line_id"?,
                                  "status"?,"weight"?,"remark"?}  -> record
  PATCH  /_fake/records/{id}     record fields  -> record
  DELETE /_fake/records/{id}
  POST   /_fake/credentials      {"secret_id","secret_key"}  a new active key (also after revoke)
  POST   /_fake/sts              {"secret_id","secret_key","token"}  temporary credentials
  POST   /_fake/sts/expire       they expire: AuthFailure.TokenFailure
  GET    /_fake/requests         -> {"count","requests":[...]};  DELETE forgets them
  GET    /_fake/stats            -> {"requests","throttled","max_per_second":{action: n}}
  POST   /_fake/throttle-clock   {"frozen": true|false}  every call counts in one second
Faults (fault_control.py): /_fake/throttle {"count"} -> RequestLimitExceeded; /_fake/fail
{"count","status"?} -> InternalError in the envelope (HTTP 200), or with a "status" of 5xx that
status with the gateway's non-JSON body; /_fake/malformed {"count"} -> HTTP 200 with broken JSON;
/_fake/revoke -> the SecretId is no longer found (AuthFailure.SecretIdNotFound).

The request log holds the action, the body's parameters, whether the signature matched, and the
Code answered; never a secret.
"""

import argparse
import calendar
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from fault_control import FaultControl

VERSION = "2021-03-23"
SERVICE = "dnspod"

# Error messages: the English descriptions of the SDK's error codes
# (TencentCloud/tencentcloud-sdk-python-intl-en tencentcloud/dnspod/v20210323/errorcodes.py) and,
# for AuthFailure.SecretIdNotFound, the reply as a client recorded it:
# {"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"The SecretId is not found,
# please ensure that your SecretId is correct."},"RequestId":"b253d23f-..."}}.
MESSAGES = {
    "AuthFailure.SecretIdNotFound":
        "The SecretId is not found, please ensure that your SecretId is correct.",
    "AuthFailure.SignatureFailure":
        "The provided credentials could not be validated. Please check your signature is correct.",
    "AuthFailure.SignatureExpire":
        "Signature expired. Timestamp and server time cannot differ by more than five minutes.",
    "AuthFailure.InvalidAuthorization": "The Authorization in the request header is invalid.",
    "AuthFailure.TokenFailure": "Token verification failed.",
    "RequestLimitExceeded": "The number of requests exceeds the frequency limit.",
    "InternalError": "Internal error.",
    "InvalidAction": "The API does not exist.",
    "NoSuchVersion": "The API version does not exist.",
    "MissingParameter": "The parameter is missing.",
    "InvalidParameterValue.DomainNotExists":
        "The current domain is incorrect. Return to the previous step and try again.",
    "ResourceNotFound.NoDataOfRecord": "Empty record list.",
    "InvalidParameter.DomainRecordExist":
        "The record already exists and does not need to be added again.",
    "InvalidParameter.RecordIdInvalid": "The record number is incorrect.",
    "InvalidParameter.RecordLineInvalid": "The record split zone is incorrect.",
    "InvalidParameter.RecordTypeInvalid": "The record type is incorrect.",
    "InvalidParameter.OffsetInvalid": "The pagination offset value is incorrect.",
    "InvalidParameterValue.LimitInvalid": "Error in number of entries per page.",
    "LimitExceeded.RecordTtlLimit": "The TTL value of the record exceeds the limit.",
    "InvalidParameter.InvalidWeight": "The weight is invalid. Enter an integer between 0 and 100.",
}

# Lines by LineId (DescribeRecordLineList; the default line is LineId "0", "默认", on the China
# site and "Default" on the international one: the API reference's examples).
LINES = {"0": "默认", "10=0": "电信", "10=1": "联通", "10=3": "移动"}
LINE_IDS = {name: line_id for line_id, name in LINES.items()}
LINE_IDS["Default"] = "0"

# DescribeRecordList's Limit: "当前 Limit 最大支持 3000" (https://www.tencentcloud.com/document/api/1157/51290).
MAX_LIMIT = 3000
MAX_TTL = 604800  # ModifyRecord's TTL: "范围1-604800" (https://cloud.tencent.com/document/api/1427/56157)

QPS = {"DescribeRecordList": 100, "CreateRecord": 500, "ModifyRecord": 500, "DeleteRecord": 500,
       "DescribeDomainPurview": 20}

DEFAULT_NS = ["f1g1ns1.dnspod.net", "f1g1ns2.dnspod.net"]  # DescribeRecordList's example NS


class ApiError(Exception):
    def __init__(self, code, message=None):
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, code)


def request_id():
    return str(uuid.uuid4())


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class Throttle:
    """Per action, at most QPS[action] calls within one second of the clock; counters for tests."""

    def __init__(self):
        self.seconds = {}
        self.frozen_second = None
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
    def __init__(self, secret_id, secret_key, page_size_max, max_skew, min_ttl, ns):
        self.lock = threading.Lock()
        self.throttle = Throttle()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.page_size_max = page_size_max
        self.max_skew = max_skew
        self.default_min_ttl = min_ttl
        self.default_ns = list(ns)
        self.domains = {}  # name -> {"id","min_ttl","ns"}
        self.sts = None  # {"secret_id","secret_key","token","expired"}
        self.records = {}  # RecordId (int) -> record
        self.next_id = 556507778  # the API reference's first RecordId
        self.faults = FaultControl()
        self.log = []
        self.count = 0

    def add_domain(self, name, min_ttl=None, ns=None):
        name = name.lower().rstrip(".")
        self.domains[name] = {"id": 60 + len(self.domains) + 1,
                              "min_ttl": int(min_ttl if min_ttl is not None else self.default_min_ttl),
                              "ns": list(ns or self.default_ns)}

    def new_record(self, domain, name, rtype, value, ttl=600, line_id="0", status="ENABLE",
                   weight=None, remark="", mx=0):
        rid = self.next_id
        self.next_id += 1
        record = {"RecordId": rid, "Domain": domain, "Name": name, "Type": rtype.upper(),
                  "Value": value, "TTL": int(ttl), "Line": LINES.get(line_id, line_id),
                  "LineId": line_id, "Status": status, "Weight": weight, "Remark": remark,
                  "MX": int(mx), "MonitorStatus": "", "UpdatedOn": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "DefaultNS": False}
        self.records[rid] = record
        return record


def listed(record):
    """A record as DescribeRecordList lists it (RecordListItem): without the fake's Domain."""
    return {k: v for k, v in record.items() if k != "Domain"}


def fault_reply(fault):
    """(status, body) of a fault FaultControl.take returned."""
    if fault["kind"] == "throttle":
        raise ApiError("RequestLimitExceeded")
    status = int(fault.get("status", 200))
    if status >= 500:
        # A gateway in front of the API fails with its own page, not the envelope.
        return status, b"<html><body><h1>%d Service Unavailable</h1></body></html>" % status
    raise ApiError("InternalError")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "dnspod-fake/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, urlsplit(self.path).path))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
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
        with state.lock:
            if parts.path.startswith("/_fake/"):
                status, body = self.control(state, parts.path, raw)
            else:
                status, body = self.api(state, parts, raw)
        self.send(status, body, "text/html" if isinstance(body, bytes) and status >= 500
                  else "application/json")

    # ---- the API --------------------------------------------------------------------------

    def api(self, state, parts, raw):
        entry = {"action": self.headers.get("X-TC-Action"), "params": None,
                 "signature_ok": False, "code": None, "token": bool(self.headers.get("X-TC-Token"))}
        state.log.append(entry)
        state.count += 1
        if state.faults.take(kinds=("malformed",)) is not None:
            return 200, b'{"Response": {"RequestId": "5b0d6e2a", "RecordCountInfo": {"Tot'
        try:
            fault = state.faults.take(kinds=("throttle", "server_error"))
            if fault is not None:
                status, body = fault_reply(fault)
                entry["code"] = "HTTP %d" % status
                return status, body
            params = self.authenticate(state, parts, raw, entry)
            entry["params"] = params
            action = getattr(self, "action_" + entry["action"], None)
            if action is None:
                raise ApiError("InvalidAction")
            if not state.throttle.admit(entry["action"]):
                raise ApiError("RequestLimitExceeded")
            result = action(state, params)
            result["RequestId"] = request_id()
            return 200, {"Response": result}
        except ApiError as e:
            entry["code"] = e.code
            return 200, {"Response": {"Error": {"Code": e.code, "Message": e.message},
                                      "RequestId": request_id()}}

    def authenticate(self, state, parts, raw, entry):
        if self.command != "POST" or parts.path != "/":
            raise ApiError("InvalidAction", "Only POST / is served.")
        authorization = self.headers.get("Authorization") or ""
        match = re.fullmatch(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([^/]+)/"
                             r"tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
                             authorization)
        if not match:
            raise ApiError("AuthFailure.InvalidAuthorization")
        secret_id, date, service, signed_headers, signature = match.groups()
        if not entry["action"]:
            raise ApiError("MissingParameter", "The parameter X-TC-Action is missing.")
        if self.headers.get("X-TC-Version") != VERSION:
            raise ApiError("NoSuchVersion")
        try:
            timestamp = int(self.headers.get("X-TC-Timestamp") or "")
        except ValueError:
            raise ApiError("MissingParameter", "The parameter X-TC-Timestamp is missing.")
        # "Timestamp 与服务器接收到请求的时间相差不得超过五分钟" (the common error codes of API 3.0).
        if abs(time.time() - timestamp) > state.max_skew:
            raise ApiError("AuthFailure.SignatureExpire")
        sts = state.sts if state.sts and secret_id == state.sts["secret_id"] else None
        if sts is None and (secret_id != state.secret_id or state.faults.revoked):
            raise ApiError("AuthFailure.SecretIdNotFound")
        token = self.headers.get("X-TC-Token")
        if sts is not None and (token != sts["token"] or sts["expired"]):
            raise ApiError("AuthFailure.TokenFailure")
        key = sts["secret_key"] if sts is not None else state.secret_key
        names = signed_headers.split(";")
        if "content-type" not in names or "host" not in names:
            raise ApiError("AuthFailure.SignatureFailure")
        # "头部 key 和 value 统一转成小写,并去掉首尾的空格" (Signature v3, step 1).
        canonical_headers = "".join("%s:%s\n" % (n, (self.headers.get(n) or "").strip().lower())
                                    for n in names)
        canonical = "\n".join(["POST", "/", "", canonical_headers, signed_headers,
                               sha256_hex(raw)])
        day = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
        scope = "%s/%s/tc3_request" % (day, service)
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                             sha256_hex(canonical.encode("utf-8"))])
        signing = hmac256(hmac256(hmac256(("TC3" + key).encode(), day), service), "tc3_request")
        expected = hmac.new(signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if date != day or service != SERVICE or not hmac.compare_digest(expected, signature):
            raise ApiError("AuthFailure.SignatureFailure")
        entry["signature_ok"] = True
        try:
            params = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            raise ApiError("InvalidParameter", "The request body is not JSON.")
        if not isinstance(params, dict):
            raise ApiError("InvalidParameter", "The request body is not a JSON object.")
        return params

    @staticmethod
    def require(params, *names):
        for name in names:
            if params.get(name) in (None, ""):
                raise ApiError("MissingParameter", "The parameter %s is missing." % name)

    @staticmethod
    def domain_of(state, params):
        Handler.require(params, "Domain")
        domain = str(params["Domain"]).lower().rstrip(".")
        if domain not in state.domains:
            raise ApiError("InvalidParameterValue.DomainNotExists")
        return domain

    @staticmethod
    def line_of(params):
        """RecordLineId wins over RecordLine (ModifyRecord's and CreateRecord's reference)."""
        if params.get("RecordLineId"):
            line_id = str(params["RecordLineId"])
            if line_id not in LINES:
                raise ApiError("InvalidParameter.RecordLineInvalid")
            return line_id
        line = params.get("RecordLine")
        if line not in LINE_IDS:
            raise ApiError("InvalidParameter.RecordLineInvalid")
        return LINE_IDS[line]

    @staticmethod
    def ttl_of(state, domain, params):
        ttl = params.get("TTL", 600)
        if not isinstance(ttl, int) or not 1 <= ttl <= MAX_TTL:
            raise ApiError("InvalidParameter", "The parameter TTL is invalid.")
        # "TTL,范围1-604800,不同等级域名最小值不同" (ModifyRecord's reference).
        if ttl < state.domains[domain]["min_ttl"]:
            raise ApiError("LimitExceeded.RecordTtlLimit")
        return ttl

    @staticmethod
    def record_of(state, domain, params):
        Handler.require(params, "RecordId")
        record = state.records.get(params["RecordId"]) if isinstance(params["RecordId"], int) \
            else None
        if record is None or record["Domain"] != domain:
            raise ApiError("InvalidParameter.RecordIdInvalid")
        return record

    @staticmethod
    def exists(state, domain, name, rtype, line_id, value, ignore=None):
        for other in state.records.values():
            if other["RecordId"] == ignore or other["Domain"] != domain:
                continue
            if (other["Name"].lower() == name.lower() and other["Type"] == rtype
                    and other["LineId"] == line_id and other["Value"].lower() == value.lower()):
                return True
        return False

    def action_DescribeRecordList(self, state, params):
        domain = self.domain_of(state, params)
        offset = params.get("Offset", 0)
        limit = params.get("Limit", 100)  # "默认值为 100"
        if not isinstance(offset, int) or offset < 0:
            raise ApiError("InvalidParameter.OffsetInvalid")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ApiError("InvalidParameterValue.LimitInvalid")
        records = [r for r in state.records.values() if r["Domain"] == domain]
        if params.get("Subdomain"):
            records = [r for r in records if r["Name"].lower() == params["Subdomain"].lower()]
        if params.get("RecordType"):
            records = [r for r in records if r["Type"] == params["RecordType"].upper()]
        records.sort(key=lambda r: r["RecordId"])
        if not records:
            raise ApiError("ResourceNotFound.NoDataOfRecord")
        chunk = records[offset: offset + min(limit, state.page_size_max)]
        return {"RecordCountInfo": {"SubdomainCount": len(records), "TotalCount": len(records),
                                    "ListCount": len(chunk)},
                "RecordList": [listed(r) for r in chunk]}

    def action_CreateRecord(self, state, params):
        domain = self.domain_of(state, params)
        self.require(params, "RecordType", "Value")
        if not params.get("RecordLine") and not params.get("RecordLineId"):
            self.require(params, "RecordLine")
        line_id = self.line_of(params)
        ttl = self.ttl_of(state, domain, params)
        name = params.get("SubDomain") or "@"  # "如果不传,默认为 @"
        rtype = params["RecordType"].upper()
        if self.exists(state, domain, name, rtype, line_id, params["Value"]):
            raise ApiError("InvalidParameter.DomainRecordExist")
        record = state.new_record(domain, name, rtype, params["Value"], ttl, line_id,
                                  params.get("Status") or "ENABLE", params.get("Weight"),
                                  params.get("Remark") or "", params.get("MX") or 0)
        return {"RecordId": record["RecordId"]}

    def action_ModifyRecord(self, state, params):
        domain = self.domain_of(state, params)
        self.require(params, "RecordType", "Value")
        if not params.get("RecordLine") and not params.get("RecordLineId"):
            self.require(params, "RecordLine")
        record = self.record_of(state, domain, params)
        line_id = self.line_of(params)
        ttl = self.ttl_of(state, domain, params)
        weight = params.get("Weight")
        if weight is not None and (not isinstance(weight, int) or not 0 <= weight <= 100):
            raise ApiError("InvalidParameter.InvalidWeight")
        name = params.get("SubDomain") or "@"  # ModifyRecord: "如果不传,默认为 @"
        rtype = params["RecordType"].upper()
        if self.exists(state, domain, name, rtype, line_id, params["Value"],
                       ignore=record["RecordId"]):
            raise ApiError("InvalidParameter.DomainRecordExist")
        record.update({"Name": name, "Type": rtype, "Value": params["Value"], "TTL": ttl,
                       "LineId": line_id, "Line": LINES[line_id],
                       # "不传该参数,表示不设置权重信息"; Status "默认为 ENABLE".
                       "Weight": weight, "Status": params.get("Status") or "ENABLE",
                       "MX": params.get("MX") or 0,
                       "UpdatedOn": time.strftime("%Y-%m-%d %H:%M:%S")})
        if "Remark" in params:
            record["Remark"] = params["Remark"]
        return {"RecordId": record["RecordId"]}

    def action_DeleteRecord(self, state, params):
        domain = self.domain_of(state, params)
        record = self.record_of(state, domain, params)
        del state.records[record["RecordId"]]
        return {}

    def action_DescribeDomain(self, state, params):
        """DomainInfo with the fields of the API reference's example
        (tccli/examples/dnspod/v20210323/DescribeDomain.md); DnspodNsList is what planb reads."""
        domain = self.domain_of(state, params)
        info = state.domains[domain]
        count = sum(1 for r in state.records.values() if r["Domain"] == domain)
        free = info["min_ttl"] >= 600
        return {"DomainInfo": {"DnspodNsList": list(info["ns"]), "ActualNsList": list(info["ns"]),
                               "RecordCount": count, "DomainId": info["id"], "DnsStatus": "",
                               "IsVip": "no" if free else "yes", "Punycode": domain,
                               "Grade": "DP_FREE" if free else "DP_EXPERT",
                               "GradeLevel": 2 if free else 5,
                               "GradeTitle": "免费版" if free else "企业版", "Status": "enable",
                               "GroupId": 1, "IsMark": "no", "Remark": "", "UserId": 1,
                               "CreatedOn": "2021-04-06 15:51:45",
                               "UpdatedOn": "2021-04-06 15:51:45", "TTL": 600,
                               "Owner": "qcloud_uin_100000014226@qcloud.com",
                               "CnameSpeedup": "disable", "Uin": "100000014226",
                               "OwnerNick": "planb-fake", "Domain": domain}}

    def action_DescribeDomainPurview(self, state, params):
        domain = self.domain_of(state, params)
        return {"PurviewList": [{"Name": "NS记录条数", "Value": "99999"},
                                {"Name": "子域名级数", "Value": "12"},
                                {"Name": "记录TTL最低",
                                 "Value": str(state.domains[domain]["min_ttl"])}]}

    # ---- control --------------------------------------------------------------------------

    @staticmethod
    def add_from_control(state, body):
        line_id = body.get("line_id") or LINE_IDS.get(body.get("line", "默认"), "0")
        return state.new_record(body["domain"].lower().rstrip("."), body["name"], body["type"],
                                body["value"], body.get("ttl", 600), line_id,
                                body.get("status", "ENABLE"), body.get("weight"),
                                body.get("remark", ""), body.get("mx", 0))

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
            state.add_domain(body["name"], body.get("min_ttl"), body.get("ns"))
            return 200, {"ok": True}
        if segments == ["records"] and method == "GET":
            return 200, sorted(state.records.values(), key=lambda r: r["RecordId"])
        if segments == ["records"] and method == "POST":
            if body["domain"].lower().rstrip(".") not in state.domains:
                return 404, {"error": "no such domain"}
            return 200, self.add_from_control(state, body)
        if len(segments) == 2 and segments[0] == "records" and segments[1].isdigit():
            record = state.records.get(int(segments[1]))
            if record is None:
                return 404, {"error": "no such record"}
            if method == "DELETE":
                del state.records[record["RecordId"]]
                return 200, {"RecordId": record["RecordId"]}
            if method == "PATCH":
                record.update({k: v for k, v in body.items() if k != "RecordId"})
                return 200, record
        if segments == ["credentials"] and method == "POST":
            state.secret_id = body["secret_id"]
            state.secret_key = body["secret_key"]
            state.faults.revoked = False
            return 200, {"ok": True}
        if segments == ["sts"] and method == "POST":
            state.sts = {"secret_id": body["secret_id"], "secret_key": body["secret_key"],
                         "token": body["token"], "expired": False}
            return 200, {"ok": True}
        if segments == ["sts", "expire"] and method == "POST":
            if state.sts is None:
                return 404, {"error": "no temporary credentials"}
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
            return 200, {"requests": state.count, "throttled": state.throttle.throttled,
                         "max_per_second": state.throttle.max_per_second}
        return 404, {"error": "unknown control endpoint"}


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        return f.read().rstrip("\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-id-file", required=True)
    parser.add_argument("--secret-key-file", required=True)
    parser.add_argument("--domain", action="append", default=[], help="a domain to serve")
    parser.add_argument("--page-size-max", type=int, default=2,
                        help="largest page served, whatever Limit asks (default 2)")
    parser.add_argument("--min-ttl", type=int, default=1,
                        help="every --domain's plan minimum TTL (default 1; the free plan: 600)")
    parser.add_argument("--max-skew", type=int, default=300,
                        help="seconds X-TC-Timestamp may be off (default 300, five minutes)")
    parser.add_argument("--ns", default=",".join(DEFAULT_NS),
                        help="every domain's DnspodNsList, comma-separated")
    args = parser.parse_args()
    state = State(read_secret(args.secret_id_file), read_secret(args.secret_key_file),
                  max(1, args.page_size_max), args.max_skew, args.min_ttl,
                  [n for n in args.ns.split(",") if n])
    for domain in args.domain:
        state.add_domain(domain)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    print("dnspod fake listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
