"""Fault injection on a fleet (issue 8, "fleet faults"; product.md §9): etcd partitioned from one
follower, from the leader, from every node; etcd restarted under a pending failover; one node's wall
clock skewed; the leader paused past its lease five times; the leader's keepalives silenced while
its lease is revoked, so the fence's etcd transaction itself refuses its write.

usage: fleet_faults.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)

Built on tests/e2e/fleet.py: etcd, BIND9, PowerDNS and three planbd nodes, each reaching etcd, every
vendor endpoint and the PowerDNS API through its own fault proxy. A Watch thread reads the leader
key straight from etcd every 100 ms, so every PATCH a node sent to PowerDNS can be checked against
who held the key then. Every scenario ends with one line `FIGURES scenario=... key=value ...`:
faults injected, writes per node (PATCHes seen by its PowerDNS proxy; dns_change ok entries in the
fleet's audit), false flips (records moved while no vendor failure was fleet-wide: must be 0),
double writers (a write by a node that did not hold the leader key around it: must be 0) and
convergence times after healing. PLANB_FAULT_SEED replays the random pause lengths."""

import base64
import glob
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from fleet import (WWW, Fleet, b64, hold_for, http_json, nothing_written, ok,  # noqa: E402
                   run_fleet_scenario, writers_in_log)
from world import A_TARGET, B_TARGET, wait_for  # noqa: E402

TTL = Fleet.LEASE_TTL
# A vendor's death reaches DNS within interval x fall + 2 s on one planbd, + 2 s through etcd.
FAILOVER_BOUND = Fleet.INTERVAL * Fleet.FALL + 2.0 + 2.0
ELECTION_BOUND = TTL + 2.0
# planbd's etcd requests give up after min(1 s, lease_ttl / 3) (daemon.cpp, startFleet).
REQUEST_TIMEOUT = min(1.0, TTL / 3)
# After a heal: etcd is polled every 200 ms; a node re-grants its lease, publishes its view and
# (if nobody leads) campaigns; a pending write waits out its provider backoff. Loaded CI: generous.
CONVERGE_BOUND = 15.0


class Watch:
    """Reads the leader key from etcd (directly, never through a node's proxy) every 100 ms:
    [(monotonic time, holder or None)]; nothing is recorded while etcd does not answer."""

    def __init__(self, fleet):
        self.fleet = fleet
        self.samples = []
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def leader_key(self):
        reply = http_json(self.fleet.etcd.url + "/v3/kv/range",
                          {"key": b64(self.fleet.prefix + "leader")}, timeout=1)
        if reply is None:
            return None
        kvs = reply.get("kvs") or []
        if not kvs:
            return {}
        kv = kvs[0]
        return {"node": base64.b64decode(kv["value"]).decode(), "lease": kv.get("lease"),
                "create_revision": int(kv.get("create_revision", 0))}

    def run(self):
        while not self.stopping:
            key = self.leader_key() if self.fleet.etcd.running() else None
            if key is not None:
                self.samples.append((time.monotonic(), key.get("node")))
            time.sleep(0.1)

    def stop(self):
        self.stopping = True
        self.thread.join(3)

    def holders(self, start, end):
        return {node for t, node in self.samples if start <= t <= end and node}

    def double_writers(self, patches):
        """PATCHes by a node that held the leader key at no sample within [t - 1 s, t + 0.3 s]."""
        bad = []
        for node, entries in patches.items():
            for entry in entries:
                if node not in self.holders(entry["t"] - 1.0, entry["t"] + 0.3):
                    bad.append((node, round(entry["t"], 2)))
        return bad


