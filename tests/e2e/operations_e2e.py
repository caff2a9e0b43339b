"""End-to-end: an operator steers a running planbd with planbctl (pin, drain, freeze, history).

usage: operations_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import pwd
import sys
import threading
import time
import urllib.request

from world import A_TARGET, B_TARGET, World, run_scenario, wait_for

# Failover must land within interval x fall + 2 s of the vendor's death.
FAILOVER_BOUND = World.INTERVAL * World.FALL + 2.0
WWW = "www.example.test"


def serves(world, target):
    return world.named.cname() == target


def hold_for(seconds, what, check):
    """Asserts that `check` stays true for a whole window: the way to show that nothing happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), what
        time.sleep(0.1)


def ok(result):
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result


def status(world):
    return json.loads(ok(world.ctl("--json", "status")).stdout)


def health(world, target):
    return next(t["health"] for t in status(world)["targets"] if t["name"] == target)


def history(world, limit=50):
    return json.loads(ok(world.ctl("--json", "history", "--limit", str(limit))).stdout)["entries"]


def metric(world, name):
    code, text = world.http_get("/metrics")
    assert code == 200
    for line in text.splitlines():
        if line.startswith(name):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")


def me():
    return pwd.getpwuid(os.getuid()).pw_name


def scenario_failover_to_an_unhealthy_target_is_refused_without_force(world):
    world.wait_verdicts()
    world.stop_vendor("b")
    wait_for("vendor-b unhealthy", lambda: health(world, "vendor-b") == "unhealthy", 5)
    refused = world.ctl("failover", WWW, "--to", "vendor-b", "--reason", "drill")
    assert refused.returncode == 1, refused
    assert "vendor-b is unhealthy" in refused.stderr and "--force" in refused.stderr, refused
    hold_for(1.5, "a refused failover changed DNS", lambda: serves(world, A_TARGET))
    forced = ok(world.ctl("failover", WWW, "--to", "vendor-b", "--force", "--reason",
                          "b is fine, its probe is not"))
    assert "pinned www.example.test. to vendor-b" in forced.stdout, forced.stdout
    wait_for("the forced pin in DNS", lambda: serves(world, B_TARGET), 3)
    entries = history(world)
    actions = [(e.get("action"), e.get("result"), e.get("user"), e.get("reason"))
               for e in entries if e["type"] == "operator"]
    assert actions[:2] == [("failover", "ok", me(), "b is fine, its probe is not"),
                           ("failover", "refused", me(), "drill")], actions
    change = next(e for e in entries if e["type"] == "dns_change")
    assert (change["record"], change["provider"], change["from"], change["to"], change["result"]) \
        == ("www.example.test.", "bind", A_TARGET, B_TARGET, "ok"), change
    assert "pinned" in change["reason"], change
    human = ok(world.ctl("history", "--limit", "3")).stdout
    assert "dns-change" in human and "b is fine, its probe is not" in human, human


def scenario_a_pin_beats_automation(world):
    world.wait_verdicts()
    ok(world.ctl("failover", WWW, "--to", "vendor-b", "--reason", "move before maintenance"))
    wait_for("the pin in DNS", lambda: serves(world, B_TARGET), 3)
    # Automation would fail back to A (healthy, first in the list, failback_after 3s).
    hold_for(4, "automation undid a pin", lambda: serves(world, B_TARGET))
    record = status(world)["records"][0]
    assert record["rule"] == "pinned", record
    pins = status(world)["overrides"]["pins"]
    assert [(p["record"], p["target"], p["user"]) for p in pins] == [
        ("www.example.test.", "vendor-b", me())], pins
    assert metric(world, 'planb_overrides{kind="pin"}') == 1
    human = ok(world.ctl("status")).stdout
    assert "www.example.test. -> vendor-b" in human and "move before maintenance" in human, human
    # Even the pinned target's death does not move a pinned record.
    world.stop_vendor("b")
    wait_for("vendor-b unhealthy", lambda: health(world, "vendor-b") == "unhealthy", 5)
    hold_for(1, "automation moved a pinned record", lambda: serves(world, B_TARGET))
    released = ok(world.ctl("release", WWW))
    assert "released" in released.stdout, released.stdout
    wait_for("automation to move it back to A", lambda: serves(world, A_TARGET), 3)
    assert metric(world, 'planb_overrides{kind="pin"}') == 0
    again = ok(world.ctl("release", WWW))
    assert "nothing to release" in again.stdout, again.stdout
    unknown = world.ctl("release", "nope.example.test")
    assert unknown.returncode == 1 and "no record nope.example.test" in unknown.stderr, unknown


def scenario_drain_moves_records_away(world):
    world.wait_verdicts()
    ok(world.ctl("drain", "vendor-a", "--reason", "vendor-a maintenance"))
    wait_for("the drain to move the record", lambda: serves(world, B_TARGET), 3)
    target = next(t for t in status(world)["targets"] if t["name"] == "vendor-a")
    assert target["drained"] and target["health"] == "healthy", target
    assert metric(world, 'planb_overrides{kind="drain"}') == 1
    ok(world.ctl("undrain", "vendor-a"))
    # Back by the failback policy: auto after failback_after (3s).
    wait_for("failback after undrain", lambda: serves(world, A_TARGET), 6)
    assert world.ctl("drain", "vendor-z").returncode == 1


