// The rehearsal's write path and the domain's name servers (product.md §11) of AlidnsProvider over
// libcurl against tests/fakes/alidns_server.py on 127.0.0.1, which checks every signature: the
// TXT record _planb-rehearsal.<zone> written, read back, rewritten and deleted.

#include <doctest/doctest.h>

#include "alidns_fake.hpp"
#include "core/clock.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AlidnsFake;
using Json = nlohmann::json;

namespace {

const RecordRef kAliRehearsal{"example.com.", "_planb-rehearsal.example.com."};

struct AliTxtWorld {
  AlidnsFake fake;
  planb::providers::AlidnsConfig config;

  AliTxtWorld() {
    config.name = "ali-txt-it";
    config.settings.access_key_id_file = fake.keyIdFile();
    config.settings.access_key_secret_file = fake.keySecretFile();
    config.endpoint = fake.endpoint();
  }

  AlidnsProvider provider() {
    return AlidnsProvider(config, std::make_shared<CurlTransport>(),
                          std::make_shared<planb::core::SystemClock>());
  }

  std::vector<Json> stored(const std::string& type, const std::string& rr = "_planb-rehearsal") {
    std::vector<Json> out;
    for (const Json& r : fake.records()) {
      if (r.at("Type") == type && r.at("RR") == rr) {
        out.push_back(r);
      }
    }
    return out;
  }

  int sent(const std::string& action) {
    int n = 0;
    for (const Json& r : fake.requestLog()) {
      n += r.at("action") == action ? 1 : 0;
    }
    return n;
  }
};

template <typename T>
T aliTxtOk(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

template <typename T>
ProviderError aliTxtFailed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

TxtWrite aliTxtWrite(std::string value, std::uint32_t ttl = 60) {
  TxtWrite w;
  w.record = kAliRehearsal;
  w.value = std::move(value);
  w.ttl = ttl;
  return w;
}

}  // namespace

TEST_CASE("an alidns rehearsal TXT is written, read back, rewritten in place and deleted twice") {
  AliTxtWorld w;
  AlidnsProvider provider = w.provider();
  CHECK(aliTxtOk(provider.readTxt(kAliRehearsal)).empty());

  Written first = aliTxtOk(provider.writeTxt(aliTxtWrite("planb rehearsal 1")));
  CHECK(first.raised_ttl == 0);
  std::vector<Json> txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("Value") == "planb rehearsal 1");
  CHECK(txt[0].at("TTL") == 60);
  CHECK(aliTxtOk(provider.readTxt(kAliRehearsal)) == std::vector<std::string>{"planb rehearsal 1"});

  std::string id = txt[0].at("RecordId").get<std::string>();
  aliTxtOk(provider.writeTxt(aliTxtWrite("token-2", 120)));
  txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("RecordId") == id);  // UpdateDomainRecord in place
  CHECK(txt[0].at("TTL") == 120);
  CHECK(aliTxtOk(provider.readTxt(kAliRehearsal)) == std::vector<std::string>{"token-2"});

  // Several TXT records at the name, one disabled: one enabled value is left.
  w.fake.addRecord("_planb-rehearsal", "TXT", "left-over", 600);
  Json disabled = w.fake.addRecord("_planb-rehearsal", "TXT", "token-3", 600);
  w.fake.control("PATCH", "records/" + disabled.at("RecordId").get<std::string>(),
                 {{"Status", "DISABLE"}});
  CHECK(aliTxtOk(provider.readTxt(kAliRehearsal)) ==
        std::vector<std::string>{"token-2", "left-over"});
  aliTxtOk(provider.writeTxt(aliTxtWrite("token-3")));
  txt = w.stored("TXT");
  REQUIRE(txt.size() == 1);
  CHECK(txt[0].at("Value") == "token-3");
  CHECK(txt[0].at("Status") == "ENABLE");

  w.fake.clearLog();
  aliTxtOk(provider.deleteTxt(kAliRehearsal));
  CHECK(w.stored("TXT").empty());
  CHECK(w.sent("DeleteDomainRecord") == 1);
  CHECK(aliTxtOk(provider.readTxt(kAliRehearsal)).empty());
  w.fake.clearLog();
  aliTxtOk(provider.deleteTxt(kAliRehearsal));  // again: nothing there is a success
  CHECK(w.sent("DeleteDomainRecord") == 0);
}

