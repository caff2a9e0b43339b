#include "rehearsal_json.hpp"

#include "core/rehearsal_step.hpp"

namespace planb::daemon {

namespace {

using Json = nlohmann::ordered_json;

Json unixTime(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Json rehearsalJson(const core::RehearsalKey& key, const core::RehearsalRecord* record) {
  Json out{{"zone", key.first}, {"provider", key.second}};
  if (record == nullptr) {
    out.update({{"passed", false},
                {"started", nullptr},
                {"ended", nullptr},
                {"failed_step", nullptr},
                {"error", nullptr},
                {"visible_after_ms", nullptr},
                {"last_success", nullptr}});
    return out;
  }
  out["passed"] = record->passed;
  out["started"] = unixTime(record->started);
  out["ended"] = unixTime(record->ended);
  out["failed_step"] =
      record->failed_step ? Json(core::nameOf(*record->failed_step)) : Json(nullptr);
  out["error"] = record->error.empty() ? Json(nullptr) : Json(record->error);
  out["visible_after_ms"] =
      record->visible_after ? Json(record->visible_after->count()) : Json(nullptr);
  out["last_success"] = record->last_success ? unixTime(*record->last_success) : Json(nullptr);
  return out;
}

Json rehearsalsJson(const config::Config& config, const core::RehearsalRecords& records) {
  Json out = Json::array();
  for (const config::ZoneConfig& zone : config.zones) {
    for (const std::string& provider : zone.providers) {
      core::RehearsalKey key{zone.name, provider};
      auto it = records.find(key);
      out.push_back(rehearsalJson(key, it == records.end() ? nullptr : &it->second));
    }
  }
  return out;
}

}  // namespace planb::daemon
