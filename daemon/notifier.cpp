#include "notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace planb::daemon {

Notifier::Notifier() : active_(std::getenv("NOTIFY_SOCKET") != nullptr) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
}

void Notifier::send(std::string_view message) {
  if (active_) {
    sd_notify(0, std::string(message).c_str());
  }
}

void Notifier::ready() {
  send("READY=1");
}

void Notifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::uint64_t usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
                       static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::stopping() {
  send("STOPPING=1");
}

void Notifier::status(std::string_view line) {
  std::string one_line(line);
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');  // a newline would start a new field
  send("STATUS=" + one_line);
}

void Notifier::watchdog() {
  send("WATCHDOG=1");
}

}  // namespace planb::daemon
