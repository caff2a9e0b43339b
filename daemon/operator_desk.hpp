#pragma once
// The operator's overrides (pin, drain, freeze): checks each request against the configuration
// and the targets' health, persists it (state.json here; etcd through the fleet's Authority)
// and writes it to the audit log before it is acknowledged, and expires overrides on time.
// Decisions stay in the core; this only holds what operators asked for.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "audit_log.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/decision.hpp"
#include "core/duration.hpp"
#include "core/overrides.hpp"
#include "log.hpp"
#include "state_store.hpp"

namespace planb::daemon {

enum class OperatorVerb { Failover, Release, Drain, Undrain, Freeze, Unfreeze };

// The longest reason an operator may give (a sentence or two, not a runbook).
inline constexpr std::size_t kMaxReasonBytes = 500;

struct OperatorRequest {
  OperatorVerb verb = OperatorVerb::Freeze;
  std::string record;  // failover, release
  std::string target;  // failover (--to), drain, undrain
  std::string reason;
  std::optional<core::Millis> duration;  // --for
  bool force = false;                    // failover to a target that is not healthy
};

struct Operator {
  std::optional<unsigned> uid;  // the peer of the admin socket
  std::string user;             // its user name, or "uid N"
};

struct OperatorAnswer {
  bool ok = false;
  std::string message;  // what was done, or why it was refused
};

// What a request does to the overrides BASE: the answer, and the overrides to store before it is
// given when the request changes them. No I/O: fleet mode runs it where etcd's overrides are read.
struct OperatorPlan {
  OperatorPlan(OperatorAnswer a, std::optional<core::Overrides> n = std::nullopt)
      : answer(std::move(a)), next(std::move(n)) {}
  OperatorAnswer answer;
  std::optional<core::Overrides> next;
};
OperatorPlan planOperatorRequest(const OperatorRequest& request, const Operator& who,
                                 const config::Config& config,
                                 const std::map<std::string, core::TargetState>& targets,
                                 const core::Overrides& base, core::WallTime now);

// The refusal of a request whose overrides could not be stored.
OperatorAnswer notSaved(const std::string& why);

class OperatorDesk {
 public:
  OperatorDesk(Log& log, const core::Clock& clock, StateStore& store, AuditLog& audit);

  // The overrides found in state.json at start.
  void restore(std::vector<core::Override> overrides);

  // Fleet mode: the fleet's current set, as stored in etcd.
  void replace(std::vector<core::Override> overrides) {
    overrides_ = core::Overrides(std::move(overrides));
  }

  // Plans the request, saves the result in state.json, then records and answers it.
  OperatorAnswer handle(const OperatorRequest& request, const Operator& who,
                        const config::Config& config,
                        const std::map<std::string, core::TargetState>& targets);
  // Audits and logs an answered request (handle() does; fleet mode after its etcd save).
  void record(const OperatorRequest& request, const Operator& who, const OperatorAnswer& answer);

  // Drops the overrides whose time is up and saves the rest in state.json; true when any did
  // (the controls changed).
  bool expire();
  // Whether any override's time is up (fleet mode expires them through etcd).
  bool anyExpired() const;
  // Fleet mode: NEXT, stored without EXPIRED, is now in force; logs and audits each expiry.
  void expired(core::Overrides next, const std::vector<core::Override>& expired);

  // Pins, drains and freeze for the reconciler; the guards are not the desk's to set.
  core::Controls controls() const;
  const core::Overrides& overrides() const noexcept { return overrides_; }

 private:
  void audit(AuditEntry entry);

  Log& log_;
  const core::Clock& clock_;
  StateStore& store_;
  AuditLog& audit_;
  core::Overrides overrides_;
};

std::string_view nameOf(OperatorVerb verb);  // "failover", "release", ...

// The JSON body of POST /v1/<verb> (empty: {}): {"record", "target", "reason", "force", "for"}.
// The request, or why it is refused, in a message for the operator (what was wrong and where,
// never the raw bytes): not JSON, not an object, a key of the wrong type, "for" not a duration,
// "record"/"target" missing where VERB needs them, a reason over kMaxReasonBytes. Never throws.
// Unknown keys are ignored.
std::variant<OperatorRequest, std::string> parseOperatorRequest(OperatorVerb verb,
                                                                const std::string& body);

}  // namespace planb::daemon
