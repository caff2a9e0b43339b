#!/usr/bin/env python3
"""The Azure DNS fake (tests/fakes/azure_dns_server.py) for end-to-end worlds: Entra ID's token
endpoint and ARM on one free port of 127.0.0.1, the client secret in a file of its own.

    handle = start(directory, "example.test", ["www.example.test."], "primary.example.net.")
    handle.config("azure")   # the [[provider]] block pointing planbd at it
    handle.cnames()          # {"www.example.test.": "primary.example.net."}
    handle.down(); handle.up(); handle.secrets(); handle.stop()

`python3 tests/e2e/fake_azure.py` starts one, seeds it, reads it back and stops it.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import ApiFake, secret_file  # noqa: E402

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "5e2ea7f1-0000-4000-8000-0000000e2e01"
SUBSCRIPTION = "5e2ea7f1-0000-4000-8000-0000000e2e02"
RESOURCE_GROUP = "rg-planb-e2e"
SECRET = "az-e2e-secret~Q7v.9d3f1c"


class AzureHandle:
    def __init__(self, directory, zone, names, initial_target):
        self.zone = zone.lower().rstrip(".")
        d = os.path.join(directory, "azure-fake")
        os.makedirs(d, exist_ok=True)
        self.secret_file = secret_file(d, "azure_client_secret", SECRET)
        self.fake = ApiFake(d, "azure_dns_server.py", [
            "--client-secret-file", self.secret_file, "--tenant", TENANT, "--client-id",
            CLIENT_ID, "--subscription", SUBSCRIPTION, "--resource-group", RESOURCE_GROUP,
            "--zone", self.zone])
        target = initial_target.rstrip(".")
        for name in names:
            self.fake.control("POST", "/_fake/records", {
                "zone": self.zone, "name": self.relative(name), "type": "CNAME",
                "properties": {"TTL": 60, "CNAMERecord": {"cname": target}}})

    def relative(self, name):
        name = name.lower().rstrip(".")
        return "@" if name == self.zone else name[:-len(self.zone) - 1]

    def base(self):
        return f"http://127.0.0.1:{self.fake.port}"

    def config(self, name):
        return f"""
[[provider]]
name               = "{name}"
type               = "azure"
tenant_id          = "{TENANT}"
client_id          = "{CLIENT_ID}"
client_secret_file = "{self.secret_file}"
subscription_id    = "{SUBSCRIPTION}"
resource_group     = "{RESOURCE_GROUP}"
login_endpoint     = "{self.base()}"
endpoint           = "{self.base()}"
"""

    def cnames(self):
        canonical = lambda v: v.lower().rstrip(".") + "."
        out = {}
        for r in self.fake.control("GET", "/_fake/records") or []:
            if r.get("type") == "CNAME" and r.get("cname"):
                name = self.zone if r["name"] == "@" else f"{r['name']}.{self.zone}"
                out[canonical(name)] = canonical(r["cname"])
        return out

    def down(self):
        # Every ARM request a 503, as ARM answers when the resource provider is unavailable.
        self.fake.control("POST", "/_fake/fail", {"count": 1000000, "status": 503})

    def up(self):
        self.fake.control("POST", "/_fake/fail", {"count": 0})

    def secrets(self):
        return [SECRET]

    def stop(self):
        self.fake.stop()


def start(directory, zone, names, initial_target):
    return AzureHandle(directory, zone, names, initial_target)


def _arm_status(handle):
    import urllib.error
    import urllib.request
    url = (f"{handle.base()}/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
           f"/providers/Microsoft.Network/dnsZones/{handle.zone}?api-version=2018-05-01")
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


def _self_test():
    with tempfile.TemporaryDirectory() as directory:
        handle = start(directory, "example.test", ["www.example.test.", "api.example.test."],
                       "primary.example.net.")
        try:
            served = handle.cnames()
            assert served == {"www.example.test.": "primary.example.net.",
                              "api.example.test.": "primary.example.net."}, served
            assert 'type               = "azure"' in handle.config("az")
            handle.down()
            assert _arm_status(handle) == 503
            handle.up()
            assert _arm_status(handle) == 401  # answering again: a request without a token
            assert SECRET in handle.secrets()
        finally:
            handle.stop()
    print("fake_azure: ok")


if __name__ == "__main__":
    _self_test()