class Figures:
    def __init__(self, scenario, fleet, watch):
        self.scenario = scenario
        self.fleet = fleet
        self.watch = watch
        self.values = {"faults": 0, "false_flips": 0}
        self.converge = []

    def fault(self, n=1):
        self.values["faults"] += n

    def set(self, **kwargs):
        self.values.update(kwargs)

    def report(self):
        fleet = self.fleet
        patches = fleet.patches()
        changes = fleet.dns_changes(fleet.nodes[0])
        oks = {}
        for e in changes:
            if e.get("result") == "ok":
                oks[e.get("node")] = oks.get(e.get("node"), 0) + 1
        double = self.watch.double_writers(patches)
        assert not double, f"writes by nodes that did not lead: {double}"
        words = [f"scenario={self.scenario}", f"faults={self.values.pop('faults')}",
                 "patches=" + ",".join(f"{n}:{len(p)}" for n, p in patches.items()),
                 "dns_change_ok=" + (",".join(f"{n}:{c}" for n, c in sorted(oks.items())) or "0"),
                 f"false_flips={self.values.pop('false_flips')}", f"double_writers={len(double)}"]
        if self.converge:
            words.append("converge_s=" + ",".join(f"{c:.2f}" for c in self.converge))
        words += [f"{k}={v}" for k, v in self.values.items()]
        print("FIGURES " + " ".join(words))


def one_write_per_provider(fleet, serial):
    """A check for hold_for: BIND's serial moved by exactly one and PowerDNS got one PATCH."""
    return lambda: (fleet.named.soa_serial() == serial + 1
                    and sum(len(p) for p in fleet.patches().values()) == 1 or fleet.patches())


def wait_fleet_settled_on_b(fleet):
    """Waits until every node sees etcd and 3 live views, and shows vendor-b served."""
    wait_for("every node to see etcd, 3 live views, vendor-b served", lambda: all(
        (n.cluster() or {}).get("etcd_up") and n.cluster().get("live_nodes") == 3
        for n in fleet.nodes) and served_everywhere(fleet, "vendor-b")(), CONVERGE_BOUND)

def ok_changes(fleet, node=None):
    return [(e.get("provider"), e.get("node"), e.get("to")) for e in fleet.dns_changes(node)
            if e.get("result") == "ok"]


def follows(node, leader, live=3):
    def check():
        cluster = node.cluster() or {}
        return (cluster.get("etcd_up") and cluster.get("leader") == leader
                and not cluster.get("leading") and cluster.get("live_nodes") == live)
    return check


def served_everywhere(fleet, target):
    return lambda: all([r.get("served") for r in (n.status_now() or {}).get("records", [])]
                       == [target] for n in fleet.live())


# ---- scenarios ----

def scenario_etcd_partitioned_from_one_follower(fleet, figures):
    """refuse mode: the follower's connections to etcd are reset."""
    leader = fleet.leader()
    lead = fleet.node(leader)
    cut = next(n for n in reversed(fleet.nodes) if n.name != leader)
    others = [n for n in fleet.nodes if n is not cut]
    changes = {n.name: n.cluster()["leader_changes"] for n in others}
    serial = fleet.named.soa_serial()
    offset = cut.log_size()
    start = time.monotonic()
    cut.cut_etcd("refuse")
    figures.fault()
    wait_for(f"{cut.name} to report etcd down", lambda: (cut.cluster() or {}).get(
        "etcd_up") is False and cut.metric("planb_cluster_etcd_up") == 0, TTL + 2)
    cut.wait_log(r"cluster: etcd unreachable", TTL + 2, offset)
    wait_for(f"{cut.name}'s view to drop out of the fleet", lambda: all(
        (n.cluster() or {}).get("live_nodes") == 2 and not (n.view(cut.name) or {}).get("live")
        for n in others) or None, TTL + 3)
    dropped = time.monotonic() - start
    print(f"{cut.name} cut from etcd: its view left the fleet {dropped:.2f}s later (lease {TTL}s)")
    assert fleet.leader(others) == leader and lead.cluster()["leading"], fleet.leader(others)
    # Nothing moves meanwhile: a vendor is fine for every node.
    hold_for(1.0, "a write with no vendor failure", nothing_written(fleet, serial))
    # Vendor A dies for everyone: the leader fails over on the two live views (min_nodes 2).
    failed = time.monotonic()
    fleet.stop_vendor("a")
    figures.fault()
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET), FAILOVER_BOUND)
    took = time.monotonic() - failed
    print(f"failover by {leader} alone took {took:.2f}s")
    hold_for(Fleet.DETECT, "more than one write", lambda: (
        fleet.serves(B_TARGET) and fleet.named.soa_serial() == serial + 1
        and {n: len(p) for n, p in fleet.patches().items()} == {
            n.name: int(n.name == leader) for n in fleet.nodes})
        or (fleet.served(), fleet.named.soa_serial(), fleet.patches()))
    for node in others:
        assert node.cluster()["leader_changes"] == changes[node.name], node.cluster()
    cluster = cut.status()["cluster"]
    assert not cluster["leading"] and not cluster["etcd_up"] and cluster["etcd_error"], cluster
    assert not writers_in_log(cut, offset), writers_in_log(cut, offset)
    # Heal: it rejoins as a follower, writes nothing, sees the leader's decision.
    healed = time.monotonic()
    cut.cut_etcd("pass")
    wait_for(f"{cut.name} to rejoin and follow {leader}", follows(cut, leader), CONVERGE_BOUND)
    wait_for(f"every node to show {leader} leading with 3 live views", lambda: all(
        follows(n, leader)() for n in fleet.nodes if n is not lead)
        and lead.cluster()["live_nodes"] == 3, CONVERGE_BOUND)
    wait_for(f"{cut.name} to show vendor-b served", served_everywhere(fleet, "vendor-b"), 5)
    figures.converge.append(time.monotonic() - healed)
    cut.wait_log(r"cluster: etcd reachable again", 2, offset)
    hold_for(2.0, "a write after the heal", nothing_written(fleet, serial + 1, B_TARGET,
                                                             since=healed))
    assert not cut.patches() and not writers_in_log(cut, offset)
    assert sorted(ok_changes(fleet, cut)) == [("bind", leader, B_TARGET),
                                              ("pdns", leader, B_TARGET)], ok_changes(fleet, cut)
    figures.set(view_dropped_s=f"{dropped:.2f}", failover_s=f"{took:.2f}")


