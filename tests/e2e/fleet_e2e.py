"""End-to-end: fleet mode (product.md §9). A real etcd on loopback and three planbd nodes, each with
its own state_dir, admin socket and metrics port, writing to a real BIND9 and PowerDNS; vendor
endpoints reached through per-node fault proxies (fault_proxy.py).

usage: fleet_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)

Every fleet starts node-1 first, so node-1 leads when a scenario begins; the scenarios still read
the leader from status rather than assume it."""

import json
import os
import pwd
import re
import sys
import time

from fleet import WWW, Fleet, hold_for, nothing_written, ok, run_fleet_scenario, writers_in_log
from world import A_TARGET, B_TARGET, wait_for

RECORD = WWW + "."
# A vendor's death reaches DNS within interval x fall + 2 s on one planbd; in a fleet the views
# also travel through etcd to the leader and its quorum: 2 s more.
FAILOVER_BOUND = Fleet.INTERVAL * Fleet.FALL + 2.0 + 2.0
# A new leader must lead within lease_ttl + 2 s of the old one's death (the bound).
ELECTION_BOUND = Fleet.LEASE_TTL + 2.0


def me():
    return pwd.getpwuid(os.getuid()).pw_name


def view_targets(node, of, status=None):
    return (node.view(of, status) or {}).get("targets") or {}


def scenario_one_node_losing_its_path_moves_nothing(fleet):
    leader = fleet.leader()
    one = fleet.node("node-1")
    print(f"leader: {leader} (node-1 is the one losing its path)")
    serial = fleet.named.soa_serial()
    start = time.monotonic()
    one.cut("a")  # node-1's probes of vendor A go into a blackhole: they time out
    wait_for("node-1 to see vendor-a unhealthy",
             lambda: view_targets(one, "node-1").get("vendor-a") == "unhealthy", Fleet.DETECT)
    print(f"node-1 sees vendor-a unhealthy {time.monotonic() - start:.2f}s after the cut")

    def dissent_everywhere():
        for node in fleet.nodes:
            status = node.status_now()
            if not status:
                return False
            if view_targets(node, "node-1", status).get("vendor-a") != "unhealthy":
                return False
            for other in ("node-2", "node-3"):
                if view_targets(node, other, status) != {"vendor-a": "healthy",
                                                         "vendor-b": "healthy"}:
                    return False
        return True

    wait_for("every node's status to show node-1's dissenting view", dissent_everywhere, 5)
    # node-1 has already reached its verdict: any decision taken on it has the whole detection
    # time (interval x fall) and 2 s more to show up in DNS. Nothing may.
    hold_for(Fleet.DETECT, "one node's lost path moved the record",
             nothing_written(fleet, serial))
    for node in fleet.nodes:
        status = node.status()
        record = node.record(status)
        assert (record["served"], record["desired"]) == ("vendor-a", "vendor-a"), \
            (node.name, record)
        cluster = status["cluster"]
        assert cluster["live_nodes"] == 3 and cluster["etcd_up"], (node.name, cluster)
        dissent = node.view("node-1", status)
        assert dissent["targets"]["vendor-a"] == "unhealthy", (node.name, dissent)
        assert dissent["vendors"]["vendor-a"] == "down", (node.name, dissent)
        for other in ("node-2", "node-3"):
            view = node.view(other, status)
            assert view["vendors"] == {"vendor-a": "up", "vendor-b": "up"}, (node.name, view)
        assert not writers_in_log(node), (node.name, writers_in_log(node))
        # planbctl's human status marks the dissent too.
        human = ok(node.ctl("status")).stdout
        row = next((line for line in human.splitlines() if line.startswith("node-1 ")), "")
        assert "vendor-a ✗ unhealthy" in row and "dissent" in row.lower(), (node.name, human)
    assert fleet.dns_changes() == [], fleet.dns_changes()
    # The path comes back: node-1's view heals, and still nothing was written.
    one.cut("a", "pass")
    wait_for("node-1 to see vendor-a healthy again",
             lambda: view_targets(one, "node-1").get("vendor-a") == "healthy", Fleet.DETECT)
    assert nothing_written(fleet, serial)() is True


