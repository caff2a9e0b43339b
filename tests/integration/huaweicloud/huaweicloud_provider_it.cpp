// HuaweiCloudProvider over libcurl against tests/fakes/huaweicloud_server.py on 127.0.0.1: the
// fake recomputes the SDK-HMAC-SHA256 signature of every request, pages listings by 2, keeps
// record sets PENDING_* until told, and applies Huawei's record set rules.

#include <doctest/doctest.h>

#include <fstream>

#include "core/clock.hpp"
#include "huaweicloud_fake.hpp"
#include "providers/huaweicloud_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::HuaweiCloudFake;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const RecordRef kHwItWww{"example.com.", "www.example.com."};

struct HuaweiWorld {
  HuaweiCloudFake fake;
  HuaweiCloudConfig config;

  explicit HuaweiWorld(double pending_seconds = 0) : fake(2, pending_seconds) {
    config.name = "hw-it";
    config.settings.access_key_id_file = fake.keyIdFile();
    config.settings.secret_access_key_file = fake.secretFile();
    config.settings.region = "ap-southeast-1";
    config.endpoint = fake.endpoint();
  }

  HuaweiCloudProvider provider(std::shared_ptr<const planb::core::Clock> clock =
                                   std::make_shared<planb::core::SystemClock>()) {
    HuaweiCloudOptions options;
    // A ceiling no test reaches: the fake's own limits are what these tests meet.
    options.ceiling = systemCeiling({1000, 1000}, 10s);
    for (int lane = 1; lane < 4; ++lane) {
      options.batch_transports.push_back(std::make_shared<CurlTransport>());
    }
    return HuaweiCloudProvider(config, std::make_shared<CurlTransport>(), std::move(clock),
                               options);
  }

  // "METHOD path" of every API request, and whether each was signed right.
  std::vector<std::string> calls(bool* all_signed = nullptr) {
    std::vector<std::string> out;
    bool ok = true;
    for (const Json& r : fake.requestLog()) {
      out.push_back(r.at("method").get<std::string>() + " " + r.at("path").get<std::string>());
      ok = ok && r.at("signature_ok").get<bool>();
    }
    if (all_signed != nullptr) {
      *all_signed = ok;
    }
    return out;
  }
};

// A host clock an hour slow: the gateway refuses such an X-Sdk-Date.
class HuaweiHourBehindClock final : public planb::core::Clock {
 public:
  planb::core::Instant now() const override { return std::chrono::steady_clock::now(); }
  planb::core::WallTime wallNow() const override { return std::chrono::system_clock::now() - 1h; }
};

ServedRecord huaweiItServed(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError huaweiItFailed(const Result<T>& result, const HuaweiCloudFake& fake) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(fake.secret()) == std::string::npos);
  return e;
}