def scenario_freeze_holds_changes_while_a_vendor_dies_and_unfreeze_applies_them(world):
    world.wait_verdicts()
    ok(world.ctl("freeze", "--reason", "incident 42: hands off"))
    assert metric(world, "planb_frozen") == 1
    assert status(world)["overrides"]["freeze"]["reason"] == "incident 42: hands off"
    world.stop_vendor("a")
    wait_for("vendor-a unhealthy", lambda: health(world, "vendor-a") == "unhealthy", 5)
    hold_for(2, "a frozen planbd changed DNS", lambda: serves(world, A_TARGET))
    record = status(world)["records"][0]
    assert record["rule"] == "frozen" and record["desired"] == "vendor-b", record
    ok(world.ctl("unfreeze"))
    wait_for("the held change after unfreeze", lambda: serves(world, B_TARGET), 2)
    assert metric(world, "planb_frozen") == 0


def scenario_expiry_hands_control_back_to_automation(world):
    world.wait_verdicts()
    ok(world.ctl("failover", WWW, "--to", "vendor-b", "--for", "2s", "--reason", "short test"))
    wait_for("the pin in DNS", lambda: serves(world, B_TARGET), 3)
    pin = status(world)["overrides"]["pins"][0]
    assert pin["expires_unix_time"] - time.time() <= 2, pin
    # 2 s of pin, then failback_after (3 s) on the healthy first target.
    wait_for("automation to take back the record", lambda: serves(world, A_TARGET), 8)
    assert status(world)["overrides"]["pins"] == []
    expired = next(e for e in history(world) if e.get("action") == "expire")
    assert expired["user"] == "planbd" and expired["record"] == "www.example.test.", expired
    assert "short test" in expired["reason"], expired


def scenario_overrides_survive_kill9(world):
    world.wait_verdicts()
    ok(world.ctl("drain", "vendor-a", "--for", "1h", "--reason", "long maintenance"))
    ok(world.ctl("freeze", "--reason", "change freeze"))
    wait_for("the drain in DNS", lambda: serves(world, B_TARGET), 3)
    before = status(world)["overrides"]
    world.planbd.kill9()
    world.planbd.start()
    wait_for("planbd back", lambda: world.ctl("status").returncode == 0, 10)
    assert status(world)["overrides"] == before
    world.wait_verdicts()
    hold_for(2, "a restart with a drain moved the record back",
             lambda: serves(world, B_TARGET))
    # A pin whose time runs out while planbd is down is gone when it starts again.
    ok(world.ctl("unfreeze"))
    ok(world.ctl("undrain", "vendor-a"))
    ok(world.ctl("failover", WWW, "--to", "vendor-b", "--for", "1s", "--reason", "brief"))
    world.planbd.kill9()
    time.sleep(1.2)  # the pin's time runs out while nobody watches
    world.planbd.start()
    wait_for("planbd back", lambda: world.ctl("status").returncode == 0, 10)
    assert status(world)["overrides"]["pins"] == []
    assert any(e.get("action") == "expire" for e in history(world))
    wait_for("automation back on A", lambda: serves(world, A_TARGET), 10)
    actions = [e.get("action") for e in history(world) if e["type"] == "operator"]
    for action in ("drain", "freeze", "unfreeze", "undrain", "failover", "expire"):
        assert action in actions, (action, actions)


def scenario_another_user_cannot_change_anything(world):
    if os.getuid() != 0:
        print("skipped: switching to another uid needs root")
        sys.exit(77)
    world.wait_verdicts()
    os.chmod(world.dir, 0o755)  # only the socket's own 0660 mode keeps others out
    nobody = pwd.getpwnam("nobody").pw_uid
    before = len(history(world))
    for args in (["freeze"], ["drain", "vendor-a"], ["failover", WWW, "--to", "vendor-b"],
                 ["reload"], ["status"]):
        result = world.ctl(*args, user=nobody)
        assert result.returncode == 3, (args, result)
        assert "Permission denied" in result.stderr or "permission denied" in result.stderr, result
    assert status(world)["overrides"] == {"pins": [], "drains": [], "frozen": False,
                                          "freeze": None}
    assert len(history(world)) == before
    hold_for(1, "another user changed DNS", lambda: serves(world, A_TARGET))


def scenario_history_of_a_large_audit_log_never_stalls_healthz(world):
    """audit.jsonl is never rotated: 36 MB of it, and 50 history requests with 50 distinct limits
    (each once a separate cache entry that parsed the whole file, 25 s in all) must leave /healthz
    answering at once."""
    world.wait_verdicts()
    assert world.planbd.stop() == 0
    padding = "x" * 240
    with open(os.path.join(world.state_dir, "audit.jsonl"), "a") as f:
        for n in range(120_000):
            f.write(f'{{"time":"2026-01-01T00:00:00.000Z","type":"operator","action":"freeze",'
                    f'"user":"old","n":{n},"reason":"{padding}"}}\n')
    world.planbd.start()
    wait_for("planbd back", lambda: world.ctl("status").returncode == 0, 10)
    answers = {}

    def history_of(limit):
        url = f"http://127.0.0.1:{world.metrics_port}/v1/history?limit={limit}"
        with urllib.request.urlopen(url, timeout=30) as reply:
            answers[limit] = len(json.loads(reply.read())["entries"])

    readers = [threading.Thread(target=history_of, args=(limit,)) for limit in range(1, 51)]
    for reader in readers:
        reader.start()
    slowest = 0.0
    while any(reader.is_alive() for reader in readers):
        started = time.monotonic()
        assert world.http_get("/healthz")[0] == 200
        slowest = max(slowest, time.monotonic() - started)
    for reader in readers:
        reader.join()
    assert answers == {limit: limit for limit in range(1, 51)}, answers
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s while history was read"


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    world = World(planbd)
    run_scenario(scenario, run, world)


if __name__ == "__main__":
    main()
