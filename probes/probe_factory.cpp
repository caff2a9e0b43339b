#include <boost/asio/ip/address.hpp>
#include <stdexcept>

#include "probes/dns_probe.hpp"
#include "probes/exec_probe.hpp"
#include "probes/http_probe.hpp"
#include "probes/probe.hpp"
#include "probes/tcp_probe.hpp"
#include "providers/credential_file.hpp"

namespace planb::probes {

namespace {

// sign = "aws-sigv4": the credentials are read now, when the probe is built (at start and at each
// reload), so a rotated key is picked up by a reload.
HttpProbeOptions::SigV4 signing(const config::SigV4ProbeSettings& settings) {
  HttpProbeOptions::SigV4 sign;
  try {
    sign.credentials.access_key_id =
        providers::readSecretFile(settings.access_key_id_file, "access key id file").reveal();
    sign.credentials.secret_access_key =
        providers::readSecretFile(settings.secret_access_key_file, "secret access key file");
    if (settings.session_token_file) {
      sign.credentials.session_token =
          providers::readSecretFile(*settings.session_token_file, "session token file");
    }
  } catch (const providers::CredentialError& e) {
    throw std::invalid_argument(e.what());  // names the file, never its content
  }
  sign.scope = {settings.region, settings.service};
  return sign;
}

}  // namespace

std::unique_ptr<Probe> makeProbe(boost::asio::io_context& io, const config::ProbeConfig& config) {
  try {
    switch (config.type) {
      case config::ProbeType::Http: {
        HttpProbeOptions options;
        options.url = parseUrl(config.http.url);
        options.expectStatus = config.http.expect_status;
        options.expectBody = config.http.expect_body;
        options.expectBodyRegex = config.http.expect_body_regex;
        options.method = config.http.method;
        options.host = config.http.host;
        options.headers = config.http.headers;
        options.caFile = config.http.ca_file;
        if (config.http.sign) {
          options.sign = signing(*config.http.sign);
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