template <typename T>
const T& huaweiItOk(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

ReplaceRequest huaweiItSwap(std::string target, std::optional<std::string> expected,
                            std::uint32_t ttl = 60, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_CASE("a Huawei Cloud read finds a CNAME, an absent name and another type, all signed") {
  HuaweiWorld w;
  w.fake.addRecordset("www.example.com.", "CNAME", Json::array({"App.Primary.example.net."}), 60);
  w.fake.addRecordset("mail.example.com.", "MX", Json::array({"10 mx.example.net."}));
  HuaweiCloudProvider p = w.provider();
  ServedRecord www = huaweiItServed(p.read(kHwItWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.primary.example.net.");
  CHECK(www.ttl == 60);
  CHECK(huaweiItServed(p.read({"example.com.", "none.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  ServedRecord mail = huaweiItServed(p.read({"example.com.", "mail.example.com."}));
  CHECK(mail.kind == ServedRecord::Kind::Conflict);
  CHECK(mail.conflict_type == "MX");
  bool all_signed = false;
  std::vector<std::string> calls = w.calls(&all_signed);
  CHECK(all_signed);
  CHECK(calls.front() == "GET /v2/zones");
}

TEST_CASE(
    "a Huawei Cloud replace updates the record set in place, keeps its description, and "
    "propagates PENDING_UPDATE -> ACTIVE") {
  HuaweiWorld w(3600);  // pending until the test settles it
  Json set =
      w.fake.addRecordset("www.example.com.", "CNAME", Json::array({"old.example.net."}), 300,
                          Json::object({{"description", "managed by planb; do not edit"}}));
  HuaweiCloudProvider p = w.provider();
  auto results = p.replaceBatch({huaweiItSwap("new.example.net.", "old.example.net.", 60)});
  const Written& written = huaweiItOk(results.at(0));
  const std::string id = set.at("id").get<std::string>();
  CHECK(written.propagating_change == set.at("zone_id").get<std::string>() + "/" + id);
  Json now = w.fake.recordset(id);
  CHECK(now.at("records") == Json::array({"new.example.net."}));
  CHECK(now.at("ttl") == 60);
  CHECK(now.at("description") == "managed by planb; do not edit");
  CHECK(huaweiItOk(p.pollChange(written.propagating_change)) == Propagation::Pending);
  w.fake.control("POST", "settle");
  CHECK(huaweiItOk(p.pollChange(written.propagating_change)) == Propagation::Applied);
}

TEST_CASE("a Huawei Cloud replace creates the CNAME when the name holds nothing") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  huaweiItOk(p.replace(huaweiItSwap("new.example.net.", std::nullopt)));
  Json sets = w.fake.recordsetsAt("www.example.com.", "CNAME");
  REQUIRE(sets.size() == 1);
  CHECK(sets[0].at("records") == Json::array({"new.example.net."}));
  CHECK(w.calls().back() ==
        "POST /v2/zones/" + sets[0].at("zone_id").get<std::string>() + "/recordsets");
}

TEST_CASE(
    "a Huawei Cloud record changed behind planb's back makes the replace a conflict, with "
    "no write") {
  HuaweiWorld w;
  w.fake.addRecordset("www.example.com.", "CNAME", Json::array({"someone-else.example.net."}));
  HuaweiCloudProvider p = w.provider();
  auto e = huaweiItFailed(p.replace(huaweiItSwap("new.example.net.", "old.example.net.")), w.fake);
  CHECK(e.kind == ErrorKind::Conflict);
  for (const std::string& call : w.calls()) {
    CHECK(call.rfind("GET ", 0) == 0);
  }
}

TEST_CASE("a CNAME created by another writer between read and write is judged by a re-read") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  // Another writer creates the very CNAME first: the POST is refused as a duplicate, and a
  // re-read shows the wanted target, so the write counts as done.
  w.fake.control("POST", "race",
                 {{"zone", "example.com"},
                  {"name", "www.example.com."},
                  {"type", "CNAME"},
                  {"records", Json::array({"new.example.net."})}});
  huaweiItOk(p.replace(huaweiItSwap("new.example.net.", std::nullopt)));
  // Another value raced in: a Conflict.
  w.fake.control("POST", "race",
                 {{"zone", "example.com"},
                  {"name", "api.example.com."},
                  {"type", "CNAME"},
                  {"records", Json::array({"other.example.net."})}});
  auto e = huaweiItFailed(
      p.replace(huaweiItSwap("new.example.net.", std::nullopt, 60, "api.example.com.")), w.fake);
  CHECK(e.kind == ErrorKind::Conflict);
}

TEST_CASE("Huawei Cloud listings are followed across pages, and one listing answers a batch") {
  HuaweiWorld w;
  for (int i = 0; i < 7; ++i) {
    w.fake.addRecordset("h" + std::to_string(i) + ".example.com.", "CNAME",
                        Json::array({"t" + std::to_string(i) + ".example.net."}));
  }
  HuaweiCloudProvider p = w.provider();
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.push_back("h" + std::to_string(i) + ".example.com.");
  }
  w.fake.clearLog();
  auto results = p.readBatch("example.com.", names);
  for (int i = 0; i < 7; ++i) {
    CHECK(huaweiItServed(results[i]).target == "t" + std::to_string(i) + ".example.net.");
  }
  // SOA + NS + 7 CNAMEs by 2 a page: 5 pages, and the zone look-up.
  CHECK(w.calls().size() == 6);
}

TEST_CASE("a Huawei Cloud batch moves 20 records after one listing, each write on its own") {
  HuaweiWorld w;
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < 20; ++i) {
    std::string name = "n" + std::to_string(i) + ".example.com.";
    w.fake.addRecordset(name, "CNAME", Json::array({"primary.example.net."}));
    changes.push_back(huaweiItSwap("secondary.example.net.", "primary.example.net.", 60, name));
  }
  w.fake.addRecordset("n20.example.com.", "CNAME", Json::array({"moved-by-hand.example.net."}));
  changes.push_back(
      huaweiItSwap("secondary.example.net.", "primary.example.net.", 60, "n20.example.com."));
  HuaweiCloudProvider p = w.provider();
  auto results = p.replaceBatch(changes);
  for (int i = 0; i < 20; ++i) {
    CHECK(!huaweiItOk(results[i]).propagating_change.empty());
  }
  CHECK(huaweiItFailed(results[20], w.fake).kind == ErrorKind::Conflict);
  int puts = 0;
  for (const std::string& call : w.calls()) {
    puts += call.rfind("PUT ", 0) == 0;
  }
  CHECK(puts == 20);
}

TEST_CASE(
    "Huawei Cloud throttling is RateLimited with and without a retry hint, 5xx Transient, "
    "and the next call succeeds") {
  HuaweiWorld w;
  w.fake.addRecordset("www.example.com.", "CNAME", Json::array({"t.example.net."}));
  HuaweiCloudProvider p = w.provider();
  huaweiItServed(p.read(kHwItWww));  // the zone id is known from here on

  w.fake.control("POST", "throttle", {{"count", 1}, {"retry_after", 7}});
  auto e = huaweiItFailed(p.read(kHwItWww), w.fake);
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.message.find("APIGW.0308") != std::string::npos);
  CHECK(e.retry_after == std::optional<std::chrono::milliseconds>(7000ms));

  w.fake.control("POST", "throttle", {{"count", 1}});
  e = huaweiItFailed(p.read(kHwItWww), w.fake);
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK_FALSE(e.retry_after.has_value());

  w.fake.control("POST", "throttle", {{"count", 1}, {"flow_control", true}});
  e = huaweiItFailed(p.read(kHwItWww), w.fake);
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.message.find("DNS.0014") != std::string::npos);

  w.fake.control("POST", "fail", {{"count", 1}});
  CHECK(huaweiItFailed(p.read(kHwItWww), w.fake).kind == ErrorKind::Transient);
  w.fake.control("POST", "fail", {{"count", 1}, {"status", 503}});
  CHECK(huaweiItFailed(p.read(kHwItWww), w.fake).kind == ErrorKind::Transient);

  CHECK(huaweiItServed(p.read(kHwItWww)).target == "t.example.net.");
}

TEST_CASE(
    "a revoked key, a wrong secret or a skewed clock is Auth on Huawei Cloud, quoting no "
    "credential") {
  HuaweiWorld w;
  SUBCASE("revoked") {
    w.fake.control("POST", "revoke");
    HuaweiCloudProvider p = w.provider();
    auto e = huaweiItFailed(p.read(kHwItWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("APIGW.0301") != std::string::npos);
    CHECK(e.message.find(w.fake.keyIdFile()) != std::string::npos);
  }
  SUBCASE("a wrong secret") {
    planb::testing::ApiFake::writePrivate(w.fake.secretFile(), "not-the-secret\n");
    HuaweiCloudProvider p = w.provider();
    auto e = huaweiItFailed(p.read(kHwItWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("not-the-secret") == std::string::npos);
    CHECK(e.message.find(w.fake.secretFile()) != std::string::npos);
  }
  SUBCASE("an hour-slow clock") {
    HuaweiCloudProvider p = w.provider(std::make_shared<HuaweiHourBehindClock>());
    auto e = huaweiItFailed(p.read(kHwItWww), w.fake);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("clock") != std::string::npos);
  }
}

TEST_CASE(
    "temporary Huawei Cloud credentials send their security token; an expired one names "
    "its file") {
  HuaweiWorld w;
  const std::string token = "hw-it-security-token-Ab12";
  w.fake.control("POST", "temporary",
                 {{"access_key_id", "TEMPAKIT"},
                  {"secret_access_key", "temp-secret-It9"},
                  {"security_token", token}});
  planb::testing::ApiFake::writePrivate(w.fake.keyIdFile(), "TEMPAKIT\n");
  planb::testing::ApiFake::writePrivate(w.fake.secretFile(), "temp-secret-It9\n");
  std::string token_file = w.fake.dir() + "/security_token";
  planb::testing::ApiFake::writePrivate(token_file, token + "\n");
  w.config.settings.security_token_file = token_file;
  HuaweiCloudProvider p = w.provider();
  CHECK(huaweiItServed(p.read(kHwItWww)).kind == ServedRecord::Kind::Absent);
  w.fake.control("POST", "temporary/expire");
  auto e = huaweiItFailed(p.read(kHwItWww), w.fake);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find(token_file) != std::string::npos);
  CHECK(e.message.find(token) == std::string::npos);
  CHECK(e.message.find("temp-secret-It9") == std::string::npos);
}

TEST_CASE("a malformed Huawei Cloud reply is Permanent, never a crash") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  w.fake.control("POST", "malformed", {{"count", 1}});
  CHECK(huaweiItFailed(p.read(kHwItWww), w.fake).kind == ErrorKind::Permanent);
}

TEST_CASE("a zone the Huawei Cloud account does not have is NotFound") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  CHECK(huaweiItFailed(p.read({"example.org.", "www.example.org."}), w.fake).kind ==
        ErrorKind::NotFound);
}

