#pragma once
// Every probe's hysteresis, and the target and vendor verdicts derived from them. Pure: results
// and time come in as arguments.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "clock.hpp"
#include "decision.hpp"
#include "health.hpp"
#include "verdicts.hpp"

namespace planb::core {

struct BoardTarget {
  std::string name;
  std::string vendor;
  HealthyWhen healthy_when;
};

struct BoardProbe {
  std::string target;
  std::string name;
  std::string region;
  Thresholds thresholds;
  std::string
      identity;  // everything that defines the probe: equal identity keeps history on reload
};

// What one result changed, for the one log line per transition.
struct BoardUpdate {
  Transition probe = Transition::Unchanged;
  Health probe_health = Health::Unknown;
  bool target_changed = false;
  Health target_health = Health::Unknown;
  bool vendor_changed = false;
  Health vendor_health = Health::Unknown;  // Unhealthy: the vendor is down
};

class HealthBoard {
 public:
  HealthBoard(std::vector<BoardTarget> targets, std::vector<BoardProbe> probes,
              VendorDownRule vendor_rule = {});

  const std::vector<BoardProbe>& probes() const noexcept { return probes_; }
  const std::vector<BoardTarget>& targets() const noexcept { return targets_; }

  BoardUpdate record(std::size_t probe_index, const ProbeResult& result, Instant now);

  Health probeHealth(std::size_t probe_index) const { return trackers_[probe_index].health(); }
  Health targetHealth(const std::string& target) const;
  Health vendorHealth(const std::string& vendor) const;  // Unhealthy: down

  // The decision inputs: per target its verdict, since when, and its vendor's verdict.
  std::map<std::string, TargetState> targetStates() const;

  // Takes over the hysteresis of probes whose identity is unchanged, so a reload neither forgets
  // verdicts nor invents them.
  void adopt(const HealthBoard& previous, Instant now);

 private:
  struct Verdict {
    Health health = Health::Unknown;
    Instant since{};
  };
  Health computeTarget(const BoardTarget& t) const;
  Health computeVendor(const std::string& vendor) const;
  void refreshVerdicts(Instant now, BoardUpdate* update, const std::string& target,
                       const std::string& vendor);

  std::vector<BoardTarget> targets_;
  std::vector<BoardProbe> probes_;
  VendorDownRule vendor_rule_;
  std::vector<HealthTracker> trackers_;
  std::map<std::string, Verdict> target_verdicts_;
  std::map<std::string, Verdict> vendor_verdicts_;
};

}  // namespace planb::core
