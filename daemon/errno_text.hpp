#pragma once
// "WHAT: <the system's words for errno>", for a message about the system call that just failed.

#include <cerrno>
#include <cstring>
#include <string>

namespace planb::daemon {

inline std::string errnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace planb::daemon
