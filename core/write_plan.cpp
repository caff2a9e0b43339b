#include "write_plan.hpp"

namespace planb::core {

bool servesCname(const ServedState& served, std::string_view cname) {
  return served.kind == ServedState::Kind::Cname && served.cname == cname;
}

WritePlan planWrites(const std::vector<DesiredRecord>& desired, const ServedByProvider& served) {
  WritePlan plan;
  for (const DesiredRecord& record : desired) {
    for (const auto& [provider, records] : served) {
      auto it = records.find(record.name);
      if (it == records.end()) {
        continue;  // the provider takes no part in this record
      }
      const ServedState& now = it->second;
      if (now.kind == ServedState::Kind::Unknown) {
        plan.reads.push_back({provider, record.name});
        continue;
      }
      if (record.cname.empty()) {
        continue;
      }
      if (now.kind == ServedState::Kind::OtherType) {
        plan.blocked.push_back({provider, record.name, now.other_type});
      } else if (servesCname(now, record.cname)) {
        plan.in_sync.push_back({provider, record.name});
      } else {
        std::optional<std::string> expected;
        if (now.kind == ServedState::Kind::Cname) {
          expected = now.cname;
        }
        plan.writes[{provider, record.zone}].push_back(
            {record.name, std::move(expected), record.cname, record.ttl});
      }
    }
  }
  return plan;
}

}  // namespace planb::core
