#include "audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>

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
    if (::ftruncate(fd, st.st_size) != 0) {
      *error += "; " + errnoText("cannot cut " + path_ + " back to its last whole line");
    }
  }
  ::close(fd);
  return error;
}

std::vector<AuditEntry> AuditLog::newest(std::size_t limit, std::size_t* skipped) const {
  std::vector<AuditEntry> result;
  std::size_t bad = 0;
  // Entries not yet in the file are the newest.
  for (auto p = pending_.rbegin(); p != pending_.rend() && result.size() < limit; ++p) {
    try {
      result.push_back(AuditEntry::parse(p->substr(0, p->size() - 1)));
    } catch (const std::exception&) {
      ++bad;
    }
  }
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0) {
    const std::size_t wanted = std::max(limit, kTail);
    const std::int64_t mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    bool same = tail_.dev == st.st_dev && tail_.ino == st.st_ino && tail_.size == st.st_size &&
                tail_.mtime_ns == mtime_ns;
    if (!same || (!tail_.whole && tail_.entries.size() < wanted)) {
      Tail fresh;
      fresh.dev = st.st_dev;
      fresh.ino = st.st_ino;
      fresh.size = st.st_size;
      fresh.mtime_ns = mtime_ns;
      // Backwards in chunks; `carry` holds the start of a line whose beginning is further back.
      constexpr off_t kChunk = 64 * 1024;
      off_t at = st.st_size;
      std::string carry;
      std::vector<char> chunk;
      auto take = [&](std::string_view line) {
        if (line.empty()) {
          return;
        }
        try {
          fresh.entries.push_back(AuditEntry::parse(line));
        } catch (const std::exception&) {
          ++fresh.skipped;
        }
      };
      while (at > 0 && fresh.entries.size() < wanted) {
        off_t n = std::min(kChunk, at);
        at -= n;
        chunk.resize(static_cast<std::size_t>(n));
        ssize_t got = ::pread(fd, chunk.data(), chunk.size(), at);
        if (got != n) {
          break;  // changed under us: what was read so far stands
        }
        bytes_read_ += static_cast<std::size_t>(got);
        std::string text(chunk.data(), chunk.size());
        text += carry;
        std::size_t end = text.size();
        for (;;) {
          std::size_t nl = end == 0 ? std::string::npos : text.rfind('\n', end - 1);
          if (nl == std::string::npos) {
            break;
          }
          take(std::string_view(text).substr(nl + 1, end - nl - 1));
          end = nl;
          if (fresh.entries.size() >= wanted) {
            break;
          }
        }
        carry = text.substr(0, end);
      }
      if (at == 0 && fresh.entries.size() < wanted) {
        take(carry);  // the file's first line
        fresh.whole = true;
      }
      tail_ = std::move(fresh);
    }
    for (const AuditEntry& entry : tail_.entries) {
      if (result.size() >= limit) {
        break;
      }
      result.push_back(entry);
    }
    bad += tail_.skipped;
    // What a large limit read is not kept: the page and planbctl's default ask for kTail.
    if (tail_.entries.size() > kTail) {
      tail_.entries.resize(kTail);
      tail_.whole = false;
    }
  }
  if (fd >= 0) {
    ::close(fd);
  }
  if (skipped) {
    *skipped = bad;
  }
  return result;
}

}  // namespace planb::daemon
