// The Authority of a single planbd and of a fleet member: where an operator's override is stored
// before it is acknowledged, and that in fleet mode the event loop never waits on etcd (a fake
// link stands in for etcd: it can lose races, hang and be unreachable).

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "fakes/manual_clock.hpp"
#include "fakes/sample_config.hpp"
#include "fakes/temp_dir.hpp"
#include "fleet_authority.hpp"
#include "solo_authority.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;

namespace {

core::HealthBoard boardOf(const config::Config& config) {
  std::vector<core::BoardTarget> targets;
  for (const config::TargetConfig& t : config.targets) {
    targets.push_back({t.name, t.vendor, t.healthy_when});
  }
  return core::HealthBoard(std::move(targets), {}, {});
}

OperatorRequest freezeRequest() {
  OperatorRequest request;
  request.verb = OperatorVerb::Freeze;
  request.reason = "drill";
  return request;
}

// etcd as the fleet's Authority sees it through its link; jobs run on the fake's own thread.
class FakeFleetLink final : public FleetLink {
 public:
  FakeFleetLink() {
    thread_ = std::thread([this] { work(); });
  }
  ~FakeFleetLink() override { stop(); }

  void start() override {}
  void stop() override {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        return;
      }
      stopping_ = true;
      hanging_ = false;
    }
    wake_.notify_all();
    thread_.join();
  }
  const std::string& node() const noexcept override { return node_; }
  void publishView(const core::NodeView&) override {}
  void publishAudit(std::string) override {}
  void submit(std::function<void()> job) override {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_all();
  }
  bool leading() const override { return true; }
  std::optional<std::string> confirmLeadership() override { return std::nullopt; }
  std::optional<std::string> saveRecords(const std::map<std::string, PersistedRecord>&) override {
    return std::nullopt;
  }

  std::pair<std::vector<core::Override>, std::int64_t> readOverrides() override {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return !hanging_; });  // a request etcd does not answer
    if (unreachable_) {
      throw cluster::EtcdError(cluster::EtcdError::Kind::Unavailable, "connection refused");
    }
    return {stored_, revision_};
  }
  std::optional<std::string> saveOverrides(const std::vector<core::Override>& overrides,
                                           std::int64_t* revision, bool* conflict) override {
    std::lock_guard lock(mutex_);
    ++saves_;
    if (races_to_lose_ > 0) {
      --races_to_lose_;
      ++revision_;  // another node saved first
    }
    *conflict = *revision != revision_;
    if (*conflict) {
      return "another node changed the fleet's overrides meanwhile";
    }
    stored_ = overrides;
    *revision = ++revision_;
    return std::nullopt;
  }

  void hang(bool on) {
    {
      std::lock_guard lock(mutex_);
      hanging_ = on;
    }
    wake_.notify_all();
  }
  void loseRaces(int n) {
    std::lock_guard lock(mutex_);
    races_to_lose_ = n;
  }
  void unreachable() {
    std::lock_guard lock(mutex_);
    unreachable_ = true;
  }
  std::vector<core::Override> stored() {
    std::lock_guard lock(mutex_);
    return stored_;
  }
  int saves() {
    std::lock_guard lock(mutex_);
    return saves_;
  }

 private:
  void work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) {
          return;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::string node_ = "n1";
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  bool hanging_ = false;
  bool unreachable_ = false;
  int races_to_lose_ = 0;
  int saves_ = 0;
  std::vector<core::Override> stored_;
  std::int64_t revision_ = 0;
  std::thread thread_;
};

struct FleetWorld {
  testing::TempDir dir;
  testing::ManualClock clock;
  Log log{LogLevel::Error};
  StateStore store{dir.path()};
  AuditLog audit{dir.path()};
  boost::asio::io_context io;
  config::Config config = [] {
    config::Config c = testing::twoTargetsOneRecord();
    c.cluster = config::ClusterConfig{};
    c.cluster->node_name = "n1";
    return c;
  }();
  core::HealthBoard board = boardOf(config);
  core::LocalNetworkGuard guard{0, 1};
  FakeFleetLink* link = nullptr;
  FleetLink::Listener listener;
  int changes = 0;
  FleetAuthority authority{io,
                           log,
                           clock,
                           store,
                           audit,
                           {[this] { ++changes; }, [](const auto&) {}, [] {}},
                           [this](FleetLink::Listener l) {
                             listener = std::move(l);
                             auto fake = std::make_unique<FakeFleetLink>();
                             link = fake.get();
                             return fake;
                           }};

  FleetWorld() {
    REQUIRE(authority.start({}));
    authority.configure(config, board, guard);
  }

  // Runs the event loop until DONE says so; false when it did not within the deadline.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5s) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) {
        return false;
      }
      io.restart();
      io.run_one_for(10ms);
    }
    return true;
  }

  std::optional<OperatorAnswer> answer;
  void freeze() {
    authority.act(freezeRequest(), {1000, "alice"},
                  [this](OperatorAnswer a) { answer = std::move(a); });
  }
};

}  // namespace

