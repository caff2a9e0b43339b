#include "http/metrics_handler.hpp"

#include <utility>

namespace planb::http {

Router metricsHandler(std::function<std::string()> render, std::function<bool()> alive) {
  Router router;
  router.on(Verb::get, "/metrics",
            [render = std::move(render)](const Request& request, const PeerInfo&) {
              return makeResponse(request, Status::ok, render(), kMetricsContentType);
            });
  router.on(Verb::get, "/healthz",
            [alive = std::move(alive)](const Request& request, const PeerInfo&) {
              if (alive()) {
                return makeResponse(request, Status::ok, "ok\n");
              }
              return makeResponse(request, Status::service_unavailable, "unavailable\n");
            });
  return router;
}

}  // namespace planb::http
