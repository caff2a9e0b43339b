// AlidnsProvider's batches over libcurl against tests/fakes/alidns_server.py, which refuses calls
// above each action's documented QPS with Throttling.User and counts the requests in flight.

#include <doctest/doctest.h>

#include "alidns_fake.hpp"
#include "core/clock.hpp"
#include "fakes/batch_changes.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AlidnsFake;
using Json = nlohmann::json;

namespace {

// A fake with `records` CNAMEs app<i>.example.com -> old.example.net, and a provider on it.
struct AliBatchWorld {
  AlidnsFake fake{500};
  AlidnsConfig config;

  explicit AliBatchWorld(int records) {
    config.name = "ali-batch-it";
    config.settings.access_key_id_file = fake.keyIdFile();
    config.settings.access_key_secret_file = fake.keySecretFile();
    config.endpoint = fake.endpoint();
    for (int i = 0; i < records; ++i) {
      fake.addRecord("app" + std::to_string(i), "CNAME", "old.example.net");
    }
    fake.clearLog();
  }

  // With kAlidnsBatchLanes requests in flight and the default ceiling, as planbd makes it.
  AlidnsProvider provider(AlidnsOptions options = {}) {
    for (std::size_t lane = 1; lane < kAlidnsBatchLanes; ++lane) {
      options.batch_transports.push_back(std::make_shared<CurlTransport>());
    }
    return AlidnsProvider(config, std::make_shared<CurlTransport>(),
                          std::make_shared<planb::core::SystemClock>(), randomUuid, options);
  }

  static std::vector<ReplaceRequest> moves(int n) { return planb::testing::appMoves(n, 600); }

  int servingNew() {
    int n = 0;
    for (const Json& r : fake.records()) {
      n += r.at("Value") == "new.example.net" ? 1 : 0;
    }
    return n;
  }

  int calls(const std::string& action) {
    int n = 0;
    for (const Json& r : fake.requestLog()) {
      n += r.at("action") == action ? 1 : 0;
    }
    return n;
  }
};

}  // namespace

TEST_CASE("200 records move after one listing, several at once, never above Alibaba's QPS") {
  AliBatchWorld w(200);
  AlidnsProvider provider = w.provider();
  std::vector<Result<Written>> results = provider.replaceBatch(AliBatchWorld::moves(200));
  REQUIRE(results.size() == 200);
  for (const auto& r : results) {
    CHECK(planb::testing::appliedNow(r));
  }
  CHECK(w.servingNew() == 200);
  CHECK(w.calls("DescribeDomainRecords") == 1);
  CHECK(w.calls("DescribeSubDomainRecords") == 0);
  CHECK(w.calls("UpdateDomainRecord") == 200);
  Json stats = w.fake.stats();
  CHECK(stats.at("throttled") == 0);
  CHECK(stats.at("max_per_second").at("UpdateDomainRecord").get<int>() <= 60);
  CHECK(stats.at("max_in_flight").get<std::size_t>() <= kAlidnsBatchLanes);
}

TEST_CASE("a record changed behind planb's back conflicts alone on Alibaba DNS") {
  AliBatchWorld w(20);
  Json changed = w.fake.records().at(7);
  w.fake.control("PATCH", "records/" + changed.at("RecordId").get<std::string>(),
                 {{"Value", "hand.edit.example.net"}});
  w.fake.clearLog();
  AlidnsProvider provider = w.provider();
  std::vector<ReplaceRequest> changes = AliBatchWorld::moves(20);
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  for (std::size_t i = 0; i < results.size(); ++i) {
    CAPTURE(i);
    if (changes[i].record.name == changed.at("RR").get<std::string>() + ".example.com.") {
      REQUIRE(std::holds_alternative<ProviderError>(results[i]));
      CHECK(std::get<ProviderError>(results[i]).kind == ErrorKind::Conflict);
    } else {
      CHECK(planb::testing::appliedNow(results[i]));
    }
  }
  CHECK(w.servingNew() == 19);
  CHECK(w.calls("UpdateDomainRecord") == 19);
}

TEST_CASE("one DescribeDomainRecords listing answers a batch of reads") {
  AliBatchWorld w(30);
  w.fake.addRecord("mail", "A", "192.0.2.25");
  w.fake.clearLog();
  AlidnsProvider provider = w.provider();
  std::vector<Result<ServedRecord>> read = provider.readBatch(
      "example.com.",
      {"app0.example.com.", "app29.example.com.", "mail.example.com.", "none.example.com."});
  REQUIRE(read.size() == 4);
  CHECK(std::get<ServedRecord>(read[0]).target == "old.example.net.");
  CHECK(std::get<ServedRecord>(read[1]).kind == ServedRecord::Kind::Cname);
  CHECK(std::get<ServedRecord>(read[2]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(read[3]).kind == ServedRecord::Kind::Absent);
  CHECK(w.fake.requestCount() == 1);
}

TEST_CASE("the fake refuses calls above an action's documented QPS with Throttling.User") {
  AliBatchWorld w(80);
  AlidnsOptions options;
  options.ceiling = systemCeiling({1000, 1000}, std::chrono::seconds(1));  // no ceiling to speak of
  AlidnsProvider provider = w.provider(options);
  w.fake.freezeThrottleClock(true);  // all 80 in one second, however slow this build runs
  std::vector<Result<Written>> results = provider.replaceBatch(AliBatchWorld::moves(80));
  int throttled = 0;
  for (const auto& r : results) {
    if (const auto* e = std::get_if<ProviderError>(&r)) {
      CHECK(e->kind == ErrorKind::RateLimited);
      CHECK(e->message.find("Throttling.User") != std::string::npos);
      ++throttled;
    }
  }
  Json stats = w.fake.stats();
  CHECK(throttled == stats.at("throttled").get<int>());
  CHECK(throttled == 20);
  CHECK(stats.at("max_per_second").at("UpdateDomainRecord") == 60);
}
