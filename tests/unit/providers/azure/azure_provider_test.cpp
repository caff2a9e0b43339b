// AzureProvider through a scripted transport: ARM's URLs, the etag compare-and-swap, what a
// write keeps, the zone listing and its pages, and how each ARM error is classified.

#include "providers/azure_provider.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "azure_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AzureFixture;
using planb::testing::kAzureArm;
using planb::testing::kAzureSecret;
using planb::testing::kAzureZonePath;
using planb::testing::reply;
using Json = nlohmann::json;

namespace {

const std::string kAzureApi = "?api-version=2018-05-01";

ReplaceRequest azureChange(const std::string& name, const std::string& target,
                           std::optional<std::string> expected, std::uint32_t ttl = 60) {
  return ReplaceRequest{{"example.com.", name}, target, ttl, std::move(expected)};
}

}  // namespace

TEST_CASE("read GETs the CNAME record set by its relative name with the bearer token") {
  AzureFixture f;
  f.cname("www", "primary.example.net", 3600);
  Result<ServedRecord> served = f.provider->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(served));
  CHECK(std::get<ServedRecord>(served).kind == ServedRecord::Kind::Cname);
  CHECK(std::get<ServedRecord>(served).target == "primary.example.net.");
  CHECK(std::get<ServedRecord>(served).ttl == 3600);
  auto gets = f.arm("GET");
  REQUIRE(gets.size() == 1);
  CHECK(gets[0].url == kAzureArm + kAzureZonePath + "/CNAME/www" + kAzureApi);
  CHECK(AzureFixture::header(gets[0], "Authorization") == "Bearer token-1");
  CHECK(f.tokens_issued == 1);
}

TEST_CASE("the apex is addressed as @") {
  AzureFixture f;
  f.provider->read({"example.com.", "example.com."});
  CHECK(f.arm("GET").front().url == kAzureArm + kAzureZonePath + "/CNAME/@" + kAzureApi);
}

