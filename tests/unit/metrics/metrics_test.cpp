#include "metrics/metrics.hpp"

#include <doctest/doctest.h>
#include <prometheus/registry.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "metrics_test_support.hpp"

namespace planb::metrics {
namespace {

using namespace test;
using prometheus::MetricType;

struct Expected {
  const char* name;
  MetricType type;
  std::size_t series;  // label sets of makeConfig()
};

// product.md §5, and the extras, with the label sets makeConfig() implies:
// 4 probes, 3 targets, 2 vendors, 2 records (2 + 3 targets), 2 providers.
constexpr std::array kExpected = {
    Expected{"planb_build_info", MetricType::Gauge, 1},
    Expected{"planb_probe_success", MetricType::Gauge, 4},
    Expected{"planb_probe_duration_seconds", MetricType::Histogram, 4},
    Expected{"planb_probe_results_total", MetricType::Counter, 4 * 9},
    Expected{"planb_target_healthy", MetricType::Gauge, 3},
    Expected{"planb_vendor_down", MetricType::Gauge, 2},
    Expected{"planb_record_target", MetricType::Gauge, 2 + 3},
    Expected{"planb_record_degraded", MetricType::Gauge, 2},
    Expected{"planb_record_in_sync", MetricType::Gauge, 2 * 2},
    Expected{"planb_failovers_total", MetricType::Counter, 2 * 1 + 3 * 2},
    Expected{"planb_provider_requests_total", MetricType::Counter, 2 * 8},
    Expected{"planb_provider_request_duration_seconds", MetricType::Histogram, 2},
    Expected{"planb_dns_propagation_seconds", MetricType::Histogram, 2},
    Expected{"planb_provider_records_propagating", MetricType::Gauge, 2},
    Expected{"planb_provider_change_apply_seconds", MetricType::Histogram, 2},
    Expected{"planb_last_reconcile_success_timestamp_seconds", MetricType::Gauge, 2},
    Expected{"planb_rehearsal_duration_seconds", MetricType::Histogram, 2},
    Expected{"planb_frozen", MetricType::Gauge, 1},
    Expected{"planb_local_network_down", MetricType::Gauge, 1},
    Expected{"planb_overrides", MetricType::Gauge, 3},
    // extras
    Expected{"planb_record_held_back", MetricType::Gauge, 2 * 6},
    Expected{"planb_provider_last_error_timestamp_seconds", MetricType::Gauge, 2},
    Expected{"planb_config_last_reload_successful", MetricType::Gauge, 1},
    Expected{"planb_config_last_reload_success_timestamp_seconds", MetricType::Gauge, 1},
};

// The label names of each family, as product.md §5 fixes them.
std::vector<std::string> labelNames(const prometheus::ClientMetric& m) {
  std::vector<std::string> names;
  for (const auto& l : m.label) {
    names.push_back(l.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

const prometheus::Registry& reg(const Metrics& m) {
  return *m.registry();
}

TEST_CASE("every metric of the contract is registered with its type, labels and label sets") {
  Metrics metrics(makeConfig());
  auto all = metrics.registry()->Collect();
  CHECK(all.size() == kExpected.size());
  const std::map<std::string, std::vector<std::string>> labels = {
      {"planb_build_info", {"version"}},
      {"planb_probe_success", {"probe", "target"}},
      {"planb_probe_duration_seconds", {"probe", "target"}},
      {"planb_probe_results_total", {"probe", "result", "target"}},
      {"planb_target_healthy", {"target", "vendor"}},
      {"planb_vendor_down", {"vendor"}},
      {"planb_record_target", {"record", "target"}},
      {"planb_record_degraded", {"record"}},
      {"planb_record_in_sync", {"provider", "record"}},
      {"planb_failovers_total", {"from", "record", "to"}},
      {"planb_provider_requests_total", {"provider", "result"}},
      {"planb_provider_request_duration_seconds", {"provider"}},
      {"planb_dns_propagation_seconds", {"provider"}},
      {"planb_provider_records_propagating", {"provider"}},
      {"planb_provider_change_apply_seconds", {"provider"}},
      {"planb_last_reconcile_success_timestamp_seconds", {"provider"}},
      {"planb_rehearsal_duration_seconds", {"provider"}},
      {"planb_frozen", {}},
      {"planb_local_network_down", {}},
      {"planb_overrides", {"kind"}},
      {"planb_record_held_back", {"record", "rule"}},
      {"planb_provider_last_error_timestamp_seconds", {"provider"}},
      {"planb_config_last_reload_successful", {}},
      {"planb_config_last_reload_success_timestamp_seconds", {}},
  };
  for (const Expected& e : kExpected) {
    CAPTURE(e.name);
    const prometheus::MetricFamily* f = family(all, e.name);
    REQUIRE(f != nullptr);
    CHECK(f->type == e.type);
    CHECK_FALSE(f->help.empty());
    CHECK(f->metric.size() == e.series);
    for (const prometheus::ClientMetric& m : f->metric) {
      CHECK(labelNames(m) == labels.at(e.name));
    }
  }
}

TEST_CASE("every known label set starts at 0 and build_info is 1") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  CHECK(value(r, "planb_build_info", {{"version", PLANB_VERSION}}) == 1);
  for (const char* probe : {"http", "tcp"}) {
    CHECK(value(r, "planb_probe_success", {{"target", "aws"}, {"probe", probe}}) == 0);
    CHECK(value(r, "planb_probe_duration_seconds", {{"target", "aws"}, {"probe", probe}}) == 0);
    for (std::string_view result : kProbeResults) {
      CHECK(value(r, "planb_probe_results_total",
                  {{"target", "aws"}, {"probe", probe}, {"result", std::string(result)}}) == 0);
    }
  }
  CHECK(value(r, "planb_target_healthy", {{"target", "gcp"}, {"vendor", "google"}}) == 0);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws2"}, {"vendor", "amazon"}}) == 0);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "amazon"}}) == 0);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "google"}}) == 0);
  for (const char* t : {"gcp", "aws", "aws2"}) {
    CHECK(value(r, "planb_record_target", {{"record", "api.example.com."}, {"target", t}}) == 0);
  }
  CHECK(value(r, "planb_record_degraded", {{"record", "www.example.com."}}) == 0);
  CHECK(value(r, "planb_record_in_sync",
              {{"record", "www.example.com."}, {"provider", "route53"}}) == 0);
  CHECK(value(r, "planb_failovers_total",
              {{"record", "api.example.com."}, {"from", "aws2"}, {"to", "gcp"}}) == 0);
  for (const char* p : {"cloudflare", "route53"}) {
    for (std::string_view result : kProviderResults) {
      CHECK(value(r, "planb_provider_requests_total",
                  {{"provider", p}, {"result", std::string(result)}}) == 0);
    }
    CHECK(value(r, "planb_provider_request_duration_seconds", {{"provider", p}}) == 0);
    CHECK(value(r, "planb_dns_propagation_seconds", {{"provider", p}}) == 0);
    CHECK(value(r, "planb_provider_records_propagating", {{"provider", p}}) == 0);
    CHECK(value(r, "planb_provider_change_apply_seconds", {{"provider", p}}) == 0);
    CHECK(value(r, "planb_last_reconcile_success_timestamp_seconds", {{"provider", p}}) == 0);
  }
  CHECK(value(r, "planb_frozen") == 0);
  CHECK(value(r, "planb_local_network_down") == 0);
  for (const char* kind : {"pin", "drain", "freeze"}) {
    CHECK(value(r, "planb_overrides", {{"kind", kind}}) == 0);
  }
  // The configuration the daemon starts with was loaded just now.
  CHECK(value(r, "planb_config_last_reload_successful") == 1);
  CHECK(value(r, "planb_config_last_reload_success_timestamp_seconds") > 0);
}

TEST_CASE("a probe result sets success, observes its latency and counts its reason") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  LabelList aws_http = {{"target", "aws"}, {"probe", "http"}};
  metrics.probeResult("aws", "http", core::ProbeResult::success(std::chrono::milliseconds(40)));
  CHECK(value(r, "planb_probe_success", aws_http) == 1);
  CHECK(value(r, "planb_probe_duration_seconds", aws_http) == 1);
  CHECK(histogramSum(r, "planb_probe_duration_seconds", aws_http) == doctest::Approx(0.040));

  metrics.probeResult(
      "aws", "http",
      core::ProbeResult::failed(core::ProbeFailure::Timeout, "timeout", std::chrono::seconds(1)));
  metrics.probeResult(
      "aws", "http",
      core::ProbeResult::failed(core::ProbeFailure::Timeout, "timeout", std::chrono::seconds(1)));
  CHECK(value(r, "planb_probe_success", aws_http) == 0);
  CHECK(value(r, "planb_probe_duration_seconds", aws_http) == 3);
  CHECK(value(r, "planb_probe_results_total",
              {{"target", "aws"}, {"probe", "http"}, {"result", "success"}}) == 1);
  CHECK(value(r, "planb_probe_results_total",
              {{"target", "aws"}, {"probe", "http"}, {"result", "timeout"}}) == 2);
  // The other probe of the target is untouched.
  CHECK(value(r, "planb_probe_duration_seconds", {{"target", "aws"}, {"probe", "tcp"}}) == 0);
}

TEST_CASE("verdict updates set the target, vendor and record series they name") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  metrics.targetHealth("aws", true);
  metrics.vendorDown("google", true);
  metrics.recordDegraded("api.example.com.", true);
  metrics.recordInSync("www.example.com.", "route53", true);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws"}, {"vendor", "amazon"}}) == 1);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws2"}, {"vendor", "amazon"}}) == 0);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "google"}}) == 1);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "amazon"}}) == 0);
  CHECK(value(r, "planb_record_degraded", {{"record", "api.example.com."}}) == 1);
  CHECK(value(r, "planb_record_degraded", {{"record", "www.example.com."}}) == 0);
  CHECK(value(r, "planb_record_in_sync",
              {{"record", "www.example.com."}, {"provider", "route53"}}) == 1);
  CHECK(value(r, "planb_record_in_sync",
              {{"record", "www.example.com."}, {"provider", "cloudflare"}}) == 0);

  metrics.targetHealth("aws", false);
  metrics.vendorDown("google", false);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws"}, {"vendor", "amazon"}}) == 0);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "google"}}) == 0);
}

