#pragma once
// planbd's own addresses of the hosts it must reach (provider APIs, etcd members): the last good
// resolution of each, kept in memory and in `state_dir`/addresses.json, so that a resolver that
// fails with a vendor cannot stop a failover (product.md §11). Read by every HTTP transport before
// each request (net::HostAddresses), written by OwnResolution's thread: every method is
// thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "net/host_addresses.hpp"

namespace planb::daemon {

class AddressBook final : public net::HostAddresses {
 public:
  struct Entry {
    std::vector<std::string> addresses;  // the last good ones; empty: never resolved
    core::WallTime resolved_at{};        // when they were
    bool from_saved = false;             // the last resolution failed: these are the kept ones
    std::string error;                   // why it failed, or empty
  };

  // PATH: the file the addresses are saved to (written atomically, like state.json).
  explicit AddressBook(std::string path);

  // Reads the saved addresses (at start); returns why it could not, or nullopt (also when there
  // is no file yet).
  std::optional<std::string> load();
  // Writes every host's last good addresses; returns why it could not, or nullopt.
  std::optional<std::string> save() const;

  std::vector<std::string> addressesOf(const std::string& host) const override;

  // HOST resolved to ADDRESSES (not empty) at AT.
  void resolved(const std::string& host, std::vector<std::string> addresses, core::WallTime at);
  // HOST could not be resolved: its last good addresses stay in use. Returns true when that is a
  // change (the first failure since a success), for the log.
  bool failed(const std::string& host, const std::string& error);

  std::optional<Entry> entry(const std::string& host) const;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by host, lower case
};

}  // namespace planb::daemon
