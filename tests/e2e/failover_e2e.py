"""End-to-end: planbd against a real BIND9 and vendor endpoints on loopback.

usage: failover_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import sys
import time

from world import A_TARGET, B_TARGET, World, wait_for

# Failover must land within interval x fall + 2 s of the vendor's death.
FAILOVER_BOUND = World.INTERVAL * World.FALL + 2.0


def assert_serves(world, target):
    answer = world.named.cname()
    assert answer == target, f"named answers {answer!r}, expected {target!r}"


def hold_for(seconds, what, check):
    """Asserts that `check` stays true for a whole window: the way to show that nothing happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), what
        time.sleep(0.1)


def scenario_start_writes_nothing_before_verdicts(world):
    serial = world.named.soa_serial()
    world.wait_verdicts()
    assert_serves(world, A_TARGET)
    hold_for(2, "a healthy start wrote to DNS", lambda: world.named.soa_serial() == serial)
    assert "writing" not in world.planbd.log(), world.planbd.log()


def scenario_vendor_death_fails_over_within_bound(world):
    world.wait_verdicts()
    assert_serves(world, A_TARGET)
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("named to answer vendor B", lambda: world.named.cname() == B_TARGET,
             FAILOVER_BOUND + 1)
    took = time.monotonic() - killed
    print(f"failover took {took:.2f}s (bound {FAILOVER_BOUND:.1f}s)")
    assert took <= FAILOVER_BOUND, f"failover took {took:.2f}s, bound {FAILOVER_BOUND:.1f}s"
    log = world.planbd.log()
    assert "failover vendor-a -> vendor-b: vendor-a is unhealthy" in log, log
    assert "connect" in log or "refused" in log, log


def scenario_failback_waits_failback_after(world):
    world.wait_verdicts()
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    world.start_vendor("a")
    world.planbd.wait_log(r"health: target vendor-a unhealthy -> healthy", 5)
    healthy_at = time.monotonic()
    hold_for(2.5, "failed back before failback_after", lambda: world.named.cname() == B_TARGET)
    wait_for("failback to A", lambda: world.named.cname() == A_TARGET, 3)
    took = time.monotonic() - healthy_at
    print(f"failback {took:.2f}s after vendor A was healthy again (failback_after 3s)")
    assert 2.9 <= took <= 4.5, took
    assert "failback vendor-b -> vendor-a" in world.planbd.log()


def scenario_both_vendors_down_changes_nothing(world):
    world.wait_verdicts()
    serial = world.named.soa_serial()
    # B (the standby) dies first, so there is nowhere to go when A follows.
    world.stop_vendor("b")
    world.planbd.wait_log(r"target vendor-b healthy -> unhealthy", FAILOVER_BOUND + 1)
    world.stop_vendor("a")
    world.planbd.wait_log(r"degraded", FAILOVER_BOUND + 1)
    hold_for(2, "DNS changed with every vendor down",
             lambda: world.named.soa_serial() == serial and world.named.cname() == A_TARGET)
    assert "fail-static" in world.planbd.log() or "no usable target" in world.planbd.log()


def scenario_flapping_endpoint_never_flips(world):
    world.wait_verdicts()
    serial = world.named.soa_serial()
    world.endpoints["a1"].flap = True
    hold_for(6, "a flapping endpoint moved the record",
             lambda: world.named.soa_serial() == serial)
    assert world.endpoints["a1"].requests >= 8, "the flapping endpoint was hardly probed"
    assert_serves(world, A_TARGET)


def scenario_hand_edit_is_reverted(world):
    world.wait_verdicts()
    world.named.nsupdate(f"update delete www.example.test. CNAME\n"
                         f"update add www.example.test. 30 CNAME hand.edit.example.net.")
    assert world.named.cname() == "hand.edit.example.net."
    edited = time.monotonic()
    wait_for("the hand edit to be reverted", lambda: world.named.cname() == A_TARGET, 3 + 2)
    print(f"hand edit reverted after {time.monotonic() - edited:.2f}s (resync_interval 3s)")
    world.planbd.wait_log(r"drift: www.example.test. serves hand.edit.example.net.", 1)


def scenario_kill9_restart_changes_nothing(world):
    world.wait_verdicts()
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    world.planbd.wait_log(r"verified on every verify server", 2)
    state_path = os.path.join(world.state_dir, "state.json")
    before = json.load(open(state_path))
    assert before["records"]["www.example.test."]["target"] == "vendor-b", before
    serial = world.named.soa_serial()
    world.start_vendor("a")  # A is healthy again when planbd comes back: still no flip at start
    world.planbd.kill9()
    world.planbd.start()
    world.wait_verdicts()
    hold_for(2, "the restart changed DNS", lambda: world.named.soa_serial() == serial)
    assert_serves(world, B_TARGET)
    after = json.load(open(state_path))
    assert after["records"]["www.example.test."]["target"] == "vendor-b", after
    assert "writing" not in world.planbd.log(), world.planbd.log()


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    world = World(planbd)
    try:
        run(world)
    except BaseException:
        world.failed = True
        raise
    finally:
        code = world.close()
    assert code == 0, f"planbd exited {code} on SIGTERM"
    print(f"{scenario}: passed")


if __name__ == "__main__":
    main()
