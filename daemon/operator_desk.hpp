#pragma once
// The operator's overrides (pin, drain, freeze): checks each request against the configuration
// and the targets' health, persists it in state.json and writes it to the audit log before it
// is acknowledged, and expires overrides on time. Decisions stay in the core; this only holds
// what operators asked for.

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
#include "steering.hpp"

namespace planb::daemon {

enum class OperatorVerb { Failover, Release, Drain, Undrain, Freeze, Unfreeze };

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

class OperatorDesk {
 public:
  OperatorDesk(Log& log, const core::Clock& clock, StateStore& store, AuditLog& audit);

  // The overrides found in state.json at start.
  void restore(std::vector<core::Override> overrides);

  // Fleet mode: the overrides live in etcd. SAVE replaces state.json as where an override must
  // be before it is acknowledged (and expired); replace() takes the fleet's current set.
  using Save = std::function<std::optional<std::string>(const std::vector<core::Override>&)>;
  void setSave(Save save) { save_ = std::move(save); }
  void replace(std::vector<core::Override> overrides) {
    overrides_ = core::Overrides(std::move(overrides));
  }

  OperatorAnswer handle(const OperatorRequest& request, const Operator& who,
                        const config::Config& config,
                        const std::map<std::string, core::TargetState>& targets);

  // Drops the overrides whose time is up; true when any did (the steering changed).
  bool expire();

  // Pins, drains and freeze for the reconciler; the guard is not the desk's to set.
  Steering steering() const;
  const core::Overrides& overrides() const noexcept { return overrides_; }

 private:
  OperatorAnswer apply(const OperatorRequest& request, const Operator& who,
                       const config::Config& config,
                       const std::map<std::string, core::TargetState>& targets);
  // Persists NEXT; on success it becomes the overrides in force.
  std::optional<std::string> commit(core::Overrides next);
  void audit(AuditEntry entry);

  Log& log_;
  const core::Clock& clock_;
  StateStore& store_;
  AuditLog& audit_;
  core::Overrides overrides_;
  Save save_;
};

std::string_view nameOf(OperatorVerb verb);  // "failover", "release", ...

// The JSON body of POST /v1/<verb> (empty: {}): {"record", "target", "reason", "force", "for"}.
// The request, or why it is refused, in a message for the operator (what was wrong and where,
// never the raw bytes): not JSON, not an object, a key of the wrong type, "for" not a duration,
// "record"/"target" missing where VERB needs them. Never throws. Unknown keys are ignored.
std::variant<OperatorRequest, std::string> parseOperatorRequest(OperatorVerb verb,
                                                                const std::string& body);

}  // namespace planb::daemon
