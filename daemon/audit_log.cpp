#include "audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "errno_text.hpp"

namespace planb::daemon {

std::string rfc3339(core::WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buffer;
}

AuditLog::AuditLog(std::string directory) : path_(std::move(directory) + "/audit.jsonl") {}

std::optional<std::string> AuditLog::append(AuditEntry entry, core::WallTime at,
                                            Durability durability) {
  AuditEntry stamped{{"time", rfc3339(at)}};
  if (!node_.empty()) {
    stamped["node"] = node_;
  }
  for (auto& [key, value] : entry.items()) {
    stamped[key] = std::move(value);
  }
  pending_.push_back(
      stamped.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  if (mirror_) {
    mirror_(pending_.back());
  }
  std::string lines;
  for (const std::string& line : pending_) {
    lines += line;
  }
  bool fsync = durability == Durability::Synced;
  auto error = write(lines, fsync);
  if (!error) {
    pending_.clear();
    unsynced_ = !fsync;  // an fsync covers every earlier line too
  }
  return error;
}

std::optional<std::string> AuditLog::sync() {
  if (!pending_.empty()) {
    // Entries a full disk kept in memory reach the file as soon as it has room, without waiting
    // for another entry to be appended.
    std::string lines;
    for (const std::string& line : pending_) {
      lines += line;
    }
    if (auto error = write(lines, true)) {
      return error;
    }
    pending_.clear();
    unsynced_ = false;
    return std::nullopt;
  }
  if (!unsynced_) {
    return std::nullopt;
  }
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return openError();
  }
  std::optional<std::string> error;
  if (::fsync(fd) != 0) {
    error = errnoText("cannot fsync " + path_);
  } else {
    unsynced_ = false;
  }
  ::close(fd);
  return error;
}

std::string AuditLog::openError() const {
  // A symlink planted in state_dir would make planbd append to whatever it names.
  return errno == ELOOP ? path_ + " is a symbolic link: refused (planbd never writes through one)"
                        : errnoText("cannot open " + path_);
}

std::optional<std::string> AuditLog::write(const std::string& lines, bool fsync) {
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    return openError();
  }
  std::string text = lines;
  struct stat st {};
  bool sized = ::fstat(fd, &st) == 0;
  if (sized && st.st_size > 0) {
    // A crash mid-write leaves a torn last line: start on a fresh one so this entry stays whole.
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
      text.insert(text.begin(), '\n');
    }
  }
  const char* p = text.data();
  std::size_t left = text.size();
  std::optional<std::string> error;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      error = errnoText("cannot append to " + path_);
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (!error && fsync && ::fsync(fd) != 0) {
    error = errnoText("cannot fsync " + path_);
  }
  if (error && sized && left < text.size()) {
    // Part of the text reached the file: cut it back so no half line is left behind.
    ::ftruncate(fd, st.st_size);
  }
  ::close(fd);
  return error;
}

std::vector<AuditEntry> AuditLog::newest(std::size_t limit, std::size_t* skipped) const {
  std::vector<AuditEntry> entries;
  std::size_t bad = 0;
  auto take = [&](const std::string& line) {
    if (line.empty()) {
      return;
    }
    try {
      entries.push_back(AuditEntry::parse(line));
    } catch (const std::exception&) {
      ++bad;
    }
  };
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    take(line);
  }
  for (const std::string& p : pending_) {
    take(p.substr(0, p.size() - 1));
  }
  std::vector<AuditEntry> result;
  for (auto it = entries.rbegin(); it != entries.rend() && result.size() < limit; ++it) {
    result.push_back(std::move(*it));
  }
  if (skipped) {
    *skipped = bad;
  }
  return result;
}

}  // namespace planb::daemon
