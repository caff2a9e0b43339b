#pragma once
// The reconciler's reports as Prometheus metrics.

#include "metrics/metrics.hpp"
#include "reconcile_report.hpp"

namespace planb::daemon {

class MetricsReport final : public ReconcileReport {
 public:
  explicit MetricsReport(metrics::Metrics& metrics) : metrics_(metrics) {}

  void failover(std::string_view record, std::string_view from, std::string_view to) override {
    metrics_.failover(record, from, to);
  }
  void recordRule(std::string_view record, core::Rule rule) override {
    metrics_.recordRule(record, rule);
  }
  void recordDegraded(std::string_view record, bool degraded) override {
    metrics_.recordDegraded(record, degraded);
  }
  void recordTarget(std::string_view record, const std::optional<std::string>& served) override {
    metrics_.recordTarget(record, served);
  }
  void recordInSync(std::string_view record, std::string_view provider, bool in_sync) override {
    metrics_.recordInSync(record, provider, in_sync);
  }
  void providerRequest(std::string_view provider, std::string_view result, Duration took) override {
    metrics_.providerRequest(provider, result, took);
  }
  void reconcileSuccess(std::string_view provider) override { metrics_.reconcileSuccess(provider); }
  void recordsPropagating(std::string_view provider, std::size_t records) override {
    metrics_.recordsPropagating(provider, records);
  }
  void changeApplied(std::string_view provider, Duration took) override {
    metrics_.changeApplied(provider, took);
  }
  void credentialsExpire(std::string_view provider,
                         std::chrono::system_clock::time_point at) override {
    metrics_.credentialsExpire(provider, at);
  }
  void dnsPropagation(std::string_view provider, Duration took) override {
    metrics_.dnsPropagation(provider, took);
  }

 private:
  metrics::Metrics& metrics_;
};

}  // namespace planb::daemon
