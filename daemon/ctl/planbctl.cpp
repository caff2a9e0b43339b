// planbctl — see and steer planbd. A thin client of planbd's admin API (HTTP/JSON on the unix
// socket admin_socket); it holds no decision logic.

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin_client.hpp"
#include "daemon.hpp"
#include "table.hpp"

namespace {

using Json = nlohmann::ordered_json;

// product.md §4
constexpr int kDone = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

constexpr const char* kUsageText =
    "usage: planbctl [--socket PATH] [--json] VERB [ARGS]\n"
    "  status              records, targets, vendors and providers, and why\n"
    "  plan                what planbd would write now and why, without changing anything\n"
    "  reload              reload the configuration (refused, with every error, if invalid)\n"
    "  check-config PATH   validate a configuration file without a daemon\n"
    "The verbs failover, release, drain, undrain, freeze, unfreeze and history are not\n"
    "available in this version yet.\n";

std::string text(const Json& value) {
  if (value.is_null()) {
    return "-";
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string providersCell(const Json& providers) {
  std::string cell;
  for (const Json& p : providers) {
    if (!cell.empty()) {
      cell += ", ";
    }
    cell +=
        p["name"].get<std::string>() + (p["in_sync"].get<bool>() ? " ✓ in sync" : " ✗ out of sync");
  }
  return cell;
}

void printStatus(const Json& status) {
  planb::ctl::Table records({"RECORD", "SERVES", "DESIRED", "RULE", "DEGRADED", "PROVIDERS"});
  for (const Json& r : status["records"]) {
    records.add({text(r["name"]), text(r["served"]), text(r["desired"]), text(r["rule"]),
                 r["degraded"].get<bool>() ? "DEGRADED" : "no", providersCell(r["providers"])});
  }
  std::cout << records.render() << "\n";
  for (const Json& r : status["records"]) {
    std::cout << text(r["name"]) << ": " << text(r["reason"]) << "\n";
    if (!r["last_change"].is_null()) {
      long ago = static_cast<long>(std::time(nullptr)) - r["last_change"]["unix_time"].get<long>();
      std::cout << "  last change " << ago << "s ago: " << text(r["last_change"]["what"]) << "\n";
    }
    for (const Json& p : r["providers"]) {
      if (!p["last_error"].is_null()) {
        std::cout << "  provider " << text(p["name"]) << ": " << text(p["last_error"]) << "\n";
      }
    }
  }
  planb::ctl::Table targets({"TARGET", "VENDOR", "HEALTH", "PROBES"});
  for (const Json& t : status["targets"]) {
    std::string probes;
    for (const Json& p : t["probes"]) {
      probes += (probes.empty() ? "" : ", ") + text(p["name"]) + " (" + text(p["region"]) + ") " +
                text(p["health"]);
    }
    std::string health = text(t["health"]);
    targets.add({text(t["name"]), text(t["vendor"]),
                 (health == "healthy"     ? "✓ "
                  : health == "unhealthy" ? "✗ "
                                          : "? ") +
                     health,
                 probes});
  }
  std::cout << "\n" << targets.render();
  planb::ctl::Table vendors({"VENDOR", "STATE"});
  for (const Json& v : status["vendors"]) {
    vendors.add({text(v["name"]), text(v["health"])});
  }
  std::cout << "\n" << vendors.render();
}

std::string servedCell(const Json& served) {
  if (served.is_null()) {
    return "?";
  }
  if (served["kind"] == "cname") {
    return text(served["target"]);
  }
  return served["kind"] == "conflict" ? "a " + text(served["type"]) + " record" : "nothing";
}

void printPlan(const Json& plan) {
  planb::ctl::Table table({"RECORD", "PROVIDER", "SERVES", "SHOULD SERVE", "ACTION", "RULE"});
  for (const Json& c : plan["changes"]) {
    table.add({text(c["record"]), text(c["provider"]), servedCell(c["served"]),
               text(c["desired_cname"]), text(c["action"]), text(c["rule"])});
  }
  std::cout << table.render();
  std::string last;
  for (const Json& c : plan["changes"]) {
    if (text(c["record"]) != last) {
      last = text(c["record"]);
      std::cout << last << ": " << text(c["reason"]) << "\n";
    }
  }
}

int checkConfig(const std::string& path) {
  try {
    planb::daemon::loadAndCheck(path);
  } catch (const planb::config::ConfigErrors& errors) {
    for (const auto& e : errors.errors()) {
      std::cerr << e.format() << "\n";
    }
    return kRefused;
  }
  std::cout << path << ": ok\n";
  return kDone;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = "/run/planb/admin.sock";
  bool json = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsageText;
      return kDone;
    } else if (arg.rfind("--", 0) == 0) {
      std::cerr << "planbctl: unknown option " << arg << "\n" << kUsageText;
      return kUsage;
    } else {
      args.push_back(arg);
    }
  }
  if (args.empty()) {
    std::cerr << kUsageText;
    return kUsage;
  }
  const std::string& verb = args[0];
  if (verb == "check-config") {
    if (args.size() != 2) {
      std::cerr << "usage: planbctl check-config PATH\n";
      return kUsage;
    }
    return checkConfig(args[1]);
  }
  bool known = verb == "status" || verb == "plan" || verb == "reload";
  if (!known || args.size() != 1) {
    std::cerr << "planbctl: " << verb << ": not available in this version\n" << kUsageText;
    return kUsage;
  }
  std::string why;
  auto reply = verb == "reload" ? planb::ctl::askPlanbd(socket, "POST", "/v1/reload", "", why)
                                : planb::ctl::askPlanbd(socket, "GET", "/v1/" + verb, "", why);
  if (!reply) {
    std::cerr << "planbctl: planbd is not running or not reachable (" << why
              << "); use --socket PATH if it listens elsewhere\n";
    return kUnreachable;
  }
  Json body;
  try {
    body = Json::parse(reply->body);
  } catch (const std::exception& e) {
    std::cerr << "planbctl: unreadable answer from planbd (HTTP " << reply->status
              << "): " << e.what() << "\n";
    return kRefused;
  }
  if (verb == "reload") {
    if (json) {
      std::cout << reply->body;
    }
    if (reply->status != 200) {
      for (const Json& e : body["errors"]) {
        std::cerr << text(e) << "\n";
      }
      std::cerr << "planbctl: reload refused; the previous configuration keeps running\n";
      return kRefused;
    }
    if (!json) {
      std::cout << "reloaded\n";
    }
    return kDone;
  }
  if (reply->status != 200) {
    std::cerr << "planbctl: planbd answered " << reply->status << ": " << reply->body << "\n";
    return kRefused;
  }
  if (json) {
    std::cout << reply->body;
    return kDone;
  }
  try {
    if (verb == "plan") {
      printPlan(body);
    } else {
      printStatus(body);
    }
  } catch (const std::exception& e) {
    std::cerr << "planbctl: unexpected answer from planbd: " << e.what() << "\n";
    return kRefused;
  }
  return kDone;
}
