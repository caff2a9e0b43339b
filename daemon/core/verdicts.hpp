#pragma once
// From endpoint health to target and vendor verdicts (product.md §2.2, §2.3).

#include <cstdint>
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

// How many of a vendor's regions must be down for the vendor to be down; default a majority.
struct VendorDownRule {
  bool majority = true;
  std::uint32_t regions = 0;  // used when !majority
  std::uint32_t required(std::uint32_t total) const noexcept;
};

// A region is down when all its probes are unhealthy and up when any is healthy. The vendor is
// Unhealthy (down) when enough regions are down, Healthy when that can no longer happen, and
// Unknown while undecided regions could still tip it.
Health vendorHealth(const VendorDownRule& rule, std::span<const RegionProbe> probes);

}  // namespace planb::core
