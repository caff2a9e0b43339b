// CloudflareProvider's rehearsal write path and name servers through a scripted transport: the TXT
// content codec, request shapes, and what each reply means.

#include "providers/cloudflare_txt.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

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

const std::string kCfTxtToken = "cf-txt-token-SECRET";
const std::string kCfTxtBase = "https://api.cloudflare.test/client/v4";
const std::string kCfTxtZone = "023e105f4ecef8ad9ca31a8372d0c353";
const std::string kCfTxtRecords = kCfTxtBase + "/zones/" + kCfTxtZone + "/dns_records";
const std::string kCfTxtList =
    kCfTxtRecords + "?type=TXT&name.exact=_planb-rehearsal.example.com&page=1&per_page=100";
const RecordRef kCfTxtName{"example.com.", "_planb-rehearsal.example.com."};

// A list of records goes in as Json::array({...}): a bare `{record}` is an array under GCC but the
// record itself under clang (nlohmann's one-element initializer list); the sanitizer build is
// clang.
std::string cfTxtEnvelope(Json result) {
  return Json{{"success", true},
              {"errors", Json::array()},
              {"messages", Json::array()},
              {"result", std::move(result)},
              {"result_info", {{"page", 1}, {"total_pages", 1}}}}
      .dump();
}

std::string cfTxtFailure(int status_code, const std::string& message) {
  return Json{{"success", false},
              {"errors", {{{"code", status_code}, {"message", message}}}},
              {"messages", Json::array()},
              {"result", nullptr}}
      .dump();
}

Json cfTxtRecord(const std::string& id, const std::string& content, int ttl = 60) {
  return {{"id", id},           {"type", "TXT"}, {"name", "_planb-rehearsal.example.com"},
          {"content", content}, {"ttl", ttl},    {"proxied", false}};
}

struct CfTxtFixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  planb::providers::CloudflareConfig config;

  CfTxtFixture() {
    std::string path = dir.path() + "/cf.token";
    std::ofstream(path) << kCfTxtToken << "\n";
    ::chmod(path.c_str(), 0600);
    config.name = "cf";
    config.settings.api_token_file = path;
    config.settings.zone_id = kCfTxtZone;
    config.endpoint = kCfTxtBase;
  }

  CloudflareProvider make() {
    return CloudflareProvider(config, transport, std::make_shared<ManualClock>());
  }

  // Answers by "METHOD URL"; anything else is a 500 the test would notice.
  void route(std::map<std::string, HttpResponse> routes) {
    transport->answer([routes = std::move(routes)](const HttpRequest& request) {
      auto it = routes.find(request.method + " " + request.url);
      if (it == routes.end()) {
        return Result<HttpResponse>(reply(500, "unexpected " + request.method + " " + request.url));
      }
      return Result<HttpResponse>(it->second);
    });
  }

  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& r : transport->requests) {
      out.push_back(r.method + " " + r.url);
    }
    return out;
  }
};

template <typename T>
T cfTxtValue(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

TxtWrite cfTxtWriteOf(std::string value, std::uint32_t ttl = 60) {
  TxtWrite w;
  w.record = kCfTxtName;
  w.value = std::move(value);
  w.ttl = ttl;
  return w;
}

}  // namespace

TEST_CASE("TXT content goes as one quoted string with quotes and backslashes escaped") {
  CHECK(cloudflareTxtContent("planb-7f3a") == "\"planb-7f3a\"");
  CHECK(cloudflareTxtContent("a \"b\" \\c") == "\"a \\\"b\\\" \\\\c\"");
  CHECK(cloudflareTxtContent("") == "\"\"");
}

TEST_CASE("TXT content reads back as its text, quoted or as older records hold it unquoted") {
  CHECK(cloudflareTxtText("\"planb-7f3a\"") == "planb-7f3a");
  CHECK(cloudflareTxtText(cloudflareTxtContent("a \"b\" \\c")) == "a \"b\" \\c");
  CHECK(cloudflareTxtText("challengetoken") == "challengetoken");     // lexicon's, unquoted
  CHECK(cloudflareTxtText("\"v=spf1 \" \"-all\"") == "v=spf1 -all");  // strings are joined
  CHECK(cloudflareTxtText("\"\\065\\066\"") == "AB");                 // \DDD is a byte
  CHECK(cloudflareTxtText("\"unclosed") == "\"unclosed");             // not quoted strings
  CHECK(cloudflareTxtText("\"a\" b") == "\"a\" b");
}

