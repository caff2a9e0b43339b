#!/usr/bin/env python3
"""The webhook provider fake (tests/fakes/webhook_provider.py) for the end-to-end tests.

    handle = start(directory, "example.test", ["www.example.test."], "a.example.net.")
    handle.config("hook")   # the [[provider]] block of planbd's configuration
    handle.cnames()         # {"www.example.test.": "a.example.net."} as the fake serves now
    handle.down(); handle.up()
    handle.secrets()        # []: the protocol has no credentials (planbd reaches the provider on
                            # loopback); the provider's own DNS API credentials never reach planbd
    handle.stop()

python3 tests/e2e/fake_webhook.py runs a self-test: starts it, seeds, reads back, stops.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import ApiFake  # noqa: E402


class WebhookHandle:
    def __init__(self, directory, zone, names, initial_target):
        self.zone = zone.rstrip(".")
        self.fake = ApiFake(directory, "webhook_provider.py", ["--domain-filter", self.zone])
        for name in names:
            endpoint = {"dnsName": name.rstrip("."), "targets": [initial_target.rstrip(".")],
                        "recordType": "CNAME", "recordTTL": 60}
            if self.fake.control("POST", "/_fake/records", endpoint) is None:
                raise RuntimeError("the webhook fake refused to seed " + name)

    def config(self, name):
        return (f'[[provider]]\nname = "{name}"\ntype = "webhook"\n'
                f'url = "http://127.0.0.1:{self.fake.port}"\n')

    def cnames(self):
        records = self.fake.control("GET", "/_fake/records")
        if records is None:
            raise RuntimeError("the webhook fake does not answer")
        out = {}
        for e in records:
            if e.get("recordType", "").upper() == "CNAME" and e.get("targets"):
                out[e["dnsName"].lower().rstrip(".") + "."] = \
                    e["targets"][0].lower().rstrip(".") + "."
        return out

    def down(self):
        """Every API request answered 500, as a webhook provider whose DNS API is down answers."""
        self.fake.control("POST", "/_fake/fail", {"count": 10 ** 9})

    def up(self):
        self.fake.control("POST", "/_fake/fail", {"count": 0})

    def secrets(self):
        return []

    def stop(self):
        self.fake.stop()


def start(directory, zone, names, initial_target):
    return WebhookHandle(directory, zone, names, initial_target)


def _self_test():
    import json
    import urllib.request
    media = "application/external.dns.webhook+json;version=1"
    with tempfile.TemporaryDirectory() as directory:
        handle = start(directory, "example.test", ["www.example.test.", "API.example.test."],
                       "a.example.net.")
        try:
            assert handle.cnames() == {"www.example.test.": "a.example.net.",
                                       "api.example.test.": "a.example.net."}, handle.cnames()
            assert 'type = "webhook"' in handle.config("hook")
            base = f"http://127.0.0.1:{handle.fake.port}"
            request = urllib.request.Request(base + "/", headers={"Accept": media})
            with urllib.request.urlopen(request, timeout=5) as reply:
                assert reply.headers["Content-Type"] == media
                assert json.loads(reply.read()) == {"include": ["example.test"]}
            handle.down()
            try:
                urllib.request.urlopen(urllib.request.Request(base + "/records",
                                                              headers={"Accept": media}), timeout=5)
                raise AssertionError("a down fake answered")
            except urllib.error.HTTPError as e:
                assert e.code == 500, e.code
            handle.up()
            with urllib.request.urlopen(urllib.request.Request(
                    base + "/records", headers={"Accept": media}), timeout=5) as reply:
                assert len(json.loads(reply.read())) == 2
        finally:
            handle.stop()
    print("fake_webhook: ok")


if __name__ == "__main__":
    _self_test()
