// The fleet agent against a real etcd 3.4: leader election under leases, the fence, views,
// overrides' compare-and-swap, and etcd going away and coming back.

#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "cluster/etcd_client.hpp"
#include "fakes/captured_stderr.hpp"
#include "fleet_agent.hpp"
#include "harness/etcd_server.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;
using planb::testing::EtcdServer;

namespace {

// One node of a test fleet: an agent and the newest snapshot it handed over.
class Node {
 public:
  // POLL and LEASE_TTL set how often the agent looks at etcd by itself (a keepalive every
  // lease_ttl / 3 is a look too); AUDIT_KEEP how many fleet audit entries it keeps, pruned on
  // every poll while it leads.
  Node(const EtcdServer& etcd, std::string name, Log& log, std::chrono::milliseconds poll = 50ms,
       std::chrono::seconds lease_ttl = 2s, std::size_t audit_keep = 10'000) {
    FleetSettings s;
    s.etcd.endpoints = {etcd.endpoint()};
    s.etcd.timeout = 500ms;
    s.node = std::move(name);
    s.lease_ttl = lease_ttl;
    s.prefix = "/planb-it/";
    s.poll = poll;
    s.audit_keep = audit_keep;
    s.audit_prune_every = 0s;
    agent = std::make_unique<FleetAgent>(std::move(s), log, [this](FleetSnapshot snapshot) {
      std::lock_guard lock(mutex_);
      last_ = std::move(snapshot);
      ++snapshots_;
      changed_.notify_all();
    });
  }

  // The agent's thread calls back into this node: stop it before the members it uses go.
  ~Node() { agent->stop(); }

  // Waits until a snapshot satisfies PREDICATE; false after DEADLINE.
  template <typename Predicate>
  bool waitFor(Predicate predicate, std::chrono::milliseconds deadline = 6s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return predicate(last_); });
  }

  // Waits until the agent has handed over COUNT snapshots in all; false after DEADLINE.
  bool waitForSnapshots(std::size_t count, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return snapshots_ >= count; });
  }

  FleetSnapshot last() {
    std::lock_guard lock(mutex_);
    return last_;
  }

  std::size_t snapshots() {
    std::lock_guard lock(mutex_);
    return snapshots_;
  }

  std::unique_ptr<FleetAgent> agent;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  FleetSnapshot last_;
  std::size_t snapshots_ = 0;  // one per poll of etcd
};

core::NodeView viewOf(const std::string& node, core::Health a) {
  return {node, false, {{"vendor-a", a}}, {{"a", a}}};
}

bool leads(const FleetSnapshot& s) {
  return s.etcd_up && s.leading;
}

}  // namespace

TEST_CASE("of two nodes exactly one leads, and only its writes pass the fence") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  Node n2(etcd, "n2", log);
  n1.agent->start();
  n2.agent->start();
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.leader.has_value(); }));
  REQUIRE(n2.waitFor([](const FleetSnapshot& s) { return s.leader.has_value(); }));
  Node& leader = n1.agent->leading() ? n1 : n2;
  Node& follower = n1.agent->leading() ? n2 : n1;
  CHECK(leader.agent->leading());
  CHECK_FALSE(follower.agent->leading());
  CHECK(follower.last().leader == leader.agent->node());
  CHECK(leader.agent->confirmLeadership() == std::nullopt);
  CHECK(follower.agent->confirmLeadership().has_value());
  CHECK(follower.agent->saveRecords({}).has_value());
}

TEST_CASE("views published by each node are read by every node, and vanish with its lease") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  Node n2(etcd, "n2", log);
  n1.agent->start();
  n2.agent->start();
  n1.agent->publishView(viewOf("n1", core::Health::Unhealthy));
  n2.agent->publishView(viewOf("n2", core::Health::Healthy));
  REQUIRE(n2.waitFor([](const FleetSnapshot& s) { return s.views.size() == 2; }));
  FleetSnapshot seen = n2.last();
  CHECK(seen.views[0].node == "n1");
  CHECK(seen.views[0].targets.at("vendor-a") == core::Health::Unhealthy);
  CHECK(seen.views[0].vendors.at("a") == core::Health::Unhealthy);
  CHECK(seen.views[1].targets.at("vendor-a") == core::Health::Healthy);
  n1.agent->stop();  // revokes its lease
  CHECK(n2.waitFor([](const FleetSnapshot& s) { return s.views.size() == 1; }, 2s));
}

