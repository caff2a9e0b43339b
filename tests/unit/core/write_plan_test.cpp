#include "core/write_plan.hpp"

#include <doctest/doctest.h>

using namespace planb::core;

namespace {

const std::string kPlanWww = "www.example.test.";
const std::string kPlanApi = "api.example.test.";
const std::string kPlanZone = "example.test.";
const std::string kPlanA = "app.vendor-a.example.net.";
const std::string kPlanB = "app.vendor-b.example.net.";

ServedState servedCname(const std::string& to, std::uint32_t ttl = 60) {
  return {ServedState::Kind::Cname, to, ttl, {}};
}
ServedState servedNothing() {
  return {ServedState::Kind::Absent, {}, 0, {}};
}
ServedState servedOtherType(const std::string& type) {
  return {ServedState::Kind::OtherType, {}, 0, type};
}
ServedState notReadYet() {
  return {};
}

DesiredRecord wwwTo(const std::string& to) {
  return {kPlanWww, kPlanZone, to, 60};
}

}  // namespace

TEST_CASE("a provider serving the desired CNAME needs nothing") {
  WritePlan plan = planWrites({wwwTo(kPlanA)}, {{"p1", {{kPlanWww, servedCname(kPlanA)}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.reads.empty());
  CHECK(plan.blocked.empty());
  CHECK(plan.in_sync == std::vector<ProviderRecord>{{"p1", kPlanWww}});
}

TEST_CASE("a TTL that differs alone calls for no write") {
  WritePlan plan = planWrites({wwwTo(kPlanA)}, {{"p1", {{kPlanWww, servedCname(kPlanA, 300)}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.in_sync.size() == 1);
}

TEST_CASE("a provider serving another CNAME gets a write with a compare-and-swap on it") {
  WritePlan plan = planWrites({wwwTo(kPlanB)}, {{"p1", {{kPlanWww, servedCname(kPlanA)}}}});
  REQUIRE(plan.writes.size() == 1);
  const auto& [where, writes] = *plan.writes.begin();
  CHECK(where == ProviderZone{"p1", kPlanZone});
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].record == kPlanWww);
  CHECK(writes[0].expected_cname == kPlanA);
  CHECK(writes[0].new_cname == kPlanB);
  CHECK(writes[0].ttl == 60);
  CHECK(plan.in_sync.empty());
}

TEST_CASE("a name that holds nothing is written expecting no CNAME there") {
  WritePlan plan = planWrites({wwwTo(kPlanB)}, {{"p1", {{kPlanWww, servedNothing()}}}});
  REQUIRE(plan.writes.count({"p1", kPlanZone}) == 1);
  CHECK_FALSE(plan.writes.at({"p1", kPlanZone})[0].expected_cname.has_value());
}

TEST_CASE("a provider whose record is unknown is read, not written") {
  WritePlan plan = planWrites({wwwTo(kPlanB)}, {{"p1", {{kPlanWww, notReadYet()}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.reads == std::vector<ProviderRecord>{{"p1", kPlanWww}});
}

TEST_CASE("another type at the name is never overwritten but reported as blocked") {
  WritePlan plan = planWrites({wwwTo(kPlanB)}, {{"p1", {{kPlanWww, servedOtherType("A")}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.blocked == std::vector<BlockedRecord>{{"p1", kPlanWww, "A"}});
}

TEST_CASE("a record that may not be written yet is only read where unknown") {
  WritePlan plan = planWrites({wwwTo("")}, {{"p1", {{kPlanWww, notReadYet()}}},
                                            {"p2", {{kPlanWww, servedCname(kPlanA)}}},
                                            {"p3", {{kPlanWww, servedOtherType("TXT")}}}});
  CHECK(plan.reads == std::vector<ProviderRecord>{{"p1", kPlanWww}});
  CHECK(plan.writes.empty());
  CHECK(plan.blocked.empty());
  CHECK(plan.in_sync.empty());
}

TEST_CASE("a provider without an entry for a record takes no part in it") {
  WritePlan plan = planWrites({wwwTo(kPlanB)}, {{"p1", {{kPlanApi, servedCname(kPlanA)}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.reads.empty());
  CHECK(plan.in_sync.empty());
}

TEST_CASE("writes are grouped by provider and zone, records in the order given") {
  std::vector<DesiredRecord> desired{wwwTo(kPlanB),
                                     {kPlanApi, kPlanZone, kPlanB, 30},
                                     {"www.example.org.", "example.org.", kPlanB, 60}};
  ServedByProvider served{
      {"p1",
       {{kPlanWww, servedCname(kPlanA)},
        {kPlanApi, servedNothing()},
        {"www.example.org.", servedCname(kPlanA)}}},
      {"p2", {{kPlanWww, servedCname(kPlanB)}, {kPlanApi, servedCname(kPlanA)}}}};
  WritePlan plan = planWrites(desired, served);
  REQUIRE(plan.writes.size() == 3);
  const auto& p1 = plan.writes.at({"p1", kPlanZone});
  REQUIRE(p1.size() == 2);
  CHECK(p1[0].record == kPlanWww);
  CHECK(p1[1].record == kPlanApi);
  CHECK(p1[1].ttl == 30);
  CHECK(plan.writes.at({"p1", "example.org."}).size() == 1);
  const auto& p2 = plan.writes.at({"p2", kPlanZone});
  REQUIRE(p2.size() == 1);
  CHECK(p2[0].record == kPlanApi);
  CHECK(plan.in_sync == std::vector<ProviderRecord>{{"p2", kPlanWww}});
}
