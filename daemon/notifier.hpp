#pragma once
// sd_notify(3) when run by systemd (NOTIFY_SOCKET set); silent otherwise.

#include <chrono>
#include <optional>
#include <string_view>

namespace planb::daemon {

class Notifier {
 public:
  Notifier();
  bool active() const noexcept { return active_; }

  void ready();
  void reloading();  // RELOADING=1 with MONOTONIC_USEC, as systemd >= 253 requires
  void stopping();
  void status(std::string_view line);
  void watchdog();

  // Half of WatchdogSec when the watchdog is on: how often watchdog() must be called.
  std::optional<std::chrono::microseconds> watchdogInterval() const noexcept {
    return watchdog_interval_;
  }

 private:
  void send(std::string_view message);
  bool active_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace planb::daemon
