// CloudflareProvider's batches over libcurl against tests/fakes/cloudflare_server.py, which serves
// the batch endpoint as Cloudflare documents it (all or nothing, 200 records on the Free plan) and
// enforces 1,200 requests per 5 minutes per token.

#include <doctest/doctest.h>

#include "cloudflare_fake.hpp"
#include "fakes/batch_changes.hpp"
#include "fakes/manual_clock.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CloudflareFake;
using planb::testing::ManualClock;
using Json = nlohmann::json;

namespace {

// A fake with `records` CNAMEs app<i>.example.com -> old.example.net, and a provider on it.
struct BatchWorld {
  CloudflareFake fake;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  CloudflareConfig config;

  explicit BatchWorld(int records, const std::vector<std::string>& options = {})
      : fake(100, options) {
    config.name = "cf-batch-it";
    config.settings.api_token_file = fake.tokenFile();
    config.endpoint = fake.endpoint();
    for (int i = 0; i < records; ++i) {
      fake.addRecord(nameOf(i), "CNAME", "old.example.net");
    }
    fake.clearLog();
  }

  static std::string nameOf(int i) { return "app" + std::to_string(i) + ".example.com"; }

  CloudflareProvider provider(CloudflareOptions options = {}) {
    return CloudflareProvider(config, std::make_shared<CurlTransport>(), clock, options);
  }

  // Moves app0..app<n-1> from old.example.net to new.example.net.
  static std::vector<ReplaceRequest> moves(int n) { return planb::testing::appMoves(n, 60); }

  int requestsTo(const std::string& suffix) {
    int n = 0;
    for (const Json& r : fake.requestLog()) {
      const std::string path = r.at("path");
      n += path.size() >= suffix.size() &&
                   path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0
               ? 1
               : 0;
    }
    return n;
  }

  int servingNew() {
    int n = 0;
    for (const Json& r : fake.records()) {
      n += r.at("content") == "new.example.net" ? 1 : 0;
    }
    return n;
  }
};

}  // namespace

TEST_CASE("200 records move in one zone listing and one batch call") {
  BatchWorld w(200);
  CloudflareProvider provider = w.provider();
  std::vector<Result<Written>> results = provider.replaceBatch(BatchWorld::moves(200));
  REQUIRE(results.size() == 200);
  for (const auto& r : results) {
    CHECK(planb::testing::appliedNow(r));
  }
  CHECK(w.servingNew() == 200);
  Json stats = w.fake.stats();
  CHECK(stats.at("batch_calls") == 1);
  CHECK(stats.at("batch_records_max") == 200);
  CHECK(stats.at("throttled") == 0);
  // The zone look-up (which gives the plan), two listing pages of 100, the batch.
  CHECK(w.fake.requestCount() == 4);
  CHECK(w.requestsTo("/dns_records/batch") == 1);
  for (const Json& r : w.fake.requestLog()) {
    CHECK(r.at("method") != "PATCH");  // nothing one by one
  }
}

TEST_CASE("a batch is split by the Free plan's 200 records, a paid plan takes 3,500") {
  SUBCASE("free") {
    BatchWorld w(250);
    CloudflareProvider provider = w.provider();
    for (const auto& r : provider.replaceBatch(BatchWorld::moves(250))) {
      CHECK(planb::testing::appliedNow(r));
    }
    CHECK(w.fake.stats().at("batch_calls") == 2);
    CHECK(w.fake.stats().at("batch_records_max") == 200);
  }
  SUBCASE("pro") {
    BatchWorld w(250, {"--plan", "pro"});
    CloudflareProvider provider = w.provider();
    for (const auto& r : provider.replaceBatch(BatchWorld::moves(250))) {
      CHECK(planb::testing::appliedNow(r));
    }
    CHECK(w.fake.stats().at("batch_calls") == 1);
  }
  SUBCASE("a configured zone id reads the zone once for its plan") {
    BatchWorld w(250, {"--plan", "business"});
    w.config.settings.zone_id =
        w.fake.control("POST", "zones", {{"name", "example.com"}}).at("id").get<std::string>();
    CloudflareProvider provider = w.provider();
    for (const auto& r : provider.replaceBatch(BatchWorld::moves(250))) {
      CHECK(planb::testing::appliedNow(r));
    }
    CHECK(w.fake.stats().at("batch_calls") == 1);
    CHECK(w.requestsTo("/zones/" + *w.config.settings.zone_id) == 1);
  }
}

TEST_CASE("a record changed behind planb's back conflicts alone; the other 199 move") {
  BatchWorld w(200);
  Json changed = w.fake.records().at(17);
  w.fake.control("PATCH", "records/" + changed.at("id").get<std::string>(),
                 {{"content", "hand.edit.example.net"}});
  w.fake.clearLog();
  CloudflareProvider provider = w.provider();
  std::vector<ReplaceRequest> changes = BatchWorld::moves(200);
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  int conflicts = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (changes[i].record.name == changed.at("name").get<std::string>() + ".") {
      REQUIRE(std::holds_alternative<ProviderError>(results[i]));
      CHECK(std::get<ProviderError>(results[i]).kind == ErrorKind::Conflict);
      ++conflicts;
    } else {
      CHECK(planb::testing::appliedNow(results[i]));
    }
  }
  CHECK(conflicts == 1);
  CHECK(w.servingNew() == 199);
  CHECK(w.fake.stats().at("batch_calls") == 1);
}

