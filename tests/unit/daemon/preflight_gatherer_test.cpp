// The preflight gatherer over the reconciler's fake providers: each provider is read on its own
// worker, and what it answers becomes findings in the document GET /v1/preflight serves.

#include "preflight_gatherer.hpp"

#include <doctest/doctest.h>

#include <optional>

#include "fakes/reconciler_harness.hpp"

using namespace planb;
using planb::testing::ReconcilerHarness;
using planb::testing::reconciler_world::worldConfig;

namespace {

// Runs the gatherer to its answer, within a deadline.
std::optional<nlohmann::ordered_json> gatherPreflight(ReconcilerHarness& h,
                                                      daemon::PreflightGatherer& gatherer) {
  std::optional<nlohmann::ordered_json> answer;
  gatherer.run(h.config, [&answer](nlohmann::ordered_json document) { answer = document; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!answer && std::chrono::steady_clock::now() < deadline) {
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(2));
  }
  return answer;
}

daemon::PreflightGatherer::LookupDelegation delegatedTo(std::vector<std::string> names) {
  return [names](const std::vector<net::HostPort>&, const std::string&, bool) {
    return net::Result<std::vector<std::string>>(names);
  };
}

core::RehearsalRecords rehearsedAll() {
  core::RehearsalRecords records;
  records[{"example.test.", "p1"}].passed = true;
  records[{"example.test.", "p2"}].passed = true;
  return records;
}

}  // namespace

TEST_CASE("a provider that refuses the preflight read is a blocker; the others are read too") {
  ReconcilerHarness h(worldConfig({"p1", "p2"}));
  h.start();
  REQUIRE(h.settle());
  daemon::PreflightGatherer gatherer(h.io, *h.reconciler, nullptr, rehearsedAll,
                                     delegatedTo({"ns1.example.net."}));
  h.p1->failNext({net::ErrorKind::Auth, "p1: 401 invalid token", std::nullopt});
  h.p2->serve(testing::reconciler_world::kName,
              {providers::ServedRecord::Kind::Conflict, "", 0, "A"});
  std::optional<nlohmann::ordered_json> answer = gatherPreflight(h, gatherer);
  REQUIRE(answer);
  INFO(answer->dump(2));
  CHECK((*answer)["ok"] == false);
  CHECK((*answer)["blockers"] == 2);
  const auto& findings = (*answer)["findings"];
  REQUIRE(findings.size() == 2);
  CHECK(findings[0]["provider"] == "p1");
  CHECK(findings[0]["what"].get<std::string>().find("refused planb's credentials") !=
        std::string::npos);
  CHECK(findings[1]["provider"] == "p2");
  CHECK(findings[1]["fix"] ==
        "delete the A record at www.example.test. on p2 (planb writes the "
        "CNAME)");
}

TEST_CASE("a clean zone is ok, and the dependencies are listed") {
  ReconcilerHarness h(worldConfig({"p1", "p2"}));
  h.config.daemon.resolvers = {{"127.0.0.1", 53}};
  h.start();
  REQUIRE(h.settle());
  daemon::PreflightGatherer gatherer(h.io, *h.reconciler, nullptr, rehearsedAll,
                                     delegatedTo({"ns1.example.net."}));
  std::optional<nlohmann::ordered_json> answer = gatherPreflight(h, gatherer);
  REQUIRE(answer);
  INFO(answer->dump(2));
  CHECK((*answer)["ok"] == true);
  CHECK((*answer)["findings"].empty());
  REQUIRE_FALSE((*answer)["dependencies"].empty());
  CHECK((*answer)["dependencies"][0]["kind"] == "resolver");
  CHECK((*answer)["dependencies"][0]["what"] == "127.0.0.1:53");
}

TEST_CASE("a minimum TTL a provider raised a failover to is a warning naming the minimum") {
  using testing::reconciler_world::kName;
  ReconcilerHarness h(worldConfig({"p1", "p2"}));
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->minimumTtl(600);
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  daemon::PreflightGatherer gatherer(h.io, *h.reconciler, nullptr, rehearsedAll,
                                     delegatedTo({"ns1.example.net."}));
  std::optional<nlohmann::ordered_json> answer = gatherPreflight(h, gatherer);
  REQUIRE(answer);
  INFO(answer->dump(2));
  CHECK((*answer)["ok"] == true);
  REQUIRE((*answer)["findings"].size() == 1);
  const auto& finding = (*answer)["findings"][0];
  CHECK(finding["severity"] == "warning");
  CHECK(finding["provider"] == "p1");
  CHECK(finding["fix"].get<std::string>().find("set ttl = 600 on record " + kName) == 0);
}

TEST_CASE(
    "with rehearsals off, a provider never rehearsed is a warning that says how to turn them on") {
  ReconcilerHarness h(worldConfig({"p1", "p2"}));
  h.config.rehearsal.interval = std::chrono::milliseconds::zero();
  h.start();
  REQUIRE(h.settle());
  daemon::PreflightGatherer gatherer(
      h.io, *h.reconciler, nullptr, [] { return core::RehearsalRecords{}; },
      delegatedTo({"ns1.example.net."}));
  std::optional<nlohmann::ordered_json> answer = gatherPreflight(h, gatherer);
  REQUIRE(answer);
  INFO(answer->dump(2));
  CHECK((*answer)["ok"] == true);  // a warning, not a blocker
  bool told = false;
  for (const auto& finding : (*answer)["findings"]) {
    told = told ||
           finding["what"].get<std::string>().find("(rehearsals are off)") != std::string::npos;
  }
  CHECK(told);
}
