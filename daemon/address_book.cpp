#include "address_book.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/ascii.hpp"
#include "errno_text.hpp"

namespace planb::daemon {

namespace {

// TEXT to PATH through PATH.tmp, fsync and rename: a crash leaves the old file or the new one.
std::optional<std::string> writeAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errnoText("cannot write " + tmp);
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      std::string error = errnoText("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return error;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string error = errnoText("cannot fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return error;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string error = errnoText("cannot rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return error;
  }
  return std::nullopt;
}

}  // namespace

AddressBook::AddressBook(std::string path) : path_(std::move(path)) {}

std::optional<std::string> AddressBook::load() {
  std::ifstream in(path_);
  if (!in) {
    return std::nullopt;  // nothing saved yet
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("hosts") ||
      !doc["hosts"].is_object()) {
    return path_ + ": not the saved addresses planbd writes (ignored; resolved anew)";
  }
  std::lock_guard lock(mutex_);
  for (const auto& [host, saved] : doc["hosts"].items()) {
    if (!saved.is_object() || !saved.contains("addresses") || !saved["addresses"].is_array()) {
      continue;
    }
    Entry entry;
    for (const auto& address : saved["addresses"]) {
      if (address.is_string()) {
        entry.addresses.push_back(address.get<std::string>());
      }
    }
    if (saved.contains("resolved_unix_time") && saved["resolved_unix_time"].is_number_integer()) {
      entry.resolved_at = core::WallTime(std::chrono::seconds(saved["resolved_unix_time"]));
    }
    if (!entry.addresses.empty()) {
      entry.from_saved = true;  // until resolved again
      entries_[core::asciiLower(host)] = std::move(entry);
    }
  }
  return std::nullopt;
}

std::optional<std::string> AddressBook::save() const {
  nlohmann::ordered_json hosts = nlohmann::ordered_json::object();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [host, entry] : entries_) {
      if (entry.addresses.empty()) {
        continue;
      }
      hosts[host] = {{"addresses", entry.addresses},
                     {"resolved_unix_time", std::chrono::duration_cast<std::chrono::seconds>(
                                                entry.resolved_at.time_since_epoch())
                                                .count()}};
    }
  }
  nlohmann::ordered_json doc{{"version", 1}, {"hosts", hosts}};
  return writeAtomically(path_, doc.dump(2) + "\n");
}

std::vector<std::string> AddressBook::addressesOf(const std::string& host) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(core::asciiLower(host));
  return it == entries_.end() ? std::vector<std::string>{} : it->second.addresses;
}

void AddressBook::resolved(const std::string& host, std::vector<std::string> addresses,
                           core::WallTime at) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[core::asciiLower(host)];
  entry.addresses = std::move(addresses);
  entry.resolved_at = at;
  entry.from_saved = false;
  entry.error.clear();
}

bool AddressBook::failed(const std::string& host, const std::string& error) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[core::asciiLower(host)];
  bool change = entry.error.empty();
  entry.error = error;
  entry.from_saved = !entry.addresses.empty();
  return change;
}

std::optional<AddressBook::Entry> AddressBook::entry(const std::string& host) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(core::asciiLower(host));
  if (it == entries_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace planb::daemon
