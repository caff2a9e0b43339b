// HuaweiCloudProvider through a scripted transport that plays a small Huawei Cloud DNS: every
// request's signature is recomputed and checked, then answered from an in-memory zone. Reads,
// paging, the read-first compare, writes and their propagation, TXT, name servers and every
// documented error's kind.

#include "providers/huaweicloud_provider.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/huawei_signer.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CountedCeiling;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kHwKeyId = "HPUAHWKEYIDFORTESTS01";
const std::string kHwSecret = "hw-s3cr3t-Secret-Access-Key-value";
const std::string kHwToken = "hw-security-token-value-XYZ";
const std::string kHwEndpoint = "https://dns.test";
const std::string kHwZoneId = "2c9eb155587194ec01587224c9f90149";

int huaweiHex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::string huaweiDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && huaweiHex(text[i + 1]) >= 0 &&
        huaweiHex(text[i + 2]) >= 0) {
      out += static_cast<char>(huaweiHex(text[i + 1]) * 16 + huaweiHex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// What the transport saw of one request.
struct HuaweiSeen {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  Json body;
};

Json huaweiSet(const std::string& id, const std::string& name, const std::string& type,
               Json records, int ttl = 300, const std::string& status = "ACTIVE") {
  return {{"id", id},
          {"name", name},
          {"description", "kept"},
          {"zone_id", kHwZoneId},
          {"zone_name", "example.com."},
          {"type", type},
          {"ttl", ttl},
          {"records", std::move(records)},
          {"create_at", "2026-11-17T11:56:03.439"},
          {"update_at", "2026-11-17T11:56:05.528"},
          {"status", status},
          {"default", false},
          {"project_id", "e55c6f3dc4e34c9f86353b664ae0e70c"},
          {"links", {{"self", "https://dns.test/v2/zones/x/recordsets/" + id}}}};
}

std::string huaweiRefusal(const std::string& code, const std::string& message) {
  return Json{{"code", code}, {"message", message}}.dump();
}

// The signature checked the way the gateway checks it, then the test's handler.
struct HuaweiFixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  HuaweiCloudConfig config;
  std::vector<HuaweiSeen> seen;
  Json zone_sets = Json::array();  // the record sets the default handler serves
  std::function<std::optional<HttpResponse>(const HuaweiSeen&)> override_handler;
  int page_limit = 500;

  HuaweiFixture() {
    config.name = "hw";
    config.settings.access_key_id_file = writeSecret("ak", kHwKeyId);
    config.settings.secret_access_key_file = writeSecret("sk", kHwSecret);
    config.settings.region = "ap-southeast-1";
    config.endpoint = kHwEndpoint;
    transport->answer([this](const HttpRequest& request) { return serve(request); });
  }

  std::string writeSecret(const std::string& file, const std::string& value) {
    std::string path = dir.path() + "/" + file;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  CountedCeiling ceiling;

  // Every request draws from a ceiling on a clock that never moves: no test waits on one.
  HuaweiCloudProvider make(HuaweiCloudOptions options = {}) {
    if (!options.ceiling) {
      options.ceiling = ceiling.bucket;
    }
    return HuaweiCloudProvider(config, transport, clock, std::move(options));
  }

  Result<HttpResponse> serve(const HttpRequest& request) {
    REQUIRE(request.url.rfind(kHwEndpoint, 0) == 0);
    std::string rest = request.url.substr(kHwEndpoint.size());
    HuaweiSeen s;
    s.method = request.method;
    std::size_t q = rest.find('?');
    s.path = huaweiDecode(rest.substr(0, q));
    HuaweiSigningInput input;
    input.method = request.method;
    input.path = s.path;
    if (q != std::string::npos) {
      std::string query = rest.substr(q + 1);
      std::size_t start = 0;
      while (start <= query.size()) {
        std::size_t end = std::min(query.find('&', start), query.size());
        std::string pair = query.substr(start, end - start);
        std::size_t eq = pair.find('=');
        std::string name = huaweiDecode(pair.substr(0, eq));
        std::string value = huaweiDecode(pair.substr(eq + 1));
        s.query[name] = value;
        input.query.emplace_back(name, value);
        start = end + 1;
      }
    }
    std::string authorization;
    std::string date;
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization") {
        authorization = value;
      } else {
        input.headers.emplace_back(name, value);
        if (name == "X-Sdk-Date") {
          date = value;
        }
      }
    }
    input.body = request.body;
    CHECK(date == huaweiSdkDate(clock->wallNow()));
    if (authorization != huaweiAuthorization(input, date, kHwKeyId, kHwSecret)) {
      return reply(401, Json{{"error_code", "APIGW.0301"},
                             {"error_msg",
                              "Incorrect IAM authentication information: verify aksk signature "
                              "fail"},
                             {"request_id", "4f8a"}}
                            .dump());
    }
    if (!request.body.empty()) {
      s.body = Json::parse(request.body);
    }
    seen.push_back(s);
    if (override_handler) {
      if (auto answered = override_handler(s)) {
        return *answered;
      }
    }
    return defaultAnswer(s);
  }

  HttpResponse defaultAnswer(const HuaweiSeen& s) {
    const std::string sets = "/v2/zones/" + kHwZoneId + "/recordsets";
    if (s.method == "GET" && s.path == "/v2/zones") {
      return reply(200, Json{{"links", {{"self", "https://dns.test/v2/zones?type=public"}}},
                             {"zones", Json::array({{{"id", kHwZoneId},
                                                     {"name", "example.com."},
                                                     {"ttl", 300},
                                                     {"status", "ACTIVE"},
                                                     {"zone_type", "public"}}})},
                             {"metadata", {{"total_count", 1}}}}
                            .dump());
    }
    if (s.method == "GET" && s.path == sets) {
      Json matching = Json::array();
      for (const Json& r : zone_sets) {
        if (s.query.count("name") && r["name"] != s.query.at("name"))
          continue;
        if (s.query.count("type") && r["type"] != s.query.at("type"))
          continue;
        matching.push_back(r);
      }
      std::size_t offset = s.query.count("offset") ? std::stoul(s.query.at("offset")) : 0;
      std::size_t limit = std::min<std::size_t>(
          s.query.count("limit") ? std::stoul(s.query.at("limit")) : 500, page_limit);
      Json page = Json::array();
      for (std::size_t i = offset; i < matching.size() && page.size() < limit; ++i) {
        page.push_back(matching[i]);
      }
      return reply(200, Json{{"links", {{"self", "https://dns.test" + sets}}},
                             {"recordsets", page},
                             {"metadata", {{"total_count", matching.size()}}}}
                            .dump());
    }
    if ((s.method == "PUT" || s.method == "GET" || s.method == "DELETE") &&
        s.path.rfind(sets + "/", 0) == 0) {
      std::string id = s.path.substr(sets.size() + 1);
      for (std::size_t i = 0; i < zone_sets.size(); ++i) {
        Json& r = zone_sets[i];
        if (r["id"] != id)
          continue;
        if (s.method == "GET") {
          return reply(200, r.dump());
        }
        if (s.method == "DELETE") {
          Json gone = r;
          gone["status"] = "PENDING_DELETE";
          zone_sets.erase(i);
          return reply(202, gone.dump());
        }
        for (const char* key : {"ttl", "records", "description"}) {
          if (s.body.contains(key))
            r[key] = s.body[key];
        }
        r["status"] = "PENDING_UPDATE";
        return reply(202, r.dump());
      }
      return reply(404, huaweiRefusal("DNS.0004", "No record sets found."));
    }
    if (s.method == "POST" && s.path == sets) {
      Json r = huaweiSet("new" + std::to_string(zone_sets.size()), s.body["name"], s.body["type"],
                         s.body["records"], s.body.value("ttl", 300), "PENDING_CREATE");
      r["description"] = nullptr;
      zone_sets.push_back(r);
      return reply(202, r.dump());
    }
    if (s.method == "GET" && s.path == "/v2/zones/" + kHwZoneId + "/nameservers") {
      return reply(
          200, Json{{"nameservers",
                     Json::array({{{"hostname", "ns1.huaweicloud-dns.org."}, {"priority", 2}},
                                  {{"hostname", "NS1.huaweicloud-dns.com."}, {"priority", 1}}})}}
                   .dump());
    }
    return reply(404, Json{{"error_code", "APIGW.0101"},
                           {"error_msg", "The API does not exist or has not been published"}}
                          .dump());
  }

  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    for (const auto& s : seen) {
      out.push_back(s.method + " " + s.path);
    }
    return out;
  }
};

