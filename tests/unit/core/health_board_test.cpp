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

TEST_CASE("a vendor's verdict spans all its targets, and each probe knows its vendor") {
  Thresholds t{.rise = 1, .fall = 1};
  // Vendor "va" behind targets a (region r1) and c (region r2); "vb" behind b; the last probe
  // names no known target.
  HealthBoard board({{"a", "va", {HealthyWhen::Kind::All, 0}},
                     {"b", "vb", {HealthyWhen::Kind::All, 0}},
                     {"c", "va", {HealthyWhen::Kind::Any, 0}}},
                    {{"c", "c1", "r2", t, "c/c1"},
                     {"a", "a1", "r1", t, "a/a1"},
                     {"b", "b1", "r1", t, "b/b1"},
                     {"c", "c2", "r2", t, "c/c2"},
                     {"gone", "g1", "r1", t, "gone/g1"}});
  CHECK(board.probeVendor(0) == "va");
  CHECK(board.probeVendor(1) == "va");
  CHECK(board.probeVendor(2) == "vb");
  CHECK(board.probeVendor(4).empty());
  Instant t0 = Instant{} + 1h;

  // a down: region r1 of va is down, r2 still unknown: the vendor cannot be decided yet.
  board.record(1, kFail, t0);
  CHECK(board.targetHealth("a") == Health::Unhealthy);
  CHECK(board.vendorHealth("va") == Health::Unknown);
  CHECK(board.targetHealth("b") == Health::Unknown);

  // c's first probe fails, its second is unknown: region r2 undecided, target c (any) too.
  board.record(0, kFail, t0);
  CHECK(board.targetHealth("c") == Health::Unknown);
  CHECK(board.vendorHealth("va") == Health::Unknown);

  // Both regions down: va is down, and b's vendor is untouched.
  BoardUpdate u = board.record(3, kFail, t0 + 1s);
  CHECK(u.target_changed);
  CHECK(u.target_health == Health::Unhealthy);
  CHECK(u.vendor_changed);
  CHECK(u.vendor_health == Health::Unhealthy);
  CHECK(board.vendorHealth("va") == Health::Unhealthy);
  CHECK(board.vendorHealth("vb") == Health::Unknown);
  CHECK(board.targetStates().at("c").vendor_up_since == t0 + 1s);

  // A result for a probe of no known target changes only that probe.
  BoardUpdate g = board.record(4, kOk, t0 + 2s);
  CHECK(g.probe == Transition::Changed);
  CHECK_FALSE(g.target_changed);
  CHECK_FALSE(g.vendor_changed);
  CHECK(board.targetStates().size() == 3);

  // One region back is enough for a two-region vendor to be up.
  BoardUpdate back = board.record(3, kOk, t0 + 3s);
  CHECK(back.target_health == Health::Healthy);  // c is "any"
  CHECK(board.vendorHealth("va") == Health::Healthy);
}

TEST_CASE("a reload that adds a vendor and drops a target keeps what is unchanged") {
  HealthBoard old_board = makeBoard();
  Instant t0 = Instant{} + 1h;
  for (std::size_t i = 0; i < 3; ++i) {
    old_board.record(i, kOk, t0);
  }
  Thresholds t{.rise = 1, .fall = 2};
  // Target a is gone; b stays; c behind a new vendor vc is new.
  HealthBoard next(
      {{"c", "vc", {HealthyWhen::Kind::All, 0}}, {"b", "vb", {HealthyWhen::Kind::All, 0}}},
      {{"c", "r1", "r1", t, "c/r1"}, {"b", "r1", "r1", t, "b/r1"}});
  next.adopt(old_board, t0 + 10s);
  CHECK(next.targetHealth("a") == Health::Unknown);
  CHECK(next.targetHealth("b") == Health::Healthy);
  CHECK(next.targetStates().at("b").healthy_since == t0);
  CHECK(next.vendorHealth("vb") == Health::Healthy);
  CHECK(next.targetHealth("c") == Health::Unknown);
  CHECK(next.vendorHealth("vc") == Health::Unknown);
  CHECK(next.targetStates().at("c").healthy_since == t0 + 10s);
  BoardUpdate u = next.record(0, kOk, t0 + 11s);
  CHECK(u.target_changed);
  CHECK(next.vendorHealth("vc") == Health::Healthy);
  CHECK(next.probeVendor(0) == "vc");
}
