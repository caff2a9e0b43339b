#pragma once
// What the reconciler reports as it decides and writes: the few facts its metrics show. The
// daemon adapts it to metrics::Metrics (MetricsReport); tests may record it.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/decision.hpp"

namespace planb::daemon {

class ReconcileReport {
 public:
  using Duration = std::chrono::steady_clock::duration;

  virtual ~ReconcileReport() = default;
  // A change of the served target between two of the record's targets, made by automation.
  virtual void failover(std::string_view record, std::string_view from, std::string_view to) = 0;
  virtual void recordRule(std::string_view record, core::Rule rule) = 0;
  virtual void recordDegraded(std::string_view record, bool degraded) = 0;
  virtual void recordTarget(std::string_view record, const std::optional<std::string>& served) = 0;
  virtual void recordInSync(std::string_view record, std::string_view provider, bool in_sync) = 0;
  // One provider API call: "success" or the error kind's name.
  virtual void providerRequest(std::string_view provider, std::string_view result,
                               Duration took) = 0;
  // The provider serves what it should, as of now.
  virtual void reconcileSuccess(std::string_view provider) = 0;
  // Records written on the provider whose change it still propagates (Route 53 `PENDING`).
  virtual void recordsPropagating(std::string_view provider, std::size_t records) = 0;
  // From a write the provider accepted as propagating until it reported it applied everywhere.
  virtual void changeApplied(std::string_view provider, Duration took) = 0;
  // When the provider's temporary credentials expire, as it last told.
  virtual void credentialsExpire(std::string_view provider,
                                 std::chrono::system_clock::time_point at) = 0;
  // From a write until every verify server answers the new target.
  virtual void dnsPropagation(std::string_view provider, Duration took) = 0;
};

}  // namespace planb::daemon
