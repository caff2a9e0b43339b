#include "verdicts.hpp"

#include <map>

namespace planb::core {

std::uint32_t HealthyWhen::required(std::uint32_t total) const noexcept {
  switch (kind) {
    case Kind::All:
      return total;
    case Kind::Any:
      return total == 0 ? 0 : 1;
    case Kind::Majority:
      return total / 2 + 1;
    case Kind::AtLeast:
      return count;
  }
  return total;
}

namespace {

// The verdict of "at least `need` of these are in the bad state", given the counts.
Health thresholdVerdict(std::uint32_t good, std::uint32_t unknown, std::uint32_t need) {
  if (good >= need) {
    return Health::Healthy;
  }
  if (good + unknown < need) {
    return Health::Unhealthy;
  }
  return Health::Unknown;
}

}  // namespace

Health targetHealth(const HealthyWhen& rule, std::span<const Health> probes) {
  std::uint32_t healthy = 0;
  std::uint32_t unknown = 0;
  for (Health h : probes) {
    healthy += h == Health::Healthy ? 1 : 0;
    unknown += h == Health::Unknown ? 1 : 0;
  }
  if (probes.empty()) {
    return Health::Unknown;
  }
  return thresholdVerdict(healthy, unknown,
                          rule.required(static_cast<std::uint32_t>(probes.size())));
}

std::uint32_t VendorDownRule::required(std::uint32_t total) const noexcept {
  switch (kind) {
    case Kind::Majority:
      return total / 2 + 1;
    case Kind::All:
      return total;
    case Kind::AtLeast:
      return regions;
  }
  return total;
}

std::map<std::string, Health> regionHealth(std::span<const RegionProbe> probes) {
  std::map<std::string, Health> regions;
  std::map<std::string, bool> any_unknown;
  for (const RegionProbe& p : probes) {
    auto [it, inserted] = regions.try_emplace(p.region, Health::Unhealthy);
    if (p.health == Health::Healthy) {
      it->second = Health::Healthy;
    } else if (p.health == Health::Unknown) {
      any_unknown[p.region] = true;
    }
  }
  for (auto& [region, health] : regions) {
    if (health != Health::Healthy && any_unknown.count(region) != 0) {
      health = Health::Unknown;
    }
  }
  return regions;
}

Health vendorHealth(const VendorDownRule& rule, std::span<const RegionProbe> probes) {
  std::map<std::string, Health> regions = regionHealth(probes);
  if (regions.empty()) {
    return Health::Unknown;
  }
  std::uint32_t down = 0;
  std::uint32_t undecided = 0;
  for (const auto& [region, health] : regions) {
    down += health == Health::Unhealthy ? 1 : 0;
    undecided += health == Health::Unknown ? 1 : 0;
  }
  std::uint32_t need = rule.required(static_cast<std::uint32_t>(regions.size()));
  if (need == 0) {
    need = 1;
  }
  if (down >= need) {
    return Health::Unhealthy;
  }
  if (down + undecided < need) {
    return Health::Healthy;
  }
  return Health::Unknown;
}

}  // namespace planb::core
