// The rehearsal's TXT write path and name servers of PowerDnsProvider against a real PowerDNS
// Authoritative 4.7 (gsqlite3, HTTP API) on 127.0.0.1 (product.md §11): write, read back, served
// over DNS on the server's own port, rewritten, deleted (twice), and never a change to another
// type, a managed CNAME or an rrset's comments.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/recorded_ceiling.hpp"
#include "harness/pdns_server.hpp"
#include "net/credential_file.hpp"
#include "net/http_client.hpp"
#include "providers/dns_query.hpp"
#include "providers/powerdns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using nlohmann::json;
using planb::testing::CountedCeiling;
using planb::testing::PdnsServer;

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{1000};
constexpr std::chrono::milliseconds kTimeout{3000};
const std::string kRehearsalName = "_planb-rehearsal.example.test.";
const RecordRef kRehearsalRecord{"example.test.", kRehearsalName};

PowerDnsProvider rehearsingProvider(const PdnsServer& pdns, const std::string& key_file,
                                    std::shared_ptr<RequestCeiling> ceiling = nullptr) {
  return PowerDnsProvider(
      "pdns-test", PowerDnsSettings{pdns.apiUrl(), key_file, "localhost"},
      std::make_shared<CurlTransport>(HttpOptions{kConnectTimeout, kTimeout, std::nullopt}),
      std::move(ceiling));
}

TxtWrite rehearsalToken(const std::string& value, const std::string& name = kRehearsalName) {
  return TxtWrite{{"example.test.", name}, value, 60};
}

template <typename T>
T succeeded(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

template <typename T>
ProviderError refusedWith(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

// What PowerDNS serves over DNS (RD=0, TCP) on its own port.
std::vector<std::string> servedTxt(const PdnsServer& pdns, const std::string& name) {
  return succeeded(queryTxt(pdns.dnsAddress(), name, kTimeout));
}

ServedRecord servedAtName(const PdnsServer& pdns, const std::string& name) {
  return succeeded(queryCname(pdns.dnsAddress(), name, kTimeout));
}

// One call to the server's API with its key, as an operator's tool would make it.
HttpResponse operatorCall(const PdnsServer& pdns, const std::string& method,
                          const std::string& path, const std::string& body = {}) {
  CurlTransport transport(HttpOptions{kConnectTimeout, kTimeout, std::nullopt});
  HttpRequest request;
  request.method = method;
  request.url = pdns.apiUrl() + "/api/v1/servers/localhost" + path;
  request.headers = {{"X-API-Key", readSecretFile(pdns.apiKeyFile(), "key").reveal()},
                     {"Accept", "application/json"}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  Result<HttpResponse> sent = transport.send(request);
  REQUIRE(std::holds_alternative<HttpResponse>(sent));
  return std::get<HttpResponse>(sent);
}

// NAME's TYPE rrset as the API lists it in the whole zone; null when there is none.
json listedRrset(const PdnsServer& pdns, const std::string& name, const std::string& type) {
  HttpResponse got = operatorCall(pdns, "GET", "/zones/example.test.");
  REQUIRE(got.status == 200);
  const json zone = json::parse(got.body);
  for (const json& rrset : zone["rrsets"]) {
    if (rrset["name"] == name && rrset["type"] == type) {
      return rrset;
    }
  }
  return nullptr;
}

std::string wrongKeyFile(const PdnsServer& pdns) {
  const std::string key = "wrong-rehearsal-key-0123456789";
  std::string path = pdns.dir() + "/rehearsal-wrong.key";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()));
  ::close(fd);
  return path;
}

}  // namespace

TEST_CASE(
    "a rehearsal TXT is written, served, rewritten to one value and deleted twice on PowerDNS") {
  PdnsServer pdns;
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)).empty());

  Written written = succeeded(provider.writeTxt(rehearsalToken("token-1")));
  CHECK(written.propagating_change.empty());
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)) == std::vector<std::string>{"token-1"});
  CHECK(servedTxt(pdns, kRehearsalName) == std::vector<std::string>{"token-1"});
  CHECK(servedAtName(pdns, "www.example.test.").target == "app.aws.example.net.");

  succeeded(provider.writeTxt(rehearsalToken("token-2 \"quoted\"")));
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)) ==
        std::vector<std::string>{"token-2 \"quoted\""});
  CHECK(servedTxt(pdns, kRehearsalName) == std::vector<std::string>{"token-2 \"quoted\""});
  CHECK(servedAtName(pdns, "www.example.test.").target == "app.aws.example.net.");

  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)).empty());
  CHECK(servedTxt(pdns, kRehearsalName).empty());
  // Absent already: a clean-up after a crash may run twice.
  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(servedAtName(pdns, kRehearsalName).kind == ServedRecord::Kind::Absent);

  ServedRecord www = succeeded(provider.read({"example.test.", "www.example.test."}));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
}

