"""Fault injection: every provider type under every fault kind, during a failover.

usage: provider_faults.py PLANBD ROUND     (ROUND: one of KINDS, the fault BIND gets)

One world hosts the zone on all five provider types (BIND9 over rfc2136, PowerDNS, and the
Cloudflare, Route 53 and Alibaba fakes), each behind its own fault proxy. A round gives each
provider a different fault at once (provider i gets KINDS[(i + round) % 6], so over the six rounds
every provider type meets every fault kind once), then kills vendor A. planbd must decide the
failover once and keep running; the providers are then healed one at a time in a random order,
and each must converge to vendor B while the ones not yet healed are still failing: one
provider's trouble never holds back another.

Fault kinds (faultworld.FaultWorld.inject): down (named / pdns_server stopped, API refused),
slow (every byte delayed past the client's timeout), 5xx (SERVFAIL for BIND), 429 (Retry-After
1; REFUSED for BIND), revoked (wrong TSIG key in named, another PowerDNS API key, credentials
revoked at the fakes), malformed (garbage DNS over TCP, truncated JSON / XML)."""

import time

from faultworld import (A_TARGET, B_TARGET, DNS_TIMEOUT, HTTP_TIMEOUT, KINDS, PROVIDERS, FaultWorld,
                        main, seeded_random, wait_for)

# Failover decided within interval x fall + 2 s of the vendor's death.
DECIDE_BOUND = FaultWorld.INTERVAL * FaultWorld.FALL + 2.0
# A healed provider converges after the retry that backoff schedules: at most Backoff.cap (60 s,
# daemon/backoff.hpp) after the last failure, plus one client timeout for an attempt still hung
# on a slow connection. Typical figures are printed and are far smaller.
CONVERGE_BOUND = 60.0 + HTTP_TIMEOUT + 5.0


def assignment(round_kind):
    shift = KINDS.index(round_kind)
    return {p: KINDS[(i + shift) % len(KINDS)] for i, p in enumerate(PROVIDERS)}


def failure_logged(world, provider):
    return f"provider {provider}: failed to" in world.planbd.log()


def run_round(world, round_kind):
    faults = assignment(round_kind)
    print("faults:", ", ".join(f"{p}={k}" for p, k in faults.items()))
    rng = seeded_random(round_kind)
    world.wait_verdicts()
    wait_for("every provider to serve vendor A",
             lambda: set(world.served().values()) == {A_TARGET}, 10)

    for provider, kind in faults.items():
        world.inject(provider, kind)
    injected = time.monotonic()
    world.stop_vendor("a")
    world.planbd.wait_log(r"failover vendor-a -> vendor-b", DECIDE_BOUND + 1)
    decided = time.monotonic() - injected
    print(f"failover decided {decided:.2f}s after vendor A died, every provider faulty")

    # Healed one at a time in a random order (the one with the slow fault last, as its failure
    # only shows after a client timeout): each must converge while those not yet healed are still
    # failing. A provider is healed once it has met its fault (a failure reported for it).
    order = [p for p in PROVIDERS if faults[p] != "slow"]
    rng.shuffle(order)
    order += [p for p in PROVIDERS if faults[p] == "slow"]
    converged = {}
    for n, provider in enumerate(order):
        bound = (HTTP_TIMEOUT if faults[provider] == "slow" else DNS_TIMEOUT) + DECIDE_BOUND + 3
        wait_for(f"planbd to report {provider}'s {faults[provider]} fault",
                 lambda: failure_logged(world, provider), bound)
        if n == 0:
            world.assert_alive("with every provider faulty")
            record = world.status()["records"][0]
            assert record["served"] == "vendor-b", record
        failures = world.planbd.log().count(f"provider {provider}: failed to")
        healed = time.monotonic()
        world.heal(provider, faults[provider])
        wait_for(f"{provider} to converge after its {faults[provider]} fault healed",
                 lambda: world.served()[provider] == B_TARGET, CONVERGE_BOUND, interval=0.1)
        converged[provider] = time.monotonic() - healed
        print(f"healed {provider} ({faults[provider]}, {failures} failure(s) reported): converged "
              f"in {converged[provider]:.2f}s while {', '.join(order[n + 1:]) or 'none'} "
              f"still failing")
        world.assert_alive(f"after {provider} healed")

    served = world.served()
    assert set(served.values()) == {B_TARGET}, served
    for provider in PROVIDERS:
        wait_for(f"planb_record_in_sync{{provider={provider}}} to be 1",
                 lambda: world.metric_sum("planb_record_in_sync", provider=provider) == 1, 10)
    failovers = world.metric_sum("planb_failovers_total")
    assert failovers == 1, f"planb_failovers_total is {failovers}, one failover expected"
    # At most one successful write per provider: a write that timed out at planbd but landed at
    # the server (a slow one) is found by the next read, and not written again.
    written = [e["provider"] for e in world.audit()
               if e.get("type") == "dns_change" and e["result"] == "ok"]
    assert len(written) == len(set(written)) and set(written) <= set(PROVIDERS), written
    print(f"FIGURES round={round_kind} faults_injected={len(faults)} failovers={failovers:.0f} "
          f"decided_s={decided:.2f} "
          + " ".join(f"converge_{p}_{faults[p]}_s={converged[p]:.2f}" for p in PROVIDERS))


def make_scenarios():
    for kind in KINDS:
        globals()[f"scenario_{kind}"] = lambda world, kind=kind: run_round(world, kind)


make_scenarios()

if __name__ == "__main__":
    main(globals(), lambda planbd, scenario: FaultWorld(planbd, hold_down="1s", resync="3s"))
