#include "probe_factory.hpp"

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

#include "probe_check.hpp"
#include "probes/dns_probe.hpp"
#include "probes/exec_probe.hpp"
#include "probes/http_probe.hpp"
#include "probes/tcp_probe.hpp"

namespace planb::probes {

std::unique_ptr<Probe> makeProbe(boost::asio::io_context& io, const config::ProbeConfig& config) {
  try {
    switch (config.type) {
      case config::ProbeType::Http: {
        HttpProbeOptions options;
        options.url = net::parseHttpUrl(config.http.url);
        options.expectStatus = config.http.expect_status;
        options.expectBody = config.http.expect_body;
        options.expectBodyRegex = config.http.expect_body_regex;
        options.method = config.http.method;
        options.host = config.http.host;
        options.headers = config.http.headers;
        options.headerFiles = config.http.header_files;
        options.caFile = config.http.ca_file;
        if (config.http.sign) {
          options.sign = readSigning(*config.http.sign);
          options.signCredentials = watchSigning(*config.http.sign);
        }
        return std::make_unique<HttpProbe>(io, std::move(options));
      }
      case config::ProbeType::Tcp:
        return std::make_unique<TcpProbe>(
            io, Endpoint::make(config.tcp.address.host, config.tcp.address.port));
      case config::ProbeType::Dns: {
        DnsProbeOptions options;
        boost::system::error_code ec;
        options.server = boost::asio::ip::make_address(config.dns.server.host, ec);
        if (ec) {
          throw std::invalid_argument("dns probe: server \"" + config.dns.server.host +
                                      "\" is not an IP address");
        }
        options.port = config.dns.server.port;
        options.queryName = config.dns.query_name;
        options.queryType = config.dns.query_type;
        options.expectRcode = config.dns.expect_rcode;
        options.expectAnswer = config.dns.expect_answer;
        return std::make_unique<DnsProbe>(io, options);
      }
      case config::ProbeType::Exec:
        return std::make_unique<ExecProbe>(io, config.exec.command);
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("probe " + config.name + ": " + e.what());
  }
  throw std::invalid_argument("probe " + config.name + ": unknown probe type");
}

}  // namespace planb::probes
