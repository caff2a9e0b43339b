// The corpus of documented Huawei Cloud DNS exchanges (tests/conformance/huaweicloud/) read by the
// provider's own reply parsers and error mapping, so they hold to what the service sends.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fakes/corpus_exchanges.hpp"
#include "providers/huaweicloud_reply.hpp"

using namespace planb::providers;
using planb::testing::CorpusExchange;
using planb::testing::loadCorpus;
using Json = nlohmann::json;

namespace {

Json huaweiCorpusBody(const CorpusExchange& exchange) {
  return Json::parse(exchange.json.at("response").at("body").get<std::string>());
}

const CorpusExchange& huaweiCorpusFile(const std::vector<CorpusExchange>& corpus,
                                       const std::string& prefix) {
  for (const CorpusExchange& exchange : corpus) {
    if (exchange.file.rfind(prefix, 0) == 0) {
      return exchange;
    }
  }
  FAIL("no corpus file " << prefix);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("the corpus holds every Huawei Cloud exchange planb relies on") {
  CHECK(loadCorpus(PLANB_HUAWEICLOUD_CORPUS_DIR).size() == 13);
}

TEST_CASE("the documented listing parses into record sets with their total count") {
  auto corpus = loadCorpus(PLANB_HUAWEICLOUD_CORPUS_DIR);
  const CorpusExchange& listing = huaweiCorpusFile(corpus, "02-");
  Json body = huaweiCorpusBody(listing);
  std::vector<HuaweiRecordset> sets = parseHuaweiRecordsets(body);
  std::vector<std::string> types;
  for (const HuaweiRecordset& r : sets) {
    types.push_back(r.type);
    CHECK(r.name.back() == '.');
    CHECK_FALSE(r.isPlanbs());  // SOA, NS and A: none is a CNAME planb would manage
  }
  CHECK(types == listing.json.at("expect").at("types").get<std::vector<std::string>>());
  CHECK(huaweiTotalCount(body) == listing.json.at("expect").at("total_count").get<std::size_t>());
}

TEST_CASE("documented write replies are pending, a read reply carries its status") {
  auto corpus = loadCorpus(PLANB_HUAWEICLOUD_CORPUS_DIR);
  for (const char* prefix : {"03-", "04-", "05-", "06-"}) {
    CAPTURE(prefix);
    const CorpusExchange& exchange = huaweiCorpusFile(corpus, prefix);
    HuaweiRecordset r = parseHuaweiRecordset(huaweiCorpusBody(exchange));
    CHECK(r.id == "2c9eb155587228570158722b6ac30007");
    CHECK(r.status == exchange.json.at("expect").at("status").get<std::string>());
    CHECK(r.pending());
  }
}

TEST_CASE("the documented name servers are the zone's hostnames") {
  auto corpus = loadCorpus(PLANB_HUAWEICLOUD_CORPUS_DIR);
  const CorpusExchange& exchange = huaweiCorpusFile(corpus, "07-");
  CHECK(huaweiNameServers(huaweiCorpusBody(exchange)) ==
        exchange.json.at("expect").at("name_servers").get<std::vector<std::string>>());
}

TEST_CASE("each documented error reply maps to the kind planb acts on") {
  auto corpus = loadCorpus(PLANB_HUAWEICLOUD_CORPUS_DIR);
  int errors = 0;
  for (const CorpusExchange& exchange : corpus) {
    const Json& expect = exchange.json.at("expect");
    if (!expect.contains("kind")) {
      continue;
    }
    CAPTURE(exchange.file);
    ++errors;
    HuaweiErrorBody refusal = huaweiErrorBody(huaweiCorpusBody(exchange));
    CHECK(refusal.code == expect.at("code").get<std::string>());
    CHECK_FALSE(refusal.message.empty());
    long status = exchange.json.at("response").at("status").get<long>();
    CHECK(planb::net::nameOf(huaweiErrorKind(refusal.code, status)) ==
          expect.at("kind").get<std::string>());
  }
  CHECK(errors == 6);
}
