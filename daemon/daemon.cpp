#include "daemon.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "canary_probe.hpp"
#include "config/host_port.hpp"
#include "http/metrics_handler.hpp"
#include "http/router.hpp"
#include "load_and_check.hpp"
#include "net/credential_file.hpp"
#include "probe_factory.hpp"
#include "probes/probe.hpp"
#include "provider_factory.hpp"
#include "status_document.hpp"

namespace planb::daemon {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// How often decisions are re-evaluated without a new probe result: hold-down and failback_after
// expire on time, and failed provider calls are retried when their backoff ends.
constexpr auto kTick = 100ms;
// /healthz answers 503 when the reconcile loop has not ticked for this long.
constexpr auto kAliveWithin = 10s;

std::string probeIdentity(const config::TargetConfig& t, const config::ProbeConfig& p) {
  // Everything that defines what the probe checks and how its verdict forms.
  std::string id = t.name + "/" + p.name + "|" + p.region + "|" + t.vendor + "|" +
                   std::to_string(static_cast<int>(p.type)) + "|" + p.http.url + "|" +
                   p.tcp.address.str() + "|" + p.http.expect_body.value_or("") + "|" +
                   std::to_string(p.timing.rise) + "/" + std::to_string(p.timing.fall) + "|" +
                   std::to_string(p.timing.interval.count()) + "/" +
                   std::to_string(p.timing.timeout.count());
  for (int s : p.http.expect_status) {
    id += "," + std::to_string(s);
  }
  return id;
}

}  // namespace

Daemon::Daemon(config::Config config, Log& log)
    : log_(log),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      tick_timer_(io_),
      resync_timer_(io_),
      store_(config.daemon.state_dir),
      audit_(config.daemon.state_dir),
      desk_(log_, clock_, store_, audit_),
      metrics_(config),
      reconciler_(io_, log_, clock_, random_, store_),
      http_(io_, metricsRoutes(config.daemon.status_listen.empty())),
      admin_(io_, adminApi()),
      status_(io_, http::withStatusPage(http::Router(), statusPageData())) {
  reconciler_.setMetrics(&metrics_);
  reconciler_.setAudit(&audit_);
  current_ = build(config);
}

Daemon::~Daemon() = default;

std::unique_ptr<Daemon::Generation> Daemon::build(const config::Config& config) {
  auto g = std::make_unique<Generation>();
  g->config = config;
  std::vector<core::BoardTarget> targets;
  std::vector<core::BoardProbe> probes;
  g->scheduler = std::make_unique<probes::ProbeScheduler>(
      io_, random_, [this](probes::ProbeId index, const core::ProbeResult& result) {
        onProbeResult(index, result);
      });
  for (const config::TargetConfig& t : config.targets) {
    targets.push_back({t.name, t.vendor, t.healthy_when});
    for (const config::ProbeConfig& p : t.probes) {
      probes.push_back(
          {t.name, p.name, p.region, {p.timing.rise, p.timing.fall}, probeIdentity(t, p)});
      g->scheduler->add(static_cast<probes::ProbeId>(probes.size() - 1), probes::makeProbe(io_, p),
                        p.timing);
    }
  }
  std::map<std::string, core::VendorDownRule> vendor_rules;
  for (const config::VendorConfig& v : config.vendors) {
    vendor_rules[v.name] = v.down_when;
  }
  g->board = std::make_unique<core::HealthBoard>(std::move(targets), std::move(probes),
                                                 std::move(vendor_rules));
  if (config.cluster) {
    std::map<std::string, std::string> target_vendor;
    for (const config::TargetConfig& t : config.targets) {
      target_vendor[t.name] = t.vendor;
    }
    g->fleet = std::make_unique<core::FleetBoard>(std::move(target_vendor), config.cluster->quorum,
                                                  config.cluster->min_nodes);
  }
  for (const config::ProviderConfig& p : config.providers) {
    g->providers[p.name] = providers::makeProvider(p);
  }
  const std::vector<std::string>& canaries = config.guard.canaries;
  g->guard = std::make_unique<core::LocalNetworkGuard>(canaries.size(), config.probe_defaults.rise);
  g->canaries = std::make_unique<probes::ProbeScheduler>(
      io_, random_, [this](probes::ProbeId index, const core::ProbeResult& result) {
        onCanaryResult(index, result);
      });
  for (std::size_t i = 0; i < canaries.size(); ++i) {
    config::ProbeConfig probe = canaryProbe(canaries[i], config.probe_defaults);
    try {
      g->canaries->add(static_cast<probes::ProbeId>(i), probes::makeProbe(io_, probe),
                       probe.timing);
    } catch (const std::exception& e) {
      throw std::invalid_argument("guard.canaries: " + canaries[i] + ": " + e.what());
    }
  }
  return g;
}

