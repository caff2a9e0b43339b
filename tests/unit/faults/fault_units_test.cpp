// Fault injection at unit level (ctest label `faults`): clock jumps through the injected clock, and
// a state_dir that cannot be written (the seam a full disk uses, without needing a mount).

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "audit_log.hpp"
#include "core/decision.hpp"
#include "fakes/reconciler_harness.hpp"
#include "operator_desk.hpp"
#include "reconciler.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;
using namespace planb::testing::reconciler_world;

namespace {

// One provider; hold-down 60 s, failback after 1 s; every change of verdicts is followed until the
// reconciler settles. `state_dir` and the clock are the test's, shared across restarts.
struct Harness : planb::testing::ReconcilerHarness {
  Harness(planb::testing::ManualClock& clock, const std::string& state_dir,
          const std::string& served = kA)
      : ReconcilerHarness(oneProvider(), clock, state_dir) {
    p1->serveCname(kName, served);
  }

  void start(std::uint32_t max_flips, const PersistedState* persisted = nullptr) {
    config.guard.max_flips_per_hour = max_flips;
    ReconcilerHarness::start(persisted);
  }

  void verdicts(core::Health a, core::Health b) {
    ReconcilerHarness::verdicts(a, b);
    REQUIRE(settle());
  }

  static config::Config oneProvider() {
    config::Config c = worldConfig({"p1"});
    c.guard.hold_down = 60s;
    c.records[0].failback_after = 1s;
    return c;
  }
};

core::RecordPolicy policy() {
  core::RecordPolicy p;
  p.name = kName;
  p.targets = {"a", "b"};
  p.failback_after = 300s;
  return p;
}

}  // namespace

TEST_CASE("clock: a wall-clock jump of hours either way moves no rule of core::decide") {
  // decide() sees only monotonic instants: a wall step cannot even reach it. A monotonic step
  // (a suspended VM resuming) with nothing else changed flips nothing either.
  planb::testing::ManualClock clock;
  core::RecordHistory history;
  history.active = "b";
  history.noteAutomaticChange(clock.now());
  std::map<std::string, core::TargetState> targets{{"a", state(core::Health::Unhealthy)},
                                                   {"b", state(core::Health::Healthy)}};
  for (auto jump : {std::chrono::milliseconds(-3h), std::chrono::milliseconds(5h)}) {
    clock.jumpWall(jump);
    core::Decision d = core::decide(policy(), targets, history, {}, {60s, 2}, clock.now());
    CHECK_FALSE(d.change);
    CHECK(d.rule == core::Rule::Steady);
  }
  clock.advance(6h);  // a large monotonic step, nothing else changed
  core::Decision d = core::decide(policy(), targets, history, {}, {60s, 2}, clock.now());
  CHECK_FALSE(d.change);
  CHECK(d.serve == "b");
}

TEST_CASE("clock: hold-down and the flip budget count monotonic time, not wall time") {
  planb::testing::ManualClock clock;
  planb::testing::TempDir dir;
  Harness h(clock, dir.path());
  h.start(2);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);  // failover a -> b
  REQUIRE(h.record().history.active == "b");

  clock.jumpWall(2h);  // NTP steps the wall clock forward: hold-down is not over
  clock.advance(1s);
  h.verdicts(core::Health::Healthy, core::Health::Unhealthy);
  CHECK(h.record().history.active == "b");
  CHECK(h.record().decision.rule == core::Rule::HoldDown);

  clock.jumpWall(-5h);  // and back: still nothing to wait for beyond hold_down itself
  clock.advance(60s);
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "a");  // the second change of the hour
  CHECK(h.p1->cname(kName) == kA);

  clock.jumpWall(3h);  // a forward step does not free the budget (2 an hour)
  clock.advance(61s);
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  CHECK(h.record().history.active == "a");
  CHECK(h.record().decision.rule == core::Rule::FlipBudget);
  clock.advance(1h);  // an hour of monotonic time does
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "b");
}

TEST_CASE("clock: a restart after the wall clock went back keeps hold-down and the budget") {
  // state.json keeps automatic changes as wall times. A change stamped "in the future" (the wall
  // clock went back while planbd was down) used to be dropped on load, which freed the flip
  // budget and skipped hold-down: it now counts as just made.
  planb::testing::ManualClock clock;
  planb::testing::TempDir dir;
  PersistedState persisted;
  {
    Harness h(clock, dir.path());
    h.start(1);
    h.verdicts(core::Health::Healthy, core::Health::Healthy);
    h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
    REQUIRE(h.record().history.active == "b");
    std::string problem;
    persisted = h.store.load(&problem);
    REQUIRE(persisted.records.at(kName).automatic_changes.size() == 1);
  }
  clock.jumpWall(-2h);
  clock.advance(2min);  // past hold_down, within the hour

  Harness h(clock, dir.path(), kB);
  h.start(1, &persisted);
  CHECK(h.record().history.automatic_changes.size() == 1);
  h.verdicts(core::Health::Healthy, core::Health::Unhealthy);
  CHECK(h.record().history.active == "b");
  CHECK(h.record().decision.rule == core::Rule::HoldDown);
  clock.advance(61s);
  h.reconciler->step();
  REQUIRE(h.settle());
  CHECK(h.record().history.active == "b");
  CHECK(h.record().decision.rule == core::Rule::FlipBudget);
  CHECK(h.p1->writes() == 0);
}

