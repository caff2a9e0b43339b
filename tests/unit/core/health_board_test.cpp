#include "core/health_board.hpp"

#include <doctest/doctest.h>

using namespace planb::core;
using namespace std::chrono_literals;

namespace {

const ProbeResult kOk = ProbeResult::success(100us);
const ProbeResult kFail = ProbeResult::failed(ProbeFailure::Refused, "refused");

// Vendor "va" with target a (probes a/r1, a/r2 in two regions), vendor "vb" with target b.
HealthBoard makeBoard() {
  Thresholds t{.rise = 1, .fall = 2};
  return HealthBoard(
      {{"a", "va", {HealthyWhen::Kind::All, 0}}, {"b", "vb", {HealthyWhen::Kind::All, 0}}},
      {{"a", "r1", "r1", t, "a/r1"}, {"a", "r2", "r2", t, "a/r2"}, {"b", "r1", "r1", t, "b/r1"}});
}

}  // namespace

TEST_CASE("a target's verdict follows its probes and records since when") {
  HealthBoard board = makeBoard();
  Instant t0 = Instant{} + 1h;
  board.record(0, kOk, t0);
  CHECK(board.targetHealth("a") == Health::Unknown);
  BoardUpdate u = board.record(1, kOk, t0 + 1s);
  CHECK(u.target_changed);
  CHECK(u.target_health == Health::Healthy);
  CHECK(board.targetStates().at("a").healthy_since == t0 + 1s);
}

TEST_CASE("a vendor is down only when a majority of its regions are down") {
  HealthBoard board = makeBoard();
  Instant t0 = Instant{} + 1h;
  board.record(0, kOk, t0);
  board.record(1, kOk, t0);
  REQUIRE(board.vendorHealth("va") == Health::Healthy);
  board.record(0, kFail, t0);
  board.record(0, kFail, t0);
  CHECK(board.targetHealth("a") == Health::Unhealthy);
  CHECK(board.vendorHealth("va") == Health::Healthy);  // one of two regions is not a majority
  board.record(1, kFail, t0);
  BoardUpdate u = board.record(1, kFail, t0 + 1s);
  CHECK(u.vendor_changed);
  CHECK(board.vendorHealth("va") == Health::Unhealthy);
}

TEST_CASE("a reload keeps the hysteresis and the since of probes that did not change") {
  HealthBoard old_board = makeBoard();
  Instant t0 = Instant{} + 1h;
  old_board.record(0, kOk, t0);
  old_board.record(1, kOk, t0);
  old_board.record(2, kOk, t0);
  HealthBoard next = makeBoard();
  next.adopt(old_board, t0 + 10s);
  CHECK(next.targetHealth("a") == Health::Healthy);
  CHECK(next.targetStates().at("a").healthy_since == t0);
}

TEST_CASE("a reload starts a changed probe from unknown") {
  HealthBoard old_board = makeBoard();
  Instant t0 = Instant{} + 1h;
  for (std::size_t i = 0; i < 3; ++i) {
    old_board.record(i, kOk, t0);
  }
  Thresholds t{.rise = 1, .fall = 2};
  HealthBoard next(
      {{"a", "va", {HealthyWhen::Kind::All, 0}}, {"b", "vb", {HealthyWhen::Kind::All, 0}}},
      {{"a", "r1", "r1", t, "a/r1"},
       {"a", "r2", "r2", t, "a/r2 with a new url"},
       {"b", "r1", "r1", t, "b/r1"}});
  next.adopt(old_board, t0 + 10s);
  CHECK(next.probeHealth(1) == Health::Unknown);
  CHECK(next.targetHealth("a") == Health::Unknown);
  CHECK(next.targetHealth("b") == Health::Healthy);
}