void Daemon::activate(std::unique_ptr<Generation> next, const PersistedState* persisted) {
  if (current_ && current_.get() != next.get()) {
    current_->scheduler->stop();
    current_->canaries->stop();
    next->board->adopt(*current_->board, clock_.now());
  }
  current_ = std::move(next);
  log_.setLevel(current_->config.daemon.log_level);
  reconciler_.configure(current_->config, current_->providers, persisted);
  if (current_->fleet) {
    current_->fleet->update(fleet_state_.views, clock_.now());
    publishView();
  }
  steer();
  current_->scheduler->start();
  current_->canaries->start();
}

int Daemon::run() {
  std::error_code ec;
  std::filesystem::create_directories(current_->config.daemon.state_dir, ec);
  if (ec) {
    log_.error("state_dir " + current_->config.daemon.state_dir + ": " + ec.message());
    return 1;
  }
  std::string problem;
  PersistedState persisted = store_.load(&problem);
  if (!problem.empty()) {
    log_.error("state: " + problem);
  }
  if (current_->config.cluster) {
    if (!startFleet()) {
      return 1;
    }
  } else {
    desk_.restore(persisted.overrides);
  }
  std::size_t probe_count = current_->board->probes().size();
  log_.info(
      "planbd " PLANB_VERSION " starting: " + std::to_string(current_->config.records.size()) +
      " record(s), " + std::to_string(current_->config.targets.size()) + " target(s), " +
      std::to_string(probe_count) + " probe(s), state in " + store_.path());
  std::string why;
  auto listen = config::parseHostPort(current_->config.daemon.metrics_listen, std::nullopt, why);
  try {
    if (!listen) {
      throw std::invalid_argument(why);
    }
    http_.listen(*listen);
  } catch (const std::exception& e) {
    log_.error("metrics_listen " + current_->config.daemon.metrics_listen + ": " + e.what());
    return 1;
  }
  const std::string& status_listen = current_->config.daemon.status_listen;
  if (!status_listen.empty()) {
    try {
      auto address = config::parseHostPort(status_listen, std::nullopt, why);
      if (!address) {
        throw std::invalid_argument(why);
      }
      status_.listen(*address);
    } catch (const std::exception& e) {
      log_.error("status_listen " + status_listen + ": " + e.what());
      return 1;
    }
  }
  log_.info("status page on http://" +
            (status_listen.empty() ? current_->config.daemon.metrics_listen : status_listen) + "/");
  if (!listenAdmin()) {
    return 1;
  }
  last_tick_ = std::chrono::steady_clock::now();
  auto first = std::move(current_);
  activate(std::move(first), &persisted);
  waitForSignal();
  scheduleTick();
  scheduleResync();
  notifier_.ready();
  publishStatus();
  io_.run();
  return 0;
}

