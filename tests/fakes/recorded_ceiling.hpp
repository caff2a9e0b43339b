#pragma once
// A provider's request ceiling as tests drive it: on a manual clock, its waits recorded (and the
// clock moved on by as much) instead of slept.

#include <chrono>
#include <memory>
#include <vector>

#include "fakes/manual_clock.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::testing {

struct RecordedCeiling {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::vector<std::chrono::milliseconds> waits;

  std::shared_ptr<providers::RequestCeiling> make(
      providers::CeilingRate rate, std::chrono::milliseconds max_wait = std::chrono::seconds(10)) {
    return std::make_shared<providers::RequestCeiling>(rate, max_wait, clock,
                                                       [this](std::chrono::milliseconds d) {
                                                         waits.push_back(d);
                                                         clock->advance(d);
                                                       });
  }
};

// Counts the requests a provider sends: every one draws a token from a bucket that starts with a
// burst larger than any test sends, on a clock that never moves.
struct CountedCeiling {
  static constexpr double kBurst = 100000;
  RecordedCeiling recorded;
  std::shared_ptr<providers::RequestCeiling> bucket = recorded.make({1, kBurst});
  int requests() const { return static_cast<int>(kBurst - bucket->available() + 0.5); }
};

}  // namespace planb::testing
