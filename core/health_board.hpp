#pragma once
// Every probe's hysteresis, and the target and vendor verdicts derived from them. Pure: results
// and time come in as arguments. Indexed when built (probe -> target and vendor, target ->
// probes, vendor -> probes), so a result costs O(probes of its target and vendor), never a scan
// of the whole board.

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
  // A vendor missing from `vendor_rules` is down when a majority of its regions are.
  HealthBoard(std::vector<BoardTarget> targets, std::vector<BoardProbe> probes,
              std::map<std::string, VendorDownRule> vendor_rules = {});

  const std::vector<BoardProbe>& probes() const noexcept { return probes_; }
  const std::vector<BoardTarget>& targets() const noexcept { return targets_; }

  BoardUpdate record(std::size_t probe_index, const ProbeResult& result, Instant now);

  // The vendor of a probe's target; empty when the probe names no known target.
  const std::string& probeVendor(std::size_t probe_index) const;

  Health probeHealth(std::size_t probe_index) const { return trackers_[probe_index].health(); }
  Health targetHealth(const std::string& target) const;
  Health vendorHealth(const std::string& vendor) const;  // Unhealthy: down
  // Each region of VENDOR: Healthy (up), Unhealthy (down) or Unknown.
  std::map<std::string, Health> regionHealth(const std::string& vendor) const;
  const VendorDownRule& vendorRule(const std::string& vendor) const;

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
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  Health computeTarget(std::size_t target) const;
  Health computeVendor(std::size_t vendor) const;
  std::vector<RegionProbe> regionProbes(std::size_t vendor) const;
  void refreshVerdicts(Instant now, BoardUpdate& update, std::size_t target);
  std::size_t targetIndex(const std::string& target) const;
  std::size_t vendorIndex(const std::string& vendor) const;

  std::vector<BoardTarget> targets_;
  std::vector<BoardProbe> probes_;
  std::map<std::string, VendorDownRule> vendor_rules_;
  std::vector<HealthTracker> trackers_;

  // The index, built once by the constructor; targets and vendors are numbered in the order
  // they first appear in targets_ (a repeated target name keeps its first entry).
  std::map<std::string, std::size_t> target_index_;
  std::map<std::string, std::size_t> vendor_index_;
  std::vector<std::string> vendors_;                     // vendor index -> name
  std::vector<std::size_t> target_entry_;                // target index -> its entry in targets_
  std::vector<std::size_t> target_vendor_;               // target index -> vendor index
  std::vector<std::size_t> probe_target_;                // probe -> target index, or kNone
  std::vector<std::vector<std::size_t>> target_probes_;  // target index -> probe indices
  std::vector<std::vector<std::size_t>> vendor_probes_;  // vendor index -> probe indices

  std::vector<Verdict> target_verdicts_;  // by target index
  std::vector<Verdict> vendor_verdicts_;  // by vendor index
};

}  // namespace planb::core
