// [daemon], [probe_defaults] and [guard]: the settings of the whole daemon.

#include <arpa/inet.h>
#include <netinet/in.h>

#include "config/host_port.hpp"
#include "config/sections.hpp"

namespace planb::config {

DaemonConfig readDaemon(const std::optional<TableReader>& table, const Environment& environment) {
  DaemonConfig daemon;
  if (table) {
    table->checkKeys({"state_dir", "admin_socket", "admin_group", "metrics_listen", "status_listen",
                      "status_hosts", "log_level", "resync_interval", "resolvers"});
    if (auto dir = table->string("state_dir")) {
      daemon.state_dir = *dir;
    }
    if (auto socket = table->string("admin_socket")) {
      daemon.admin_socket = *socket;
    }
    if (auto group = table->string("admin_group")) {
      // A group name as useradd/groupadd accept it (no '/' or ':', no leading '-'), or a gid.
      bool fits = !group->empty() && group->size() <= 32 && group->front() != '-' &&
                  group->find_first_not_of(
                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") == std::string::npos;
      if (fits) {
        daemon.admin_group = *group;
      } else {
        table->error("admin_group", "not a group name or numeric gid: " + inQuotes(*group) +
                                        " (letters, digits, '.', '_' and '-', at most 32)");
      }
    }
    if (auto listen = table->address("metrics_listen", std::nullopt)) {
      daemon.metrics_listen = listen->str();
    }
    if (auto listen = table->address("status_listen", std::nullopt)) {
      if (listen->str() == daemon.metrics_listen) {
        table->error("status_listen", "the same address as metrics_listen " +
                                          inQuotes(daemon.metrics_listen) +
                                          ": leave status_listen out to serve the status page "
                                          "there, or give it an address of its own");
      } else {
        daemon.status_listen = listen->str();
      }
    }
    if (auto hosts = table->stringList("status_hosts")) {
      for (const ListItem& item : *hosts) {
        bool fits = item.text.size() <= 253 && item.text.front() != '-' &&
                    item.text.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-") == std::string::npos;
        if (fits) {
          daemon.status_hosts.push_back(item.text);
        } else {
          table->error(item, "not a host name: " + inQuotes(item.text) +
                                 " (a DNS name without port, as browsers send it in Host)");
        }
      }
    }
    if (auto level = table->choice<LogLevel>("log_level", {{"error", LogLevel::Error},
                                                           {"warn", LogLevel::Warn},
                                                           {"info", LogLevel::Info},
                                                           {"debug", LogLevel::Debug}})) {
      daemon.log_level = *level;
    }
    if (auto interval = table->duration("resync_interval")) {
      daemon.resync_interval = *interval;
    }
    if (auto resolvers = readServerAddresses(*table, "resolvers")) {
      daemon.resolvers = std::move(*resolvers);
    }
  }
  // systemd's StateDirectory= sets $STATE_DIRECTORY (colon-separated when it names several); a
  // state_dir written in the file still wins.
  auto state_directory = environment.find("STATE_DIRECTORY");
  if (!(table && table->has("state_dir")) && state_directory != environment.end() &&
      !state_directory->second.empty()) {
    daemon.state_dir = state_directory->second.substr(0, state_directory->second.find(':'));
  }
  return daemon;
}

std::optional<std::vector<HostPort>> readServerAddresses(const TableReader& table,
                                                         std::string_view key) {
  std::optional<std::vector<ListItem>> items = table.stringList(key);
  if (!items) {
    return std::nullopt;
  }
  std::vector<HostPort> servers;
  for (const ListItem& item : *items) {
    std::string why;
    std::optional<HostPort> parsed = parseHostPort(item.text, 53, why);
    if (!parsed) {
      table.error(item, "bad address " + inQuotes(item.text) + ": " + why);
      continue;
    }
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(AF_INET, parsed->host.c_str(), buffer) != 1 &&
        inet_pton(AF_INET6, parsed->host.c_str(), buffer) != 1) {
      table.error(item, "bad address " + inQuotes(item.text) +
                            ": use an IP address (a name would need a resolver to find it)");
      continue;
    }
    servers.push_back(std::move(*parsed));
  }
  return servers;
}

void readProbeTiming(const TableReader& table, ProbeTiming& timing) {
  std::optional<Millis> interval = table.duration("interval");
  std::optional<Millis> timeout = table.duration("timeout");
  if (interval) {
    timing.interval = *interval;
  }
  if (timeout) {
    timing.timeout = *timeout;
  }
  if (auto rise = table.count("rise", 1)) {
    timing.rise = *rise;
  }
  if (auto fall = table.count("fall", 1)) {
    timing.fall = *fall;
  }
  // Compared only when this table sets one of the two and both could be read: a bad value is one
  // error, not two. Equal is allowed: the reference config probes every 1s with the 1s default.
  bool unreadable = (table.has("interval") && !interval) || (table.has("timeout") && !timeout);
  if ((interval || timeout) && !unreadable && timing.timeout > timing.interval) {
    table.error(timeout ? "timeout" : "interval",
                "timeout " + core::formatDuration(timing.timeout) +
                    " must not be longer than interval " + core::formatDuration(timing.interval));
  }
}

ProbeTiming readProbeDefaults(const std::optional<TableReader>& table) {
  ProbeTiming timing;
  if (table) {
    table->checkKeys({"interval", "timeout", "rise", "fall"});
    readProbeTiming(*table, timing);
  }
  return timing;
}

GuardConfig readGuard(const std::optional<TableReader>& table) {
  GuardConfig guard;
  if (!table) {
    return guard;
  }
  table->checkKeys({"canaries", "hold_down", "max_flips_per_hour", "all_unhealthy"});
  if (auto canaries = table->stringList("canaries")) {
    for (const ListItem& canary : *canaries) {
      std::string why = checkCanary(canary.text);
      if (why.empty()) {
        guard.canaries.push_back(canary.text);
      } else {
        table->error(canary, "bad canary " + inQuotes(canary.text) + ": " + why);
      }
    }
  }
  if (auto hold_down = table->duration("hold_down")) {
    guard.hold_down = *hold_down;
  }
  if (auto flips = table->count("max_flips_per_hour", 1)) {
    guard.max_flips_per_hour = *flips;
  }
  // Fail static is the only policy so far; the key exists so that the choice is explicit.
  if (auto policy = table->choice<std::string_view>("all_unhealthy", {{"keep", "keep"}})) {
    guard.all_unhealthy = std::string(*policy);
  }
  return guard;
}

}  // namespace planb::config