TEST_CASE("record_target is 1 for the served target only, and all 0 when nothing is served") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  auto served = [&](const char* t) {
    return value(r, "planb_record_target", {{"record", "api.example.com."}, {"target", t}});
  };
  metrics.recordTarget("api.example.com.", "aws");
  CHECK(served("aws") == 1);
  CHECK(served("gcp") == 0);
  CHECK(served("aws2") == 0);
  metrics.recordTarget("api.example.com.", "gcp");
  CHECK(served("aws") == 0);
  CHECK(served("gcp") == 1);
  metrics.recordTarget("api.example.com.", std::nullopt);
  CHECK(served("gcp") == 0);
  // The other record is untouched.
  CHECK(value(r, "planb_record_target", {{"record", "www.example.com."}, {"target", "aws"}}) == 0);
}

TEST_CASE("record_held_back is 1 for a holding rule only") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  auto held = [&](const char* rule) {
    return value(r, "planb_record_held_back", {{"record", "www.example.com."}, {"rule", rule}});
  };
  metrics.recordRule("www.example.com.", core::Rule::HoldDown);
  CHECK(held("hold-down") == 1);
  CHECK(held("flip-budget") == 0);
  metrics.recordRule("www.example.com.", core::Rule::FlipBudget);
  CHECK(held("hold-down") == 0);
  CHECK(held("flip-budget") == 1);
  metrics.recordRule("www.example.com.", core::Rule::Steady);
  for (core::Rule rule : kHoldingRules) {
    CHECK(held(std::string(core::nameOf(rule)).c_str()) == 0);
  }
}

