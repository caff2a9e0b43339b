// tests/conformance/google/: every recorded reply parsed by the provider's own parsers to what
// the service meant ("expect"), and the error replies classified as the provider classifies them.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "google_script.hpp"
#include "providers/google_reply.hpp"

using namespace planb::providers;
using Json = nlohmann::json;

namespace {

std::vector<Json> googleCorpus() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(PLANB_GOOGLE_CORPUS_DIR)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Json> exchanges;
  for (const auto& path : files) {
    Json exchange = Json::parse(std::ifstream(path));
    exchange["file"] = path.filename().string();
    exchanges.push_back(std::move(exchange));
  }
  return exchanges;
}

std::string googleKindName(ErrorKind kind) {
  return std::string(nameOf(kind));
}

}  // namespace

TEST_CASE("the Google corpus holds ten exchanges, each with what it means") {
  auto corpus = googleCorpus();
  CHECK(corpus.size() == 10);
  for (const Json& exchange : corpus) {
    CAPTURE(exchange["file"].get<std::string>());
    CHECK(exchange.contains("expect"));
  }
}

TEST_CASE("every recorded Google reply parses to what the service meant") {
  for (const Json& exchange : googleCorpus()) {
    const std::string file = exchange["file"];
    CAPTURE(file);
    const Json& expect = exchange["expect"];
    long status = exchange["response"]["status"];
    Json body = Json::parse(exchange["response"]["body"].get<std::string>());
    if (status >= 400) {
      std::optional<GoogleErrorBody> error = parseGoogleError(body);
      REQUIRE(error);
      CHECK(error->reasons == expect["reasons"].get<std::vector<std::string>>());
      std::string kind = googleKindName(googleErrorKind(status, error->reasons));
      CHECK(kind == googleKindName(expect["kind"] == "Conflict"      ? ErrorKind::Conflict
                                   : expect["kind"] == "RateLimited" ? ErrorKind::RateLimited
                                                                     : ErrorKind::Permanent));
      if (expect.contains("deletion")) {
        CHECK(googleChangeRefIn(error->message, "deletions") ==
              std::optional<std::string>(expect["deletion"].get<std::string>()));
      }
    } else if (expect.contains("access_token")) {
      CHECK(body["access_token"] == expect["access_token"]);
      CHECK(body["expires_in"] == expect["expires_in"]);
    } else if (expect.contains("zones")) {
      GoogleZonePage page = parseGoogleZonePage(body);
      REQUIRE(page.zones.size() == expect["zones"].size());
      CHECK(page.zones[0].name == expect["zones"][0]["name"]);
      CHECK(page.zones[0].dns_name == expect["zones"][0]["dns_name"]);
      CHECK(page.zones[0].name_servers ==
            expect["zones"][0]["name_servers"].get<std::vector<std::string>>());
    } else if (expect.contains("rrsets")) {
      GoogleRrsetPage page = parseGoogleRrsetPage(body);
      CHECK(page.rrsets.empty());
      CHECK(page.next_page_token.empty());
    } else if (expect.contains("id")) {
      GoogleChange change = parseGoogleChange(body);
      CHECK(change.id == expect["id"]);
      CHECK(change.status == expect["status"]);
      if (expect.contains("txt")) {
        CHECK(googleUnquoteTxt(body["additions"][0]["rrdatas"][0].get<std::string>()) ==
              expect["txt"]);
      }
    } else if (expect.contains("served")) {
      GoogleRrsetPage page = parseGoogleRrsetPage(body);
      for (const auto& item : expect["served"].items()) {
        // Not a structured binding: clang 14 cannot capture one (CAPTURE).
        const std::string name = item.key();
        const Json& what = item.value();
        CAPTURE(name);
        std::vector<const GoogleRrset*> at;
        for (const GoogleRrset& set : page.rrsets) {
          if (set.name == name) {
            at.push_back(&set);
          }
        }
        ServedRecord served = googleServedAt(at);
        if (what["kind"] == "cname") {
          CHECK(served.kind == ServedRecord::Kind::Cname);
          CHECK(served.target == what["target"]);
          CHECK(served.ttl == what["ttl"]);
        } else {
          CHECK(served.kind == ServedRecord::Kind::Conflict);
          CHECK(served.conflict_type == what["type"]);
        }
      }
    } else {
      FAIL("an exchange this test does not know how to check");
    }
  }
}

TEST_CASE("planb's changes.create carries every field the recorded one did, at the same path") {
  Json recorded;
  for (const Json& exchange : googleCorpus()) {
    if (exchange["file"] == "04-changes-create-cname-pending.json") {
      recorded = exchange["request"];
    }
  }
  REQUIRE(recorded.is_object());
  planb::testing::GoogleScript g;
  Json sent;
  std::string path;
  g.api = [&](const planb::net::HttpRequest& r, const std::string& p) {
    if (r.method == "POST") {
      sent = Json::parse(r.body);
      path = p;
      return planb::testing::reply(200, R"({"kind":"dns#change","id":"1","status":"pending"})");
    }
    return planb::testing::reply(200, R"({"kind":"dns#resourceRecordSetsListResponse"})");
  };
  ReplaceRequest create;
  create.record = {"example.com.", "docs.example.com."};
  create.new_target = "docs.example.net.";
  create.ttl = 3600;
  auto written = g.provider()->replaceBatch({create});
  REQUIRE(std::holds_alternative<Written>(written[0]));
  Json body = Json::parse(recorded["body"].get<std::string>());
  for (const auto& item : body["additions"][0].items()) {
    const std::string key = item.key();
    CAPTURE(key);
    CHECK(sent["additions"][0].contains(key));
  }
  CHECK(recorded["method"] == "POST");
  std::string recorded_path = recorded["path"];
  CHECK(recorded_path.substr(recorded_path.rfind("/changes")) ==
        path.substr(path.rfind("/changes")));
}
