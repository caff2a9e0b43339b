#pragma once
// What overrides and guards ask of the reconciler, beside the targets' health.

#include <map>
#include <set>
#include <string>

namespace planb::daemon {

struct Steering {
  std::map<std::string, std::string> pins;  // record -> target, set by an operator
  std::set<std::string> drained;            // targets an operator took out of use
  bool frozen = false;                      // an operator froze all automatic changes
  bool local_network_down = false;          // the local-network guard holds automation
  // Fleet mode: only the leader decides changes and writes DNS; followers show the leader's
  // decisions. `fleet_hold` says why the fleet may not act (too few live views), or is empty.
  bool writer = true;
  std::string fleet_hold;
};

}  // namespace planb::daemon
