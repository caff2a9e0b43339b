#pragma once
// Timers on a clock tests move by hand: advance() fires every timer that comes due on the way, in
// time order, each at its own instant, so time-driven code runs exactly and without waiting.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "probes/timers.hpp"

namespace planb::testing {

class ManualTimers final : public probes::Timers {
 public:
  core::Instant now() const override { return now_; }

  std::unique_ptr<probes::Timer> makeTimer() override {
    auto wait = std::make_shared<Wait>();
    waits_.push_back(wait);
    return std::make_unique<ManualTimer>(*this, std::move(wait));
  }

  // Moves the clock `d` forward, firing on the way every timer due by then — those armed by the
  // timers fired included. A zero `d` fires what is due now.
  void advance(std::chrono::microseconds d) {
    const core::Instant until = now() + d;
    while (auto wait = nextDue(until)) {
      now_ = std::max(now_, wait->at);
      wait->armed = false;
      auto fire = std::exchange(wait->fire, nullptr);
      fire();
    }
    now_ = until;
  }

 private:
  struct Wait {
    core::Instant at{};
    std::uint64_t order = 0;  // ties fire in the order they were armed
    bool armed = false;
    std::function<void()> fire;
  };

  class ManualTimer final : public probes::Timer {
   public:
    ManualTimer(ManualTimers& timers, std::shared_ptr<Wait> wait)
        : timers_(timers), wait_(std::move(wait)) {}
    void waitUntil(core::Instant at, std::function<void()> fire) override {
      *wait_ = {at, ++timers_.armed_, true, std::move(fire)};
    }
    void cancel() override { *wait_ = {}; }

   private:
    ManualTimers& timers_;
    std::shared_ptr<Wait> wait_;  // the timers see it weakly: a destroyed timer never fires
  };

  std::shared_ptr<Wait> nextDue(core::Instant until) {
    std::erase_if(waits_, [](const auto& w) { return w.expired(); });
    std::shared_ptr<Wait> next;
    for (const auto& w : waits_) {
      auto wait = w.lock();
      if (wait && wait->armed && wait->at <= until &&
          (!next || std::pair(wait->at, wait->order) < std::pair(next->at, next->order))) {
        next = std::move(wait);
      }
    }
    return next;
  }

  core::Instant now_ = core::Instant{} + std::chrono::hours(24);
  std::uint64_t armed_ = 0;
  std::vector<std::weak_ptr<Wait>> waits_;
};

}  // namespace planb::testing
