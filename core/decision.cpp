#include "decision.hpp"

#include <algorithm>
#include <chrono>

namespace planb::core {

namespace {

constexpr auto kHour = std::chrono::hours(1);

const TargetState kUnknownTarget{};

const TargetState& stateOf(const std::map<std::string, TargetState>& targets,
                           const std::string& name) {
  auto it = targets.find(name);
  return it == targets.end() ? kUnknownTarget : it->second;
}

// Every verdict the record depends on is known.
bool verdictsKnown(const RecordPolicy& record, const std::map<std::string, TargetState>& targets,
                   std::string* missing) {
  for (const std::string& t : record.targets) {
    const TargetState& s = stateOf(targets, t);
    if (s.health == Health::Unknown ||
        (record.failover_on == FailoverOn::Vendor && s.vendor == Health::Unknown)) {
      *missing = t;
      return false;
    }
  }
  return true;
}

// Keeps serving: with failover_on = "vendor" only the vendor's verdict counts, so a single
// region's trouble is left to the vendor's own redundancy.
bool canKeep(FailoverOn mode, const TargetState& s) {
  if (s.drained) {
    return false;
  }
  return mode == FailoverOn::Vendor ? s.vendor == Health::Healthy : s.health == Health::Healthy;
}

// Can be moved to: never to worse, so the target itself must be healthy in either mode.
bool canMoveTo(FailoverOn mode, const TargetState& s) {
  return canKeep(mode, s) && s.health == Health::Healthy;
}

Instant usableSince(FailoverOn mode, const TargetState& s) {
  return mode == FailoverOn::Vendor ? std::max(s.healthy_since, s.vendor_up_since)
                                    : s.healthy_since;
}

std::string describeUnusable(FailoverOn mode, const std::string& name, const TargetState& s) {
  if (s.drained) {
    return name + " is drained";
  }
  if (mode == FailoverOn::Vendor && s.vendor != Health::Healthy) {
    return name + "'s vendor is down";
  }
  return name + " is " + std::string(nameOf(s.health));
}

std::string seconds(Millis d) {
  return formatDuration(std::chrono::duration_cast<Millis>(d));
}

// The choice of automation alone, before operator controls and hold-back rules.
Decision chooseAutomatically(const RecordPolicy& record,
                             const std::map<std::string, TargetState>& targets,
                             const RecordHistory& history, Instant now) {
  Decision d;
  const auto& order = record.targets;
  auto active_it =
      history.active ? std::find(order.begin(), order.end(), *history.active) : order.end();
  auto first_movable = std::find_if(order.begin(), order.end(), [&](const std::string& t) {
    return canMoveTo(record.failover_on, stateOf(targets, t));
  });
  d.degraded = std::none_of(order.begin(), order.end(), [&](const std::string& t) {
    return canKeep(record.failover_on, stateOf(targets, t));
  });

  if (active_it != order.end() && canKeep(record.failover_on, stateOf(targets, *active_it))) {
    d.desired = *active_it;
    d.rule = Rule::Steady;
    d.reason = *active_it + " is usable";
    if (first_movable >= active_it) {
      return d;
    }
    if (record.failback == Failback::Manual) {
      d.rule = Rule::FailbackManual;
      d.reason = *first_movable + " is healthy again; failback is manual";
      return d;
    }
    // The highest-priority target that has stayed usable long enough.
    for (auto it = order.begin(); it != active_it; ++it) {
      const TargetState& s = stateOf(targets, *it);
      if (canMoveTo(record.failover_on, s) &&
          now - usableSince(record.failover_on, s) >= record.failback_after) {
        d.desired = *it;
        d.rule = Rule::Failback;
        d.reason =
            *it + " has been healthy for " +
            seconds(std::chrono::duration_cast<Millis>(now - usableSince(record.failover_on, s))) +
            " (failback_after " + seconds(record.failback_after) + ")";
        return d;
      }
    }
    const TargetState& s = stateOf(targets, *first_movable);
    d.rule = Rule::FailbackPending;
    d.reason =
        *first_movable + " healthy for " +
        seconds(std::chrono::duration_cast<Millis>(now - usableSince(record.failover_on, s))) +
        " of failback_after " + seconds(record.failback_after);
    return d;
  }

  if (first_movable == order.end()) {
    d.desired = history.active;
    d.rule = Rule::FailStatic;
    d.reason = "no usable target: keeping " + history.active.value_or("what is served");
    return d;
  }
  d.desired = *first_movable;
  if (!history.active) {
    d.rule = Rule::Initial;
    d.reason = *first_movable + " is the first usable target";
  } else if (active_it == order.end()) {
    d.rule = Rule::Failover;
    d.reason = *history.active + " is not a target of this record; " + *first_movable +
               " is the first usable target";
  } else {
    d.rule = Rule::Failover;
    d.reason = describeUnusable(record.failover_on, *active_it, stateOf(targets, *active_it)) +
               "; " + *first_movable + " is the first usable target";
  }
  return d;
}

}  // namespace

void RecordHistory::noteAutomaticChange(Instant now) {
  automatic_changes.push_back(now);
  std::erase_if(automatic_changes, [&](Instant t) { return now - t >= kHour; });
}

std::uint32_t RecordHistory::changesInLastHour(Instant now) const {
  return static_cast<std::uint32_t>(
      std::count_if(automatic_changes.begin(), automatic_changes.end(),
                    [&](Instant t) { return now - t < kHour && t <= now; }));
}

std::string_view nameOf(Rule rule) {
  switch (rule) {
    case Rule::Steady:
      return "steady";
    case Rule::Initial:
      return "initial";
    case Rule::Failover:
      return "failover";
    case Rule::Failback:
      return "failback";
    case Rule::FailbackPending:
      return "failback-pending";
    case Rule::FailbackManual:
      return "failback-manual";
    case Rule::Pinned:
      return "pinned";
    case Rule::Unknown:
      return "unknown";
    case Rule::FailStatic:
      return "fail-static";
    case Rule::HoldDown:
      return "hold-down";
    case Rule::FlipBudget:
      return "flip-budget";
    case Rule::Frozen:
      return "frozen";
    case Rule::LocalNetworkDown:
      return "local-network-down";
  }
  return "unknown";
}

std::optional<std::string> Controls::pinOf(const std::string& record) const {
  auto pin = pins.find(record);
  return pin == pins.end() ? std::nullopt : std::optional<std::string>(pin->second);
}

Decision decide(const RecordPolicy& record, const std::map<std::string, TargetState>& targets,
                const RecordHistory& history, const Controls& controls, const SafetyLimits& limits,
                Instant now) {
  if (std::optional<std::string> pin = controls.pinOf(record.name)) {
    Decision d;
    d.serve = d.desired = pin;
    d.rule = Rule::Pinned;
    d.change = history.active != pin;
    d.degraded = !canKeep(record.failover_on, stateOf(targets, *pin));
    d.reason = "pinned to " + *pin + " by an operator";
    return d;
  }

  std::string missing;
  if (!verdictsKnown(record, targets, &missing)) {
    Decision d;
    d.serve = history.active;
    d.rule = Rule::Unknown;
    d.reason = "waiting for a verdict on " + missing + ": unknown is not unhealthy";
    return d;
  }

  Decision d = chooseAutomatically(record, targets, history, now);
  d.serve = history.active;
  if (d.desired == history.active || !d.desired) {
    return d;
  }

  // A change is wanted; the hold-back rules may still keep what is served.
  auto hold = [&](Rule rule, std::string why) {
    d.rule = rule;
    d.reason = why + "; would move to " + *d.desired + " (" + d.reason + ")";
    return d;
  };
  if (controls.local_network_down) {
    return hold(Rule::LocalNetworkDown, "every canary fails: automation holds");
  }
  if (!controls.fleet_hold.empty()) {
    return hold(Rule::FailStatic, controls.fleet_hold);
  }
  if (controls.frozen) {
    return hold(Rule::Frozen, "automation is frozen");
  }
  if (!history.automatic_changes.empty() &&
      now - history.automatic_changes.back() < limits.hold_down) {
    auto since = std::chrono::duration_cast<Millis>(now - history.automatic_changes.back());
    return hold(Rule::HoldDown,
                "changed " + seconds(since) + " ago, hold_down is " + seconds(limits.hold_down));
  }
  if (history.changesInLastHour(now) >= limits.max_flips_per_hour) {
    return hold(Rule::FlipBudget, std::to_string(history.changesInLastHour(now)) +
                                      " automatic changes in the last hour (max_flips_per_hour " +
                                      std::to_string(limits.max_flips_per_hour) + ")");
  }
  d.serve = d.desired;
  d.change = true;
  return d;
}

}  // namespace planb::core
