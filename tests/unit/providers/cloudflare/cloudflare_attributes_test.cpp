// What planb leaves as it is on a Cloudflare record it writes: the orange cloud (proxied), the
// comment, the tags and the settings. A failover changes the target, never how Cloudflare serves
// it.

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

const std::string kZone = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";
const std::string kApi = "https://api.cloudflare.test/client/v4";
const std::string kRecords = kApi + "/zones/" + kZone + "/dns_records";

std::string ok(Json result) {
  return Json{{"success", true},
              {"errors", Json::array()},
              {"messages", Json::array()},
              {"result", std::move(result)},
              {"result_info", {{"page", 1}, {"total_pages", 1}}}}
      .dump();
}

// A CNAME as Cloudflare lists it, orange-clouded, with a comment, tags and settings (the fields of
// the API reference's record example,
// https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/).
Json proxiedCname(const std::string& name, const std::string& target) {
  return {{"id", "id-" + name},
          {"type", "CNAME"},
          {"name", name},
          {"content", target},
          {"proxiable", true},
          {"proxied", true},
          {"ttl", 1},
          {"comment", "origin pool, ticket OPS-42"},
          {"tags", {"owner:web", "tier:1"}},
          {"settings", {{"flatten_cname", false}}},
          {"meta", Json::object()},
          {"zone_id", kZone},
          {"zone_name", "example.com"}};
}

struct Fixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  CloudflareConfig config;
  Json records = Json::array();  // what the zone holds, as listed
  std::vector<HttpRequest> writes;

  Fixture() {
    std::string path = dir.path() + "/cf.token";
    std::ofstream(path) << "cf-attributes-token\n";
    ::chmod(path.c_str(), 0600);
    config.name = "cf";
    config.settings.api_token_file = path;
    config.settings.zone_id = kZone;
    config.endpoint = kApi;
    transport->answer([this](const HttpRequest& request) {
      if (request.method == "GET" && request.url.rfind(kRecords + "?", 0) == 0) {
        Json listed = Json::array();
        for (const Json& r : records) {
          std::string name = "name.exact=" + r.at("name").get<std::string>() + "&";
          if (request.url.find("name.exact=") == std::string::npos ||
              request.url.find(name) != std::string::npos) {
            listed.push_back(r);
          }
        }
        return Result<HttpResponse>(reply(200, ok(listed)));
      }
      if (request.method == "GET") {  // the zone, for its plan
        return Result<HttpResponse>(reply(200, ok({{"id", kZone}})));
      }
      writes.push_back(request);
      if (request.url == kRecords + "/batch") {
        return Result<HttpResponse>(reply(200, ok({{"patches", Json::array()}})));
      }
      return Result<HttpResponse>(reply(200, ok(Json::parse(request.body))));
    });
  }

  CloudflareProvider make() {
    return CloudflareProvider(config, transport, std::make_shared<ManualClock>());
  }
};

ReplaceRequest failover(const std::string& name, std::uint32_t ttl = 60) {
  ReplaceRequest r;
  r.record = {"example.com.", name + "."};
  r.new_target = "backup.example.net.";
  r.expected_target = "primary.example.net.";
  r.ttl = ttl;
  return r;
}

void succeeded(const Result<Unit>& result) {
  if (const auto* e = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << e->message);
  }
}

}  // namespace

TEST_CASE("a read learns the record's proxy status, comment, tags and settings") {
  Fixture f;
  f.records.push_back(proxiedCname("www.example.com", "primary.example.net"));
  CloudflareProvider provider = f.make();
  Result<ServedRecord> read = provider.read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(read));
  CHECK(std::get<ServedRecord>(read).ttl == 300);  // Auto, as Cloudflare serves it
  std::optional<CloudflareAttributes> kept = provider.attributesAt("www.example.com.");
  REQUIRE(kept.has_value());
  CHECK(kept->proxied);
  CHECK(kept->comment == "origin pool, ticket OPS-42");
  CHECK(kept->tags == std::vector<std::string>{"owner:web", "tier:1"});
  CHECK(Json::parse(kept->settings) == Json{{"flatten_cname", false}});
}

