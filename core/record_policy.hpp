#pragma once
// How one record fails over and back, as configured (product.md §2): the config schema
// (config::RecordConfig) and the decision (core::decide) share these.

#include <string>
#include <vector>

#include "duration.hpp"

namespace planb::core {

enum class FailoverOn { Target, Vendor };
enum class Failback { Auto, Manual };

struct RecordPolicy {
  std::string name;
  std::vector<std::string> targets;  // priority order
  FailoverOn failover_on = FailoverOn::Target;
  Failback failback = Failback::Auto;
  Millis failback_after{300'000};
};

}  // namespace planb::core