TEST_CASE("a name without a CNAME is Absent, or a Conflict when the zone lists another type") {
  AzureFixture f;
  f.put("A", "app", {{"TTL", 60}, {"ARecords", Json::array({Json{{"ipv4Address", "192.0.2.1"}}})}});
  Result<ServedRecord> app = f.provider->read({"example.com.", "app.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(app));
  CHECK(std::get<ServedRecord>(app).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(app).conflict_type == "A");
  Result<ServedRecord> none = f.provider->read({"example.com.", "none.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(none));
  CHECK(std::get<ServedRecord>(none).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("an alias CNAME record set (targetResource) is a Conflict, never overwritten") {
  AzureFixture f;
  f.put("CNAME", "cdn",
        {{"TTL", 60},
         {"targetResource",
          {{"id",
            "/subscriptions/sub-1/resourceGroups/rg/providers/"
            "Microsoft.Cdn/profiles/p/endpoints/e"}}}});
  Result<Unit> done =
      f.provider->replace(azureChange("cdn.example.com.", "b.example.net.", std::nullopt));
  REQUIRE(std::holds_alternative<Error>(done));
  CHECK(std::get<Error>(done).kind == ErrorKind::Conflict);
  CHECK(f.arm("PUT").empty());
}

TEST_CASE("replace PUTs the record set as read, only cname and TTL changed, If-Match its etag") {
  AzureFixture f;
  Json& set = f.cname("www", "primary.example.net", 3600);
  set["properties"]["metadata"] = {{"owner", "web-team"}};
  set["properties"]["provisioningState"] = "Succeeded";
  std::string etag = set.at("etag");
  Result<Unit> done = f.provider->replace(
      azureChange("www.example.com.", "standby.example.net.", "primary.example.net.", 60));
  REQUIRE(std::holds_alternative<Unit>(done));
  auto puts = f.arm("PUT");
  REQUIRE(puts.size() == 1);
  CHECK(puts[0].url == kAzureArm + kAzureZonePath + "/CNAME/www" + kAzureApi);
  CHECK(AzureFixture::header(puts[0], "If-Match") == etag);
  CHECK(AzureFixture::header(puts[0], "If-None-Match").empty());
  Json body = Json::parse(puts[0].body);
  CHECK(body["properties"]["CNAMERecord"]["cname"] == "standby.example.net");
  CHECK(body["properties"]["TTL"] == 60);
  CHECK(body["properties"]["metadata"]["owner"] == "web-team");
  CHECK_FALSE(body["properties"].contains("fqdn"));
  CHECK_FALSE(body["properties"].contains("provisioningState"));
}

TEST_CASE("replace of a name holding nothing creates the record set with If-None-Match: *") {
  AzureFixture f;
  Result<Unit> done =
      f.provider->replace(azureChange("new.example.com.", "standby.example.net.", std::nullopt));
  REQUIRE(std::holds_alternative<Unit>(done));
  auto puts = f.arm("PUT");
  REQUIRE(puts.size() == 1);
  CHECK(AzureFixture::header(puts[0], "If-None-Match") == "*");
  CHECK(AzureFixture::header(puts[0], "If-Match").empty());
  CHECK(f.sets.count({"CNAME", "new"}) == 1);
}

TEST_CASE("a record set changed between the read and the PUT (412) is a Conflict") {
  AzureFixture f;
  f.cname("www", "primary.example.net");
  f.before = [&f](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "PUT") {
      f.cname("www", "someone-else.example.net");  // a new etag: the race is lost
    }
    return std::nullopt;
  };
  Result<Unit> done = f.provider->replace(
      azureChange("www.example.com.", "standby.example.net.", "primary.example.net."));
  REQUIRE(std::holds_alternative<Error>(done));
  CHECK(std::get<Error>(done).kind == ErrorKind::Conflict);
  CHECK(std::get<Error>(done).message.find("PreconditionFailed") != std::string::npos);
  CHECK(f.sets[{"CNAME", "www"}]["properties"]["CNAMERecord"]["cname"] ==
        "someone-else.example.net");
}

TEST_CASE("replace refuses without writing when the name serves another target than expected") {
  AzureFixture f;
  f.cname("www", "other.example.net");
  Result<Unit> done = f.provider->replace(
      azureChange("www.example.com.", "standby.example.net.", "primary.example.net."));
  REQUIRE(std::holds_alternative<Error>(done));
  CHECK(std::get<Error>(done).kind == ErrorKind::Conflict);
  CHECK(f.arm("PUT").empty());
}

TEST_CASE("replace sends nothing when the name already serves the target with the TTL") {
  AzureFixture f;
  f.cname("www", "standby.example.net", 60);
  Result<Unit> done = f.provider->replace(
      azureChange("www.example.com.", "standby.example.net.", "primary.example.net.", 60));
  CHECK(std::holds_alternative<Unit>(done));
  CHECK(f.arm("PUT").empty());
}

TEST_CASE("ARM's errors are classified: 429 RateLimited with Retry-After, 5xx Transient") {
  AzureFixture f;
  SUBCASE("throttled") {
    f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.url.rfind(kAzureArm, 0) != 0) {
        return std::nullopt;
      }
      // ARM's subscription throttling reply
      // (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling).
      return AzureFixture::json(
          429,
          AzureFixture::armError("SubscriptionRequestsThrottled",
                                 "Number of 'read' requests for subscription 'sub-1' actor "
                                 "'aaaa' exceeded. Please try again after '7' seconds after "
                                 "additional tokens are available. Refer to "
                                 "https://aka.ms/arm-throttling"),
          {{"retry-after", "7"}, {"x-ms-ratelimit-remaining-subscription-reads", "0"}});
    };
    Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<Error>(r));
    CHECK(std::get<Error>(r).kind == ErrorKind::RateLimited);
    REQUIRE(std::get<Error>(r).retry_after.has_value());
    CHECK(*std::get<Error>(r).retry_after == std::chrono::seconds(7));
  }
  SUBCASE("server error") {
    f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.url.rfind(kAzureArm, 0) != 0) {
        return std::nullopt;
      }
      return AzureFixture::json(
          503, AzureFixture::armError("ServiceUnavailable", "The service is unavailable."));
    };
    Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<Error>(r));
    CHECK(std::get<Error>(r).kind == ErrorKind::Transient);
  }
  SUBCASE("a 200 that is not JSON") {
    f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.url.rfind(kAzureArm, 0) != 0) {
        return std::nullopt;
      }
      return reply(200, "<html>gateway</html>");
    };
    Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<Error>(r));
    CHECK(std::get<Error>(r).kind == ErrorKind::Permanent);
  }
  SUBCASE("a missing zone") {
    f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.url.rfind(kAzureArm, 0) != 0) {
        return std::nullopt;
      }
      return AzureFixture::json(
          404, AzureFixture::armError("ParentResourceNotFound",
                                      "Can not perform requested operation on nested resource. "
                                      "Parent resource 'example.com' not found."));
    };
    Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<Error>(r));
    CHECK(std::get<Error>(r).kind == ErrorKind::NotFound);
    CHECK(f.arm("GET").size() == 1);  // no listing of a zone that is not there
  }
}

