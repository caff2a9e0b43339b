#pragma once
// After a write: ask each of the zone's authoritative servers (verify_servers), non-recursively,
// until it answers the new target — the only provider-neutral proof that a change is live.

#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace planb::daemon {

struct VerifyReport {
  std::chrono::steady_clock::duration elapsed{};  // from `started` until the last server answered
  std::vector<std::string> unverified;  // servers that did not answer the target by the deadline
};

// Blocking; run it on a worker thread. Polls every server until each answers NAME CNAME TARGET
// or DEADLINE passes.
VerifyReport verifyAnswers(const std::vector<config::HostPort>& servers, const std::string& name,
                           const std::string& target, std::chrono::steady_clock::time_point started,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace planb::daemon
