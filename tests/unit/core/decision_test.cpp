#include "core/decision.hpp"

#include <doctest/doctest.h>

using namespace planb::core;
using namespace std::chrono_literals;

namespace {

// A record "www" with targets a (vendor va) then b (vendor vb); every test starts from t0.
struct World {
  Instant t0 = Instant{} + 24h;
  RecordPolicy record{"www.example.com.", {"a", "b"}, FailoverOn::Target, Failback::Auto, 3s};
  std::map<std::string, TargetState> targets;
  RecordHistory history;
  Controls controls;
  SafetyLimits limits{.hold_down = 1s, .max_flips_per_hour = 6};

  World() {
    history.active = "a";
    healthy("a");
    healthy("b");
  }
  void healthy(const std::string& t, Instant since = {}) {
    targets[t].health = Health::Healthy;
    targets[t].healthy_since = since;
    targets[t].vendor = Health::Healthy;
  }
  void unhealthy(const std::string& t) { targets[t].health = Health::Unhealthy; }
  Decision decideAt(Instant now) { return decide(record, targets, history, controls, limits, now); }
};

}  // namespace

TEST_CASE("a record on a healthy first target stays") {
  World w;
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.serve == "a");
  CHECK(d.rule == Rule::Steady);
  CHECK_FALSE(d.degraded);
}

TEST_CASE("unknown is not unhealthy: nothing changes until every target has a verdict") {
  World w;
  w.unhealthy("a");
  w.targets["b"].health = Health::Unknown;
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.serve == "a");
  CHECK(d.rule == Rule::Unknown);
  CHECK(d.reason.find("b") != std::string::npos);
}

TEST_CASE("a missing target state counts as unknown") {
  World w;
  w.targets.erase("b");
  CHECK(w.decideAt(w.t0).rule == Rule::Unknown);
}

TEST_CASE("an unhealthy served target fails over to the first usable one") {
  World w;
  w.unhealthy("a");
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "b");
  CHECK(d.rule == Rule::Failover);
  CHECK(d.reason == "a is unhealthy; b is the first usable target");
}

TEST_CASE("with nothing served yet the first usable target is chosen") {
  World w;
  w.history.active.reset();
  w.unhealthy("a");
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "b");
  CHECK(d.rule == Rule::Initial);
}

TEST_CASE("a record served by a foreign name moves to the first usable target") {
  World w;
  w.history.active = "somewhere-else";
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "a");
  CHECK(d.rule == Rule::Failover);
}

TEST_CASE("fail static: with every target unhealthy the record keeps what it serves") {
  World w;
  w.unhealthy("a");
  w.unhealthy("b");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.serve == "a");
  CHECK(d.rule == Rule::FailStatic);
  CHECK(d.degraded);
}

TEST_CASE("never to worse: a record on a usable target is not degraded by an unhealthy standby") {
  World w;
  w.unhealthy("b");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK_FALSE(d.degraded);
}

TEST_CASE("failback waits for failback_after, then returns to the higher-priority target") {
  World w;
  w.history.active = "b";
  w.healthy("a", w.t0);
  Decision early = w.decideAt(w.t0 + 2999ms);
  CHECK_FALSE(early.change);
  CHECK(early.serve == "b");
  CHECK(early.rule == Rule::FailbackPending);
  Decision on_time = w.decideAt(w.t0 + 3s);
  CHECK(on_time.change);
  CHECK(on_time.serve == "a");
  CHECK(on_time.rule == Rule::Failback);
}

TEST_CASE("failback manual keeps the lower-priority target while it is usable") {
  World w;
  w.record.failback = Failback::Manual;
  w.history.active = "b";
  w.healthy("a", w.t0);
  Decision d = w.decideAt(w.t0 + 1h);
  CHECK_FALSE(d.change);
  CHECK(d.rule == Rule::FailbackManual);
}

TEST_CASE("failback manual still fails over when the lower-priority target dies") {
  World w;
  w.record.failback = Failback::Manual;
  w.history.active = "b";
  w.unhealthy("b");
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "a");
}

TEST_CASE("a dead served target fails over at once, without waiting for failback_after") {
  World w;
  w.record.targets = {"a", "b", "c"};
  w.healthy("c");
  w.history.active = "c";
  w.unhealthy("c");
  w.healthy("a", w.t0);
  Decision d = w.decideAt(w.t0 + 1ms);
  CHECK(d.change);
  CHECK(d.serve == "a");
}

