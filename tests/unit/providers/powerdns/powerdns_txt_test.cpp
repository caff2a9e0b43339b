// PowerDnsProvider's rehearsal calls (readTxt, writeTxt, deleteTxt, nameServers) through a canned
// transport: the exact requests, how replies read, the errors. And TXT zone-file text, the form
// PowerDNS takes TXT content in. No network.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/powerdns_provider.hpp"
#include "providers/txt_zone_text.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CannedTransport;
using planb::testing::TempDir;

namespace {

const std::string kTxtKey = "pdns-txt-key-1c9e-never-in-messages";
const std::string kTxtZoneUrl =
    "http://127.0.0.1:8081/api/v1/servers/localhost/zones/example.test.";
const std::string kRehearsal = "_planb-rehearsal.example.test.";

struct TxtFixture {
  TempDir dir;
  std::string key_file = dir.path() + "/pdns.key";
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  planb::testing::CountedCeiling ceiling;

  TxtFixture() {
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    std::string line = kTxtKey + "\n";
    REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    ::close(fd);
  }
  PowerDnsProvider provider() const {
    return PowerDnsProvider("pdns",
                            PowerDnsSettings{"http://127.0.0.1:8081", key_file, "localhost"},
                            transport, ceiling.bucket);
  }
  const HttpRequest& only() const {
    REQUIRE(transport->requests.size() == 1);
    return transport->requests.front();
  }
};

std::string apiKeyOf(const HttpRequest& request) {
  for (const auto& header : request.headers) {
    if (header.first == "X-API-Key") {
      return header.second;
    }
  }
  return "<absent>";
}

// A filtered zone GET reply as PowerDNS 4.7 shapes it, holding RRSETS.
std::string txtZoneReply(const std::vector<nlohmann::json>& rrsets) {
  nlohmann::json zone = {{"account", ""},    {"dnssec", false},         {"id", "example.test."},
                         {"kind", "Native"}, {"name", "example.test."}, {"rrsets", rrsets},
                         {"serial", 0}};
  return zone.dump();
}

nlohmann::json txtRrset(const std::string& name, const std::string& type,
                        const std::vector<std::pair<std::string, bool>>& records) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& record : records) {
    list.push_back({{"content", record.first}, {"disabled", record.second}});
  }
  return {{"comments", nlohmann::json::array()},
          {"name", name},
          {"type", type},
          {"ttl", 60},
          {"records", list}};
}

template <typename T>
T okOf(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

template <typename T>
ProviderError errorOf(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  const ProviderError& error = std::get<ProviderError>(result);
  CHECK(error.message.find(kTxtKey) == std::string::npos);
  return error;
}

}  // namespace

TEST_CASE("TXT values are written as one quoted string and read back from zone-file text") {
  CHECK(quoteTxt("token-1") == "\"token-1\"");
  CHECK(quoteTxt("a \"b\" \\c") == R"("a \"b\" \\c")");
  CHECK(quoteTxt(std::string("\x01\xff", 2)) == R"("\001\255")");
  CHECK(quoteTxt("") == "\"\"");

  CHECK(unquoteTxt("\"token-1\"") == "token-1");
  CHECK(unquoteTxt(R"("a \"b\" \\c")") == "a \"b\" \\c");
  CHECK(unquoteTxt(R"("\001\255")") == std::string("\x01\xff", 2));
  CHECK(unquoteTxt(R"("two " "parts")") == "two parts");
  CHECK(unquoteTxt("bare words") == "barewords");
  CHECK(unquoteTxt("\"\"") == "");
  for (const std::string& value :
       std::vector<std::string>{"x", "a \"b\" \\c", std::string("\0\x7f\x80", 3)}) {
    CHECK(unquoteTxt(quoteTxt(value)) == value);
  }
  CHECK_FALSE(unquoteTxt("\"open").has_value());
  CHECK_FALSE(unquoteTxt(R"("\256")").has_value());
  CHECK_FALSE(unquoteTxt("\"x\\").has_value());
}

TEST_CASE("powerdns readTxt asks for the name's TXT rrset and unquotes each enabled record") {
  TxtFixture f;
  f.transport->reply(
      200,
      txtZoneReply({txtRrset(kRehearsal, "TXT",
                             {{"\"token-1\"", false}, {"\"old\"", true}, {"\"a\" \"b\"", false}}),
                    txtRrset("other.example.test.", "TXT", {{"\"no\"", false}})}));
  std::vector<std::string> values = okOf(f.provider().readTxt({"example.test.", kRehearsal}));
  CHECK(values == std::vector<std::string>{"token-1", "ab"});
  const HttpRequest& request = f.only();
  CHECK(request.method == "GET");
  CHECK(request.url == kTxtZoneUrl + "?rrset_name=" + kRehearsal + "&rrset_type=TXT");
  CHECK(apiKeyOf(request) == kTxtKey);
  CHECK(f.ceiling.requests() == 1);

  SUBCASE("no TXT rrset is no value") {
    f.transport->reply(200, txtZoneReply({}));
    CHECK(okOf(f.provider().readTxt({"example.test.", kRehearsal})).empty());
  }
}

