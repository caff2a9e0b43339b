// AlidnsProvider over libcurl against tests/fakes/alidns_server.py on 127.0.0.1: the fake
// recomputes the V1 signature of every request, refuses reused nonces, pages listings by 2, and
// applies alidns's record rules.

#include <doctest/doctest.h>

#include "alidns_fake.hpp"
#include "core/clock.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AlidnsFake;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const RecordRef kWww{"example.com.", "www.example.com."};

struct World {
  AlidnsFake fake;
  planb::providers::AlidnsConfig config;

  World() {
    config.name = "ali-it";
    config.settings.access_key_id_file = fake.keyIdFile();
    config.settings.access_key_secret_file = fake.keySecretFile();
    config.endpoint = fake.endpoint();
  }

  AlidnsProvider provider(std::shared_ptr<const planb::core::Clock> clock =
                              std::make_shared<planb::core::SystemClock>(),
                          NonceGenerator nonce = randomUuid) {
    return AlidnsProvider(config, std::make_shared<CurlTransport>(), std::move(clock),
                          std::move(nonce));
  }

  std::vector<std::string> actions() {
    std::vector<std::string> out;
    for (const Json& r : fake.requestLog()) {
      out.push_back(r.at("action").is_string() ? r.at("action").get<std::string>() : "?");
    }
    return out;
  }
};

// A host clock an hour slow: Alibaba refuses such timestamps.
class HourBehindClock final : public planb::core::Clock {
 public:
  planb::core::Instant now() const override { return std::chrono::steady_clock::now(); }
  planb::core::WallTime wallNow() const override { return std::chrono::system_clock::now() - 1h; }
};

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failed(const Result<T>& result, const AlidnsFake& fake) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(fake.keySecret()) == std::string::npos);
  CHECK(e.message.find(fake.keyId()) == std::string::npos);
  return e;
}

