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

TEST_CASE("status notes that a webhook provider has no compare-and-swap, and no other provider") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.b.example.net.", 60, {}});
  config::Config config = testing::twoTargetsOneRecord();
  config::ProviderConfig hook;
  hook.name = "p1";
  hook.type = config::ProviderType::Webhook;
  hook.webhook.url = "http://127.0.0.1:8888";
  config::ProviderConfig pdns;
  pdns.name = "p2";
  pdns.type = config::ProviderType::PowerDns;
  config.providers = {hook, pdns};
  auto doc = statusDocument(config, emptyBoard(), records, {}, {});
  const auto& providers = doc.at("records").at(0).at("providers");
  INFO(providers.dump());
  CHECK(providers[0]["note"] == "no compare-and-swap: read just before each write");
  CHECK(providers[1]["note"].is_null());
}

TEST_CASE("the plan writes where a provider serves something else and never over another type") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.a.example.net.", 60, {}});
  records["www.example.test."].sync["p2"].served =
      ServedRecord{ServedRecord::Kind::Conflict, "", 0, "A"};
  auto plan = nlohmann::json::parse(planJson(testing::twoTargetsOneRecord(), records));
  REQUIRE(plan["changes"].size() == 2);
  CHECK(plan["changes"][0]["action"] == "write CNAME app.b.example.net.");
  CHECK(plan["changes"][1]["action"] == "none: the name holds a A record");
}

TEST_CASE("the plan writes nothing before every target has a verdict") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.a.example.net.", 60, {}});
  records["www.example.test."].verdicts_seen = false;
  auto plan = nlohmann::json::parse(planJson(testing::twoTargetsOneRecord(), records));
  CHECK(plan["changes"][0]["action"] == "none: waiting for verdicts");
}

TEST_CASE("the plan is laid out byte for byte as nlohmann's dump(2) prints it") {
  std::map<std::string, RecordRuntime> records;
  records["www.example.test."] =
      servedOn("b", ServedRecord{ServedRecord::Kind::Cname, "app.a.example.net.", 60, {}});
  RecordRuntime odd = servedOn("a", ServedRecord{ServedRecord::Kind::Absent, "", 0, {}});
  odd.config.name = "caf\xc3\xa9.example.test.";
  // Quotes, a backslash, a control character, a tab and invalid UTF-8, as a provider's error
  // text might carry them: escaped, and the invalid byte replaced, as nlohmann does.
  odd.decision.reason = "say \"hi\" \\ \x01\t\xff end";
  odd.decision.serve.reset();
  odd.sync["p2"].served = ServedRecord{ServedRecord::Kind::Conflict, "", 0, "A"};
  records["caf\xc3\xa9.example.test."] = odd;
  RecordRuntime none = servedOn("b", std::nullopt);
  none.sync.clear();  // no provider: no row
  records["none.example.test."] = none;

  const std::string text = planJson(testing::twoTargetsOneRecord(), records);
  const auto parsed = nlohmann::ordered_json::parse(text);
  CHECK(parsed["changes"].size() == 4);
  CHECK(text == parsed.dump(2) + "\n");
  CHECK(text.find("\\\"hi\\\" \\\\ \\u0001\\t\xef\xbf\xbd end") != std::string::npos);
}

TEST_CASE("a plan of no records is an empty list of changes") {
  CHECK(planJson(testing::twoTargetsOneRecord(), {}) == "{\n  \"changes\": []\n}\n");
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
