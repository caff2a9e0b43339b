// The corpus of real Cloudflare exchanges (tests/conformance/cloudflare/) held to planb: every
// reply parses, with the provider's own code, to what Cloudflare meant ("expect"), and the requests
// planb sends for the same operations carry the recorded path, query parameters, body fields and
// headers.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/dns_name.hpp"
#include "fakes/corpus_exchanges.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/cloudflare_listing.hpp"
#include "providers/cloudflare_provider.hpp"
#include "providers/cloudflare_txt.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kToken = "corpus-token-SECRET";
const std::string kApi = "https://api.cloudflare.com/client/v4";

struct Exchange : planb::testing::CorpusExchange {
  const Json& request() const { return json.at("request"); }
  const Json& response() const { return json.at("response"); }
  const Json& expect() const { return json.at("expect"); }
  HttpResponse recorded() const {
    return reply(response().at("status").get<long>(), response().at("body").get<std::string>(),
                 {{"Content-Type", response().at("headers").value("Content-Type", "")}});
  }
  Json recordedBody() const { return Json::parse(request().at("body").get<std::string>()); }
  std::string recordedZone() const {  // the zone id in the recorded path
    std::string path = request().at("path");
    std::string after = path.substr(path.find("/zones/") + 7);
    return after.substr(0, after.find('/'));
  }
};

std::vector<Exchange> corpus() {
  std::vector<Exchange> all;
  for (planb::testing::CorpusExchange& e : planb::testing::loadCorpus(PLANB_CLOUDFLARE_CORPUS)) {
    all.push_back({std::move(e)});
  }
  REQUIRE(all.size() >= 12);
  return all;
}

std::vector<Exchange> withExpect(const std::string& key) {
  std::vector<Exchange> some;
  for (Exchange& e : corpus()) {
    if (e.expect().contains(key)) {
      some.push_back(std::move(e));
    }
  }
  REQUIRE(!some.empty());
  return some;
}

struct Provider {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  CloudflareConfig config;

  explicit Provider(std::optional<std::string> zone_id) {
    std::string path = dir.path() + "/cf.token";
    std::ofstream(path) << kToken << "\n";
    ::chmod(path.c_str(), 0600);
    config.name = "cf";
    config.settings.api_token_file = path;
    config.settings.zone_id = std::move(zone_id);  // the default endpoint: Cloudflare's
  }
  CloudflareProvider make() {
    return CloudflareProvider(config, transport, std::make_shared<ManualClock>());
  }
};

std::string pathOf(const HttpRequest& r) {
  std::string url = r.url.substr(std::string("https://api.cloudflare.com").size());
  return url.substr(0, url.find('?'));
}

std::set<std::string> queryKeys(const std::string& query) {
  std::set<std::string> keys;
  std::size_t at = 0;
  while (at < query.size()) {
    std::size_t end = query.find('&', at);
    std::string pair = query.substr(at, end == std::string::npos ? std::string::npos : end - at);
    keys.insert(pair.substr(0, pair.find('=')));
    at = end == std::string::npos ? query.size() : end + 1;
  }
  return keys;
}

// The filters of a request: its query keys but the paging ones, which each client picks for
// itself, and "status", which only narrows a zone look-up to active zones.
std::set<std::string> filters(const std::string& query) {
  std::set<std::string> keys = queryKeys(query);
  for (const char* knob : {"page", "per_page", "status"}) {
    keys.erase(knob);
  }
  return keys;
}

std::set<std::string> keysOf(const Json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) {
    keys.insert(key);
  }
  return keys;
}

void sameHeaders(const HttpRequest& mine, const Exchange& e) {
  std::map<std::string, std::string> headers(mine.headers.begin(), mine.headers.end());
  CHECK(headers.at("Authorization").rfind("Bearer ", 0) == 0);
  CHECK(e.request().at("headers").at("Authorization").get<std::string>().rfind("Bearer ", 0) == 0);
  if (!mine.body.empty()) {
    CHECK(headers.at("Content-Type") == "application/json");
    CHECK(e.request().at("headers").at("Content-Type") == "application/json");
  }
}

