#pragma once
// A provider's request ceiling (product.md §3): a token bucket every request it sends draws one
// token from, on an injected clock. Tokens come back at `per_second` (fractions allowed) up to
// `burst`. When the bucket is empty a request waits for its token on the caller's thread (the
// provider's own worker, so the event loop and the other providers never wait), at most
// `max_wait`: a longer wait is not taken, and the request is refused locally instead. Waiting is
// injected so tests never sleep. Thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "core/clock.hpp"

namespace planb::providers {

// A bucket's shape: the sustained rate and how many requests may go at once.
struct CeilingRate {
  double per_second = 1;
  double burst = 1;

  // At most `rate` requests within any one second (a burst of one): the shape of a
  // `max_requests_per_second` key, and of a vendor's per-second limit.
  static CeilingRate perSecond(double rate);
};

class RequestCeiling {
 public:
  using Wait = std::function<void(std::chrono::milliseconds)>;

  // Starts full. Throws std::invalid_argument for a rate or burst that is not positive (burst
  // below one is raised to one: a request is one token), a negative max_wait or no clock. Without
  // `wait`, waiting is std::this_thread::sleep_for.
  RequestCeiling(CeilingRate rate, std::chrono::milliseconds max_wait,
                 std::shared_ptr<const core::Clock> clock, Wait wait = {});

  // Takes one token, waiting first when none is left: nullopt. When the token would come only
  // after more than max_wait, nothing is taken and the result says how long it would take.
  std::optional<std::chrono::milliseconds> acquire();

  CeilingRate rate() const noexcept { return rate_; }
  std::chrono::milliseconds maxWait() const noexcept { return max_wait_; }
  // Tokens left now (negative while requests wait for theirs); for tests and status.
  double available() const;

 private:
  void refill(core::Instant now) const;

  const CeilingRate rate_;
  const std::chrono::milliseconds max_wait_;
  std::shared_ptr<const core::Clock> clock_;
  Wait wait_;
  mutable std::mutex mutex_;
  mutable double tokens_;
  mutable core::Instant refilled_at_;
};

// The ceiling a provider gets when it is given none: `rate` on the system clock, waiting at most
// `max_wait` (the provider's own request timeout).
std::shared_ptr<RequestCeiling> systemCeiling(CeilingRate rate, std::chrono::milliseconds max_wait);

}  // namespace planb::providers
