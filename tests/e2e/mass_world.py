"""A world for mass failover (issue 14): many records on vendor A, written by all five provider
types at once (BIND9 over RFC 2136, PowerDNS's API, and the Cloudflare, Route 53 and Alibaba DNS
fakes of tests/fakes), with every request planbd sends a provider metered on its way: each
provider is reached through a fault_proxy.py in pass mode (DNS messages for BIND9, HTTP requests
for the others), which stamps each request as it arrives. So the counts and rates below are what
the provider saw, whatever planbd or the fakes count themselves.

Python standard library only."""

import datetime
import os
import re
import subprocess
import sys
import time

import dns_wire
from fault_proxy import FaultProxy
from world import ZONE, ApiFake, World, wait_for

PROVIDERS = ("bind", "pdns", "cloudflare", "route53", "alidns")

# planbd's default request ceilings, (per second, burst): providers/*_provider.hpp.
CEILINGS = {"bind": (100, 1), "pdns": (100, 1), "cloudflare": (1200 / 300, 1200),
            "route53": (5, 1), "alidns": (55, 1)}

# The vendors' documented limits, as (requests, within seconds):
# Route 53 five requests per second per account
#   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests);
# Cloudflare 1,200 per five minutes per user
#   (https://developers.cloudflare.com/fundamentals/api/reference/limits/);
# Alibaba DNS AddDomainRecord / UpdateDomainRecord 60 per second
#   (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-quota).
VENDOR_LIMITS = {"route53": (5, 1), "cloudflare": (1200, 300), "alidns": (60, 1)}

# How late a request may reach the meter behind the moment planbd's ceiling let it go (a thread
# of planbd's, the proxy's, the kernel's, on a loaded machine): the tolerance of the ceiling
# check, as a cell delay variation tolerance is for a policer.
METER_JITTER_S = 0.25

# Listings as large as each vendor documents, so a client reading a zone at once is not made to
# page by the fakes' test defaults (2 records a page): Cloudflare's dns_records per_page maximum
# (https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/),
# Alibaba DNS's DescribeDomainRecords PageSize maximum of 500
# (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomainrecords).
LISTING_ARGS = {"cloudflare": ["--per-page-max", "5000000"], "alidns": ["--page-size-max", "500"]}

LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)")
FAILOVER_LINE = re.compile(r"record (\S+): failover vendor-a -> vendor-b")


def mass_names(count):
    return tuple(f"m{i:04d}.{ZONE}." for i in range(count))


class MassWorld(World):
    """COUNT records m0000.example.test. ... on vendor A, on all five providers, each metered."""

    def __init__(self, planbd_binary, count, fake_args=None, **kwargs):
        args = {fake: LISTING_ARGS.get(fake, []) + list((fake_args or {}).get(fake, ()))
                for fake in ("cloudflare", "route53", "alidns")}
        # A resync re-reads every record: none during the measurement.
        kwargs.setdefault("resync", "1h")
        super().__init__(planbd_binary, with_pdns=True, with_api_fakes=True,
                         names=mass_names(count), fake_args=args, **kwargs)

    def servers_started(self):
        self.meters = {
            "bind": FaultProxy(self.named.port, name="meter-bind", protocol="dns").start(),
            "pdns": FaultProxy(self.pdns.api_port, name="meter-pdns").start(),
        }
        for fake in ("cloudflare", "route53", "alidns"):
            self.meters[fake] = FaultProxy(getattr(self.api, fake).port,
                                           name=f"meter-{fake}").start()
            self.api.ports[fake] = self.meters[fake].port
        self.bind_port = self.meters["bind"].port
        self.pdns_api_port = self.meters["pdns"].port

    def close(self):
        try:
            return super().close()
        finally:
            for meter in self.meters.values():
                meter.stop()

    # ---- what is served ----

    def serving(self, target, among):
        """{provider: the names it serves as a CNAME to TARGET}, for AMONG, {provider: names}:
        BIND9 and PowerDNS asked over DNS, the fakes through their control endpoints."""
        return {p: set(names) for p, names in self.serving_since(target, among).items()}

    def serving_since(self, target, among):
        """{provider: {name: time.monotonic() its answer came}} for the names of AMONG it serves as
        a CNAME to TARGET: a DNS server's name stamped when its own answer arrived (an upper bound
        of when it was served, however long the other queries took), a fake's when its listing
        did."""
        fakes = self.api.cnames() if set(among) & {"cloudflare", "route53", "alidns"} else {}
        listed = time.monotonic()
        found = {}
        for provider, names in among.items():
            received = {}
            if provider in ("bind", "pdns"):
                port = self.named.port if provider == "bind" else self.pdns.port
                answers = dns_wire.cnames(port, names, received=received)
            else:
                answers = fakes[provider]
            found[provider] = {n: received.get(n, listed) for n in names
                               if answers.get(n) == target}
        return found

    def in_sync(self):
        """{provider: how many records planbd reports in sync there (planb_record_in_sync)}."""
        status, text = self.http_get("/metrics")
        counts = dict.fromkeys(PROVIDERS, 0)
        for labels, value in re.findall(r"^planb_record_in_sync\{([^}]*)\} (\S+)$", text, re.M):
            provider = re.search(r'provider="([^"]*)"', labels).group(1)
            if float(value) == 1 and provider in counts:
                counts[provider] += 1
        return counts

    def wait_all_in_sync(self, timeout):
        """Waits until planbd has read every record on every provider and found it in sync."""
        return wait_for(f"all {len(self.names)} records in sync on every provider",
                        lambda: all(c == len(self.names) for c in self.in_sync().values()),
                        timeout, interval=0.5)

    def failover_decisions(self):
        """The wall-clock times of planbd's "failover vendor-a -> vendor-b" lines, by record."""
        times = {}
        for line in self.planbd.log().splitlines():
            m = FAILOVER_LINE.search(line)
            stamp = LOG_STAMP.match(line)
            if m and stamp:
                times.setdefault(m.group(1), datetime.datetime.fromisoformat(
                    stamp.group(1)).replace(tzinfo=datetime.timezone.utc).timestamp())
        return times

    # ---- what each provider was sent ----

    def requests(self, provider, since=None):
        return self.meters[provider].requests(since=since)


