// CloudflareProvider's batches through a scripted transport: one zone listing, the batch body,
// the split by the plan's limit, compare-and-swap per record, the refused batch resent without
// what conflicts, and the fallback where the API has no batch endpoint.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fakes/batch_changes.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kBatchZoneId = "5b3a0e0f6d9a4f1c8e2d7c6b5a493827";
const std::string kZoneRecords =
    "https://api.cloudflare.test/client/v4/zones/" + kBatchZoneId + "/dns_records";

std::string okEnvelope(Json result) {
  return Json{{"success", true},
              {"errors", Json::array()},
              {"messages", Json::array()},
              {"result", std::move(result)},
              {"result_info", {{"page", 1}, {"total_pages", 1}}}}
      .dump();
}

std::string errorEnvelope(long code, const std::string& message) {
  return Json{{"success", false},
              {"errors", {{{"code", code}, {"message", message}}}},
              {"messages", Json::array()},
              {"result", nullptr}}
      .dump();
}

// The zone as the scripted API serves it: name -> CNAME target, ids "id-<name>".
struct ScriptedZone {
  std::map<std::string, std::string> cnames;
  std::map<std::string, std::string> others;  // name -> type of a record that is not a CNAME

  Json listing() const {
    Json records = Json::array();
    for (const auto& [name, target] : cnames) {
      records.push_back({{"id", "id-" + name},
                         {"type", "CNAME"},
                         {"name", name},
                         {"content", target},
                         {"ttl", 60}});
    }
    for (const auto& [name, type] : others) {
      records.push_back(
          {{"id", "other-" + name}, {"type", type}, {"name", name}, {"content", "192.0.2.1"}});
    }
    return records;
  }
};

struct BatchFixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  CloudflareConfig config;
  ScriptedZone zone;
  std::vector<Json> batches;  // every batch body sent
  // How the API answers the n-th batch (from 0); applied when it answers nothing.
  std::function<std::optional<HttpResponse>(std::size_t)> batch_answer = [](std::size_t) {
    return std::nullopt;
  };

  BatchFixture() {
    std::string path = dir.path() + "/cf.token";
    std::ofstream(path) << "cf-batch-token\n";
    ::chmod(path.c_str(), 0600);
    config.name = "cf";
    config.settings.api_token_file = path;
    config.settings.zone_id = kBatchZoneId;
    config.endpoint = "https://api.cloudflare.test/client/v4";
    for (int i = 0; i < 5; ++i) {
      zone.cnames["app" + std::to_string(i) + ".example.com"] = "old.example.net";
    }
    transport->answer([this](const HttpRequest& request) { return serve(request); });
  }

  Result<HttpResponse> serve(const HttpRequest& request) {
    if (request.method == "GET" &&
        request.url == "https://api.cloudflare.test/client/v4/zones/" + kBatchZoneId) {
      return reply(200, okEnvelope({{"id", kBatchZoneId}, {"plan", {{"legacy_id", "pro"}}}}));
    }
    if (request.method == "GET" && request.url.rfind(kZoneRecords + "?", 0) == 0) {
      Json listing = zone.listing();
      if (auto at = request.url.find("name.exact="); at != std::string::npos) {
        std::string name = request.url.substr(at + 11, request.url.find('&', at) - at - 11);
        bool cnames_only = request.url.find("type=CNAME") != std::string::npos;
        Json filtered = Json::array();
        for (const Json& r : listing) {
          if (r.at("name") == name && (!cnames_only || r.at("type") == "CNAME")) {
            filtered.push_back(r);
          }
        }
        listing = filtered;
      }
      return reply(200, okEnvelope(listing));
    }
    if (request.method == "POST" && request.url == kZoneRecords + "/batch") {
      Json body = Json::parse(request.body);
      batches.push_back(body);
      if (auto answer = batch_answer(batches.size() - 1)) {
        return *answer;
      }
      Json posts = Json::array();
      for (const Json& p : body.value("patches", Json::array())) {
        zone.cnames[p.at("name")] = p.at("content");
      }
      for (const Json& p : body.value("posts", Json::array())) {
        zone.cnames[p.at("name")] = p.at("content");
        Json stored = p;
        stored["id"] = "new-" + p.at("name").get<std::string>();
        posts.push_back(std::move(stored));
      }
      return reply(200, okEnvelope({{"deletes", Json::array()},
                                    {"patches", body.value("patches", Json::array())},
                                    {"puts", Json::array()},
                                    {"posts", posts}}));
    }
    if (request.method == "PATCH" && request.url.rfind(kZoneRecords + "/id-", 0) == 0) {
      Json body = Json::parse(request.body);
      zone.cnames[body.at("name")] = body.at("content");
      return reply(200, okEnvelope({{"id", "id-" + body.at("name").get<std::string>()}}));
    }
    return reply(500, "unexpected " + request.method + " " + request.url);
  }

  CloudflareProvider make(CloudflareOptions options = {}) {
    return CloudflareProvider(config, transport, clock, options);
  }

  int sent(const std::string& method, const std::string& url_prefix) const {
    int n = 0;
    for (const auto& r : transport->requests) {
      n += r.method == method && r.url.rfind(url_prefix, 0) == 0 ? 1 : 0;
    }
    return n;
  }
};

