#pragma once
// What planbd serves, as the stable JSON document of GET /v1/status (planbctl status --json):
// records with their served and desired target and the rule that decided, each provider's sync,
// targets and vendors with health. Built from the daemon's state; no I/O.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/fleet_board.hpp"
#include "core/health_board.hpp"
#include "core/overrides.hpp"
#include "reconciler.hpp"

namespace planb::daemon {

// The local-network guard as status shows it.
struct GuardStatus {
  bool local_network_down = false;
  std::vector<std::pair<std::string, std::string>> canaries;  // canary, "ok"/"failing"/"unknown"
};

// Fleet mode as status shows it: this node, the leader, etcd, and every node's view.
struct FleetStatus {
  std::string node;
  std::optional<std::string> leader;
  bool leading = false;
  bool etcd_up = false;
  std::string etcd_error;
  std::uint32_t quorum = 0;    // nodes that must agree now
  std::string quorum_setting;  // "majority" or the number configured
  std::uint32_t min_nodes = 0;
  std::size_t live_nodes = 0;
  std::string automation;  // "ok", or why the fleet may not act
  std::uint64_t leader_changes = 0;
  std::vector<core::NodeView> nodes;
};

// FLEET: null for a single planbd ("cluster": null).
nlohmann::ordered_json statusDocument(const config::Config& config, const core::HealthBoard& board,
                                      const std::map<std::string, RecordRuntime>& records,
                                      const core::Overrides& overrides, const GuardStatus& guard,
                                      const FleetStatus* fleet = nullptr);

// GET /v1/plan (planbctl plan): for each record and provider, what is served, what should be, the
// write planbd would make now (or why none), and the rule that decided. Changes nothing. Written
// as JSON text directly (PrettyJson), with no document between: with 5,000 records on two
// providers the document cost more than all the rest of the request.
std::string planJson(const config::Config& config,
                     const std::map<std::string, RecordRuntime>& records);

}  // namespace planb::daemon
