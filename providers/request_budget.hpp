#pragma once
// A provider's own request budget (ops-conventions §3.8): a sliding window of at most `capacity`
// requests per `window`, on an injected clock. Cloudflare blocks a token for five minutes once it
// goes over its limit, which could lock planbd out in the middle of a failover, so planbd stops
// itself just before the limit instead of finding it. Thread-safe.

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "core/clock.hpp"

namespace planb::providers {

class RequestBudget {
 public:
  RequestBudget(std::size_t capacity, std::chrono::milliseconds window,
                std::shared_ptr<const core::Clock> clock);

  // Takes a slot for one request about to be sent: nullopt. When none is free, nothing is taken
  // and the result says how long until one frees (at least 1 ms).
  std::optional<std::chrono::milliseconds> tryAcquire();

  // The server said to stop (HTTP 429 with retry-after): no slot is handed out for `duration`,
  // since every request sent meanwhile would only be refused (and count) as well.
  void holdOff(std::chrono::milliseconds duration);

  // Slots taken within the current window.
  std::size_t used() const;
  std::size_t capacity() const noexcept { return capacity_; }
  std::chrono::milliseconds window() const noexcept { return window_; }

 private:
  void forgetExpired(core::Instant now) const;

  const std::size_t capacity_;
  const std::chrono::milliseconds window_;
  std::shared_ptr<const core::Clock> clock_;
  mutable std::mutex mutex_;
  mutable std::deque<core::Instant> sent_;  // send times within the window, oldest first
  core::Instant hold_until_{};
};

}  // namespace planb::providers
