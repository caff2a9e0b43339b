#include "operator_desk.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/dns_name.hpp"
#include "net/server_text.hpp"

namespace planb::daemon {

std::string_view nameOf(OperatorVerb verb) {
  switch (verb) {
    case OperatorVerb::Failover:
      return "failover";
    case OperatorVerb::Release:
      return "release";
    case OperatorVerb::Drain:
      return "drain";
    case OperatorVerb::Undrain:
      return "undrain";
    case OperatorVerb::Freeze:
      return "freeze";
    case OperatorVerb::Unfreeze:
      return "unfreeze";
  }
  return "unknown";
}

namespace {

OperatorAnswer refuse(std::string why) {
  return {false, std::move(why)};
}

std::string until(const core::Override& o) {
  return o.expires_at ? " until " + rfc3339(*o.expires_at) : "";
}

// Operator text (a reason, a user or record name as sent) on one line of a log: a '\r', ESC or NUL
// in it becomes \xHH, so it cannot rewrite the terminal or forge another line.
std::string printable(const std::string& text) {
  return net::quoteServerText(text, 4 * kMaxReasonBytes);
}

std::string because(const std::string& reason) {
  return reason.empty() ? "" : " (" + reason + ")";
}

// "pin www.example.com. -> vendor-b", "drain vendor-a", "freeze".
std::string describe(const core::Override& o) {
  return std::string(core::nameOf(o.kind)) + (o.subject.empty() ? "" : " " + o.subject) +
         (o.target.empty() ? "" : " -> " + o.target);
}

const config::RecordConfig* findRecord(const config::Config& config, const std::string& name) {
  std::string canonical = core::canonicalName(name);
  for (const config::RecordConfig& r : config.records) {
    if (r.name == canonical) {
      return &r;
    }
  }
  return nullptr;
}

// Why TARGET may not take traffic now, or empty when it is healthy and not drained.
std::string notUsable(const std::string& target, const std::map<std::string, core::TargetState>& s,
                      const core::Overrides& overrides) {
  if (overrides.drained(target)) {
    return target + " is drained";
  }
  auto it = s.find(target);
  core::Health health = it == s.end() ? core::Health::Unknown : it->second.health;
  if (health == core::Health::Unknown) {
    return target + " has no health verdict yet";
  }
  if (health != core::Health::Healthy) {
    return target + " is unhealthy";
  }
  if (it->second.vendor == core::Health::Unhealthy) {
    return target + "'s vendor is down";
  }
  return "";
}

}  // namespace

OperatorDesk::OperatorDesk(Log& log, const core::Clock& clock, StateStore& store, AuditLog& audit)
    : log_(log), clock_(clock), store_(store), audit_(audit) {}

void OperatorDesk::restore(std::vector<core::Override> overrides) {
  overrides_ = core::Overrides(std::move(overrides));
  for (const core::Override& o : overrides_.all()) {
    log_.info(printable("override restored: " + describe(o) + " by " + o.user + until(o) +
                        because(o.reason)));
  }
  expire();  // those whose time ran out while planbd was down
}

OperatorAnswer OperatorDesk::handle(const OperatorRequest& request, const Operator& who,
                                    const config::Config& config,
                                    const std::map<std::string, core::TargetState>& targets) {
  OperatorPlan plan =
      planOperatorRequest(request, who, config, targets, overrides_, clock_.wallNow());
  if (plan.next) {
    if (auto error = store_.saveOverrides(plan.next->all())) {
      plan.answer = notSaved(*error);
    } else {
      overrides_ = std::move(*plan.next);
    }
  }
  record(request, who, plan.answer);
  return plan.answer;
}

OperatorAnswer notSaved(const std::string& why) {
  return refuse("not done: the override could not be saved (" + why + ")");
}

void OperatorDesk::record(const OperatorRequest& request, const Operator& who,
                          const OperatorAnswer& answer) {
  AuditEntry entry{{"type", "operator"},
                   {"action", nameOf(request.verb)},
                   {"user", who.user},
                   {"uid", who.uid ? nlohmann::ordered_json(*who.uid) : nullptr}};
  if (!request.record.empty()) {
    entry["record"] = core::canonicalName(request.record);
  }
  if (!request.target.empty()) {
    entry["target"] = request.target;
  }
  if (request.duration) {
    entry["for"] = core::formatDuration(*request.duration);
  }
  if (request.force) {
    entry["force"] = true;
  }
  entry["reason"] = request.reason;
  entry["result"] = answer.ok ? "ok" : "refused";
  entry["message"] = answer.message;
  audit(std::move(entry));
  if (answer.ok) {
    log_.info(printable("operator " + who.user + ": " + answer.message));
  } else {
    log_.warn(printable("operator " + who.user + ": " + std::string(nameOf(request.verb)) +
                        " refused: " + answer.message));
  }
}

OperatorPlan planOperatorRequest(const OperatorRequest& request, const Operator& who,
                                 const config::Config& config,
                                 const std::map<std::string, core::TargetState>& targets,
                                 const core::Overrides& base, core::WallTime now) {
  if (request.duration && request.duration->count() <= 0) {
    return refuse("--for must be a positive duration");
  }
  core::Override o;
  o.reason = request.reason;
  o.user = who.user;
  o.created_at = now;
  if (request.duration) {
    o.expires_at = now + std::chrono::duration_cast<core::WallTime::duration>(*request.duration);
  }
  core::Overrides next = base;
  std::string done;
  switch (request.verb) {
    case OperatorVerb::Failover:
    case OperatorVerb::Release: {
      const config::RecordConfig* record = findRecord(config, request.record);
      if (!record) {
        return refuse("no record " + request.record + " in the configuration");
      }
      if (request.verb == OperatorVerb::Release) {
        if (!next.remove(core::OverrideKind::Pin, record->name)) {
          return OperatorAnswer{true, record->name + " was not pinned; nothing to release"};
        }
        done = "released " + record->name + ": automation decides again";
        break;
      }
      if (std::find(record->targets.begin(), record->targets.end(), request.target) ==
          record->targets.end()) {
        return refuse(request.target + " is not a target of " + record->name);
      }
      std::string why = notUsable(request.target, targets, base);
      if (!why.empty() && !request.force) {
        return refuse("refusing to move " + record->name + " to " + request.target + ": " + why +
                      "; use --force to move it anyway");
      }
      o.kind = core::OverrideKind::Pin;
      o.subject = record->name;
      o.target = request.target;
      next.set(o);
      done = "pinned " + record->name + " to " + request.target + until(o) + because(o.reason) +
             (why.empty() ? "" : " although " + why + " (--force)");
      break;
    }
    case OperatorVerb::Drain:
    case OperatorVerb::Undrain: {
      if (!config.target(request.target)) {
        return refuse("no target " + request.target + " in the configuration");
      }
      if (request.verb == OperatorVerb::Undrain) {
        if (!next.remove(core::OverrideKind::Drain, request.target)) {
          return OperatorAnswer{true, request.target + " was not drained; nothing to undrain"};
        }
        done = "undrained " + request.target + ": it may take traffic again";
        break;
      }
      o.kind = core::OverrideKind::Drain;
      o.subject = request.target;
      next.set(o);
      done = "drained " + request.target + until(o) + because(o.reason);
      break;
    }
    case OperatorVerb::Freeze:
      o.kind = core::OverrideKind::Freeze;
      next.set(o);
      done = "froze automation" + until(o) + because(o.reason);
      break;
    case OperatorVerb::Unfreeze:
      if (!next.remove(core::OverrideKind::Freeze, "")) {
        return OperatorAnswer{true, "automation was not frozen; nothing to unfreeze"};
      }
      done = "unfroze automation";
      break;
  }
  return {OperatorAnswer{true, done}, std::move(next)};
}

bool OperatorDesk::expire() {
  core::Overrides next = overrides_;
  std::vector<core::Override> gone = next.expire(clock_.wallNow());
  if (gone.empty()) {
    return false;
  }
  // Expiring is always safe, so it happens even when state.json cannot be written; a restart
  // then finds the override again and expires it at once.
  if (auto error = store_.saveOverrides(next.all())) {
    log_.error("state: " + *error + "; expired overrides are dropped in memory");
  }
  expired(std::move(next), gone);
  return true;
}

bool OperatorDesk::anyExpired() const {
  core::WallTime now = clock_.wallNow();
  return std::any_of(overrides_.all().begin(), overrides_.all().end(),
                     [now](const core::Override& o) { return o.expired(now); });
}

void OperatorDesk::expired(core::Overrides next, const std::vector<core::Override>& expired) {
  overrides_ = std::move(next);
  for (const core::Override& o : expired) {
    log_.info(printable("override expired: " + describe(o) + " (set by " + o.user +
                        because(o.reason) + ")"));
    AuditEntry entry{{"type", "operator"},
                     {"action", "expire"},
                     {"user", "planbd"},
                     {"uid", nullptr},
                     {"kind", core::nameOf(o.kind)}};
    if (o.kind == core::OverrideKind::Pin) {
      entry["record"] = o.subject;
      entry["target"] = o.target;
    } else if (o.kind == core::OverrideKind::Drain) {
      entry["target"] = o.subject;
    }
    entry["reason"] = "expired; set by " + o.user + because(o.reason);
    entry["result"] = "ok";
    audit(std::move(entry));
  }
}

core::Controls OperatorDesk::controls() const {
  core::Controls s;
  for (const core::Override& o : overrides_.all()) {
    switch (o.kind) {
      case core::OverrideKind::Pin:
        s.pins[o.subject] = o.target;
        break;
      case core::OverrideKind::Drain:
        s.drained.insert(o.subject);
        break;
      case core::OverrideKind::Freeze:
        s.frozen = true;
        break;
    }
  }
  return s;
}

void OperatorDesk::audit(AuditEntry entry) {
  if (auto error = audit_.append(std::move(entry), clock_.wallNow())) {
    log_.error("audit: " + *error + "; " + std::to_string(audit_.pending()) +
               " entr(ies) kept in memory until it can be written");
  }
}

std::variant<OperatorRequest, std::string> parseOperatorRequest(OperatorVerb verb,
                                                                const std::string& body) {
  OperatorRequest order;
  order.verb = verb;
  nlohmann::json json = nlohmann::json::object();
  if (!body.empty()) {
    try {
      json = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      return "unreadable request: not JSON (at byte " + std::to_string(e.byte) + ")";
    } catch (const nlohmann::json::exception&) {
      // out_of_range: a number too large for a double ("1E999"), which is no parse_error.
      return std::string("unreadable request: a number out of range");
    }
  }
  if (!json.is_object()) {
    return std::string("the body must be a JSON object");
  }
  auto text = [&](const char* key, std::string& out) -> std::optional<std::string> {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
      return std::nullopt;
    }
    if (!it->is_string()) {
      return "\"" + std::string(key) + "\" must be a string";
    }
    out = it->get<std::string>();
    return std::nullopt;
  };
  std::string duration;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"record", &order.record},
                          {"target", &order.target},
                          {"reason", &order.reason},
                          {"for", &duration}}) {
    if (std::optional<std::string> error = text(key, *out)) {
      return *error;
    }
  }
  if (order.reason.size() > kMaxReasonBytes) {
    return "\"reason\" is " + std::to_string(order.reason.size()) + " bytes; at most " +
           std::to_string(kMaxReasonBytes) + " are accepted";
  }
  if (auto it = json.find("force"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return std::string("\"force\" must be true or false");
    }
    order.force = it->get<bool>();
  }
  if (json.contains("for") && !json["for"].is_null()) {
    order.duration = core::parseDuration(duration);
    if (!order.duration) {
      return "\"for\": not a duration: " + duration;
    }
  }
  bool needs_record = verb == OperatorVerb::Failover || verb == OperatorVerb::Release;
  bool needs_target = verb == OperatorVerb::Failover || verb == OperatorVerb::Drain ||
                      verb == OperatorVerb::Undrain;
  if ((needs_record && order.record.empty()) || (needs_target && order.target.empty())) {
    return std::string(nameOf(verb)) + " needs" + (needs_record ? " \"record\"" : "") +
           (needs_target ? " \"target\"" : "");
  }
  return order;
}

}  // namespace planb::daemon
