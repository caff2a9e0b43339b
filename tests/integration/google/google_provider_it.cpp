// GoogleProvider against tests/fakes/google_dns_server.py: the token exchange with real RS256
// assertions, reads and paging, the compare-and-swap of exact deletions, a lost race, pending
// changes, throttling with and without a hint, a revoked key, expired tokens, malformed replies.

#include <doctest/doctest.h>

#include "google_fake.hpp"
#include "providers/google_provider.hpp"

using namespace planb::providers;
using planb::testing::GoogleFake;
using Json = nlohmann::json;

namespace {

std::unique_ptr<GoogleProvider> googleAgainst(GoogleFake& fake,
                                              std::optional<std::string> zone = "example-com") {
  GoogleConfig config{"gdns", {fake.keyFile(), "it-project", std::move(zone)}, fake.endpoint()};
  return std::make_unique<GoogleProvider>(config, std::make_shared<planb::net::CurlTransport>(),
                                          std::make_shared<planb::core::SystemClock>());
}

ReplaceRequest googleItSwap(const std::string& label, const std::string& from,
                            const std::string& to) {
  ReplaceRequest r;
  r.record = {"example.com.", label + ".example.com."};
  r.expected_target = from;
  r.new_target = to;
  r.ttl = 60;
  return r;
}

}  // namespace

TEST_CASE("a failover read and written through the fake: the token verified, the CNAME swapped") {
  GoogleFake fake;
  fake.put("www.example.com.", "CNAME", "primary.example.net.", 60);
  auto p = googleAgainst(fake, std::nullopt);  // the managed zone looked up by dnsName
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(served));
  CHECK(std::get<ServedRecord>(served).target == "primary.example.net.");
  auto written =
      p->replaceBatch({googleItSwap("www", "primary.example.net.", "backup.example.net.")});
  REQUIRE(std::holds_alternative<Written>(written[0]));
  CHECK(std::get<Written>(written[0]).propagating_change.empty());  // --pending-seconds 0
  CHECK(fake.rrset("www.example.com.", "CNAME")["rrdatas"] == Json::array({"backup.example.net."}));
  CHECK(fake.stats()["tokens_issued"] == 1);
}

TEST_CASE("a pending change is reported propagating until the fake completes it") {
  GoogleFake fake({"--pending-seconds", "3600"});
  fake.put("www.example.com.", "CNAME", "primary.example.net.", 60);
  auto p = googleAgainst(fake);
  auto written =
      p->replaceBatch({googleItSwap("www", "primary.example.net.", "backup.example.net.")});
  REQUIRE(std::holds_alternative<Written>(written[0]));
  std::string change = std::get<Written>(written[0]).propagating_change;
  CHECK(change == "example-com/1");
  CHECK(std::get<Propagation>(p->pollChange(change)) == Propagation::Pending);
  fake.control("POST", "complete");
  CHECK(std::get<Propagation>(p->pollChange(change)) == Propagation::Applied);
}

TEST_CASE("a record changed between the read and the change loses alone; the batch goes through") {
  GoogleFake fake;
  for (const char* n : {"a", "b", "c"}) {
    fake.put(std::string(n) + ".example.com.", "CNAME", "old.example.net.", 60);
  }
  fake.control("POST", "race",
               {{"name", "b.example.com."},
                {"type", "CNAME"},
                {"ttl", 60},
                {"rrdatas", Json::array({"someone-else.example.net."})}});
  auto p = googleAgainst(fake);
  auto written = p->replaceBatch({googleItSwap("a", "old.example.net.", "new.example.net."),
                                  googleItSwap("b", "old.example.net.", "new.example.net."),
                                  googleItSwap("c", "old.example.net.", "new.example.net.")});
  CHECK(std::holds_alternative<Written>(written[0]));
  REQUIRE(errorIn(written[1]));
  CHECK(errorIn(written[1])->kind == ErrorKind::Conflict);
  CHECK(std::holds_alternative<Written>(written[2]));
  CHECK(fake.rrset("b.example.com.", "CNAME")["rrdatas"] ==
        Json::array({"someone-else.example.net."}));
  CHECK(fake.rrset("c.example.com.", "CNAME")["rrdatas"] == Json::array({"new.example.net."}));
}

