#pragma once
// The time the probe scheduler runs on: a clock and one-shot timers that share it. planbd uses
// Asio's steady timers; tests use a clock they move by hand, so nothing waits on real time.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "core/clock.hpp"

namespace planb::probes {

// One one-shot timer. Destroying it cancels its wait.
class Timer {
 public:
  virtual ~Timer() = default;

  // Calls `fire` once `at` has come, from a handler of the event loop, never from inside this
  // call. Replaces the wait pending, if any.
  virtual void waitUntil(core::Instant at, std::function<void()> fire) = 0;

  // Drops the wait pending. As with Asio's timers, a `fire` that had already come due may still
  // run: callers check their own state when it does.
  virtual void cancel() = 0;
};

class Timers {
 public:
  virtual ~Timers() = default;
  virtual core::Instant now() const = 0;
  virtual std::unique_ptr<Timer> makeTimer() = 0;
};

// steady_clock and boost::asio::steady_timer on one io_context: the handlers run where it runs.
class AsioTimers final : public Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& io) : io_(io) {}
  core::Instant now() const override;
  std::unique_ptr<Timer> makeTimer() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace planb::probes