TEST_CASE("a 403 AuthorizationFailed is Auth and names client_id, the role and resource_group") {
  AzureFixture f;
  f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method != "PUT") {
      return std::nullopt;
    }
    return AzureFixture::json(
        403, AzureFixture::armError(
                 "AuthorizationFailed",
                 "The client '11111111-2222-3333-4444-555555555555' with object id 'abc' does "
                 "not have authorization to perform action "
                 "'Microsoft.Network/dnszones/CNAME/write' over scope '/subscriptions/sub-1'"));
  };
  Result<Unit> done =
      f.provider->replace(azureChange("n.example.com.", "t.example.net.", std::nullopt));
  REQUIRE(std::holds_alternative<Error>(done));
  const Error& e = std::get<Error>(done);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("client_id 11111111-2222-3333-4444-555555555555") != std::string::npos);
  CHECK(e.message.find("DNS Zone Contributor") != std::string::npos);
  CHECK(e.message.find("rg-dns") != std::string::npos);
  CHECK(e.message.find(kAzureSecret) == std::string::npos);
}

TEST_CASE("an expired token (401) is fetched anew and the request repeated once") {
  AzureFixture f;
  f.cname("www", "primary.example.net");
  int refusals = 0;
  f.before = [&refusals](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.url.rfind(kAzureArm, 0) == 0 &&
        AzureFixture::header(r, "Authorization") == "Bearer token-1") {
      ++refusals;
      return AzureFixture::json(
          401, AzureFixture::armError("ExpiredAuthenticationToken",
                                      "The access token expiry UTC time '12/5/2026 1:00:00 AM' "
                                      "is earlier than current UTC time '12/5/2026 2:00:00 AM'."));
    }
    return std::nullopt;
  };
  Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(r));
  CHECK(refusals == 1);
  CHECK(f.tokens_issued == 2);
}

TEST_CASE("a token ARM keeps refusing is an Auth error after one new token") {
  AzureFixture f;
  f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.url.rfind(kAzureArm, 0) == 0) {
      return AzureFixture::json(401, AzureFixture::armError("InvalidAuthenticationToken",
                                                            "The access token is invalid."));
    }
    return std::nullopt;
  };
  Result<ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<Error>(r));
  CHECK(std::get<Error>(r).kind == ErrorKind::Auth);
  CHECK(f.tokens_issued == 2);
  CHECK(f.arm().size() == 2);
}