TEST_CASE("a TXT write and delete on PowerDNS at a name holding an A record leave it alone") {
  PdnsServer::Options options;
  options.records.push_back({"mixed", "A", 60, "192.0.2.7"});
  options.records.push_back({"mixed", "TXT", 60, "\"old\""});
  PdnsServer pdns(options);
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());

  succeeded(provider.writeTxt(rehearsalToken("new", "mixed.example.test.")));
  CHECK(servedTxt(pdns, "mixed.example.test.") == std::vector<std::string>{"new"});
  CHECK(listedRrset(pdns, "mixed.example.test.", "A")["records"][0]["content"] == "192.0.2.7");

  succeeded(provider.deleteTxt({"example.test.", "mixed.example.test."}));
  CHECK(servedTxt(pdns, "mixed.example.test.").empty());
  CHECK(listedRrset(pdns, "mixed.example.test.", "A")["records"][0]["content"] == "192.0.2.7");
  CHECK(servedAtName(pdns, "mixed.example.test.").conflict_type == "A");
}

TEST_CASE("a TXT write on PowerDNS at a name holding a CNAME is a Conflict and changes nothing") {
  PdnsServer pdns;
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());
  ProviderError error = refusedWith(provider.writeTxt(rehearsalToken("t", "www.example.test.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("Conflicts with pre-existing RRset") != std::string::npos);
  CHECK(servedAtName(pdns, "www.example.test.").target == "app.aws.example.net.");
  CHECK(listedRrset(pdns, "www.example.test.", "TXT").is_null());
}

TEST_CASE("a TXT rewrite on PowerDNS keeps the comment the operator wrote on the TXT rrset") {
  PdnsServer pdns;
  json annotated = {{"rrsets",
                     {{{"name", kRehearsalName},
                       {"type", "TXT"},
                       {"ttl", 60},
                       {"changetype", "REPLACE"},
                       {"records", {{{"content", "\"old\""}, {"disabled", false}}}},
                       {"comments", {{{"content", "planb rehearsals"}, {"account", "ops"}}}}}}}};
  REQUIRE(operatorCall(pdns, "PATCH", "/zones/example.test.", annotated.dump()).status == 204);

  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());
  succeeded(provider.writeTxt(rehearsalToken("token")));
  json rrset = listedRrset(pdns, kRehearsalName, "TXT");
  REQUIRE(rrset.is_object());
  CHECK(rrset["records"].size() == 1);
  CHECK(rrset["records"][0]["content"] == "\"token\"");
  REQUIRE(rrset["comments"].size() == 1);
  CHECK(rrset["comments"][0]["content"] == "planb rehearsals");
}

TEST_CASE("a disabled TXT record on PowerDNS is not read: PowerDNS does not serve it") {
  PdnsServer pdns;
  json disabled = {{"rrsets",
                    {{{"name", kRehearsalName},
                      {"type", "TXT"},
                      {"ttl", 60},
                      {"changetype", "REPLACE"},
                      {"records", {{{"content", "\"stale\""}, {"disabled", true}}}}}}}};
  REQUIRE(operatorCall(pdns, "PATCH", "/zones/example.test.", disabled.dump()).status == 204);
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)).empty());
  CHECK(servedTxt(pdns, kRehearsalName).empty());
  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(listedRrset(pdns, kRehearsalName, "TXT").is_null());
}

TEST_CASE("nameServers answers the zone's apex NS rrset from the PowerDNS API") {
  PdnsServer::Options options;
  options.records.push_back({"@", "NS", 60, "ns2.example.net."});
  PdnsServer pdns(options);
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile());
  CHECK(succeeded(provider.nameServers("example.test.")) ==
        std::vector<std::string>{"ns1.example.test.", "ns2.example.net."});
  CHECK(refusedWith(provider.nameServers("unknown.test.")).kind == ErrorKind::NotFound);
}

TEST_CASE("a wrong PowerDNS API key fails every rehearsal call as Auth, changing nothing") {
  PdnsServer pdns;
  succeeded(rehearsingProvider(pdns, pdns.apiKeyFile()).writeTxt(rehearsalToken("kept")));
  PowerDnsProvider wrong = rehearsingProvider(pdns, wrongKeyFile(pdns));
  CHECK(refusedWith(wrong.readTxt(kRehearsalRecord)).kind == ErrorKind::Auth);
  ProviderError write_error = refusedWith(wrong.writeTxt(rehearsalToken("t")));
  CHECK(write_error.kind == ErrorKind::Auth);
  CHECK(write_error.message.find("wrong-rehearsal-key") == std::string::npos);
  CHECK(refusedWith(wrong.deleteTxt(kRehearsalRecord)).kind == ErrorKind::Auth);
  CHECK(refusedWith(wrong.nameServers("example.test.")).kind == ErrorKind::Auth);
  CHECK(servedTxt(pdns, kRehearsalName) == std::vector<std::string>{"kept"});
}

TEST_CASE("every rehearsal step against PowerDNS is one request drawn from the ceiling") {
  PdnsServer pdns;
  CountedCeiling ceiling;
  PowerDnsProvider provider = rehearsingProvider(pdns, pdns.apiKeyFile(), ceiling.bucket);
  succeeded(provider.writeTxt(rehearsalToken("t")));
  CHECK(ceiling.requests() == 1);
  succeeded(provider.readTxt(kRehearsalRecord));
  CHECK(ceiling.requests() == 2);
  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(ceiling.requests() == 3);
  succeeded(provider.nameServers("example.test."));
  CHECK(ceiling.requests() == 4);
}
