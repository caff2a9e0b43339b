#pragma once
// planbd: wires configuration, probes, the health board and the reconciler onto one io_context;
// handles signals (SIGTERM/SIGINT stop, SIGHUP reloads) and speaks sd_notify.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "audit_log.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/fleet_board.hpp"
#include "core/health_board.hpp"
#include "core/local_network_guard.hpp"
#include "core/random.hpp"
#include "fleet_agent.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "http/status_page.hpp"
#include "load_and_check.hpp"
#include "log.hpp"
#include "metrics/metrics.hpp"
#include "notifier.hpp"
#include "operator_desk.hpp"
#include "probes/probe_scheduler.hpp"
#include "reconciler.hpp"
#include "state_store.hpp"
#include "status_document.hpp"

namespace planb::daemon {

class Daemon {
 public:
  Daemon(config::Config config, Log& log);
  ~Daemon();

  // Runs until SIGTERM or SIGINT. Returns the process exit code.
  int run();

 private:
  // Everything built from one configuration; a reload builds a new one beside the old.
  struct Generation {
    config::Config config;
    std::unique_ptr<core::HealthBoard> board;
    std::unique_ptr<probes::ProbeScheduler> scheduler;
    ProviderMap providers;
    // The local-network guard: its canaries run on their own scheduler.
    std::unique_ptr<core::LocalNetworkGuard> guard;
    std::unique_ptr<probes::ProbeScheduler> canaries;
    // Fleet mode: the fleet's verdicts from every node's view (null for a single planbd).
    std::unique_ptr<core::FleetBoard> fleet;
  };

  // Builds everything a configuration needs before anything is swapped; throws on failure.
  std::unique_ptr<Generation> build(const config::Config& config);
  void activate(std::unique_ptr<Generation> next, const PersistedState* persisted);
  void onProbeResult(std::size_t index, const core::ProbeResult& result);
  void onCanaryResult(std::size_t index, const core::ProbeResult& result);
  // Returns why the new configuration was refused; empty when it is active.
  std::vector<std::string> reload();
  void waitForSignal();
  void scheduleTick();
  void scheduleResync();
  void publishStatus();
  // Hands the board's verdicts, the overrides and the guard to the reconciler.
  void steer();
  GuardStatus guardStatus() const;
  // Fleet mode: joins the fleet (null agent for a single planbd); false when it cannot start.
  bool startFleet();
  void onFleetSnapshot(FleetSnapshot snapshot);
  // What this node sees, as published to the fleet.
  void publishView();
  FleetStatus fleetStatus() const;
  // The overrides as of now in etcd become the desk's (fleet mode); the error when unreachable.
  std::optional<std::string> refreshFleetOverrides();
  // Newest audit entries, newest first: the fleet's (from etcd) in fleet mode, else this node's.
  nlohmann::ordered_json auditEntries(std::size_t limit, std::size_t* skipped, std::string* source);
  bool listenAdmin();
  http::Handler adminApi();
  http::Response operatorAction(const http::Request& request, const http::PeerInfo& peer,
                                OperatorVerb verb);
  http::Response history(const http::Request& request);
  // The routes of metrics_listen: /metrics, /healthz, and the status page unless status_listen
  // serves it.
  http::Router metricsRoutes(bool with_status_page);
  // What the status page reads: the same status document as the admin API's, and the newest audit
  // events (without the log's path).
  http::StatusPageData statusPageData();
  std::string statusJson();

  Log& log_;
  boost::asio::io_context io_;
  // Declared before the reconciler, whose workers ask it to confirm writes: it outlives them.
  std::unique_ptr<FleetAgent> fleet_;
  FleetSnapshot fleet_state_;
  std::int64_t fleet_overrides_revision_ = 0;
  std::int64_t fleet_records_revision_ = 0;
  bool fleet_conflict_ = false;  // the last override save lost a race with another node
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer resync_timer_;
  core::SystemClock clock_;
  core::SystemRandom random_;
  Notifier notifier_;
  StateStore store_;
  AuditLog audit_;
  std::string audit_error_;  // why audit.jsonl cannot be written now, or empty
  OperatorDesk desk_;
  metrics::Metrics metrics_;
  Reconciler reconciler_;
  http::HttpServer http_;
  http::HttpServer admin_;   // the admin API of planbctl, on admin_socket
  http::HttpServer status_;  // the status page, on status_listen when it is set
  std::unique_ptr<Generation> current_;
  std::string last_status_;
  std::chrono::steady_clock::time_point last_watchdog_{};
  std::chrono::steady_clock::time_point last_tick_{};  // /healthz: the loop is alive
};

}  // namespace planb::daemon