// The rehearsal's exchanges (TXT records, the zone's details), held to planb below.
bool isRehearsal(const Exchange& e) {
  std::string op = e.expect().value("planb", "");
  return op.rfind("txt_", 0) == 0 || op == "zone_details";
}

std::string queryOf(const HttpRequest& r) {
  std::size_t at = r.url.find('?');
  return at == std::string::npos ? "" : r.url.substr(at + 1);
}

Json listingOf(const Json& records) {
  return {{"success", true},
          {"errors", Json::array()},
          {"messages", Json::array()},
          {"result", records},
          {"result_info", {{"page", 1}, {"total_pages", 1}}}};
}

}  // namespace

TEST_CASE("every listing of the corpus parses to the records Cloudflare meant") {
  for (const Exchange& e : withExpect("records")) {
    CAPTURE(e.file);
    CloudflareListingPage page =
        parseCloudflareListing(Json::parse(e.response().at("body").get<std::string>()));
    const Json& wanted = e.expect().at("records");
    REQUIRE(page.records.size() == wanted.size());
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const CloudflareRecord& got = page.records[i];
      const Json& want = wanted[i];
      CHECK(got.name == want.at("name"));
      CHECK(got.type == want.at("type"));
      CHECK(cloudflareServedTtl(got.ttl) == want.at("ttl"));
      CHECK(got.attributes.proxied == want.at("proxied"));
      if (want.contains("target")) {
        CHECK(planb::core::canonicalName(got.content) == want.at("target"));
      }
      if (want.contains("comment")) {
        CHECK(got.attributes.comment == want.at("comment").get<std::string>());
      }
      if (want.contains("tags")) {
        CHECK(got.attributes.tags == want.at("tags").get<std::vector<std::string>>());
      }
      if (want.contains("settings")) {
        CHECK(Json::parse(got.attributes.settings) == want.at("settings"));
      }
    }
    CHECK(page.total_pages == e.expect().value("total_pages", 1));
  }
}

TEST_CASE("every refusal of the corpus is the error kind Cloudflare meant, quoting its codes") {
  for (const Exchange& e : withExpect("error_kind")) {
    CAPTURE(e.file);
    Provider p("023e105f4ecef8ad9ca31a8372d0c353");
    p.transport->answer([&](const HttpRequest&) { return Result<HttpResponse>(e.recorded()); });
    Result<ServedRecord> read = p.make().read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<ProviderError>(read));
    const ProviderError& error = std::get<ProviderError>(read);
    std::string kind = e.expect().at("error_kind");
    std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
    CHECK(nameOf(error.kind) == (kind == "ratelimited" ? "rate_limited" : kind));
    for (const Json& code : e.expect().at("codes")) {
      CHECK(error.message.find(std::to_string(code.get<long>())) != std::string::npos);
    }
    CHECK(error.message.find(kToken) == std::string::npos);
  }
}

TEST_CASE("the corpus' zone look-up gives the zone's id, and its Free plan 200 records a batch") {
  for (const Exchange& e : withExpect("zone_id")) {
    CAPTURE(e.file);
    Provider p(std::nullopt);
    std::string zone = e.expect().at("zone");
    std::string records =
        kApi + "/zones/" + e.expect().at("zone_id").get<std::string>() + "/dns_records";
    int batches = 0;
    p.transport->answer([&](const HttpRequest& r) {
      if (pathOf(r) == "/client/v4/zones") {
        return Result<HttpResponse>(e.recorded());
      }
      if (r.method == "GET" && r.url.rfind(records + "?", 0) == 0) {
        return Result<HttpResponse>(reply(200, listingOf(Json::array()).dump()));
      }
      if (r.method == "POST" && r.url == records + "/batch") {
        ++batches;
        return Result<HttpResponse>(reply(200, listingOf({{"posts", Json::array()}}).dump()));
      }
      return Result<HttpResponse>(reply(500, "unexpected " + r.url));
    });
    CloudflareProvider provider = p.make();
    std::vector<ReplaceRequest> changes;
    for (int i = 0; i < 201; ++i) {
      ReplaceRequest r;
      r.record = {zone, "n" + std::to_string(i) + "." + zone};
      r.new_target = "backup.example.net.";
      changes.push_back(r);
    }
    for (const auto& result : provider.replaceBatch(changes)) {
      CHECK(std::holds_alternative<Written>(result));
    }
    int limit = e.expect().at("batch_limit").get<int>();
    CHECK(batches == (201 + limit - 1) / limit);
  }
}

