#include "status_document.hpp"

#include <doctest/doctest.h>

#include "fakes/sample_config.hpp"

using namespace planb;
using namespace planb::daemon;
using providers::ServedRecord;

namespace {

RecordRuntime servedOn(const std::string& active, std::optional<ServedRecord> on_p1) {
  RecordRuntime r;
  r.config.name = "www.example.test.";
  r.config.zone = "example.test.";
  r.config.targets = {"a", "b"};
  r.history.active = active;
  r.verdicts_seen = true;
  r.decision.serve = active;
  r.decision.desired = active;
  r.decision.rule = core::Rule::Failover;
  r.decision.reason = "a is unhealthy; b is the first usable target";
  r.sync["p1"].served = std::move(on_p1);
  r.sync["p2"].last_error = "auth: rejected";
  return r;
}

core::HealthBoard emptyBoard() {
  return core::HealthBoard({{"a", "va", {}}, {"b", "vb", {}}}, {});
}

}  // namespace

TEST_CASE("status shows what each provider serves, whether it is in sync and its last error") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.b.example.net.", 60, {}});
  auto doc = statusDocument(testing::twoTargetsOneRecord(), emptyBoard(), records, {}, {});
  const auto& record = doc["records"][0];
  CHECK(record["served"] == "b");
  CHECK(record["rule"] == "failover");
  CHECK(record["providers"][0]["name"] == "p1");
  CHECK(record["providers"][0]["in_sync"] == true);
  CHECK(record["providers"][1]["in_sync"] == false);
  CHECK(record["providers"][1]["served"].is_null());
  CHECK(record["providers"][1]["last_error"] == "auth: rejected");
  CHECK(doc["vendors"].size() == 2);
  CHECK(doc["targets"][0]["health"] == "unknown");
}

TEST_CASE("the plan writes where a provider serves something else and never over another type") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.a.example.net.", 60, {}});
  records["www.example.test."].sync["p2"].served =
      ServedRecord{ServedRecord::Kind::Conflict, "", 0, "A"};
  auto plan = planDocument(testing::twoTargetsOneRecord(), records);
  REQUIRE(plan["changes"].size() == 2);
  CHECK(plan["changes"][0]["action"] == "write CNAME app.b.example.net.");
  CHECK(plan["changes"][1]["action"] == "none: the name holds a A record");
}

TEST_CASE("the plan writes nothing before every target has a verdict") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.a.example.net.", 60, {}});
  records["www.example.test."].verdicts_seen = false;
  auto plan = planDocument(testing::twoTargetsOneRecord(), records);
  CHECK(plan["changes"][0]["action"] == "none: waiting for verdicts");
}

TEST_CASE("a single planbd has no cluster in its status") {
  auto doc = statusDocument(testing::twoTargetsOneRecord(), emptyBoard(), {}, {}, {});
  CHECK(doc["cluster"].is_null());
}

TEST_CASE("fleet status names the leader and shows every node's view, a dissent included") {
  FleetStatus fleet;
  fleet.node = "edge-1";
  fleet.leader = "edge-2";
  fleet.etcd_up = true;
  fleet.quorum = 2;
  fleet.quorum_setting = "majority";
  fleet.min_nodes = 2;
  fleet.live_nodes = 3;
  fleet.automation = "ok";
  fleet.leader_changes = 1;
  using core::Health;
  fleet.nodes = {{"edge-1", false, {{"a", Health::Unhealthy}}, {{"va", Health::Unhealthy}}},
                 {"edge-2", false, {{"a", Health::Healthy}}, {{"va", Health::Healthy}}},
                 {"edge-3", true, {{"a", Health::Unknown}}, {{"va", Health::Unknown}}}};
  auto doc = statusDocument(testing::twoTargetsOneRecord(), emptyBoard(), {}, {}, {}, &fleet);
  const auto& c = doc["cluster"];
  CHECK(c["node"] == "edge-1");
  CHECK(c["leader"] == "edge-2");
  CHECK(c["leading"] == false);
  CHECK(c["quorum_setting"] == "majority");
  REQUIRE(c["nodes"].size() == 3);
  CHECK(c["nodes"][0]["self"] == true);
  CHECK(c["nodes"][0]["targets"]["a"] == "unhealthy");
  CHECK(c["nodes"][0]["vendors"]["va"] == "down");
  CHECK(c["nodes"][1]["leader"] == true);
  CHECK(c["nodes"][1]["vendors"]["va"] == "up");
  CHECK(c["nodes"][2]["live"] == false);
  CHECK(c["nodes"][2]["guard_down"] == true);
}