TEST_CASE("failovers count by record, from and to") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  metrics.failover("www.example.com.", "aws", "gcp");
  metrics.failover("www.example.com.", "aws", "gcp");
  metrics.failover("www.example.com.", "gcp", "aws");
  CHECK(value(r, "planb_failovers_total",
              {{"record", "www.example.com."}, {"from", "aws"}, {"to", "gcp"}}) == 2);
  CHECK(value(r, "planb_failovers_total",
              {{"record", "www.example.com."}, {"from", "gcp"}, {"to", "aws"}}) == 1);
  CHECK(value(r, "planb_failovers_total",
              {{"record", "api.example.com."}, {"from", "aws"}, {"to", "gcp"}}) == 0);
}

TEST_CASE("provider requests count by result, observe their duration and stamp the last error") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  LabelList cf = {{"provider", "cloudflare"}};
  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  metrics.providerRequest("cloudflare", "success", std::chrono::milliseconds(120), at);
  CHECK(value(r, "planb_provider_requests_total",
              {{"provider", "cloudflare"}, {"result", "success"}}) == 1);
  CHECK(value(r, "planb_provider_last_error_timestamp_seconds", cf) == 0);
  metrics.providerRequest("cloudflare", "rate_limited", std::chrono::milliseconds(80), at);
  CHECK(value(r, "planb_provider_requests_total",
              {{"provider", "cloudflare"}, {"result", "rate_limited"}}) == 1);
  CHECK(value(r, "planb_provider_request_duration_seconds", cf) == 2);
  CHECK(histogramSum(r, "planb_provider_request_duration_seconds", cf) == doctest::Approx(0.2));
  CHECK(value(r, "planb_provider_last_error_timestamp_seconds", cf) == 1'700'000'000);
  CHECK(value(r, "planb_provider_request_duration_seconds", {{"provider", "route53"}}) == 0);

  metrics.dnsPropagation("route53", std::chrono::seconds(42));
  CHECK(value(r, "planb_dns_propagation_seconds", {{"provider", "route53"}}) == 1);
  CHECK(histogramSum(r, "planb_dns_propagation_seconds", {{"provider", "route53"}}) == 42);

  metrics.recordsPropagating("route53", 200);
  CHECK(value(r, "planb_provider_records_propagating", {{"provider", "route53"}}) == 200);
  metrics.changeApplied("route53", std::chrono::seconds(31));
  CHECK(value(r, "planb_provider_change_apply_seconds", {{"provider", "route53"}}) == 1);
  CHECK(histogramSum(r, "planb_provider_change_apply_seconds", {{"provider", "route53"}}) == 31);

  metrics.reconcileSuccess("route53", at);
  CHECK(value(r, "planb_last_reconcile_success_timestamp_seconds", {{"provider", "route53"}}) ==
        1'700'000'000);
  CHECK(value(r, "planb_last_reconcile_success_timestamp_seconds", {{"provider", "cloudflare"}}) ==
        0);
}

TEST_CASE("a rehearsal sets success and last success per zone and provider from its first run on") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  LabelList cf = {{"zone", "example.com."}, {"provider", "cloudflare"}};
  LabelList r53 = {{"zone", "example.com."}, {"provider", "route53"}};
  // Never rehearsed: no series (a 0 would read as a failed rehearsal).
  CHECK_FALSE(family(r.Collect(), "planb_rehearsal_success"));
  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  metrics.rehearsal("example.com.", "cloudflare", true, at, std::chrono::milliseconds(840));
  metrics.rehearsal("example.com.", "route53", false, std::nullopt, std::nullopt);
  CHECK(value(r, "planb_rehearsal_success", cf) == 1);
  CHECK(value(r, "planb_rehearsal_success", r53) == 0);
  CHECK(value(r, "planb_rehearsal_last_success_timestamp_seconds", cf) == 1'700'000'000);
  CHECK(family(r.Collect(), "planb_rehearsal_last_success_timestamp_seconds")->metric.size() == 1);
  CHECK(value(r, "planb_rehearsal_duration_seconds", {{"provider", "cloudflare"}}) == 1);
  CHECK(histogramSum(r, "planb_rehearsal_duration_seconds", {{"provider", "cloudflare"}}) ==
        doctest::Approx(0.84));
  CHECK(value(r, "planb_rehearsal_duration_seconds", {{"provider", "route53"}}) == 0);
  // A failure later keeps the last success's time.
  metrics.rehearsal("example.com.", "cloudflare", false, at, std::nullopt);
  CHECK(value(r, "planb_rehearsal_success", cf) == 0);
  CHECK(value(r, "planb_rehearsal_last_success_timestamp_seconds", cf) == 1'700'000'000);
  // A pair the configuration does not have is ignored.
  metrics.rehearsal("other.com.", "cloudflare", true, at, std::nullopt);
  CHECK(family(r.Collect(), "planb_rehearsal_success")->metric.size() == 2);
}

TEST_CASE("guards, overrides and reloads set their gauges") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  metrics.frozen(true);
  metrics.localNetworkDown(true);
  metrics.overrides(OverrideKind::Pin, 2);
  metrics.overrides(OverrideKind::Drain, 1);
  CHECK(value(r, "planb_frozen") == 1);
  CHECK(value(r, "planb_local_network_down") == 1);
  CHECK(value(r, "planb_overrides", {{"kind", "pin"}}) == 2);
  CHECK(value(r, "planb_overrides", {{"kind", "drain"}}) == 1);
  CHECK(value(r, "planb_overrides", {{"kind", "freeze"}}) == 0);
  metrics.frozen(false);
  CHECK(value(r, "planb_frozen") == 0);

  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  metrics.configReload(false, at);
  CHECK(value(r, "planb_config_last_reload_successful") == 0);
  CHECK(value(r, "planb_config_last_reload_success_timestamp_seconds") < 1'800'000'000);
  metrics.configReload(true, at);
  CHECK(value(r, "planb_config_last_reload_successful") == 1);
  CHECK(value(r, "planb_config_last_reload_success_timestamp_seconds") == 1'800'000'000);
}

config::Config makeClusterConfig() {
  config::Config c = makeConfig();
  c.cluster.emplace();
  c.cluster->etcd_endpoints = {"http://127.0.0.1:2379"};
  c.cluster->node_name = "edge-1";
  return c;
}

constexpr std::array<const char*, 4> kClusterFamilies = {
    "planb_cluster_nodes", "planb_cluster_leader", "planb_cluster_etcd_up",
    "planb_cluster_leader_changes_total"};

TEST_CASE("without [cluster] no cluster family exists and the cluster calls change nothing") {
  Metrics metrics(makeConfig());
  std::string before = metrics.render();
  metrics.cluster(3, true, true);
  metrics.clusterLeaderChange();
  metrics.reconfigure(makeClusterConfig());  // [cluster] changes only with a restart
  CHECK(metrics.render() == before);
  CHECK(before.find("planb_cluster") == std::string::npos);
  for (const char* name : kClusterFamilies) {
    CHECK(value(reg(metrics), name) == std::nullopt);
  }
}

TEST_CASE("with [cluster] the cluster families start at 0 and follow the calls") {
  Metrics metrics(makeClusterConfig());
  const auto& r = reg(metrics);
  auto all = r.Collect();
  CHECK(all.size() == kExpected.size() + kClusterFamilies.size());
  for (const char* name : kClusterFamilies) {
    CAPTURE(name);
    const prometheus::MetricFamily* f = family(all, name);
    REQUIRE(f != nullptr);
    CHECK_FALSE(f->help.empty());
    CHECK(f->type ==
          (std::string_view(name).ends_with("_total") ? MetricType::Counter : MetricType::Gauge));
    REQUIRE(f->metric.size() == 1);
    CHECK(f->metric[0].label.empty());
    CHECK(value(r, name) == 0);
  }

  metrics.cluster(3, true, true);
  metrics.clusterLeaderChange();
  CHECK(value(r, "planb_cluster_nodes") == 3);
  CHECK(value(r, "planb_cluster_leader") == 1);
  CHECK(value(r, "planb_cluster_etcd_up") == 1);
  CHECK(value(r, "planb_cluster_leader_changes_total") == 1);

  metrics.cluster(1, false, false);
  metrics.clusterLeaderChange();
  CHECK(value(r, "planb_cluster_nodes") == 1);
  CHECK(value(r, "planb_cluster_leader") == 0);
  CHECK(value(r, "planb_cluster_etcd_up") == 0);
  CHECK(value(r, "planb_cluster_leader_changes_total") == 2);

  // A reload (even one without [cluster]) keeps them and their values.
  metrics.reconfigure(makeConfig());
  CHECK(value(r, "planb_cluster_nodes") == 1);
  CHECK(value(r, "planb_cluster_leader_changes_total") == 2);
}

TEST_CASE("updates naming something the configuration lacks create no series") {
  Metrics metrics(makeConfig());
  const auto& r = reg(metrics);
  std::string before = metrics.render();
  metrics.probeResult("azure", "http", core::ProbeResult::success({}));
  metrics.probeResult("aws", "dns", core::ProbeResult::success({}));
  metrics.targetHealth("azure", true);
  metrics.vendorDown("microsoft", true);
  metrics.recordTarget("ftp.example.com.", "aws");
  metrics.recordTarget("www.example.com.", "aws2");  // not one of www's targets
  metrics.recordDegraded("ftp.example.com.", true);
  metrics.recordInSync("www.example.com.", "alidns", true);
  metrics.failover("www.example.com.", "aws", "aws2");
  metrics.providerRequest("alidns", "success", std::chrono::seconds(1));
  metrics.providerRequest("cloudflare", "teapot", std::chrono::seconds(1));
  metrics.dnsPropagation("alidns", std::chrono::seconds(1));
  metrics.reconcileSuccess("alidns");
  CHECK(seriesCount(r, "planb_probe_success") == 4);
  CHECK(seriesCount(r, "planb_provider_requests_total") == 16);
  // Only the cloudflare duration histogram (a known provider) moved.
  CHECK(value(r, "planb_provider_request_duration_seconds", {{"provider", "cloudflare"}}) == 1);
  CHECK(value(r, "planb_record_target", {{"record", "www.example.com."}, {"target", "aws"}}) == 0);
}

TEST_CASE("reconfigure adds new label sets at 0, removes old ones and keeps the rest") {
  config::Config config = makeConfig();
  Metrics metrics(config);
  const auto& r = reg(metrics);
  metrics.probeResult("aws", "http", core::ProbeResult::success({}));
  metrics.probeResult("gcp", "http", core::ProbeResult::success({}));
  metrics.providerRequest("route53", "success", std::chrono::seconds(1));
  metrics.failover("www.example.com.", "aws", "gcp");

  // gcp leaves (so does vendor google and its record slots), azure arrives; route53 is replaced
  // by alidns; www is removed.
  config.targets.erase(config.targets.begin() + 1);
  config.targets.push_back(target("azure", "microsoft", {"http"}));
  config.providers.erase(config.providers.begin() + 1);
  config.providers.push_back(provider("alidns"));
  config.zones[0].providers = {"cloudflare", "alidns"};
  config.records.erase(config.records.begin());
  config.records[0].targets = {"azure", "aws", "aws2"};
  metrics.reconfigure(config);

  CHECK(value(r, "planb_probe_success", {{"target", "gcp"}, {"probe", "http"}}) == std::nullopt);
  CHECK(value(r, "planb_probe_results_total",
              {{"target", "gcp"}, {"probe", "http"}, {"result", "success"}}) == std::nullopt);
  CHECK(value(r, "planb_probe_success", {{"target", "azure"}, {"probe", "http"}}) == 0);
  CHECK(value(r, "planb_probe_results_total",
              {{"target", "aws"}, {"probe", "http"}, {"result", "success"}}) == 1);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "google"}}) == std::nullopt);
  CHECK(value(r, "planb_vendor_down", {{"vendor", "microsoft"}}) == 0);
  CHECK(value(r, "planb_provider_requests_total",
              {{"provider", "route53"}, {"result", "success"}}) == std::nullopt);
  CHECK(value(r, "planb_provider_requests_total",
              {{"provider", "alidns"}, {"result", "success"}}) == 0);
  CHECK(value(r, "planb_provider_request_duration_seconds", {{"provider", "route53"}}) ==
        std::nullopt);
  CHECK(value(r, "planb_record_degraded", {{"record", "www.example.com."}}) == std::nullopt);
  CHECK(value(r, "planb_failovers_total",
              {{"record", "www.example.com."}, {"from", "aws"}, {"to", "gcp"}}) == std::nullopt);
  CHECK(value(r, "planb_record_target", {{"record", "api.example.com."}, {"target", "gcp"}}) ==
        std::nullopt);
  CHECK(value(r, "planb_record_target", {{"record", "api.example.com."}, {"target", "azure"}}) ==
        0);
  CHECK(value(r, "planb_record_in_sync",
              {{"record", "api.example.com."}, {"provider", "alidns"}}) == 0);
  CHECK(seriesCount(r, "planb_probe_success") == 4);
  CHECK(seriesCount(r, "planb_record_held_back") == 6);
  CHECK(seriesCount(r, "planb_build_info") == 1);

  // The new names take updates; the removed ones are ignored.
  metrics.recordTarget("api.example.com.", "azure");
  metrics.probeResult("gcp", "http", core::ProbeResult::success({}));
  CHECK(value(r, "planb_record_target", {{"record", "api.example.com."}, {"target", "azure"}}) ==
        1);
  CHECK(value(r, "planb_probe_success", {{"target", "gcp"}, {"probe", "http"}}) == std::nullopt);
}