TEST_CASE("a leader that stops hands over at once: its lease is revoked") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  Node n2(etcd, "n2", log);
  n2.agent->start();
  REQUIRE(n2.waitFor([](const FleetSnapshot& s) { return s.leader == "n1"; }));
  auto stopped = std::chrono::steady_clock::now();
  n1.agent->stop();
  REQUIRE(n2.waitFor(leads, 2s));  // well before the lease (2 s) would have expired
  CHECK(std::chrono::steady_clock::now() - stopped < 2s);
  CHECK(n2.last().elected);
}

TEST_CASE("an old leader whose key another node now holds is fenced and steps down") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  // The agent looks at etcd by itself only every 10 s here: the refusal below is the fence's.
  Node n1(etcd, "n1", log, 10s, 30s);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  // What a pause past the lease looks like to etcd: the key is gone and another node takes it.
  cluster::EtcdOptions options;
  options.endpoints = {etcd.endpoint()};
  cluster::EtcdClient raw(options);
  raw.deleteKey("/planb-it/leader");
  raw.put("/planb-it/leader", "n9");
  CHECK(n1.agent->confirmLeadership().value_or("") ==
        "etcd says the leader key is no longer this node's");
  CHECK_FALSE(n1.agent->leading());
  CHECK(n1.agent->saveRecords({}).has_value());
  CHECK(n1.waitFor([](const FleetSnapshot& s) { return s.leader == "n9" && !s.leading; }, 12s));
}

TEST_CASE("the leader shares its decisions, and a new leader reads them as it is elected") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  PersistedRecord decided;
  decided.target = "vendor-b";
  REQUIRE(n1.agent->saveRecords({{"www.example.test.", decided}}) == std::nullopt);
  Node n2(etcd, "n2", log);
  n2.agent->start();
  REQUIRE(n2.waitFor([](const FleetSnapshot& s) { return s.leader == "n1"; }));
  n1.agent->stop();
  REQUIRE(n2.waitFor([](const FleetSnapshot& s) { return s.elected; }, 3s));
  FleetSnapshot elected = n2.last();
  REQUIRE(elected.records.has_value());
  CHECK(elected.records->at("www.example.test.").target == "vendor-b");
}

TEST_CASE("overrides are replaced only over the revision they were read at") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  auto [none, revision] = n1.agent->readOverrides();
  CHECK(none.empty());
  CHECK(revision == 0);
  core::Override freeze;
  freeze.kind = core::OverrideKind::Freeze;
  freeze.user = "alice";
  std::int64_t stale = revision;
  bool conflict = false;
  REQUIRE(n1.agent->saveOverrides({freeze}, &revision, &conflict) == std::nullopt);
  CHECK(revision > 0);
  CHECK(n1.agent->saveOverrides({}, &stale, &conflict).has_value());
  CHECK(conflict);
  auto [now, at] = n1.agent->readOverrides();
  REQUIRE(now.size() == 1);
  CHECK(now[0].user == "alice");
  CHECK(at == revision);
}

TEST_CASE("without etcd nobody leads; when it returns a leader is elected again") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  etcd.stop();
  auto stopped = std::chrono::steady_clock::now();
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return !s.etcd_up && !s.leading; }, 4s));
  // Steps down within the lease: 2 s, plus one poll and one request timeout.
  CHECK(std::chrono::steady_clock::now() - stopped < 3s);
  CHECK(n1.agent->confirmLeadership().has_value());
  CHECK_FALSE(n1.last().etcd_error.empty());
  // Refused connections fail at once: the agent still polls only every 50 ms, never in a loop.
  // 20 polls at no more than 30 a second take at least 667 ms; a spinning agent takes a few.
  std::size_t before = n1.snapshots();
  auto window = std::chrono::steady_clock::now();
  n1.agent->publishView(viewOf("n1", core::Health::Unhealthy));  // a change while etcd is away
  REQUIRE(n1.waitForSnapshots(before + 20, 4s));
  CHECK(std::chrono::steady_clock::now() - window >= 20 * 1000ms / 30);
  etcd.restart();
  CHECK(n1.waitFor(leads, 10s));
  // The view changed while etcd was away is published once it is back.
  CHECK(n1.waitFor([](const FleetSnapshot& s) {
    return s.views.size() == 1 && s.views[0].targets.at("vendor-a") == core::Health::Unhealthy;
  }));
}

