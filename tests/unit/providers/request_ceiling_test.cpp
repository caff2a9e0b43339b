// RequestCeiling: a token bucket on a manual clock, with waiting recorded instead of slept; and
// CeilingTransport, which puts it in front of an API provider's requests.

#include "providers/request_ceiling.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "providers/ceiling_transport.hpp"

using planb::providers::CeilingRate;
using planb::providers::CeilingTransport;
using planb::providers::RequestCeiling;
using planb::testing::CannedTransport;
using planb::testing::ManualClock;
using planb::testing::RecordedCeiling;
using namespace std::chrono_literals;

TEST_CASE("a full bucket lets its burst go at once, then one request per token") {
  RecordedCeiling w;
  auto ceiling = w.make({5, 5});
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(ceiling->acquire());
  }
  CHECK(w.waits.empty());
  CHECK_FALSE(ceiling->acquire());  // the sixth waits for the next token: a fifth of a second
  CHECK(w.waits == std::vector{200ms});
}

TEST_CASE("tokens come back at the rate and never beyond the burst") {
  RecordedCeiling w;
  auto ceiling = w.make({5, 5});
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(ceiling->acquire());
  }
  w.clock->advance(400ms);
  CHECK(ceiling->available() == doctest::Approx(2));
  w.clock->advance(1h);
  CHECK(ceiling->available() == doctest::Approx(5));
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(ceiling->acquire());
  }
  CHECK(w.waits.empty());
}

TEST_CASE("a fractional rate of 0.5 lets one request go every two seconds") {
  RecordedCeiling w;
  auto ceiling = w.make(CeilingRate::perSecond(0.5));
  CHECK(ceiling->rate().burst == 1);
  CHECK_FALSE(ceiling->acquire());
  CHECK_FALSE(ceiling->acquire());
  CHECK_FALSE(ceiling->acquire());
  CHECK(w.waits == std::vector{2000ms, 2000ms});
}

TEST_CASE("a key's rate never lets more than that many go within one second") {
  CHECK(CeilingRate::perSecond(5).burst == 1);
  CHECK(CeilingRate::perSecond(0.25).burst == 1);
  CHECK(CeilingRate::perSecond(0.25).per_second == 0.25);
}

TEST_CASE("requests waiting together queue one behind the other") {
  RecordedCeiling w;
  // A waiter that does not move the clock: several requests arrive within the same instant.
  std::vector<std::chrono::milliseconds> waits;
  RequestCeiling ceiling({2, 1}, 10s, w.clock,
                         [&](std::chrono::milliseconds d) { waits.push_back(d); });
  CHECK_FALSE(ceiling.acquire());
  CHECK_FALSE(ceiling.acquire());
  CHECK_FALSE(ceiling.acquire());
  CHECK(waits == std::vector{500ms, 1000ms});
}

TEST_CASE("a wait longer than the bound takes no token and says how long it would be") {
  RecordedCeiling w;
  auto ceiling = w.make({0.1, 1}, 3s);
  CHECK_FALSE(ceiling->acquire());
  CHECK(ceiling->acquire() == std::optional(10'000ms));
  CHECK(ceiling->acquire() == std::optional(10'000ms));  // the refusal took nothing
  w.clock->advance(7s);
  CHECK_FALSE(ceiling->acquire());  // 3 s left, within the bound: waited for
  CHECK(w.waits == std::vector{3000ms});
}

TEST_CASE("a ceiling refuses a rate that is not positive and a missing clock") {
  auto clock = std::make_shared<ManualClock>();
  CHECK_THROWS_AS(RequestCeiling({0, 1}, 1s, clock), std::invalid_argument);
  CHECK_THROWS_AS(RequestCeiling({-1, 1}, 1s, clock), std::invalid_argument);
  CHECK_THROWS_AS(RequestCeiling({1, 1}, 1s, nullptr), std::invalid_argument);
}

TEST_CASE("the transport behind a ceiling sends only with a token, else refuses locally") {
  RecordedCeiling w;
  auto ceiling = w.make({1, 2}, 0ms);
  auto inner = std::make_shared<CannedTransport>();
  inner->reply(200).reply(200).reply(200);
  CeilingTransport transport(inner, ceiling);
  planb::net::HttpRequest request;
  request.method = "GET";
  request.url = "https://api.example/x";
  CHECK(std::holds_alternative<planb::net::HttpResponse>(transport.send(request)));
  CHECK(std::holds_alternative<planb::net::HttpResponse>(transport.send(request)));
  auto refused = transport.send(request);
  REQUIRE(std::holds_alternative<planb::net::Error>(refused));
  const auto& e = std::get<planb::net::Error>(refused);
  CHECK(e.kind == planb::net::ErrorKind::RateLimited);
  CHECK(e.retry_after == std::optional(1000ms));
  CHECK(e.message.find("request ceiling of 1 per second") != std::string::npos);
  CHECK(inner->requests.size() == 2);
}
