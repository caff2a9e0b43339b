#include "reconciler.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "fakes/reconciler_harness.hpp"
#include "fleet_agent.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;

using namespace planb::testing::reconciler_world;

namespace {

// Two providers; hold-down 1 s, 10 automatic changes an hour, failback after 3 s.
struct Harness : planb::testing::ReconcilerHarness {
  Harness() : ReconcilerHarness(twoProviders()) {}

  static config::Config twoProviders() {
    config::Config c = worldConfig({"p1", "p2"});
    c.guard.hold_down = 1s;
    c.guard.max_flips_per_hour = 10;
    c.records[0].failback_after = 3s;
    return c;
  }
};

}  // namespace

TEST_CASE("nothing is written before every target has a verdict") {
  Harness h;
  h.p1->serveCname(kName, "elsewhere.example.net.");
  h.start();
  h.verdicts(core::Health::Unknown, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
  CHECK(h.p1->calls() == std::vector<std::string>{"read " + kName});
}

TEST_CASE("at first start the served target is adopted without a write") {
  Harness h;
  h.start();
  REQUIRE(h.settle());
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "a");
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
}

TEST_CASE("a failover is written to every provider with a compare-and-swap on the old value") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p2->cname(kName) == kB);
  CHECK(h.p1->calls().back() == "replace " + kName + " " + kA + " -> " + kB);
  CHECK(h.record().sync.at("p1").applied == "b");
}

TEST_CASE("a reload that takes a provider away keeps failing over on the providers left") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  config::Config without_p2 = Harness::twoProviders();
  without_p2.zones.at(0).providers = {"p1"};
  without_p2.providers.erase(
      std::remove_if(without_p2.providers.begin(), without_p2.providers.end(),
                     [](const config::ProviderConfig& p) { return p.name == "p2"; }),
      without_p2.providers.end());
  // A provider gone from the configuration has no lane: nothing may queue work on it (this threw
  // std::out_of_range from the reload on).
  h.reconciler->configure(without_p2, {{"p1", h.p1}}, nullptr);
  CHECK_FALSE(h.record().sync.contains("p2"));
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p2->writes() == 0);
}

TEST_CASE("a failing provider neither blocks the others nor is given up: it is retried") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p2->failNext({net::ErrorKind::Transient, "connection timed out", std::nullopt}, 2);
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p2->cname(kName) == kA);
  CHECK(h.record().sync.at("p2").failures == 1);
  CHECK(h.record().sync.at("p2").last_error == "transient: connection timed out");

  // Backoff: 500 ms * 2^0 * 0.5 = 250 ms for the first retry, which fails again.
  h.clock.advance(249ms);
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.record().sync.at("p2").failures == 1);
  h.clock.advance(1ms);
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.record().sync.at("p2").failures == 2);
  h.clock.advance(500ms);
  h.reconciler->step();
  REQUIRE(h.settle());
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.p2->cname(kName) == kB);
  CHECK(h.record().sync.at("p2").failures == 0);
}

TEST_CASE("a single lost race is re-read at once and written over the new value, no delay added") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->serveCname(kName, "someone.else.example.net.");  // behind planb's back
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());  // the clock stands still: no backoff lies between the race and the write
  CHECK(h.p1->cname(kName) == kB);
  auto calls = h.p1->calls();
  REQUIRE(calls.size() >= 3);
  CHECK(std::vector<std::string>(calls.end() - 3, calls.end()) ==
        std::vector<std::string>{"replace " + kName + " " + kA + " -> " + kB, "read " + kName,
                                 "replace " + kName + " someone.else.example.net. -> " + kB});
  CHECK(h.record().sync.at("p1").lost_swaps == 0);
  CHECK(h.record().sync.at("p1").last_error.empty());
}

namespace {

// Moves the harness's clock by `span` in the daemon's ticks of 100 ms; the calls p1 got meanwhile.
std::size_t p1CallsOver(Harness& h, std::chrono::milliseconds span) {
  std::size_t before = h.p1->calls().size();
  for (auto t = 0ms; t < span; t += 100ms) {
    h.clock.advance(100ms);
    h.reconciler->step();
    REQUIRE(h.settle());
  }
  return h.p1->calls().size() - before;
}

}  // namespace

