// WebhookProvider over libcurl against tests/fakes/webhook_provider.py: a webhook provider that
// checks the media type headers as the community template does, validates changes as
// external-dns' in-memory provider does, and speaks the lower-case, capitalised or either keys.

#include <doctest/doctest.h>

#include "net/http_client.hpp"
#include "providers/webhook_provider.hpp"
#include "webhook_fake.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::WebhookFake;
using Json = nlohmann::json;

namespace {

const Json kWebhookWww = {{"dnsName", "www.example.com"},
                          {"targets", Json::array({"a.example.net"})},
                          {"recordType", "CNAME"},
                          {"recordTTL", 300},
                          {"labels", {{"owner", "planb"}}},
                          {"providerSpecific", Json::array({{{"name", "zone"}, {"value", "z1"}}})}};

WebhookProvider webhookOn(WebhookFake& fake) {
  return WebhookProvider("hook-it", fake.url(),
                         std::make_shared<CurlTransport>(webhookHttpOptions(fake.url())));
}

ReplaceRequest webhookItSwap(std::string target, std::optional<std::string> expected,
                             std::string name = "www.example.com.", std::uint32_t ttl = 60) {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

template <typename T>
T webhookItOk(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

template <typename T>
ProviderError webhookItFailed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

}  // namespace

TEST_CASE("a webhook provider's CNAME is read after negotiation") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  ServedRecord served = webhookItOk(p.read({"example.com.", "www.example.com."}));
  CHECK(served.kind == ServedRecord::Kind::Cname);
  CHECK(served.target == "a.example.net.");
  CHECK(served.ttl == 300);
  CHECK(fake.calls() == std::vector<std::string>{"GET /", "GET /records"});
}

TEST_CASE("a replace reaches the provider's store, labels and providerSpecific kept") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  webhookItOk(p.replace(webhookItSwap("b.example.net.", "a.example.net.")));
  Json stored = fake.endpoint("www.example.com", "CNAME");
  CHECK(stored.at("targets") == Json::array({"b.example.net"}));
  CHECK(stored.at("recordTTL") == 60);
  CHECK(stored.at("labels") == kWebhookWww.at("labels"));
  CHECK(stored.at("providerSpecific").at(0) == kWebhookWww.at("providerSpecific").at(0));
  CHECK(fake.calls() == std::vector<std::string>{"GET /", "GET /records", "POST /adjustendpoints",
                                                 "POST /records"});
  Json posted = fake.requestLog().back().at("body");
  CHECK(posted.contains("updateOld"));
  CHECK(posted.contains("updateNew"));
  CHECK(webhookItOk(p.read({"example.com.", "www.example.com."})).target == "b.example.net.");
}

TEST_CASE("a batch of a zone is one POST /records the provider applies whole") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  fake.add({{"dnsName", "api.example.com"},
            {"targets", Json::array({"a.example.net"})},
            {"recordType", "CNAME"}});
  WebhookProvider p = webhookOn(fake);
  auto results =
      p.replaceBatch({webhookItSwap("b.example.net.", "a.example.net."),
                      webhookItSwap("b.example.net.", "a.example.net.", "api.example.com."),
                      webhookItSwap("b.example.net.", std::nullopt, "new.example.com.")});
  for (auto& result : results) {
    webhookItOk(result);
  }
  CHECK(fake.calls() == std::vector<std::string>{"GET /", "GET /records", "POST /adjustendpoints",
                                                 "POST /records"});
  for (const char* name : {"www.example.com", "api.example.com", "new.example.com"}) {
    CHECK(fake.endpoint(name, "CNAME").at("targets") == Json::array({"b.example.net"}));
  }
}

TEST_CASE("adjustendpoints raising the TTL to the provider's minimum is written and reported") {
  WebhookFake::Options options;
  options.min_ttl = 300;
  WebhookFake fake(options);
  WebhookProvider p = webhookOn(fake);
  auto results =
      p.replaceBatch({webhookItSwap("b.example.net.", std::nullopt, "new.example.com.")});
  CHECK(webhookItOk(results.front()).raised_ttl == 300);
  Json stored = fake.endpoint("new.example.com", "CNAME");
  CHECK(stored.at("recordTTL") == 300);
  CHECK(stored.at("providerSpecific").at(0).at("name") == "webhook-fake/adjusted");
}

TEST_CASE("a provider of another protocol version refuses the negotiation: a clear error") {
  WebhookFake::Options options;
  options.media_version = "2";
  WebhookFake fake(options);
  WebhookProvider p = webhookOn(fake);
  ProviderError e = webhookItFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("refused GET / (HTTP 415)") != std::string::npos);
  CHECK(e.message.find("unsupported media type version") != std::string::npos);
}

TEST_CASE("a zone outside the provider's domain filter is refused before any record is read") {
  WebhookFake::Options options;
  options.domain_filters = {"example.org"};
  WebhookFake fake(options);
  WebhookProvider p = webhookOn(fake);
  ProviderError e = webhookItFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("its domain filter is include [example.org]") != std::string::npos);
  CHECK(fake.calls() == std::vector<std::string>{"GET /"});
}

TEST_CASE(
    "a change by another writer between the read and the POST wins; the retry is a Conflict") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  // Another writer points www at c after planbd's GET /records, before its POST /records applies.
  Json raced = kWebhookWww;
  raced["targets"] = Json::array({"c.example.net"});
  fake.control("POST", "race", raced);
  // The provider refuses the updateOld that no longer matches (external-dns' in-memory rules):
  // nothing of planbd's is applied over the other writer's change.
  CHECK(webhookItFailed(p.replace(webhookItSwap("b.example.net.", "a.example.net."))).kind ==
        ErrorKind::Transient);
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"c.example.net"}));
  // Tried again, the read just before the write sees c, not the a planbd expected.
  CHECK(webhookItFailed(p.replace(webhookItSwap("b.example.net.", "a.example.net."))).kind ==
        ErrorKind::Conflict);
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"c.example.net"}));
}

