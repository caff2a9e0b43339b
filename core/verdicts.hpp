#pragma once
// From endpoint health to target and vendor verdicts (product.md §2.2, §2.3).

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "health.hpp"

namespace planb::core {

// How many of a target's probes must be healthy: all | any | majority | a number.
struct HealthyWhen {
  enum class Kind { All, Any, Majority, AtLeast };
  Kind kind = Kind::All;
  std::uint32_t count = 0;  // only for AtLeast

  // The number of healthy probes needed out of `total`.
  std::uint32_t required(std::uint32_t total) const noexcept;
};

// Healthy when enough probes are healthy, Unhealthy when that can no longer happen whatever the
// unknown probes turn out to be, Unknown otherwise.
Health targetHealth(const HealthyWhen& rule, std::span<const Health> probes);

struct RegionProbe {
  std::string region;
  Health health = Health::Unknown;
};

// How many of a vendor's regions must be down for the vendor to be down (`down_when`).
struct VendorDownRule {
  enum class Kind { Majority, All, AtLeast };
  Kind kind = Kind::Majority;
  std::uint32_t regions = 0;  // AtLeast: this many regions down
  std::uint32_t required(std::uint32_t total) const noexcept;
};

// Each region's state over its probes: Unhealthy (down) when all its probes are unhealthy,
// Healthy (up) when any is healthy, Unknown while it is undecided.
std::map<std::string, Health> regionHealth(std::span<const RegionProbe> probes);

// The vendor is Unhealthy (down) when enough regions are down, Healthy when that can no longer
// happen, and Unknown while undecided regions could still tip it.
Health vendorHealth(const VendorDownRule& rule, std::span<const RegionProbe> probes);

}  // namespace planb::core
