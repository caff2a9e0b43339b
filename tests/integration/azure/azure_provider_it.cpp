// AzureProvider over libcurl against tests/fakes/azure_dns_server.py on 127.0.0.1: the fake
// issues and checks bearer tokens, enforces etags (If-Match / If-None-Match), pages listings by
// 2 with nextLink, refuses a CNAME beside another type, and throttles as ARM does.

#include <doctest/doctest.h>

#include <set>

#include "azure_fake.hpp"
#include "core/clock.hpp"
#include "providers/azure_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AzureFake;
using Json = nlohmann::json;

namespace {

const RecordRef kAzureWww{"example.com.", "www.example.com."};

struct AzureWorld {
  AzureFake fake;
  AzureConfig config;

  explicit AzureWorld(int page_size_max = 2, std::vector<std::string> extra = {})
      : fake(page_size_max, std::move(extra)) {
    config.name = "az-it";
    config.settings.tenant_id = AzureFake::kTenant;
    config.settings.client_id = AzureFake::kClient;
    config.settings.client_secret_file = fake.secretFile();
    config.settings.subscription_id = AzureFake::kSubscription;
    config.settings.resource_group = AzureFake::kResourceGroup;
    config.settings.login_endpoint = fake.endpoint();
    config.endpoint = fake.endpoint();
  }

  std::unique_ptr<AzureProvider> provider(AzureOptions options = {}) {
    return std::make_unique<AzureProvider>(config, std::make_shared<CurlTransport>(),
                                           std::make_shared<planb::core::SystemClock>(),
                                           std::move(options));
  }
};

ReplaceRequest azureSwap(std::string target, std::optional<std::string> expected,
                         std::string name = "www.example.com.", std::uint32_t ttl = 60) {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

ServedRecord azureServed(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

}  // namespace

TEST_CASE("a failover swaps the CNAME with a token from Entra ID, keeping the metadata") {
  AzureWorld w;
  w.fake.addRecordSet("www", "CNAME",
                      {{"TTL", 3600},
                       {"metadata", {{"owner", "web"}}},
                       {"CNAMERecord", {{"cname", "primary.example.net"}}}});
  auto provider = w.provider();
  ServedRecord before = azureServed(provider->read(kAzureWww));
  CHECK(before.target == "primary.example.net.");
  CHECK(before.ttl == 3600);
  Result<Unit> done = provider->replace(azureSwap("standby.example.net.", "primary.example.net."));
  REQUIRE(std::holds_alternative<Unit>(done));
  Json now = w.fake.recordSet("www", "CNAME");
  CHECK(now.at("cname") == "standby.example.net");
  CHECK(now.at("ttl") == 60);
  CHECK(now.at("properties").at("metadata").at("owner") == "web");
  CHECK(azureServed(provider->read(kAzureWww)).target == "standby.example.net.");
  CHECK(w.fake.stats().at("tokens_issued") == 1);
}

TEST_CASE("a write racing another writer loses on the etag (412) and leaves its change") {
  AzureWorld w;
  w.fake.addCname("www", "primary.example.net");
  w.fake.control(
      "POST", "race",
      {{"zone", "example.com"},
       {"name", "www"},
       {"type", "CNAME"},
       {"properties", {{"TTL", 60}, {"CNAMERecord", {{"cname", "manual.example.net"}}}}}});
  auto provider = w.provider();
  Result<Unit> done = provider->replace(azureSwap("standby.example.net.", "primary.example.net."));
  REQUIRE(std::holds_alternative<ProviderError>(done));
  CHECK(std::get<ProviderError>(done).kind == ErrorKind::Conflict);
  CHECK(w.fake.recordSet("www", "CNAME").at("cname") == "manual.example.net");
}

TEST_CASE("a CNAME is created where the name held nothing, and refused beside an A record") {
  AzureWorld w;
  w.fake.addRecordSet(
      "app", "A", {{"TTL", 60}, {"ARecords", Json::array({Json{{"ipv4Address", "192.0.2.7"}}})}});
  auto provider = w.provider();
  REQUIRE(std::holds_alternative<Unit>(
      provider->replace(azureSwap("standby.example.net.", std::nullopt, "new.example.com."))));
  CHECK(w.fake.recordSet("new", "CNAME").at("cname") == "standby.example.net");
  ServedRecord app = azureServed(provider->read({"example.com.", "app.example.com."}));
  CHECK(app.kind == ServedRecord::Kind::Conflict);
  CHECK(app.conflict_type == "A");
  Result<Unit> refused =
      provider->replace(azureSwap("standby.example.net.", std::nullopt, "app.example.com."));
  REQUIRE(std::holds_alternative<ProviderError>(refused));
  CHECK(std::get<ProviderError>(refused).kind == ErrorKind::Conflict);
}

TEST_CASE("a batch reads by one paged listing and writes every change") {
  AzureWorld w;
  std::vector<std::string> names;
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < 7; ++i) {
    std::string label = "svc" + std::to_string(i);
    w.fake.addCname(label, "primary.example.net");
    names.push_back(label + ".example.com.");
    changes.push_back(azureSwap("standby.example.net.", "primary.example.net.", names.back()));
  }
  AzureOptions options;
  options.batch_transports = {std::make_shared<CurlTransport>(), std::make_shared<CurlTransport>()};
  auto provider = w.provider(options);
  w.fake.clearLog();
  auto reads = provider->readBatch("example.com.", names);
  for (const auto& r : reads) {
    CHECK(azureServed(r).target == "primary.example.net.");
  }
  std::size_t listing_pages = 0;
  for (const Json& r : w.fake.requestLog()) {
    listing_pages += r.at("path").get<std::string>().find("/recordsets") != std::string::npos;
  }
  CHECK(listing_pages == 5);  // 9 record sets (7 CNAMEs, the apex NS and SOA), 2 a page
  auto written = provider->replaceBatch(changes);
  for (const auto& r : written) {
    CHECK(std::holds_alternative<Written>(r));
  }
  for (int i = 0; i < 7; ++i) {
    CHECK(w.fake.recordSet("svc" + std::to_string(i), "CNAME").at("cname") ==
          "standby.example.net");
  }
}

TEST_CASE("a wrong client secret is Auth naming client_secret_file, never the secret") {
  AzureWorld w;
  AzureFake::writePrivate(w.fake.secretFile(), "not-the-secret-value-9\n");
  auto provider = w.provider();
  Result<ServedRecord> r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  const ProviderError& e = std::get<ProviderError>(r);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("AADSTS7000215") != std::string::npos);
  CHECK(e.message.find("client_secret_file") != std::string::npos);
  CHECK(e.message.find("not-the-secret-value-9") == std::string::npos);
  CHECK(e.message.find(w.fake.secret()) == std::string::npos);
}