TEST_CASE("a proxied record stays proxied after a failover, its comment and tags untouched") {
  Fixture f;
  f.records.push_back(proxiedCname("www.example.com", "primary.example.net"));
  succeeded(f.make().replace(failover("www.example.com")));
  REQUIRE(f.writes.size() == 1);
  CHECK(f.writes[0].method == "PATCH");
  CHECK(f.writes[0].url == kRecords + "/id-www.example.com");
  // A PATCH changes only what it names: not the proxy status, comment, tags or settings, and no
  // TTL, which Cloudflare keeps at Auto for a proxied record.
  CHECK(Json::parse(f.writes[0].body) ==
        Json{{"type", "CNAME"}, {"name", "www.example.com"}, {"content", "backup.example.net"}});
}

TEST_CASE("a DNS-only record's failover sends the TTL and still nothing else it carries") {
  Fixture f;
  Json record = proxiedCname("www.example.com", "primary.example.net");
  record["proxied"] = false;
  record["ttl"] = 300;
  f.records.push_back(record);
  succeeded(f.make().replace(failover("www.example.com", 60)));
  REQUIRE(f.writes.size() == 1);
  CHECK(Json::parse(f.writes[0].body) == Json{{"type", "CNAME"},
                                              {"name", "www.example.com"},
                                              {"content", "backup.example.net"},
                                              {"ttl", 60}});
}

TEST_CASE("a proxied record already on the wanted target is not written for its Auto TTL") {
  Fixture f;
  f.records.push_back(proxiedCname("www.example.com", "backup.example.net"));
  succeeded(f.make().replace(failover("www.example.com", 60)));
  CHECK(f.writes.empty());  // Cloudflare would accept a TTL and keep Auto: a write every round
}

TEST_CASE("a batch failover keeps proxied records proxied and their comments and tags") {
  Fixture f;
  f.records.push_back(proxiedCname("a.example.com", "primary.example.net"));
  Json dns_only = proxiedCname("b.example.com", "primary.example.net");
  dns_only["proxied"] = false;
  dns_only["ttl"] = 120;
  f.records.push_back(dns_only);
  f.records.push_back(proxiedCname("c.example.com", "backup.example.net"));  // already there
  CloudflareProvider provider = f.make();
  std::vector<Result<Written>> results = provider.replaceBatch(
      {failover("a.example.com"), failover("b.example.com"), failover("c.example.com")});
  for (const auto& r : results) {
    CHECK(planb::testing::appliedNow(r));
  }
  REQUIRE(f.writes.size() == 1);
  CHECK(f.writes[0].url == kRecords + "/batch");
  Json body = Json::parse(f.writes[0].body);
  CHECK(body == Json{{"patches",
                      {{{"id", "id-a.example.com"},
                        {"type", "CNAME"},
                        {"name", "a.example.com"},
                        {"content", "backup.example.net"}},
                       {{"id", "id-b.example.com"},
                        {"type", "CNAME"},
                        {"name", "b.example.com"},
                        {"content", "backup.example.net"},
                        {"ttl", 60}}}}});
}

TEST_CASE("a change to a proxied record is reported proxied, so nobody waits for DNS to show it") {
  Fixture f;
  f.records.push_back(proxiedCname("a.example.com", "primary.example.net"));
  Json dns_only = proxiedCname("b.example.com", "primary.example.net");
  dns_only["proxied"] = false;
  f.records.push_back(dns_only);
  CloudflareProvider provider = f.make();
  std::vector<Result<Written>> results =
      provider.replaceBatch({failover("a.example.com"), failover("b.example.com")});
  REQUIRE(results.size() == 2);
  REQUIRE(std::holds_alternative<Written>(results[0]));
  REQUIRE(std::holds_alternative<Written>(results[1]));
  CHECK(std::get<Written>(results[0]).proxied);
  CHECK_FALSE(std::get<Written>(results[1]).proxied);
  // One record alone goes through the single-request path: reported all the same.
  f.records.clear();
  f.records.push_back(proxiedCname("c.example.com", "primary.example.net"));
  CloudflareProvider single = f.make();
  std::vector<Result<Written>> one = single.replaceBatch({failover("c.example.com")});
  REQUIRE(std::holds_alternative<Written>(one.at(0)));
  CHECK(std::get<Written>(one[0]).proxied);
}
