#include "fleet_board.hpp"

#include <set>

namespace planb::core {

namespace {

Health agreed(const std::vector<const NodeView*>& live, std::uint32_t quorum,
              const std::string& name, std::map<std::string, Health> NodeView::*field) {
  std::uint32_t healthy = 0;
  std::uint32_t unhealthy = 0;
  for (const NodeView* view : live) {
    auto it = (view->*field).find(name);
    if (it == (view->*field).end()) {
      continue;
    }
    healthy += it->second == Health::Healthy ? 1 : 0;
    unhealthy += it->second == Health::Unhealthy ? 1 : 0;
  }
  if (quorum > 0 && unhealthy >= quorum) {
    return Health::Unhealthy;
  }
  if (quorum > 0 && healthy >= quorum) {
    return Health::Healthy;
  }
  return Health::Unknown;
}

}  // namespace

FleetVerdict fleetVerdict(const std::vector<NodeView>& views, std::uint32_t quorum,
                          std::uint32_t min_nodes, const std::vector<std::string>& target_names,
                          const std::vector<std::string>& vendor_names) {
  FleetVerdict verdict;
  std::vector<const NodeView*> live;
  for (const NodeView& view : views) {
    if (!view.guard_down) {
      live.push_back(&view);
    }
  }
  verdict.live = live.size();
  verdict.quorum = quorum > 0 ? quorum : static_cast<std::uint32_t>(live.size() / 2 + 1);
  verdict.enough_nodes = verdict.live >= min_nodes && verdict.live > 0;
  for (const std::string& t : target_names) {
    verdict.targets[t] = agreed(live, verdict.quorum, t, &NodeView::targets);
  }
  for (const std::string& v : vendor_names) {
    verdict.vendors[v] = agreed(live, verdict.quorum, v, &NodeView::vendors);
  }
  return verdict;
}

FleetBoard::FleetBoard(std::map<std::string, std::string> target_vendor, std::uint32_t quorum,
                       std::uint32_t min_nodes)
    : target_vendor_(std::move(target_vendor)), quorum_(quorum), min_nodes_(min_nodes) {
  std::set<std::string> vendors;
  for (const auto& [target, vendor] : target_vendor_) {
    target_names_.push_back(target);
    vendors.insert(vendor);
  }
  vendor_names_.assign(vendors.begin(), vendors.end());
  verdict_ = fleetVerdict({}, quorum_, min_nodes_, target_names_, vendor_names_);
}

void FleetBoard::update(const std::vector<NodeView>& views, Instant now) {
  FleetVerdict next = fleetVerdict(views, quorum_, min_nodes_, target_names_, vendor_names_);
  for (const auto& [target, health] : next.targets) {
    if (health == Health::Healthy && verdict_.targets[target] != Health::Healthy) {
      target_since_[target] = now;
    }
  }
  for (const auto& [vendor, health] : next.vendors) {
    if (health == Health::Healthy && verdict_.vendors[vendor] != Health::Healthy) {
      vendor_since_[vendor] = now;
    }
  }
  verdict_ = std::move(next);
}

std::map<std::string, TargetState> FleetBoard::targetStates() const {
  std::map<std::string, TargetState> states;
  for (const auto& [target, vendor] : target_vendor_) {
    TargetState& s = states[target];
    s.health = verdict_.targets.at(target);
    if (auto it = target_since_.find(target); it != target_since_.end()) {
      s.healthy_since = it->second;
    }
    s.vendor = verdict_.vendors.at(vendor);
    if (auto it = vendor_since_.find(vendor); it != vendor_since_.end()) {
      s.vendor_up_since = it->second;
    }
  }
  return states;
}

std::string FleetBoard::holdReason() const {
  if (verdict_.enough_nodes) {
    return "";
  }
  return std::to_string(verdict_.live) + " live view" + (verdict_.live == 1 ? "" : "s") +
         " in the fleet, min_nodes " + std::to_string(min_nodes_) + ": no automatic change";
}

}  // namespace planb::core
