#pragma once
// The batches provider tests send: names app<i>.example.com. moving from one target to another,
// and a check that shows the provider's error when a change was not applied.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "providers/dns_provider.hpp"

namespace planb::testing {

// app0 .. app<n-1> of example.com., each from `from` (the expected target) to `to`.
inline std::vector<providers::ReplaceRequest> appMoves(int n, std::uint32_t ttl,
                                                       const std::string& from = "old.example.net.",
                                                       const std::string& to = "new.example.net.") {
  std::vector<providers::ReplaceRequest> changes;
  for (int i = 0; i < n; ++i) {
    providers::ReplaceRequest r;
    r.record = {"example.com.", "app" + std::to_string(i) + ".example.com."};
    r.new_target = to;
    r.expected_target = from;
    r.ttl = ttl;
    changes.push_back(r);
  }
  return changes;
}

// Whether the change was applied (not left propagating); otherwise the error is shown.
inline bool appliedNow(const net::Result<providers::Written>& result) {
  if (const auto* e = std::get_if<net::Error>(&result)) {
    MESSAGE("error: " << e->message);
    return false;
  }
  return std::get<providers::Written>(result).propagating_change.empty();
}

}  // namespace planb::testing