TEST_CASE("the fleet's audit keeps every node's entries in time order") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  Node n2(etcd, "n2", log);
  n1.agent->start();
  n2.agent->start();
  n1.agent->publishAudit(R"({"n":1})");
  REQUIRE(n1.waitFor([&](const FleetSnapshot&) { return n1.agent->readAudit(10).size() == 1; }));
  n2.agent->publishAudit(R"({"n":2})");
  REQUIRE(n2.waitFor([&](const FleetSnapshot&) { return n2.agent->readAudit(10).size() == 2; }));
  std::vector<std::string> lines = n1.agent->readAudit(10);
  CHECK(lines[0] == R"({"n":1})");
  CHECK(lines[1] == R"({"n":2})");
  CHECK(n1.agent->readAudit(1) == std::vector<std::string>{R"({"n":2})"});
}

TEST_CASE("every snapshot carries the fleet's newest audit lines, at most audit_read") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  Node n2(etcd, "n2", log);
  n1.agent->start();
  n2.agent->start();
  n1.agent->publishAudit(R"({"n":1})");
  n2.agent->publishAudit(R"({"n":2})");
  // n1 reads n2's line too: the snapshot is the fleet's history, not this node's.
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.audit && s.audit->size() == 2; }));
  std::vector<std::string> lines = *n1.last().audit;
  CHECK(std::count(lines.begin(), lines.end(), R"({"n":1})") == 1);
  CHECK(std::count(lines.begin(), lines.end(), R"({"n":2})") == 1);
}

TEST_CASE("a line written after one named later (a clock ahead) still reaches the snapshot") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  cluster::EtcdOptions options;
  options.endpoints = {etcd.endpoint()};
  cluster::EtcdClient raw(options);
  // A node whose wall clock runs years ahead wrote this line: its key sorts after every other.
  raw.put("/planb-it/audit/999999999999999-skewed-000000001", R"({"n":0})");
  Node n1(etcd, "n1", log);
  n1.agent->start();
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.audit && s.audit->size() == 1; }));
  n1.agent->publishAudit(R"({"n":1})");
  CHECK(n1.waitFor([](const FleetSnapshot& s) { return s.audit && s.audit->size() == 2; }));
}

TEST_CASE("a submitted job runs on the agent's thread, where the overrides can be swapped") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  std::mutex mutex;
  std::condition_variable done;
  std::optional<std::thread::id> ran_on;
  std::optional<std::string> error = "not run";
  n1.agent->submit([&] {
    auto [overrides, revision] = n1.agent->readOverrides();
    bool conflict = false;
    core::Override freeze;
    freeze.kind = core::OverrideKind::Freeze;
    std::optional<std::string> saved = n1.agent->saveOverrides({freeze}, &revision, &conflict);
    std::lock_guard lock(mutex);
    ran_on = std::this_thread::get_id();
    error = saved;
    done.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    REQUIRE(done.wait_for(lock, 6s, [&] { return ran_on.has_value(); }));
    CHECK(*ran_on != std::this_thread::get_id());
    CHECK(error == std::nullopt);
  }
  CHECK(n1.waitFor([](const FleetSnapshot& s) { return s.overrides && s.overrides->size() == 1; }));
}

TEST_CASE("an audit line reaches etcd at once, not with the next poll") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  // Polls (and keepalives) 10 s apart: only the line itself can make the agent write it sooner.
  Node n1(etcd, "n1", log, 10s, 30s);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  n1.agent->publishAudit(R"({"n":1})");
  // The round the line wakes hands over a snapshot after writing it: no poll is due for 10 s.
  CHECK(n1.waitFor([&](const FleetSnapshot&) { return !n1.agent->readAudit(10).empty(); }, 2s));
  CHECK(n1.agent->readAudit(10) == std::vector<std::string>{R"({"n":1})"});
}