def is_write(provider, request):
    """Whether a metered request changes records (reads, listings, polls do not)."""
    if provider == "bind":
        return request["method"] == "UPDATE"
    if provider == "alidns":
        text = request["path"] + "&" + request["body"].decode("latin-1")
        return re.search(r"Action=(Add|Update|Delete)DomainRecord", text) is not None
    return request["method"] in ("POST", "PATCH", "PUT", "DELETE")


def max_in_window(times, window):
    """The most of TIMES (seconds) that fall within any WINDOW seconds [t, t + window)."""
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def beyond_ceiling(times, per_second, burst, jitter=METER_JITTER_S):
    """The requests of TIMES that a token bucket of PER_SECOND and BURST could not have let go,
    allowing each to arrive up to JITTER late (the generic cell rate algorithm with that
    tolerance): [] when planbd kept within its ceiling."""
    interval = 1.0 / per_second
    tolerance = (burst - 1) * interval + jitter
    theoretical = None
    beyond = []
    for t in sorted(times):
        if theoretical is None or t >= theoretical:
            theoretical = t + interval
        elif t >= theoretical - tolerance:
            theoretical += interval
        else:
            beyond.append(t)
    return beyond


def request_report(world, since=None):
    """Per provider: requests and writes sent (since SINCE, monotonic), the most within any
    second, and the ceiling check over the whole run."""
    report = {}
    for provider in PROVIDERS:
        every = world.requests(provider)
        window = [r for r in every if since is None or r["t"] >= since]
        rate, burst = CEILINGS[provider]
        limit = VENDOR_LIMITS.get(provider)
        report[provider] = {
            "requests": len(window),
            "writes": sum(1 for r in window if is_write(provider, r)),
            "max_per_s": max_in_window([r["t"] for r in window], 1.0),
            "beyond_ceiling": len(beyond_ceiling([r["t"] for r in every], rate, burst)),
            "ceiling": f"{rate:g}/s, burst {burst:g}",
            "vendor_limit": f"{limit[0]} per {limit[1]} s" if limit else None,
            "most_in_vendor_window": max_in_window([r["t"] for r in every], limit[1])
            if limit else None,
            # the same, the window shortened by the meter's jitter: a request sent right as the
            # vendor's window lets it may reach the meter a little early against an older one
            "most_in_vendor_window_less_jitter": max_in_window(
                [r["t"] for r in every], limit[1] - METER_JITTER_S) if limit else None,
        }
    return report


def route53_pending_args(seconds):
    """The Route 53 fake's arguments for a change that stays PENDING about SECONDS: its
    --pending-seconds where it has one, else --pending-polls, planbd polling once a second."""
    usage = subprocess.run([sys.executable, os.path.join(ApiFake.FAKES, "route53_server.py"),
                            "--help"], capture_output=True, text=True).stdout
    if "--pending-seconds" in usage:
        return ["--pending-seconds", f"{seconds:g}"]
    return ["--pending-polls", str(round(seconds))]