void Daemon::onProbeResult(std::size_t index, const core::ProbeResult& result) {
  core::HealthBoard& board = *current_->board;
  const core::BoardProbe& probe = board.probes()[index];
  core::Health before = board.targetHealth(probe.target);
  const std::string& vendor = board.probeVendor(index);  // indexed: no scan of the targets
  core::Health vendor_before = board.vendorHealth(vendor);
  core::Health probe_before = board.probeHealth(index);
  core::BoardUpdate update = board.record(index, result, clock_.now());
  metrics_.probeResult(probe.target, probe.name, result);
  if (log_.enabled(LogLevel::Debug)) {
    log_.debug("probe " + probe.target + "/" + probe.name + ": " +
               std::string(core::nameOf(result.failure)) +
               (result.detail.empty() ? "" : " (" + result.detail + ")"));
  }
  if (update.probe != core::Transition::Changed) {
    return;
  }
  log_.info("health: probe " + probe.target + "/" + probe.name + " " +
            std::string(core::nameOf(probe_before)) + " -> " +
            std::string(core::nameOf(update.probe_health)) +
            (result.ok()
                 ? ""
                 : " (" + std::string(core::nameOf(result.failure)) + ": " + result.detail + ")"));
  if (update.target_changed) {
    metrics_.targetHealth(probe.target, update.target_health == core::Health::Healthy);
    log_.info("health: target " + probe.target + " " + std::string(core::nameOf(before)) + " -> " +
              std::string(core::nameOf(update.target_health)));
  }
  if (update.vendor_changed) {
    metrics_.vendorDown(vendor, update.vendor_health == core::Health::Unhealthy);
    log_.info("health: vendor " + vendor + " " +
              std::string(vendor_before == core::Health::Unhealthy ? "down"
                                                                   : core::nameOf(vendor_before)) +
              " -> " +
              std::string(update.vendor_health == core::Health::Unhealthy
                              ? "down"
                              : core::nameOf(update.vendor_health)));
  }
  if (update.target_changed || update.vendor_changed) {
    publishView();
    steer();
    publishStatus();
  }
}

void Daemon::onCanaryResult(std::size_t index, const core::ProbeResult& result) {
  core::LocalNetworkGuard& guard = *current_->guard;
  const std::string& canary = current_->config.guard.canaries[index];
  if (log_.enabled(LogLevel::Debug)) {
    log_.debug("canary " + canary + ": " + std::string(core::nameOf(result.failure)) +
               (result.detail.empty() ? "" : " (" + result.detail + ")"));
  }
  if (!guard.record(index, result.ok())) {
    return;
  }
  if (guard.down()) {
    log_.warn("guard: every canary fails (last: " + canary + ": " +
              std::string(core::nameOf(result.failure)) + " " + result.detail +
              "); the fault is most likely this host's network: automation holds");
  } else {
    log_.info("guard: canary " + canary + " answers again; automation resumes");
  }
  metrics_.localNetworkDown(guard.down());
  publishView();
  steer();
  publishStatus();
}

std::vector<std::string> Daemon::reload() {
  notifier_.reloading();
  log_.info("reload: reading " + current_->config.path);
  std::vector<std::string> refused;
  try {
    config::Config next = loadAndCheck(current_->config.path);
    if (next.daemon.state_dir != current_->config.daemon.state_dir) {
      log_.warn("reload: state_dir changes only on restart; keeping " +
                current_->config.daemon.state_dir);
      next.daemon.state_dir = current_->config.daemon.state_dir;
    }
    if (next.cluster.has_value() != current_->config.cluster.has_value() ||
        (next.cluster &&
         (next.cluster->node_name != current_->config.cluster->node_name ||
          next.cluster->etcd_endpoints != current_->config.cluster->etcd_endpoints ||
          next.cluster->prefix != current_->config.cluster->prefix))) {
      log_.warn(
          "reload: [cluster] membership (etcd_endpoints, node_name, prefix) changes only "
          "on restart; keeping the running one");
      next.cluster = current_->config.cluster;
    }
    if (next.daemon.status_listen != current_->config.daemon.status_listen) {
      log_.warn("reload: status_listen changes only on restart; keeping \"" +
                current_->config.daemon.status_listen + "\"");
      next.daemon.status_listen = current_->config.daemon.status_listen;
    }
    auto generation = build(next);  // may throw: nothing is swapped before it succeeds
    metrics_.reconfigure(next);
    activate(std::move(generation), nullptr);
    scheduleResync();
    log_.info("reload: new configuration active");
  } catch (const config::ConfigErrors& errors) {
    for (const auto& e : errors.errors()) {
      refused.push_back(e.format());
    }
  } catch (const std::exception& e) {
    refused.push_back(e.what());
  }
  for (const std::string& e : refused) {
    log_.error("reload refused: " + e);
  }
  if (!refused.empty()) {
    log_.error("reload refused: " + std::to_string(refused.size()) +
               " error(s); the previous configuration keeps running");
  }
  metrics_.configReload(refused.empty());
  notifier_.ready();
  publishStatus();
  return refused;
}

