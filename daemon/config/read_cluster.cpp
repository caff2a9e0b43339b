// [cluster]: fleet mode (product.md §9). The planbd instances of a fleet share their views of the
// targets through etcd; this section says where etcd is, who this node is and how many views make
// a decision. Without it planbd runs alone.

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <set>

#include "config/host_port.hpp"
#include "config/sections.hpp"

namespace planb::config {

namespace {

constexpr std::size_t kMaxNodeName = 63;
constexpr Millis kMinLeaseTtl{2000};  // etcd's minimum TTL
constexpr Millis kMaxLeaseTtl{60'000};

bool isNodeNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Why `name` cannot name a node ("" when it can): it is a key in etcd and a metric label.
std::string nodeNameProblem(std::string_view name) {
  if (name.empty()) {
    return "must not be empty";
  }
  if (!std::all_of(name.begin(), name.end(), isNodeNameChar)) {
    return "bad name " + inQuotes(name) + ": use letters, digits, '-', '_' and '.'";
  }
  if (name.size() > kMaxNodeName) {
    return "name " + inQuotes(name) + " is longer than " + std::to_string(kMaxNodeName) +
           " characters";
  }
  return "";
}

std::string hostName() {
  char buffer[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) {
    return "";
  }
  return buffer;
}

// One endpoint: "http://host:port" or "https://host:port", the port written out (etcd's is not
// the scheme's). Returned as scheme://host:port, the scheme in lower case.
std::optional<std::string> readEndpoint(const TableReader& table, const ListItem& item) {
  constexpr std::string_view kUsage = "use http://host:port or https://host:port";
  const std::string& text = item.text;
  std::string scheme = urlScheme(text);
  if (scheme != "http" && scheme != "https") {
    table.error(item, "bad endpoint " + inQuotes(text) + ": " + std::string(kUsage));
    return std::nullopt;
  }
  std::string_view authority = std::string_view(text).substr(scheme.size() + 3);
  // A credential in the URL would end up in logs; only *_file keys hold secrets.
  if (authority.find('@') != std::string_view::npos) {
    table.error(item,
                "bad endpoint: user info (user:password@) is not accepted; use username and "
                "password_file");
    return std::nullopt;
  }
  while (authority.ends_with('/')) {
    authority.remove_suffix(1);
  }
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    table.error(item, "bad endpoint " + inQuotes(text) + ": no path, query or fragment; " +
                          std::string(kUsage));
    return std::nullopt;
  }
  if (std::any_of(authority.begin(), authority.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; })) {
    table.error(
        item, "bad endpoint " + inQuotes(text) + ": spaces and control characters are not allowed");
    return std::nullopt;
  }
  std::string why;
  std::optional<HostPort> host = parseHostPort(authority, std::nullopt, why);
  if (!host) {
    table.error(item, "bad endpoint " + inQuotes(text) + ": " + why);
    return std::nullopt;
  }
  // The password, the auth token and the fleet's state (overrides, leader, decisions) travel on
  // this connection, credentials or not (product.md §3).
  if (scheme == "http" && !net::isLoopbackHost(host->host)) {
    table.error(item, "bad endpoint " + inQuotes(text) +
                          ": plain http:// is accepted only for loopback addresses; use https://");
    return std::nullopt;
  }
  return scheme + "://" + host->str();
}

void readEndpoints(const TableReader& table, ClusterConfig& cluster) {
  std::optional<std::vector<ListItem>> items =
      table.stringList("etcd_endpoints", Presence::Required);
  if (!items) {
    return;
  }
  if (!table.find("etcd_endpoints")->as_array().empty() && items->empty()) {
    return;  // every element was reported
  }
  if (items->empty()) {
    table.error("etcd_endpoints", "must list at least one endpoint");
    return;
  }
  std::set<std::string> seen;
  for (const ListItem& item : *items) {
    std::optional<std::string> endpoint = readEndpoint(table, item);
    if (!endpoint) {
      continue;
    }
    if (!seen.insert(*endpoint).second) {
      table.error(item, "endpoint " + inQuotes(*endpoint) + " is listed twice");
      continue;
    }
    cluster.etcd_endpoints.push_back(std::move(*endpoint));
  }
}

void readNodeName(const TableReader& table, ClusterConfig& cluster) {
  if (table.has("node_name")) {
    if (auto name = table.string("node_name")) {
      std::string problem = nodeNameProblem(*name);
      if (problem.empty()) {
        cluster.node_name = *name;
      } else {
        table.error("node_name", problem);
      }
    }
    return;
  }
  std::string host = hostName();
  std::string problem = nodeNameProblem(host);
  if (problem.empty()) {
    cluster.node_name = host;
  } else {
    // Reported at the [cluster] header: the key is absent.
    table.error("node_name",
                "the host name cannot name this node (" + problem + "): set node_name");
  }
}

void readLeaseTtl(const TableReader& table, ClusterConfig& cluster) {
  std::optional<Millis> ttl = table.duration("lease_ttl");
  if (!ttl) {
    return;
  }
  if (ttl->count() % 1000 != 0) {
    table.error("lease_ttl", "must be whole seconds (etcd's leases have no finer unit), got " +
                                 core::formatDuration(*ttl));
  } else if (*ttl < kMinLeaseTtl || *ttl > kMaxLeaseTtl) {
    table.error("lease_ttl", "must be between " + core::formatDuration(kMinLeaseTtl) + " and " +
                                 core::formatDuration(kMaxLeaseTtl) + ", got " +
                                 core::formatDuration(*ttl));
  } else {
    cluster.lease_ttl = *ttl;
  }
}

void readQuorum(const TableReader& table, ClusterConfig& cluster) {
  constexpr std::string_view kExpected = "\"majority\" or a number of nodes";
  const TomlValue* value = table.find("quorum");
  if (value == nullptr) {
    return;
  }
  if (value->is_string()) {
    const std::string& text = value->as_string().str;
    if (text == "majority") {
      cluster.quorum = 0;
    } else {
      table.error("quorum", "bad value " + inQuotes(text) + ": use " + std::string(kExpected));
    }
    return;
  }
  if (!value->is_integer()) {
    table.typeError("quorum", kExpected);
    return;
  }
  std::int64_t number = value->as_integer();
  if (number < 1 || number > UINT32_MAX) {
    table.error("quorum", number < 1 ? "must be at least 1, got " + std::to_string(number)
                                     : "must be at most " + std::to_string(UINT32_MAX) + ", got " +
                                           std::to_string(number));
    return;
  }
  cluster.quorum = static_cast<std::uint32_t>(number);
}

void readPrefix(const TableReader& table, ClusterConfig& cluster) {
  if (auto prefix = table.string("prefix")) {
    if (!prefix->starts_with('/') || !prefix->ends_with('/')) {
      table.error("prefix", "bad prefix " + inQuotes(*prefix) +
                                ": it must begin and end with '/', e.g. \"/planb/\"");
    } else {
      cluster.prefix = *prefix;
    }
  }
}

// Two keys that go together (username and password_file, cert_file and key_file): the one given
// without the other is reported.
void checkPair(const TableReader& table, std::string_view first, std::string_view second) {
  if (table.has(first) && !table.has(second)) {
    table.error(first, std::string(first) + " needs " + std::string(second));
  } else if (table.has(second) && !table.has(first)) {
    table.error(second, std::string(second) + " needs " + std::string(first));
  }
}

void readCredentials(const TableReader& table, const Environment& environment,
                     ClusterConfig& cluster) {
  cluster.username = table.string("username");
  cluster.password_file = table.filePath("password_file", environment);
  checkPair(table, "username", "password_file");
  cluster.ca_file = table.filePath("ca_file", environment);
  cluster.cert_file = table.filePath("cert_file", environment);
  cluster.key_file = table.filePath("key_file", environment);
  checkPair(table, "cert_file", "key_file");
}

}  // namespace

std::optional<ClusterConfig> readCluster(const std::optional<TableReader>& table,
                                         const Environment& environment) {
  if (!table) {
    return std::nullopt;
  }
  table->checkKeys({"etcd_endpoints", "node_name", "lease_ttl", "quorum", "min_nodes", "prefix",
                    "username", "password_file", "ca_file", "cert_file", "key_file"});
  ClusterConfig cluster;
  cluster.pos = table->pos();
  readEndpoints(*table, cluster);
  readNodeName(*table, cluster);
  readLeaseTtl(*table, cluster);
  readQuorum(*table, cluster);
  if (auto min_nodes = table->count("min_nodes", 1)) {
    cluster.min_nodes = *min_nodes;
  }
  readPrefix(*table, cluster);
  readCredentials(*table, environment, cluster);
  return cluster;
}

}  // namespace planb::config
