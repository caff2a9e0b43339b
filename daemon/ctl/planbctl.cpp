// planbctl — see and steer planbd. A thin client of planbd's admin API (HTTP/JSON on the unix
// socket admin_socket); it holds no decision logic.

#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "admin_client.hpp"
#include "cluster_view.hpp"
#include "core/duration.hpp"
#include "load_and_check.hpp"
#include "net/server_text.hpp"
#include "table.hpp"

namespace {

using Json = nlohmann::ordered_json;

// product.md §4
constexpr int kDone = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

// planbd refuses longer reasons (kMaxReasonBytes in daemon/operator_desk.hpp, which planbctl does
// not link): said here before the request is sent, as a refusal.
constexpr std::size_t kMaxReasonBytes = 500;

constexpr const char* kUsageText =
    "usage: planbctl [--socket PATH] [--json] VERB [ARGS]\n"
    "  status              records, targets, vendors and providers, and why\n"
    "  plan                what planbd would write now and why, without changing anything\n"
    "  reload              reload the configuration (refused, with every error, if invalid)\n"
    "  failover RECORD --to TARGET [--for DUR] [--reason TEXT] [--force]\n"
    "                      pin a record to a target (refused when it is not healthy, unless\n"
    "                      --force)\n"
    "  release RECORD      drop the record's pin: automation decides again\n"
    "  drain TARGET [--for DUR] [--reason TEXT]\n"
    "                      take a target out of use\n"
    "  undrain TARGET      put it back in use\n"
    "  freeze [--for DUR] [--reason TEXT]\n"
    "                      stop all automatic changes\n"
    "  unfreeze            resume them\n"
    "  rehearse [--zone Z] [--provider P]\n"
    "                      prove each provider's write path now: a TXT record written, served\n"
    "                      by every verify server, deleted; exit 1 if any rehearsal failed\n"
    "  history [--limit N] the audit log: DNS changes and operator actions, newest first\n"
    "  preflight           everything that would stop a failover now, each with its fix, and\n"
    "                      planbd's own dependencies (exit 1 when there is a blocker)\n"
    "  check-config PATH   validate a configuration file without a daemon\n"
    "Durations: 90s, 30m, 2h. Exit codes: 0 done, 1 refused, 2 usage, 3 planbd unreachable.\n";

// What planbd sends may carry an operator's reason, a user name or an etcd error: printed with
// '\r', ESC, NUL and other control bytes as \xHH, so nothing rewrites the operator's terminal.
std::string text(const Json& value) {
  if (value.is_null()) {
    return "-";
  }
  return planb::net::quoteServerText(
      value.is_string() ? value.get<std::string>()
                        : value.dump(-1, ' ', false, Json::error_handler_t::replace),
      64 * 1024);
}

std::string providersCell(const Json& providers) {
  std::string cell;
  for (const Json& p : providers) {
    if (!cell.empty()) {
      cell += ", ";
    }
    bool propagating = p.contains("propagating") && !p["propagating"].is_null();
    cell += p["name"].get<std::string>() + (!p["in_sync"].get<bool>() ? " ✗ out of sync"
                                            : propagating             ? " ✓ written, propagating"
                                                                      : " ✓ in sync");
  }
  return cell;
}

std::string expiresCell(const Json& o) {
  if (o["expires_unix_time"].is_null()) {
    return "never";
  }
  long left = o["expires_unix_time"].get<long>() - static_cast<long>(std::time(nullptr));
  return "in " + std::to_string(std::max(left, 0L)) + "s";
}

void printOverrides(const Json& status) {
  const Json& overrides = status["overrides"];
  planb::ctl::Table table({"OVERRIDE", "WHAT", "BY", "EXPIRES", "REASON"});
  for (const Json& p : overrides["pins"]) {
    table.add({"pin", text(p["record"]) + " -> " + text(p["target"]), text(p["user"]),
               expiresCell(p), text(p["reason"])});
  }
  for (const Json& d : overrides["drains"]) {
    table.add({"drain", text(d["target"]), text(d["user"]), expiresCell(d), text(d["reason"])});
  }
  if (!overrides["freeze"].is_null()) {
    const Json& f = overrides["freeze"];
    table.add(
        {"freeze", "all automatic changes", text(f["user"]), expiresCell(f), text(f["reason"])});
  }
  std::cout << "\n";
  if (table.empty()) {
    std::cout << "No overrides: automation decides.\n";
  } else {
    std::cout << table.render();
  }
  if (status["guard"]["local_network_down"].get<bool>()) {
    std::cout << "GUARD: every canary fails; automation holds until one recovers.\n";
  }
  if (auto credentials = status.find("credentials"); credentials != status.end()) {
    for (const Json& c : *credentials) {
      long left = c["expires_unix_time"].get<long>() - static_cast<long>(std::time(nullptr));
      std::cout << "CREDENTIALS: provider " << text(c["provider"])
                << (left > 0 ? ": temporary credentials expire in " + std::to_string(left) + "s"
                             : std::string(": temporary credentials have expired"))
                << "\n";
    }
  }
  if (auto storage = status.find("storage"); storage != status.end() && storage->is_object()) {
    for (const char* key : {"state_error", "audit_error"}) {
      if (auto e = storage->find(key); e != storage->end() && e->is_string()) {
        std::cout << "STORAGE: " << e->get<std::string>()
                  << "; DNS is still steered, operator actions are refused until it is written.\n";
      }
    }
  }
}

// "12 min ago", "3 h ago"
std::string ago(const Json& unix_time) {
  long seconds = std::max(0L, static_cast<long>(std::time(nullptr)) - unix_time.get<long>());
  if (seconds < 120) {
    return std::to_string(seconds) + " s ago";
  }
  if (seconds < 7200) {
    return std::to_string(seconds / 60) + " min ago";
  }
  return std::to_string(seconds / 3600) + " h ago";
}

// One (zone, provider) rehearsal: "passed 12 min ago, visible after 840 ms", "FAILED at write:
// ...", "never".
std::string rehearsalLine(const Json& r) {
  if (r["started"].is_null()) {
    return "never";
  }
  if (r["passed"].get<bool>()) {
    return "passed " + ago(r["ended"]) +
           (r["visible_after_ms"].is_null()
                ? std::string()
                : ", visible after " + text(r["visible_after_ms"]) + " ms");
  }
  return "FAILED at " + text(r["failed_step"]) + " " + ago(r["ended"]) + ": " + text(r["error"]) +
         (r["last_success"].is_null() ? "; never passed"
                                      : "; last passed " + ago(r["last_success"]));
}

void printRehearsals(const Json& status) {
  auto rehearsals = status.find("rehearsals");
  if (rehearsals == status.end() || rehearsals->empty()) {
    return;
  }
  std::cout << "\nRehearsals (write path proven on each provider):\n";
  for (const Json& r : *rehearsals) {
    std::cout << "  " << text(r["zone"]) << " on " << text(r["provider"])
              << ": rehearsal: " << rehearsalLine(r) << "\n";
  }
}

// planbctl rehearse: per provider and zone, each step or the one that failed.
void printRehearse(const Json& body) {
  for (const Json& r : body["rehearsals"]) {
    std::cout << text(r["zone"]) << " on " << text(r["provider"]) << ": ";
    if (r["passed"].get<bool>()) {
      std::cout << "read ok, written, visible after " << text(r["visible_after_ms"])
                << " ms, cleaned up\n";
    } else {
      std::cout << "FAILED at " << text(r["failed_step"]) << ": " << text(r["error"]) << "\n";
    }
  }
}

void printStatus(const Json& status) {
  planb::ctl::Table records({"RECORD", "SERVES", "DESIRED", "RULE", "DEGRADED", "PROVIDERS"});
  for (const Json& r : status["records"]) {
    records.add({text(r["name"]), text(r["served"]), text(r["desired"]), text(r["rule"]),
                 r["degraded"].get<bool>() ? "DEGRADED" : "no", providersCell(r["providers"])});
  }
  std::cout << records.render() << "\n";
  printRehearsals(status);
  for (const Json& r : status["records"]) {
    std::cout << text(r["name"]) << ": " << text(r["reason"]) << "\n";
    if (!r["last_change"].is_null()) {
      long ago = static_cast<long>(std::time(nullptr)) - r["last_change"]["unix_time"].get<long>();
      std::cout << "  last change " << ago << "s ago: " << text(r["last_change"]["what"]) << "\n";
    }
    for (const Json& p : r["providers"]) {
      if (p.contains("propagating") && !p["propagating"].is_null()) {
        long since =
            static_cast<long>(std::time(nullptr)) - p["propagating"]["since_unix_time"].get<long>();
        std::cout << "  provider " << text(p["name"]) << ": written, propagating for "
                  << std::max(since, 0L) << "s (change " << text(p["propagating"]["change"])
                  << ")\n";
      }
      if (p.contains("ttl_raised") && !p["ttl_raised"].is_null()) {
        std::cout << "  provider " << text(p["name"]) << ": TTL "
                  << text(p["ttl_raised"]["written"]) << " written, not "
                  << text(p["ttl_raised"]["configured"])
                  << ": the provider's minimum in this zone\n";
      }
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
                     health + (t.value("drained", false) ? ", drained" : ""),
                 probes});
  }
  std::cout << "\n" << targets.render();
  planb::ctl::Table vendors({"VENDOR", "STATE", "DOWN WHEN", "REGIONS"});
  for (const Json& v : status["vendors"]) {
    std::string regions;
    for (const Json& r : v["regions"]) {
      std::string state = text(r["state"]);
      regions += (regions.empty() ? "" : ", ") + text(r["name"]) +
                 (state == "up"     ? " ✓ up"
                  : state == "down" ? " ✗ down"
                                    : " ? unknown");
    }
    std::string state = text(v["health"]);
    vendors.add({text(v["name"]),
                 (state == "up"     ? "✓ "
                  : state == "down" ? "✗ "
                                    : "? ") +
                     state,
                 text(v["down_when"]) + " of regions down", regions});
  }
  std::cout << "\n" << vendors.render();
  printOverrides(status);
  if (auto cluster = status.find("cluster"); cluster != status.end() && cluster->is_object()) {
    std::cout << "\n" << planb::ctl::renderCluster(*cluster);
  }
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

std::string subjectCell(const Json& e) {
  if (e.value("type", "") == "dns_change") {
    return text(e["record"]) + " @" + text(e["provider"]) + ": " + text(e["from"]) + " -> " +
           text(e["to"]);
  }
  std::string cell = e.contains("record") ? text(e["record"]) : "";
  if (e.contains("target")) {
    cell += (cell.empty() ? "" : " -> ") + text(e["target"]);
  }
  if (e.contains("for")) {
    cell += " for " + text(e["for"]);
  }
  return cell.empty() ? "-" : cell;
}

void printHistory(const Json& history) {
  planb::ctl::Table table({"TIME", "WHO", "ACTION", "WHAT", "RESULT", "WHY"});
  for (const Json& e : history["entries"]) {
    bool dns = e.value("type", "") == "dns_change";
    std::string result = text(e["result"]);
    if (dns && e.contains("error")) {
      result += ": " + text(e["error"]);
    } else if (!dns && result != "ok") {
      result += ": " + text(e["message"]);
    }
    table.add({text(e["time"]), dns ? "planbd" : text(e["user"]),
               dns ? "dns-change" : text(e["action"]), subjectCell(e), result, text(e["reason"])});
  }
  std::cout << table.render();
  if (history.value("skipped_lines", 0) > 0) {
    std::cout << "(" << history["skipped_lines"] << " unreadable line(s) of "
              << text(history["path"]) << " skipped)\n";
  }
}

// Blockers, then warnings, each with its fix; then what planbd depends on.
void printPreflight(const Json& preflight) {
  for (const char* severity : {"blocker", "warning"}) {
    for (const Json& f : preflight["findings"]) {
      if (f["severity"] != severity) {
        continue;
      }
      std::cout << (f["severity"] == "blocker" ? "BLOCKER  " : "WARNING  ") << text(f["what"])
                << "\n         fix: " << text(f["fix"]) << "\n";
    }
  }
  std::cout << (preflight["blockers"].get<long>() == 0 ? "No blocker" : "")
            << (preflight["blockers"].get<long>() == 0
                    ? ""
                    : std::to_string(preflight["blockers"].get<long>()) + " blocker(s)")
            << ", " << preflight["warnings"].get<long>() << " warning(s).\n\n";
  planb::ctl::Table table({"DEPENDENCY", "WHAT", "PROVIDER", "VENDOR", "ADDRESSES"});
  for (const Json& d : preflight["dependencies"]) {
    std::string addresses = "-";
    if (d.contains("addresses")) {
      addresses.clear();
      for (const Json& a : d["addresses"]) {
        addresses += (addresses.empty() ? "" : ", ") + a.get<std::string>();
      }
      if (addresses.empty()) {
        addresses = d["resolve_error"].is_null() ? "-" : "unresolved";
      } else if (d["from_saved"].get<bool>()) {
        addresses += " (saved: resolution failed)";
      }
    }
    table.add(
        {text(d["kind"]), text(d["what"]), text(d["provider"]), text(d["vendor"]), addresses});
  }
  std::cout << table.render();
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

// One parsed command line.
struct Command {
  std::string socket = "/run/planb/admin.sock";
  bool json = false;
  std::string verb;
  std::vector<std::string> args;
  std::map<std::string, std::string> options;  // "--to" -> "vendor-b"; flags map to ""
};

struct VerbSpec {
  std::size_t args;               // positional arguments after the verb
  std::set<std::string> options;  // options taking a value
  std::set<std::string> flags;    // options without one
  std::set<std::string> required_options;
};

const std::map<std::string, VerbSpec>& verbs() {
  static const std::map<std::string, VerbSpec> specs{
      {"status", {0, {}, {}, {}}},
      {"plan", {0, {}, {}, {}}},
      {"reload", {0, {}, {}, {}}},
      {"check-config", {1, {}, {}, {}}},
      {"failover", {1, {"--to", "--for", "--reason"}, {"--force"}, {"--to"}}},
      {"release", {1, {}, {}, {}}},
      {"drain", {1, {"--for", "--reason"}, {}, {}}},
      {"undrain", {1, {}, {}, {}}},
      {"freeze", {0, {"--for", "--reason"}, {}, {}}},
      {"unfreeze", {0, {}, {}, {}}},
      {"history", {0, {"--limit"}, {}, {}}},
      {"preflight", {0, {}, {}, {}}},
      {"rehearse", {0, {"--zone", "--provider"}, {}, {}}},
  };
  return specs;
}

// Parses ARGV; on a usage error returns false with `why`.
bool parse(int argc, char** argv, Command& cmd, std::string& why) {
  std::vector<std::string> words(argv + 1, argv + argc);
  const VerbSpec* spec = nullptr;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string word = words[i];
    std::optional<std::string> inline_value;
    if (word.rfind("--", 0) == 0) {
      if (auto eq = word.find('='); eq != std::string::npos) {
        inline_value = word.substr(eq + 1);
        word = word.substr(0, eq);
      }
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) {
        return inline_value;
      }
      if (i + 1 < words.size()) {
        return words[++i];
      }
      return std::nullopt;
    };
    if (word == "--json") {
      cmd.json = true;
    } else if (word == "--socket") {
      auto v = value();
      if (!v) {
        why = "--socket needs a PATH";
        return false;
      }
      cmd.socket = *v;
    } else if (word.rfind("--", 0) == 0) {
      if (!spec) {
        why = "unknown option " + word;
        return false;
      }
      if (spec->flags.count(word)) {
        cmd.options[word] = "";
      } else if (spec->options.count(word)) {
        auto v = value();
        if (!v) {
          why = word + " needs a value";
          return false;
        }
        cmd.options[word] = *v;
      } else {
        why = cmd.verb + ": unknown option " + word;
        return false;
      }
    } else if (!spec) {
      auto it = verbs().find(word);
      if (it == verbs().end()) {
        why = "unknown verb " + word;
        return false;
      }
      cmd.verb = word;
      spec = &it->second;
    } else {
      cmd.args.push_back(word);
    }
  }
  if (!spec) {
    why = "no verb given";
    return false;
  }
  if (cmd.args.size() != spec->args) {
    why = cmd.verb + " takes " + std::to_string(spec->args) + " argument(s), got " +
          std::to_string(cmd.args.size());
    return false;
  }
  for (const std::string& o : spec->required_options) {
    if (!cmd.options.count(o)) {
      why = cmd.verb + " needs " + o;
      return false;
    }
  }
  if (cmd.options.count("--for") && !planb::core::parseDuration(cmd.options["--for"])) {
    why = "--for: not a duration: " + cmd.options["--for"] + " (use 90s, 30m, 2h)";
    return false;
  }
  if (cmd.options.count("--limit")) {
    const std::string& n = cmd.options["--limit"];
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stol(n) == 0) {
      why = "--limit must be a positive number";
      return false;
    }
  }
  return true;
}

