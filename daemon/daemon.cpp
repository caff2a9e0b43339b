#include "daemon.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "canary_probe.hpp"
#include "config/host_port.hpp"
#include "dns_lookup.hpp"
#include "fleet_authority.hpp"
#include "http/metrics_handler.hpp"
#include "http/router.hpp"
#include "http/status_page.hpp"
#include "load_and_check.hpp"
#include "own_dependencies.hpp"
#include "probe_factory.hpp"
#include "probe_identity.hpp"
#include "probes/probe.hpp"
#include "provider_factory.hpp"
#include "solo_authority.hpp"
#include "txt_query.hpp"

namespace planb::daemon {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// How often decisions are re-evaluated without a new probe result: hold-down and failback_after
// expire on time, and failed provider calls are retried when their backoff ends.
constexpr auto kTick = 100ms;
// /healthz answers 503 when the reconcile loop has not ticked for this long.
constexpr auto kAliveWithin = 10s;
// One resolver may take this long to answer one question about planbd's own hosts.
constexpr auto kResolveTimeout = 2000ms;

}  // namespace

Daemon::Daemon(config::Config config, Log& log)
    : log_(log),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      tick_timer_(io_),
      resync_timer_(io_),
      store_(config.daemon.state_dir),
      addresses_(std::make_shared<AddressBook>(config.daemon.state_dir + "/addresses.json")),
      own_resolution_(log_, clock_, addresses_),
      audit_(config.daemon.state_dir),
      metrics_(config),
      report_(metrics_),
      authority_(makeAuthority(config)),
      reconciler_(io_, log_, clock_, random_, store_),
      rehearser_(io_, log_, clock_, random_, reconciler_, serversMissingTxt),
      current_(build(config)),
      // The last rehearsals, as the rehearser keeps them.
      preflight_(io_, reconciler_, addresses_, [this] { return rehearser_.records(); }),
      api_(log_, clock_, audit_, *authority_, reconciler_,
           {[this] { return reload(); },
            [this]() -> const config::Config& { return current_->config; },
            [this]() -> const core::HealthBoard& { return *current_->board; },
            [this]() -> const core::LocalNetworkGuard& { return *current_->guard; },
            [this]() -> const std::string& { return audit_error_; },
            [this](std::function<void(nlohmann::ordered_json)> done) {
              preflight_.run(current_->config, std::move(done));
            }}),
      http_(io_, metricsRoutes(config.daemon.status_listen.empty())),
      admin_(io_, api_.handler()),
      status_(io_, http::withStatusPage(http::Router(), api_.statusPage())) {
  reconciler_.setReport(&report_);
  reconciler_.setAudit(&audit_);
  rehearser_.setSink([this](const core::RehearsalKey& key, const core::RehearsalRecord& r) {
    std::optional<metrics::Seconds> visible;
    if (r.visible_after) {
      visible = *r.visible_after;
    }
    metrics_.rehearsal(key.first, key.second, r.passed, r.last_success, visible);
  });
  api_.setRehearser(&rehearser_);
}

Daemon::~Daemon() = default;

std::unique_ptr<Authority> Daemon::makeAuthority(const config::Config& config) {
  AuthorityEvents events{[this] {
                           steer();
                           publishStatus();
                         },
                         [this](const std::map<std::string, PersistedRecord>& records) {
                           reconciler_.adoptFleetRecords(records);
                         },
                         [this] { metrics_.clusterLeaderChange(); }};
  if (!config.cluster) {
    return std::make_unique<SoloAuthority>(log_, clock_, store_, audit_, std::move(events));
  }
  return std::make_unique<FleetAuthority>(
      io_, log_, clock_, store_, audit_, std::move(events),
      [this, cluster = *config.cluster](FleetLink::Listener listener) {
        FleetSettings settings = fleetSettings(cluster);
        settings.etcd.addresses = addresses_;
        return std::make_unique<FleetAgent>(settings, log_, std::move(listener));
      });
}

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
  for (const config::ProviderConfig& p : config.providers) {
    g->providers[p.name] = providers::makeProvider(p, addresses_);
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
  rehearser_.configure(current_->config);
  authority_->configure(current_->config, *current_->board, *current_->guard);
  steer();
  current_->scheduler->start();
  current_->canaries->start();
}

int Daemon::run() {
  if (auto why = prepareStateDir(current_->config.daemon.state_dir, ::geteuid())) {
    log_.error("state_dir: " + *why);
    return 1;
  }
  std::string problem;
  PersistedState persisted = store_.load(&problem);
  if (!problem.empty()) {
    log_.error("state: " + problem);
  }
  if (auto saved = addresses_->load()) {
    log_.warn("resolve: " + *saved);
  }
  configureResolution(current_->config);
  own_resolution_.start();
  if (!authority_->start(persisted)) {
    return 1;
  }
  reconciler_.setFleet(authority_->fence());
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
    authority_->localViewChanged();
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
  authority_->localViewChanged();
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
    configureResolution(next);
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
    authority_->stop();  // a fleet member revokes its lease: another node leads at once
    own_resolution_.stop();
    current_->scheduler->stop();
    current_->canaries->stop();
    http_.stop();
    admin_.stop();
    status_.stop();
    tick_timer_.cancel();
    resync_timer_.cancel();
    rehearser_.shutdown();
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
    if (authority_->expire()) {
      steer();
    }
    syncAudit();
    reconciler_.step();
    // Fleet mode: only the leader rehearses (and cleans up after a crash).
    rehearser_.setWriter(authority_->controls().writer);
    rehearser_.step();
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

void Daemon::syncAudit() {
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

http::Router Daemon::metricsRoutes(bool with_status_page) {
  http::Router router = http::metricsHandler(
      [this] { return metrics_.render(); },
      [this] { return std::chrono::steady_clock::now() - last_tick_ < kAliveWithin; });
  return with_status_page ? http::withStatusPage(std::move(router), api_.statusPage()) : router;
}

void Daemon::configureResolution(const config::Config& config) {
  std::vector<net::HostPort> resolvers = resolversOf(config);
  own_resolution_.configure(hostsToResolve(ownDependencies(config, resolvers)),
                            [resolvers](const std::string& host) {
                              return resolveAddresses(resolvers, host, kResolveTimeout);
                            });
}

void Daemon::steer() {
  core::Controls controls = authority_->controls();
  if (std::optional<FleetStatus> fleet = authority_->fleetStatus()) {
    metrics_.cluster(fleet->live_nodes, fleet->leading, fleet->etcd_up);
  }
  metrics_.frozen(controls.frozen);
  const core::Overrides& o = authority_->overrides();
  for (core::OverrideKind kind :
       {core::OverrideKind::Pin, core::OverrideKind::Drain, core::OverrideKind::Freeze}) {
    metrics_.overrides(kind, o.count(kind));
  }
  reconciler_.update(authority_->targetStates(), std::move(controls));
}

bool Daemon::listenAdmin() {
  const std::string& path = current_->config.daemon.admin_socket;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    ::mkdir(dir.c_str(), 0755);  // admin_group's members reach the socket through it
  }
  try {
    admin_.listenUnix(path, 0660, api_.socketGroup());
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