void Daemon::waitForSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    if (signal == SIGHUP) {
      reload();
      waitForSignal();
      return;
    }
    log_.info(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    notifier_.stopping();
    if (fleet_) {
      fleet_->stop();  // revokes the lease: another node leads at once
    }
    current_->scheduler->stop();
    current_->canaries->stop();
    http_.stop();
    admin_.stop();
    status_.stop();
    tick_timer_.cancel();
    resync_timer_.cancel();
    io_.stop();
  });
}

void Daemon::scheduleTick() {
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    last_tick_ = std::chrono::steady_clock::now();
    // In a fleet only the leader expires overrides, so one node audits and saves each expiry.
    if ((!fleet_ || fleet_->leading()) && desk_.expire()) {
      steer();
    }
    if (auto error = audit_.sync()) {
      if (audit_error_.empty()) {  // once per episode: a full disk would say it every tick
        log_.error("audit: " + *error + "; " + std::to_string(audit_.pending()) +
                   " entr(ies) kept in memory until it can be written");
      }
      audit_error_ = *error;
    } else if (!audit_error_.empty() && audit_.pending() == 0) {
      audit_error_.clear();
      log_.info("audit: " + audit_.path() + " written again");
    }
    reconciler_.step();
    publishStatus();
    // The watchdog is fed from the reconcile loop, so a wedged loop is caught.
    if (auto interval = notifier_.watchdogInterval()) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_watchdog_ >= *interval) {
        notifier_.watchdog();
        last_watchdog_ = now;
      }
    }
    scheduleTick();
  });
}

void Daemon::scheduleResync() {
  resync_timer_.expires_after(current_->config.daemon.resync_interval);
  resync_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    log_.debug("resync: reading every provider");
    reconciler_.resync();
    scheduleResync();
  });
}

