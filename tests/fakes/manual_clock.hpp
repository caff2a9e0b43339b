#pragma once
// A clock tests move by hand.

#include "core/clock.hpp"

namespace planb::testing {

class ManualClock final : public core::Clock {
 public:
  core::Instant now() const override { return now_; }
  core::WallTime wallNow() const override { return wall_; }
  void advance(std::chrono::milliseconds d) {
    now_ += d;
    wall_ += d;
  }
  void jumpWall(std::chrono::milliseconds d) { wall_ += d; }

 private:
  core::Instant now_ = core::Instant{} + std::chrono::hours(24);
  core::WallTime wall_ = core::WallTime{} + std::chrono::hours(24 * 365 * 56);
};

}  // namespace planb::testing