def scenario_etcd_partitioned_from_the_leader(fleet, figures):
    """blackhole mode: the leader's etcd requests hang until their timeout."""
    old = fleet.leader()
    cut = fleet.node(old)
    others = [n for n in fleet.nodes if n is not cut]
    serial = fleet.named.soa_serial()
    offset = cut.log_size()
    start = time.monotonic()
    cut.cut_etcd("blackhole")
    figures.fault()
    wait_for(f"{old} to step down", lambda: (cut.cluster() or {}).get("leading") is False,
             TTL + REQUEST_TIMEOUT + 1.0)
    stepped = time.monotonic() - start
    new = fleet.wait_leader(exclude={old}, among=others, timeout=ELECTION_BOUND)
    elected = time.monotonic() - start
    print(f"{old} cut from etcd: stepped down after {stepped:.2f}s, {new} leads after "
          f"{elected:.2f}s (bounds {TTL + REQUEST_TIMEOUT:.2f}s + 1 s slack, {ELECTION_BOUND:.1f}s)")
    # Status says "not leading" the moment the local lease deadline passes; the log line comes
    # when the agent's thread, hung in a blackholed request (up to one request timeout), wakes.
    cut.wait_log(r"cluster: stepping down", REQUEST_TIMEOUT + 1.0, offset)
    cut.wait_log(r"cluster: etcd unreachable", 2, offset)
    # Vendor A dies for everyone during the partition: the new leader fails over, once; the old
    # one (which sees vendor A die too) writes nothing.
    failed = time.monotonic()
    fleet.stop_vendor("a")
    figures.fault()
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET), FAILOVER_BOUND)
    took = time.monotonic() - failed
    cut.wait_log(r"health: target vendor-a healthy -> unhealthy", Fleet.DETECT, offset)
    hold_for(Fleet.DETECT, "a second write", lambda: (
        fleet.serves(B_TARGET) and fleet.named.soa_serial() == serial + 1
        and {n: len(p) for n, p in fleet.patches().items()} == {
            n.name: int(n.name == new) for n in fleet.nodes})
        or (fleet.served(), fleet.named.soa_serial(), fleet.patches()))
    assert not cut.patches(since=start) and not writers_in_log(cut, offset)
    # Heal: the old leader is a follower of the new one.
    healed = time.monotonic()
    cut.cut_etcd("pass")
    wait_for(f"{old} to follow {new}", follows(cut, new), CONVERGE_BOUND)
    wait_for("every node to show vendor-b served", served_everywhere(fleet, "vendor-b"), 5)
    figures.converge.append(time.monotonic() - healed)
    hold_for(2.0, "a write after the heal", nothing_written(fleet, serial + 1, B_TARGET,
                                                             since=healed))
    assert sorted(ok_changes(fleet)) == [("bind", new, B_TARGET), ("pdns", new, B_TARGET)], \
        ok_changes(fleet)
    assert not writers_in_log(cut, offset), writers_in_log(cut, offset)
    figures.set(step_down_s=f"{stepped:.2f}", new_leader_s=f"{elected:.2f}",
                failover_s=f"{took:.2f}")