TEST_CASE("the corpus' write replies are accepted writes") {
  for (const Exchange& e : corpus()) {
    const std::string method = e.request().at("method");
    if (method == "GET" || e.response().at("status") != 200 || isRehearsal(e)) {
      continue;  // the rehearsal's writes have test cases of their own below
    }
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    Json body = e.recordedBody();
    bool patch = method == "PATCH";
    p.transport->answer([&](const HttpRequest& r) {
      if (r.method == "GET") {
        Json cnames = Json::array();
        if (patch) {
          std::string path = e.request().at("path");
          cnames.push_back({{"id", path.substr(path.rfind('/') + 1)},
                            {"type", "CNAME"},
                            {"name", "www.example.com"},
                            {"content", "primary.example.net"},
                            {"ttl", 60}});
        }
        return Result<HttpResponse>(reply(200, listingOf(cnames).dump()));
      }
      return Result<HttpResponse>(e.recorded());
    });
    CloudflareProvider provider = p.make();
    ReplaceRequest r;
    r.record = {"example.com.", "www.example.com."};
    r.new_target = "backup.example.net.";
    if (patch) {
      r.expected_target = "primary.example.net.";
    }
    if (body.contains("patches")) {
      ReplaceRequest other = r;
      other.record.name = "api.example.com.";
      for (const auto& result : provider.replaceBatch({r, other})) {
        CHECK(std::holds_alternative<Written>(result));
      }
    } else {
      Result<Unit> written = provider.replace(r);
      CHECK(std::holds_alternative<Unit>(written));
    }
  }
}

TEST_CASE(
    "planb's requests carry the path, filters, body fields and headers of the recorded ones") {
  for (const Exchange& e : withExpect("planb")) {
    const std::string op = e.expect().at("planb");
    if (op == "create" || isRehearsal(e)) {
      continue;  // the next test cases
    }
    CAPTURE(e.file);
    const std::string query = e.request().value("query", "");
    const std::string recorded_path = e.request().at("path");
    Provider p(op == "zone_lookup" ? std::nullopt : std::optional(e.recordedZone()));
    // The name each operation is about: one the recorded request names, else one of the zone's.
    std::string name = "www.example.com.";
    std::string zone = "example.com.";
    if (op == "zone_lookup") {
      zone = e.expect().at("zone");
      name = "www." + zone;
    }
    Json listed = Json::array();
    std::string patched_id;
    if (op == "patch") {
      patched_id = recorded_path.substr(recorded_path.rfind('/') + 1);
    } else if (op == "batch") {
      patched_id = e.recordedBody().at("patches").at(0).at("id");
    }
    if (!patched_id.empty()) {
      listed.push_back({{"id", patched_id},
                        {"type", "CNAME"},
                        {"name", "www.example.com"},
                        {"content", "primary.example.net"},
                        {"ttl", 60}});
    }
    p.transport->answer([&](const HttpRequest& r) {
      if (r.method == "GET" && pathOf(r) == "/client/v4/zones") {
        return Result<HttpResponse>(e.recorded());
      }
      if (r.method == "GET") {
        return Result<HttpResponse>(reply(200, listingOf(listed).dump()));
      }
      return Result<HttpResponse>(reply(200, listingOf(Json::object()).dump()));
    });
    CloudflareProvider provider = p.make();
    ReplaceRequest change;
    change.record = {zone, name};
    change.new_target = "backup.example.net.";
    change.expected_target = "primary.example.net.";
    std::string mine_method = e.request().at("method");
    if (op == "zone_lookup" || op == "read") {
      provider.read({zone, name});
    } else if (op == "zone_listing") {
      provider.readBatch(zone, {name, "api.example.com."});
    } else if (op == "patch") {
      provider.replace(change);
    } else if (op == "batch") {
      ReplaceRequest created = change;
      created.record.name = "api.example.com.";
      created.expected_target.reset();
      provider.replaceBatch({change, created});
    }
    // planb's request of the same method and path shape as the recorded one.
    const HttpRequest* mine = nullptr;
    for (const HttpRequest& r : p.transport->requests) {
      if (r.method == mine_method && pathOf(r) == recorded_path) {
        mine = &r;
        break;
      }
    }
    REQUIRE_MESSAGE(mine != nullptr, "planb sent no " << mine_method << " " << recorded_path);
    std::string my_query =
        mine->url.find('?') == std::string::npos ? "" : mine->url.substr(mine->url.find('?') + 1);
    CHECK(filters(my_query) == filters(query));
    sameHeaders(*mine, e);
    if (op == "patch") {
      std::set<std::string> recorded = keysOf(e.recordedBody());
      for (const std::string& key : keysOf(Json::parse(mine->body))) {
        CHECK_MESSAGE(recorded.count(key) == 1, "planb's PATCH sends " << key);
      }
    }
    if (op == "batch") {
      Json body = Json::parse(mine->body);
      for (const char* list : {"patches", "posts"}) {
        std::set<std::string> recorded = keysOf(e.recordedBody().at(list).at(0));
        REQUIRE(body.at(list).size() == 1);
        for (const std::string& key : keysOf(body.at(list).at(0))) {
          CHECK_MESSAGE(recorded.count(key) == 1, "planb's batch " << list << " send " << key);
        }
      }
    }
  }
}