def scenario_vendor_death_is_failed_over_once_by_the_leader_alone(fleet):
    leader = fleet.leader()
    followers = [n for n in fleet.nodes if n.name != leader]
    print(f"leader: {leader}")
    serial = fleet.named.soa_serial()
    killed = time.monotonic()
    fleet.stop_vendor("a")
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET),
             FAILOVER_BOUND)
    print(f"failover took {time.monotonic() - killed:.2f}s (bound {FAILOVER_BOUND:.1f}s)")
    # A second writer would act on the same views within the detection time: watch that long.
    hold_for(Fleet.DETECT, "more than one write",
             lambda: (fleet.serves(B_TARGET) and fleet.named.soa_serial() == serial + 1
                      and sum(len(p) for p in fleet.patches().values()) <= 1)
             or (fleet.served(), fleet.named.soa_serial(),
                 {n: len(p) for n, p in fleet.patches().items()}))
    patches = fleet.patches()
    assert {n: len(p) for n, p in patches.items()} == {
        n.name: (1 if n.name == leader else 0) for n in fleet.nodes}, patches
    assert B_TARGET.encode() in patches[leader][0]["body"], patches[leader]
    # The fleet's audit, read on a follower: one change per provider, by the leader alone.
    changes = fleet.dns_changes(followers[0])
    assert sorted((e.get("provider"), e.get("node"), e.get("to"), e.get("result"))
                  for e in changes) == [("bind", leader, B_TARGET, "ok"),
                                        ("pdns", leader, B_TARGET, "ok")], changes
    assert all(e.get("record") == RECORD for e in changes), changes
    wait_for("every node's status to show the leader's decision", lambda: all(
        [r.get("served") for r in (n.status_now() or {}).get("records", [])] == ["vendor-b"]
        for n in fleet.nodes), 5)
    for node in fleet.nodes:
        text = node.metrics()
        leads = node.name == leader
        assert node.metric("planb_cluster_leader", text=text) == (1 if leads else 0), node.name
        assert node.metric("planb_cluster_nodes", text=text) == 3, node.name
        assert node.metric("planb_cluster_etcd_up", text=text) == 1, node.name
        assert node.metric("planb_cluster_leader_changes_total", text=text) is not None, node.name
        if leads:
            assert node.metric("planb_failovers_total",
                               {"record": RECORD, "from": "vendor-a", "to": "vendor-b"},
                               text=text) == 1, text
        else:
            assert not writers_in_log(node), (node.name, writers_in_log(node))


def scenario_killing_the_leader_elects_another_that_still_fails_over(fleet):
    old = fleet.leader()
    dead = fleet.node(old)
    survivors = [n for n in fleet.nodes if n is not dead]
    changes_before = {n.name: n.cluster()["leader_changes"] for n in survivors}
    killed = time.monotonic()
    dead.kill9()
    new = fleet.wait_leader(exclude={old}, among=survivors, timeout=ELECTION_BOUND)
    took = time.monotonic() - killed
    print(f"{old} killed; {new} leads {took:.2f}s later (bound {ELECTION_BOUND:.1f}s)")
    leader = fleet.node(new)
    leader.wait_log(r"cluster: this node leads", 1)
    for node in survivors:
        node.wait_log(rf"cluster: leader is {new}|cluster: this node leads", 2)
    wait_for("the dead node's view to leave the fleet", lambda: all(
        (n.cluster() or {}).get("live_nodes") == 2 for n in survivors), Fleet.LEASE_TTL + 2)
    for node in survivors:
        cluster = node.status()["cluster"]
        assert cluster["leader_changes"] > changes_before[node.name], (node.name, cluster)
        dead_view = node.view(old, node.status())
        assert dead_view is None or not dead_view["live"], (node.name, dead_view)
        assert node.metric("planb_cluster_leader") == (1 if node is leader else 0), node.name
        assert node.metric("planb_cluster_nodes") == 2, node.name
    # Later, vendor A dies for everyone: the new leader fails over, with two live views.
    serial = fleet.named.soa_serial()
    failed = time.monotonic()
    fleet.stop_vendor("a")
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET),
             FAILOVER_BOUND)
    print(f"failover by {new} took {time.monotonic() - failed:.2f}s")
    assert fleet.named.soa_serial() == serial + 1
    changes = fleet.dns_changes(leader)
    assert changes and all(e.get("node") == new for e in changes), changes
    patches = fleet.patches()
    assert {n: len(p) for n, p in patches.items()} == {
        n.name: (1 if n.name == new else 0) for n in fleet.nodes}, patches
    # The old leader comes back: a follower that writes nothing.
    back = time.monotonic()
    offset = dead.log_size()
    dead.start()
    wait_for(f"{old} to rejoin as a follower of {new}", lambda: (
        (dead.cluster() or {}).get("leader") == new and not dead.cluster().get("leading")
        and dead.cluster().get("live_nodes") == 3), 10)
    wait_for(f"{old}'s status to show vendor-b served", lambda: [
        r.get("served") for r in (dead.status_now() or {}).get("records", [])] == ["vendor-b"], 5)
    hold_for(Fleet.DETECT, "the rejoined node wrote or took over",
             lambda: (nothing_written(fleet, serial + 1, B_TARGET, since=back)() is True
                      and fleet.leader(survivors) == new)
             or (fleet.served(), fleet.leader(survivors)))
    assert not writers_in_log(dead, offset), writers_in_log(dead, offset)


