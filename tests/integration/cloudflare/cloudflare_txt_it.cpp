// The rehearsal's write path and the zone's name servers (product.md §11) of CloudflareProvider
// over libcurl against tests/fakes/cloudflare_server.py on 127.0.0.1: the TXT record
// _planb-rehearsal.<zone> written, read back, rewritten and deleted through the real paths.

#include <doctest/doctest.h>

#include "cloudflare_fake.hpp"
#include "fakes/manual_clock.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CloudflareFake;
using planb::testing::ManualClock;
using Json = nlohmann::json;

namespace {

const RecordRef kCfRehearsal{"example.com.", "_planb-rehearsal.example.com."};

struct CfTxtWorld {
  CloudflareFake fake;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  planb::providers::CloudflareConfig config;

  explicit CfTxtWorld(const std::vector<std::string>& options = {}) : fake(2, options) {
    config.name = "cf-txt-it";
    config.settings.api_token_file = fake.tokenFile();
    config.endpoint = fake.endpoint();
  }

  CloudflareProvider provider() {
    return CloudflareProvider(config, std::make_shared<CurlTransport>(), clock);
  }

  // The fake's records at `name` of `type`.
  std::vector<Json> stored(const std::string& type,
                           const std::string& name = "_planb-rehearsal.example.com") {
    std::vector<Json> out;
    for (const Json& r : fake.records()) {
      if (r.at("type") == type && r.at("name") == name) {
        out.push_back(r);
      }
    }
    return out;
  }

  int sent(const std::string& method) {
    int n = 0;
    for (const Json& r : fake.requestLog()) {
      n += r.at("method") == method ? 1 : 0;
    }
    return n;
  }
};

template <typename T>
T cfTxtOk(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

template <typename T>
ProviderError cfTxtFailed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

TxtWrite cfTxtWrite(std::string value, std::uint32_t ttl = 60) {
  TxtWrite w;
  w.record = kCfRehearsal;
  w.value = std::move(value);
  w.ttl = ttl;
  return w;
}

}  // namespace

TEST_CASE("a rehearsal TXT is written quoted, read back, rewritten in place and deleted twice") {
  CfTxtWorld w;
  CloudflareProvider provider = w.provider();
  CHECK(cfTxtOk(provider.readTxt(kCfRehearsal)).empty());

  Written first = cfTxtOk(provider.writeTxt(cfTxtWrite("planb rehearsal \"1\"")));
  CHECK(first.raised_ttl == 0);
  CHECK_FALSE(first.proxied);
  std::vector<Json> txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("content") == "\"planb rehearsal \\\"1\\\"\"");  // quoted, as the API asks
  CHECK(txt[0].at("proxied") == false);
  CHECK(txt[0].at("ttl") == 60);
  CHECK(cfTxtOk(provider.readTxt(kCfRehearsal)) ==
        std::vector<std::string>{"planb rehearsal \"1\""});

  std::string id = txt[0].at("id").get<std::string>();
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-2", 120)));
  txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("id") == id);  // PATCHed in place
  CHECK(txt[0].at("ttl") == 120);
  CHECK(cfTxtOk(provider.readTxt(kCfRehearsal)) == std::vector<std::string>{"token-2"});

  // Several TXT records at the name (a crashed run's, a hand-made one): one value is left.
  w.fake.addRecord("_planb-rehearsal.example.com", "TXT", "left-over", 300);
  w.fake.addRecord("_planb-rehearsal.example.com", "TXT", "\"token-3\"", 300);
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-3")));
  txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("content") == "\"token-3\"");

  w.fake.clearLog();
  cfTxtOk(provider.deleteTxt(kCfRehearsal));
  CHECK(w.stored("TXT").empty());
  CHECK(w.sent("DELETE") == 1);
  CHECK(cfTxtOk(provider.readTxt(kCfRehearsal)).empty());
  w.fake.clearLog();
  cfTxtOk(provider.deleteTxt(kCfRehearsal));  // again: nothing there is a success
  CHECK(w.sent("DELETE") == 0);
}

TEST_CASE(
    "the rehearsal's TXT leaves a CNAME at a managed name and other types at its name alone") {
  CfTxtWorld w;
  Json www = w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net", 300);
  Json a = w.fake.addRecord("_planb-rehearsal.example.com", "A", "192.0.2.7", 300);
  CloudflareProvider provider = w.provider();
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-1")));
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-2")));
  cfTxtOk(provider.deleteTxt(kCfRehearsal));

  CHECK(w.fake.record(www.at("id").get<std::string>()) == www);
  CHECK(w.fake.record(a.at("id").get<std::string>()) == a);
  CHECK(w.stored("TXT").empty());
}

TEST_CASE("a TXT create refused as existing is a success once the value is there") {
  CfTxtWorld w;
  // Another copy of the same write lands just before this one (a resent request).
  w.fake.control("POST", "race",
                 {{"zone", "example.com"},
                  {"name", "_planb-rehearsal.example.com"},
                  {"type", "TXT"},
                  {"content", "\"token-1\""},
                  {"ttl", 60}});
  CloudflareProvider provider = w.provider();
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-1")));
  CHECK(w.stored("TXT").size() == 1);
  bool refused = false;
  for (const Json& r : w.fake.requestLog()) {
    refused = refused || (r.at("method") == "POST" && r.at("status") == 400);
  }
  CHECK(refused);
}

TEST_CASE("a TTL under Cloudflare's 60 seconds goes as 60 and is reported raised") {
  CfTxtWorld w;
  Written written = cfTxtOk(w.provider().writeTxt(cfTxtWrite("token-1", 30)));
  CHECK(written.raised_ttl == 60);
  REQUIRE(w.stored("TXT").size() == 1);
  CHECK(w.stored("TXT")[0].at("ttl") == 60);
}

TEST_CASE("the zone's name servers are the ones Cloudflare assigned it, canonical and sorted") {
  CfTxtWorld w({"--name-servers", "Zed.NS.cloudflare.com,ada.ns.cloudflare.com"});
  CloudflareProvider provider = w.provider();
  CHECK(cfTxtOk(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"ada.ns.cloudflare.com.", "zed.ns.cloudflare.com."});

  w.fake.control("POST", "zones",
                 {{"name", "example.org"}, {"name_servers", {"lara.ns.cloudflare.com"}}});
  CHECK(cfTxtOk(provider.nameServers("example.org.")) ==
        std::vector<std::string>{"lara.ns.cloudflare.com."});
}

TEST_CASE("a revoked token fails every rehearsal call and the name servers with Auth") {
  CfTxtWorld w;
  CloudflareProvider provider = w.provider();
  cfTxtOk(provider.writeTxt(cfTxtWrite("token-1")));  // the zone id is known from here on
  w.fake.control("POST", "revoke");

  auto auth = [&](const ProviderError& e) {
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find(w.fake.token()) == std::string::npos);
    CHECK(e.message.find(w.fake.tokenFile()) != std::string::npos);
  };
  auth(cfTxtFailed(provider.readTxt(kCfRehearsal)));
  auth(cfTxtFailed(provider.writeTxt(cfTxtWrite("token-2"))));
  auth(cfTxtFailed(provider.deleteTxt(kCfRehearsal)));
  auth(cfTxtFailed(provider.nameServers("example.com.")));
  CHECK(w.stored("TXT").size() == 1);  // nothing written or deleted
}
