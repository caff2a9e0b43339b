// GoogleProvider's changes: exact deletions + additions as the compare-and-swap, one change per
// zone split only by the documented limits, lost races told apart per record, pending changes.

#include <doctest/doctest.h>

#include <map>

#include "google_script.hpp"

using namespace planb::providers;
using namespace planb::testing;
using Json = nlohmann::json;

namespace {

// A zone the scripted API keeps: listings answer from it, changes apply to it unless a test's
// `refuse` answers first.
struct GoogleZoneScript {
  std::map<std::string, Json> sets;  // "name type" -> rrset
  std::vector<Json> changes;         // bodies posted
  std::function<std::optional<planb::net::HttpResponse>(const Json&)> refuse;
  std::string status = "pending";

  void put(const Json& rrset) {
    sets[rrset["name"].get<std::string>() + " " + rrset["type"].get<std::string>()] = rrset;
  }

  planb::net::HttpResponse operator()(const planb::net::HttpRequest& r, const std::string&) {
    if (r.method == "GET") {
      Json all = Json::array();
      for (const auto& entry : sets) {
        all.push_back(entry.second);
      }
      return reply(200, googleListing(all).dump());
    }
    Json change = Json::parse(r.body);
    changes.push_back(change);
    if (refuse) {
      if (auto answer = refuse(change)) {
        return *answer;
      }
    }
    for (const Json& d : change["deletions"]) {
      sets.erase(d["name"].get<std::string>() + " " + d["type"].get<std::string>());
    }
    for (const Json& a : change["additions"]) {
      put(a);
    }
    return reply(
        200,
        Json{{"kind", "dns#change"}, {"id", std::to_string(changes.size())}, {"status", status}}
            .dump());
  }
};

ReplaceRequest googleSwap(const std::string& label, const std::string& from,
                          const std::string& to) {
  ReplaceRequest r;
  r.record = {"example.com.", label + ".example.com."};
  r.expected_target = from;
  r.new_target = to;
  r.ttl = 60;
  return r;
}

}  // namespace

TEST_CASE("a swap deletes the CNAME exactly as served and adds the new one, in one change") {
  GoogleScript g;
  GoogleZoneScript zone;
  Json current = googleRrset("www.example.com.", "CNAME", "primary.example.net.", 60);
  current["signatureRrdatas"] =
      Json::array({"CNAME 8 3 60 20260101000000 20251201000000 1 x. AAAA"});
  zone.put(current);
  g.api = std::ref(zone);
  auto p = g.provider();
  auto written =
      p->replaceBatch({googleSwap("www", "primary.example.net.", "backup.example.net.")});
  REQUIRE(std::holds_alternative<Written>(written[0]));
  CHECK(std::get<Written>(written[0]).propagating_change == "example-com/1");
  REQUIRE(zone.changes.size() == 1);
  CHECK(zone.changes[0]["deletions"] == Json::array({current}));
  CHECK(zone.changes[0]["additions"] ==
        Json::array({{{"kind", "dns#resourceRecordSet"},
                      {"name", "www.example.com."},
                      {"type", "CNAME"},
                      {"ttl", 60},
                      {"rrdatas", Json::array({"backup.example.net."})}}}));
}

TEST_CASE("a change answered done is Written applied; replace() is a batch of one") {
  GoogleScript g;
  GoogleZoneScript zone;
  zone.status = "done";
  zone.put(googleRrset("www.example.com.", "CNAME", "primary.example.net.", 60));
  g.api = std::ref(zone);
  auto p = g.provider();
  auto written =
      p->replaceBatch({googleSwap("www", "primary.example.net.", "backup.example.net.")});
  CHECK(std::get<Written>(written[0]).propagating_change.empty());
  CHECK(std::holds_alternative<Unit>(
      p->replace(googleSwap("www", "backup.example.net.", "primary.example.net."))));
}