TEST_CASE("hold-down: no second automatic change within hold_down") {
  World w;
  w.limits.hold_down = 60s;
  w.history.noteAutomaticChange(w.t0);
  w.unhealthy("a");
  Decision held = w.decideAt(w.t0 + 59s);
  CHECK_FALSE(held.change);
  CHECK(held.serve == "a");
  CHECK(held.desired == "b");
  CHECK(held.rule == Rule::HoldDown);
  Decision released = w.decideAt(w.t0 + 60s);
  CHECK(released.change);
  CHECK(released.serve == "b");
}

TEST_CASE("flip budget: past max_flips_per_hour the record stays frozen until the hour passes") {
  World w;
  w.limits.max_flips_per_hour = 3;
  for (int i = 0; i < 3; ++i) {
    w.history.noteAutomaticChange(w.t0 + std::chrono::minutes(i));
  }
  w.unhealthy("a");
  Decision held = w.decideAt(w.t0 + 10min);
  CHECK_FALSE(held.change);
  CHECK(held.rule == Rule::FlipBudget);
  Decision later = w.decideAt(w.t0 + 1h + 1min);
  CHECK(later.change);
}

TEST_CASE("the flip history forgets changes older than an hour") {
  RecordHistory h;
  Instant t0 = Instant{} + 24h;
  h.noteAutomaticChange(t0);
  h.noteAutomaticChange(t0 + 30min);
  CHECK(h.changesInLastHour(t0 + 30min) == 2);
  h.noteAutomaticChange(t0 + 61min);
  CHECK(h.automatic_changes.size() == 2);
  CHECK(h.changesInLastHour(t0 + 61min) == 2);
}

TEST_CASE("freeze holds every automatic change and says what it would do") {
  World w;
  w.controls.frozen = true;
  w.unhealthy("a");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.rule == Rule::Frozen);
  CHECK(d.desired == "b");
}

TEST_CASE("the local-network guard holds automation") {
  World w;
  w.controls.local_network_down = true;
  w.unhealthy("a");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.rule == Rule::LocalNetworkDown);
}

TEST_CASE("a fleet with too few live views fails static and says why") {
  World w;
  w.controls.fleet_hold = "1 live view in the fleet, min_nodes 2: no automatic change";
  w.unhealthy("a");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.rule == Rule::FailStatic);
  CHECK(d.desired == "b");
  CHECK(d.reason.find("min_nodes 2") != std::string::npos);
}

TEST_CASE("a pin beats automation, freeze and hold-down") {
  World w;
  w.controls.pins[w.record.name] = "b";
  w.controls.frozen = true;
  w.history.noteAutomaticChange(w.t0);
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "b");
  CHECK(d.rule == Rule::Pinned);
}

TEST_CASE("a drained target is not usable") {
  World w;
  w.targets["a"].drained = true;
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "b");
  CHECK(d.reason == "a is drained; b is the first usable target");
}

TEST_CASE("failover_on vendor ignores one region's trouble while the vendor is up") {
  World w;
  w.record.failover_on = FailoverOn::Vendor;
  w.unhealthy("a");  // the target's own verdict is bad, its vendor is up
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.serve == "a");
}

TEST_CASE("failover_on vendor moves when the vendor is down") {
  World w;
  w.record.failover_on = FailoverOn::Vendor;
  w.targets["a"].vendor = Health::Unhealthy;
  Decision d = w.decideAt(w.t0);
  CHECK(d.change);
  CHECK(d.serve == "b");
  CHECK(d.reason == "a's vendor is down; b is the first usable target");
}

TEST_CASE("failover_on vendor never moves to an unhealthy target of a healthy vendor") {
  World w;
  w.record.failover_on = FailoverOn::Vendor;
  w.targets["a"].vendor = Health::Unhealthy;
  w.unhealthy("b");
  Decision d = w.decideAt(w.t0);
  CHECK_FALSE(d.change);
  CHECK(d.rule == Rule::FailStatic);
}

TEST_CASE("failover_on vendor waits for the vendor verdict") {
  World w;
  w.record.failover_on = FailoverOn::Vendor;
  w.targets["b"].vendor = Health::Unknown;
  CHECK(w.decideAt(w.t0).rule == Rule::Unknown);
}

TEST_CASE("deciding twice on the same inputs gives the same answer") {
  World w;
  w.unhealthy("a");
  Decision first = w.decideAt(w.t0);
  Decision second = w.decideAt(w.t0);
  CHECK(first.serve == second.serve);
  CHECK(first.reason == second.reason);
}
