// The rehearsal's TXT record on Azure DNS: the TXT record set API, with the etag conditions.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "azure_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AzureFixture;
using planb::testing::kAzureArm;
using planb::testing::kAzureZonePath;
using Json = nlohmann::json;

namespace {

const RecordRef kAzureTxtName{"example.com.", "_planb-rehearsal.example.com."};

Json azureTxtRecords(std::initializer_list<const char*> values) {
  Json records = Json::array();
  for (const char* v : values) {
    Json record = Json::object();
    record["value"] = Json::array({v});
    records.push_back(record);
  }
  return records;
}

}  // namespace

TEST_CASE("readTxt of a name without a TXT record set is empty") {
  AzureFixture f;
  Result<std::vector<std::string>> values = f.provider->readTxt(kAzureTxtName);
  REQUIRE(std::holds_alternative<std::vector<std::string>>(values));
  CHECK(std::get<std::vector<std::string>>(values).empty());
  CHECK(f.arm("GET").front().url ==
        kAzureArm + kAzureZonePath + "/TXT/_planb-rehearsal?api-version=2018-05-01");
}

TEST_CASE("readTxt joins each record's strings") {
  AzureFixture f;
  Json records = azureTxtRecords({"token-1"});
  records.push_back(Json{{"value", Json::array({"part1", "part2"})}});
  f.put("TXT", "_planb-rehearsal", {{"TTL", 60}, {"TXTRecords", records}});
  Result<std::vector<std::string>> values = f.provider->readTxt(kAzureTxtName);
  CHECK(std::get<std::vector<std::string>>(values) ==
        std::vector<std::string>{"token-1", "part1part2"});
}

TEST_CASE("writeTxt creates the TXT record set with If-None-Match: *") {
  AzureFixture f;
  Result<Written> done = f.provider->writeTxt({kAzureTxtName, "token-2", 60});
  REQUIRE(std::holds_alternative<Written>(done));
  auto puts = f.arm("PUT");
  REQUIRE(puts.size() == 1);
  CHECK(AzureFixture::header(puts[0], "If-None-Match") == "*");
  Json body = Json::parse(puts[0].body);
  CHECK(body["properties"]["TXTRecords"] == azureTxtRecords({"token-2"}));
  CHECK(body["properties"]["TTL"] == 60);
}

TEST_CASE("writeTxt replaces every value with one, If-Match the etag, metadata kept") {
  AzureFixture f;
  Json& set = f.put("TXT", "_planb-rehearsal",
                    {{"TTL", 300},
                     {"metadata", {{"k", "v"}}},
                     {"TXTRecords", azureTxtRecords({"old-1", "old-2"})}});
  std::string etag = set["etag"];
  Result<Written> done = f.provider->writeTxt({kAzureTxtName, "token-3", 60});
  REQUIRE(std::holds_alternative<Written>(done));
  auto puts = f.arm("PUT");
  REQUIRE(puts.size() == 1);
  CHECK(AzureFixture::header(puts[0], "If-Match") == etag);
  Json body = Json::parse(puts[0].body);
  CHECK(body["properties"]["TXTRecords"] == azureTxtRecords({"token-3"}));
  CHECK(body["properties"]["metadata"]["k"] == "v");
}

TEST_CASE("writeTxt of the value already there sends nothing") {
  AzureFixture f;
  f.put("TXT", "_planb-rehearsal", {{"TTL", 60}, {"TXTRecords", azureTxtRecords({"token-4"})}});
  Result<Written> done = f.provider->writeTxt({kAzureTxtName, "token-4", 60});
  CHECK(std::holds_alternative<Written>(done));
  CHECK(f.arm("PUT").empty());
}

TEST_CASE("writeTxt where a CNAME holds the name is the service's 409 Conflict") {
  AzureFixture f;
  f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method != "PUT") {
      return std::nullopt;
    }
    // https://github.com/MicrosoftDocs/azure-docs/issues/85496 (the portal's wording of it).
    return AzureFixture::json(409,
                              {{"code", "Conflict"},
                               {"message",
                                "The record could not be created because a CNAME record with the "
                                "same name already exists in this zone."}});
  };
  Result<Written> done = f.provider->writeTxt({kAzureTxtName, "token-5", 60});
  REQUIRE(std::holds_alternative<Error>(done));
  CHECK(std::get<Error>(done).kind == ErrorKind::Conflict);
  CHECK(std::get<Error>(done).message.find("CNAME record with the same name") != std::string::npos);
}

TEST_CASE("deleteTxt DELETEs the TXT record set, and one already gone (204) is success") {
  AzureFixture f;
  f.put("TXT", "_planb-rehearsal", {{"TTL", 60}, {"TXTRecords", azureTxtRecords({"x"})}});
  CHECK(std::holds_alternative<Written>(f.provider->deleteTxt(kAzureTxtName)));
  CHECK(f.sets.empty());
  CHECK(std::holds_alternative<Written>(f.provider->deleteTxt(kAzureTxtName)));
  CHECK(f.arm("DELETE").size() == 2);
}

TEST_CASE("writeTxt refuses a value one character-string cannot hold") {
  AzureFixture f;
  Result<Written> done = f.provider->writeTxt({kAzureTxtName, std::string(256, 'x'), 60});
  REQUIRE(std::holds_alternative<Error>(done));
  CHECK(std::get<Error>(done).kind == ErrorKind::Permanent);
  CHECK(f.transport->requests.empty());
}
