// Rfc2136Provider draws a token of its ceiling before every exchange with the server. The server
// is a closed loopback port: a sent query fails at once (connection refused over TCP), one the
// ceiling holds back never gets that far.

#include <doctest/doctest.h>

#include <chrono>
#include <variant>

#include "fakes/recorded_ceiling.hpp"
#include "providers/rfc2136_provider.hpp"

using namespace planb::providers;
using namespace std::chrono_literals;

namespace {

const planb::net::HostPort kClosedPort{"127.0.0.1", 1};

TsigKey anyKey() {
  TsigKey key;
  key.name = "planb.";
  key.secret = planb::net::Secret("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
  return key;
}

ReplaceRequest swapWww() {
  ReplaceRequest request;
  request.record = {"example.test.", "www.example.test."};
  request.new_target = "backup.example.net.";
  request.ttl = 60;
  request.expected_target = "primary.example.net.";
  return request;
}

}  // namespace

TEST_CASE("an rfc2136 query beyond the ceiling's burst waits for its token, then is sent") {
  planb::testing::RecordedCeiling ceiling;
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, ceiling.make({1, 1}));
  for (int i = 0; i < 2; ++i) {
    auto read = provider.read({"example.test.", "www.example.test."});
    REQUIRE(std::holds_alternative<ProviderError>(read));
    CHECK(std::get<ProviderError>(read).kind != ErrorKind::RateLimited);  // sent, and refused
  }
  CHECK(ceiling.waits == std::vector{1000ms});
}

TEST_CASE("an rfc2136 UPDATE whose token is further away than the bound is not sent") {
  planb::testing::RecordedCeiling ceiling;
  auto spent = ceiling.make({0.5, 1}, 0ms);
  REQUIRE_FALSE(spent->acquire());
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, spent);
  auto written = provider.replace(swapWww());
  REQUIRE(std::holds_alternative<ProviderError>(written));
  const ProviderError& e = std::get<ProviderError>(written);
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.retry_after == std::optional(2000ms));
  CHECK(e.message.find("the UPDATE of www.example.test.") != std::string::npos);
}

TEST_CASE("rfc2136's default ceiling is planb's generous 100 per second") {
  CHECK(kRfc2136Ceiling.per_second == 100);
}

TEST_CASE("an rfc2136 batch draws one token for its one UPDATE, however many records it holds") {
  planb::testing::RecordedCeiling ceiling;
  auto bucket = ceiling.make({1, 10});
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, bucket);
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < 5; ++i) {
    ReplaceRequest change = swapWww();
    change.record.name = "r" + std::to_string(i) + ".example.test.";
    changes.push_back(change);
  }
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  REQUIRE(results.size() == 5);
  for (const Result<Written>& result : results) {
    REQUIRE(std::holds_alternative<ProviderError>(result));
    CHECK(std::get<ProviderError>(result).kind == ErrorKind::Transient);  // sent, no server
  }
  CHECK(bucket->available() == doctest::Approx(9));
}

TEST_CASE("each rfc2136 rehearsal exchange draws one token: TXT query, write, delete, NS query") {
  planb::testing::RecordedCeiling ceiling;
  auto bucket = ceiling.make({1, 10});
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, bucket);
  const RecordRef rehearsal{"example.test.", "_planb-rehearsal.example.test."};
  auto sentAndFailed = [](const auto& result) {
    REQUIRE(std::holds_alternative<ProviderError>(result));
    CHECK(std::get<ProviderError>(result).kind == ErrorKind::Transient);  // sent, no server
  };
  sentAndFailed(provider.readTxt(rehearsal));
  CHECK(bucket->available() == doctest::Approx(9));
  sentAndFailed(provider.writeTxt(TxtWrite{rehearsal, "token", 60}));
  CHECK(bucket->available() == doctest::Approx(8));
  sentAndFailed(provider.deleteTxt(rehearsal));
  CHECK(bucket->available() == doctest::Approx(7));
  sentAndFailed(provider.nameServers("example.test."));
  CHECK(bucket->available() == doctest::Approx(6));
}

TEST_CASE("an rfc2136 TXT value over 255 bytes is refused before a token is drawn") {
  planb::testing::RecordedCeiling ceiling;
  auto bucket = ceiling.make({1, 10});
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, bucket);
  auto written = provider.writeTxt(
      TxtWrite{{"example.test.", "_planb-rehearsal.example.test."}, std::string(256, 't'), 60});
  REQUIRE(std::holds_alternative<ProviderError>(written));
  CHECK(std::get<ProviderError>(written).kind == ErrorKind::Permanent);
  CHECK(bucket->available() == doctest::Approx(10));
}

TEST_CASE("a rehearsal write whose token is further away than the bound is not sent") {
  planb::testing::RecordedCeiling ceiling;
  auto spent = ceiling.make({0.5, 1}, 0ms);
  REQUIRE_FALSE(spent->acquire());
  Rfc2136Provider provider("bind", kClosedPort, anyKey(), 500ms, spent);
  auto written =
      provider.writeTxt(TxtWrite{{"example.test.", "_planb-rehearsal.example.test."}, "t", 60});
  REQUIRE(std::holds_alternative<ProviderError>(written));
  CHECK(std::get<ProviderError>(written).kind == ErrorKind::RateLimited);
  CHECK(std::get<ProviderError>(written).message.find(
            "the UPDATE of _planb-rehearsal.example.test.") != std::string::npos);
}