TEST_CASE(
    "a Huawei Cloud rehearsal TXT is written quoted, read back, rewritten and deleted twice, "
    "other types left alone") {
  HuaweiWorld w;
  const RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  w.fake.addRecordset(txt.name, "A", Json::array({"192.0.2.1"}));
  HuaweiCloudProvider p = w.provider();
  CHECK(huaweiItOk(p.readTxt(txt)).empty());
  CHECK(!huaweiItOk(p.writeTxt({txt, "token one", 60})).propagating_change.empty());
  CHECK(huaweiItOk(p.readTxt(txt)) == std::vector<std::string>{"token one"});
  CHECK(w.fake.recordsetsAt(txt.name, "TXT")[0].at("records") == Json::array({"\"token one\""}));
  huaweiItOk(p.writeTxt({txt, "token two", 60}));
  CHECK(huaweiItOk(p.readTxt(txt)) == std::vector<std::string>{"token two"});
  CHECK(w.fake.recordsetsAt(txt.name, "TXT").size() == 1);
  huaweiItOk(p.deleteTxt(txt));
  w.fake.control("POST", "settle");
  huaweiItOk(p.deleteTxt(txt));
  CHECK(huaweiItOk(p.readTxt(txt)).empty());
  CHECK(w.fake.recordsetsAt(txt.name, "A").size() == 1);
}

TEST_CASE("the Huawei Cloud zone's name servers are its hostnames, canonical and sorted") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  CHECK(huaweiItOk(p.nameServers("example.com.")) ==
        std::vector<std::string>{"ns1.huaweicloud-dns.cn.", "ns1.huaweicloud-dns.com."});
}

TEST_CASE("rotated Huawei Cloud keys are read from their files without a restart") {
  HuaweiWorld w;
  HuaweiCloudProvider p = w.provider();
  huaweiItServed(p.read(kHwItWww));
  // The key pair is rotated: the service takes only the new one, the files get it.
  w.fake.control("POST", "credentials",
                 {{"access_key_id", "HWROTATEDAK"}, {"secret_access_key", "rotated-secret-Kq7"}});
  CHECK(huaweiItFailed(p.read(kHwItWww), w.fake).kind == ErrorKind::Auth);
  planb::testing::ApiFake::writePrivate(w.fake.keyIdFile(), "HWROTATEDAK\n");
  planb::testing::ApiFake::writePrivate(w.fake.secretFile(), "rotated-secret-Kq7\n");
  CHECK(huaweiItServed(p.read(kHwItWww)).kind == ServedRecord::Kind::Absent);
}
