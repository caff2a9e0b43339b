#pragma once
// One line per event on stderr, in a form journald understands: under systemd (JOURNAL_STREAM
// set) each line carries a <N> priority prefix; on a terminal a UTC time stamp and the level.

#include <mutex>
#include <string_view>

#include "config/config.hpp"

namespace planb::daemon {

using config::LogLevel;

class Log {
 public:
  explicit Log(LogLevel level = LogLevel::Info);

  void setLevel(LogLevel level);
  bool enabled(LogLevel level) const noexcept { return level <= level_; }

  void error(std::string_view message) { write(LogLevel::Error, message); }
  void warn(std::string_view message) { write(LogLevel::Warn, message); }
  void info(std::string_view message) { write(LogLevel::Info, message); }
  void debug(std::string_view message) { write(LogLevel::Debug, message); }
  void write(LogLevel level, std::string_view message);

 private:
  LogLevel level_;
  bool journal_;
  std::mutex mutex_;  // provider worker threads log too
};

}  // namespace planb::daemon
