// PowerDnsProvider against a real PowerDNS Authoritative 4.7 (gsqlite3, HTTP API) on 127.0.0.1.
// What the API writes is checked through DNS on the server's own port.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fakes/recorded_ceiling.hpp"
#include "harness/pdns_server.hpp"
#include "net/http_client.hpp"
#include "providers/dns_query.hpp"
#include "providers/powerdns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::providers::PowerDnsSettings;
using planb::testing::CountedCeiling;
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

namespace {

// A PowerDNS whose zone holds N CNAMEs r0..r<N-1> at old.example.net.
PdnsServer::Options manyRecords(int n) {
  PdnsServer::Options options;
  for (int i = 0; i < n; ++i) {
    options.records.push_back({"r" + std::to_string(i), "CNAME", 60, "old.example.net."});
  }
  return options;
}

std::vector<ReplaceRequest> moveAll(int n) {
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < n; ++i) {
    changes.push_back(
        swap("r" + std::to_string(i) + ".example.test.", "new.example.net.", "old.example.net."));
  }
  return changes;
}

PowerDnsProvider countedProvider(const PdnsServer& pdns, const CountedCeiling& ceiling) {
  return PowerDnsProvider(
      "pdns-test", PowerDnsSettings{pdns.apiUrl(), pdns.apiKeyFile(), "localhost"},
      std::make_shared<CurlTransport>(HttpOptions{kConnectTimeout, kTimeout, std::nullopt}),
      ceiling.bucket);
}

// How many of r0..r<N-1> PowerDNS answers with TARGET over DNS.
int servedOverDns(const PdnsServer& pdns, int n, const std::string& target) {
  int count = 0;
  for (int i = 0; i < n; ++i) {
    count += dnsAnswer(pdns, "r" + std::to_string(i) + ".example.test.").target == target ? 1 : 0;
  }
  return count;
}

}  // namespace

TEST_CASE("500 records are changed in ONE PATCH after ONE read and PowerDNS serves all 500") {
  PdnsServer pdns(manyRecords(500));
  CountedCeiling ceiling;
  PowerDnsProvider provider = countedProvider(pdns, ceiling);

  std::vector<Result<Written>> results = provider.replaceBatch(moveAll(500));
  REQUIRE(results.size() == 500);
  int applied = 0;
  for (const Result<Written>& result : results) {
    applied += std::holds_alternative<Written>(result) ? 1 : 0;
  }
  CHECK(applied == 500);
  CHECK(ceiling.requests() == 2);  // the GET of the zone, the PATCH
  CHECK(servedOverDns(pdns, 500, "new.example.net.") == 500);
}

TEST_CASE("one of 500 records changed behind planb's back is the only Conflict; 499 go through") {
  PdnsServer pdns(manyRecords(500));
  pdns.pdnsutil({"replace-rrset", "example.test", "r7", "CNAME", "60", "hand.example.net."});
  CountedCeiling ceiling;
  PowerDnsProvider provider = countedProvider(pdns, ceiling);

  std::vector<Result<Written>> results = provider.replaceBatch(moveAll(500));
  REQUIRE(results.size() == 500);
  ProviderError conflict = failure(results[7]);
  CHECK(conflict.kind == ErrorKind::Conflict);
  CHECK(conflict.message.find("hand.example.net.") != std::string::npos);
  int applied = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    applied += i != 7 && std::holds_alternative<Written>(results[i]) ? 1 : 0;
  }
  CHECK(applied == 499);
  CHECK(ceiling.requests() == 2);
  CHECK(dnsAnswer(pdns, "r7.example.test.").target == "hand.example.net.");
  CHECK(servedOverDns(pdns, 500, "new.example.net.") == 499);
}

TEST_CASE("readBatch reads 500 names with one GET of the zone") {
  PdnsServer pdns(manyRecords(500));
  CountedCeiling ceiling;
  PowerDnsProvider provider = countedProvider(pdns, ceiling);
  std::vector<std::string> names;
  for (int i = 0; i < 500; ++i) {
    names.push_back("r" + std::to_string(i) + ".example.test.");
  }
  names.push_back("txtonly.example.test.");
  std::vector<Result<ServedRecord>> read = provider.readBatch("example.test.", names);
  REQUIRE(read.size() == 501);
  CHECK(served(read[0]).target == "old.example.net.");
  CHECK(served(read[499]).target == "old.example.net.");
  CHECK(served(read[500]).kind == ServedRecord::Kind::Conflict);
  CHECK(ceiling.requests() == 1);
}
