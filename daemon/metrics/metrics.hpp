#pragma once
// The metrics of planbd (product.md §5): one prometheus-cpp registry, every family registered at
// construction and every label set the configuration implies created at 0, so that rate() and
// alerts see each series from the first scrape. Names passed to the update methods are the names
// of config::Config (canonical record names); an update for a label set the configuration does not
// know is ignored, which keeps cardinality bounded and makes late results of an old configuration
// harmless after a reload.
//
// Thread-safe: provider workers, the verifier and the io_context thread may call any member at any
// time; reconfigure() may run concurrently with updates and render().

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/decision.hpp"
#include "core/overrides.hpp"
#include "core/probe_result.hpp"

namespace prometheus {
class Registry;
}

namespace planb::metrics {

// The `result` label of planb_probe_results_total: core::nameOf(ProbeFailure).
inline constexpr std::array<std::string_view, 9> kProbeResults = {
    "success", "timeout", "refused", "tls", "status", "body", "dns", "exec", "internal"};

// The `result` label of planb_provider_requests_total: "success" or providers::nameOf(ErrorKind).
inline constexpr std::array<std::string_view, 8> kProviderResults = {
    "success",   "auth",         "refused",   "conflict",
    "not_found", "rate_limited", "transient", "permanent"};

// The decision rules that hold a record's change back, as the `rule` label of
// planb_record_held_back (values are core::nameOf(Rule), as in status and logs).
inline constexpr std::array<core::Rule, 6> kHoldingRules = {
    core::Rule::Unknown,    core::Rule::FailStatic, core::Rule::HoldDown,
    core::Rule::FlipBudget, core::Rule::Frozen,     core::Rule::LocalNetworkDown};

using core::OverrideKind;

using WallTime = std::chrono::system_clock::time_point;
using Seconds = std::chrono::duration<double>;  // every std::chrono duration converts to it

class Metrics {
 public:
  // Registers every family and creates every label set `config` implies, at 0;
  // planb_build_info{version=PLANB_VERSION} is 1.
  explicit Metrics(const config::Config& config);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // After a reload: creates the label sets `config` adds (at 0) and removes those it no longer
  // has. Series present in both keep their values (counters keep counting).
  void reconfigure(const config::Config& config);

  // One probe attempt: planb_probe_success (1 when ok), planb_probe_duration_seconds (the
  // attempt's latency) and planb_probe_results_total{result=nameOf(result.failure)}.
  void probeResult(std::string_view target, std::string_view probe,
                   const core::ProbeResult& result);

  // planb_target_healthy{target, vendor}: the vendor label comes from the configuration.
  void targetHealth(std::string_view target, bool healthy);
  void vendorDown(std::string_view vendor, bool down);

  // planb_record_target: 1 for `served`, 0 for the record's other targets (all 0 for nullopt or a
  // target the record does not list).
  void recordTarget(std::string_view record, const std::optional<std::string>& served);
  void recordDegraded(std::string_view record, bool degraded);
  // planb_record_held_back: 1 for `rule` when it is one of kHoldingRules, 0 for the others.
  void recordRule(std::string_view record, core::Rule rule);
  void recordInSync(std::string_view record, std::string_view provider, bool in_sync);
  // planb_failovers_total{record, from, to}: one change of the served target between two of the
  // record's targets.
  void failover(std::string_view record, std::string_view from, std::string_view to);

  // One provider API call: planb_provider_requests_total{result} (one of kProviderResults) and
  // planb_provider_request_duration_seconds; a failed call also sets
  // planb_provider_last_error_timestamp_seconds to `at`.
  void providerRequest(std::string_view provider, std::string_view result, Seconds took,
                       WallTime at = std::chrono::system_clock::now());
  // planb_provider_records_propagating: records whose accepted change the provider still applies.
  void recordsPropagating(std::string_view provider, std::size_t records);
  // planb_provider_change_apply_seconds: from an accepted write until the provider applied it.
  void changeApplied(std::string_view provider, Seconds took);
  // planb_dns_propagation_seconds: from the write until every verify server answers the new target.
  void dnsPropagation(std::string_view provider, Seconds took);
  // planb_provider_credentials_expiry_timestamp_seconds: when the provider's temporary
  // credentials expire; the series exists from the first report on.
  void credentialsExpire(std::string_view provider, WallTime at);
  // One finished rehearsal of `provider` for `zone` (product.md §11):
  // planb_rehearsal_success{zone,provider} (1 passed, 0 failed),
  // planb_rehearsal_last_success_timestamp_seconds{zone,provider} (from the first pass on), and
  // planb_rehearsal_duration_seconds{provider} observes `visible_after` (write accepted until
  // every verify server answered). Both gauges exist from the pair's first rehearsal on: a 0
  // before it would read as a failure.
  void rehearsal(std::string_view zone, std::string_view provider, bool passed,
                 std::optional<WallTime> last_success, std::optional<Seconds> visible_after);
  // planb_last_reconcile_success_timestamp_seconds: the provider serves what it should, as of `at`.
  void reconcileSuccess(std::string_view provider, WallTime at = std::chrono::system_clock::now());

  void frozen(bool frozen);
  void localNetworkDown(bool down);
  void overrides(OverrideKind kind, std::size_t count);
  // planb_config_last_reload_successful, and its timestamp when `ok`.
  void configReload(bool ok, WallTime at = std::chrono::system_clock::now());

  // Fleet mode (product.md §9). The four planb_cluster_* families exist only when the
  // configuration given to the constructor has [cluster] (it changes only with a restart, so
  // reconfigure() neither adds nor removes them); without it these calls do nothing.
  // planb_cluster_nodes: live views (in etcd, local-network guard not fired); planb_cluster_leader:
  // 1 on the leader; planb_cluster_etcd_up: 1 while this node reaches etcd.
  void cluster(std::size_t live_nodes, bool leader, bool etcd_up);
  // planb_cluster_leader_changes_total: one change of the leader as seen by this node.
  void clusterLeaderChange();

  // The exposition text (format 0.0.4) of every family.
  std::string render() const;

  // For tests and for other collectors that want the same exposition.
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct Impl;
  std::shared_ptr<prometheus::Registry> registry_;  // declared first: outlives impl_'s families
  std::unique_ptr<Impl> impl_;
};

}  // namespace planb::metrics
