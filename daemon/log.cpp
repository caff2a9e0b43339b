#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace planb::daemon {

namespace {

int syslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::Error:
      return 3;
    case LogLevel::Warn:
      return 4;
    case LogLevel::Info:
      return 6;
    case LogLevel::Debug:
      return 7;
  }
  return 6;
}

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Error:
      return "error";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Info:
      return "info";
    case LogLevel::Debug:
      return "debug";
  }
  return "info";
}

}  // namespace

Log::Log(LogLevel level) : level_(level), journal_(std::getenv("JOURNAL_STREAM") != nullptr) {}

void Log::setLevel(LogLevel level) {
  std::lock_guard lock(mutex_);
  level_ = level;
}

void Log::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  std::string line;
  if (journal_) {
    line = "<" + std::to_string(syslogPriority(level)) + ">";
  } else {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    line = stamp;
    line += levelName(level);
    line += ' ';
  }
  // One event is one line: embedded newlines would split it in the journal.
  for (char c : message) {
    line.push_back(c == '\n' ? ' ' : c);
  }
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace planb::daemon
