// tests/conformance/dnspod/: every recorded reply parses, with the provider's own code, to what
// DNSPod meant ("expect"), and planb's requests carry only parameters, of the same JSON types, that
// the recorded ones carry.

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "dnspod_fixture.hpp"
#include "fakes/corpus_exchanges.hpp"
#include "providers/dnspod_reply.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace planb::testing::dnspod;

namespace {

std::vector<planb::testing::CorpusExchange> dnspodCorpus() {
  return planb::testing::loadCorpus(PLANB_DNSPOD_CORPUS_DIR);
}

Json dnspodRecordedResponse(const Json& exchange) {
  return Json::parse(exchange.at("response").at("body").get<std::string>()).at("Response");
}

}  // namespace

TEST_CASE("the dnspod corpus holds every action planb calls") {
  std::set<std::string> actions;
  for (const auto& e : dnspodCorpus()) {
    actions.insert(e.json.at("request").at("headers").at("X-TC-Action").get<std::string>());
  }
  for (const char* action : {"DescribeRecordList", "CreateRecord", "ModifyRecord", "DeleteRecord",
                             "DescribeDomain", "DescribeDomainPurview"}) {
    CHECK_MESSAGE(actions.count(action) == 1, action);
  }
}

TEST_CASE("every recorded dnspod reply parses to what the service meant") {
  for (const auto& e : dnspodCorpus()) {
    CAPTURE(e.file);
    Json response = dnspodRecordedResponse(e.json);
    const Json& expect = e.json.at("expect");
    std::optional<DnspodError> refused = dnspodErrorIn(response);
    if (expect.contains("error_code")) {
      REQUIRE(refused);
      CHECK(refused->code == expect.at("error_code"));
      CHECK_FALSE(refused->message.empty());
    } else {
      CHECK_FALSE(refused);
    }
    if (expect.contains("error_kind")) {
      CHECK(std::string(nameOf(dnspodErrorKind(refused->code))) == expect.at("error_kind"));
    }
    if (expect.contains("empty_listing")) {
      CHECK(refused->code == kDnspodNoRecords);
    }
    if (expect.contains("total")) {
      DnspodPage page = parseDnspodPage(response);
      CHECK(page.total == expect.at("total"));
      REQUIRE(page.records.size() == expect.at("records").get<std::size_t>());
      const Json& first = expect.at("first");
      const DnspodRecord& r = page.records.front();
      CHECK(r.id == first.at("id"));
      CHECK(r.name == first.at("name"));
      CHECK(r.type == first.at("type"));
      CHECK(r.value == first.at("value"));
      CHECK(r.ttl == first.at("ttl"));
      CHECK(r.line_id == first.at("line_id"));
      CHECK(r.onDefaultLine() == first.at("default_line").get<bool>());
      CHECK_FALSE(r.weight);
    }
    if (expect.contains("record_id")) {
      CHECK(response.at("RecordId") == expect.at("record_id"));
    }
    if (expect.contains("min_ttl")) {
      CHECK(dnspodMinTtl(response) == expect.at("min_ttl").get<std::uint32_t>());
    }
    if (expect.contains("name_servers")) {
      DnspodFixture f;
      f.transport->answer([&e](const HttpRequest&) {
        return Result<HttpResponse>(
            planb::testing::reply(200, e.json.at("response").at("body").get<std::string>()));
      });
      DnspodProvider provider = f.make();
      CHECK(dnspodValue(provider.nameServers("dnspod.com.")) ==
            expect.at("name_servers").get<std::vector<std::string>>());
    }
  }
}

TEST_CASE("planb's dnspod requests carry only parameters the recorded requests carry") {
  std::map<std::string, Json> recorded;  // action -> recorded body
  for (const auto& e : dnspodCorpus()) {
    const Json& request = e.json.at("request");
    recorded.emplace(request.at("headers").at("X-TC-Action").get<std::string>(),
                     Json::parse(request.at("body").get<std::string>()));
  }
  DnspodFixture f;
  int lists = 0;
  f.answer([&lists](const std::string& action, const Json& p) {
    if (action == "DescribeRecordList") {
      ++lists;
      if (p.contains("RecordType")) {
        return dnspodList(Json::array({dnspodRecord(5, "_planb-rehearsal", "TXT", "old"),
                                       dnspodRecord(6, "_planb-rehearsal", "TXT", "older")}));
      }
      return dnspodNoRecords();
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    if (action == "DescribeDomain") {
      return dnspodOk({{"DomainInfo", {{"DnspodNsList", Json::array({"a.dnspod.net"})}}}});
    }
    return dnspodOk({{"RecordId", 5}});
  });
  DnspodProvider provider = f.make();
  provider.replace(dnspodSwap("backup.example.net.", std::nullopt, 60));
  provider.writeTxt({{"example.com.", "_planb-rehearsal.example.com."}, "new", 60});
  provider.nameServers("example.com.");
  std::set<std::string> seen;
  for (const DnspodCall& call : f.calls) {
    CAPTURE(call.action);
    seen.insert(call.action);
    auto at = recorded.find(call.action);
    REQUIRE(at != recorded.end());
    for (const auto& item : call.params.items()) {
      const std::string name = item.key();
      CAPTURE(name);
      REQUIRE(at->second.contains(name));
      CHECK(at->second.at(name).type() == item.value().type());
    }
  }
  CHECK(seen.size() == 6);
}
