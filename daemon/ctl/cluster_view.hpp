#pragma once
// The "Cluster" section of `planbctl status` (fleet mode, product.md §9): rendered from the
// status document's "cluster" object, which planbd sets only with [cluster].

#include <nlohmann/json.hpp>
#include <string>

namespace planb::ctl {

// A header line (this node, the leader, live views against min_nodes, the quorum, etcd), the
// reason automation holds when it does, a table of every node's role, view state and view of
// each target (a live view that differs from the other live views is marked), and one line per
// target or vendor the live views disagree on.
std::string renderCluster(const nlohmann::ordered_json& cluster);

}  // namespace planb::ctl