namespace {

// Invalid UTF-8 (from a provider's error text, say) is replaced rather than refused.
std::string jsonText(const nlohmann::ordered_json& document) {
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

http::Response jsonResponse(const http::Request& request, http::Status status,
                            const nlohmann::ordered_json& document) {
  return http::makeResponse(request, status, jsonText(document), "application/json");
}

std::string userName(std::optional<uid_t> uid) {
  if (!uid) {
    return "unknown";
  }
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(*uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found) {
    return found->pw_name;
  }
  return "uid " + std::to_string(*uid);
}

}  // namespace

http::Handler Daemon::adminApi() {
  http::Router router;
  router.on(http::Verb::post, "/v1/reload",
            [this](const http::Request& request, const http::PeerInfo& peer) {
              std::vector<std::string> refused = reload();
              AuditEntry entry{{"type", "operator"},
                               {"action", "reload"},
                               {"user", userName(peer.uid)},
                               {"uid", peer.uid ? nlohmann::ordered_json(*peer.uid) : nullptr},
                               {"reason", ""},
                               {"result", refused.empty() ? "ok" : "refused"},
                               {"message", refused.empty() ? "new configuration active"
                                                           : std::to_string(refused.size()) +
                                                                 " error(s); the previous "
                                                                 "configuration keeps running"}};
              if (auto error = audit_.append(std::move(entry), clock_.wallNow())) {
                log_.error("audit: " + *error);
              }
              nlohmann::ordered_json reply{{"ok", refused.empty()}, {"errors", refused}};
              return jsonResponse(
                  request, refused.empty() ? http::Status::ok : http::Status::unprocessable_entity,
                  reply);
            });
  router.on(http::Verb::get, "/v1/plan",
            [this](const http::Request& request, const http::PeerInfo&) {
              return jsonResponse(request, http::Status::ok,
                                  planDocument(current_->config, reconciler_.records()));
            });
  router.on(
      http::Verb::get, "/v1/status", [this](const http::Request& request, const http::PeerInfo&) {
        return http::makeResponse(request, http::Status::ok, statusJson(), "application/json");
      });
  router.on(
      http::Verb::get, "/v1/history",
      [this](const http::Request& request, const http::PeerInfo&) { return history(request); });
  for (OperatorVerb verb : {OperatorVerb::Failover, OperatorVerb::Release, OperatorVerb::Drain,
                            OperatorVerb::Undrain, OperatorVerb::Freeze, OperatorVerb::Unfreeze}) {
    router.on(http::Verb::post, "/v1/" + std::string(nameOf(verb)),
              [this, verb](const http::Request& request, const http::PeerInfo& peer) {
                return operatorAction(request, peer, verb);
              });
  }
  return router;
}

namespace {

http::Response badRequest(const http::Request& request, const std::string& why) {
  return jsonResponse(request, http::Status::bad_request, {{"ok", false}, {"error", why}});
}

}  // namespace

http::Response Daemon::operatorAction(const http::Request& request, const http::PeerInfo& peer,
                                      OperatorVerb verb) {
  std::variant<OperatorRequest, std::string> parsed = parseOperatorRequest(verb, request.body());
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    return badRequest(request, *why);
  }
  const OperatorRequest& order = std::get<OperatorRequest>(parsed);
  Operator who{peer.uid ? std::optional<unsigned>(*peer.uid) : std::nullopt, userName(peer.uid)};
  OperatorAnswer answer;
  for (int attempt = 0;; ++attempt) {
    if (fleet_) {
      // The fleet's overrides as of now: another node may have changed them since the last poll.
      if (auto error = refreshFleetOverrides()) {
        return jsonResponse(request, http::Status::unprocessable_entity,
                            {{"ok", false},
                             {"error",
                              "not done: etcd is unreachable, so the fleet's overrides "
                              "cannot be changed (" +
                                  *error + ")"}});
      }
      fleet_conflict_ = false;
    }
    answer = desk_.handle(
        order, who, current_->config,
        current_->fleet ? current_->fleet->targetStates() : current_->board->targetStates());
    if (!fleet_conflict_ || attempt == 3) {
      break;
    }
  }
  if (answer.ok) {
    steer();
    publishStatus();
  }
  return jsonResponse(request, answer.ok ? http::Status::ok : http::Status::unprocessable_entity,
                      {{"ok", answer.ok}, {answer.ok ? "message" : "error", answer.message}});
}

http::Response Daemon::history(const http::Request& request) {
  std::size_t limit = 50;
  std::string target(request.target());
  if (auto q = target.find("limit="); q != std::string::npos) {
    std::string digits(target.substr(q + 6));
    try {
      std::size_t used = 0;
      long n = std::stol(digits, &used);
      if (n <= 0 || (used < digits.size() && digits[used] != '&')) {
        throw std::invalid_argument(digits);
      }
      limit = static_cast<std::size_t>(n);
    } catch (const std::exception&) {
      return badRequest(request, "limit must be a positive number");
    }
  }
  std::size_t skipped = 0;
  std::string source;
  nlohmann::ordered_json entries = auditEntries(limit, &skipped, &source);
  return jsonResponse(request, http::Status::ok,
                      {{"path", audit_.path()},
                       {"source", source},
                       {"skipped_lines", skipped},
                       {"entries", entries}});
}

nlohmann::ordered_json Daemon::auditEntries(std::size_t limit, std::size_t* skipped,
                                            std::string* source) {
  if (fleet_) {
    try {
      nlohmann::ordered_json entries = nlohmann::ordered_json::array();
      std::vector<std::string> lines = fleet_->readAudit(limit);
      for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
        try {
          entries.push_back(nlohmann::ordered_json::parse(*line));
        } catch (const std::exception&) {
          ++*skipped;
        }
      }
      *source = "fleet";
      return entries;
    } catch (const cluster::EtcdError& e) {
      *source = std::string("this node only: etcd unreachable (") + e.what() + ")";
    }
  } else {
    *source = "this node";
  }
  return audit_.newest(limit, skipped);
}

