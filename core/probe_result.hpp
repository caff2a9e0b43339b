#pragma once
// The one result every probe attempt yields.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace planb::core {

// Why an attempt failed. The names are the `result` label of planb_probe_results_total, so the
// set is closed and small.
enum class ProbeFailure { None, Timeout, Refused, Tls, Status, Body, Dns, Exec, Internal };

std::string_view nameOf(ProbeFailure failure);  // "success", "timeout", "refused", ...

struct ProbeResult {
  ProbeFailure failure = ProbeFailure::None;
  std::chrono::microseconds latency{0};
  std::string detail;  // human reason, e.g. "connect: connection refused" or "status 503"
  // https probes: the notAfter of the certificate the server presented, whenever the handshake got
  // that far — also when verification refused it (expired, wrong name). Unset otherwise.
  std::optional<std::chrono::system_clock::time_point> cert_expiry;

  bool ok() const noexcept { return failure == ProbeFailure::None; }

  static ProbeResult success(std::chrono::microseconds latency) {
    return {ProbeFailure::None, latency, {}, std::nullopt};
  }
  static ProbeResult failed(ProbeFailure why, std::string detail,
                            std::chrono::microseconds latency = {}) {
    return {why, latency, std::move(detail), std::nullopt};
  }
};

}  // namespace planb::core