ServedRecord huaweiServed(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError huaweiFailed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(kHwSecret) == std::string::npos);
  CHECK(e.message.find(kHwToken) == std::string::npos);
  return e;
}

ReplaceRequest huaweiSwap(std::string target, std::optional<std::string> expected,
                          std::uint32_t ttl = 60, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

const RecordRef kHwWww{"example.com.", "www.example.com."};
const std::string kHwSets = "/v2/zones/" + kHwZoneId + "/recordsets";

}  // namespace

TEST_CASE("a read finds the zone by exact name, then lists the name's record sets, all signed") {
  HuaweiFixture f;
  f.zone_sets.push_back(
      huaweiSet("c1", "www.example.com.", "CNAME", Json::array({"App.AWS.example.net."}), 60));
  HuaweiCloudProvider provider = f.make();
  CHECK(provider.type() == "huaweicloud");
  CHECK(provider.capabilities().min_ttl == 1);
  CHECK_FALSE(provider.capabilities().compare_and_swap);
  ServedRecord r = huaweiServed(provider.read(kHwWww));
  CHECK(r.kind == ServedRecord::Kind::Cname);
  CHECK(r.target == "app.aws.example.net.");
  CHECK(r.ttl == 60);
  REQUIRE(f.seen.size() == 2);
  CHECK(f.seen[0].query == std::map<std::string, std::string>{{"type", "public"},
                                                              {"name", "example.com."},
                                                              {"search_mode", "equal"}});
  CHECK(f.seen[1].path == kHwSets);
  CHECK(f.seen[1].query.at("name") == "www.example.com.");
  CHECK(f.seen[1].query.at("search_mode") == "equal");
  // The zone id is looked up once.
  huaweiServed(provider.read(kHwWww));
  CHECK(f.calls().size() == 3);
}

