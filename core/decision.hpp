#pragma once
// The decision of one record: which target it should serve now, and which rule decided
// (product.md §2.4–§2.6). A pure function of its inputs; time comes in as `now`.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "duration.hpp"
#include "health.hpp"
#include "record_policy.hpp"

namespace planb::core {

// What is known of one target right now.
struct TargetState {
  Health health = Health::Unknown;
  Instant healthy_since{};          // meaningful while Healthy
  Health vendor = Health::Unknown;  // the vendor's verdict: Unhealthy means the vendor is down
  Instant vendor_up_since{};        // meaningful while the vendor is Healthy (up)
  bool drained = false;
};

struct SafetyLimits {
  Millis hold_down{60'000};
  std::uint32_t max_flips_per_hour = 6;
};

// What the record serves and how it got there; persisted across restarts.
struct RecordHistory {
  std::optional<std::string> active;  // the target planb serves (or is making every provider serve)
  std::vector<Instant> automatic_changes;  // oldest first; only the last hour matters

  void noteAutomaticChange(Instant now);  // appends and forgets entries older than an hour
  std::uint32_t changesInLastHour(Instant now) const;
};

// Operator decisions and guards that beat automation: one set for every record.
struct Controls {
  std::map<std::string, std::string> pins;  // record -> the target an operator pinned it to
  std::set<std::string> drained;            // targets an operator took out of use
  bool frozen = false;                      // operator freeze: no automatic changes at all
  bool local_network_down = false;          // every canary failed: the fault is most likely here
  std::string fleet_hold;  // fleet mode: why the fleet may not act (too few live views), or ""
  // Fleet mode: only the leader decides changes and writes DNS; followers show its decisions.
  bool writer = true;

  std::optional<std::string> pinOf(const std::string& record) const;
};

enum class Rule {
  Steady,            // serving the first usable target
  Initial,           // nothing served yet: the first usable target
  Failover,          // the served target is not usable: the first usable one
  Failback,          // a higher-priority target stayed healthy for failback_after
  FailbackPending,   // a higher-priority target is healthy, not yet for failback_after
  FailbackManual,    // a higher-priority target is healthy; failback = manual
  Pinned,            // an operator pinned the record
  Unknown,           // a target has no verdict yet: unknown is not unhealthy
  FailStatic,        // no usable target: keep what is served
  HoldDown,          // changed automatically less than hold_down ago
  FlipBudget,        // max_flips_per_hour reached
  Frozen,            // automation frozen by an operator
  LocalNetworkDown,  // the local-network guard holds automation
};

std::string_view nameOf(Rule rule);  // "steady", "failover", "hold-down", ...

struct Decision {
  // What automation would choose without hold-backs (the status document's "desired").
  std::optional<std::string> desired;
  // What the record serves from now on: `desired`, unless a hold-back rule keeps what is served;
  // a pin sets both.
  std::optional<std::string> serve;
  Rule rule = Rule::Steady;
  bool change = false;    // `serve` differs from the active target
  bool degraded = false;  // no target of the record is usable
  std::string reason;     // one sentence for status, logs and the audit log
};

Decision decide(const RecordPolicy& record, const std::map<std::string, TargetState>& targets,
                const RecordHistory& history, const Controls& controls, const SafetyLimits& limits,
                Instant now);

}  // namespace planb::core