TEST_CASE("a 500 is transient and the provider negotiates again once it answers") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  webhookItOk(p.read({"example.com.", "www.example.com."}));
  fake.control("POST", "fail", {{"count", 1}});
  CHECK(webhookItFailed(p.read({"example.com.", "www.example.com."})).kind == ErrorKind::Transient);
  webhookItOk(p.read({"example.com.", "www.example.com."}));
  CHECK(fake.calls() ==
        std::vector<std::string>{"GET /", "GET /records", "GET /records", "GET /", "GET /records"});
}

TEST_CASE("a provider whose DNS API refuses its credentials fails with 500 until it is fixed") {
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  fake.control("POST", "revoke");
  CHECK(webhookItFailed(p.replace(webhookItSwap("b.example.net.", "a.example.net."))).kind ==
        ErrorKind::Transient);
  fake.control("POST", "credentials");
  webhookItOk(p.replace(webhookItSwap("b.example.net.", "a.example.net.")));
}

TEST_CASE("a malformed reply is a Permanent error naming the route") {
  WebhookFake fake;
  WebhookProvider p = webhookOn(fake);
  webhookItOk(p.read({"example.com.", "www.example.com."}));
  fake.control("POST", "malformed", {{"count", 1}});
  ProviderError e = webhookItFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("malformed reply to GET /records: the body is not JSON") !=
        std::string::npos);
}

TEST_CASE("a provider that is down is a transient error naming its url") {
  std::string url;
  {
    WebhookFake fake;
    url = fake.url();
  }
  WebhookProvider p("hook-it", url, std::make_shared<CurlTransport>(webhookHttpOptions(url)));
  ProviderError e = webhookItFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Transient);
  CHECK(e.message.find("webhook provider \"hook-it\" at " + url + ": GET /") == 0);
}

TEST_CASE(
    "a change made between planb's read and its write fails the batch at a checking provider") {
  // The in-memory provider's rule: an updateOld whose target is no longer stored is refused.
  WebhookFake fake;
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  Json raced = kWebhookWww;
  raced["targets"] = Json::array({"c.example.net"});
  fake.control("POST", "race", raced);
  CHECK(webhookItFailed(p.replace(webhookItSwap("b.example.net.", "a.example.net."))).kind ==
        ErrorKind::Transient);
  // Read again, the change is seen: a Conflict, nothing written over it.
  CHECK(webhookItFailed(p.replace(webhookItSwap("b.example.net.", "a.example.net."))).kind ==
        ErrorKind::Conflict);
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"c.example.net"}));
}

TEST_CASE("a provider decoding only the lower-case keys applies planb's changes") {
  WebhookFake::Options options;
  options.change_keys = "lower";
  WebhookFake fake(options);
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  webhookItOk(p.replace(webhookItSwap("b.example.net.", "a.example.net.")));
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"b.example.net"}));
  CHECK_FALSE(fake.requestLog().back().contains("ignored_keys"));
}

TEST_CASE(
    "a provider decoding only the capitalised keys ignores planb's changes (the known limit)") {
  // Every Go provider decodes both (encoding/json matches keys case-insensitively); one written
  // in another language against external-dns before v0.17.0 may know only "Create", ...: it
  // answers 204 and changes nothing, which post-write verification reports.
  WebhookFake::Options options;
  options.change_keys = "capitalised";
  WebhookFake fake(options);
  fake.add(kWebhookWww);
  WebhookProvider p = webhookOn(fake);
  webhookItOk(p.replace(webhookItSwap("b.example.net.", "a.example.net.")));
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"a.example.net"}));
  CHECK(fake.requestLog().back().at("ignored_keys") == Json::array({"updateOld", "updateNew"}));
}

TEST_CASE("the rehearsal's TXT record is written, read back, rewritten and deleted") {
  WebhookFake fake;
  WebhookProvider p = webhookOn(fake);
  RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  webhookItOk(p.writeTxt({txt, "token-1", 60}));
  CHECK(webhookItOk(p.readTxt(txt)) == std::vector<std::string>{"token-1"});
  CHECK(fake.endpoint("_planb-rehearsal.example.com", "TXT").at("targets") ==
        Json::array({"\"token-1\""}));
  webhookItOk(p.writeTxt({txt, "token-2", 60}));
  CHECK(webhookItOk(p.readTxt(txt)) == std::vector<std::string>{"token-2"});
  webhookItOk(p.deleteTxt(txt));
  CHECK(webhookItOk(p.readTxt(txt)).empty());
  CHECK(fake.endpoint("_planb-rehearsal.example.com", "TXT").is_null());
  webhookItOk(p.deleteTxt(txt));  // twice: still success
}

TEST_CASE("over a unix socket the provider reads and writes as over TCP") {
  WebhookFake::Options options;
  options.unix_socket = true;
  WebhookFake fake(options);
  fake.add(kWebhookWww);
  REQUIRE(fake.url().rfind("unix:/", 0) == 0);
  WebhookProvider p = webhookOn(fake);
  CHECK(webhookItOk(p.read({"example.com.", "www.example.com."})).target == "a.example.net.");
  webhookItOk(p.replace(webhookItSwap("b.example.net.", "a.example.net.")));
  CHECK(fake.endpoint("www.example.com", "CNAME").at("targets") == Json::array({"b.example.net"}));
}