namespace {

// A provider that reads the value planb expects and refuses every write as changed meanwhile,
// with the backoff's jitter always drawing JITTER.
void checkDisagreeingProviderIsBounded(double jitter) {
  Harness h;
  h.random = testing::SequenceRandom({jitter});
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->refuseEveryWrite();  // it goes on reading a's CNAME, the value planb expects
  std::size_t before = h.p1->calls().size();
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  std::size_t first_minute = h.p1->calls().size() - before + p1CallsOver(h, 60s);

  // Write, re-read at once, write; then a read and a write after each backoff of at least
  // 500 ms * 2^n * 0.5: 0.25, 0.5, 1, 2, 4, 8 and 16 s. Without backoff: thousands.
  CHECK(first_minute <= 17);
  // Capped: one try (read and write) every 30 s (60 s * 0.5) from then on.
  CHECK(p1CallsOver(h, 60s) <= 4);
  CHECK(h.p2->cname(kName) == kB);  // the other provider is not held back

  const ProviderSync& sync = h.record().sync.at("p1");
  CHECK(sync.last_error.find("its read shows " + kA + " but it refused to write " + kName +
                             " CNAME " + kB + " as changed meanwhile") != std::string::npos);
  CHECK(sync.last_error.find("the provider's read and write disagree; backing off") !=
        std::string::npos);
  CHECK(h.reconciler->statusLine().find("p1: its read shows") != std::string::npos);

  h.p1->refuseEveryWrite(false);  // the next try after the backoff gets through
  p1CallsOver(h, 30s);
  CHECK(h.p1->cname(kName) == kB);
  CHECK(sync.lost_swaps == 0);
  CHECK(sync.last_error.empty());
}

}  // namespace

TEST_CASE("a provider whose read and write disagree gets a bounded number of requests a minute") {
  checkDisagreeingProviderIsBounded(0.5);  // the harness's jitter
}

TEST_CASE("the bound holds when the jitter draws no wait at all") {
  // A persisting conflict waits at least half the backoff's ceiling, whatever the jitter draws.
  checkDisagreeingProviderIsBounded(0.0);
}

TEST_CASE("drift found by the resync is repaired") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->serveCname(kName, "hand.edit.example.net.");
  h.reconciler->resync();
  REQUIRE(h.settle());
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kA);
  CHECK(h.p2->writes() == 0);
}

TEST_CASE("another record type at the name is reported and never overwritten") {
  Harness h;
  h.p1->serve(kName, {providers::ServedRecord::Kind::Conflict, "", 0, "A"});
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->writes() == 0);
  CHECK(h.record().sync.at("p1").last_error.find("holds a A record") != std::string::npos);
}

TEST_CASE("the decided target survives a restart, which then writes nothing") {
  PersistedState persisted;
  {
    Harness h;
    h.start();
    h.verdicts(core::Health::Healthy, core::Health::Healthy);
    REQUIRE(h.settle());
    h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
    REQUIRE(h.settle());
    h.reconciler->step();  // the daemon's next tick writes what was applied
    std::string problem;
    persisted = h.store.load(&problem);
    CHECK(problem.empty());
  }
  REQUIRE(persisted.records.at(kName).target == "b");
  CHECK(persisted.records.at(kName).automatic_changes.size() == 1);
  CHECK(persisted.records.at(kName).applied.at("p1") == "b");

  Harness h;
  h.p1->serveCname(kName, kB);
  h.p2->serveCname(kName, kB);
  h.start(&persisted);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);  // a is back, failback_after not over
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "b");
  CHECK(h.record().history.automatic_changes.size() == 1);
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
}

TEST_CASE("a drained target is left and every provider write is in the audit log") {
  Harness h;
  AuditLog audit(h.dir.path());
  h.start();
  h.reconciler->setAudit(&audit);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  core::Controls steering;
  steering.drained = {"a"};
  h.reconciler->update({{"a", state(core::Health::Healthy)}, {"b", state(core::Health::Healthy)}},
                       steering);
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  auto entries = audit.newest(10);
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries) {
    CHECK(e["type"] == "dns_change");
    CHECK(e["from"] == kA);
    CHECK(e["to"] == kB);
    CHECK(e["result"] == "ok");
    CHECK(e["reason"].get<std::string>().find("a is drained") != std::string::npos);
  }
}

TEST_CASE("a pin moves the record even to a target automation would not choose") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Unhealthy);
  REQUIRE(h.settle());
  core::Controls steering;
  steering.pins = {{kName, "b"}};
  h.reconciler->update({{"a", state(core::Health::Healthy)}, {"b", state(core::Health::Unhealthy)}},
                       steering);
  REQUIRE(h.settle());
  CHECK(h.record().decision.rule == core::Rule::Pinned);
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p2->cname(kName) == kB);
}

TEST_CASE("a decided change is in state.json before any provider is written") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);  // decides b, posts the writes
  std::string problem;
  PersistedState saved = h.store.load(&problem);  // before the io_context ran any write
  CHECK(saved.records.at(kName).target == "b");
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
}

namespace {

// The fleet as the reconciler sees it: leadership, the fence's answer and the shared decisions.
struct FakeFleet final : FleetWriter {
  std::atomic<bool> lead{true};
  std::optional<std::string> refuse;  // the fence's answer; nullopt: this node still leads
  std::mutex mutex;
  int confirms = 0;
  std::vector<std::map<std::string, PersistedRecord>> saved;
  std::vector<std::size_t> saved_at_confirm;  // how many saves each confirmation came after