TEST_CASE("the project id and a temporary credential's security token are sent and signed") {
  HuaweiFixture f;
  f.config.settings.project_id = "e55c6f3dc4e34c9f86353b664ae0e70c";
  f.config.settings.security_token_file = f.writeSecret("token", kHwToken);
  HuaweiCloudProvider provider = f.make();
  huaweiServed(provider.read(kHwWww));
  const HttpRequest& sent = f.transport->requests.back();
  std::map<std::string, std::string> headers(sent.headers.begin(), sent.headers.end());
  CHECK(headers.at("X-Project-Id") == "e55c6f3dc4e34c9f86353b664ae0e70c");
  CHECK(headers.at("X-Security-Token") == kHwToken);
  CHECK(headers.at("Authorization").find("x-project-id;x-sdk-date;x-security-token") !=
        std::string::npos);
  CHECK(headers.at("Host") == "dns.test");
}

TEST_CASE("a listing longer than a page is read page by page with offset") {
  HuaweiFixture f;
  f.page_limit = 2;
  for (int i = 0; i < 5; ++i) {
    f.zone_sets.push_back(huaweiSet("a" + std::to_string(i),
                                    "h" + std::to_string(i) + ".example.com.", "A",
                                    Json::array({"192.0.2.1"})));
  }
  f.zone_sets.push_back(
      huaweiSet("c", "www.example.com.", "CNAME", Json::array({"t.example.net."})));
  HuaweiCloudProvider provider = f.make();
  auto results = provider.readBatch("example.com.",
                                    {"www.example.com.", "h4.example.com.", "none.example.com."});
  CHECK(huaweiServed(results[0]).target == "t.example.net.");
  CHECK(huaweiServed(results[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(huaweiServed(results[2]).kind == ServedRecord::Kind::Absent);
  std::vector<std::string> offsets;
  for (const auto& s : f.seen) {
    if (s.path == kHwSets)
      offsets.push_back(s.query.at("offset"));
  }
  CHECK(offsets == std::vector<std::string>{"0", "2", "4"});
}

TEST_CASE("another type, a second CNAME set, a line or a paused set at the name is a Conflict") {
  HuaweiFixture f;
  SUBCASE("another type") {
    f.zone_sets.push_back(huaweiSet("a", "www.example.com.", "A", Json::array({"192.0.2.1"})));
  }
  SUBCASE("a CNAME on a resolution line") {
    Json set = huaweiSet("c", "www.example.com.", "CNAME", Json::array({"t.example.net."}));
    set["line"] = "Dianxin";
    f.zone_sets.push_back(set);
  }
  SUBCASE("a paused CNAME") {
    f.zone_sets.push_back(huaweiSet("c", "www.example.com.", "CNAME",
                                    Json::array({"t.example.net."}), 300, "DISABLE"));
  }
  SUBCASE("two CNAME sets (weights)") {
    f.zone_sets.push_back(
        huaweiSet("c1", "www.example.com.", "CNAME", Json::array({"t.example.net."})));
    f.zone_sets.push_back(
        huaweiSet("c2", "www.example.com.", "CNAME", Json::array({"u.example.net."})));
  }
  HuaweiCloudProvider provider = f.make();
  CHECK(huaweiServed(provider.read(kHwWww)).kind == ServedRecord::Kind::Conflict);
  auto e = huaweiFailed(provider.replace(huaweiSwap("new.example.net.", std::nullopt)));
  CHECK(e.kind == ErrorKind::Conflict);
  for (const auto& s : f.seen) {
    CHECK(s.method == "GET");  // nothing written
  }
}

TEST_CASE("a replace PUTs name, type, ttl and records only, and reports the change propagating") {
  HuaweiFixture f;
  f.zone_sets.push_back(
      huaweiSet("c1", "www.example.com.", "CNAME", Json::array({"old.example.net."}), 300));
  HuaweiCloudProvider provider = f.make();
  auto results = provider.replaceBatch({huaweiSwap("new.example.net.", "old.example.net.", 60)});
  REQUIRE(results.size() == 1);
  REQUIRE(std::holds_alternative<Written>(results[0]));
  CHECK(std::get<Written>(results[0]).propagating_change == kHwZoneId + "/c1");
  const HuaweiSeen& put = f.seen.back();
  CHECK(put.method == "PUT");
  CHECK(put.path == kHwSets + "/c1");
  CHECK(put.body == Json{{"name", "www.example.com."},
                         {"type", "CNAME"},
                         {"ttl", 60},
                         {"records", Json::array({"new.example.net."})}});
  CHECK(f.zone_sets[0]["description"] == "kept");
  // PENDING_UPDATE until the service is done, then ACTIVE.
  CHECK(std::get<Propagation>(provider.pollChange(kHwZoneId + "/c1")) == Propagation::Pending);
  f.zone_sets[0]["status"] = "ACTIVE";
  CHECK(std::get<Propagation>(provider.pollChange(kHwZoneId + "/c1")) == Propagation::Applied);
  CHECK(f.seen.back().path == kHwSets + "/c1");
}

TEST_CASE("a replace of a name serving something else than expected writes nothing") {
  HuaweiFixture f;
  f.zone_sets.push_back(
      huaweiSet("c1", "www.example.com.", "CNAME", Json::array({"other.example.net."})));
  HuaweiCloudProvider provider = f.make();
  auto e = huaweiFailed(provider.replace(huaweiSwap("new.example.net.", "old.example.net.")));
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(f.seen.back().method == "GET");
}

TEST_CASE("a replace of an absent name POSTs a new record set; a served one sends nothing") {
  HuaweiFixture f;
  HuaweiCloudProvider provider = f.make();
  CHECK(
      std::holds_alternative<Unit>(provider.replace(huaweiSwap("new.example.net.", std::nullopt))));
  CHECK(f.seen.back().method == "POST");
  CHECK(f.seen.back().path == kHwSets);
  CHECK(f.seen.back().body["records"] == Json::array({"new.example.net."}));
  std::size_t before = f.seen.size();
  CHECK(std::holds_alternative<Unit>(
      provider.replace(huaweiSwap("new.example.net.", "new.example.net."))));
  CHECK(f.seen.size() == before + 1);  // the read only
}

TEST_CASE("a batch lists the zone once and writes each change on its own") {
  HuaweiFixture f;
  f.zone_sets.push_back(
      huaweiSet("c1", "a.example.com.", "CNAME", Json::array({"old.example.net."})));
  f.zone_sets.push_back(
      huaweiSet("c2", "b.example.com.", "CNAME", Json::array({"old.example.net."})));
  f.zone_sets.push_back(
      huaweiSet("c3", "c.example.com.", "CNAME", Json::array({"elsewhere.example.net."})));
  HuaweiCloudProvider provider = f.make();
  auto results = provider.replaceBatch(
      {huaweiSwap("new.example.net.", "old.example.net.", 60, "a.example.com."),
       huaweiSwap("new.example.net.", "old.example.net.", 60, "b.example.com."),
       huaweiSwap("new.example.net.", "old.example.net.", 60, "c.example.com.")});
  CHECK(std::get<Written>(results[0]).propagating_change == kHwZoneId + "/c1");
  CHECK(std::get<Written>(results[1]).propagating_change == kHwZoneId + "/c2");
  CHECK(huaweiFailed(results[2]).kind == ErrorKind::Conflict);
  int listings = 0;
  int puts = 0;
  for (const auto& s : f.seen) {
    listings += s.method == "GET" && s.path == kHwSets;
    puts += s.method == "PUT";
  }
  CHECK(listings == 1);
  CHECK(puts == 2);
}

TEST_CASE("a refused signature is Auth naming the files to check, never a secret") {
  HuaweiFixture f;
  f.config.settings.security_token_file = f.writeSecret("token", kHwToken);
  HuaweiCloudProvider provider = f.make();
  f.writeSecret("sk", "a-different-secret");  // the server still expects kHwSecret
  auto e = huaweiFailed(provider.read(kHwWww));
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("APIGW.0301") != std::string::npos);
  CHECK(e.message.find(f.config.settings.secret_access_key_file) != std::string::npos);
  CHECK(e.message.find(f.config.settings.security_token_file) != std::string::npos);
  CHECK(e.message.find("a-different-secret") == std::string::npos);
}

TEST_CASE("each documented error reply maps to its kind") {
  struct Case {
    long status;
    std::string body;
    ErrorKind kind;
    std::optional<std::chrono::milliseconds> retry_after;
    Headers headers;
  };
  std::vector<Case> cases = {
      {429,
       Json{{"error_code", "APIGW.0308"},
            {"error_msg", "The throttling threshold has been reached: policy user over ratelimit"},
            {"request_id", "r1"}}
           .dump(),
       ErrorKind::RateLimited, 3000ms, Headers{{"retry-after", "3"}}},
      {429,
       Json{{"error_code", "APIGW.0308"}, {"error_msg", "throttled"}}.dump(),
       ErrorKind::RateLimited,
       std::nullopt,
       {}},
      {403,
       huaweiRefusal("DNS.0014", "Request forbidden by flow control."),
       ErrorKind::RateLimited,
       std::nullopt,
       {}},
      {403,
       huaweiRefusal("DNS.0013",
                     "You do not have the permission to perform this operation using the API."),
       ErrorKind::Auth,
       std::nullopt,
       {}},
      {401,
       huaweiRefusal("DNS.0005", "Authentication required."),
       ErrorKind::Auth,
       std::nullopt,
       {}},
      {500, huaweiRefusal("DNS.0001", "Internal error."), ErrorKind::Transient, std::nullopt, {}},
      {502, "<html>bad gateway</html>", ErrorKind::Transient, std::nullopt, {}},
      {400, huaweiRefusal("DNS.0002", "Invalid request."), ErrorKind::Permanent, std::nullopt, {}},
      {200, "not json", ErrorKind::Permanent, std::nullopt, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    HuaweiFixture f;
    f.override_handler = [&c](const HuaweiSeen& s) -> std::optional<HttpResponse> {
      if (s.path == kHwSets)
        return reply(c.status, c.body, c.headers);
      return std::nullopt;
    };
    HuaweiCloudProvider provider = f.make();
    auto e = huaweiFailed(provider.read(kHwWww));
    CHECK(e.kind == c.kind);
    CHECK(e.retry_after == c.retry_after);
  }
}

TEST_CASE("a zone missing from the account is NotFound; a malformed listing is Permanent") {
  HuaweiFixture f;
  f.override_handler = [](const HuaweiSeen& s) -> std::optional<HttpResponse> {
    if (s.path == "/v2/zones")
      return reply(200, R"({"zones":[],"metadata":{"total_count":0}})");
    return std::nullopt;
  };
  HuaweiCloudProvider provider = f.make();
  CHECK(huaweiFailed(provider.read(kHwWww)).kind == ErrorKind::NotFound);

  HuaweiFixture g;
  g.override_handler = [](const HuaweiSeen& s) -> std::optional<HttpResponse> {
    if (s.path == kHwSets)
      return reply(200, R"({"recordsets":[{"id":1}],"metadata":{"total_count":1}})");
    return std::nullopt;
  };
  HuaweiCloudProvider other = g.make();
  auto e = huaweiFailed(other.read(kHwWww));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("malformed") != std::string::npos);
}

TEST_CASE("the name servers are the zone's hostnames, canonical and sorted") {
  HuaweiFixture f;
  HuaweiCloudProvider provider = f.make();
  auto servers = provider.nameServers("example.com.");
  REQUIRE(std::holds_alternative<std::vector<std::string>>(servers));
  CHECK(std::get<std::vector<std::string>>(servers) ==
        std::vector<std::string>{"ns1.huaweicloud-dns.com.", "ns1.huaweicloud-dns.org."});
}

TEST_CASE("a deleted record set polls as applied; a malformed change id is refused") {
  HuaweiFixture f;
  HuaweiCloudProvider provider = f.make();
  CHECK(std::get<Propagation>(provider.pollChange(kHwZoneId + "/gone")) == Propagation::Applied);
  CHECK(huaweiFailed(provider.pollChange("no-slash")).kind == ErrorKind::Permanent);
}

TEST_CASE(
    "the rehearsal's TXT is written quoted, read unquoted, extra sets deleted, then removed") {
  HuaweiFixture f;
  const RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  f.zone_sets.push_back(huaweiSet("t1", txt.name, "TXT", Json::array({"\"old\""})));
  f.zone_sets.push_back(huaweiSet("t2", txt.name, "TXT", Json::array({"\"other\""})));
  f.zone_sets.push_back(huaweiSet("a1", txt.name, "A", Json::array({"192.0.2.1"})));
  HuaweiCloudProvider provider = f.make();
  Result<Written> written = provider.writeTxt({txt, "token-1", 60});
  REQUIRE(std::holds_alternative<Written>(written));
  CHECK(std::get<Written>(written).propagating_change == kHwZoneId + "/t1");
  auto values = provider.readTxt(txt);
  CHECK(std::get<std::vector<std::string>>(values) == std::vector<std::string>{"token-1"});
  CHECK(f.zone_sets[0]["records"] == Json::array({"\"token-1\""}));
  REQUIRE(std::holds_alternative<Written>(provider.deleteTxt(txt)));
  CHECK(std::get<std::vector<std::string>>(provider.readTxt(txt)).empty());
  REQUIRE(f.zone_sets.size() == 1);
  CHECK(f.zone_sets[0]["type"] == "A");  // other types are never touched
}

TEST_CASE("the default endpoint is the region's") {
  CHECK(HuaweiCloudProvider::defaultEndpoint("cn-north-4") ==
        "https://dns.cn-north-4.myhuaweicloud.com");
  HuaweiFixture f;
  f.config.endpoint = "http://dns.example.com";
  CHECK_THROWS_AS(f.make(), std::invalid_argument);
}

TEST_CASE("every request draws a token from the provider's ceiling") {
  HuaweiFixture f;
  HuaweiCloudProvider provider = f.make();
  huaweiServed(provider.read(kHwWww));
  CHECK(f.ceiling.requests() == 2);
  CHECK(f.transport->requests.size() == 2);
}
