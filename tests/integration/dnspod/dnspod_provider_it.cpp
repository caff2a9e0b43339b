// DnspodProvider over libcurl against tests/fakes/dnspod_server.py on 127.0.0.1: the fake
// recomputes every TC3 signature, checks the timestamp and the token, pages listings by 2, keeps
// DNSPod's record rules and its plan minimum TTL, and fails on command.

#include <doctest/doctest.h>

#include <cstdio>

#include "core/clock.hpp"
#include "dnspod_fake.hpp"
#include "providers/dnspod_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::DnspodFake;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const RecordRef kDnspodItWww{"example.com.", "www.example.com."};

struct DnspodWorld {
  DnspodFake fake;
  DnspodConfig config;

  explicit DnspodWorld(int min_ttl = 1) : fake(2, min_ttl) {
    config.name = "pod-it";
    config.settings.secret_id_file = fake.secretIdFile();
    config.settings.secret_key_file = fake.secretKeyFile();
    config.endpoint = fake.endpoint();
  }

  DnspodProvider provider(std::shared_ptr<const planb::core::Clock> clock =
                              std::make_shared<planb::core::SystemClock>(),
                          DnspodOptions options = {}) {
    return DnspodProvider(config, std::make_shared<CurlTransport>(), std::move(clock),
                          std::move(options));
  }

  std::vector<std::string> codes() {
    std::vector<std::string> out;
    for (const Json& r : fake.requestLog()) {
      out.push_back(r.at("code").is_string() ? r.at("code").get<std::string>() : "");
    }
    return out;
  }
};

// A host clock ten minutes slow: Tencent Cloud refuses such timestamps.
class DnspodSlowClock final : public planb::core::Clock {
 public:
  planb::core::Instant now() const override { return std::chrono::steady_clock::now(); }
  planb::core::WallTime wallNow() const override {
    return std::chrono::system_clock::now() - 10min;
  }
};

template <typename T>
T dnspodItValue(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

template <typename T>
ProviderError dnspodItFailed(const Result<T>& result, const DnspodFake& fake) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(fake.secretKey()) == std::string::npos);
  CHECK(e.message.find(fake.secretId()) == std::string::npos);
  return e;
}

