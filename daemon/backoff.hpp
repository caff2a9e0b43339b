#pragma once
// Capped exponential backoff with full jitter, for retrying a provider until it converges.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/random.hpp"

namespace planb::daemon {

struct Backoff {
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{60'000};

  // The wait before retry number `failures` (1 = the first retry): uniform in [0, min(cap,
  // base * 2^(failures-1))], and never less than what the server asked for.
  std::chrono::milliseconds next(std::uint32_t failures, core::Random& random,
                                 std::optional<std::chrono::milliseconds> retry_after = {}) const {
    auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(
        random.uniform() * static_cast<double>(ceiling(failures).count())));
    return retry_after ? std::max(wait, *retry_after) : wait;
  }

  // The longest wait before retry number `failures`: min(cap, base * 2^(failures-1)).
  std::chrono::milliseconds ceiling(std::uint32_t failures) const {
    std::uint32_t shift = std::min<std::uint32_t>(failures == 0 ? 0 : failures - 1, 20);
    return std::min<std::chrono::milliseconds>(cap, base * (1LL << shift));
  }
};

}  // namespace planb::daemon