std::string Daemon::statusJson() {
  std::optional<FleetStatus> fleet;
  if (fleet_) {
    fleet = fleetStatus();
  }
  nlohmann::ordered_json doc =
      statusDocument(current_->config, *current_->board, reconciler_.records(), desk_.overrides(),
                     guardStatus(), fleet ? &*fleet : nullptr);
  // What could not be saved under state_dir (a full disk): DNS is still steered, but operator
  // actions are refused and a kill -9 would lose what is only in memory.
  const std::string& state_error = reconciler_.persistError();
  doc["storage"] = {{"state_error", state_error.empty() ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(state_error)},
                    {"audit_error", audit_error_.empty() ? nlohmann::ordered_json(nullptr)
                                                         : nlohmann::ordered_json(audit_error_)},
                    {"audit_pending", audit_.pending()}};
  return jsonText(doc);
}

http::Router Daemon::metricsRoutes(bool with_status_page) {
  http::Router router = http::metricsHandler(
      [this] { return metrics_.render(); },
      [this] { return std::chrono::steady_clock::now() - last_tick_ < kAliveWithin; });
  return with_status_page ? http::withStatusPage(std::move(router), statusPageData()) : router;
}

http::StatusPageData Daemon::statusPageData() {
  return {[this] { return statusJson(); },
          [this](std::size_t limit) {
            std::size_t skipped = 0;
            std::string source;
            nlohmann::ordered_json entries = auditEntries(limit, &skipped, &source);
            return jsonText({{"skipped_lines", skipped}, {"entries", entries}});
          }};
}

GuardStatus Daemon::guardStatus() const {
  GuardStatus status;
  const core::LocalNetworkGuard& guard = *current_->guard;
  status.local_network_down = guard.down();
  for (std::size_t i = 0; i < guard.size(); ++i) {
    core::LocalNetworkGuard::Last last = guard.last(i);
    status.canaries.emplace_back(current_->config.guard.canaries[i],
                                 last == core::LocalNetworkGuard::Last::Ok       ? "ok"
                                 : last == core::LocalNetworkGuard::Last::Failed ? "failing"
                                                                                 : "unknown");
  }
  return status;
}

void Daemon::steer() {
  Steering steering = desk_.steering();
  if (fleet_) {
    // The guard is part of this node's view; the fleet's verdicts decide, and only its leader.
    steering.writer = fleet_->leading();
    steering.fleet_hold = fleet_state_.etcd_up ? current_->fleet->holdReason()
                                               : "etcd is unreachable: no automatic change";
    // Views that etcd cannot confirm are not live.
    metrics_.cluster(fleet_state_.etcd_up ? current_->fleet->verdict().live : 0, steering.writer,
                     fleet_state_.etcd_up);
  } else {
    steering.local_network_down = current_->guard->down();
  }
  metrics_.frozen(steering.frozen);
  const core::Overrides& o = desk_.overrides();
  for (core::OverrideKind kind :
       {core::OverrideKind::Pin, core::OverrideKind::Drain, core::OverrideKind::Freeze}) {
    metrics_.overrides(kind, o.count(kind));
  }
  reconciler_.update(
      current_->fleet ? current_->fleet->targetStates() : current_->board->targetStates(),
      std::move(steering));
}

bool Daemon::startFleet() {
  const config::ClusterConfig& c = *current_->config.cluster;
  FleetSettings settings;
  settings.node = c.node_name;
  settings.lease_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.lease_ttl);
  settings.prefix = c.prefix;
  settings.etcd.endpoints = c.etcd_endpoints;
  settings.etcd.username = c.username;
  settings.etcd.ca_file = c.ca_file;
  settings.etcd.cert_file = c.cert_file;
  settings.etcd.key_file = c.key_file;
  // A request that outlasts a third of the lease would let it lapse between keepalives.
  settings.etcd.timeout = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(1000),
      std::chrono::duration_cast<std::chrono::milliseconds>(c.lease_ttl) / 3);
  try {
    if (c.password_file) {
      settings.etcd.password = net::readSecretFile(*c.password_file, "etcd password file").reveal();
    }
    fleet_ = std::make_unique<FleetAgent>(std::move(settings), log_, [this](FleetSnapshot s) {
      asio::post(io_, [this, s = std::move(s)]() mutable { onFleetSnapshot(std::move(s)); });
    });
  } catch (const std::exception& e) {
    log_.error(std::string("cluster: ") + e.what());
    return false;
  }
  audit_.setNode(c.node_name);
  audit_.setMirror([this](const std::string& line) { fleet_->publishAudit(line); });
  desk_.setSave([this](const std::vector<core::Override>& overrides) {
    return fleet_->saveOverrides(overrides, &fleet_overrides_revision_, &fleet_conflict_);
  });
  reconciler_.setFleet(fleet_.get());
  fleet_state_.etcd_up = true;  // until the first poll says otherwise
  fleet_->start();
  return true;
}

