#include "net/watched_secret_file.hpp"

#include <sys/stat.h>

namespace planb::net {

bool WatchedSecretFile::Stamp::operator==(const Stamp& other) const noexcept {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec &&
         changed.tv_sec == other.changed.tv_sec && changed.tv_nsec == other.changed.tv_nsec;
}

std::optional<WatchedSecretFile::Stamp> WatchedSecretFile::stampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return Stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

void WatchedSecretFile::reread() {
  // Stamped before reading: a write between the two is seen as a change on the next call.
  std::optional<Stamp> stamp = stampOf(path_);
  std::time_t now = std::time(nullptr);
  secret_ = readSecretFile(path_, what_);
  stamp_ = stamp;
  read_at_ = now;
  last_error_.reset();
}

bool WatchedSecretFile::trusted(const Stamp& stamp) const noexcept {
  return stamp.modified.tv_sec + 1 < read_at_ && stamp.changed.tv_sec + 1 < read_at_;
}

WatchedSecretFile::WatchedSecretFile(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
  reread();
}

Secret WatchedSecretFile::current() {
  std::lock_guard lock(mutex_);
  std::optional<Stamp> now = stampOf(path_);
  if (now && stamp_ && *now == *stamp_ && trusted(*stamp_)) {
    return secret_;
  }
  try {
    reread();
  } catch (const CredentialError& e) {
    // Not stamped: the next call tries again, and takes the file once it is whole.
    last_error_ = e.what();
  }
  return secret_;
}

std::optional<std::string> WatchedSecretFile::lastError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace planb::net