std::vector<ReplaceRequest> movesOf(int n) {
  return planb::testing::appMoves(n, 60);
}

bool wasWritten(const Result<Written>& r) {
  return planb::testing::appliedNow(r);
}

}  // namespace

TEST_CASE("a batch lists the zone once and PATCHes every record by id in one batch request") {
  BatchFixture f;
  f.zone.cnames.erase("app4.example.com");  // absent: POSTed
  std::vector<ReplaceRequest> changes = movesOf(5);
  changes[4].expected_target.reset();
  CloudflareProvider provider = f.make();
  for (const auto& r : provider.replaceBatch(changes)) {
    CHECK(wasWritten(r));
  }
  CHECK(f.sent("GET", kZoneRecords + "?page=1&per_page=5000") == 1);
  REQUIRE(f.batches.size() == 1);
  const Json& body = f.batches[0];
  REQUIRE(body.at("patches").size() == 4);
  CHECK(body.at("patches")[0] == Json{{"id", "id-app0.example.com"},
                                      {"type", "CNAME"},
                                      {"name", "app0.example.com"},
                                      {"content", "new.example.net"},
                                      {"ttl", 60}});
  REQUIRE(body.at("posts").size() == 1);
  CHECK(body.at("posts")[0].at("name") == "app4.example.com");
  CHECK(!body.at("posts")[0].contains("id"));
  CHECK(!body.contains("deletes"));
  CHECK(f.sent("PATCH", kZoneRecords) == 0);
}

TEST_CASE("a batch is split by the limit: the configured one, else the zone's plan") {
  BatchFixture f;
  SUBCASE("configured") {
    CloudflareOptions options;
    options.batch_limit = 2;
    CloudflareProvider provider = f.make(options);
    for (const auto& r : provider.replaceBatch(movesOf(5))) {
      CHECK(wasWritten(r));
    }
    REQUIRE(f.batches.size() == 3);
    CHECK(f.batches[0].at("patches").size() == 2);
    CHECK(f.batches[2].at("patches").size() == 1);
  }
  SUBCASE("the plan, read once") {
    for (int i = 5; i < 3600; ++i) {
      f.zone.cnames["app" + std::to_string(i) + ".example.com"] = "old.example.net";
    }
    CloudflareProvider provider = f.make();
    for (const auto& r : provider.replaceBatch(movesOf(3600))) {
      CHECK(wasWritten(r));
    }
    REQUIRE(f.batches.size() == 2);  // a Pro zone: 3,500 a batch
    CHECK(f.batches[0].at("patches").size() == kCloudflareBatchLimitPaid);
    provider.replaceBatch(movesOf(2));
    CHECK(f.sent("GET", "https://api.cloudflare.test/client/v4/zones/" + kBatchZoneId) ==
          f.sent("GET", kZoneRecords) + 1);  // the zone itself once, the records every batch
  }
}

TEST_CASE("compare-and-swap is per record: a conflict fails alone, what is served is not sent") {
  BatchFixture f;
  f.zone.cnames["app1.example.com"] = "hand.edit.example.net";
  f.zone.cnames["app2.example.com"] = "new.example.net";  // already served
  f.zone.cnames.erase("app3.example.com");
  f.zone.others["app3.example.com"] = "A";
  CloudflareProvider provider = f.make();
  std::vector<Result<Written>> results = provider.replaceBatch(movesOf(5));
  CHECK(wasWritten(results[0]));
  REQUIRE(std::holds_alternative<ProviderError>(results[1]));
  CHECK(std::get<ProviderError>(results[1]).kind == ErrorKind::Conflict);
  CHECK(wasWritten(results[2]));
  REQUIRE(std::holds_alternative<ProviderError>(results[3]));
  CHECK(std::get<ProviderError>(results[3]).kind == ErrorKind::Conflict);
  CHECK(wasWritten(results[4]));
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches[0].at("patches").size() == 2);  // app0 and app4
}