TEST_CASE("planb's create carries the body fields of a recorded create") {
  for (const Exchange& e : withExpect("planb")) {
    if (e.expect().at("planb") != "create") {
      continue;
    }
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    p.transport->answer([&](const HttpRequest& r) {
      return Result<HttpResponse>(r.method == "GET" ? reply(200, listingOf(Json::array()).dump())
                                                    : e.recorded());
    });
    ReplaceRequest created;
    created.record = {"example.com.", "www.example.com."};
    created.new_target = "backup.example.net.";
    p.make().replace(created);
    REQUIRE(p.transport->requests.back().method == "POST");
    const HttpRequest& mine = p.transport->requests.back();
    CHECK(pathOf(mine) == e.request().at("path"));
    sameHeaders(mine, e);
    std::set<std::string> recorded = keysOf(e.recordedBody());
    for (const std::string& key : keysOf(Json::parse(mine.body))) {
      CHECK_MESSAGE(recorded.count(key) == 1, "planb's POST sends " << key);
    }
  }
}

TEST_CASE("the corpus' zone details give the name servers Cloudflare assigned the zone") {
  for (const Exchange& e : withExpect("name_servers")) {
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    p.transport->answer([&](const HttpRequest&) { return Result<HttpResponse>(e.recorded()); });
    Result<std::vector<std::string>> servers = p.make().nameServers("pacalis.net.");
    REQUIRE(std::holds_alternative<std::vector<std::string>>(servers));
    CHECK(std::get<std::vector<std::string>>(servers) ==
          e.expect().at("name_servers").get<std::vector<std::string>>());
    REQUIRE(p.transport->requests.size() == 1);
    CHECK(p.transport->requests[0].method == "GET");
    CHECK(pathOf(p.transport->requests[0]) == e.request().at("path"));
    sameHeaders(p.transport->requests[0], e);
  }
}

TEST_CASE("the corpus' TXT listings read as their text, and planb lists TXT by type and name") {
  for (const Exchange& e : withExpect("txt")) {
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    p.transport->answer([&](const HttpRequest&) { return Result<HttpResponse>(e.recorded()); });
    std::string name = e.expect().at("records").at(0).at("name");
    Result<std::vector<std::string>> values = p.make().readTxt({"pacalis.net.", name});
    REQUIRE(std::holds_alternative<std::vector<std::string>>(values));
    CHECK(std::get<std::vector<std::string>>(values) ==
          e.expect().at("txt").get<std::vector<std::string>>());
    REQUIRE(p.transport->requests.size() == 1);
    const HttpRequest& mine = p.transport->requests[0];
    CHECK(pathOf(mine) == e.request().at("path"));
    // The recorded client filtered by type and name ("name" is an exact match, as "name.exact");
    // it also filtered by content, which planb does not: it wants every TXT at the name.
    std::set<std::string> recorded = filters(e.request().value("query", ""));
    CHECK(recorded.count("type") == 1);
    CHECK(recorded.count("name") == 1);
    CHECK(filters(queryOf(mine)) == std::set<std::string>{"type", "name.exact"});
    CHECK(queryOf(mine).find("type=TXT") != std::string::npos);
  }
}

