#include "health.hpp"

#include <algorithm>

namespace planb::core {

std::string_view nameOf(Health health) {
  switch (health) {
    case Health::Unknown:
      return "unknown";
    case Health::Healthy:
      return "healthy";
    case Health::Unhealthy:
      return "unhealthy";
  }
  return "unknown";
}

HealthTracker::HealthTracker(Thresholds thresholds) : thresholds_(thresholds) {
  thresholds_.rise = std::max<std::uint32_t>(1, thresholds_.rise);
  thresholds_.fall = std::max<std::uint32_t>(1, thresholds_.fall);
}

Transition HealthTracker::record(const ProbeResult& result) {
  Health next = health_;
  if (result.ok()) {
    failures_ = 0;
    ++successes_;
    if (successes_ >= thresholds_.rise) {
      next = Health::Healthy;
    }
  } else {
    successes_ = 0;
    ++failures_;
    if (failures_ >= thresholds_.fall) {
      next = Health::Unhealthy;
    }
  }
  if (next != health_) {
    health_ = next;
    return Transition::Changed;
  }
  bool against_verdict = (health_ == Health::Healthy && failures_ > 0) ||
                         (health_ == Health::Unhealthy && successes_ > 0) ||
                         health_ == Health::Unknown;
  return against_verdict ? Transition::Pending : Transition::Unchanged;
}

}  // namespace planb::core
