#pragma once
// Fleet mode's verdicts (product.md §9): every node publishes what it sees of each target and
// vendor; a target is unhealthy for the fleet only when `quorum` live nodes see it unhealthy, so
// one host's broken uplink never moves traffic. Pure: the views and time come in as arguments.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clock.hpp"
#include "decision.hpp"
#include "health.hpp"

namespace planb::core {

// One node's published view. A node whose local-network guard fired counts as no view.
struct NodeView {
  std::string node;
  bool guard_down = false;
  std::map<std::string, Health> targets;  // by target name
  std::map<std::string, Health> vendors;  // by vendor name; Unhealthy: the vendor is down
  friend bool operator==(const NodeView&, const NodeView&) = default;
};

struct FleetVerdict {
  std::size_t live = 0;       // views that count: published and guard not fired
  std::uint32_t quorum = 0;   // nodes that must agree, for this many live views
  bool enough_nodes = false;  // live >= min_nodes: automation may act
  std::map<std::string, Health> targets;
  std::map<std::string, Health> vendors;
};

// QUORUM 0 is "a majority of the live views". A target (or vendor) is Unhealthy when at least
// quorum live views say so, Healthy when at least quorum say Healthy, else Unknown — and unknown
// is not unhealthy. Names absent from every view are Unknown.
FleetVerdict fleetVerdict(const std::vector<NodeView>& views, std::uint32_t quorum,
                          std::uint32_t min_nodes, const std::vector<std::string>& target_names,
                          const std::vector<std::string>& vendor_names);

// The decision inputs from the fleet's verdicts, with "since" instants kept across updates: a
// target is healthy since the update that first found the fleet agreeing.
class FleetBoard {
 public:
  // TARGET_VENDOR: each target's vendor.
  FleetBoard(std::map<std::string, std::string> target_vendor, std::uint32_t quorum,
             std::uint32_t min_nodes);

  void update(const std::vector<NodeView>& views, Instant now);

  const FleetVerdict& verdict() const noexcept { return verdict_; }
  std::map<std::string, TargetState> targetStates() const;
  // Why automation holds ("" when it may act), for the decision and for status.
  std::string holdReason() const;

 private:
  std::map<std::string, std::string> target_vendor_;
  std::vector<std::string> target_names_;
  std::vector<std::string> vendor_names_;
  std::uint32_t quorum_;
  std::uint32_t min_nodes_;
  FleetVerdict verdict_;
  std::map<std::string, Instant> target_since_;  // since when Healthy
  std::map<std::string, Instant> vendor_since_;  // since when up
};

}  // namespace planb::core
