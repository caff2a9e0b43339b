#pragma once
// Time as the core sees it, injected so state machines are tested without sleeping.

#include <chrono>

namespace planb::core {

// Monotonic instants drive every rule (hold-down, failback_after, flip budget), so a wall-clock
// jump cannot trigger or hold back a change.
using Instant = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
  virtual WallTime wallNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

}  // namespace planb::core