TEST_CASE("every change of a zone goes in one changes.create") {
  GoogleScript g;
  GoogleZoneScript zone;
  std::vector<ReplaceRequest> swaps;
  for (int i = 0; i < 5; ++i) {
    zone.put(googleRrset("n" + std::to_string(i) + ".example.com.", "CNAME", "a.example.net.", 60));
    swaps.push_back(googleSwap("n" + std::to_string(i), "a.example.net.", "b.example.net."));
  }
  g.api = std::ref(zone);
  auto written = g.provider()->replaceBatch(swaps);
  CHECK(zone.changes.size() == 1);
  CHECK(zone.changes[0]["deletions"].size() == 5);
  CHECK(zone.changes[0]["additions"].size() == 5);
  for (const auto& w : written) {
    CHECK(std::get<Written>(w).propagating_change == "example-com/1");
  }
  CHECK(g.apiRequests().size() == 2);  // one listing, one change
}

TEST_CASE(
    "changes are split where the additions, deletions or rrdata bytes would exceed the limits") {
  GoogleScript g;
  GoogleZoneScript zone;
  std::vector<ReplaceRequest> swaps;
  for (int i = 0; i < 5; ++i) {
    zone.put(googleRrset("n" + std::to_string(i) + ".example.com.", "CNAME", "a.example.net.", 60));
    swaps.push_back(googleSwap("n" + std::to_string(i), "a.example.net.", "b.example.net."));
  }
  g.api = std::ref(zone);
  GoogleOptions options = g.options();
  options.batch_limits.deletions = 2;
  GoogleProvider p(g.config(), g.transport, g.clock, options);
  p.replaceBatch(swaps);
  REQUIRE(zone.changes.size() == 3);
  CHECK(zone.changes[0]["deletions"].size() == 2);
  CHECK(zone.changes[2]["deletions"].size() == 1);

  GoogleZoneScript bytes_zone;
  for (int i = 0; i < 5; ++i) {
    bytes_zone.put(
        googleRrset("n" + std::to_string(i) + ".example.com.", "CNAME", "b.example.net.", 60));
  }
  g.api = std::ref(bytes_zone);
  options.batch_limits = {};
  options.batch_limits.rrdata_bytes = 3 * 28;  // "a.example.net." + "b.example.net." is 28
  GoogleProvider q(g.config(), g.transport, g.clock, options);
  std::vector<ReplaceRequest> back;
  for (int i = 0; i < 5; ++i) {
    back.push_back(googleSwap("n" + std::to_string(i), "b.example.net.", "a.example.net."));
  }
  q.replaceBatch(back);
  REQUIRE(bytes_zone.changes.size() == 2);
  CHECK(bytes_zone.changes[0]["additions"].size() == 3);
}

TEST_CASE("a 412 naming deletions[1] is that record's Conflict; the others go again and through") {
  GoogleScript g;
  GoogleZoneScript zone;
  for (const char* n : {"a", "b", "c"}) {
    zone.put(googleRrset(std::string(n) + ".example.com.", "CNAME", "old.example.net.", 60));
  }
  bool raced = false;
  zone.refuse = [&](const Json& change) -> std::optional<planb::net::HttpResponse> {
    if (raced) {
      return std::nullopt;
    }
    raced = true;
    // Another writer changed b just before: Cloud DNS refuses the whole change.
    zone.put(googleRrset("b.example.com.", "CNAME", "someone-else.example.net.", 60));
    CHECK(change["deletions"][1]["name"] == "b.example.com.");
    return reply(412, googleErrorBody(412, "conditionNotMet",
                                      "Precondition not met for 'entity.change.deletions[1]'",
                                      "FAILED_PRECONDITION"));
  };
  g.api = std::ref(zone);
  auto written =
      g.provider()->replaceBatch({googleSwap("a", "old.example.net.", "new.example.net."),
                                  googleSwap("b", "old.example.net.", "new.example.net."),
                                  googleSwap("c", "old.example.net.", "new.example.net.")});
  CHECK(std::holds_alternative<Written>(written[0]));
  REQUIRE(errorIn(written[1]));
  CHECK(errorIn(written[1])->kind == ErrorKind::Conflict);
  CHECK(errorIn(written[1])->message.find("conditionNotMet") != std::string::npos);
  CHECK(std::holds_alternative<Written>(written[2]));
  REQUIRE(zone.changes.size() == 2);
  CHECK(zone.changes[1]["deletions"].size() == 2);
  CHECK(zone.sets["b.example.com. CNAME"]["rrdatas"][0] == "someone-else.example.net.");
  CHECK(zone.sets["c.example.com. CNAME"]["rrdatas"][0] == "new.example.net.");
}

