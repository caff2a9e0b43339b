#include "canary_probe.hpp"

#include <numeric>

#include "config/host_port.hpp"

namespace planb::daemon {

config::ProbeConfig canaryProbe(const std::string& canary, const config::ProbeTiming& timing) {
  config::ProbeConfig p;
  p.name = canary;
  p.region = "canary";
  p.timing = timing;
  std::string why;
  std::optional<config::Url> url = config::parseUrl(canary, why);
  if (!url) {
    throw std::invalid_argument("canary " + canary + ": " + why);
  }
  if (url->scheme == "tcp") {
    p.type = config::ProbeType::Tcp;
    p.tcp.address = url->host;
  } else if (url->scheme == "dns") {
    p.type = config::ProbeType::Dns;
    p.dns.server = url->host;
    if (p.dns.server.port == 0) {
      p.dns.server.port = 53;
    }
    p.dns.query_name = ".";
    p.dns.query_type = "NS";
  } else {
    p.type = config::ProbeType::Http;
    p.http.url = canary;
    p.http.method = "HEAD";
    p.http.expect_status.resize(500);  // any status from 100 to 599: the host answered
    std::iota(p.http.expect_status.begin(), p.http.expect_status.end(), 100);
  }
  return p;
}

}  // namespace planb::daemon
