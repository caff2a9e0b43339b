#include "health_board.hpp"

namespace planb::core {

HealthBoard::HealthBoard(std::vector<BoardTarget> targets, std::vector<BoardProbe> probes,
                         VendorDownRule vendor_rule)
    : targets_(std::move(targets)), probes_(std::move(probes)), vendor_rule_(vendor_rule) {
  trackers_.reserve(probes_.size());
  for (const BoardProbe& p : probes_) {
    trackers_.emplace_back(p.thresholds);
  }
  for (const BoardTarget& t : targets_) {
    target_verdicts_[t.name] = {};
    vendor_verdicts_[t.vendor] = {};
  }
}

Health HealthBoard::computeTarget(const BoardTarget& t) const {
  std::vector<Health> healths;
  for (std::size_t i = 0; i < probes_.size(); ++i) {
    if (probes_[i].target == t.name) {
      healths.push_back(trackers_[i].health());
    }
  }
  return core::targetHealth(t.healthy_when, healths);
}

Health HealthBoard::computeVendor(const std::string& vendor) const {
  std::vector<RegionProbe> regions;
  for (const BoardTarget& t : targets_) {
    if (t.vendor != vendor) {
      continue;
    }
    for (std::size_t i = 0; i < probes_.size(); ++i) {
      if (probes_[i].target == t.name) {
        regions.push_back({probes_[i].region, trackers_[i].health()});
      }
    }
  }
  return core::vendorHealth(vendor_rule_, regions);
}

void HealthBoard::refreshVerdicts(Instant now, BoardUpdate* update, const std::string& target,
                                  const std::string& vendor) {
  for (const BoardTarget& t : targets_) {
    if (t.name != target) {
      continue;
    }
    Verdict& v = target_verdicts_[t.name];
    Health h = computeTarget(t);
    if (h != v.health) {
      v = {h, now};
      if (update) {
        update->target_changed = true;
      }
    }
    if (update) {
      update->target_health = h;
    }
  }
  Verdict& vv = vendor_verdicts_[vendor];
  Health vh = computeVendor(vendor);
  if (vh != vv.health) {
    vv = {vh, now};
    if (update) {
      update->vendor_changed = true;
    }
  }
  if (update) {
    update->vendor_health = vh;
  }
}

BoardUpdate HealthBoard::record(std::size_t probe_index, const ProbeResult& result, Instant now) {
  BoardUpdate update;
  update.probe = trackers_[probe_index].record(result);
  update.probe_health = trackers_[probe_index].health();
  if (update.probe == Transition::Changed) {
    const std::string& target = probes_[probe_index].target;
    for (const BoardTarget& t : targets_) {
      if (t.name == target) {
        refreshVerdicts(now, &update, target, t.vendor);
      }
    }
  } else {
    update.target_health = targetHealth(probes_[probe_index].target);
  }
  return update;
}

Health HealthBoard::targetHealth(const std::string& target) const {
  auto it = target_verdicts_.find(target);
  return it == target_verdicts_.end() ? Health::Unknown : it->second.health;
}

Health HealthBoard::vendorHealth(const std::string& vendor) const {
  auto it = vendor_verdicts_.find(vendor);
  return it == vendor_verdicts_.end() ? Health::Unknown : it->second.health;
}

std::map<std::string, TargetState> HealthBoard::targetStates() const {
  std::map<std::string, TargetState> out;
  for (const BoardTarget& t : targets_) {
    const Verdict& v = target_verdicts_.at(t.name);
    const Verdict& vv = vendor_verdicts_.at(t.vendor);
    TargetState& s = out[t.name];
    s.health = v.health;
    s.healthy_since = v.since;
    s.vendor = vv.health;
    s.vendor_up_since = vv.since;
  }
  return out;
}

void HealthBoard::adopt(const HealthBoard& previous, Instant now) {
  std::map<std::string, std::size_t> old_index;
  for (std::size_t i = 0; i < previous.probes_.size(); ++i) {
    old_index[previous.probes_[i].identity] = i;
  }
  for (std::size_t i = 0; i < probes_.size(); ++i) {
    auto it = old_index.find(probes_[i].identity);
    if (it != old_index.end()) {
      trackers_[i] = previous.trackers_[it->second];
    }
  }
  // Verdicts that come out the same keep their "since", so failback_after is not restarted.
  for (const BoardTarget& t : targets_) {
    Health h = computeTarget(t);
    auto old = previous.target_verdicts_.find(t.name);
    bool same = old != previous.target_verdicts_.end() && old->second.health == h;
    target_verdicts_[t.name] = same ? old->second : Verdict{h, now};
  }
  for (auto& [vendor, verdict] : vendor_verdicts_) {
    Health h = computeVendor(vendor);
    auto old = previous.vendor_verdicts_.find(vendor);
    bool same = old != previous.vendor_verdicts_.end() && old->second.health == h;
    verdict = same ? old->second : Verdict{h, now};
  }
}

}  // namespace planb::core