// Refusals planbd would give, found before asking it (exit 1, like planbd's refusals).
bool acceptable(const Command& cmd, std::string& why) {
  if (auto reason = cmd.options.find("--reason");
      reason != cmd.options.end() && reason->second.size() > kMaxReasonBytes) {
    why = "--reason is " + std::to_string(reason->second.size()) + " bytes; at most " +
          std::to_string(kMaxReasonBytes) + " are accepted";
    return false;
  }
  return true;
}

// The admin API request for an operator verb: method, path and JSON body.
struct ApiCall {
  std::string method;
  std::string target;
  std::string body;
};

ApiCall apiCallFor(const Command& cmd) {
  if (cmd.verb == "status" || cmd.verb == "plan" || cmd.verb == "preflight") {
    return {"GET", "/v1/" + cmd.verb, ""};
  }
  if (cmd.verb == "history") {
    auto limit = cmd.options.find("--limit");
    return {"GET", "/v1/history" + (limit == cmd.options.end() ? "" : "?limit=" + limit->second),
            ""};
  }
  if (cmd.verb == "reload") {
    return {"POST", "/v1/reload", ""};
  }
  Json body = Json::object();
  if (cmd.verb == "failover" || cmd.verb == "release") {
    body["record"] = cmd.args[0];
  } else if (cmd.verb == "drain" || cmd.verb == "undrain") {
    body["target"] = cmd.args[0];
  }
  for (const auto& [option, value] : cmd.options) {
    if (option == "--force") {
      body["force"] = true;
    } else {
      body[option == "--to" ? "target" : option.substr(2)] = value;
    }
  }
  return {"POST", "/v1/" + cmd.verb, body.dump()};
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kUsageText;
      return kDone;
    }
  }
  Command cmd;
  std::string why;
  if (!parse(argc, argv, cmd, why)) {
    std::cerr << "planbctl: " << why << "\n" << kUsageText;
    return kUsage;
  }
  if (cmd.verb == "check-config") {
    return checkConfig(cmd.args[0]);
  }
  if (!acceptable(cmd, why)) {
    std::cerr << "planbctl: refused: " << why << "\n";
    return kRefused;
  }
  ApiCall call = apiCallFor(cmd);
  // A rehearsal answers when it is done: bounded by planbd's [rehearsal] timeout (5 min by
  // default) per zone, the zones side by side.
  auto timeout = cmd.verb == "rehearse" ? std::chrono::seconds(3600) : std::chrono::seconds(10);
  auto reply = planb::ctl::askPlanbd(cmd.socket, call.method, call.target, call.body, why, timeout);
  if (!reply) {
    std::cerr << "planbctl: planbd is not running or not reachable at " << cmd.socket << " (" << why
              << "); use --socket PATH if it listens elsewhere\n";
    return kUnreachable;
  }
  if (cmd.verb == "rehearse" && reply->status == 200) {
    try {
      Json body = Json::parse(reply->body);
      if (cmd.json) {
        std::cout << reply->body;
      } else {
        printRehearse(body);
      }
      return body["ok"].get<bool>() ? kDone : kRefused;
    } catch (const std::exception& e) {
      std::cerr << "planbctl: unreadable answer from planbd: " << e.what() << "\n";
      return kRefused;
    }
  }
  if (cmd.json && reply->status == 200 && cmd.verb != "preflight") {
    // Printed as planbd wrote it: checked, but not built into a document nobody reads (a plan of
    // 5,000 records on two providers is 2.7 MB).
    if (!Json::accept(reply->body)) {
      std::cerr << "planbctl: unreadable answer from planbd (HTTP 200): not JSON\n";
      return kRefused;
    }
    std::cout << reply->body;
    return kDone;
  }
  Json body;
  try {
    body = Json::parse(reply->body);
  } catch (const std::exception& e) {
    std::cerr << "planbctl: unreadable answer from planbd (HTTP " << reply->status
              << "): " << e.what() << "\n";
    return kRefused;
  }
  if (cmd.json) {
    std::cout << reply->body;
  }
  if (reply->status == 403) {
    // Not root, planbd's user or in admin_group: this caller may read, not change state.
    std::cerr << "planbctl: refused: " << text(body["error"]) << "\n";
    return kRefused;
  }
  if (reply->status == 400) {
    std::cerr << "planbctl: " << text(body["error"]) << "\n";
    return kUsage;
  }
  if (cmd.verb == "reload" && reply->status != 200) {
    for (const Json& e : body["errors"]) {
      std::cerr << text(e) << "\n";
    }
    std::cerr << "planbctl: reload refused; the previous configuration keeps running\n";
    return kRefused;
  }
  if (reply->status == 422) {
    std::cerr << "planbctl: refused: " << text(body["error"]) << "\n";
    return kRefused;
  }
  if (reply->status != 200) {
    std::cerr << "planbctl: planbd answered " << reply->status << ": "
              << planb::net::quoteServerText(reply->body) << "\n";
    return kRefused;
  }
  if (cmd.verb == "preflight" && reply->status == 200) {
    // Exit 1 with a blocker, as a script or CI step should stop on it.
    try {
      if (!cmd.json) {
        printPreflight(body);
      }
      return body["ok"].get<bool>() ? kDone : kRefused;
    } catch (const std::exception& e) {
      std::cerr << "planbctl: unexpected answer from planbd: " << e.what() << "\n";
      return kRefused;
    }
  }
  if (cmd.json) {
    return kDone;
  }
  try {
    if (cmd.verb == "plan") {
      printPlan(body);
    } else if (cmd.verb == "status") {
      printStatus(body);
    } else if (cmd.verb == "history") {
      printHistory(body);
    } else if (cmd.verb == "reload") {
      std::cout << "reloaded\n";
    } else {
      std::cout << text(body["message"]) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "planbctl: unexpected answer from planbd: " << e.what() << "\n";
    return kRefused;
  }
  return kDone;
}
