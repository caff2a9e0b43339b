"""The shape of an API reply, to hold a fake to replies the real service gave.

A shape is a set of paths: "Result.records[].proxied:bool" for JSON, "ListResourceRecordSetsResponse/
ResourceRecordSets/ResourceRecordSet/AliasTarget/DNSName:text" for XML. Values are reduced to
their type, list items are merged (a field any item has is in the shape), so two replies of one
kind have one shape even when their data differ. missing_from(recorded, fake) is what a fake must
still learn: every path the real service's reply has and the fake's lacks.
"""

import json
import xml.etree.ElementTree as ET


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def _json_paths(value, prefix, out):
    kind = _json_type(value)
    out.add("%s:%s" % (prefix or "$", kind))
    if kind == "object":
        for key, item in value.items():
            _json_paths(item, "%s.%s" % (prefix, key) if prefix else key, out)
    elif kind == "array":
        for item in value:
            _json_paths(item, prefix + "[]", out)


def _local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _xml_paths(element, prefix, out):
    path = "%s/%s" % (prefix, _local(element.tag)) if prefix else _local(element.tag)
    children = list(element)
    out.add(path + (":element" if children else ":text"))
    for child in children:
        _xml_paths(child, path, out)


def shape_of(body, content_type=""):
    """The set of typed paths of a JSON or XML reply body (text or bytes); empty for no body."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = body.strip()
    if not text:
        return set()
    out = set()
    if "xml" in content_type or text.startswith("<"):
        _xml_paths(ET.fromstring(text), "", out)
    else:
        _json_paths(json.loads(text), "", out)
    return out


def missing_from(recorded, fake):
    """Paths of RECORDED (a shape) that FAKE lacks, sorted. A field that is null on one side matches
    any type on the other (null says "no value", not another kind), but it must be there."""
    fake_names = {p.rsplit(":", 1)[0] for p in fake}
    missing = []
    for path in sorted(recorded):
        name = path.rsplit(":", 1)[0]
        if name not in fake_names:
            missing.append(path)
        elif not path.endswith(":null") and path not in fake and name + ":null" not in fake:
            missing.append(path)
    return missing


def load_exchange(path):
    """One corpus file: a dict with source, note, request, response and expect."""
    with open(path, encoding="utf-8") as f:
        exchange = json.load(f)
    for key in ("source", "request", "response"):
        if key not in exchange:
            raise ValueError("%s: no %r" % (path, key))
    return exchange
