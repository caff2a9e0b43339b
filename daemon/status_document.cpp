#include "status_document.hpp"

#include <set>

#include "pretty_json.hpp"

namespace planb::daemon {

namespace {

using Json = nlohmann::ordered_json;
using providers::ServedRecord;

Json servedJson(const std::optional<ServedRecord>& served) {
  if (!served) {
    return nullptr;  // not read yet, or the last read failed
  }
  switch (served->kind) {
    case ServedRecord::Kind::Absent:
      return Json{{"kind", "absent"}};
    case ServedRecord::Kind::Cname:
      return Json{{"kind", "cname"}, {"target", served->target}, {"ttl", served->ttl}};
    case ServedRecord::Kind::Conflict:
      return Json{{"kind", "conflict"}, {"type", served->conflict_type}};
  }
  return nullptr;
}

// The same as servedJson, written as it goes.
void writeServed(PrettyJson& out, const std::optional<ServedRecord>& served) {
  if (!served) {
    out.null();
    return;
  }
  switch (served->kind) {
    case ServedRecord::Kind::Absent:
      out.beginObject().key("kind").string("absent").endObject();
      return;
    case ServedRecord::Kind::Cname:
      out.beginObject().key("kind").string("cname").key("target").string(served->target);
      out.key("ttl").number(served->ttl).endObject();
      return;
    case ServedRecord::Kind::Conflict:
      out.beginObject().key("kind").string("conflict").key("type").string(served->conflict_type);
      out.endObject();
      return;
  }
  out.null();
}

std::int64_t unixSeconds(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Json optionalString(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// Vendors and regions are "up", "down" or "unknown".
std::string_view upDown(core::Health h) {
  return h == core::Health::Unhealthy ? "down" : h == core::Health::Healthy ? "up" : "unknown";
}

std::string downWhen(const core::VendorDownRule& rule) {
  switch (rule.kind) {
    case core::VendorDownRule::Kind::Majority:
      return "majority";
    case core::VendorDownRule::Kind::All:
      return "all";
    case core::VendorDownRule::Kind::AtLeast:
      return std::to_string(rule.regions);
  }
  return "majority";
}

Json overrideJson(const core::Override& o) {
  Json j;
  if (o.kind == core::OverrideKind::Pin) {
    j["record"] = o.subject;
    j["target"] = o.target;
  } else if (o.kind == core::OverrideKind::Drain) {
    j["target"] = o.subject;
  }
  j["reason"] = o.reason;
  j["user"] = o.user;
  j["since_unix_time"] = unixSeconds(o.created_at);
  j["expires_unix_time"] = o.expires_at ? Json(unixSeconds(*o.expires_at)) : Json(nullptr);
  return j;
}

Json fleetJson(const FleetStatus& fleet) {
  Json nodes = Json::array();
  for (const core::NodeView& view : fleet.nodes) {
    Json targets = Json::object();
    for (const auto& [name, health] : view.targets) {
      targets[name] = core::nameOf(health);
    }
    Json vendors = Json::object();
    for (const auto& [name, health] : view.vendors) {
      vendors[name] = upDown(health);
    }
    nodes.push_back({{"node", view.node},
                     {"live", !view.guard_down},
                     {"guard_down", view.guard_down},
                     {"leader", fleet.leader == view.node},
                     {"self", view.node == fleet.node},
                     {"targets", targets},
                     {"vendors", vendors}});
  }
  return {{"node", fleet.node},
          {"leader", optionalString(fleet.leader)},
          {"leading", fleet.leading},
          {"etcd_up", fleet.etcd_up},
          {"etcd_error", fleet.etcd_error},
          {"quorum", fleet.quorum},
          {"quorum_setting", fleet.quorum_setting},
          {"min_nodes", fleet.min_nodes},
          {"live_nodes", fleet.live_nodes},
          {"automation", fleet.automation},
          {"leader_changes", fleet.leader_changes},
          {"nodes", nodes}};
}

}  // namespace

Json statusDocument(const config::Config& config, const core::HealthBoard& board,
                    const std::map<std::string, RecordRuntime>& records,
                    const core::Overrides& overrides, const GuardStatus& guard,
                    const FleetStatus* fleet) {
  Json out;
  out["records"] = Json::array();
  for (const auto& [name, record] : records) {
    std::string want;
    if (record.history.active) {
      if (const config::TargetConfig* t = config.target(*record.history.active)) {
        want = t->cname;
      }
    }
    Json providers = Json::array();
    for (const auto& [provider, sync] : record.sync) {
      bool in_sync = sync.served && sync.served->kind == ServedRecord::Kind::Cname &&
                     sync.served->target == want;
      const config::ProviderConfig* provider_config = config.provider(provider);
      // The webhook protocol has no compare-and-swap: planbd reads just before writing, and a
      // change by another writer in between is overwritten (product.md §3 asks to say so).
      Json note =
          provider_config != nullptr && provider_config->type == config::ProviderType::Webhook
              ? Json("no compare-and-swap: read just before each write")
              : Json(nullptr);
      providers.push_back(
          {{"name", provider},
           {"note", note},
           {"in_sync", in_sync},
           {"served", servedJson(sync.served)},
           {"busy", sync.busy},
           {"failures", sync.failures},
           {"last_error", sync.last_error.empty() ? Json(nullptr) : Json(sync.last_error)},
           // Written and accepted, not yet applied everywhere by the provider (Route 53 PENDING).
           {"propagating", sync.propagating_change.empty()
                               ? Json(nullptr)
                               : Json{{"change", sync.propagating_change},
                                      {"since_unix_time", unixSeconds(sync.propagating_since)}}},
           // Written with the provider's minimum TTL, above the record's (Alibaba DNS MinTtl).
           {"ttl_raised", sync.raised_ttl == 0 ? Json(nullptr)
                                               : Json{{"configured", record.config.ttl},
                                                      {"written", sync.raised_ttl}}}});
    }
    out["records"].push_back(
        {{"name", name},
         {"zone", record.config.zone},
         {"served", optionalString(record.history.active)},
         {"desired", optionalString(record.decision.desired)},
         {"rule", core::nameOf(record.decision.rule)},
         {"reason", record.decision.reason},
         {"degraded", record.decision.degraded},
         {"last_change", record.last_change.empty()
                             ? Json(nullptr)
                             : Json{{"what", record.last_change},
                                    {"unix_time", unixSeconds(record.last_change_at)}}},
         {"targets", record.config.targets},
         {"providers", providers}});
  }
  out["targets"] = Json::array();
  std::set<std::string> vendors;
  for (const core::BoardTarget& t : board.targets()) {
    vendors.insert(t.vendor);
    Json probes = Json::array();
    for (std::size_t i = 0; i < board.probes().size(); ++i) {
      const core::BoardProbe& p = board.probes()[i];
      if (p.target == t.name) {
        probes.push_back({{"name", p.name},
                          {"region", p.region},
                          {"health", core::nameOf(board.probeHealth(i))}});
      }
    }
    const config::TargetConfig* tc = config.target(t.name);
    out["targets"].push_back({{"name", t.name},
                              {"vendor", t.vendor},
                              {"cname", tc ? tc->cname : std::string()},
                              {"health", core::nameOf(board.targetHealth(t.name))},
                              {"drained", overrides.drained(t.name)},
                              {"probes", probes}});
  }
  out["vendors"] = Json::array();
  for (const std::string& vendor : vendors) {
    core::Health h = board.vendorHealth(vendor);
    Json regions = Json::array();
    for (const auto& [region, health] : board.regionHealth(vendor)) {
      regions.push_back({{"name", region}, {"state", upDown(health)}});
    }
    const core::VendorDownRule& rule = board.vendorRule(vendor);
    out["vendors"].push_back({{"name", vendor},
                              {"down", h == core::Health::Unhealthy},
                              {"health", upDown(h)},
                              {"down_when", downWhen(rule)},
                              {"regions", regions}});
  }
  Json pins = Json::array();
  Json drains = Json::array();
  for (const core::Override& o : overrides.all()) {
    if (o.kind == core::OverrideKind::Pin) {
      pins.push_back(overrideJson(o));
    } else if (o.kind == core::OverrideKind::Drain) {
      drains.push_back(overrideJson(o));
    }
  }
  const core::Override* freeze = overrides.freeze();
  out["overrides"] = {{"pins", pins},
                      {"drains", drains},
                      {"frozen", freeze != nullptr},
                      {"freeze", freeze ? overrideJson(*freeze) : Json(nullptr)}};
  Json canaries = Json::array();
  for (const auto& [canary, last] : guard.canaries) {
    canaries.push_back({{"canary", canary}, {"last", last}});
  }
  out["guard"] = {{"local_network_down", guard.local_network_down}, {"canaries", canaries}};
  out["cluster"] = fleet ? fleetJson(*fleet) : Json(nullptr);
  return out;
}

std::string planJson(const config::Config& config,
                     const std::map<std::string, RecordRuntime>& records) {
  PrettyJson out;
  out.beginObject().key("changes").beginArray();
  for (const auto& [name, record] : records) {
    // The plan's "desired" is what the record serves from now on (a hold-back included), unlike
    // the status document's, which is what automation would choose.
    const std::optional<std::string>& serve = record.decision.serve;
    const config::TargetConfig* target = serve ? config.target(*serve) : nullptr;
    const std::string no_cname;
    const std::string& want = target ? target->cname : no_cname;
    for (const auto& [provider, sync] : record.sync) {
      std::string action;
      if (!record.verdicts_seen || !serve) {
        action = "none: waiting for verdicts";
      } else if (!sync.served) {
        action = "read first: not read yet, or the last read failed";
      } else if (sync.served->kind == ServedRecord::Kind::Conflict) {
        action = "none: the name holds a " + sync.served->conflict_type + " record";
      } else if (sync.served->kind == ServedRecord::Kind::Cname && sync.served->target == want) {
        action = "none: in sync";
      } else {
        action = "write CNAME " + want;
      }
      out.beginObject().key("record").string(name).key("provider").string(provider);
      writeServed(out.key("served"), sync.served);
      if (serve) {
        out.key("desired").string(*serve);
      } else {
        out.key("desired").null();
      }
      if (want.empty()) {
        out.key("desired_cname").null();
      } else {
        out.key("desired_cname").string(want);
      }
      out.key("action").string(action);
      out.key("rule").string(core::nameOf(record.decision.rule));
      out.key("reason").string(record.decision.reason);
      out.endObject();
    }
  }
  out.endArray().endObject();
  return std::move(out).take();
}

}  // namespace planb::daemon
