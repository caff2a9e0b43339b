#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (run from anywhere; overwrites the seeds it
makes, leaves other files alone). Replies are shaped like the real APIs' (as tests/fakes and the
unit tests serve them); the config seeds are copies of the reference and sample configurations.
Multi-reply seeds follow tests/fuzz/fuzz_replies.hpp: replies separated by a line "----", an
optional first line of a 3-digit status, header lines, an empty line, the body."""
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def script(*replies):
    out = []
    for r in replies:
        if isinstance(r, tuple):
            status, body = r[0], r[1]
            headers = r[2] if len(r) > 2 else {}
            text = "%03d\n" % status + "".join("%s: %s\n" % kv for kv in headers.items())
            out.append(text + "\n" + body)
        else:
            out.append(r)
    return "\n----\n".join(out)


# ---- config ------------------------------------------------------------------------------------
for src, name in [(os.path.join(REPO, "..", "shared", "spec", "planb.example.toml"), "reference.toml"),
                  (os.path.join(REPO, "etc", "planb.toml"), "sample.toml"),
                  (os.path.join(REPO, "tests", "unit", "config", "all-providers.toml"),
                   "all-providers.toml")]:
    if os.path.exists(src):
        os.makedirs(os.path.join(CORPUS, "config"), exist_ok=True)
        shutil.copy(src, os.path.join(CORPUS, "config", name))
put("config", "minimal.toml", """[daemon]
state_dir = "${STATE_DIRECTORY}"

[[provider]]
name = "pdns"
type = "powerdns"
api_url = "http://127.0.0.1:8081"
api_key_file = "${CREDENTIALS_DIRECTORY}/pdns"

[[zone]]
name = "example.com"
providers = ["pdns"]

[[target]]
name = "aws"
cname = "app.aws.example.net"
vendor = "aws"
probes = [{ type = "tcp", host = "192.0.2.1", port = 443 }]

[[target]]
name = "gcp"
cname = "app.gcp.example.net"
vendor = "gcp"
probes = [{ type = "http", url = "https://192.0.2.2/healthz", expect_body_regex = "ok" }]