def scenario_etcd_partitioned_from_every_node(fleet, figures):
    serial = fleet.named.soa_serial()
    offsets = {n.name: n.log_size() for n in fleet.nodes}
    for node in fleet.nodes:
        node.cut_etcd("blackhole")
        figures.fault()
    wait_for("every node to report etcd down and none to lead", lambda: all(
        (n.cluster() or {}).get("etcd_up") is False and not n.cluster().get("leading")
        for n in fleet.nodes), TTL + REQUEST_TIMEOUT + 2)
    for node in fleet.nodes:
        node.wait_log(r"cluster: etcd unreachable", 3, offsets[node.name])
    hold_for(1.0, "a write with no vendor failure", nothing_written(fleet, serial))
    fleet.stop_vendor("a")
    figures.fault()
    for node in fleet.nodes:
        node.wait_log(r"health: target vendor-a healthy -> unhealthy", Fleet.DETECT,
                      offsets[node.name])
    hold_for(Fleet.DETECT, "a node wrote DNS without etcd", nothing_written(fleet, serial))
    for node in fleet.nodes:
        assert not writers_in_log(node, offsets[node.name]), writers_in_log(node)
    healed = time.monotonic()
    for node in fleet.nodes:
        node.cut_etcd("pass")
    leader = fleet.wait_leader(timeout=CONVERGE_BOUND)
    elected = time.monotonic() - healed
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET), CONVERGE_BOUND)
    wait_fleet_settled_on_b(fleet)
    figures.converge.append(time.monotonic() - healed)
    print(f"healed: {leader} leads after {elected:.2f}s, converged after "
          f"{figures.converge[-1]:.2f}s")
    hold_for(2.0, "a second write", one_write_per_provider(fleet, serial))
    assert sorted(ok_changes(fleet)) == [("bind", leader, B_TARGET), ("pdns", leader, B_TARGET)], \
        ok_changes(fleet)
    figures.set(elected_after_heal_s=f"{elected:.2f}")


def scenario_etcd_restarted_during_a_failover(fleet, figures):
    """The leader's PowerDNS write is pending (its proxy refuses) when etcd stops; etcd comes back
    on the same data dir; the write is retried by whichever node leads by then."""
    rng = seeded_random("etcd_restarted_during_a_failover")
    leader = fleet.leader()
    lead = fleet.node(leader)
    serial = fleet.named.soa_serial()
    offsets = {n.name: n.log_size() for n in fleet.nodes}
    lead.pdns_proxy.set_mode("refuse")
    fleet.stop_vendor("a")
    figures.fault()
    lead.wait_log(r"provider pdns: failed to write", FAILOVER_BOUND, offsets[leader])
    wait_for("BIND to serve vendor B", lambda: fleet.named.cname() == B_TARGET, 3)
    down_for = rng.uniform(0.5, 2.5)
    fleet.etcd.stop()
    figures.fault()
    lead.pdns_proxy.set_mode("pass")
    time.sleep(down_for)
    restarted = time.monotonic()
    fleet.etcd.start()
    new = fleet.wait_leader(timeout=CONVERGE_BOUND)
    wait_for("PowerDNS to serve vendor B", lambda: fleet.pdns.cname() == B_TARGET, CONVERGE_BOUND)
    wait_fleet_settled_on_b(fleet)
    figures.converge.append(time.monotonic() - restarted)
    print(f"etcd down {down_for:.2f}s; {new} leads after the restart; converged "
          f"{figures.converge[-1]:.2f}s after it")
    hold_for(2.0, "a second write", one_write_per_provider(fleet, serial))
    changes = ok_changes(fleet)
    # One write per provider, fleet-wide (by the old leader or its successor, never both).
    assert sorted(c[0] for c in changes) == ["bind", "pdns"], changes
    fenced = sum(len(re.findall(r"cluster: fenced:", n.log(offsets[n.name]))) for n in fleet.nodes)
    figures.set(etcd_down_s=f"{down_for:.2f}", leader_after=new, fenced_attempts=fenced,
                pdns_writer=next(c[1] for c in changes if c[0] == "pdns"))


LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
SKEW_S = 2 * 3600


def libfaketime():
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")) or [
        p for p in [LIBFAKETIME] if os.path.exists(p)]
    return found[0] if found else None


def scenario_one_nodes_wall_clock_skewed(fleet, figures):
    """node-3 runs under libfaketime, FAKETIME=+2h with its monotonic clock left alone (an NTP
    failure skews the wall clock only): leases and probe timing are monotonic and unaffected."""
    skewed = fleet.node("node-3")
    leader = fleet.wait_leader(timeout=5)
    assert leader != skewed.name, leader
    serial = fleet.named.soa_serial()
    changes = {n.name: n.cluster()["leader_changes"] for n in fleet.nodes}
    # Its wall clock really is 2 h ahead: its operator action is stamped by it.
    ok(skewed.ctl("freeze", "--for", "30m", "--reason", "skew drill"))
    figures.fault()
    wait_for("every node to show the freeze", lambda: all(
        ((n.status_now() or {}).get("overrides") or {}).get("frozen") for n in fleet.nodes), 3)
    freeze = fleet.node(leader).status()["overrides"]["freeze"]
    ahead = freeze["since_unix_time"] - time.time()
    lasts = freeze["expires_unix_time"] - time.time()
    # The node that acted sends its audit line to etcd with its next request: wait for it.
    entry = wait_for("the freeze in the leader's view of the fleet's history", lambda: next(
        (e for e in fleet.node(leader).history() if e.get("type") == "operator"), None), 3)
    print(f"freeze by {skewed.name}: since {ahead:+.0f}s from the real now, expires in "
          f"{lasts:.0f}s (asked: 30 min); audit time {entry.get('time')}")
    assert abs(ahead - SKEW_S) < 120, freeze
    assert abs(lasts - (SKEW_S + 1800)) < 120, freeze
    ok(fleet.node(leader).ctl("unfreeze"))
    wait_for("every node to drop the freeze", lambda: all(
        not ((n.status_now() or {}).get("overrides") or {}).get("frozen") for n in fleet.nodes), 3)
    # Its view alone sees vendor A die: no flip.
    skewed.cut("a")
    figures.fault()
    wait_for(f"{skewed.name} to see vendor-a unhealthy", lambda: (
        skewed.view().get("targets") or {}).get("vendor-a") == "unhealthy", Fleet.DETECT)
    hold_for(Fleet.DETECT, "one skewed node's view moved the record",
             nothing_written(fleet, serial))
    skewed.cut("a", "pass")
    wait_for(f"{skewed.name} to see vendor-a healthy again", lambda: (
        skewed.view().get("targets") or {}).get("vendor-a") == "healthy", Fleet.DETECT)
    # Vendor A dies for everyone: the leader fails over once; leadership never moved.
    fleet.stop_vendor("a")
    figures.fault()
    wait_for("BIND and PowerDNS to serve vendor B", lambda: fleet.serves(B_TARGET), FAILOVER_BOUND)
    hold_for(2.0, "a second write", one_write_per_provider(fleet, serial))
    for node in fleet.nodes:
        cluster = node.status()["cluster"]
        assert cluster["leader"] == leader and cluster["live_nodes"] == 3, (node.name, cluster)
        assert cluster["leader_changes"] == changes[node.name], (node.name, cluster)
    assert sorted(ok_changes(fleet)) == [("bind", leader, B_TARGET), ("pdns", leader, B_TARGET)]
    figures.set(skew_s=SKEW_S, override_since_ahead_s=f"{ahead:.0f}",
                override_lasts_s=f"{lasts:.0f}", leader_changes=0)


def seeded_random(scenario):
    seed = int(os.environ.get("PLANB_FAULT_SEED", "0")) or random.randrange(1, 1 << 30)
    print(f"{scenario}: PLANB_FAULT_SEED={seed}")
    return random.Random(seed)


