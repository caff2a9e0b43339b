"""Fault injection: a reload storm during a failover. While vendor A dies and planbd fails over,
an operator reloads as fast as planbctl answers, every other reload with a configuration that does
not validate (SIGHUPs in between). Each bad one must be refused with the old configuration kept
running, no good one may reset what planbd knows (health, hold-down: "a reload never changes DNS
by itself"), and the failover must still land once, everywhere, in time.

usage: reload_faults.py PLANBD reload_storm_during_a_failover

(tests/e2e has the single invalid reload; this adds the storm and the failover under it.)"""

import signal
import threading
import time

from faultworld import (B_TARGET, PROVIDERS, FaultWorld, hold_for, main, wait_for)

# The failover's own bound (interval x fall + 2 s) plus 1 s for a loaded machine under the storm.
FAILOVER_BOUND = FaultWorld.INTERVAL * FaultWorld.FALL + 3.0
STORM_SECONDS = 8.0


def scenario_reload_storm_during_a_failover(world):
    world.wait_verdicts()
    good = open(world.config_path).read()
    bad = good.replace("fall     = 3", "fall     = 3\nfal = 4")
    counts = {"ok": 0, "refused": 0, "other": []}
    stop = threading.Event()

    def storm():
        n = 0
        while not stop.is_set():
            with open(world.config_path, "w") as f:
                f.write(bad if n % 2 else good)
            if n % 4 == 3:
                world.planbd.signal(signal.SIGHUP)  # a bad config by SIGHUP: refused, logged
                counts["refused"] += 1
            else:
                result = world.ctl("reload")
                want = 1 if n % 2 else 0
                if result.returncode == want:
                    counts["ok" if want == 0 else "refused"] += 1
                else:
                    counts["other"].append((n, result.returncode, result.stderr.strip()))
            n += 1
            time.sleep(0.05)
        with open(world.config_path, "w") as f:
            f.write(good)

    thread = threading.Thread(target=storm, daemon=True)
    thread.start()
    time.sleep(1.0)  # the storm is on before the vendor dies
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("every provider to serve vendor B under the reload storm",
             lambda: set(world.served().values()) == {B_TARGET}, FAILOVER_BOUND + 5)
    took = time.monotonic() - killed
    # The storm goes on past the failover: no reload may move the record back or again.
    # STORM_SECONDS covers several hold_down (1 s) and failback_after (3 s) periods.
    hold_for(max(0.0, STORM_SECONDS - took), "a reload moved the record again",
             lambda: set(world.served().values()) == {B_TARGET})
    stop.set()
    thread.join(10)
    assert not counts["other"], f"reloads answered unexpectedly: {counts['other']}"
    assert counts["ok"] >= 5 and counts["refused"] >= 5, counts
    world.assert_alive("after the reload storm")
    log = world.planbd.log()
    refused_logged = log.count("reload refused")
    assert refused_logged >= counts["refused"] - 1, (refused_logged, counts)
    assert world.metric_sum("planb_failovers_total") == 1, "more than one failover"
    assert world.ctl("reload").returncode == 0
    record = world.status()["records"][0]
    assert record["served"] == "vendor-b", record
    print(f"FIGURES reload_storm reloads_ok={counts['ok']} reloads_refused={counts['refused']} "
          f"failover_s={took:.2f} failovers=1 providers={len(PROVIDERS)}")
    assert took <= FAILOVER_BOUND, f"failover took {took:.2f}s under the storm"


if __name__ == "__main__":
    main(globals(), lambda planbd, scenario: FaultWorld(planbd, hold_down="1s", resync="3s"))
