#pragma once
// The exactly-once guard of a probe attempt.

#include <utility>

#include "probes/probe.hpp"

namespace planb::probes {

// Holds an attempt's `done` and hands it out once. Every path that may end an attempt —
// completion, deadline, cancel, I/O error — must take() the callback before reporting, and the
// loser of any race finds it empty. This makes the dnsdist anti-pattern (one probe reported on
// an error path and then again) impossible by construction rather than by careful returns.
class SingleResult {
 public:
  explicit SingleResult(ResultCallback done) : done_(std::move(done)) {}

  bool pending() const noexcept { return static_cast<bool>(done_); }

  // The callback the first time, an empty function afterwards.
  ResultCallback take() noexcept {
    ResultCallback out = std::move(done_);
    done_ = nullptr;
    return out;
  }

 private:
  ResultCallback done_;
};

}  // namespace planb::probes
