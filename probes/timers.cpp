#include "probes/timers.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <utility>

namespace planb::probes {

namespace {

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}

  void waitUntil(core::Instant at, std::function<void()> fire) override {
    timer_.expires_at(at);  // the wait it replaces ends with operation_aborted
    timer_.async_wait([fire = std::move(fire)](const boost::system::error_code& ec) {
      if (!ec) {
        fire();
      }
    });
  }

  void cancel() override { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace

core::Instant AsioTimers::now() const {
  return std::chrono::steady_clock::now();
}

std::unique_ptr<Timer> AsioTimers::makeTimer() {
  return std::make_unique<AsioTimer>(io_);
}

}  // namespace planb::probes