TEST_CASE("planb's TXT create carries the recorded create's fields, its content quoted") {
  for (const Exchange& e : withExpect("planb")) {
    if (e.expect().at("planb") != "txt_create") {
      continue;
    }
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    p.transport->answer([&](const HttpRequest& r) {
      return Result<HttpResponse>(r.method == "GET" ? reply(200, listingOf(Json::array()).dump())
                                                    : e.recorded());
    });
    Json recorded = e.recordedBody();
    TxtWrite write;
    write.record = {"pacalis.net.", recorded.at("name").get<std::string>() + "."};
    write.value = recorded.at("content");
    write.ttl = recorded.at("ttl");
    CHECK(std::holds_alternative<Written>(p.make().writeTxt(write)));
    const HttpRequest& mine = p.transport->requests.back();
    REQUIRE(mine.method == "POST");
    CHECK(pathOf(mine) == e.request().at("path"));
    sameHeaders(mine, e);
    Json body = Json::parse(mine.body);
    for (const std::string& key : keysOf(recorded)) {
      CHECK_MESSAGE(body.contains(key), "planb's TXT POST lacks " << key);
    }
    for (const std::string& key : keysOf(body)) {
      // "proxied": false as Cloudflare's own SDK sends it (12-create-record.json).
      CHECK_MESSAGE((recorded.contains(key) || key == "proxied"), "planb's TXT POST sends " << key);
    }
    CHECK(body.at("content") == cloudflareTxtContent(recorded.at("content").get<std::string>()));
    CHECK(body.at("proxied") == false);
  }
}

TEST_CASE("planb's TXT clean-up is the recorded DELETE by id") {
  for (const Exchange& e : withExpect("deleted_id")) {
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    std::string id = e.expect().at("deleted_id");
    p.transport->answer([&](const HttpRequest& r) {
      if (r.method == "GET") {
        return Result<HttpResponse>(reply(200, listingOf({{{"id", id},
                                                           {"type", "TXT"},
                                                           {"name", "_planb-rehearsal.pacalis.net"},
                                                           {"content", "\"token\""},
                                                           {"ttl", 60}}})
                                                   .dump()));
      }
      return Result<HttpResponse>(e.recorded());
    });
    CHECK(std::holds_alternative<Written>(
        p.make().deleteTxt({"pacalis.net.", "_planb-rehearsal.pacalis.net."})));
    const HttpRequest& mine = p.transport->requests.back();
    CHECK(mine.method == "DELETE");
    CHECK(pathOf(mine) == e.request().at("path"));
    sameHeaders(mine, e);
  }
}

TEST_CASE("the corpus' refusal of a TXT copy is a success once a listing shows the value") {
  for (const Exchange& e : withExpect("planb")) {
    if (e.expect().at("planb") != "txt_create_exists") {
      continue;
    }
    CAPTURE(e.file);
    Provider p(e.recordedZone());
    Json recorded = e.recordedBody();
    int listings = 0;
    p.transport->answer([&](const HttpRequest& r) {
      if (r.method != "GET") {
        return Result<HttpResponse>(e.recorded());
      }
      Json records = Json::array();
      if (++listings > 1) {  // the copy that got through, as lexicon's next listing showed it
        records.push_back({{"id", "c6fa847390691c7eea2b71e53723f3d5"},
                           {"type", "TXT"},
                           {"name", recorded.at("name")},
                           {"content", recorded.at("content")},
                           {"ttl", recorded.at("ttl")}});
      }
      return Result<HttpResponse>(reply(200, listingOf(records).dump()));
    });
    TxtWrite write;
    write.record = {"pacalis.net.", recorded.at("name").get<std::string>() + "."};
    write.value = recorded.at("content");
    CHECK(std::holds_alternative<Written>(p.make().writeTxt(write)));
    CHECK(listings == 2);
  }
}
