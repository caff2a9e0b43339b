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
  r.decision.desired = active;
  r.decision.wanted = active;
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