TEST_CASE("a single planbd's override is in state.json before the operator is answered") {
  testing::TempDir dir;
  testing::ManualClock clock;
  Log log{LogLevel::Error};
  StateStore store{dir.path()};
  AuditLog audit{dir.path()};
  config::Config config = testing::twoTargetsOneRecord();
  core::HealthBoard board = boardOf(config);
  core::LocalNetworkGuard guard{0, 1};
  int changes = 0;
  SoloAuthority authority(log, clock, store, audit,
                          {[&] { ++changes; }, [](const auto&) {}, [] {}});
  REQUIRE(authority.start({}));
  authority.configure(config, board, guard);

  bool answered = false;
  authority.act(freezeRequest(), {1000, "alice"}, [&](OperatorAnswer answer) {
    answered = true;
    CHECK(answer.ok);
    std::string problem;
    PersistedState saved = StateStore(dir.path()).load(&problem);
    REQUIRE(saved.overrides.size() == 1);
    CHECK(saved.overrides[0].kind == core::OverrideKind::Freeze);
  });
  CHECK(answered);
  CHECK(changes == 1);
  CHECK(authority.controls().frozen);
  CHECK(authority.history(10).entries.at(0)["action"] == "freeze");
}

TEST_CASE("a fleet member's override that loses a race with another node is tried again") {
  FleetWorld w;
  w.link->loseRaces(2);
  w.freeze();
  REQUIRE(w.runUntil([&] { return w.answer.has_value(); }));
  CHECK(w.answer->ok);
  CHECK(w.link->saves() == 3);
  REQUIRE(w.link->stored().size() == 1);
  CHECK(w.authority.controls().frozen);
  CHECK(w.changes == 1);
  // Answered once, audited once: the lost races are not actions of their own.
  CHECK(w.audit.newest(10).size() == 1);
}

TEST_CASE("a fleet member gives up after four lost races and says why") {
  FleetWorld w;
  w.link->loseRaces(4);
  w.freeze();
  REQUIRE(w.runUntil([&] { return w.answer.has_value(); }));
  CHECK_FALSE(w.answer->ok);
  CHECK(w.answer->message ==
        "not done: the override could not be saved (another node changed the fleet's overrides "
        "meanwhile)");
  CHECK(w.link->saves() == 4);
  CHECK_FALSE(w.authority.controls().frozen);
}

TEST_CASE("the event loop keeps running while etcd does not answer an operator action") {
  FleetWorld w;
  w.link->hang(true);
  w.freeze();
  // A timer on the loop fires, and status and history answer, while etcd hangs.
  boost::asio::steady_timer tick(w.io, 1ms);
  bool ticked = false;
  tick.async_wait([&](const boost::system::error_code&) { ticked = true; });
  REQUIRE(w.runUntil([&] { return ticked; }));
  CHECK_FALSE(w.answer.has_value());
  CHECK(w.authority.fleetStatus().has_value());
  CHECK(w.authority.history(10).source.find("this node only") == 0);
  w.link->hang(false);
  REQUIRE(w.runUntil([&] { return w.answer.has_value(); }));
  CHECK(w.answer->ok);
}

TEST_CASE("an operator action is refused, not audited, when etcd is unreachable") {
  FleetWorld w;
  w.link->unreachable();
  w.freeze();
  REQUIRE(w.runUntil([&] { return w.answer.has_value(); }));
  CHECK_FALSE(w.answer->ok);
  CHECK(w.answer->message ==
        "not done: etcd is unreachable, so the fleet's overrides cannot be changed (connection "
        "refused)");
  CHECK(w.audit.newest(10).empty());
}

TEST_CASE("the fleet's history is the link's latest snapshot, newest first") {
  FleetWorld w;
  FleetSnapshot snapshot;
  snapshot.etcd_up = true;
  snapshot.audit = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{R"({"n":1})", "not json", R"({"n":3})"});
  w.listener(snapshot);
  REQUIRE(w.runUntil([&] { return w.authority.history(10).source == "fleet"; }));
  AuditHistory history = w.authority.history(2);
  REQUIRE(history.entries.size() == 1);
  CHECK(history.entries[0]["n"] == 3);
  CHECK(history.skipped == 1);

  FleetSnapshot down;
  down.etcd_up = false;
  down.etcd_error = "connection refused";
  w.listener(down);
  REQUIRE(w.runUntil([&] {
    return w.authority.history(10).source ==
           "this node only: etcd unreachable (connection refused)";
  }));
}

namespace {

core::Override pinOf(const std::string& record, const std::string& target) {
  core::Override o;
  o.kind = core::OverrideKind::Pin;
  o.subject = record;
  o.target = target;
  o.reason = "from etcd";
  o.user = "someone";
  return o;
}

}  // namespace

TEST_CASE("a pin read from etcd to a target that is not one of the record's is not obeyed") {
  FleetWorld w;
  // Whoever can write under the prefix puts a pin planbd's own checks would have refused.
  FleetSnapshot forged;
  forged.etcd_up = true;
  forged.overrides = std::vector<core::Override>{pinOf("www.example.test.", "c")};
  forged.overrides_revision = 1;
  w.listener(forged);
  REQUIRE(w.runUntil([&] { return w.authority.overrides().all().size() == 1; }));
  CHECK(w.authority.controls().pins.empty());

  FleetSnapshot pinned;
  pinned.etcd_up = true;
  pinned.overrides = std::vector<core::Override>{pinOf("www.example.test.", "b")};
  pinned.overrides_revision = 2;
  w.listener(pinned);
  REQUIRE(w.runUntil([&] { return w.authority.controls().pins.size() == 1; }));
  CHECK(w.authority.controls().pins.at("www.example.test.") == "b");
}
