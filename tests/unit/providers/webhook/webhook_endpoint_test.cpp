// The webhook protocol's JSON: endpoints as external-dns' endpoint.Endpoint serialises them
// (api/webhook.yaml's examples), plan.Changes with the lower-case keys, the domain filter.

#include "providers/webhook_endpoint.hpp"

#include <doctest/doctest.h>

using namespace planb::providers;
using Json = nlohmann::json;

namespace {

std::vector<WebhookEndpoint> webhookParsed(const std::string& body) {
  auto parsed = parseWebhookEndpoints(body);
  if (auto* wrong = std::get_if<std::string>(&parsed)) {
    FAIL("unexpected: " << *wrong);
  }
  return std::get<std::vector<WebhookEndpoint>>(parsed);
}

std::string webhookWrong(const std::string& body) {
  auto parsed = parseWebhookEndpoints(body);
  REQUIRE(std::holds_alternative<std::string>(parsed));
  return std::get<std::string>(parsed);
}

WebhookDomainFilter webhookFilter(const std::string& body) {
  auto parsed = parseWebhookDomainFilter(body);
  if (auto* wrong = std::get_if<std::string>(&parsed)) {
    FAIL("unexpected: " << *wrong);
  }
  return std::get<WebhookDomainFilter>(parsed);
}

}  // namespace

TEST_CASE("an endpoint of GET /records is read with every member the protocol defines") {
  // api/webhook.yaml's endpoint example members, with labels and providerSpecific.
  auto endpoints = webhookParsed(
      R"([{"dnsName":"WWW.Example.com","targets":["lb.example.net"],"recordType":"cname",)"
      R"("setIdentifier":"v1","recordTTL":60,"labels":{"owner":"default"},)"
      R"("providerSpecific":[{"name":"foo","value":"bar"}]}])");
  REQUIRE(endpoints.size() == 1);
  const WebhookEndpoint& e = endpoints.front();
  CHECK(e.dns_name == "www.example.com.");
  CHECK(e.record_type == "CNAME");
  CHECK(e.set_identifier == "v1");
  CHECK(e.targets == std::vector<std::string>{"lb.example.net"});
  CHECK(e.ttl == 60);
  CHECK(e.raw.at("labels").at("owner") == "default");
  CHECK(e.raw.at("providerSpecific").at(0).at("name") == "foo");
}

TEST_CASE("an endpoint without targets, TTL or set identifier reads as none of them") {
  auto endpoints = webhookParsed(R"([{"dnsName":"a.example.com","recordType":"A"}])");
  REQUIRE(endpoints.size() == 1);
  CHECK(endpoints.front().targets.empty());
  CHECK(endpoints.front().ttl == 0);
  CHECK(endpoints.front().set_identifier.empty());
}

TEST_CASE("a null list of endpoints (a Go nil slice) is an empty list") {
  CHECK(webhookParsed("null").empty());
  CHECK(webhookParsed("[]").empty());
}

TEST_CASE("malformed endpoint lists say what is wrong and in which entry") {
  CHECK(webhookWrong("{") == "the body is not JSON");
  CHECK(webhookWrong("{}") == "the body is not a JSON array of endpoints");
  CHECK(webhookWrong(R"([{"recordType":"A"}])") == "endpoint 0 has no \"dnsName\" string");
  CHECK(webhookWrong(R"([{"dnsName":"a","recordType":"A"},{"dnsName":"b"}])") ==
        "endpoint 1 has no \"recordType\" string");
  CHECK(webhookWrong(R"([{"dnsName":"a","recordType":"A","targets":"x"}])") ==
        "endpoint 0 has \"targets\" that are not an array");
  CHECK(webhookWrong(R"([{"dnsName":"a","recordType":"A","recordTTL":-1}])") ==
        "endpoint 0 has a \"recordTTL\" that is not a TTL");
  CHECK(webhookWrong(R"([{"dnsName":"a","recordType":"A","labels":[]}])") ==
        "endpoint 0 has \"labels\" that are not an object");
}

TEST_CASE(
    "a new CNAME endpoint is named and targeted without trailing dots, as external-dns does") {
  Json e =
      webhookEndpoint("www.example.com.", "CNAME", {webhookCnameTarget("lb.example.net.")}, 60);
  CHECK(e == Json::parse(R"({"dnsName":"www.example.com","targets":["lb.example.net"],)"
                         R"("recordType":"CNAME","recordTTL":60})"));
}