TEST_CASE("a 409 naming the addition by name and type is that record's Conflict") {
  GoogleScript g;
  GoogleZoneScript zone;
  zone.put(googleRrset("a.example.com.", "CNAME", "old.example.net.", 60));
  bool raced = false;
  zone.refuse = [&](const Json&) -> std::optional<planb::net::HttpResponse> {
    if (raced) {
      return std::nullopt;
    }
    raced = true;
    zone.put(googleRrset("fresh.example.com.", "CNAME", "other.example.net.", 60));
    return reply(409, googleErrorBody(409, "alreadyExists",
                                      "The resource 'entity.change.additions[fresh.example.com.]"
                                      "[CNAME]' named 'fresh.example.com. (CNAME)' already exists",
                                      "ALREADY_EXISTS"));
  };
  g.api = std::ref(zone);
  ReplaceRequest create = googleSwap("fresh", "", "new.example.net.");
  create.expected_target.reset();  // the name must hold no CNAME
  auto written =
      g.provider()->replaceBatch({googleSwap("a", "old.example.net.", "new.example.net."), create});
  CHECK(std::holds_alternative<Written>(written[0]));
  REQUIRE(errorIn(written[1]));
  CHECK(errorIn(written[1])->kind == ErrorKind::Conflict);
  CHECK(zone.changes[0]["deletions"].size() == 1);  // nothing to delete for the new name
  CHECK(zone.changes[0]["additions"].size() == 2);
}

TEST_CASE("a name that no longer serves the expected target is a Conflict and is never sent") {
  GoogleScript g;
  GoogleZoneScript zone;
  zone.put(googleRrset("a.example.com.", "CNAME", "moved.example.net.", 60));
  zone.put(googleRrset("b.example.com.", "CNAME", "new.example.net.", 60));
  zone.put(googleRrset("c.example.com.", "A", "192.0.2.7", 60));
  g.api = std::ref(zone);
  auto written =
      g.provider()->replaceBatch({googleSwap("a", "old.example.net.", "new.example.net."),
                                  googleSwap("b", "old.example.net.", "new.example.net."),
                                  googleSwap("c", "old.example.net.", "new.example.net.")});
  CHECK(errorIn(written[0])->kind == ErrorKind::Conflict);
  CHECK(std::get<Written>(written[1]).propagating_change.empty());  // already served
  CHECK(errorIn(written[2])->kind == ErrorKind::Conflict);
  CHECK(zone.changes.empty());
}

TEST_CASE("a refusal that is no lost race fails every change it held, with its kind") {
  GoogleScript g;
  GoogleZoneScript zone;
  zone.put(googleRrset("a.example.com.", "CNAME", "old.example.net.", 60));
  zone.put(googleRrset("b.example.com.", "CNAME", "old.example.net.", 60));
  zone.refuse = [](const Json&) -> std::optional<planb::net::HttpResponse> {
    return reply(429, googleErrorBody(429, "rateLimitExceeded",
                                      "Resource has been exhausted (e.g. check quota).",
                                      "RESOURCE_EXHAUSTED"));
  };
  g.api = std::ref(zone);
  auto written =
      g.provider()->replaceBatch({googleSwap("a", "old.example.net.", "new.example.net."),
                                  googleSwap("b", "old.example.net.", "new.example.net.")});
  CHECK(errorIn(written[0])->kind == ErrorKind::RateLimited);
  CHECK(errorIn(written[1])->kind == ErrorKind::RateLimited);
  CHECK(zone.changes.size() == 1);
}

TEST_CASE(
    "a lost race that names no record is re-read; still refused after the last round, it is a "
    "Conflict") {
  GoogleScript g;
  GoogleZoneScript zone;
  zone.put(googleRrset("a.example.com.", "CNAME", "old.example.net.", 60));
  zone.refuse = [](const Json&) -> std::optional<planb::net::HttpResponse> {
    return reply(412, googleErrorBody(412, "conditionNotMet", "Precondition not met",
                                      "FAILED_PRECONDITION"));
  };
  g.api = std::ref(zone);
  auto written =
      g.provider()->replaceBatch({googleSwap("a", "old.example.net.", "new.example.net.")});
  REQUIRE(errorIn(written[0]));
  CHECK(errorIn(written[0])->kind == ErrorKind::Conflict);
  CHECK(zone.changes.size() == 3);  // max_batch_rounds
}
