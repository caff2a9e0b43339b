#pragma once
// planbd: wires configuration, probes, the health board, the Authority (solo or fleet), the
// reconciler and the admin API onto one io_context; builds and activates a generation per
// configuration, handles signals (SIGTERM/SIGINT stop, SIGHUP reloads), runs the reconcile tick
// and feeds the watchdog through sd_notify.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "admin_api.hpp"
#include "audit_log.hpp"
#include "authority.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/health_board.hpp"
#include "core/local_network_guard.hpp"
#include "core/random.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "load_and_check.hpp"
#include "log.hpp"
#include "metrics/metrics.hpp"
#include "metrics_report.hpp"
#include "notifier.hpp"
#include "own_resolution.hpp"
#include "preflight_gatherer.hpp"
#include "probes/probe_scheduler.hpp"
#include "reconciler.hpp"
#include "rehearser.hpp"
#include "state_store.hpp"

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
  };

  // A single planbd's Authority, or a fleet member's when the configuration has [cluster].
  std::unique_ptr<Authority> makeAuthority(const config::Config& config);
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
  void syncAudit();
  void publishStatus();
  // Hands the Authority's target states and controls to the reconciler.
  void steer();
  // What OwnResolution resolves for CONFIG, and through which resolvers.
  void configureResolution(const config::Config& config);
  bool listenAdmin();
  // The routes of metrics_listen: /metrics, /healthz, and the status page unless status_listen
  // serves it.
  http::Router metricsRoutes(bool with_status_page);

  Log& log_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer resync_timer_;
  core::SystemClock clock_;
  core::SystemRandom random_;
  Notifier notifier_;
  StateStore store_;
  // planbd's own addresses of the hosts it reaches, kept in state_dir, and their resolution.
  std::shared_ptr<AddressBook> addresses_;
  OwnResolution own_resolution_;
  AuditLog audit_;
  std::string audit_error_;  // why audit.jsonl cannot be written now, or empty
  metrics::Metrics metrics_;
  MetricsReport report_;
  // Declared before the reconciler, whose workers ask its fence to confirm writes: it outlives
  // them.
  std::unique_ptr<Authority> authority_;
  Reconciler reconciler_;
  Rehearser rehearser_;  // after the reconciler, whose provider workers it uses
  std::unique_ptr<Generation> current_;
  PreflightGatherer preflight_;
  AdminApi api_;
  http::HttpServer http_;
  http::HttpServer admin_;   // the admin API of planbctl, on admin_socket
  http::HttpServer status_;  // the status page, on status_listen when it is set
  std::string last_status_;
  std::chrono::steady_clock::time_point last_watchdog_{};
  std::chrono::steady_clock::time_point last_tick_{};  // /healthz: the loop is alive
};

}  // namespace planb::daemon