def scenario_without_etcd_nobody_writes_and_the_fleet_converges_when_it_returns(fleet):
    serial = fleet.named.soa_serial()
    offsets = {n.name: n.log_size() for n in fleet.nodes}
    stopped = time.monotonic()
    fleet.etcd.stop()
    for node in fleet.nodes:
        node.wait_log(r"cluster: etcd unreachable", Fleet.LEASE_TTL + 3, offsets[node.name])
    wait_for("every node to report etcd down", lambda: all(
        (n.cluster() or {}).get("etcd_up") is False and n.metric("planb_cluster_etcd_up") == 0
        for n in fleet.nodes), Fleet.LEASE_TTL + 3)
    # Nobody may lead once the lease could have run out.
    wait_for("no node to lead", lambda: not any(
        (n.cluster() or {}).get("leading") for n in fleet.nodes), Fleet.LEASE_TTL + 2)
    print(f"etcd down: every node reports it, none leads, {time.monotonic() - stopped:.2f}s")
    for node in fleet.nodes:
        cluster = node.status()["cluster"]
        assert cluster["etcd_error"], (node.name, cluster)
        assert not cluster["leading"], (node.name, cluster)
    # Vendor A dies meanwhile: every node sees it, nobody writes.
    fleet.stop_vendor("a")
    for node in fleet.nodes:
        node.wait_log(r"health: target vendor-a healthy -> unhealthy", Fleet.DETECT,
                      offsets[node.name])
    # Every node has its verdict already; watch for the detection time and 2 s more.
    hold_for(Fleet.DETECT, "a node wrote DNS without etcd", nothing_written(fleet, serial))
    for node in fleet.nodes:
        assert not writers_in_log(node, offsets[node.name]), (node.name, writers_in_log(node))
        record = node.record()
        assert record["served"] == "vendor-a", (node.name, record)
    # etcd returns: a leader is elected and the record converges on vendor B.
    back = time.monotonic()
    fleet.etcd.start()
    for node in fleet.nodes:
        node.wait_log(r"cluster: etcd reachable again", 10, offsets[node.name])
    leader = fleet.wait_leader(timeout=10)
    elected = time.monotonic() - back
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET),
             FAILOVER_BOUND + Fleet.LEASE_TTL)
    print(f"etcd back: {leader} leads after {elected:.2f}s, DNS on B after "
          f"{time.monotonic() - back:.2f}s")
    wait_for("every node to see etcd again", lambda: all(
        (n.cluster() or {}).get("etcd_up") for n in fleet.nodes), 5)
    assert fleet.named.soa_serial() == serial + 1
    changes = fleet.dns_changes()
    assert sorted((e.get("provider"), e.get("node"), e.get("result")) for e in changes) == [
        ("bind", leader, "ok"), ("pdns", leader, "ok")], changes
    patches = fleet.patches()
    assert {n: len(p) for n, p in patches.items()} == {
        n.name: (1 if n.name == leader else 0) for n in fleet.nodes}, patches