TEST_CASE("readTxt lists the TXT records by type and exact name and reads their text") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtList,
            reply(200, cfTxtEnvelope(
                           Json::array({cfTxtRecord("t1", "\"token-1\""),
                                        cfTxtRecord("t2", "legacy"),
                                        // the API's filters are trusted no further than the name
                                        {{"id", "c1"},
                                         {"type", "CNAME"},
                                         {"name", "_planb-rehearsal.example.com"},
                                         {"content", "x.example.net"}}})))}});
  CloudflareProvider provider = f.make();
  CHECK(cfTxtValue(provider.readTxt(kCfTxtName)) == std::vector<std::string>{"token-1", "legacy"});
  CHECK(f.sent() == std::vector<std::string>{"GET " + kCfTxtList});
  CHECK(provider.budgetUsed() == 1);
}

TEST_CASE("writeTxt POSTs one quoted DNS-only TXT when the name holds none") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtList, reply(200, cfTxtEnvelope(Json::array()))},
           {"POST " + kCfTxtRecords, reply(200, cfTxtEnvelope(cfTxtRecord("t9", "\"tok\"")))}});
  Written written = cfTxtValue(f.make().writeTxt(cfTxtWriteOf("tok", 120)));
  CHECK(written.raised_ttl == 0);
  CHECK_FALSE(written.proxied);
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(Json::parse(f.transport->requests[1].body) == Json{{"type", "TXT"},
                                                           {"name", "_planb-rehearsal.example.com"},
                                                           {"content", "\"tok\""},
                                                           {"ttl", 120},
                                                           {"proxied", false}});
}

TEST_CASE("writeTxt PATCHes the first TXT in place and deletes every other one") {
  CfTxtFixture f;
  f.route(
      {{"GET " + kCfTxtList, reply(200, cfTxtEnvelope(Json::array({cfTxtRecord("t1", "\"old\""),
                                                                   cfTxtRecord("t2", "other")})))},
       {"PATCH " + kCfTxtRecords + "/t1", reply(200, cfTxtEnvelope(cfTxtRecord("t1", "x")))},
       {"DELETE " + kCfTxtRecords + "/t2", reply(200, cfTxtEnvelope({{"id", "t2"}}))}});
  cfTxtValue(f.make().writeTxt(cfTxtWriteOf("new")));
  CHECK(f.sent() == std::vector<std::string>{"GET " + kCfTxtList, "PATCH " + kCfTxtRecords + "/t1",
                                             "DELETE " + kCfTxtRecords + "/t2"});
  // A TXT cannot be proxied: the PATCH names only what planb sets.
  CHECK(Json::parse(f.transport->requests[1].body) == Json{{"type", "TXT"},
                                                           {"name", "_planb-rehearsal.example.com"},
                                                           {"content", "\"new\""},
                                                           {"ttl", 60}});
}

TEST_CASE("writeTxt keeps the TXT already holding the value and deletes the others") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtList,
            reply(200, cfTxtEnvelope(Json::array(
                           {cfTxtRecord("t1", "stale"), cfTxtRecord("t2", "\"tok\"", 300)})))},
           {"DELETE " + kCfTxtRecords + "/t1", reply(200, cfTxtEnvelope({{"id", "t1"}}))}});
  cfTxtValue(f.make().writeTxt(cfTxtWriteOf("tok")));
  CHECK(f.sent() ==
        std::vector<std::string>{"GET " + kCfTxtList, "DELETE " + kCfTxtRecords + "/t1"});
}

TEST_CASE("a TXT PATCH whose record vanished creates it instead") {
  CfTxtFixture f;
  f.route(
      {{"GET " + kCfTxtList, reply(200, cfTxtEnvelope(Json::array({cfTxtRecord("t1", "old")})))},
       {"PATCH " + kCfTxtRecords + "/t1", reply(404, cfTxtFailure(81044,
                                                                  "Record does not "
                                                                  "exist."))},
       {"POST " + kCfTxtRecords, reply(200, cfTxtEnvelope(cfTxtRecord("t2", "\"new\"")))}});
  cfTxtValue(f.make().writeTxt(cfTxtWriteOf("new")));
  CHECK(f.sent().back() == "POST " + kCfTxtRecords);
}