TEST_CASE("a zone listed in pages of two answers every name of a batch") {
  GoogleFake fake;
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.push_back("n" + std::to_string(i) + ".example.com.");
    fake.put(names.back(), "CNAME", "t" + std::to_string(i) + ".example.net.", 60);
  }
  fake.put("n1.example.com.", "TXT", "\"beside\"", 60);  // another type: n1 is a Conflict
  auto p = googleAgainst(fake);
  fake.clearLog();
  auto served = p->readBatch("example.com.", names);
  REQUIRE(served.size() == 5);
  CHECK(std::get<ServedRecord>(served[0]).target == "t0.example.net.");
  CHECK(std::get<ServedRecord>(served[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(served[4]).target == "t4.example.net.");
  CHECK(fake.requestCount() >= 4);  // 8 rrsets with SOA and NS: four pages, plus the token
}

TEST_CASE("throttling is RateLimited, with the hint when one is sent") {
  GoogleFake fake;
  auto p = googleAgainst(fake);
  fake.control("POST", "throttle", {{"count", 1}});
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(served));
  CHECK(errorIn(served)->kind == ErrorKind::RateLimited);
  CHECK(errorIn(served)->message.find("rateLimitExceeded") != std::string::npos);
  CHECK_FALSE(errorIn(served)->retry_after);
  fake.control("POST", "throttle", {{"count", 1}, {"retry_after", 3}});
  served = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(served));
  CHECK(errorIn(served)->retry_after == std::chrono::milliseconds(3000));
  CHECK(std::holds_alternative<ServedRecord>(p->read({"example.com.", "www.example.com."})));
}

TEST_CASE("a deleted key is Auth, names the file, and no secret is in the message") {
  GoogleFake fake;
  auto p = googleAgainst(fake);
  fake.control("POST", "revoke");
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(served));
  const std::string& message = errorIn(served)->message;
  CHECK(errorIn(served)->kind == ErrorKind::Auth);
  CHECK(message.find("Invalid JWT Signature.") != std::string::npos);
  CHECK(message.find(fake.keyFile()) != std::string::npos);
  CHECK(message.find("ya29.") == std::string::npos);
  CHECK(message.find("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCh") == std::string::npos);
  CHECK(message.find("eyJ") == std::string::npos);
  fake.control("POST", "credentials", {{"credentials_file", fake.keyFile()}});  // a new key
  CHECK(std::holds_alternative<ServedRecord>(p->read({"example.com.", "www.example.com."})));
}

TEST_CASE("tokens the service stopped taking are replaced without an error") {
  GoogleFake fake;
  auto p = googleAgainst(fake);
  p->read({"example.com.", "www.example.com."});
  fake.control("POST", "expire-tokens");
  CHECK(std::holds_alternative<ServedRecord>(p->read({"example.com.", "www.example.com."})));
  CHECK(fake.stats()["tokens_issued"] == 2);
}

TEST_CASE("server errors are Transient and malformed replies Permanent") {
  GoogleFake fake;
  auto p = googleAgainst(fake);
  p->read({"example.com.", "www.example.com."});
  fake.control("POST", "fail", {{"count", 1}, {"status", 503}});
  CHECK(errorIn(p->read({"example.com.", "www.example.com."}))->kind == ErrorKind::Transient);
  fake.control("POST", "malformed", {{"count", 1}});
  auto malformed = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(malformed));
  CHECK(errorIn(malformed)->kind == ErrorKind::Permanent);
}

TEST_CASE("the rehearsal's TXT is written, read, replaced and deleted through the fake") {
  GoogleFake fake;
  auto p = googleAgainst(fake);
  RecordRef ref{"example.com.", "_planb-rehearsal.example.com."};
  CHECK(std::get<std::vector<std::string>>(p->readTxt(ref)).empty());
  CHECK(std::holds_alternative<Written>(p->writeTxt({ref, "first", 60})));
  CHECK(std::get<std::vector<std::string>>(p->readTxt(ref)) == std::vector<std::string>{"first"});
  CHECK(std::holds_alternative<Written>(p->writeTxt({ref, "second \"quoted\"", 60})));
  CHECK(std::get<std::vector<std::string>>(p->readTxt(ref)) ==
        std::vector<std::string>{"second \"quoted\""});
  CHECK(std::holds_alternative<Written>(p->deleteTxt(ref)));
  CHECK(fake.rrset("_planb-rehearsal.example.com.", "TXT").is_null());
  CHECK(std::holds_alternative<Written>(p->deleteTxt(ref)));
}

TEST_CASE("the name servers are the managed zone's") {
  GoogleFake fake;
  auto servers = googleAgainst(fake)->nameServers("example.com.");
  REQUIRE(std::holds_alternative<std::vector<std::string>>(servers));
  CHECK(std::get<std::vector<std::string>>(servers).size() == 4);
  CHECK(std::get<std::vector<std::string>>(servers).front() == "ns-cloud-d1.googledomains.com.");
}