def scenario_a_paused_old_leader_is_fenced(fleet):
    """PowerDNS is the zone's only provider here, reached by each node through its own proxy."""
    old = fleet.leader()
    paused = fleet.node(old)
    others = [n for n in fleet.nodes if n is not paused]
    # The old leader's PowerDNS writes are refused, so its failover stays a pending write. The
    # others' too: the next leader would otherwise write vendor B the moment it leads, before the
    # test can pin the record (a race the test must not depend on). Followers do not write.
    for node in fleet.nodes:
        node.pdns_proxy.set_mode("refuse")
    fleet.stop_vendor("a")
    paused.wait_log(r"provider pdns: failed to write", FAILOVER_BOUND)
    wait_for(f"{old}'s failed write in the fleet's audit", lambda: any(
        e.get("node") == old and e.get("result") == "error" and e.get("provider") == "pdns"
        for e in fleet.dns_changes(others[0])), 3)
    tried = paused.pdns_proxy.stats()["refused"]
    assert tried >= 1, paused.pdns_proxy.stats()
    print(f"{old} decided the failover; its writes are refused ({tried} connections reset)")
    paused.pause()
    stopped = time.monotonic()
    new = fleet.wait_leader(exclude={old}, among=others, timeout=ELECTION_BOUND)
    print(f"{old} paused; {new} leads {time.monotonic() - stopped:.2f}s later")
    leader = fleet.node(new)
    pinned = ok(leader.ctl("failover", WWW, "--to", "vendor-a", "--force", "--reason",
                           "test: vendor-a stays while the old leader is paused"))
    print(pinned.stdout.strip())
    wait_for(f"{new} to hold the record on vendor-a", lambda: (
        lambda r: r["rule"] == "pinned" and r["desired"] == "vendor-a")(leader.record()), 3)
    for node in others:
        node.pdns_proxy.set_mode("pass")
    assert fleet.pdns.cname() == A_TARGET
    # The old leader wakes up long past its lease, its write to vendor B still pending.
    paused.pdns_proxy.set_mode("pass")
    offset = paused.log_size()
    resumed = time.monotonic()
    paused.resume()
    # It must learn that it lost its lease and step down, and its pending write must be refused
    # by the fence: watch for a lease_ttl, the detection time and 2 s more.
    hold_for(Fleet.LEASE_TTL + Fleet.DETECT, "the paused old leader's write landed",
             lambda: (fleet.pdns.cname() == A_TARGET and not paused.patches(since=resumed))
             or (fleet.pdns.cname(), paused.patches(since=resumed)))
    log = paused.log(offset)
    assert "cluster: stepping down" in log, log
    print("after the resume, the old leader logged: " + "; ".join(
        re.findall(r"cluster: (?:stepping down|fenced)[^\n]*", log)))
    wait_for(f"{old} to follow {new}", lambda: (
        (paused.cluster() or {}).get("leader") == new and not paused.cluster().get("leading")), 3)
    assert fleet.pdns.cname() == A_TARGET
    assert not paused.patches(since=resumed), paused.patches(since=resumed)
    landed = [e for e in leader.history() if e.get("type") == "dns_change"
              and e.get("node") == old and e.get("result") == "ok"]
    assert not landed, landed
    audit_path = os.path.join(paused.state_dir, "audit.jsonl")
    if os.path.exists(audit_path):
        local = [json.loads(line) for line in open(audit_path) if line.strip()]
        landed = [e for e in local if e.get("type") == "dns_change" and e.get("result") == "ok"]
        assert not landed, landed


def pins_everywhere(fleet, expected):
    def check():
        for node in fleet.nodes:
            status = node.status_now()
            if not status:
                return False
            pins = [(p.get("record"), p.get("target")) for p in status["overrides"]["pins"]]
            if pins != expected:
                return False
        return True
    return check


def operator_entries(node):
    return [(e.get("action"), e.get("node"), e.get("result")) for e in node.history()
            if e.get("type") == "operator"]