TEST_CASE("the alidns rehearsal's TXT leaves a CNAME at a managed name and other types alone") {
  AliTxtWorld w;
  Json www = w.fake.addRecord("www", "CNAME", "app.aws.example.net", 600);
  Json a = w.fake.addRecord("_planb-rehearsal", "A", "192.0.2.7", 600);
  AlidnsProvider provider = w.provider();
  aliTxtOk(provider.writeTxt(aliTxtWrite("token-1")));
  aliTxtOk(provider.writeTxt(aliTxtWrite("token-2")));
  aliTxtOk(provider.deleteTxt(kAliRehearsal));

  CHECK(w.fake.record(www.at("RecordId").get<std::string>()) == www);
  CHECK(w.fake.record(a.at("RecordId").get<std::string>()) == a);
  CHECK(w.stored("TXT").empty());
}

TEST_CASE("an alidns rehearsal TXT goes with the zone's minimum TTL and says it was raised") {
  AliTxtWorld w;
  w.fake.control("POST", "domains", {{"name", "example.com"}, {"edition", "free"}});
  Written written = aliTxtOk(w.provider().writeTxt(aliTxtWrite("token-1", 60)));
  CHECK(written.raised_ttl == 600);
  REQUIRE(w.stored("TXT").size() == 1);
  CHECK(w.stored("TXT")[0].at("TTL") == 600);
}

TEST_CASE("an alidns TXT add refused as a duplicate is a success once the value is there") {
  AliTxtWorld w;
  w.fake.control("POST", "race",
                 {{"domain", "example.com"},
                  {"rr", "_planb-rehearsal"},
                  {"type", "TXT"},
                  {"value", "token-1"},
                  {"ttl", 60}});
  aliTxtOk(w.provider().writeTxt(aliTxtWrite("token-1")));
  CHECK(w.stored("TXT").size() == 1);
  bool refused = false;
  for (const Json& r : w.fake.requestLog()) {
    refused = refused || r.at("code") == "DomainRecordDuplicate";
  }
  CHECK(refused);
}

TEST_CASE("the domain's name servers are the ones Alibaba assigned it, canonical and sorted") {
  AliTxtWorld w;
  AlidnsProvider provider = w.provider();
  CHECK(aliTxtOk(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"dns10.hichina.com.", "dns9.hichina.com."});
  w.fake.control("POST", "domains",
                 {{"name", "example.com"},
                  {"edition", "free"},
                  {"dns_servers", {"NS2.alidns.com", "ns1.alidns.com"}}});
  CHECK(aliTxtOk(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"ns1.alidns.com.", "ns2.alidns.com."});
  // The minimum TTL came with them: the next write needs no DescribeDomainInfo of its own.
  w.fake.clearLog();
  Written written = aliTxtOk(provider.writeTxt(aliTxtWrite("token-1", 60)));
  CHECK(written.raised_ttl == 600);
  CHECK(w.sent("DescribeDomainInfo") == 0);
  CHECK(w.sent("AddDomainRecord") == 1);
}

TEST_CASE("a revoked alidns key fails every rehearsal call and the name servers with Auth") {
  AliTxtWorld w;
  AlidnsProvider provider = w.provider();
  aliTxtOk(provider.writeTxt(aliTxtWrite("token-1")));
  w.fake.control("POST", "revoke");

  auto auth = [&](const ProviderError& e) {
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find(w.fake.keySecret()) == std::string::npos);
    CHECK(e.message.find(w.fake.keyIdFile()) != std::string::npos);
  };
  auth(aliTxtFailed(provider.readTxt(kAliRehearsal)));
  auth(aliTxtFailed(provider.writeTxt(aliTxtWrite("token-2"))));
  auth(aliTxtFailed(provider.deleteTxt(kAliRehearsal)));
  auth(aliTxtFailed(provider.nameServers("example.com.")));
  CHECK(w.stored("TXT").size() == 1);  // nothing written or deleted
}
