#include "probes/endpoint.hpp"

#include <stdexcept>

namespace planb::probes {

Endpoint Endpoint::make(std::string host, std::uint16_t port) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    throw std::invalid_argument("probe endpoint: empty host");
  }
  if (port == 0) {
    throw std::invalid_argument("probe endpoint " + host + ": port must be 1..65535");
  }
  Endpoint e;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (!ec) {
    e.address = address;
  }
  e.port = port;
  e.service = std::to_string(port);
  e.display = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + e.service;
  e.host = std::move(host);
  return e;
}

}  // namespace planb::probes