TEST_CASE("a batch refused whole is listed again and resent without what now conflicts") {
  BatchFixture f;
  f.batch_answer = [&f](std::size_t n) -> std::optional<HttpResponse> {
    if (n == 0) {  // app2 was deleted meanwhile: the whole batch is refused
      f.zone.cnames.erase("app2.example.com");
      return reply(404, errorEnvelope(81044, "Record does not exist."));
    }
    return std::nullopt;
  };
  CloudflareProvider provider = f.make();
  std::vector<Result<Written>> results = provider.replaceBatch(movesOf(5));
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    if (i == 2) {
      REQUIRE(std::holds_alternative<ProviderError>(results[2]));
      CHECK(std::get<ProviderError>(results[2]).kind == ErrorKind::Conflict);
    } else {
      CHECK(wasWritten(results[i]));
    }
  }
  REQUIRE(f.batches.size() == 2);
  CHECK(f.batches[1].at("patches").size() == 4);
  CHECK(f.sent("GET", kZoneRecords + "?") == 2);
}

TEST_CASE("a batch refused twice goes one record at a time, each judged alone") {
  BatchFixture f;
  f.batch_answer = [](std::size_t) -> std::optional<HttpResponse> {
    return reply(400, errorEnvelope(1004, "DNS Validation Error"));
  };
  CloudflareProvider provider = f.make();
  for (const auto& r : provider.replaceBatch(movesOf(3))) {
    CHECK(wasWritten(r));
  }
  CHECK(f.batches.size() == 2);
  CHECK(f.sent("PATCH", kZoneRecords + "/id-") == 3);
  CHECK(!provider.batchUnavailable());
}

TEST_CASE("where the API has no batch endpoint, changes go one by one from then on") {
  BatchFixture f;
  f.batch_answer = [](std::size_t) -> std::optional<HttpResponse> {
    return reply(404, errorEnvelope(7000, "No route for that URI"));
  };
  CloudflareProvider provider = f.make();
  for (const auto& r : provider.replaceBatch(movesOf(3))) {
    CHECK(wasWritten(r));
  }
  CHECK(provider.batchUnavailable());
  CHECK(f.sent("PATCH", kZoneRecords + "/id-") == 3);
  provider.replaceBatch(movesOf(3));
  CHECK(f.batches.size() == 1);  // never asked again
}

TEST_CASE("a batch that fails for a reason of the API's own gives every change that error") {
  BatchFixture f;
  f.batch_answer = [](std::size_t) -> std::optional<HttpResponse> {
    return reply(503, errorEnvelope(10001, "service unavailable"));
  };
  CloudflareProvider provider = f.make();
  for (const auto& r : provider.replaceBatch(movesOf(3))) {
    REQUIRE(std::holds_alternative<ProviderError>(r));
    CHECK(std::get<ProviderError>(r).kind == ErrorKind::Transient);
  }
  CHECK(f.batches.size() == 1);
  CHECK(f.sent("PATCH", kZoneRecords) == 0);
}

TEST_CASE("a batch of reads is answered from one listing of the zone") {
  BatchFixture f;
  f.zone.others["mail.example.com"] = "MX";
  CloudflareProvider provider = f.make();
  std::vector<Result<ServedRecord>> read = provider.readBatch(
      "example.com.", {"app0.example.com.", "mail.example.com.", "none.example.com."});
  CHECK(std::get<ServedRecord>(read[0]).target == "old.example.net.");
  CHECK(std::get<ServedRecord>(read[1]).conflict_type == "MX");
  CHECK(std::get<ServedRecord>(read[2]).kind == ServedRecord::Kind::Absent);
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("a token that may not read the zone gets the Free plan's limit, asked for once") {
  BatchFixture f;
  f.transport->answer([&f](const HttpRequest& request) -> Result<HttpResponse> {
    if (request.url == "https://api.cloudflare.test/client/v4/zones/" + kBatchZoneId) {
      return reply(403, errorEnvelope(10000, "Authentication error"));
    }
    return f.serve(request);
  });
  for (int i = 5; i < 250; ++i) {
    f.zone.cnames["app" + std::to_string(i) + ".example.com"] = "old.example.net";
  }
  CloudflareProvider provider = f.make();
  for (const auto& r : provider.replaceBatch(movesOf(250))) {
    CHECK(wasWritten(r));
  }
  CHECK(f.batches.size() == 2);  // 200 and 50
  provider.replaceBatch(movesOf(2));
  CHECK(f.sent("GET", "https://api.cloudflare.test/client/v4/zones/" + kBatchZoneId) ==
        f.sent("GET", kZoneRecords) + 1);
}
