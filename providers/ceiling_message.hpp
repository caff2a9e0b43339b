#pragma once
// The error of a request the ceiling did not let go: the same words for every provider.

#include <chrono>
#include <cstdio>
#include <string>

#include "net/error.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

inline net::Error ceilingRefusal(const RequestCeiling& ceiling, std::chrono::milliseconds wait,
                                 const std::string& what) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", ceiling.rate().per_second);
  net::Error e;
  e.kind = net::ErrorKind::RateLimited;
  e.message = what + ": not sent: the request ceiling of " + rate +
              " per second would make it wait " + std::to_string(wait.count()) +
              " ms, longer than " + std::to_string(ceiling.maxWait().count()) + " ms";
  e.retry_after = wait;
  return e;
}

}  // namespace planb::providers
