#pragma once
// Where a probe connects, prepared once per probe so each attempt does no parsing.

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace planb::probes {

struct Endpoint {
  std::string host;  // a DNS name, or an IP literal without brackets
  std::uint16_t port = 0;
  std::optional<boost::asio::ip::address> address;  // set for an IP literal: no resolver needed
  std::string service;                              // the port as text, for the resolver
  std::string display;  // "host:port", IPv6 bracketed; used in result details

  // Throws std::invalid_argument for an empty host or port 0.
  static Endpoint make(std::string host, std::uint16_t port);
};

}  // namespace planb::probes