void succeeded(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

ReplaceRequest swap(std::string new_target, std::optional<std::string> expected,
                    std::uint32_t ttl = 600, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_CASE("the provider reads a CNAME, the apex, an absent name and another type, all signed") {
  World w;
  w.fake.addRecord("www", "CNAME", "App.AWS.example.net", 600);
  w.fake.addRecord("@", "CNAME", "apex.example.net", 60);
  w.fake.addRecord("mail", "A", "192.0.2.25");
  AlidnsProvider provider = w.provider();

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 600);
  ServedRecord apex = served(provider.read({"example.com.", "example.com."}));
  CHECK(apex.target == "apex.example.net.");
  CHECK(apex.ttl == 60);
  CHECK(served(provider.read({"example.com.", "none.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  ServedRecord mail = served(provider.read({"example.com.", "mail.example.com."}));
  CHECK(mail.kind == ServedRecord::Kind::Conflict);
  CHECK(mail.conflict_type == "A");

  for (const Json& r : w.fake.requestLog()) {
    CHECK(r.at("signature_ok") == true);
    CHECK(r.at("method") == "POST");
    CHECK(r.at("params").at("Format") == "JSON");
  }
}

TEST_CASE("a replace updates the CNAME in place by RecordId") {
  World w;
  Json before = w.fake.addRecord("www", "CNAME", "app.aws.example.net", 600);
  AlidnsProvider provider = w.provider();
  succeeded(provider.replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  Json after = w.fake.record(before.at("RecordId"));
  REQUIRE(!after.is_null());
  CHECK(after.at("Value") == "app.gcp.example.net");
  CHECK(after.at("TTL") == 60);
  CHECK(w.fake.records().size() == 1);
  CHECK(w.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                "UpdateDomainRecord"});
  CHECK(served(provider.read(kWww)).target == "app.gcp.example.net.");
}

TEST_CASE("a replace adds the CNAME when the name holds nothing") {
  World w;
  succeeded(w.provider().replace(swap("app.gcp.example.net.", std::nullopt, 600)));
  Json records = w.fake.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("RR") == "www");
  CHECK(records[0].at("Type") == "CNAME");
  CHECK(records[0].at("Value") == "app.gcp.example.net");
  CHECK(records[0].at("Line") == "default");
}

TEST_CASE("a TTL-only change refused as DomainRecordDuplicate is a conflict, never a success") {
  World w;  // the fake's strict reading: an update that changes only the TTL is a duplicate
  w.fake.addRecord("www", "CNAME", "app.gcp.example.net", 600);
  Result<Unit> done =
      w.provider().replace(swap("app.gcp.example.net.", "app.gcp.example.net.", 60));
  ProviderError e = failed(done, w.fake);
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(e.message.find("with TTL 600, not 60") != std::string::npos);
  CHECK(w.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                "UpdateDomainRecord", "DescribeSubDomainRecords"});
  CHECK(w.fake.requestLog().at(2).at("code") == "DomainRecordDuplicate");
}

TEST_CASE("a CNAME added by someone else between read and write is judged by a re-read") {
  World w;
  SUBCASE("the same target: a success") {
    w.fake.control("POST", "race",
                   {{"domain", "example.com"},
                    {"rr", "www"},
                    {"type", "CNAME"},
                    {"value", "app.gcp.example.net"}});
    succeeded(w.provider().replace(swap("app.gcp.example.net.", std::nullopt)));
    CHECK(w.fake.records().size() == 1);
  }
  SUBCASE("another target: DomainRecordConflict, a conflict") {
    w.fake.control("POST", "race",
                   {{"domain", "example.com"},
                    {"rr", "www"},
                    {"type", "CNAME"},
                    {"value", "other.example.net"}});
    ProviderError e =
        failed(w.provider().replace(swap("app.gcp.example.net.", std::nullopt)), w.fake);
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK(e.message.find("DomainRecordConflict") != std::string::npos);
  }
}

TEST_CASE("a record changed behind planb's back makes the replace a conflict, with no write") {
  World w;
  Json record = w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  w.fake.control("PATCH", "records/" + record.at("RecordId").get<std::string>(),
                 {{"Value", "hand.edit.example.net"}});
  ProviderError e =
      failed(w.provider().replace(swap("app.gcp.example.net.", "app.aws.example.net.")), w.fake);
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(w.actions() == std::vector<std::string>{"DescribeSubDomainRecords"});
}

TEST_CASE("a CNAME for an ISP line is a conflict planb leaves alone") {
  World w;
  w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  w.fake.addRecord("www", "CNAME", "cn.example.net", 600, "telecom");
  ServedRecord www = served(w.provider().read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Conflict);
  CHECK(www.conflict_type == "CNAME (line telecom)");
}

TEST_CASE("listings are followed across pages") {
  World w;
  for (const char* text : {"v=1", "v=2", "v=3", "v=4"}) {
    w.fake.addRecord("multi", "TXT", text);
  }
  ServedRecord multi = served(w.provider().read({"example.com.", "multi.example.com."}));
  CHECK(multi.kind == ServedRecord::Kind::Conflict);
  Json log = w.fake.requestLog();
  REQUIRE(log.size() == 2);
  CHECK(log[1].at("params").at("PageNumber") == "2");
}

TEST_CASE("throttling is RateLimited, 5xx Transient, and the next call succeeds") {
  World w;
  w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  AlidnsProvider provider = w.provider();
  w.fake.control("POST", "throttle", {{"count", 1}});
  CHECK(failed(provider.read(kWww), w.fake).kind == ErrorKind::RateLimited);
  for (int status : {500, 503}) {
    w.fake.control("POST", "fail", {{"count", 1}, {"status", status}});
    ProviderError e = failed(provider.read(kWww), w.fake);
    CHECK(e.kind == ErrorKind::Transient);
  }
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("a revoked key, a wrong secret or a skewed clock is Auth, quoting no credential") {
  World w;
  w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  SUBCASE("revoked") {
    AlidnsProvider provider = w.provider();
    served(provider.read(kWww));
    w.fake.control("POST", "revoke");
    ProviderError e = failed(provider.read(kWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("InvalidAccessKeyId.Inactive") != std::string::npos);
  }
  SUBCASE("wrong secret") {
    std::string other = w.fake.dir() + "/other_secret";
    AlidnsFake::writePrivate(other, "not-the-secret\n");
    w.config.settings.access_key_secret_file = other;
    ProviderError e = failed(w.provider().read(kWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("SignatureDoesNotMatch") != std::string::npos);
    CHECK(e.message.find("not-the-secret") == std::string::npos);
  }
  SUBCASE("clock an hour behind") {
    ProviderError e = failed(w.provider(std::make_shared<HourBehindClock>()).read(kWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("InvalidTimeStamp.Expired") != std::string::npos);
  }
}

TEST_CASE("a reused nonce is refused by the server, so each request must bring its own") {
  World w;
  w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  AlidnsProvider provider = w.provider(std::make_shared<planb::core::SystemClock>(),
                                       [] { return std::string("always-the-same"); });
  served(provider.read(kWww));
  ProviderError e = failed(provider.read(kWww), w.fake);
  CHECK(e.kind == ErrorKind::Transient);
  CHECK(e.message.find("SignatureNonceUsed") != std::string::npos);

  AlidnsProvider fresh = w.provider();
  served(fresh.read(kWww));
  served(fresh.read(kWww));
}

TEST_CASE("a malformed reply is Permanent, never a crash") {
  World w;
  w.fake.addRecord("www", "CNAME", "app.aws.example.net");
  AlidnsProvider provider = w.provider();
  w.fake.control("POST", "malformed", {{"count", 1}});
  CHECK(failed(provider.read(kWww), w.fake).kind == ErrorKind::Permanent);
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("a domain the account does not have is NotFound") {
  World w;
  ProviderError e = failed(w.provider().read({"example.net.", "www.example.net."}), w.fake);
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("InvalidDomainName.NoExist") != std::string::npos);
}

// ---- the service's own rules (issue 15) --------------------------------------------------------

TEST_CASE("on the fake's free-edition zone a failover with ttl 60 is written with 600, raised") {
  World w;
  w.fake.control("POST", "domains", {{"name", "example.com"}, {"edition", "free"}});
  std::string id = w.fake.addRecord("www", "CNAME", "app.aws.example.net").at("RecordId");
  AlidnsProvider provider = w.provider();
  Result<Written> done =
      provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0);
  REQUIRE(std::holds_alternative<Written>(done));
  CHECK(std::get<Written>(done).raised_ttl == 600);
  CHECK(w.fake.record(id).at("Value") == "app.gcp.example.net");
  CHECK(w.fake.record(id).at("TTL") == 600);
}

TEST_CASE("a zone whose edition changed under planb is written again with its new minimum") {
  World w;  // learned as enterprise ultimate (TTL from 1), then downgraded to personal (600)
  std::string id = w.fake.addRecord("www", "CNAME", "app.aws.example.net").at("RecordId");
  AlidnsProvider provider = w.provider();
  REQUIRE(std::holds_alternative<Written>(
      provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0)));
  w.fake.control("POST", "domains", {{"name", "example.com"}, {"edition", "personal"}});
  w.fake.clearLog();
  Result<Written> done =
      provider.replaceBatch({swap("app.aws.example.net.", "app.gcp.example.net.", 60)}).at(0);
  REQUIRE(std::holds_alternative<Written>(done));
  CHECK(std::get<Written>(done).raised_ttl == 600);
  CHECK(w.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "UpdateDomainRecord",
                                                "DescribeDomainInfo", "UpdateDomainRecord"});
  CHECK(w.fake.record(id).at("TTL") == 600);
}

TEST_CASE("a failover keeps the record's line, weight and remark") {
  World w;
  std::string id = w.fake
                       .control("POST", "records",
                                {{"domain", "example.com"},
                                 {"rr", "www"},
                                 {"type", "CNAME"},
                                 {"value", "app.aws.example.net"},
                                 {"weight", 5},
                                 {"remark", "owned by team A"}})
                       .at("RecordId");
  succeeded(w.provider().replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  Json record = w.fake.record(id);
  CHECK(record.at("Value") == "app.gcp.example.net");
  CHECK(record.at("Line") == "default");
  CHECK(record.at("Weight") == 5);
  CHECK(record.at("Remark") == "owned by team A");
}

TEST_CASE("STS credentials: the SecurityToken is signed in, and an expired one names its file") {
  World w;
  const std::string token = "CAIS-it-sts-token-" + std::to_string(::getpid());
  w.fake.control("POST", "sts",
                 {{"access_key_id", "STS.it-key"},
                  {"access_key_secret", "sts-it-secret"},
                  {"security_token", token}});
  w.config.settings.access_key_id_file = w.fake.dir() + "/sts_id";
  w.config.settings.access_key_secret_file = w.fake.dir() + "/sts_secret";
  w.config.settings.security_token_file = w.fake.dir() + "/sts_token";
  w.fake.writePrivate(w.config.settings.access_key_id_file, "STS.it-key\n");
  w.fake.writePrivate(w.config.settings.access_key_secret_file, "sts-it-secret\n");
  w.fake.writePrivate(w.config.settings.security_token_file, token + "\n");
  AlidnsProvider provider = w.provider();
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Absent);

  w.fake.control("POST", "sts/expire");
  ProviderError e = failed(provider.read(kWww), w.fake);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("InvalidSecurityToken.Expired") != std::string::npos);
  CHECK(e.message.find(w.config.settings.security_token_file) != std::string::npos);
  CHECK(e.message.find(token) == std::string::npos);

  // The agent renews the credentials: the next request uses them, without a restart.
  const std::string renewed = token + "-renewed";
  w.fake.control("POST", "sts",
                 {{"access_key_id", "STS.it-key"},
                  {"access_key_secret", "sts-it-secret"},
                  {"security_token", renewed}});
  std::string fresh = w.fake.dir() + "/sts_token.new";
  w.fake.writePrivate(fresh, renewed + "\n");
  REQUIRE(::rename(fresh.c_str(), w.config.settings.security_token_file.c_str()) == 0);
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Absent);
}