ReplaceRequest dnspodItSwap(std::string new_target, std::optional<std::string> expected,
                            std::uint32_t ttl = 600, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_CASE("a failover modifies the CNAME in place, and the fake verifies every signature") {
  DnspodWorld w;
  Json cname = w.fake.addRecord("www", "CNAME", "primary.example.net.");
  w.fake.control("PATCH", "records/" + cname.at("RecordId").dump(),
                 {{"Weight", 30}, {"Remark", "keep me"}});
  DnspodProvider provider = w.provider();
  ServedRecord before = dnspodItValue(provider.read(kDnspodItWww));
  CHECK(before.target == "primary.example.net.");

  REQUIRE(std::holds_alternative<Unit>(
      provider.replace(dnspodItSwap("backup.example.net.", "primary.example.net.", 60))));
  Json after = w.fake.record(cname.at("RecordId").get<long long>());
  CHECK(after.at("Value") == "backup.example.net.");
  CHECK(after.at("TTL") == 60);
  CHECK(after.at("Name") == "www");
  CHECK(after.at("LineId") == "0");
  CHECK(after.at("Weight") == 30);
  CHECK(after.at("Remark") == "keep me");
  CHECK(after.at("Status") == "ENABLE");
  for (const Json& r : w.fake.requestLog()) {
    CHECK(r.at("signature_ok") == true);
  }
  CHECK(dnspodItValue(provider.read(kDnspodItWww)).target == "backup.example.net.");
}

TEST_CASE("a CNAME another writer changed before the read is a Conflict, and nothing is written") {
  DnspodWorld w;
  Json cname = w.fake.addRecord("www", "CNAME", "primary.example.net.");
  DnspodProvider provider = w.provider();
  CHECK(dnspodItValue(provider.read(kDnspodItWww)).target == "primary.example.net.");
  // Someone else moves www between planbd's decision and its write: DNSPod has no
  // compare-and-swap, so the read just before the write is what catches it.
  w.fake.control("PATCH", "records/" + cname.at("RecordId").dump(),
                 {{"Value", "elsewhere.example.net."}});
  w.fake.control("DELETE", "requests");
  Result<Unit> lost =
      provider.replace(dnspodItSwap("backup.example.net.", "primary.example.net.", 60));
  REQUIRE(std::holds_alternative<ProviderError>(lost));
  CHECK(std::get<ProviderError>(lost).kind == ErrorKind::Conflict);
  CHECK(w.fake.record(cname.at("RecordId").get<long long>()).at("Value") ==
        "elsewhere.example.net.");
  for (const Json& r : w.fake.requestLog()) {
    CHECK(r.at("action") != "ModifyRecord");
  }
}

TEST_CASE("an absent name is created on the default line, and a listing is read in pages") {
  DnspodWorld w;
  for (int i = 0; i < 5; ++i) {
    w.fake.addRecord("n" + std::to_string(i), "A", "192.0.2." + std::to_string(i));
  }
  DnspodProvider provider = w.provider();
  REQUIRE(std::holds_alternative<Unit>(
      provider.replace(dnspodItSwap("backup.example.net.", std::nullopt, 60))));
  auto results = provider.readBatch(
      "example.com.", {"www.example.com.", "n0.example.com.", "n4.example.com.", "x.example.com."});
  CHECK(dnspodItValue(results[0]).target == "backup.example.net.");
  CHECK(dnspodItValue(results[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(dnspodItValue(results[2]).conflict_type == "A");
  CHECK(dnspodItValue(results[3]).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("the free plan's minimum raises a 60 s failover to 600, reported as raised_ttl") {
  DnspodWorld w(600);
  w.fake.addRecord("www", "CNAME", "primary.example.net.");
  DnspodProvider provider = w.provider();
  auto results =
      provider.replaceBatch({dnspodItSwap("backup.example.net.", "primary.example.net.", 60)});
  CHECK(dnspodItValue(results.at(0)).raised_ttl == 600);
  CHECK(w.fake.records().at(0).at("TTL") == 600);
}

TEST_CASE("a batch of writes lands every change, each in its own request") {
  DnspodWorld w;
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < 6; ++i) {
    std::string label = "svc" + std::to_string(i);
    w.fake.addRecord(label, "CNAME", "primary.example.net.");
    changes.push_back(
        dnspodItSwap("backup.example.net.", "primary.example.net.", 60, label + ".example.com."));
  }
  DnspodOptions options;
  for (std::size_t i = 1; i < kDnspodBatchLanes; ++i) {
    options.batch_transports.push_back(std::make_shared<CurlTransport>());
  }
  DnspodProvider provider = w.provider(std::make_shared<planb::core::SystemClock>(), options);
  auto results = provider.replaceBatch(changes);
  for (const auto& r : results) {
    dnspodItValue(r);
  }
  for (const Json& r : w.fake.records()) {
    CHECK(r.at("Value") == "backup.example.net.");
  }
}

TEST_CASE("a revoked SecretId is an auth error naming the file, without a secret") {
  DnspodWorld w;
  DnspodProvider provider = w.provider();
  w.fake.control("POST", "revoke");
  ProviderError e = dnspodItFailed(provider.read(kDnspodItWww), w.fake);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("AuthFailure.SecretIdNotFound") != std::string::npos);
  CHECK(e.message.find(w.fake.secretIdFile()) != std::string::npos);
}

TEST_CASE("a wrong SecretKey is refused as a signature failure naming the key file") {
  DnspodWorld w;
  std::string other = w.fake.dir() + "/other_key";
  DnspodFake::writePrivate(other, "not-the-key\n");
  w.config.settings.secret_key_file = other;
  DnspodProvider provider = w.provider();
  ProviderError e = dnspodItFailed(provider.read(kDnspodItWww), w.fake);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("AuthFailure.SignatureFailure") != std::string::npos);
  CHECK(e.message.find("secret_key_file " + other) != std::string::npos);
}

TEST_CASE("a clock ten minutes off is refused as AuthFailure.SignatureExpire") {
  DnspodWorld w;
  DnspodProvider provider = w.provider(std::make_shared<DnspodSlowClock>());
  ProviderError e = dnspodItFailed(provider.read(kDnspodItWww), w.fake);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("clock") != std::string::npos);
}

TEST_CASE("temporary credentials need their token; an expired one is AuthFailure.TokenFailure") {
  DnspodWorld w;
  w.fake.control("POST", "sts",
                 {{"secret_id", "AKIDstsTEMP"}, {"secret_key", "sts-key"}, {"token", "tok-1"}});
  std::string id = w.fake.dir() + "/sts_id";
  std::string key = w.fake.dir() + "/sts_key";
  std::string token = w.fake.dir() + "/sts_token";
  DnspodFake::writePrivate(id, "AKIDstsTEMP\n");
  DnspodFake::writePrivate(key, "sts-key\n");
  DnspodFake::writePrivate(token, "tok-1\n");
  w.config.settings.secret_id_file = id;
  w.config.settings.secret_key_file = key;
  SUBCASE("with the token") {
    w.config.settings.token_file = token;
    DnspodProvider provider = w.provider();
    CHECK(dnspodItValue(provider.read(kDnspodItWww)).kind == ServedRecord::Kind::Absent);
    w.fake.control("POST", "sts/expire");
    ProviderError e = dnspodItFailed(provider.read(kDnspodItWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("token_file " + token) != std::string::npos);
  }
  SUBCASE("without token_file") {
    DnspodProvider provider = w.provider();
    ProviderError e = dnspodItFailed(provider.read(kDnspodItWww), w.fake);
    CHECK(e.message.find("set token_file") != std::string::npos);
  }
}

TEST_CASE("throttling, server errors and malformed replies map to their kinds") {
  DnspodWorld w;
  DnspodProvider provider = w.provider();
  w.fake.control("POST", "throttle", {{"count", 1}});
  CHECK(dnspodItFailed(provider.read(kDnspodItWww), w.fake).kind == ErrorKind::RateLimited);
  w.fake.control("POST", "fail", {{"count", 1}});
  CHECK(dnspodItFailed(provider.read(kDnspodItWww), w.fake).kind == ErrorKind::Transient);
  w.fake.control("POST", "fail", {{"count", 1}, {"status", 503}});
  CHECK(dnspodItFailed(provider.read(kDnspodItWww), w.fake).kind == ErrorKind::Transient);
  w.fake.control("POST", "malformed", {{"count", 1}});
  CHECK(dnspodItFailed(provider.read(kDnspodItWww), w.fake).kind == ErrorKind::Permanent);
  CHECK(dnspodItValue(provider.read(kDnspodItWww)).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("the rehearsal TXT is written, rewritten, read and deleted through the fake") {
  DnspodWorld w;
  w.fake.addRecord("_planb-rehearsal", "TXT", "stale-1");
  w.fake.addRecord("_planb-rehearsal", "TXT", "stale-2");
  DnspodProvider provider = w.provider();
  RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  dnspodItValue(provider.writeTxt({txt, "token-A", 60}));
  CHECK(dnspodItValue(provider.readTxt(txt)) == std::vector<std::string>{"token-A"});
  dnspodItValue(provider.writeTxt({txt, "token-B", 60}));
  CHECK(dnspodItValue(provider.readTxt(txt)) == std::vector<std::string>{"token-B"});
  dnspodItValue(provider.deleteTxt(txt));
  CHECK(dnspodItValue(provider.readTxt(txt)).empty());
  dnspodItValue(provider.deleteTxt(txt));  // twice: nothing left is success
}

TEST_CASE("name servers are the domain's DnspodNsList") {
  DnspodWorld w;
  DnspodProvider provider = w.provider();
  CHECK(dnspodItValue(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"f1g1ns1.dnspod.net.", "f1g1ns2.dnspod.net."});
  ProviderError e = dnspodItFailed(provider.nameServers("unknown.test."), w.fake);
  CHECK(e.kind == ErrorKind::NotFound);
}