TEST_CASE("an update keeps every member of the endpoint as read but its targets and TTL") {
  Json current = Json::parse(
      R"({"dnsName":"www.example.com","targets":["a.example.net"],"recordType":"CNAME",)"
      R"("setIdentifier":"v1","recordTTL":300,"labels":{"owner":"x"},)"
      R"("providerSpecific":[{"name":"p","value":"q"}],"future":1})");
  Json updated = webhookUpdated(current, {"b.example.net"}, 60);
  Json expected = current;
  expected["targets"] = Json::array({"b.example.net"});
  expected["recordTTL"] = 60;
  CHECK(updated == expected);
}

TEST_CASE("changes are sent with the lower-case keys, empty lists left out") {
  WebhookChanges changes;
  changes.update_old.push_back(Json{{"dnsName", "a"}});
  changes.update_new.push_back(Json{{"dnsName", "b"}});
  changes.remove.push_back(Json{{"dnsName", "c"}});
  // plan_test.go TestPlan_ChangesJson_DecodeEncode's form.
  CHECK(
      webhookChangesBody(changes) ==
      R"({"updateOld":[{"dnsName":"a"}],"updateNew":[{"dnsName":"b"}],"delete":[{"dnsName":"c"}]})");
  WebhookChanges created;
  created.create.push_back(Json{{"dnsName", "foo"}});
  CHECK(webhookChangesBody(created) == R"({"create":[{"dnsName":"foo"}]})");
}

TEST_CASE("TXT targets are written quoted as external-dns' registry does and read either way") {
  CHECK(webhookTxtTarget("planb-rehearsal 42") == "\"planb-rehearsal 42\"");
  CHECK(webhookTxtValue("\"planb-rehearsal 42\"") == "planb-rehearsal 42");
  CHECK(webhookTxtValue("planb-rehearsal 42") == "planb-rehearsal 42");
  CHECK_FALSE(webhookTxtValue("\"a\\\"").has_value());
}

TEST_CASE("a domain filter matches its domains and the names below them, as DomainFilter.Match") {
  WebhookDomainFilter f =
      webhookFilter(R"({"include":["example.com."],"exclude":["x.example.com"]})");
  CHECK(f.matches("example.com."));
  CHECK(f.matches("www.example.com."));
  CHECK(f.matches("WWW.EXAMPLE.COM"));
  CHECK_FALSE(f.matches("notexample.com."));
  CHECK_FALSE(f.matches("example.org."));
  CHECK_FALSE(f.matches("a.x.example.com."));
  CHECK(f.describe() == "include [example.com], exclude [x.example.com]");
}

TEST_CASE("a domain filter with a leading dot matches the names below it only") {
  WebhookDomainFilter f = webhookFilter(R"({"include":[".example.com"]})");
  CHECK(f.matches("www.example.com."));
  CHECK_FALSE(f.matches("example.com."));
}

TEST_CASE("an empty domain filter matches every name") {
  WebhookDomainFilter f = webhookFilter("{}");
  CHECK(f.matches("anything.example."));
  CHECK(f.describe() == "include everything");
}

TEST_CASE("the OpenAPI document's \"filters\" member is read as the include list") {
  CHECK_FALSE(webhookFilter(R"({"filters":["example.org"]})").matches("www.example.com."));
  CHECK(webhookFilter(R"({"filters":["example.org"]})").matches("www.example.org."));
}

TEST_CASE("a regex domain filter is applied, exclusion first") {
  WebhookDomainFilter f =
      webhookFilter(R"({"regexInclude":"example\\.com$","regexExclude":"^internal\\."})");
  CHECK(f.matches("www.example.com."));
  CHECK_FALSE(f.matches("internal.example.com."));
  CHECK_FALSE(f.matches("www.example.org."));
}

TEST_CASE("a regex std::regex cannot compile leaves the decision to the provider") {
  CHECK(webhookFilter(R"({"regexInclude":"(?P<x>a"})").matches("www.example.com."));
}

TEST_CASE("malformed domain filters are refused with what is wrong") {
  auto wrong = [](const std::string& body) {
    auto parsed = parseWebhookDomainFilter(body);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    return std::get<std::string>(parsed);
  };
  CHECK(wrong("[]") == "the body is not a JSON object (a domain filter)");
  CHECK(wrong(R"({"include":"example.com"})") == "the domain filter's \"include\" is not an array");
  CHECK(wrong(R"({"regexInclude":1})") == "the domain filter's \"regexInclude\" is not a string");
}