TEST_CASE("the leader keeps only the newest audit entries of the fleet in etcd") {
  EtcdServer etcd;
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log, 50ms, 2s, /*audit_keep=*/3);
  n1.agent->start();
  REQUIRE(n1.waitFor(leads));
  for (int i = 1; i <= 5; ++i) {
    n1.agent->publishAudit("{\"n\":" + std::to_string(i) + "}");
  }
  CHECK(n1.waitFor([&](const FleetSnapshot&) {
    return n1.agent->readAudit(10) ==
           std::vector<std::string>{R"({"n":3})", R"({"n":4})", R"({"n":5})"};
  }));
}

TEST_CASE("a second node with the same name is reported, not silently merged") {
  EtcdServer etcd;
  // The report is a log line: stderr goes to a file for this test.
  planb::testing::CapturedStderr capture(etcd.dir() + "/stderr.log");
  Log log(LogLevel::Error);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  n1.agent->publishView(viewOf("n1", core::Health::Healthy));
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.views.size() == 1; }));
  Node twin(etcd, "n1", log);
  twin.agent->start();
  twin.agent->publishView(viewOf("n1", core::Health::Unhealthy));
  // Both keep rewriting one key; each notices another lease on it. Leadership stays single.
  CHECK(twin.waitFor([](const FleetSnapshot& s) { return s.leader == "n1"; }));
  CHECK((n1.agent->leading() ? 1 : 0) + (twin.agent->leading() ? 1 : 0) == 1);
  auto reported = [&] {
    return capture.text().find("another planbd also calls itself n1") != std::string::npos;
  };
  CHECK(twin.waitFor([&](const FleetSnapshot&) { return reported(); }));
}

namespace {

// What someone with write access under the prefix, but not planbd, puts there.
std::unique_ptr<cluster::EtcdClient> forgerOf(const EtcdServer& etcd) {
  cluster::EtcdOptions options;
  options.endpoints = {etcd.endpoint()};
  options.timeout = 500ms;
  return std::make_unique<cluster::EtcdClient>(options);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a view written without a lease is not counted: it would never expire") {
  EtcdServer etcd;
  planb::testing::CapturedStderr capture(etcd.dir() + "/stderr.log");
  Log log(LogLevel::Warn);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  n1.agent->publishView(viewOf("n1", core::Health::Healthy));
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.views.size() == 1; }));
  auto forger = forgerOf(etcd);
  forger->put("/planb-it/nodes/n2", encodeView(viewOf("n2", core::Health::Unhealthy)));
  // Every poll from the next on reads the forged key: three of them, and it is still left out.
  REQUIRE(n1.waitForSnapshots(n1.snapshots() + 3, 6s));
  FleetSnapshot seen = n1.last();
  REQUIRE(seen.views.size() == 1);
  CHECK(seen.views[0].node == "n1");
  CHECK(occurrences(capture.text(), "/planb-it/nodes/n2") == 1);
  CHECK(capture.text().find("no lease") != std::string::npos);
}

TEST_CASE("a view under another node's key is not counted") {
  EtcdServer etcd;
  planb::testing::CapturedStderr capture(etcd.dir() + "/stderr.log");
  Log log(LogLevel::Warn);
  Node n1(etcd, "n1", log);
  n1.agent->start();
  n1.agent->publishView(viewOf("n1", core::Health::Healthy));
  REQUIRE(n1.waitFor([](const FleetSnapshot& s) { return s.views.size() == 1; }));
  auto forger = forgerOf(etcd);
  std::int64_t lease = forger->grantLease(30s);
  // Under a lease, but the key says n3 and the view says n2.
  forger->put("/planb-it/nodes/n3", encodeView(viewOf("n2", core::Health::Unhealthy)), lease);
  // Every poll from the next on reads the forged key: three of them, and it is still left out.
  REQUIRE(n1.waitForSnapshots(n1.snapshots() + 3, 6s));
  FleetSnapshot seen = n1.last();
  REQUIRE(seen.views.size() == 1);
  CHECK(seen.views[0].node == "n1");
  CHECK(occurrences(capture.text(), "/planb-it/nodes/n3") == 1);
  forger->revokeLease(lease);
}
