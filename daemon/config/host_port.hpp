#pragma once
// Network addresses as written in planb.toml: "host:port" ("[v6]:port" for IPv6) and the URLs of
// probes and canaries. Syntax only: nothing is resolved or connected to.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace planb::config {

// Parses "host:port". Without a port, `default_port` is used, or the text is refused when there is
// none. On failure returns nullopt and sets `why` (e.g. "the port must be 1-65535").
std::optional<HostPort> parseHostPort(std::string_view text,
                                      std::optional<std::uint16_t> default_port, std::string& why);

// "scheme://host[:port][/path…]", split. The port defaults by scheme (http 80, https 443, dns 53);
// other schemes need one.
struct Url {
  std::string scheme;  // lower case, e.g. "http"
  HostPort host;
  std::string rest;  // path, query and fragment, as written
};
std::optional<Url> parseUrl(std::string_view text, std::string& why);

// The scheme of "scheme://…", lower case; empty when the text has none.
std::string urlScheme(std::string_view text);

// A [guard] canary: tcp://host:port, dns://host[:port], http://… or https://…. Returns the reason
// it is not one, or an empty string when it is.
std::string checkCanary(std::string_view text);

}  // namespace planb::config
