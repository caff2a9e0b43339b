#include <stdexcept>

#include "probes/http_probe.hpp"
#include "probes/probe.hpp"
#include "probes/tcp_probe.hpp"

namespace planb::probes {

std::unique_ptr<Probe> makeProbe(boost::asio::io_context& io, const config::ProbeConfig& config) {
  try {
    switch (config.type) {
      case config::ProbeType::Http: {
        HttpProbeOptions options;
        options.url = parseUrl(config.http.url);
        options.expectStatus = config.http.expect_status;
        options.expectBody = config.http.expect_body;
        options.method = config.http.method;
        options.host = config.http.host;
        options.headers = config.http.headers;
        options.caFile = config.http.ca_file;
        return std::make_unique<HttpProbe>(io, std::move(options));
      }
      case config::ProbeType::Tcp:
        return std::make_unique<TcpProbe>(
            io, Endpoint::make(config.tcp.address.host, config.tcp.address.port));
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("probe " + config.name + ": " + e.what());
  }
  throw std::invalid_argument("probe " + config.name + ": unknown probe type");
}

}  // namespace planb::probes