  bool leading() const override { return lead; }
  std::optional<std::string> confirmLeadership() override {
    std::lock_guard lock(mutex);
    ++confirms;
    saved_at_confirm.push_back(saved.size());
    return refuse;
  }
  std::optional<std::string> saveRecords(
      const std::map<std::string, PersistedRecord>& records) override {
    std::lock_guard lock(mutex);
    saved.push_back(records);
    return std::nullopt;
  }
};

std::map<std::string, core::TargetState> aDownBUp() {
  return {{"a", state(core::Health::Unhealthy)}, {"b", state(core::Health::Healthy)}};
}

}  // namespace

TEST_CASE("a follower of the fleet neither decides a change nor writes one") {
  FakeFleet fleet;  // outlives the reconciler, which asks it until it is destroyed
  Harness h;
  fleet.lead = false;
  h.start();
  h.reconciler->setFleet(&fleet);
  core::Controls follower;
  follower.writer = false;
  h.reconciler->update(aDownBUp(), follower);
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "a");
  CHECK(h.record().decision.serve == "a");
  CHECK(h.record().decision.desired == "b");  // what this node would do, for status
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
  CHECK(fleet.saved.empty());
}

TEST_CASE("the fleet's leader shares a decided change before any provider is written") {
  FakeFleet fleet;  // outlives the reconciler, which asks it until it is destroyed
  Harness h;
  h.start();
  h.reconciler->setFleet(&fleet);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.reconciler->update(aDownBUp(), {});
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p2->cname(kName) == kB);
  std::lock_guard lock(fleet.mutex);
  REQUIRE(fleet.confirms == 2);  // one confirmation per provider write, each before it
  REQUIRE_FALSE(fleet.saved.empty());
  // The decision reached the fleet before the first confirmation, hence before any write.
  std::size_t first_b = 0;
  while (fleet.saved[first_b].at(kName).target != "b") {
    ++first_b;
  }
  for (std::size_t saves : fleet.saved_at_confirm) {
    CHECK(saves > first_b);
  }
}

TEST_CASE("a write the fence refuses is never sent, and the audit log says it was fenced") {
  FakeFleet fleet;  // outlives the reconciler, which asks it until it is destroyed
  Harness h;
  AuditLog audit(h.dir.path());
  h.start();
  h.reconciler->setFleet(&fleet);
  h.reconciler->setAudit(&audit);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  fleet.refuse = "etcd says the leader key is no longer this node's";
  h.reconciler->update(aDownBUp(), {});
  REQUIRE(h.settle());
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
  CHECK(h.p1->cname(kName) == kA);
  auto entries = audit.newest(10);
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries) {
    CHECK(e["result"] == "fenced");
    CHECK(e["error"].get<std::string>().find("no longer this node's") != std::string::npos);
  }
}

TEST_CASE("a new leader goes on from the fleet's decisions, hold-down included") {
  FakeFleet fleet;  // outlives the reconciler, which asks it until it is destroyed
  Harness h;
  h.start();
  h.reconciler->setFleet(&fleet);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  PersistedRecord decided;
  decided.target = "b";
  decided.automatic_changes = {h.clock.wallNow()};
  h.reconciler->adoptFleetRecords({{kName, decided}});
  h.reconciler->update({{"a", state(core::Health::Healthy)}, {"b", state(core::Health::Unhealthy)}},
                       {});
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "b");
  CHECK(h.record().decision.rule == core::Rule::HoldDown);
}

namespace {

// The world with a third target, c, configured for another record but not for www.
config::Config withForeignTarget() {
  config::Config c = Harness::twoProviders();
  config::TargetConfig foreign = c.targets.at(1);
  foreign.name = "c";
  foreign.cname = "app.c.example.net.";
  c.targets.push_back(foreign);
  return c;
}

}  // namespace

TEST_CASE("a fleet decision for a target that is not one of the record's is never written") {
  FakeFleet fleet;  // outlives the reconciler, which asks it until it is destroyed
  planb::testing::ReconcilerHarness h(withForeignTarget());
  h.start();
  h.reconciler->setFleet(&fleet);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  // Whoever can write under the prefix in etcd forges the leader's decisions: c, just decided
  // (hold-down would keep it), and an unknown target for a record this node does not have.
  PersistedRecord forged;
  forged.target = "c";
  forged.automatic_changes = {h.clock.wallNow()};
  PersistedRecord unknown;
  unknown.target = "nowhere";
  h.reconciler->adoptFleetRecords({{kName, forged}, {"ghost.example.test.", unknown}});
  CHECK(h.record().history.active == "a");
  CHECK_FALSE(h.reconciler->records().contains("ghost.example.test."));
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->writes() == 0);
  CHECK(h.p2->writes() == 0);
  CHECK(h.p1->cname(kName) == kA);
  // A decision among the record's own targets is still adopted.
  PersistedRecord decided;
  decided.target = "b";
  h.reconciler->adoptFleetRecords({{kName, decided}});
  CHECK(h.record().history.active == "b");
}