TEST_CASE("a target moved to another vendor gets a fresh target_healthy series") {
  config::Config config = makeConfig();
  Metrics metrics(config);
  const auto& r = reg(metrics);
  metrics.targetHealth("aws2", true);
  config.targets[2].vendor = "google";
  metrics.reconfigure(config);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws2"}, {"vendor", "amazon"}}) ==
        std::nullopt);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws2"}, {"vendor", "google"}}) == 0);
  metrics.targetHealth("aws2", true);
  CHECK(value(r, "planb_target_healthy", {{"target", "aws2"}, {"vendor", "google"}}) == 1);
}

TEST_CASE("updates from many threads race safely with reconfigure and render") {
  config::Config config = makeConfig();
  Metrics metrics(config);
  config::Config smaller = config;
  smaller.targets.pop_back();  // aws2
  constexpr int kPerThread = 2000;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&metrics] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.probeResult("aws", "http", core::ProbeResult::success({}));
        metrics.probeResult("aws2", "http", core::ProbeResult::success({}));
        metrics.providerRequest("cloudflare", "transient", std::chrono::milliseconds(5));
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    metrics.reconfigure(i % 2 == 0 ? smaller : config);
    CHECK_FALSE(metrics.render().empty());
  }
  for (std::thread& t : workers) {
    t.join();
  }
  // aws and cloudflare were configured throughout: every update counted.
  CHECK(value(reg(metrics), "planb_probe_results_total",
              {{"target", "aws"}, {"probe", "http"}, {"result", "success"}}) == 4 * kPerThread);
  CHECK(value(reg(metrics), "planb_provider_requests_total",
              {{"provider", "cloudflare"}, {"result", "transient"}}) == 4 * kPerThread);
}

