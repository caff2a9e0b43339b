// The webhook corpus (tests/conformance/webhook): every recorded reply parses to what the
// protocol's documents mean, and planb's POST /records uses the recorded keys.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "providers/webhook_endpoint.hpp"

using namespace planb::providers;
using CorpusJson = nlohmann::json;

namespace {

CorpusJson webhookExchange(const std::string& name) {
  std::ifstream in(std::string(PLANB_WEBHOOK_CORPUS_DIR) + "/" + name);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return CorpusJson::parse(text.str());
}

void checkWebhookEndpoints(const CorpusJson& exchange) {
  auto parsed = parseWebhookEndpoints(exchange.at("response").at("body").get<std::string>());
  REQUIRE(std::holds_alternative<std::vector<WebhookEndpoint>>(parsed));
  const auto& endpoints = std::get<std::vector<WebhookEndpoint>>(parsed);
  const CorpusJson& expected = exchange.at("expect").at("endpoints");
  REQUIRE(endpoints.size() == expected.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    CHECK(endpoints[i].dns_name == expected[i].at("dns_name"));
    CHECK(endpoints[i].record_type == expected[i].at("record_type"));
    CHECK(endpoints[i].targets == expected[i].at("targets").get<std::vector<std::string>>());
    CHECK(endpoints[i].ttl == expected[i].at("ttl").get<std::int64_t>());
  }
}

}  // namespace

TEST_CASE("corpus: negotiation's domain filter reads as external-dns serialises it") {
  CorpusJson exchange = webhookExchange("01-negotiate-domain-filter.json");
  CHECK(exchange.at("response").at("headers").at("Content-Type") == kWebhookMediaType);
  auto parsed = parseWebhookDomainFilter(exchange.at("response").at("body").get<std::string>());
  REQUIRE(std::holds_alternative<WebhookDomainFilter>(parsed));
  const auto& filter = std::get<WebhookDomainFilter>(parsed);
  for (const auto& name : exchange.at("expect").at("matches")) {
    CHECK(filter.matches(name.get<std::string>()));
  }
  for (const auto& name : exchange.at("expect").at("does_not_match")) {
    CHECK_FALSE(filter.matches(name.get<std::string>()));
  }
}

TEST_CASE("corpus: GET /records and /adjustendpoints replies parse to their endpoints") {
  checkWebhookEndpoints(webhookExchange("02-get-records.json"));
  checkWebhookEndpoints(webhookExchange("05-adjustendpoints.json"));
}

TEST_CASE("corpus: planb's POST /records uses the recorded lower-case keys") {
  CorpusJson recorded = CorpusJson::parse(
      webhookExchange("03-post-records-create.json")["request"]["body"].get<std::string>());
  WebhookChanges changes;
  changes.create.push_back(recorded.at("create").at(0));
  CHECK(CorpusJson::parse(webhookChangesBody(changes)) == recorded);
}
