"""End to end, issue 14: 200 records on a dead vendor move on all five providers (BIND9,
PowerDNS, and the Cloudflare, Route 53 and Alibaba DNS fakes), and no provider is ever sent more
than its request ceiling. Every request planbd sends a provider is metered on its way
(mass_world.py), so the counts are what the provider saw.

usage: mass_failover_e2e.py PLANBD [RECORDS]"""

import sys
import time

from mass_world import PROVIDERS, MassWorld, max_in_window, request_report, route53_pending_args
from world import B_TARGET, run_scenario

RECORDS = 200

# Writes per provider for the whole failover: rfc2136 sends one UPDATE, PowerDNS one PATCH,
# Route 53 one ChangeBatch and Cloudflare one batch call for the 200 (FEW_WRITES leaves room for
# a split or a rebuilt batch); Alibaba DNS has no batch call, so it stays at one write per record,
# sent in parallel within its ceiling.
WRITES_BATCHED = True
FEW_WRITES = 4

# How long a Route 53 change stays PENDING: planbd tracks it and never waits for it.
ROUTE53_PENDING_S = 5

# Start-up reads every record on every provider (Route 53: 200 reads at 5/s before batched
# reads), then the failover itself. Both bounds are far above what batching should take: the
# figures printed are the measure, these only stop a run that hangs.
READY_TIMEOUT_S = 120
FAILOVER_TIMEOUT_S = 240


def wait_all_moved(world, started, timeout):
    """Polls every provider until it serves vendor B for every record; returns the seconds from
    STARTED (monotonic) at which each provider got there."""
    left = {p: set(world.names) for p in PROVIDERS}
    done = {}
    deadline = started + timeout
    while left:
        served = world.serving(B_TARGET, left)
        now = time.monotonic()
        for provider, names in served.items():
            left[provider] -= names
            if not left[provider]:
                done[provider] = now - started
                del left[provider]
        if left and now > deadline:
            raise AssertionError(
                f"after {timeout} s, still on vendor A: " +
                ", ".join(f"{p} {len(n)} of {len(world.names)}" for p, n in left.items()))
        time.sleep(0.2)
    return done


def scenario_mass_failover(world):
    start = time.monotonic()
    world.wait_verdicts()
    world.wait_all_in_sync(READY_TIMEOUT_S)
    ready = time.monotonic()
    print(f"every record read and in sync on every provider {ready - start:.1f} s after start")

    world.stop_vendor("a")
    moved = wait_all_moved(world, ready, FAILOVER_TIMEOUT_S)
    report = request_report(world, since=ready)
    print(f"{'provider':<11} {'all moved':>9} {'requests':>8} {'writes':>6} {'max/s':>5}  ceiling")
    for p in PROVIDERS:
        r = report[p]
        print(f"{p:<11} {moved[p]:>8.1f}s {r['requests']:>8} {r['writes']:>6} "
              f"{r['max_per_s']:>5}  {r['ceiling']}")
    for fake in ("cloudflare", "route53", "alidns"):
        stats = getattr(world.api, fake).control("GET", "/_fake/stats")
        if stats is not None:
            print(f"{fake} fake's own counters: {stats}")
    print(f"the whole run took {time.monotonic() - start:.1f} s")

    for p in PROVIDERS:
        assert report[p]["beyond_ceiling"] == 0, (
            f"{p} was sent {report[p]['beyond_ceiling']} requests beyond its ceiling "
            f"({report[p]['ceiling']})")
    cloudflare = [r["t"] for r in world.requests("cloudflare")]
    assert max_in_window(cloudflare, 300) <= 1200, "Cloudflare was sent over 1,200 in 5 minutes"
    for p in PROVIDERS:
        writes = report[p]["writes"]
        if WRITES_BATCHED and p != "alidns":
            assert writes <= FEW_WRITES, f"{p} got {writes} writes for {len(world.names)} records"
        else:
            assert writes <= len(world.names) * 11 // 10, (
                f"{p} got {writes} writes for {len(world.names)} records")


def main():
    planbd = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else RECORDS
    world = MassWorld(planbd, count, fake_args={"route53": route53_pending_args(ROUTE53_PENDING_S)})
    run_scenario("mass_failover_moves_every_record_within_every_ceiling", scenario_mass_failover,
                 world)


if __name__ == "__main__":
    main()
