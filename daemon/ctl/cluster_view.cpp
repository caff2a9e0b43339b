#include "cluster_view.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "net/server_text.hpp"
#include "table.hpp"

namespace planb::ctl {

namespace {

using Json = nlohmann::ordered_json;

// Node names, the leader and etcd's errors come from etcd: control bytes print as \xHH.
std::string str(const Json& object, const char* key, const std::string& fallback = "") {
  auto it = object.find(key);
  return it != object.end() && it->is_string()
             ? net::quoteServerText(it->get<std::string>(), 64 * 1024)
             : fallback;
}

bool flag(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string number(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->dump() : "?";
}

// The markers of the targets and vendors tables of `planbctl status`.
std::string marked(const std::string& state) {
  if (state == "healthy" || state == "up") {
    return "✓ " + state;
  }
  if (state == "unhealthy" || state == "down") {
    return "✗ " + state;
  }
  return "? " + state;
}

const Json& member(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

// What the live views say of each name under `key` ("targets" or "vendors"): state -> nodes.
using Opinions = std::map<std::string, std::map<std::string, std::vector<std::string>>>;

Opinions opinions(const Json& nodes, const char* key) {
  Opinions out;
  for (const Json& n : nodes) {
    if (!flag(n, "live")) {
      continue;
    }
    for (const auto& [name, state] : member(n, key).items()) {
      if (state.is_string() && state.get<std::string>() != "unknown") {
        out[name][state.get<std::string>()].push_back(str(n, "node", "?"));
      }
    }
  }
  return out;
}

// The state most live views hold of one name, when one state has more views than any other.
std::optional<std::string> consensus(const std::map<std::string, std::vector<std::string>>& views) {
  std::optional<std::string> best;
  std::size_t best_count = 0;
  bool tie = false;
  for (const auto& [state, nodes] : views) {
    if (nodes.size() > best_count) {
      best = state;
      best_count = nodes.size();
      tie = false;
    } else if (nodes.size() == best_count) {
      tie = true;
    }
  }
  return tie ? std::nullopt : best;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

// "target vendor-a: unhealthy on edge-1, edge-2; healthy on edge-3", most held state first.
std::string disagreement(const std::string& what, const std::string& name,
                         const std::map<std::string, std::vector<std::string>>& views) {
  std::vector<std::pair<std::string, std::vector<std::string>>> sorted(views.begin(), views.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::string line = what + " " + name + ":";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    line += (i == 0 ? " " : "; ") + marked(sorted[i].first) + " on " + joined(sorted[i].second);
  }
  return line;
}

}  // namespace

std::string renderCluster(const Json& cluster) {
  const Json kNoNodes = Json::array();
  auto nodes_it = cluster.find("nodes");
  const Json& nodes = nodes_it != cluster.end() && nodes_it->is_array() ? *nodes_it : kNoNodes;
  std::string self = str(cluster, "node", "?");

  std::string out = "cluster: node " + self + ", ";
  auto leader = cluster.find("leader");
  if (leader != cluster.end() && leader->is_string()) {
    out += flag(cluster, "leading")
               ? "leader: this node"
               : "leader " + net::quoteServerText(leader->get<std::string>(), 1024);
  } else {
    out += "NO LEADER";
  }
  std::string quorum = "quorum " + number(cluster, "quorum");
  if (str(cluster, "quorum_setting") == "majority") {
    quorum += " = majority";
  }
  out += " (" + number(cluster, "live_nodes") + " live of min " + number(cluster, "min_nodes") +
         ", " + quorum + "), ";
  if (flag(cluster, "etcd_up")) {
    out += "etcd up";
  } else {
    std::string error = str(cluster, "etcd_error");
    out += "etcd DOWN" + (error.empty() ? "" : ": " + error);
  }
  auto changes = cluster.find("leader_changes");
  if (changes != cluster.end() && changes->is_number_integer()) {
    std::int64_t n = changes->get<std::int64_t>();
    out += ", " + std::to_string(n) + (n == 1 ? " leader change" : " leader changes") + " seen";
  }
  out += "\n";
  std::string automation = str(cluster, "automation", "ok");
  if (automation != "ok") {
    out += "AUTOMATION HOLDS: " + automation + "\n";
  }
  if (nodes.empty()) {
    out += "No node has a view in etcd.\n";
    return out;
  }

  Opinions targets = opinions(nodes, "targets");
  std::map<std::string, std::optional<std::string>> agreed;
  for (const auto& [name, views] : targets) {
    agreed[name] = consensus(views);
  }
  Table table({"NODE", "ROLE", "VIEW", "TARGETS"});
  for (const Json& n : nodes) {
    bool live = flag(n, "live");
    std::string role = flag(n, "leader") ? "leader" : "follower";
    if (flag(n, "self")) {
      role += " (this node)";
    }
    std::string view = live ? "live" : flag(n, "guard_down") ? "guard fired" : "not live";
    std::string cell;
    for (const auto& [name, state] : member(n, "targets").items()) {
      std::string s = state.is_string() ? state.get<std::string>() : "unknown";
      cell += (cell.empty() ? "" : ", ") + name + " " + marked(s);
      auto it = agreed.find(name);
      if (live && s != "unknown" && it != agreed.end() && it->second && *it->second != s) {
        cell += " (DISSENTS)";
      }
    }
    table.add({str(n, "node", "?"), role, view, cell.empty() ? "-" : cell});
  }
  out += table.render();
  for (const auto& [name, views] : targets) {
    if (views.size() > 1) {
      out += "live views differ on " + disagreement("target", name, views) + "\n";
    }
  }
  for (const auto& [name, views] : opinions(nodes, "vendors")) {
    if (views.size() > 1) {
      out += "live views differ on " + disagreement("vendor", name, views) + "\n";
    }
  }
  return out;
}

}  // namespace planb::ctl
