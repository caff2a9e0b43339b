#pragma once
// Network addresses as written in planb.toml: "host:port" ("[v6]:port" for IPv6) and the URLs of
// probes and canaries. The syntax is net/'s (net/url.hpp); what a canary may be is the config's.

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "net/url.hpp"

namespace planb::config {

using net::parseHostPort;
using net::parseUrl;
using net::Url;
using net::urlScheme;

// A [guard] canary: tcp://host:port, dns://host[:port], http://… or https://…. Returns the reason
// it is not one, or an empty string when it is.
std::string checkCanary(std::string_view text);

}  // namespace planb::config
