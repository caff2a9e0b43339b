#pragma once
// The routes of metrics_listen: GET /metrics (Prometheus exposition 0.0.4) and GET /healthz.
// Returns a Router so that the daemon can add more routes (the status page) to the same listener.

#include <functional>
#include <string>

#include "http/router.hpp"

namespace planb::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// GET /metrics answers `render()` (e.g. metrics::Metrics::render); GET /healthz answers 200 "ok"
// while `alive()` says the daemon's loops are alive, else 503.
Router metricsHandler(std::function<std::string()> render, std::function<bool()> alive);

}  // namespace planb::http