TEST_CASE("a TXT POST refused as existing is a conflict unless the value is there") {
  CfTxtFixture f;
  int listings = 0;
  f.transport->answer([&](const HttpRequest& r) {
    if (r.method == "GET") {
      ++listings;
      return Result<HttpResponse>(reply(200, cfTxtEnvelope(Json::array())));
    }
    return Result<HttpResponse>(reply(400, cfTxtFailure(81057, "The record already exists.")));
  });
  Result<Written> written = f.make().writeTxt(cfTxtWriteOf("tok"));
  REQUIRE(std::holds_alternative<ProviderError>(written));
  CHECK(std::get<ProviderError>(written).kind == ErrorKind::Conflict);
  CHECK(listings == 2);  // the refusal was checked against a new listing
}

TEST_CASE("a TXT value longer than one character-string is refused before any request") {
  CfTxtFixture f;
  Result<Written> written = f.make().writeTxt(cfTxtWriteOf(std::string(256, 'x')));
  REQUIRE(std::holds_alternative<ProviderError>(written));
  CHECK(std::get<ProviderError>(written).kind == ErrorKind::Permanent);
  CHECK(f.transport->requests.empty());
}

TEST_CASE("deleteTxt deletes every TXT at the name, and one already gone counts as deleted") {
  CfTxtFixture f;
  f.route(
      {{"GET " + kCfTxtList,
        reply(200, cfTxtEnvelope(Json::array({cfTxtRecord("t1", "a"), cfTxtRecord("t2", "b")})))},
       {"DELETE " + kCfTxtRecords + "/t1", reply(404, cfTxtFailure(81044,
                                                                   "Record does not "
                                                                   "exist."))},
       {"DELETE " + kCfTxtRecords + "/t2", reply(200, cfTxtEnvelope({{"id", "t2"}}))}});
  cfTxtValue(f.make().deleteTxt(kCfTxtName));
  CHECK(f.sent().size() == 3);
}

TEST_CASE("a TXT delete refused for another reason fails the clean-up") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtList, reply(200, cfTxtEnvelope(Json::array({cfTxtRecord("t1", "a")})))},
           {"DELETE " + kCfTxtRecords + "/t1",
            reply(403, cfTxtFailure(10000, "Authentication error"))}});
  Result<Written> deleted = f.make().deleteTxt(kCfTxtName);
  REQUIRE(std::holds_alternative<ProviderError>(deleted));
  CHECK(std::get<ProviderError>(deleted).kind == ErrorKind::Auth);
  CHECK(std::get<ProviderError>(deleted).message.find(kCfTxtToken) == std::string::npos);
}

TEST_CASE("nameServers reads the zone's name_servers, canonical and sorted") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtBase + "/zones/" + kCfTxtZone,
            reply(200, cfTxtEnvelope({{"id", kCfTxtZone},
                                      {"name", "example.com"},
                                      {"name_servers",
                                       {"Dina.NS.cloudflare.com", "christian.ns.cloudflare.com"}},
                                      {"plan", {{"legacy_id", "pro"}}}}))}});
  CHECK(cfTxtValue(f.make().nameServers("example.com.")) ==
        std::vector<std::string>{"christian.ns.cloudflare.com.", "dina.ns.cloudflare.com."});
}

TEST_CASE("zone details without name_servers are malformed, not an empty list") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtBase + "/zones/" + kCfTxtZone,
            reply(200, cfTxtEnvelope({{"id", kCfTxtZone}, {"name", "example.com"}}))}});
  Result<std::vector<std::string>> servers = f.make().nameServers("example.com.");
  REQUIRE(std::holds_alternative<ProviderError>(servers));
  CHECK(std::get<ProviderError>(servers).kind == ErrorKind::Permanent);
}

TEST_CASE("a token without Zone Read cannot tell the name servers, and the error says so") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtBase + "/zones/" + kCfTxtZone,
            reply(403, cfTxtFailure(9109, "Unauthorized to access requested resource"))}});
  Result<std::vector<std::string>> servers = f.make().nameServers("example.com.");
  REQUIRE(std::holds_alternative<ProviderError>(servers));
  CHECK(std::get<ProviderError>(servers).kind == ErrorKind::Auth);
  CHECK(std::get<ProviderError>(servers).message.find("name servers need Zone Read") !=
        std::string::npos);
}

TEST_CASE("a kept TXT reports no raised TTL, since nothing was written") {
  CfTxtFixture f;
  f.route({{"GET " + kCfTxtList,
            reply(200, cfTxtEnvelope(Json::array({cfTxtRecord("t1", "\"tok\"")})))}});
  Written written = cfTxtValue(f.make().writeTxt(cfTxtWriteOf("tok", 30)));
  CHECK(written.raised_ttl == 0);
  CHECK(f.sent().size() == 1);
}
