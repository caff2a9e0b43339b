#include <doctest/doctest.h>

#include "core/health.hpp"

using namespace planb::core;

namespace {
const ProbeResult kProbeOk = ProbeResult::success(std::chrono::microseconds(100));
const ProbeResult kProbeTimedOut = ProbeResult::failed(ProbeFailure::Timeout, "timed out");
}  // namespace

TEST_CASE("an endpoint is unknown until rise successes or fall failures") {
  HealthTracker t({.rise = 2, .fall = 3});
  CHECK(t.health() == Health::Unknown);
  CHECK(t.record(kProbeOk) == Transition::Pending);
  CHECK(t.health() == Health::Unknown);
  CHECK(t.record(kProbeOk) == Transition::Changed);
  CHECK(t.health() == Health::Healthy);
}

TEST_CASE("goes unhealthy after fall consecutive failures, not before") {
  HealthTracker t({.rise = 1, .fall = 3});
  t.record(kProbeOk);
  REQUIRE(t.health() == Health::Healthy);
  CHECK(t.record(kProbeTimedOut) == Transition::Pending);
  CHECK(t.record(kProbeTimedOut) == Transition::Pending);
  CHECK(t.health() == Health::Healthy);
  CHECK(t.record(kProbeTimedOut) == Transition::Changed);
  CHECK(t.health() == Health::Unhealthy);
  CHECK(t.record(kProbeTimedOut) == Transition::Unchanged);
}

TEST_CASE("a success between failures resets the count, so a flapping endpoint never falls") {
  HealthTracker t({.rise = 2, .fall = 3});
  t.record(kProbeOk);
  t.record(kProbeOk);
  for (int i = 0; i < 50; ++i) {
    t.record(i % 3 == 2 ? kProbeOk : kProbeTimedOut);
    CHECK(t.health() == Health::Healthy);
  }
}

TEST_CASE("recovers after rise consecutive successes") {
  HealthTracker t({.rise = 2, .fall = 1});
  t.record(kProbeTimedOut);
  REQUIRE(t.health() == Health::Unhealthy);
  CHECK(t.record(kProbeOk) == Transition::Pending);
  CHECK(t.record(kProbeTimedOut) == Transition::Unchanged);
  CHECK(t.record(kProbeOk) == Transition::Pending);
  CHECK(t.record(kProbeOk) == Transition::Changed);
  CHECK(t.health() == Health::Healthy);
}

TEST_CASE("thresholds of zero behave as one") {
  HealthTracker t({.rise = 0, .fall = 0});
  CHECK(t.record(kProbeTimedOut) == Transition::Changed);
  CHECK(t.health() == Health::Unhealthy);
}
