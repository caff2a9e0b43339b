#pragma once
// planbd resolves the host names it must reach itself (product.md §11): at start and every few
// minutes, on a thread of its own (never the event loop, never the failover path), through
// [daemon] resolvers or the system's. Each good answer goes to the AddressBook and its file; a
// failed one keeps the last good addresses in use, and says so in the log once per episode.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "address_book.hpp"
#include "core/clock.hpp"
#include "log.hpp"
#include "net/error.hpp"

namespace planb::daemon {

class OwnResolution {
 public:
  // How often every host is resolved again.
  static constexpr std::chrono::minutes kInterval{5};

  // The addresses of one host name, or why there are none.
  using Resolve = std::function<net::Result<std::vector<std::string>>(const std::string& host)>;

  OwnResolution(Log& log, const core::Clock& clock, std::shared_ptr<AddressBook> book);
  ~OwnResolution();
  OwnResolution(const OwnResolution&) = delete;
  OwnResolution& operator=(const OwnResolution&) = delete;

  // What to resolve and how (at start and on reload); the next round uses them.
  void configure(std::vector<std::string> hosts, Resolve resolve);
  // Resolves every host now, on the caller's thread, and saves the book when an address changed.
  void refresh();
  // Starts the thread: a round at once, then every INTERVAL until stop().
  void start(std::chrono::milliseconds interval = kInterval);
  void stop();

 private:
  Log& log_;
  const core::Clock& clock_;
  std::shared_ptr<AddressBook> book_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::string> hosts_;
  Resolve resolve_;
  std::thread thread_;
};

}  // namespace planb::daemon
