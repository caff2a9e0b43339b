#include "providers/request_ceiling.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace planb::providers {

CeilingRate CeilingRate::perSecond(double rate) {
  // A larger burst would let more than `rate` go within the second after a quiet spell.
  return CeilingRate{rate, 1};
}

RequestCeiling::RequestCeiling(CeilingRate rate, std::chrono::milliseconds max_wait,
                               std::shared_ptr<const core::Clock> clock, Wait wait)
    : rate_{rate.per_second, std::max(1.0, rate.burst)},
      max_wait_(max_wait),
      clock_(std::move(clock)),
      wait_(std::move(wait)),
      tokens_(rate_.burst) {
  if (!(rate.per_second > 0) || !std::isfinite(rate.per_second) || !(rate.burst > 0) ||
      !std::isfinite(rate.burst) || max_wait_ < std::chrono::milliseconds(0) || !clock_) {
    throw std::invalid_argument(
        "a request ceiling needs a positive rate and burst, a wait bound and a clock");
  }
  if (!wait_) {
    wait_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  refilled_at_ = clock_->now();
}

void RequestCeiling::refill(core::Instant now) const {
  if (now <= refilled_at_) {
    return;
  }
  std::chrono::duration<double> elapsed = now - refilled_at_;
  tokens_ = std::min(rate_.burst, tokens_ + elapsed.count() * rate_.per_second);
  refilled_at_ = now;
}

std::optional<std::chrono::milliseconds> RequestCeiling::acquire() {
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard lock(mutex_);
    refill(clock_->now());
    if (tokens_ < 1) {
      // Until the bucket is back at one token; requests already waiting hold theirs (the count
      // is negative), so each waiter queues behind the ones before it.
      wait = std::chrono::milliseconds(
          static_cast<long long>(std::ceil((1 - tokens_) / rate_.per_second * 1000)));
      if (wait > max_wait_) {
        return wait;
      }
    }
    tokens_ -= 1;  // taken now, even if it is waited for: nobody else can take it meanwhile
  }
  if (wait > std::chrono::milliseconds(0)) {
    wait_(wait);
  }
  return std::nullopt;
}

double RequestCeiling::available() const {
  std::lock_guard lock(mutex_);
  refill(clock_->now());
  return tokens_;
}

std::shared_ptr<RequestCeiling> systemCeiling(CeilingRate rate,
                                              std::chrono::milliseconds max_wait) {
  return std::make_shared<RequestCeiling>(rate, max_wait, std::make_shared<core::SystemClock>());
}

}  // namespace planb::providers