[[record]]
name = "www.example.com"
targets = ["aws", "gcp"]
""")

# ---- powerdns ----------------------------------------------------------------------------------
def pdns_zone(rrsets):
    return json.dumps({"account": "", "dnssec": False, "id": "example.test.", "kind": "Native",
                       "name": "example.test.", "rrsets": rrsets, "serial": 1,
                       "url": "/api/v1/servers/localhost/zones/example.test."})


def rrset(name, rtype, content, disabled=False, ttl=60):
    return {"comments": [], "name": name, "type": rtype, "ttl": ttl,
            "records": [{"content": content, "disabled": disabled}]}


www_cname = pdns_zone([rrset("www.example.test.", "CNAME", "app.aws.example.net.")])
put("powerdns", "cname_then_swap", script(www_cname, www_cname, (204, "")))
put("powerdns", "absent", script(pdns_zone([]), pdns_zone([])))
put("powerdns", "conflict", script(pdns_zone([]), pdns_zone([rrset("www.example.test.", "A", "192.0.2.1"),
                                                             rrset("www.example.test.", "TXT", "\"x\"")])))
put("powerdns", "errors", script((404, '{"error": "Could not find domain \'example.test.\'"}'),
                                 (422, '{"error": "RRset www.example.test. IN CNAME: Conflicts"}'),
                                 (429, "slow down", {"Retry-After": "3"}), (500, "<html>oops</html>")))
# The rehearsal's calls after the four above have used up their replies' share (errors answer
# them early): readTxt, writeTxt (204), deleteTxt (204), nameServers.
R = "_planb-rehearsal.example.test."
put("powerdns", "rehearsal", script(www_cname, www_cname, (204, ""), www_cname, (204, ""),
                                    pdns_zone([rrset(R, "TXT", '"tok\\"en" "two"'),
                                               rrset(R, "TXT", '"off"', disabled=True)]),
                                    (204, ""), (204, ""),
                                    pdns_zone([rrset("example.test.", "NS", "NS1.example.test."),
                                               rrset("example.test.", "NS", "ns2.example.net")])))

# ---- cloudflare --------------------------------------------------------------------------------
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"


def cf(result, info=None, success=True, errors=()):
    e = {"success": success, "errors": list(errors), "messages": [], "result": result}
    if info:
        e["result_info"] = info
    return json.dumps(e)


def cf_cname(rid, content, ttl=60):
    return {"id": rid, "type": "CNAME", "name": "www.example.com", "content": content, "ttl": ttl,
            "proxied": False, "zone_id": ZONE_ID, "zone_name": "example.com"}


zones = cf([{"id": ZONE_ID, "name": "example.com", "status": "active"}],
           {"page": 1, "per_page": 50, "count": 1, "total_count": 1, "total_pages": 1})
listing = cf([cf_cname("372e67954025e0ba6aaa6d586b9e0b59", "app.aws.example.net")],
             {"page": 1, "per_page": 100, "count": 1, "total_count": 1, "total_pages": 1})
put("cloudflare", "cname_then_swap",
    script(zones, listing, listing, cf(cf_cname("372e67954025e0ba6aaa6d586b9e0b59", "backup.example.net")),
           cf([cf_cname("372e67954025e0ba6aaa6d586b9e0b59", "backup.example.net")],
              {"page": 1, "per_page": 100, "count": 1, "total_count": 1, "total_pages": 1})))
put("cloudflare", "paged", script(zones, cf([], {"page": 1, "per_page": 100, "count": 0, "total_count": 150,
                                                 "total_pages": 2}),
                                  cf([{"id": "a1", "type": "A", "name": "www.example.com", "content": "192.0.2.1",
                                       "ttl": 1, "proxied": True}],
                                     {"page": 2, "per_page": 100, "count": 1, "total_count": 150, "total_pages": 2})))
put("cloudflare", "errors", script((403, cf(None, success=False, errors=[{"code": 10000, "message": "Authentication error"}])),
                                   (429, cf(None, success=False, errors=[{"code": 971, "message": "Please wait"}]),
                                    {"Retry-After": "30"}),
                                   (400, cf(None, success=False, errors=[{"code": 81053, "message": "exists"}]))))

def cf_txt(rid, content):
    return {"id": rid, "type": "TXT", "name": "_planb-rehearsal.example.com", "content": content,
            "ttl": 60, "proxied": False, "zone_id": ZONE_ID, "zone_name": "example.com"}


txts = cf([cf_txt("t1", '"old"'), cf_txt("t2", "unquoted"), cf_txt("t3", '"a\\"b" "\\065"')],
          {"page": 1, "per_page": 100, "count": 3, "total_count": 3, "total_pages": 1})
put("cloudflare", "rehearsal",
    script(zones, listing, listing, cf(cf_cname("372e67954025e0ba6aaa6d586b9e0b59", "backup.example.net")),
           txts, txts, cf(cf_txt("t1", '"planb-fuzz"')), cf({"id": "t2"}), cf({"id": "t3"}), txts,
           (404, cf(None, success=False, errors=[{"code": 81044, "message": "Record does not exist."}])),
           cf({"id": "t2"}), cf({"id": "t3"}),
           cf({"id": ZONE_ID, "name": "example.com",
               "name_servers": ["christian.ns.cloudflare.com", "dina.ns.cloudflare.com"],
               "plan": {"legacy_id": "free"}})))

# ---- alidns ------------------------------------------------------------------------------------
def ali_records(records, total=None, page=1, size=100):
    return json.dumps({"RequestId": "6A1B2C3D-0000", "TotalCount": len(records) if total is None else total,
                       "PageNumber": page, "PageSize": size, "DomainRecords": {"Record": records}})


def ali_record(rid, rr, rtype, value, ttl=600):
    return {"RecordId": rid, "DomainName": "example.com", "RR": rr, "Type": rtype, "Value": value,
            "TTL": ttl, "Line": "default", "Status": "ENABLE", "Locked": False, "Weight": 1}


cur = ali_records([ali_record("1000001", "www", "CNAME", "app.aws.example.net")])
put("alidns", "cname_then_swap", script(cur, cur, json.dumps({"RequestId": "X", "RecordId": "1000001"}),
                                        ali_records([ali_record("1000001", "www", "CNAME", "backup.example.net")])))
put("alidns", "absent_then_add", script(ali_records([]), ali_records([]), json.dumps({"RequestId": "Y", "RecordId": "2000002"})))
ali_txts = ali_records([ali_record("5", "_planb-rehearsal", "TXT", "old"),
                        dict(ali_record("6", "_planb-rehearsal", "TXT", "off"), Status="DISABLE")])
put("alidns", "rehearsal", script(cur, cur, json.dumps({"RequestId": "X", "RecordId": "1000001"}),
                                  ali_txts, ali_txts, json.dumps({"RequestId": "D", "RecordId": "6"}),
                                  json.dumps({"RequestId": "I", "MinTtl": 600}),
                                  json.dumps({"RequestId": "U", "RecordId": "5"}), ali_txts,
                                  json.dumps({"RequestId": "D", "RecordId": "5"}),
                                  json.dumps({"RequestId": "D", "RecordId": "6"}),
                                  json.dumps({"RequestId": "I", "MinTtl": 600, "DnsServers":
                                              {"DnsServer": ["dns9.hichina.com", "dns10.hichina.com"]}})))
put("alidns", "conflict_and_paging", script(ali_records([ali_record(3, "www", "A", "192.0.2.1"),
                                                         ali_record("4", "www", "TXT", "v=spf1")], total=150)))
put("alidns", "errors", script((400, json.dumps({"RequestId": "Z", "HostId": "alidns.aliyuncs.com",
                                                 "Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.",
                                                 "Recommend": "https://api.aliyun.com"})),
                               (400, json.dumps({"RequestId": "Z", "Code": "DomainRecordDuplicate", "Message": "The DNS record already exists."})),
                               (503, json.dumps({"Code": "ServiceUnavailable", "Message": "busy"}))))

# ---- route53 -----------------------------------------------------------------------------------
NS = "https://route53.amazonaws.com/doc/2013-04-01/"
zones_xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListHostedZonesByNameResponse xmlns="%s"><HostedZones>'
             '<HostedZone><Id>/hostedzone/Z1D633PJN98FT9</Id><Name>example.com.</Name><CallerReference>r'
             '</CallerReference><Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>3'
             '</ResourceRecordSetCount></HostedZone></HostedZones><DNSName>example.com.</DNSName>'
             '<IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListHostedZonesByNameResponse>' % NS)


def rrsets_xml(sets, truncated=False, nxt=""):
    body = "".join("<ResourceRecordSet><Name>%s</Name><Type>%s</Type><TTL>60</TTL><ResourceRecords>"
                   "<ResourceRecord><Value>%s</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
                   % s for s in sets)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
            "<ResourceRecordSets>%s</ResourceRecordSets><IsTruncated>%s</IsTruncated>%s<MaxItems>2</MaxItems>"
            "</ListResourceRecordSetsResponse>" % (NS, body, "true" if truncated else "false", nxt))


def change(root, status):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id>'
            '<Status>%s</Status><SubmittedAt>2015-08-30T12:36:00Z</SubmittedAt></ChangeInfo></%s>'
            % (root, NS, status, root))


cname_page = rrsets_xml([("www.example.com.", "CNAME", "app.aws.example.net")])
put("route53", "cname_then_swap", script(zones_xml, cname_page, cname_page,
                                         change("ChangeResourceRecordSetsResponse", "PENDING"),
                                         change("GetChangeResponse", "PENDING"), change("GetChangeResponse", "INSYNC")))
put("route53", "paged_conflict", script(zones_xml, rrsets_xml([("www.example.com.", "A", "192.0.2.1"), ("www.example.com.", "AAAA", "2001:db8::1")],
                                                              True, "<NextRecordName>www.example.com.</NextRecordName><NextRecordType>TXT</NextRecordType>"),
                                        rrsets_xml([("www.example.com.", "TXT", "&quot;v=spf1 -all&quot;"), ("\\052.example.com.", "A", "192.0.2.9")])))
err = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
       '<Message>%s</Message></Error><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb</RequestId></ErrorResponse>')
put("route53", "errors", script((400, err % (NS, "InvalidChangeBatch", "Tried to delete resource record set [name='www.example.com.', type='CNAME'] but it was not found")),
                                (403, err % (NS, "SignatureDoesNotMatch", "The request signature we calculated does not match")),
                                (400, err % (NS, "Throttling", "Rate exceeded")),
                                (400, '<?xml version="1.0"?>\n<InvalidChangeBatch xmlns="%s"><Messages><Message>RRSet exists</Message></Messages></InvalidChangeBatch>' % NS)))

txt_page = rrsets_xml([("_planb-rehearsal.example.com.", "TXT", "&quot;planb-token&quot;")])
hosted_zone = ('<?xml version="1.0" encoding="UTF-8"?>\n<GetHostedZoneResponse xmlns="%s"><HostedZone><Id>'
               '/hostedzone/Z1D633PJN98FT9</Id><Name>example.com.</Name><CallerReference>r</CallerReference>'
               '<Config><PrivateZone>false</PrivateZone></Config></HostedZone><DelegationSet><NameServers>'
               '<NameServer>ns-2048.awsdns-64.com</NameServer><NameServer>ns-2049.awsdns-65.net</NameServer>'
               '</NameServers></DelegationSet></GetHostedZoneResponse>' % NS)
put("route53", "rehearsal", script(rrsets_xml([]), change("ChangeResourceRecordSetsResponse", "PENDING"),
                                   txt_page, (400, err % (NS, "InvalidChangeBatch", "Tried to delete resource record set [name='_planb-rehearsal.example.com.', type='TXT'] but the values provided do not match the current values")),
                                   txt_page, change("ChangeResourceRecordSetsResponse", "INSYNC"), hosted_zone))

# ---- etcd --------------------------------------------------------------------------------------
H = '"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"7","raft_term":"2"}'


def eh(fields=""):
    return "{" + H + ("," + fields if fields else "") + "}"


put("etcd", "happy", script(eh('"token":"tok.ABCDEF.12"'), eh('"ID":"7587862072006515712","TTL":"5"'),
                            '{"result":{' + H + ',"ID":"7587862072006515712","TTL":"5"}}\n', eh(),
                            eh('"kvs":[{"key":"L3BsYW5iL2xlYWRlcg==","create_revision":"5","mod_revision":"6","version":"2","value":"bjE=","lease":"7587862072006515712"}],"count":"1"'),
                            eh('"kvs":[{"key":"L3AvYQ==","value":"MQ==","create_revision":"2","mod_revision":"2","version":"1"},{"key":"L3AvYg==","value":"Mg==","create_revision":"3","mod_revision":"3","version":"1"}],"count":"2"'),
                            eh('"deleted":"1"'),
                            eh('"succeeded":true,"responses":[{"response_put":{"header":{}}},{"response_range":{"header":{},"kvs":[{"key":"YQ==","value":"eA==","create_revision":"3","mod_revision":"3","version":"1"}],"count":"1"}}]'),
                            eh()))
put("etcd", "errors", script((401, '{"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16}'),
                             eh('"token":"tok2"'),
                             (400, '{"error":"etcdserver: requested lease not found","code":5}'),
                             eh('"TTL":"-1"'), (503, "unavailable"), (413, '{"error":"etcdserver: request is too large","code":3}'),
                             eh('"responses":[{"response_delete_range":{"header":{}}},{"response_range":{"header":{}}}]')))

# ---- dns_reply ---------------------------------------------------------------------------------
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.rstrip(".").split(".")) + b"\0"


def rr(owner, rtype, rdata, ttl=60, cls=1):
    return name(owner) + struct.pack("!HHIH", rtype, cls, ttl, len(rdata)) + rdata


def packet(id_, flags, q, answers=(), authority=(), additional=()):
    out = struct.pack("!HHHHHH", id_, flags, 1 if q else 0, len(answers), len(authority), len(additional))
    if q:
        out += name(q[0]) + struct.pack("!HH", q[1], 1)
    return out + b"".join(answers) + b"".join(authority) + b"".join(additional)


QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
W = "www.example.test."
put("dns_reply", "cname", packet(0x1234, QR | AA, (W, 5), [rr(W, 5, name("app.aws.example.net."))]))
put("dns_reply", "a_answer", packet(0x4321, QR | RD | RA, (W, 1), [rr(W, 1, bytes([192, 0, 2, 7])), rr(W, 1, bytes([192, 0, 2, 8]))]))
put("dns_reply", "nxdomain", packet(7, QR | AA | 3, (W, 5), [], [rr("example.test.", 6, name("ns.example.test.") + name("hostmaster.example.test.") + struct.pack("!IIIII", 1, 3600, 600, 86400, 60))]))
put("dns_reply", "any_conflict", packet(9, QR | AA, (W, 255), [rr(W, 16, b"\x06v=spf1"), rr(W, 1, bytes([192, 0, 2, 1])), rr(W, 46, b"\x00\x01\x08\x03" + b"\x00" * 16)]))
put("dns_reply", "truncated_referral", packet(11, QR | TC, (W, 1), [], [rr("example.test.", 2, name("ns1.example.test."))]))
put("dns_reply", "refused_noquestion", packet(13, QR | 5, None))
# an UPDATE reply with a TSIG RR (hmac-sha256, error BADSIG = 16)
tsig = (name("hmac-sha256.") + struct.pack("!HIH", 0, 1440938160, 300) + struct.pack("!H", 32) + b"\x11" * 32
        + struct.pack("!HHH", 13, 16, 0))
put("dns_reply", "update_tsig", struct.pack("!HHHHHH", 13, QR | (5 << 11) | 9, 1, 0, 0, 1) + name("example.test.")
    + struct.pack("!HH", 6, 1) + rr("planb-key.", 250, tsig, ttl=0, cls=255))
put("dns_reply", "txt_rehearsal", packet(21, QR | AA, ("_planb-rehearsal.example.test.", 16),
                                        [rr("_planb-rehearsal.example.test.", 16, b"\x05token\x03two"),
                                         rr("_planb-rehearsal.example.test.", 16, b"\x08overlong")]))
put("dns_reply", "ns_apex", packet(23, QR | AA, ("example.test.", 2),
                                  [rr("example.test.", 2, name("ns1.example.test.")),
                                   rr("example.test.", 2, name("NS2.Example.NET."))]))
put("dns_reply", "compressed", packet(0x1234, QR | AA, (W, 5), [b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 6) + b"\x03app\xc0\x10"]))

# ---- operator_request --------------------------------------------------------------------------
for verb, body in [(0, '{"record":"www.example.com","target":"gcp","reason":"aws is down","force":true,"for":"2h"}'),
                   (1, '{"record":"www.example.com","reason":"back"}'), (2, '{"target":"aws","for":"30m"}'),
                   (3, '{"target":"aws"}'), (4, '{"reason":"change freeze","for":"1h30m"}'), (5, ""),
                   (0, '{"record":1,"target":["x"],"force":"yes","for":5}'), (4, '[1,2,3]')]:
    put("operator_request", "verb%d_%d" % (verb, len(body)), bytes([verb]) + body.encode())

# ---- http_request ------------------------------------------------------------------------------
def req(method, target, body="", headers=()):
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: localhost"] + list(headers)
    if body:
        lines += ["Content-Type: application/json", "Content-Length: %d" % len(body)]
    return "\r\n".join(lines) + "\r\n\r\n" + body


put("http_request", "get_metrics", req("GET", "/metrics"))
put("http_request", "get_status", req("GET", "/v1/status?x=1", headers=["Connection: close"]))
put("http_request", "post_failover", req("POST", "/v1/failover", '{"record":"www.example.com","target":"gcp","reason":"r"}'))
put("http_request", "post_freeze_chunked", "POST /v1/freeze HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "c\r\n{\"for\":\"1h\"}\r\n0\r\n\r\n")
put("http_request", "wrong_method", req("DELETE", "/v1/reload"))
put("http_request", "http10_expect", "PUT /nope HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}")

# ---- the five provider types of issue 18: seeds from their recorded exchanges -----------------
# rec() is one reply of tests/conformance/TYPE/FILE.json (status, headers, body as recorded),
# with each (old, new) of SUBS replaced in the body so names match the fuzz target's.
def rec(rtype, stem, subs=()):
    with open(os.path.join(REPO, "tests", "conformance", rtype, stem + ".json"), encoding="utf-8") as f:
        response = json.load(f)["response"]
    body = response.get("body", "")
    for old, new in subs:
        body = body.replace(old, new)
    return (response["status"], body, response.get("headers", {}))


# ---- dnspod ------------------------------------------------------------------------------------
def pod(stem, subs=()):
    return rec("dnspod", stem, subs)


def pod_list(records):
    return json.dumps({"Response": {"RequestId": "561cdfcb-37a6-47de-b3c5-2b038e2c2276",
                                    "RecordCountInfo": {"SubdomainCount": len(records), "TotalCount": len(records),
                                                        "ListCount": len(records)},
                                    "RecordList": records}}, ensure_ascii=False)


def pod_record(rid, name_, rtype, value, ttl=600, status="ENABLE"):
    return {"RecordId": rid, "Value": value, "Status": status, "UpdatedOn": "2021-03-28 11:27:09", "Name": name_,
            "Line": "默认", "LineId": "0", "Type": rtype, "Weight": None, "MonitorStatus": "", "Remark": "",
            "TTL": ttl, "MX": 0, "DefaultNS": False}


pod_www = pod_list([pod_record(556507778, "www", "CNAME", "app.aws.example.net.")])
pod_empty = pod("02-describe-record-list-empty")
pod_txt = pod_list([pod_record(5, "_planb-rehearsal", "TXT", "old"),
                    pod_record(6, "_planb-rehearsal", "TXT", "off", status="DISABLE")])
put("dnspod", "recorded_listing", script(pod("01-describe-record-list"), pod("01-describe-record-list")))
pod_purview = pod("07-describe-domain-purview")
pod_zone = pod_list([pod_record(556507778, "www", "CNAME", "app.aws.example.net."),
                     pod_record(556507779, "@", "NS", "f1g1ns1.dnspod.net.", ttl=86400)])
put("dnspod", "cname_then_swap", script(pod_www, pod_www, pod_purview, pod("04-modify-record"), pod_list([])))
put("dnspod", "absent_then_create", script(pod_empty, pod_empty, pod_purview, pod("03-create-record")))
# read; replace (listing, purview, ModifyRecord); the batch (one listing, its writes); the TXT
# calls (listing, listing + writes, listing + deletes); DescribeDomain.
put("dnspod", "rehearsal", script(pod_www, pod_www, pod_purview, pod("04-modify-record"),
                                  pod_zone, pod("04-modify-record"), pod("03-create-record"),
                                  pod_txt, pod_txt, pod("04-modify-record"), pod("05-delete-record"),
                                  pod_txt, pod("05-delete-record"), pod("05-delete-record"),
                                  pod("06-describe-domain")))
put("dnspod", "errors", script(pod("08-error-secret-id-not-found"), pod_list([pod_record(3, "www", "A", "192.0.2.1"),
                                                                             pod_record(4, "www", "TXT", "v=spf1")]),
                               (200, json.dumps({"Response": {"Error": {"Code": "RequestLimitExceeded",
                                                                       "Message": "请求的次数超过了频率限制。"},
                                                             "RequestId": "x"}}, ensure_ascii=False)),
                               (200, json.dumps({"Response": {"Error": {"Code": "InvalidParameter.DomainRecordExist",
                                                                       "Message": "记录已经存在，无需再次添加。"},
                                                             "RequestId": "y"}}, ensure_ascii=False)),
                               (503, "<html>busy</html>")))

# ---- huaweicloud -------------------------------------------------------------------------------
def hw(stem, subs=()):
    return rec("huaweicloud", stem, subs)


HW_ZONE = "2c9eb155587194ec01587224c9f90149"


def hw_sets(sets):
    return json.dumps({"links": {"self": "https://Endpoint/v2/zones/%s/recordsets" % HW_ZONE},
                       "recordsets": sets, "metadata": {"total_count": len(sets)}})


def hw_set(sid, name_, rtype, records, status="ACTIVE", ttl=300):
    return {"id": sid, "name": name_, "type": rtype, "ttl": ttl, "records": records, "status": status,
            "zone_id": HW_ZONE, "zone_name": "example.com.", "default": False}


hw_zones = hw("01-list-public-zones")
hw_www = hw_sets([hw_set("2c9eb155587194ec01587224c9f9014a", "www.example.com.", "CNAME", ["app.aws.example.net."])])
hw_txt = hw_sets([hw_set("2c9eb155587194ec01587224c9f9014b", "_planb-rehearsal.example.com.", "TXT",
                         ['"old"', '"a\\"b" "two"'])])
put("huaweicloud", "recorded_listing", script(hw_zones, hw("02-list-record-sets-in-a-zone"),
                                              hw("02-list-record-sets-in-a-zone")))
put("huaweicloud", "cname_then_swap", script(hw_zones, hw_www, hw_www,
                                             hw("04-modify-record-set", [('"A"', '"CNAME"')])))
put("huaweicloud", "absent_then_create", script(hw_zones, hw_sets([]), hw_sets([]),
                                                hw("03-create-record-set", [('"A"', '"CNAME"')])))
hw_zone = hw_sets([hw_set("2c9eb155587194ec01587224c9f9014a", "www.example.com.", "CNAME", ["app.aws.example.net."]),
                  hw_set("2c9eb155587194ec01587224c9f9014c", "example.com.", "NS", ["ns1.example.com."])])
# read (zone, record sets); replace (record sets, PUT); the batch (the zone's listing, its writes);
# pollChange (the record set, still PENDING_CREATE); the TXT calls; the name servers.
put("huaweicloud", "rehearsal", script(hw_zones, hw_www, hw_www, hw("04-modify-record-set", [('"A"', '"CNAME"')]),
                                       hw_zone, hw("04-modify-record-set", [('"A"', '"CNAME"')]),
                                       hw("03-create-record-set", [('"A"', '"CNAME"')]),
                                       hw("05-query-record-set"), hw_txt, hw_txt, hw("04-modify-record-set"),
                                       hw_txt, hw("06-delete-record-set"), hw("07-query-name-servers")))
put("huaweicloud", "errors", script(hw("11-error-iam-authentication"), hw_zones,
                                    hw("12-error-gateway-throttled"), hw("13-error-flow-control"),
                                    hw("09-error-record-set-name-exists"), hw("10-error-ttl-out-of-range")))

# ---- google ------------------------------------------------------------------------------------
def gg(stem, subs=()):
    return rec("google", stem, subs)


g_token = gg("01-token-jwt-bearer")
g_zones = gg("02-managed-zones-list")
g_empty = gg("03-rrsets-list-name-type-empty")
g_docs = json.dumps({"kind": "dns#resourceRecordSetsListResponse",
                     "rrsets": [{"kind": "dns#resourceRecordSet", "name": "docs.fullm3tal.tk.", "type": "CNAME",
                                 "ttl": 3600, "rrdatas": ["docs.example.com."]}]})
g_change = gg("04-changes-create-cname-pending")
g_done = gg("04-changes-create-cname-pending", [('"pending"', '"done"')])
g_txt = json.dumps({"kind": "dns#resourceRecordSetsListResponse",
                    "rrsets": [{"kind": "dns#resourceRecordSet", "name": "_planb-rehearsal.fullm3tal.tk.",
                                "type": "TXT", "ttl": 60, "rrdatas": ['"challengetoken1"', '"a\\"b" "two"']}]})
put("google", "recorded_zone", script(g_token, g_zones, gg("06-rrsets-list-zone"), gg("06-rrsets-list-zone")))
put("google", "cname_then_swap", script(g_token, g_zones, g_docs, g_docs, g_change, g_done))
put("google", "absent_then_create", script(g_token, g_zones, g_empty, g_empty, g_change))
put("google", "rehearsal", script(g_token, g_zones, g_docs, g_docs, g_change, gg("06-rrsets-list-zone"), g_change,
                                  g_change, g_done, g_txt, g_txt, gg("05-changes-create-txt-pending"), g_txt,
                                  g_change, g_zones))
put("google", "errors", script((401, '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}',
                                {"Content-Type": "application/json; charset=utf-8"}),
                               g_token, g_zones, gg("09-error-429-rate-limit-exceeded"), g_docs,
                               gg("08-error-412-condition-not-met"), gg("07-error-409-already-exists"),
                               gg("10-error-403-change-over-limits")))

# ---- azure -------------------------------------------------------------------------------------
def az(stem, subs=()):
    return rec("azure", stem, subs)


a_token = az("01-token-client-credentials")
a_docs = az("03-put-cname-create", [('"docs.example.com"', '"docs.example.com."')])
a_txt = (200, json.dumps({"id": "/subscriptions/sub-1/resourceGroups/rg-dns/providers/Microsoft.Network/dnszones/"
                                "full4ir.tk/TXT/_planb-rehearsal", "name": "_planb-rehearsal",
                          "type": "Microsoft.Network/dnszones/TXT", "etag": "e-txt-1",
                          "properties": {"fqdn": "_planb-rehearsal.full4ir.tk.", "TTL": 60,
                                         "TXTRecords": [{"value": ["old"]}, {"value": ["a", "b"]}]}}),
         {"Content-Type": "application/json; charset=utf-8", "ETag": "e-txt-1"})
put("azure", "recorded_zone", script(a_token, az("12-error-record-set-not-found"), az("05-list-recordsets-by-zone"),
                                     az("07-get-cname-with-metadata")))
put("azure", "cname_then_swap", script(a_token, a_docs, a_docs, a_docs))
put("azure", "absent_then_create", script(a_token, az("12-error-record-set-not-found"), az("04-list-cname-empty"),
                                          az("12-error-record-set-not-found"), az("04-list-cname-empty"), a_docs))
# read (token, the CNAME); replace (GET, PUT with If-Match); the batch (the zone's listing, its PUTs);
# readTxt (GET), writeTxt (GET, PUT), deleteTxt (DELETE); the zone's name servers.
put("azure", "rehearsal", script(a_token, a_docs, a_docs, a_docs, az("05-list-recordsets-by-zone"), a_docs,
                                 a_docs, a_txt, a_txt, a_txt, az("11-delete-txt"), az("06-get-zone")))
put("azure", "errors", script(az("02-token-error-invalid-scope"), a_token, az("08-error-cname-beside-another-type"),
                              az("10-error-precondition-failed"), az("09-error-invalid-domain-name"),
                              (429, '{"error":{"code":"TooManyRequests","message":"throttled"}}',
                               {"Retry-After": "7", "Content-Type": "application/json"})))

# ---- webhook -----------------------------------------------------------------------------------
def wh(stem, subs=()):
    return rec("webhook", stem, subs)


w_neg = wh("01-negotiate-domain-filter", [("foo.bar.com", "example.com")])
w_cname = (200, json.dumps([{"dnsName": "test.example.com", "targets": ["app.aws.example.net"], "recordType": "CNAME",
                             "recordTTL": 60},
                            {"dnsName": "_planb-rehearsal.example.com", "targets": ["\"old\"", "two"],
                             "recordType": "TXT", "recordTTL": 60}]) + "\n",
           {"Content-Type": "application/external.dns.webhook+json;version=1"})
w_adjust = (200, json.dumps([{"dnsName": "test.example.com", "targets": ["backup.example.net"], "recordType": "CNAME",
                              "recordTTL": 300}]) + "\n",
            {"Content-Type": "application/external.dns.webhook+json;version=1"})
put("webhook", "recorded", script(w_neg, wh("02-get-records"), wh("02-get-records"), wh("05-adjustendpoints"),
                                  wh("03-post-records-create")))
put("webhook", "cname_then_swap", script(w_neg, w_cname, w_cname, w_adjust, wh("03-post-records-create"), w_cname))
put("webhook", "rehearsal", script(w_neg, w_cname, w_cname, w_adjust, wh("04-post-records-mixed-case-keys"),
                                   w_cname, w_adjust, wh("03-post-records-create"), w_cname, w_cname,
                                   wh("05-adjustendpoints"), wh("03-post-records-create"), w_cname,
                                   wh("03-post-records-create"), w_neg))
put("webhook", "errors", script(wh("06-records-unsupported-accept"), w_neg, wh("07-records-post-without-content-type"),
                                wh("08-adjustendpoints-empty-body"), (500, "internal")))