// promtool from the Debian package `prometheus` (scripts/setup installs it).
std::optional<std::string> findPromtool() {
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      std::string_view dir = rest.substr(0, rest.find(':'));
      rest.remove_prefix(std::min(rest.size(), dir.size() + 1));
      std::filesystem::path candidate = std::filesystem::path(dir) / "promtool";
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
        return candidate.string();
      }
    }
  }
  return std::nullopt;
}

struct Run {
  int exit_code = -1;
  std::string output;
};

Run runPromtool(const std::string& promtool, const std::string& text) {
  auto dir =
      std::filesystem::temp_directory_path() / ("planb-promtool-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto input = dir / "metrics.txt";
  std::ofstream(input, std::ios::binary) << text;
  std::string command = "'" + promtool + "' check metrics < '" + input.string() + "' 2>&1";
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> chunk{};
  while (std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) {
    run.output.append(chunk.data(), n);
  }
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove_all(dir);
  return run;
}

TEST_CASE("render() passes promtool check metrics without a single finding") {
  Metrics metrics(makeConfig());
  metrics.probeResult("aws", "http", core::ProbeResult::success(std::chrono::milliseconds(12)));
  metrics.probeResult("gcp", "http",
                      core::ProbeResult::failed(core::ProbeFailure::Status, "status 503",
                                                std::chrono::milliseconds(30)));
  metrics.targetHealth("aws", true);
  metrics.recordTarget("www.example.com.", "aws");
  metrics.recordRule("www.example.com.", core::Rule::HoldDown);
  metrics.failover("www.example.com.", "gcp", "aws");
  metrics.providerRequest("route53", "success", std::chrono::milliseconds(300));
  metrics.providerRequest("route53", "auth", std::chrono::milliseconds(30));
  metrics.dnsPropagation("route53", std::chrono::seconds(3));
  metrics.reconcileSuccess("route53");
  metrics.overrides(OverrideKind::Freeze, 1);
  std::string text = metrics.render();
  CHECK(text.find("# TYPE planb_probe_duration_seconds histogram") != std::string::npos);
  CHECK(text.find("planb_build_info{version=\"" PLANB_VERSION "\"} 1") != std::string::npos);
  CHECK(text.ends_with("\n"));

  std::optional<std::string> promtool = findPromtool();
  if (!promtool) {
    MESSAGE("promtool not found (Debian package prometheus): the lint was not run");
    return;
  }
  Run run = runPromtool(*promtool, text);
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.empty());

  // Fleet mode adds its four families.
  Metrics fleet(makeClusterConfig());
  fleet.cluster(2, true, true);
  fleet.clusterLeaderChange();
  Run cluster_run = runPromtool(*promtool, fleet.render());
  INFO(cluster_run.output);
  CHECK(cluster_run.exit_code == 0);
  CHECK(cluster_run.output.empty());

  // The check is real: promtool does complain about a counter without _total.
  Run bad = runPromtool(*promtool,
                        "# HELP planb_bad A counter.\n# TYPE planb_bad counter\n"
                        "planb_bad 1\n");
  CHECK(bad.exit_code != 0);
  CHECK_FALSE(bad.output.empty());
}

}  // namespace
}  // namespace planb::metrics
