// The corpus of real Azure exchanges (tests/conformance/azure/): every recorded reply parses to
// what the service meant, by the functions the provider runs, and planb's request bodies are the
// recorded ones.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fakes/corpus_exchanges.hpp"
#include "providers/azure_reply.hpp"
#include "providers/azure_token.hpp"

using namespace planb::providers;
using Json = nlohmann::json;

namespace {

std::string azureErrorKindName(planb::net::ErrorKind kind) {
  return std::string(planb::net::nameOf(kind));
}

}  // namespace

TEST_CASE("every recorded Azure reply parses to what the service meant") {
  auto corpus = planb::testing::loadCorpus(PLANB_AZURE_CORPUS_DIR);
  REQUIRE(corpus.size() >= 10);
  for (const auto& exchange : corpus) {
    CAPTURE(exchange.file);
    const Json& expect = exchange.json.at("expect");
    const Json& response = exchange.json.at("response");
    const std::string kind = expect.at("kind");
    const std::string& text = response.at("body").get_ref<const std::string&>();
    if (kind == "empty") {
      CHECK(text.empty());
      continue;
    }
    Json body = Json::parse(text);
    if (kind == "token") {
      CHECK(parseEntraToken(body).expires_in.count() == expect.at("expires_in").get<long>());
    } else if (kind == "token_error") {
      EntraError e = parseEntraError(body);
      CHECK(e.aadsts == expect.at("aadsts").get<std::uint32_t>());
      CHECK(e.error == expect.at("error"));
      CHECK_FALSE(e.trace_id.empty());
      AzureTokenConfig config;
      config.client_secret_file = "/etc/planb/azure_client_secret";
      CHECK(entraAdvice(e, response.at("status").get<long>(), config).kind ==
            planb::net::ErrorKind::Auth);
    } else if (kind == "record_set") {
      AzureRecordSet r = parseAzureRecordSet(body);
      CHECK(r.name == expect.at("name"));
      CHECK(r.type == expect.at("type"));
      CHECK(r.etag == expect.at("etag"));
      CHECK(r.ttl == expect.at("ttl").get<std::uint32_t>());
      REQUIRE(r.cname.has_value());
      CHECK(*r.cname == expect.at("cname"));
      CHECK(r.alias == expect.at("alias").get<bool>());
    } else if (kind == "list") {
      AzureListPage page = parseAzureListPage(body);
      std::vector<std::string> names;
      std::vector<std::string> types;
      for (const AzureRecordSet& r : page.record_sets) {
        names.push_back(r.name);
        types.push_back(r.type);
        CHECK_FALSE(r.etag.empty());
        if (expect.contains("txt") && expect["txt"].contains(r.name)) {
          CHECK(r.txt_values == expect["txt"][r.name].get<std::vector<std::string>>());
        }
      }
      CHECK(names == expect.at("names").get<std::vector<std::string>>());
      if (expect.contains("types")) {
        CHECK(types == expect.at("types").get<std::vector<std::string>>());
      }
      CHECK(page.next_link == expect.at("next_link"));
    } else if (kind == "zone") {
      CHECK(azureNameServers(body) == expect.at("name_servers").get<std::vector<std::string>>());
    } else if (kind == "arm_error") {
      AzureArmError e = parseAzureArmError(body);
      CHECK(e.code == expect.at("code"));
      CHECK_FALSE(e.message.empty());
      CHECK(azureErrorKindName(azureErrorKind(response.at("status").get<long>(), e.code)) ==
            expect.at("error_kind").get<std::string>());
      if (expect.contains("zone_missing")) {
        CHECK(isAzureZoneMissing(e.code) == expect.at("zone_missing").get<bool>());
      }
    } else {
      FAIL("unknown expect.kind " << kind);
    }
  }
}

TEST_CASE("planb's CNAME create body is the one a real create sent") {
  auto corpus = planb::testing::loadCorpus(PLANB_AZURE_CORPUS_DIR);
  bool seen = false;
  for (const auto& exchange : corpus) {
    if (exchange.file != "03-put-cname-create.json") {
      continue;
    }
    seen = true;
    Json recorded = Json::parse(exchange.json.at("request").at("body").get<std::string>());
    CHECK(azureCnameBody(nullptr, "docs.example.com", 3600) == recorded);
  }
  CHECK(seen);
}
