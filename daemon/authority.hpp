#pragma once
// What differs between a single planbd and a fleet member, behind one interface: how verdicts
// combine (this node's health board, or the fleet's quorum), where overrides live (state.json, or
// etcd), the audit mirror, the write fence, and whether this node may write. The reconciler gets
// target states and one set of controls from it; the admin API gets operator actions and history.
// Everything is called on the daemon's event loop, which never waits on etcd.

#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/decision.hpp"
#include "core/health_board.hpp"
#include "core/local_network_guard.hpp"
#include "core/overrides.hpp"
#include "operator_desk.hpp"
#include "state_store.hpp"
#include "status_document.hpp"

namespace planb::daemon {

class AuditLog;
class FleetWriter;

// The newest audit entries, as GET /v1/history and the status page show them.
struct AuditHistory {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();  // newest first
  std::size_t skipped = 0;                                           // lines that do not parse
  std::string source;  // "this node", "fleet", or why only this node's
};

// This node's audit log as history: the LIMIT newest entries (source left empty).
AuditHistory historyOf(const AuditLog& audit, std::size_t limit);

// What the Authority tells the daemon, on the event loop.
struct AuthorityEvents {
  std::function<void()> changed;  // target states or controls changed: decide again
  // Fleet mode: the leader's record decisions, for the reconciler to adopt.
  std::function<void(const std::map<std::string, PersistedRecord>&)> adopt_records;
  std::function<void()> leader_changed;
};

class Authority {
 public:
  using Answer = std::function<void(OperatorAnswer)>;

  virtual ~Authority() = default;

  // Takes over the overrides (PERSISTED, or the fleet's); false when it cannot start (logged).
  virtual bool start(const PersistedState& persisted) = 0;
  virtual void stop() = 0;
  // A (new) generation: its configuration, this node's health board and local-network guard,
  // which outlive the next configure().
  virtual void configure(const config::Config& config, const core::HealthBoard& board,
                         const core::LocalNetworkGuard& guard) = 0;
  // This node's own verdicts or guard changed.
  virtual void localViewChanged() = 0;

  // The target states decisions are made on, and the controls that beat automation.
  virtual std::map<std::string, core::TargetState> targetStates() const = 0;
  virtual core::Controls controls() const = 0;
  virtual const core::Overrides& overrides() const = 0;

  // Checks, stores and audits an operator's request, then calls ANSWER on the event loop (at
  // once, or when etcd answered). A change is stored before it is acknowledged.
  virtual void act(const OperatorRequest& request, const Operator& who, Answer answer) = 0;
  // Drops the overrides whose time is up; true when the controls changed now (else later,
  // through AuthorityEvents::changed).
  virtual bool expire() = 0;

  virtual AuditHistory history(std::size_t limit) const = 0;
  // Fleet mode's status; nullopt for a single planbd.
  virtual std::optional<FleetStatus> fleetStatus() const = 0;
  // What confirms each DNS write first (fleet mode), or null.
  virtual FleetWriter* fence() = 0;
};

}  // namespace planb::daemon
