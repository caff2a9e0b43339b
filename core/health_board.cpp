#include "health_board.hpp"

namespace planb::core {

HealthBoard::HealthBoard(std::vector<BoardTarget> targets, std::vector<BoardProbe> probes,
                         std::map<std::string, VendorDownRule> vendor_rules)
    : targets_(std::move(targets)),
      probes_(std::move(probes)),
      vendor_rules_(std::move(vendor_rules)) {
  trackers_.reserve(probes_.size());
  for (const BoardProbe& p : probes_) {
    trackers_.emplace_back(p.thresholds);
  }
  for (std::size_t entry = 0; entry < targets_.size(); ++entry) {
    const BoardTarget& t = targets_[entry];
    auto [vendor, new_vendor] = vendor_index_.try_emplace(t.vendor, vendors_.size());
    if (new_vendor) {
      vendors_.push_back(t.vendor);
    }
    if (target_index_.try_emplace(t.name, target_entry_.size()).second) {
      target_entry_.push_back(entry);
      target_vendor_.push_back(vendor->second);
    }
  }
  target_probes_.resize(target_entry_.size());
  probe_target_.assign(probes_.size(), kNone);
  for (std::size_t i = 0; i < probes_.size(); ++i) {
    std::size_t target = targetIndex(probes_[i].target);
    probe_target_[i] = target;
    if (target != kNone) {
      target_probes_[target].push_back(i);
    }
  }
  // A vendor's probes in target order, then in probe order within each target.
  vendor_probes_.resize(vendors_.size());
  for (std::size_t target = 0; target < target_probes_.size(); ++target) {
    auto& into = vendor_probes_[target_vendor_[target]];
    into.insert(into.end(), target_probes_[target].begin(), target_probes_[target].end());
  }
  target_verdicts_.resize(target_entry_.size());
  vendor_verdicts_.resize(vendors_.size());
}

std::size_t HealthBoard::targetIndex(const std::string& target) const {
  auto it = target_index_.find(target);
  return it == target_index_.end() ? kNone : it->second;
}

std::size_t HealthBoard::vendorIndex(const std::string& vendor) const {
  auto it = vendor_index_.find(vendor);
  return it == vendor_index_.end() ? kNone : it->second;
}

Health HealthBoard::computeTarget(std::size_t target) const {
  std::vector<Health> healths;
  healths.reserve(target_probes_[target].size());
  for (std::size_t i : target_probes_[target]) {
    healths.push_back(trackers_[i].health());
  }
  return core::targetHealth(targets_[target_entry_[target]].healthy_when, healths);
}

namespace {
const VendorDownRule kMajority;
}  // namespace

const VendorDownRule& HealthBoard::vendorRule(const std::string& vendor) const {
  auto it = vendor_rules_.find(vendor);
  return it == vendor_rules_.end() ? kMajority : it->second;
}

std::vector<RegionProbe> HealthBoard::regionProbes(std::size_t vendor) const {
  std::vector<RegionProbe> regions;
  regions.reserve(vendor_probes_[vendor].size());
  for (std::size_t i : vendor_probes_[vendor]) {
    regions.push_back({probes_[i].region, trackers_[i].health()});
  }
  return regions;
}

Health HealthBoard::computeVendor(std::size_t vendor) const {
  return core::vendorHealth(vendorRule(vendors_[vendor]), regionProbes(vendor));
}

std::map<std::string, Health> HealthBoard::regionHealth(const std::string& vendor) const {
  std::size_t v = vendorIndex(vendor);
  return v == kNone ? std::map<std::string, Health>{} : core::regionHealth(regionProbes(v));
}

void HealthBoard::refreshVerdicts(Instant now, BoardUpdate& update, std::size_t target) {
  Verdict& v = target_verdicts_[target];
  Health h = computeTarget(target);
  if (h != v.health) {
    v = {h, now};
    update.target_changed = true;
  }
  update.target_health = h;
  std::size_t vendor = target_vendor_[target];
  Verdict& vv = vendor_verdicts_[vendor];
  Health vh = computeVendor(vendor);
  if (vh != vv.health) {
    vv = {vh, now};
    update.vendor_changed = true;
  }
  update.vendor_health = vh;
}

BoardUpdate HealthBoard::record(std::size_t probe_index, const ProbeResult& result, Instant now) {
  BoardUpdate update;
  update.probe = trackers_[probe_index].record(result);
  update.probe_health = trackers_[probe_index].health();
  std::size_t target = probe_target_[probe_index];
  if (target == kNone) {
    return update;  // a probe of no known target decides nothing
  }
  if (update.probe == Transition::Changed) {
    refreshVerdicts(now, update, target);
  } else {
    update.target_health = target_verdicts_[target].health;
  }
  return update;
}

const std::string& HealthBoard::probeVendor(std::size_t probe_index) const {
  static const std::string kNoVendor;
  std::size_t target = probe_target_.at(probe_index);
  return target == kNone ? kNoVendor : vendors_[target_vendor_[target]];
}

Health HealthBoard::targetHealth(const std::string& target) const {
  std::size_t i = targetIndex(target);
  return i == kNone ? Health::Unknown : target_verdicts_[i].health;
}

Health HealthBoard::vendorHealth(const std::string& vendor) const {
  std::size_t i = vendorIndex(vendor);
  return i == kNone ? Health::Unknown : vendor_verdicts_[i].health;
}

std::map<std::string, TargetState> HealthBoard::targetStates() const {
  std::map<std::string, TargetState> out;
  for (const auto& [name, target] : target_index_) {
    const Verdict& v = target_verdicts_[target];
    const Verdict& vv = vendor_verdicts_[target_vendor_[target]];
    TargetState& s = out[name];
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
  for (const auto& [name, target] : target_index_) {
    Health h = computeTarget(target);
    std::size_t old = previous.targetIndex(name);
    bool same = old != kNone && previous.target_verdicts_[old].health == h;
    target_verdicts_[target] = same ? previous.target_verdicts_[old] : Verdict{h, now};
  }
  for (std::size_t vendor = 0; vendor < vendors_.size(); ++vendor) {
    Health h = computeVendor(vendor);
    std::size_t old = previous.vendorIndex(vendors_[vendor]);
    bool same = old != kNone && previous.vendor_verdicts_[old].health == h;
    vendor_verdicts_[vendor] = same ? previous.vendor_verdicts_[old] : Verdict{h, now};
  }
}

}  // namespace planb::core
