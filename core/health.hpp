#pragma once
// Health verdicts and the rise/fall hysteresis of one endpoint.

#include <cstdint>
#include <string_view>

#include "probe_result.hpp"

namespace planb::core {

// Unknown is a verdict of its own: "not yet seen", never the same as Unhealthy.
enum class Health { Unknown, Healthy, Unhealthy };

std::string_view nameOf(Health health);  // "unknown", "healthy", "unhealthy"

enum class Transition { Unchanged, Changed, Pending };

struct Thresholds {
  std::uint32_t rise = 2;  // consecutive successes before Healthy
  std::uint32_t fall = 3;  // consecutive failures before Unhealthy
};

// Pure hysteresis: no clock, no I/O. From Unknown, `rise` successes make it Healthy and `fall`
// failures make it Unhealthy, so a single early result never decides.
class HealthTracker {
 public:
  explicit HealthTracker(Thresholds thresholds);

  Transition record(const ProbeResult& result);
  Health health() const noexcept { return health_; }
  std::uint32_t consecutiveSuccesses() const noexcept { return successes_; }
  std::uint32_t consecutiveFailures() const noexcept { return failures_; }

 private:
  Thresholds thresholds_;
  Health health_ = Health::Unknown;
  std::uint32_t successes_ = 0;
  std::uint32_t failures_ = 0;
};

}  // namespace planb::core
