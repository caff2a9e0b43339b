#include "providers/request_budget.hpp"

#include <algorithm>
#include <stdexcept>

namespace planb::providers {

namespace {

std::chrono::milliseconds atLeastOneMs(core::Instant::duration d) {
  return std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(d));
}

}  // namespace

RequestBudget::RequestBudget(std::size_t capacity, std::chrono::milliseconds window,
                             std::shared_ptr<const core::Clock> clock)
    : capacity_(capacity), window_(window), clock_(std::move(clock)) {
  if (capacity_ == 0 || window_ <= std::chrono::milliseconds(0) || !clock_) {
    throw std::invalid_argument("a request budget needs a capacity, a window and a clock");
  }
}

void RequestBudget::forgetExpired(core::Instant now) const {
  while (!sent_.empty() && sent_.front() + window_ <= now) {
    sent_.pop_front();
  }
}

std::optional<std::chrono::milliseconds> RequestBudget::tryAcquire() {
  std::lock_guard lock(mutex_);
  core::Instant now = clock_->now();
  if (now < hold_until_) {
    return atLeastOneMs(hold_until_ - now);
  }
  forgetExpired(now);
  if (sent_.size() >= capacity_) {
    return atLeastOneMs(sent_.front() + window_ - now);
  }
  sent_.push_back(now);
  return std::nullopt;
}

void RequestBudget::holdOff(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  hold_until_ = std::max(hold_until_, clock_->now() + duration);
}

std::size_t RequestBudget::used() const {
  std::lock_guard lock(mutex_);
  forgetExpired(clock_->now());
  return sent_.size();
}

}  // namespace planb::providers
