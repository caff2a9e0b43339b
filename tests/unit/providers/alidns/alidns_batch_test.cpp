// AlidnsProvider's batches through a thread-safe scripted transport: one DescribeDomainRecords
// listing for every compare, writes in parallel on every lane and never more at once, each
// drawing from the one ceiling, and compare-and-swap per record.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "fakes/batch_changes.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::TempDir;
using Json = nlohmann::json;

namespace {

// "Name=value" of a form body (values here need no decoding).
std::string formValue(const std::string& body, const std::string& name) {
  std::string key = name + "=";
  for (std::size_t at = 0; at < body.size();) {
    std::size_t end = body.find('&', at);
    if (end == std::string::npos) {
      end = body.size();
    }
    if (body.compare(at, key.size(), key) == 0) {
      return body.substr(at + key.size(), end - at - key.size());
    }
    at = end + 1;
  }
  return {};
}

// Serves one domain of CNAMEs app<i> -> old.example.net (ids 100 + i). Every write waits until
// `gate` writes are in flight at once (or 10 s pass), so a test sees how many run in parallel.
class GatedAlidns final : public HttpTransport {
 public:
  GatedAlidns(int records, std::size_t gate) : gate_(gate) {
    for (int i = 0; i < records; ++i) {
      values_["app" + std::to_string(i)] = "old.example.net";
    }
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::string action = formValue(request.body, "Action");
    std::unique_lock lock(mutex_);
    actions_.push_back(action);
    if (action == "DescribeDomainRecords") {
      Json records = Json::array();
      int id = 100;
      for (const auto& [rr, value] : values_) {
        records.push_back({{"RecordId", std::to_string(id++)},
                           {"RR", rr},
                           {"Type", "CNAME"},
                           {"Value", value},
                           {"TTL", 600},
                           {"Line", "default"},
                           {"Status", "ENABLE"}});
      }
      return HttpResponse{200,
                          {},
                          Json{{"RequestId", "R"},
                               {"TotalCount", records.size()},
                               {"DomainRecords", {{"Record", records}}}}
                              .dump()};
    }
    if (action == "DescribeDomainInfo") {  // a free-edition zone: its minimum TTL is 600
      return HttpResponse{200, {}, Json{{"RequestId", "I"}, {"MinTtl", 600}}.dump()};
    }
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return open_ || in_flight_ >= gate_; });
    open_ = true;  // the gate was reached (or timed out): the rest go as they come
    changed_.notify_all();
    --in_flight_;
    values_[formValue(request.body, "RR")] = formValue(request.body, "Value");
    return HttpResponse{200, {}, Json{{"RequestId", "W"}, {"RecordId", "1"}}.dump()};
  }

  std::size_t maxInFlight() {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }
  std::vector<std::string> actions() {
    std::lock_guard lock(mutex_);
    return actions_;
  }
  std::string value(const std::string& rr) {
    std::lock_guard lock(mutex_);
    return values_[rr];
  }

 private:
  const std::size_t gate_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t in_flight_ = 0;
  std::size_t max_in_flight_ = 0;
  bool open_ = false;
  std::map<std::string, std::string> values_;
  std::vector<std::string> actions_;
};

struct AliBatchFixture {
  TempDir dir;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<RequestCeiling> ceiling =
      std::make_shared<RequestCeiling>(CeilingRate{1000, 1000}, std::chrono::seconds(1), clock);
  AlidnsConfig config;

  AliBatchFixture() {
    config.name = "ali";
    config.settings.access_key_id_file = secret("ak.id", "LTAI5tBATCHkeyid");
    config.settings.access_key_secret_file = secret("ak.secret", "batch-secret-value");
    config.endpoint = "https://alidns.test/";
  }