PAUSES = int(os.environ.get("PLANB_PAUSES", "5"))


def scenario_leader_paused_past_its_lease(fleet, figures):
    """PowerDNS only, so every write is a PATCH some node's proxy saw. Each round the leader has a
    write pending (its proxy refuses it) when it is paused for 0.6 to 1.8 lease_ttl; its proxy
    passes again while it sleeps, the others' always do."""
    rng = seeded_random("leader_paused_past_its_lease")
    fenced_total = lease_lost = kept = spurious = 0
    from_pause = []
    for n in range(PAUSES):
        leader = fleet.wait_leader(timeout=CONVERGE_BOUND)
        lead = fleet.node(leader)
        serving_a = fleet.pdns.cname() == A_TARGET
        want = B_TARGET if serving_a else A_TARGET
        offset = lead.log_size()
        lead.pdns_proxy.set_mode("refuse")
        if serving_a:
            fleet.stop_vendor("a")
        else:
            fleet.start_vendor("a")
        lead.wait_log(r"provider pdns: failed to write", FAILOVER_BOUND + 2, offset)
        pause = rng.uniform(0.6, 1.8) * TTL
        paused = time.monotonic()
        lead.pause()
        figures.fault()
        time.sleep(pause)
        lead.pdns_proxy.set_mode("pass")
        resumed = time.monotonic()
        lead.resume()
        wait_for(f"round {n + 1}: PowerDNS to serve {want}", lambda: fleet.pdns.cname() == want,
                 CONVERGE_BOUND)
        now_leader = fleet.wait_leader(timeout=CONVERGE_BOUND)
        figures.converge.append(time.monotonic() - resumed)
        from_pause.append(time.monotonic() - paused)
        others_led = fleet.watch.holders(paused, resumed) - {leader}
        writers = {name for name, p in fleet.patches(since=paused).items() if p}
        assert len(writers) <= 1, f"round {n + 1}: two writers {writers}"
        after = lead.patches(since=resumed)
        if others_led:
            lease_lost += 1
            assert not after, f"round {n + 1}: {leader} wrote after resuming: {after}"
        else:
            kept += 1
        fenced = len(re.findall(r"cluster: fenced:", lead.log(offset)))
        fenced_total += fenced
        # etcd was fine all along: "reachable again" only ever follows "unreachable", and
        # "unreachable" needs two failed polls in a row (one request timing out across the pause
        # is not etcd's fault).
        cluster_lines = re.findall(r"cluster: etcd (unreachable|reachable again)", lead.log(offset))
        spurious += cluster_lines.count("unreachable")
        assert cluster_lines.count("reachable again") <= cluster_lines.count("unreachable"), \
            cluster_lines
        print(f"round {n + 1}: {leader} paused {pause:.2f}s with a write pending; "
              f"{'others led: ' + ','.join(sorted(others_led)) if others_led else 'kept its lease'};"
              f" writer {sorted(writers)}; {leader}'s PATCHes after resuming {len(after)}; "
              f"fenced {fenced}; leader now {now_leader}; converged "
              f"{figures.converge[-1]:.2f}s after the resume")
        time.sleep(1.2)  # hold_down, failback_after
    figures.set(rounds=PAUSES, lease_lost=lease_lost, lease_kept=kept, fenced=fenced_total,
                converge_from_pause_s=",".join(f"{c:.2f}" for c in from_pause),
                etcd_unreachable_logged=spurious)


def revoke(fleet, lease):
    return http_json(fleet.etcd.url + "/v3/lease/revoke", {"ID": lease}, timeout=2)


FENCE_TTL = 6