TEST_CASE("a revoked credential fails as Auth, and a rotated secret file heals it") {
  AzureWorld w;
  w.fake.addCname("www", "primary.example.net");
  auto provider = w.provider();
  azureServed(provider->read(kAzureWww));
  w.fake.control("POST", "revoke");
  Result<ServedRecord> r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::Auth);
  CHECK(std::get<ProviderError>(r).message.find("AADSTS7000222") != std::string::npos);
  w.fake.control("POST", "credentials", {{"client_secret", "a-rotated-secret-with-new-length"}});
  AzureFake::writePrivate(w.fake.secretFile(), "a-rotated-secret-with-new-length\n");
  CHECK(azureServed(provider->read(kAzureWww)).target == "primary.example.net.");
}

TEST_CASE("expired tokens are renewed on ARM's 401 without failing the request") {
  AzureWorld w;
  w.fake.addCname("www", "primary.example.net");
  auto provider = w.provider();
  azureServed(provider->read(kAzureWww));
  w.fake.control("POST", "expire-tokens");
  CHECK(azureServed(provider->read(kAzureWww)).target == "primary.example.net.");
  CHECK(w.fake.stats().at("tokens_issued") == 2);
}

TEST_CASE("throttling is RateLimited, with ARM's Retry-After when it sends one") {
  AzureWorld w;
  auto provider = w.provider();
  azureServed(provider->read(kAzureWww));  // the token first
  w.fake.control("POST", "throttle", {{"count", 1}, {"retry_after", 17}});
  Result<ServedRecord> r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::RateLimited);
  CHECK(std::get<ProviderError>(r).retry_after == std::chrono::milliseconds(17000));
  w.fake.control("POST", "throttle", {{"count", 1}});
  r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::RateLimited);
  CHECK_FALSE(std::get<ProviderError>(r).retry_after.has_value());
}

TEST_CASE("an emptied token bucket of the fake's ARM is a 429 the provider reports") {
  AzureWorld w(2, {"--read-bucket", "2", "--read-refill", "0.001"});
  auto provider = w.provider();
  azureServed(provider->read(kAzureWww));  // GET CNAME (404), the listing: the bucket is empty
  Result<ServedRecord> r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::RateLimited);
  CHECK(std::get<ProviderError>(r).retry_after.has_value());
  CHECK(w.fake.stats().at("throttled") == 1);
}

TEST_CASE("server errors are Transient and a malformed reply Permanent") {
  AzureWorld w;
  auto provider = w.provider();
  w.fake.control("POST", "fail", {{"count", 1}, {"status", 503}});
  Result<ServedRecord> r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::Transient);
  w.fake.control("POST", "malformed", {{"count", 1}});
  r = provider->read(kAzureWww);
  REQUIRE(std::holds_alternative<ProviderError>(r));
  CHECK(std::get<ProviderError>(r).kind == ErrorKind::Permanent);
}

TEST_CASE("the rehearsal's TXT record is written, read back and deleted") {
  AzureWorld w;
  auto provider = w.provider();
  RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  REQUIRE(std::holds_alternative<Written>(provider->writeTxt({txt, "token-a", 60})));
  REQUIRE(std::holds_alternative<Written>(provider->writeTxt({txt, "token-b", 60})));
  auto values = provider->readTxt(txt);
  REQUIRE(std::holds_alternative<std::vector<std::string>>(values));
  CHECK(std::get<std::vector<std::string>>(values) == std::vector<std::string>{"token-b"});
  REQUIRE(std::holds_alternative<Written>(provider->deleteTxt(txt)));
  CHECK(w.fake.recordSet("_planb-rehearsal", "TXT").is_null());
  REQUIRE(std::holds_alternative<Written>(provider->deleteTxt(txt)));
}

TEST_CASE("nameServers are the zone's assigned Azure DNS name servers") {
  AzureWorld w;
  auto provider = w.provider();
  auto ns = provider->nameServers("example.com.");
  REQUIRE(std::holds_alternative<std::vector<std::string>>(ns));
  CHECK(std::get<std::vector<std::string>>(ns) ==
        std::vector<std::string>{"ns1-01.azure-dns.com.", "ns2-01.azure-dns.net.",
                                 "ns3-01.azure-dns.org.", "ns4-01.azure-dns.info."});
  auto missing = provider->nameServers("other.test.");
  REQUIRE(std::holds_alternative<ProviderError>(missing));
  CHECK(std::get<ProviderError>(missing).kind == ErrorKind::NotFound);
}