  std::string secret(const std::string& file, const std::string& value) {
    std::string path = dir.path() + "/" + file;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  // `lanes` requests at once: the transport and lanes - 1 more, all the same gated server.
  AlidnsProvider make(const std::shared_ptr<GatedAlidns>& server, std::size_t lanes) {
    AlidnsOptions options;
    options.ceiling = ceiling;
    for (std::size_t l = 1; l < lanes; ++l) {
      options.batch_transports.push_back(server);
    }
    return AlidnsProvider(config, server, clock, randomUuid, options);
  }
};

std::vector<ReplaceRequest> aliMoves(int n) {
  return planb::testing::appMoves(n, 600);
}

}  // namespace

TEST_CASE("a batch lists the domain once, then writes on every lane at once and never more") {
  AliBatchFixture f;
  auto server = std::make_shared<GatedAlidns>(12, kAlidnsBatchLanes);
  AlidnsProvider provider = f.make(server, kAlidnsBatchLanes);
  std::vector<Result<Written>> results = provider.replaceBatch(aliMoves(12));
  for (const auto& r : results) {
    CHECK(std::holds_alternative<Written>(r));
  }
  CHECK(server->maxInFlight() == kAlidnsBatchLanes);
  std::vector<std::string> actions = server->actions();
  REQUIRE(actions.size() == 14);
  CHECK(actions[0] == "DescribeDomainRecords");
  CHECK(actions[1] == "DescribeDomainInfo");  // the zone's minimum TTL, once
  CHECK(std::count(actions.begin(), actions.end(), "UpdateDomainRecord") == 12);
  CHECK(server->value("app11") == "new.example.net");
  CHECK(f.ceiling->available() == doctest::Approx(1000 - 14));  // every request drew a token
}

TEST_CASE("without more transports a batch writes one request at a time") {
  AliBatchFixture f;
  auto server = std::make_shared<GatedAlidns>(3, 1);
  AlidnsProvider provider = f.make(server, 1);
  for (const auto& r : provider.replaceBatch(aliMoves(3))) {
    CHECK(std::holds_alternative<Written>(r));
  }
  CHECK(server->maxInFlight() == 1);
}

TEST_CASE("compare-and-swap is per record in an Alibaba DNS batch") {
  AliBatchFixture f;
  auto server = std::make_shared<GatedAlidns>(4, 1);
  AlidnsProvider provider = f.make(server, 2);
  std::vector<ReplaceRequest> changes = aliMoves(4);
  changes[1].expected_target = "elsewhere.example.net.";  // the served value is not the expected
  changes[2].new_target = "old.example.net.";             // already served
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  CHECK(std::holds_alternative<Written>(results[0]));
  REQUIRE(std::holds_alternative<ProviderError>(results[1]));
  CHECK(std::get<ProviderError>(results[1]).kind == ErrorKind::Conflict);
  CHECK(std::holds_alternative<Written>(results[2]));
  CHECK(std::holds_alternative<Written>(results[3]));
  std::vector<std::string> actions = server->actions();
  CHECK(std::count(actions.begin(), actions.end(), "UpdateDomainRecord") == 2);
  CHECK(server->value("app1") == "old.example.net");
}

TEST_CASE("a batch of reads is answered from one DescribeDomainRecords listing") {
  AliBatchFixture f;
  auto server = std::make_shared<GatedAlidns>(3, 1);
  AlidnsProvider provider = f.make(server, 1);
  std::vector<Result<ServedRecord>> read = provider.readBatch(
      "example.com.",
      {"app0.example.com.", "app2.example.com.", "none.example.com.", "elsewhere.example.org."});
  CHECK(std::get<ServedRecord>(read[0]).target == "old.example.net.");
  CHECK(std::get<ServedRecord>(read[1]).kind == ServedRecord::Kind::Cname);
  CHECK(std::get<ServedRecord>(read[2]).kind == ServedRecord::Kind::Absent);
  CHECK(std::get<ProviderError>(read[3]).kind == ErrorKind::Permanent);
  CHECK(server->actions() == std::vector<std::string>{"DescribeDomainRecords"});
}
