#include "reconciler.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "fakes/fake_provider.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/sequence_random.hpp"
#include "fakes/temp_dir.hpp"
#include "fleet_agent.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;
using planb::testing::FakeProvider;

namespace {

const std::string kName = "www.example.test.";
const std::string kA = "app.vendor-a.example.net.";
const std::string kB = "app.vendor-b.example.net.";

config::Config makeConfig() {
  config::Config c;
  c.guard.hold_down = 1s;
  c.guard.max_flips_per_hour = 10;
  config::ProviderConfig p1;
  p1.name = "p1";
  config::ProviderConfig p2;
  p2.name = "p2";
  c.providers = {p1, p2};
  config::ZoneConfig zone;
  zone.name = "example.test.";
  zone.providers = {"p1", "p2"};
  c.zones = {zone};
  config::TargetConfig a;
  a.name = "a";
  a.vendor = "va";
  a.cname = kA;
  config::TargetConfig b;
  b.name = "b";
  b.vendor = "vb";
  b.cname = kB;
  c.targets = {a, b};
  config::RecordConfig r;
  r.name = kName;
  r.zone = "example.test.";
  r.targets = {"a", "b"};
  r.failback_after = 3s;
  c.records = {r};
  return c;
}

core::TargetState state(core::Health h) {
  core::TargetState s;
  s.health = h;
  s.vendor = core::Health::Healthy;
  return s;
}

struct Harness {
  boost::asio::io_context io;
  Log log{LogLevel::Error};
  planb::testing::ManualClock clock;
  planb::testing::SequenceRandom random{{0.5}};
  planb::testing::TempDir dir;
  StateStore store{dir.path()};
  std::shared_ptr<FakeProvider> p1 = std::make_shared<FakeProvider>("p1");
  std::shared_ptr<FakeProvider> p2 = std::make_shared<FakeProvider>("p2");
  std::unique_ptr<Reconciler> reconciler;

  Harness() {
    p1->serveCname(kName, kA);
    p2->serveCname(kName, kA);
  }

  void start(const PersistedState* persisted = nullptr) {
    reconciler = std::make_unique<Reconciler>(io, log, clock, random, store);
    reconciler->configure(makeConfig(), {{"p1", p1}, {"p2", p2}}, persisted);
  }

  void verdicts(core::Health a, core::Health b) {
    reconciler->update({{"a", state(a)}, {"b", state(b)}}, {});
  }

  // Runs the io_context until nothing is in flight any more, within a deadline.
  bool settle() {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(2ms);
      bool busy = false;
      for (const auto& [name, record] : reconciler->records()) {
        for (const auto& [provider, sync] : record.sync) {
          busy = busy || sync.busy;
        }
      }
      if (!busy) {
        io.restart();
        io.poll();
        return true;
      }
    }
    return false;
  }

  const RecordRuntime& record() { return reconciler->records().at(kName); }
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

TEST_CASE("a lost compare-and-swap is re-read and written again over the new value") {
  Harness h;
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->serveCname(kName, "someone.else.example.net.");  // behind planb's back
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  auto calls = h.p1->calls();
  CHECK(calls.back() == "replace " + kName + " someone.else.example.net. -> " + kB);
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
  Steering steering;
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
  Steering steering;
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
  Steering follower;
  follower.writer = false;
  h.reconciler->update(aDownBUp(), follower);
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "a");
  CHECK(h.record().decision.desired == "a");
  CHECK(h.record().decision.wanted == "b");  // what this node would do, for status
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