TEST_CASE("clock: overrides expire at their wall-clock instant, never early on a step back") {
  planb::testing::TempDir dir;
  planb::testing::ManualClock clock;
  Log log{LogLevel::Error};
  StateStore store{dir.path()};
  AuditLog audit{dir.path()};
  OperatorDesk desk{log, clock, store, audit};
  config::Config config = planb::testing::twoTargetsOneRecord();
  std::map<std::string, core::TargetState> targets{{"a", state(core::Health::Healthy)},
                                                   {"b", state(core::Health::Healthy)}};
  Operator alice{1000, "alice"};
  REQUIRE(desk.handle({OperatorVerb::Failover, "www.example.test", "b", "drill", 30min, false},
                      alice, config, targets)
              .ok);

  clock.jumpWall(-3h);  // a step back: the pin is not dropped early
  clock.advance(31min);
  CHECK_FALSE(desk.expire());
  CHECK(desk.controls().pins.count("www.example.test.") == 1);

  clock.jumpWall(3h);  // wall time is past the expiry shown in status: it expires, audited
  CHECK(desk.expire());
  CHECK(desk.controls().pins.empty());
  auto newest = audit.newest(1);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0]["action"] == "expire");

  // A step forward past an expiry while planbd is down: expired at restore, not applied again.
  REQUIRE(desk.handle({OperatorVerb::Drain, "", "a", "drill", 10min, false}, alice, config, targets)
              .ok);
  std::string problem;
  PersistedState saved = store.load(&problem);
  clock.jumpWall(12h);
  OperatorDesk restarted{log, clock, store, audit};
  restarted.restore(saved.overrides);
  CHECK(restarted.controls().drained.empty());
}

TEST_CASE("full disk seam: state.json catches up as soon as it can be written, unprompted") {
  // A state_dir that cannot be written (here: it is gone) fails every save like a full disk.
  planb::testing::ManualClock clock;
  planb::testing::TempDir dir;
  std::string state_dir = dir.path() + "/state";
  std::filesystem::create_directory(state_dir);
  Harness h(clock, state_dir);
  h.start(10);
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  h.reconciler->step();
  REQUIRE(h.settle());
  REQUIRE(std::filesystem::exists(state_dir + "/state.json"));

  std::filesystem::rename(state_dir, dir.path() + "/away");
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  CHECK(h.p1->cname(kName) == kB);  // DNS is still steered
  CHECK_FALSE(h.reconciler->persistError().empty());

  std::filesystem::rename(dir.path() + "/away", state_dir);
  h.reconciler->step();  // the daemon's next tick; nothing else happens
  REQUIRE(h.settle());
  CHECK(h.reconciler->persistError().empty());
  std::string problem;
  CHECK(h.store.load(&problem).records.at(kName).target == "b");
}

TEST_CASE("full disk seam: audit entries kept in memory are written by the next sync") {
  planb::testing::ManualClock clock;
  planb::testing::TempDir dir;
  std::string state_dir = dir.path() + "/state";
  std::filesystem::create_directory(state_dir);
  AuditLog audit(state_dir);
  REQUIRE_FALSE(audit.append({{"type", "operator"}, {"n", 1}}, clock.wallNow()));
  std::filesystem::rename(state_dir, dir.path() + "/away");
  CHECK(audit.append({{"type", "operator"}, {"n", 2}}, clock.wallNow()));
  CHECK(audit.append({{"type", "dns_change"}, {"n", 3}}, clock.wallNow(), Durability::Written));
  CHECK(audit.pending() == 2);
  CHECK(audit.sync());                  // still no room: kept
  CHECK(audit.newest(10).size() == 2);  // history shows them meanwhile (the file is away)

  std::filesystem::rename(dir.path() + "/away", state_dir);
  CHECK_FALSE(audit.sync());
  CHECK(audit.pending() == 0);
  std::ifstream file(state_dir + "/audit.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(file, line)) {
    ++lines;
  }
  CHECK(lines == 3);
}