def scenario_fence_refuses_a_leader_whose_lease_etcd_revoked(fleet, figures):
    """The leader's keepalives go into a blackhole (its proxy silences /v3/lease/keepalive only,
    /v3/kv/txn passes), so its agent hangs in keepalives and never reads the leader key again, while
    its local lease deadline (lease_ttl = 6 s from its last keepalive) says it still leads. The test
    revokes its lease in etcd: the leader key goes, another node takes it. An operator pin on the
    old leader is then written by it only after the fence transaction: which etcd refuses."""
    old = fleet.wait_leader(timeout=8)
    lead = fleet.node(old)
    others = [n for n in fleet.nodes if n is not lead]
    offset = lead.log_size()
    mark = time.monotonic()
    lead.cut_etcd("blackhole_paths", paths=["/v3/lease/keepalive"])
    figures.fault()
    wait_for(f"{old}'s next keepalive to go into the blackhole", lambda: any(
        e["path"] == "/v3/lease/keepalive" and e["mode"] == "blackhole"
        for e in lead.etcd_proxy.requests(since=mark)), FENCE_TTL / 3 + 2)
    key = fleet.watch.leader_key()
    assert key and key["node"] == old, key
    revoked = time.monotonic()
    assert revoke(fleet, key["lease"]) is not None, "etcd did not answer the revoke"
    figures.fault()
    assert (lead.cluster() or {}).get("leading"), f"{old} no longer believes it leads"
    pinned = ok(lead.ctl("failover", WWW, "--to", "vendor-b", "--force", "--reason",
                         "fence drill: pinned on a leader whose lease etcd revoked"))
    print(pinned.stdout.strip())
    line = lead.wait_log(r"cluster: fenced: [^\n]*etcd says the leader key is no longer[^\n]*",
                         FENCE_TTL / 2, offset).group(0)
    fenced_after = time.monotonic() - revoked
    print(f"{old}: {line} ({fenced_after:.2f}s after the revoke)")
    new = fleet.wait_leader(exclude={old}, among=others, timeout=ELECTION_BOUND)
    wait_for("PowerDNS to serve the pin (vendor B)", lambda: fleet.pdns.cname() == B_TARGET, 5)
    assert not lead.patches(since=revoked), lead.patches(since=revoked)
    assert [len(p) for p in fleet.patches(since=revoked).values()].count(1) == 1, fleet.patches()
    assert len(fleet.node(new).patches(since=revoked)) == 1, fleet.patches()
    healed = time.monotonic()
    lead.cut_etcd("pass")
    wait_for(f"{old} to follow {new}", follows(lead, new), CONVERGE_BOUND)
    figures.converge.append(time.monotonic() - healed)
    # The old leader's audit lines reach etcd once it is back; the new leader's history (its
    # agent's latest read of etcd) shows them with its next poll.
    def old_leaders_changes():
        return [e for e in fleet.dns_changes(fleet.node(new)) if e.get("node") == old]
    wait_for(f"{old}'s fenced write in the fleet's history on {new}", lambda: any(
        e.get("result") == "fenced" for e in old_leaders_changes()), 2)
    entries = old_leaders_changes()
    assert any(e.get("result") == "fenced" for e in entries), entries
    assert not any(e.get("result") == "ok" for e in entries), entries
    figures.set(fenced_by_etcd=1, fenced_after_revoke_s=f"{fenced_after:.2f}", new_leader=new)


FLEET_OPTIONS = {
    "etcd_restarted_during_a_failover": {},
    "leader_paused_past_its_lease": {"providers": ("pdns",), "failback_after": "1s"},
    "fence_refuses_a_leader_whose_lease_etcd_revoked": {"providers": ("pdns",),
                                                         "lease_ttl": FENCE_TTL},
}


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    started = time.monotonic()
    options = dict(FLEET_OPTIONS.get(scenario, {}))
    skew = scenario == "one_nodes_wall_clock_skewed"
    if skew:
        if not libfaketime():
            print("SKIP: libfaketime is not installed (Debian: faketime; scripts/setup installs it)")
            sys.exit(77)
        options["start"] = False
    fleet = Fleet(planbd, **options)
    if skew:
        fleet.node("node-3").env = {"LD_PRELOAD": libfaketime(), "FAKETIME": "+2h",
                                    "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    watch = fleet.watch = Watch(fleet)
    figures = Figures(scenario, fleet, watch)

    def body(f):
        if skew:
            f.start()
        run(f, figures)
        figures.report()

    try:
        run_fleet_scenario(scenario, body, fleet)
    finally:
        watch.stop()
    print(f"{scenario}: {time.monotonic() - started:.1f}s wall")


if __name__ == "__main__":
    main()