TEST_CASE("powerdns readTxt reports a malformed reply and API errors as their kinds") {
  TxtFixture f;
  SUBCASE("content that is not zone-file text") {
    f.transport->reply(200, txtZoneReply({txtRrset(kRehearsal, "TXT", {{"\"open", false}})}));
    ProviderError error = errorOf(f.provider().readTxt({"example.test.", kRehearsal}));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("a TXT record's content is not zone-file text") != std::string::npos);
  }
  SUBCASE("a body without rrsets") {
    f.transport->reply(200, "{}");
    CHECK(errorOf(f.provider().readTxt({"example.test.", kRehearsal})).kind ==
          ErrorKind::Permanent);
  }
  SUBCASE("a refused key") {
    f.transport->reply(401, R"({"error": "Unauthorized"})");
    ProviderError error = errorOf(f.provider().readTxt({"example.test.", kRehearsal}));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message == "PowerDNS API at http://127.0.0.1:8081 rejected the API key (HTTP 401)");
  }
  SUBCASE("an unknown zone") {
    f.transport->reply(404, R"({"error": "Not Found"})");
    CHECK(errorOf(f.provider().readTxt({"example.test.", kRehearsal})).kind == ErrorKind::NotFound);
  }
}

TEST_CASE("powerdns writeTxt is ONE PATCH REPLACE of the TXT rrset with the value quoted") {
  TxtFixture f;
  f.transport->reply(204);
  TxtWrite write{{"example.test.", "_PLANB-Rehearsal.example.test"}, "tok \"1\"", 30};
  Written written = okOf(f.provider().writeTxt(write));
  CHECK(written.propagating_change.empty());
  CHECK(written.raised_ttl == 0);
  const HttpRequest& request = f.only();
  CHECK(request.method == "PATCH");
  CHECK(request.url == kTxtZoneUrl);
  CHECK(apiKeyOf(request) == kTxtKey);
  // No "comments" member: PowerDNS keeps the rrset's comments (powerdns_attributes_it).
  CHECK(
      request.body ==
      R"({"rrsets":[{"name":"_planb-rehearsal.example.test.","type":"TXT","ttl":30,)"
      R"("changetype":"REPLACE","records":[{"content":"\"tok \\\"1\\\"\"","disabled":false}]}]})");
  CHECK(f.ceiling.requests() == 1);
}

TEST_CASE("powerdns writeTxt refuses a value over 255 bytes before sending anything") {
  TxtFixture f;
  ProviderError error = errorOf(
      f.provider().writeTxt(TxtWrite{{"example.test.", kRehearsal}, std::string(256, 'x'), 60}));
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK(f.transport->requests.empty());
}

TEST_CASE("powerdns writeTxt and deleteTxt report API refusals as their kinds") {
  TxtFixture f;
  const TxtWrite write{{"example.test.", kRehearsal}, "t", 60};
  SUBCASE("a refused key is Auth") {
    f.transport->reply(401, R"({"error": "Unauthorized"})");
    CHECK(errorOf(f.provider().writeTxt(write)).kind == ErrorKind::Auth);
    f.transport->reply(403, "");
    CHECK(errorOf(f.provider().deleteTxt(write.record)).kind == ErrorKind::Auth);
  }
  SUBCASE("a CNAME at the name is a Conflict, with PowerDNS's words") {
    // What pdns_server 4.7.3 answers a TXT REPLACE at a name holding a CNAME (seen by
    // powerdns_rehearsal_it; the CNAME-over-TXT case is
    // tests/conformance/powerdns/08-patch-conflicts-with-other-type.json).
    f.transport->reply(422, R"({"error": "RRset _planb-rehearsal.example.test. IN TXT: Conflicts )"
                            R"(with pre-existing RRset"})");
    ProviderError error = errorOf(f.provider().writeTxt(write));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("Conflicts with pre-existing RRset") != std::string::npos);
  }
  SUBCASE("a server error is Transient") {
    f.transport->reply(500, R"({"error": "database is locked"})");
    CHECK(errorOf(f.provider().deleteTxt(write.record)).kind == ErrorKind::Transient);
  }
}

TEST_CASE("powerdns deleteTxt is ONE PATCH DELETE of the TXT rrset and nothing else") {
  TxtFixture f;
  f.transport->reply(204);
  okOf(f.provider().deleteTxt({"example.test.", kRehearsal}));
  const HttpRequest& request = f.only();
  CHECK(request.method == "PATCH");
  CHECK(request.url == kTxtZoneUrl);
  CHECK(
      request.body ==
      R"({"rrsets":[{"name":"_planb-rehearsal.example.test.","type":"TXT","changetype":"DELETE"}]})");
}

TEST_CASE("powerdns nameServers reads the apex NS rrset: enabled, canonical, sorted, once each") {
  TxtFixture f;
  f.transport->reply(
      200, txtZoneReply({txtRrset("example.test.", "NS",
                                  {{"ns2.example.net.", false},
                                   {"NS1.Example.Test.", false},
                                   {"ns9.example.net.", true},
                                   {"ns2.example.net", false}}),
                         txtRrset("sub.example.test.", "NS", {{"ns8.example.net.", false}})}));
  CHECK(okOf(f.provider().nameServers("example.test.")) ==
        std::vector<std::string>{"ns1.example.test.", "ns2.example.net."});
  const HttpRequest& request = f.only();
  CHECK(request.method == "GET");
  CHECK(request.url == kTxtZoneUrl + "?rrset_name=example.test.&rrset_type=NS");

  SUBCASE("a refused key is Auth") {
    f.transport->reply(401, "");
    CHECK(errorOf(f.provider().nameServers("example.test.")).kind == ErrorKind::Auth);
  }
}
