// PowerDnsProvider against a real PowerDNS Authoritative 4.7 (gsqlite3, HTTP API) on 127.0.0.1.
// What the API writes is checked through DNS on the server's own port.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "harness/pdns_server.hpp"
#include "providers/dns_query.hpp"
#include "providers/powerdns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::providers::PowerDnsSettings;
using planb::testing::PdnsServer;

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{1000};
constexpr std::chrono::milliseconds kTimeout{3000};

PowerDnsProvider providerFor(const PdnsServer& pdns, const std::string& key_file) {
  return PowerDnsProvider("pdns-test", PowerDnsSettings{pdns.apiUrl(), key_file, "localhost"},
                          std::nullopt, kConnectTimeout, kTimeout);
}

PowerDnsProvider providerFor(const PdnsServer& pdns) {
  return providerFor(pdns, pdns.apiKeyFile());
}

RecordRef ref(const std::string& name) {
  return {"example.test.", name};
}

ReplaceRequest swap(const std::string& name, const std::string& new_target,
                    std::optional<std::string> expected, std::uint32_t ttl = 60) {
  ReplaceRequest request;
  request.record = ref(name);
  request.new_target = new_target;
  request.ttl = ttl;
  request.expected_target = std::move(expected);
  return request;
}

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failure(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

void requireSuccess(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

// What PowerDNS answers over DNS (RD=0, TCP) on its own port.
ServedRecord dnsAnswer(const PdnsServer& pdns, const std::string& name) {
  return served(queryCname(pdns.dnsAddress(), name, kTimeout));
}

std::string writeKeyFile(const PdnsServer& pdns, const std::string& file, const std::string& key) {
  std::string path = pdns.dir() + "/" + file;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()));
  ::close(fd);
  return path;
}

}  // namespace

TEST_CASE("the provider reads CNAMEs, absent names and names of other types from PowerDNS") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  CHECK(provider.type() == "powerdns");

  ServedRecord www = served(provider.read(ref("www.example.test.")));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 60);

  CHECK(served(provider.read(ref("nothing.example.test."))).kind == ServedRecord::Kind::Absent);

  ServedRecord txt = served(provider.read(ref("txtonly.example.test.")));
  CHECK(txt.kind == ServedRecord::Kind::Conflict);
  CHECK(txt.conflict_type == "TXT");
}

TEST_CASE("replace swaps the CNAME in one PATCH and PowerDNS serves the new target at once") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);

  requireSuccess(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  ServedRecord answer = dnsAnswer(pdns, "www.example.test.");
  CHECK(answer.kind == ServedRecord::Kind::Cname);
  CHECK(answer.target == "app.gcp.example.net.");
  CHECK(served(provider.read(ref("www.example.test."))).target == "app.gcp.example.net.");

  SUBCASE("repeating an applied swap is a success") {
    requireSuccess(provider.replace(
        swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  }
  SUBCASE("a TTL change alone is written") {
    requireSuccess(provider.replace(
        swap("www.example.test.", "app.gcp.example.net.", "app.gcp.example.net.", 30)));
    CHECK(served(provider.read(ref("www.example.test."))).ttl == 30);
    CHECK(dnsAnswer(pdns, "www.example.test.").ttl == 30);
  }
}

TEST_CASE("replace creates a CNAME at a name that had none when none was expected") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  requireSuccess(provider.replace(swap("api.example.test.", "api.aws.example.net.", std::nullopt)));
  CHECK(dnsAnswer(pdns, "api.example.test.").target == "api.aws.example.net.");
}

TEST_CASE("replace refuses with Conflict when the record was changed behind its back") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  pdns.pdnsutil({"replace-rrset", "example.test", "www", "CNAME", "60", "hand.example.net."});

  ProviderError error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("hand.example.net.") != std::string::npos);
  CHECK(dnsAnswer(pdns, "www.example.test.").target == "hand.example.net.");
}

TEST_CASE("replace never overwrites a name that holds another type") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  ProviderError error =
      failure(provider.replace(swap("txtonly.example.test.", "x.example.net.", std::nullopt)));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("holds a TXT record") != std::string::npos);
  CHECK(dnsAnswer(pdns, "txtonly.example.test.").kind == ServedRecord::Kind::Conflict);
}

TEST_CASE("a wrong API key is Auth and the message never shows a key") {
  PdnsServer pdns;
  const std::string wrong = "wrong-key-0123456789abcdef";
  PowerDnsProvider provider = providerFor(pdns, writeKeyFile(pdns, "wrong.key", wrong));

  ProviderError read_error = failure(provider.read(ref("www.example.test.")));
  CHECK(read_error.kind == ErrorKind::Auth);
  CHECK(read_error.message ==
        "PowerDNS API at " + pdns.apiUrl() + " rejected the API key (HTTP 401)");
  CHECK(read_error.message.find(wrong) == std::string::npos);

  ProviderError write_error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(write_error.kind == ErrorKind::Auth);
  CHECK(dnsAnswer(pdns, "www.example.test.").target == "app.aws.example.net.");
}

TEST_CASE("a zone the server does not have is NotFound") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  ProviderError error = failure(provider.read({"unknown.test.", "www.unknown.test."}));
  CHECK(error.kind == ErrorKind::NotFound);
  CHECK(error.message.find("zone unknown.test. does not exist on server localhost") !=
        std::string::npos);

  ReplaceRequest request = swap("www.unknown.test.", "x.example.net.", std::nullopt);
  request.record.zone = "unknown.test.";
  CHECK(failure(provider.replace(request)).kind == ErrorKind::NotFound);
}

TEST_CASE("a server that is down is Transient, and the provider works again once it is back") {
  PdnsServer pdns;
  PowerDnsProvider provider = providerFor(pdns);
  served(provider.read(ref("www.example.test.")));

  pdns.stop();
  ProviderError read_error = failure(provider.read(ref("www.example.test.")));
  CHECK(read_error.kind == ErrorKind::Transient);
  CHECK(read_error.retriable());
  ProviderError write_error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(write_error.kind == ErrorKind::Transient);

  pdns.restart();
  CHECK(served(provider.read(ref("www.example.test."))).target == "app.aws.example.net.");
  requireSuccess(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(dnsAnswer(pdns, "www.example.test.").target == "app.gcp.example.net.");
}