def scenario_operator_actions_on_any_node_steer_the_fleet(fleet):
    leader = fleet.leader()
    two, three = [n for n in fleet.nodes if n.name != leader]
    print(f"leader: {leader}; operators act on {two.name} and {three.name}")
    # A pin made on a follower is honoured by the leader.
    mark = time.monotonic()
    pinned = ok(two.ctl("failover", WWW, "--to", "vendor-b", "--reason", "drill from a follower"))
    assert f"pinned {RECORD} to vendor-b" in pinned.stdout, pinned.stdout
    wait_for("BIND and PowerDNS to serve the pin", lambda: fleet.serves(B_TARGET), 3)
    wait_for("every node to show the pin", pins_everywhere(fleet, [(RECORD, "vendor-b")]), 3)
    assert {n: len(p) for n, p in fleet.patches(mark).items()} == {
        n.name: (1 if n.name == leader else 0) for n in fleet.nodes}, fleet.patches(mark)
    # The leader's audit lines reach the fleet's history in etcd with its next poll (≤ 200 ms
    # after the write): wait for them rather than read once.
    entries = wait_for("the leader's DNS changes in the fleet's history on a third node",
                       lambda: (lambda h: h if any(e.get("type") == "dns_change" for e in h)
                                else None)(three.history()), 3)
    pin = next(e for e in entries if e.get("type") == "operator")
    assert (pin.get("action"), pin.get("node"), pin.get("user"), pin.get("reason"),
            pin.get("result")) == ("failover", two.name, me(), "drill from a follower", "ok"), pin
    changes = [e for e in entries if e.get("type") == "dns_change"]
    assert changes and all(e.get("node") == leader for e in changes), changes
    # Released on the third node: automation takes the record back to A (failback_after 2s).
    ok(three.ctl("release", WWW))
    wait_for("every node to drop the pin", pins_everywhere(fleet, []), 3)
    wait_for("automation to take the record back to A", lambda: fleet.serves(A_TARGET), 2 + 3)
    # A freeze on the third node holds the whole fleet while vendor A dies.
    ok(three.ctl("freeze", "--reason", "incident 6: hands off, fleet-wide"))
    wait_for("every node to be frozen", lambda: all(
        ((n.status_now() or {}).get("overrides") or {}).get("frozen")
        and n.metric("planb_frozen") == 1 for n in fleet.nodes), 3)
    for node in fleet.nodes:
        freeze = node.status()["overrides"]["freeze"]
        assert freeze["reason"] == "incident 6: hands off, fleet-wide", (node.name, freeze)
    serial = fleet.named.soa_serial()
    mark = time.monotonic()
    fleet.stop_vendor("a")
    boss = fleet.node(leader)
    wait_for("the leader to want vendor B and hold it back for the freeze", lambda: (
        lambda r: r["desired"] == "vendor-b" and r["rule"] == "frozen")(boss.record()),
        FAILOVER_BOUND)
    # The leader has decided and held back; watch for the detection time and 2 s more.
    hold_for(Fleet.DETECT, "a frozen fleet changed DNS", nothing_written(fleet, serial, since=mark))
    ok(two.ctl("unfreeze"))
    wait_for("the held change after unfreeze on another node", lambda: fleet.serves(B_TARGET), 3)
    assert {n: len(p) for n, p in fleet.patches(mark).items()} == {
        n.name: (1 if n.name == leader else 0) for n in fleet.nodes}, fleet.patches(mark)
    # Audit lines reach the fleet's history in etcd with the acting node's next poll.
    expected = [("unfreeze", two.name, "ok"), ("freeze", three.name, "ok"),
                ("release", three.name, "ok"), ("failover", two.name, "ok")]
    wait_for("every operator action in the fleet's history",
             lambda: operator_entries(three)[:4] == expected, 3)
    ops = operator_entries(three)
    assert ops[:4] == expected, ops
    # Each node shows the fleet's history as its agent last read it: the leader's may be a poll
    # behind the third node's.
    wait_for("the leader to show the same history", lambda: operator_entries(
        fleet.node(leader)) == ops, 2)
    changes = fleet.dns_changes(two)
    assert changes and all(e.get("node") == leader for e in changes), changes


# Scenarios that need a fleet other than the default one.
FLEET_OPTIONS = {
    "a_paused_old_leader_is_fenced": {"providers": ("pdns",)},
    "operator_actions_on_any_node_steer_the_fleet": {"failback_after": "2s"},
}


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    fleet = Fleet(planbd, **FLEET_OPTIONS.get(scenario, {}))
    run_fleet_scenario(scenario, run, fleet)


if __name__ == "__main__":
    main()