TEST_CASE("a batch refused whole because one name was taken meanwhile is resent without it") {
  BatchWorld w(0);
  std::vector<ReplaceRequest> changes = BatchWorld::moves(5);
  for (ReplaceRequest& c : changes) {
    c.expected_target.reset();  // new names: POSTed
  }
  // Between the listing and the batch, another writer puts an A record at app3.
  w.fake.control("POST", "race",
                 {{"zone", "example.com"},
                  {"name", "app3.example.com"},
                  {"type", "A"},
                  {"content", "192.0.2.3"}});
  CloudflareProvider provider = w.provider();
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    if (i == 3) {
      REQUIRE(std::holds_alternative<ProviderError>(results[3]));
      CHECK(std::get<ProviderError>(results[3]).kind == ErrorKind::Conflict);
    } else {
      CHECK(planb::testing::appliedNow(results[i]));
    }
  }
  CHECK(w.servingNew() == 4);
  CHECK(w.fake.stats().at("batch_calls") == 2);  // refused whole (81053), then without app3
}

TEST_CASE("without the batch endpoint, changes go one by one, and the provider remembers") {
  BatchWorld w(3, {"--no-batch"});
  CloudflareProvider provider = w.provider();
  for (const auto& r : provider.replaceBatch(BatchWorld::moves(3))) {
    CHECK(planb::testing::appliedNow(r));
  }
  CHECK(provider.batchUnavailable());
  CHECK(w.servingNew() == 3);
  CHECK(w.requestsTo("/dns_records/batch") == 1);

  std::vector<ReplaceRequest> back = BatchWorld::moves(3);
  for (ReplaceRequest& c : back) {
    c.expected_target = "new.example.net.";
    c.new_target = "old.example.net.";
  }
  for (const auto& r : provider.replaceBatch(back)) {
    CHECK(planb::testing::appliedNow(r));
  }
  CHECK(w.requestsTo("/dns_records/batch") == 1);  // not asked again
  CHECK(w.servingNew() == 0);
}

TEST_CASE("one listing of the zone answers a batch of reads") {
  BatchWorld w(150);
  w.fake.addRecord("mail.example.com", "A", "192.0.2.25");
  w.fake.clearLog();
  CloudflareProvider provider = w.provider();
  std::vector<std::string> names{"app0.example.com.", "app149.example.com.", "mail.example.com.",
                                 "none.example.com."};
  std::vector<Result<ServedRecord>> read = provider.readBatch("example.com.", names);
  REQUIRE(read.size() == 4);
  CHECK(std::get<ServedRecord>(read[0]).target == "old.example.net.");
  CHECK(std::get<ServedRecord>(read[1]).kind == ServedRecord::Kind::Cname);
  CHECK(std::get<ServedRecord>(read[2]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(read[2]).conflict_type == "A");
  CHECK(std::get<ServedRecord>(read[3]).kind == ServedRecord::Kind::Absent);
  CHECK(w.fake.requestCount() == 3);  // the zone look-up and two pages of 100
}

TEST_CASE("the fake blocks a token for the window once it goes over its limit") {
  BatchWorld w(1, {"--rate-limit", "3"});
  CloudflareProvider provider = w.provider();
  RecordRef app0{"example.com.", "app0.example.com."};
  CHECK(std::holds_alternative<ServedRecord>(provider.read(app0)));  // zone look-up + listing
  CHECK(std::holds_alternative<ServedRecord>(provider.read(app0)));  // the third request
  Result<ServedRecord> over = provider.read(app0);
  REQUIRE(std::holds_alternative<ProviderError>(over));
  CHECK(std::get<ProviderError>(over).kind == ErrorKind::RateLimited);
  CHECK(std::get<ProviderError>(over).message.find("10100") != std::string::npos);
  REQUIRE(std::get<ProviderError>(over).retry_after.has_value());
  CHECK(*std::get<ProviderError>(over).retry_after > std::chrono::seconds(200));
  Json stats = w.fake.stats();
  CHECK(stats.at("throttled") == 1);
  CHECK(stats.at("max_in_window") == 3);
}

TEST_CASE("the provider's budget keeps it under the fake's limit: refused locally, never 429") {
  BatchWorld w(1, {"--rate-limit", "10"});
  CloudflareOptions options;
  options.budget_requests = 10;
  CloudflareProvider provider = w.provider(options);
  RecordRef app0{"example.com.", "app0.example.com."};
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    Result<ServedRecord> r = provider.read(app0);
    if (auto* e = std::get_if<ProviderError>(&r)) {
      CHECK(e->kind == ErrorKind::RateLimited);
      CHECK(e->message.find("not sent") != std::string::npos);
      ++refused;
    }
  }
  CHECK(refused > 0);
  Json stats = w.fake.stats();
  CHECK(stats.at("throttled") == 0);
  CHECK(stats.at("max_in_window") == 10);
}

TEST_CASE("a batch over the plan's limit is refused whole; the records still move one by one") {
  BatchWorld w(201);
  CloudflareOptions options;
  options.batch_limit = 201;  // one more than the Free plan takes
  CloudflareProvider provider = w.provider(options);
  for (const auto& r : provider.replaceBatch(BatchWorld::moves(201))) {
    CHECK(planb::testing::appliedNow(r));
  }
  CHECK(w.servingNew() == 201);
  CHECK(w.fake.stats().at("batch_calls") == 2);  // refused twice, nothing applied either time
  bool refused_as_documented = false;
  for (const Json& r : w.fake.requestLog()) {
    refused_as_documented = refused_as_documented ||
                            (r.at("path").get<std::string>().find("/batch") != std::string::npos &&
                             r.at("status") == 400);
  }
  CHECK(refused_as_documented);
  CHECK(!provider.batchUnavailable());
}