std::optional<std::string> Daemon::refreshFleetOverrides() {
  try {
    auto [overrides, revision] = fleet_->readOverrides();
    desk_.replace(std::move(overrides));
    fleet_overrides_revision_ = revision;
  } catch (const cluster::EtcdError& e) {
    return e.what();
  }
  return std::nullopt;
}

void Daemon::onFleetSnapshot(FleetSnapshot s) {
  FleetSnapshot before = std::move(fleet_state_);
  if (!s.etcd_up) {
    // Nothing new is known: show the last views, marked by etcd being down.
    s.views = before.views;
  }
  // Polls come 5 times a second; most change nothing, and then no record is decided again.
  bool changed = s.views != before.views || s.leading != before.leading ||
                 s.etcd_up != before.etcd_up || s.leader != before.leader;
  if (s.overrides && s.overrides_revision > fleet_overrides_revision_) {
    desk_.replace(*s.overrides);
    fleet_overrides_revision_ = s.overrides_revision;
    changed = true;
  }
  if (s.records && (s.elected || (!s.leading && s.records_revision != fleet_records_revision_))) {
    reconciler_.adoptFleetRecords(*s.records);
    fleet_records_revision_ = s.records_revision;
    changed = true;
  }
  for (std::uint64_t n = before.leader_changes; n < s.leader_changes; ++n) {
    metrics_.clusterLeaderChange();
  }
  fleet_state_ = std::move(s);
  if (!fleet_state_.etcd_up && before.leading) {
    fleet_state_.leading = fleet_->leading();
  }
  if (!changed) {
    return;
  }
  current_->fleet->update(fleet_state_.views, clock_.now());
  steer();
  publishStatus();
}

void Daemon::publishView() {
  if (!fleet_) {
    return;
  }
  const core::HealthBoard& board = *current_->board;
  core::NodeView view;
  view.node = fleet_->node();
  view.guard_down = current_->guard->down();
  for (const core::BoardTarget& t : board.targets()) {
    view.targets[t.name] = board.targetHealth(t.name);
    view.vendors[t.vendor] = board.vendorHealth(t.vendor);
  }
  fleet_->publishView(view);
}

FleetStatus Daemon::fleetStatus() const {
  const config::ClusterConfig& c = *current_->config.cluster;
  const core::FleetVerdict& verdict = current_->fleet->verdict();
  FleetStatus status;
  status.node = c.node_name;
  status.leader = fleet_state_.leader;
  status.leading = fleet_->leading();
  status.etcd_up = fleet_state_.etcd_up;
  status.etcd_error = fleet_state_.etcd_error;
  status.quorum = verdict.quorum;
  status.quorum_setting = c.quorum == 0 ? "majority" : std::to_string(c.quorum);
  status.min_nodes = c.min_nodes;
  status.live_nodes = fleet_state_.etcd_up ? verdict.live : 0;
  std::string hold = fleet_state_.etcd_up ? current_->fleet->holdReason()
                                          : "etcd is unreachable: no automatic change";
  status.automation = hold.empty() ? "ok" : hold;
  status.leader_changes = fleet_state_.leader_changes;
  status.nodes = fleet_state_.views;
  return status;
}

bool Daemon::listenAdmin() {
  const std::string& path = current_->config.daemon.admin_socket;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  try {
    admin_.listenUnix(path, 0660);
  } catch (const std::exception& e) {
    log_.error("admin_socket " + path + ": " + e.what());
    return false;
  }
  return true;
}

void Daemon::publishStatus() {
  std::string status = reconciler_.statusLine();
  if (status != last_status_) {
    notifier_.status(status);
    last_status_ = std::move(status);
  }
}

}  // namespace planb::daemon