TEST_CASE("readBatch lists the zone once, following every nextLink") {
  AzureFixture f;
  f.page = 2;
  f.cname("a", "one.example.net");
  f.cname("b", "two.example.net");
  f.put("TXT", "c",
        {{"TTL", 60}, {"TXTRecords", Json::array({Json{{"value", Json::array({"x"})}}})}});
  f.put("MX", "d", {{"TTL", 60}});
  f.cname("e", "five.example.net");
  auto results = f.provider->readBatch(
      "example.com.", {"a.example.com.", "c.example.com.", "e.example.com.", "z.example.com."});
  REQUIRE(results.size() == 4);
  CHECK(std::get<ServedRecord>(results[0]).target == "one.example.net.");
  CHECK(std::get<ServedRecord>(results[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(results[1]).conflict_type == "TXT");
  CHECK(std::get<ServedRecord>(results[2]).target == "five.example.net.");
  CHECK(std::get<ServedRecord>(results[3]).kind == ServedRecord::Kind::Absent);
  auto gets = f.arm("GET");
  CHECK(gets.size() == 3);  // 5 record sets, 2 a page
  CHECK(gets[0].url == kAzureArm + kAzureZonePath + "/recordsets" + kAzureApi + "&$top=100");
}

TEST_CASE("a nextLink to another host is refused: the bearer token stays with the endpoint") {
  AzureFixture f;
  f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.url.find("/recordsets") == std::string::npos) {
      return std::nullopt;
    }
    return AzureFixture::json(
        200, {{"value", Json::array()}, {"nextLink", "https://elsewhere.test/next?api-version=1"}});
  };
  auto results = f.provider->readBatch("example.com.", {"a.example.com.", "b.example.com."});
  REQUIRE(std::holds_alternative<Error>(results[0]));
  CHECK(std::get<Error>(results[0]).kind == ErrorKind::Permanent);
  for (const auto& r : f.transport->requests) {
    CHECK(r.url.find("elsewhere") == std::string::npos);
  }
}

TEST_CASE("replaceBatch writes each change with the etag its listing gave; a 412 fails it alone") {
  AzureFixture f;
  f.cname("a", "primary.example.net");
  f.cname("b", "primary.example.net");
  f.cname("c", "primary.example.net");
  f.before = [&f](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "PUT" && r.url.find("/CNAME/b?") != std::string::npos) {
      f.cname("b", "someone-else.example.net");
    }
    return std::nullopt;
  };
  auto results = f.provider->replaceBatch(
      {azureChange("a.example.com.", "standby.example.net.", "primary.example.net."),
       azureChange("b.example.com.", "standby.example.net.", "primary.example.net."),
       azureChange("c.example.com.", "standby.example.net.", "primary.example.net."),
       azureChange("d.example.com.", "standby.example.net.", std::nullopt)});
  REQUIRE(results.size() == 4);
  CHECK(std::holds_alternative<Written>(results[0]));
  REQUIRE(std::holds_alternative<Error>(results[1]));
  CHECK(std::get<Error>(results[1]).kind == ErrorKind::Conflict);
  CHECK(std::holds_alternative<Written>(results[2]));
  CHECK(std::holds_alternative<Written>(results[3]));
  CHECK(f.arm("GET").size() == 1);  // one listing for every compare
  CHECK(f.arm("PUT").size() == 4);
  CHECK(f.sets[{"CNAME", "d"}]["properties"]["CNAMERecord"]["cname"] == "standby.example.net");
}

TEST_CASE("every request draws from the ceiling, the token request too") {
  AzureFixture f;
  f.cname("www", "primary.example.net");
  f.provider->read({"example.com.", "www.example.com."});
  CHECK(f.counted.requests() == static_cast<int>(f.transport->requests.size()));
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("nameServers are the zone's properties.nameServers, canonical and sorted") {
  AzureFixture f;
  Result<std::vector<std::string>> ns = f.provider->nameServers("example.com.");
  REQUIRE(std::holds_alternative<std::vector<std::string>>(ns));
  CHECK(std::get<std::vector<std::string>>(ns) ==
        std::vector<std::string>{"ns1-01.azure-dns.com.", "ns2-01.azure-dns.net."});
  CHECK(f.arm("GET").front().url == kAzureArm + kAzureZonePath + kAzureApi);
}

TEST_CASE("capabilities: compare-and-swap, any TTL from 1") {
  AzureFixture f;
  CHECK(f.provider->capabilities().compare_and_swap);
  CHECK(f.provider->capabilities().min_ttl == 1);
  CHECK(f.provider->type() == "azure");
}
