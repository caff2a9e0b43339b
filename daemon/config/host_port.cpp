#include "config/host_port.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "core/dns_name.hpp"

namespace planb::config {

namespace {

std::optional<std::uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

bool isIpv6(std::string_view text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

std::optional<std::uint16_t> defaultPortOf(std::string_view scheme) {
  if (scheme == "http") {
    return 80;
  }
  if (scheme == "https") {
    return 443;
  }
  if (scheme == "dns") {
    return 53;
  }
  return std::nullopt;
}

}  // namespace

std::string HostPort::str() const {
  std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + port_text;
  }
  return host + ":" + port_text;
}

std::optional<HostPort> parseHostPort(std::string_view text,
                                      std::optional<std::uint16_t> default_port, std::string& why) {
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      why = "missing ']' after the IPv6 address";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        why = "expected ':' and a port after ']'";
        return std::nullopt;
      }
      port_text = after.substr(1);
    }
    if (!isIpv6(host)) {
      why = "\"" + std::string(host) + "\" is not an IPv6 address";
      return std::nullopt;
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      why = "write an IPv6 address in brackets, e.g. [2001:db8::1]:53";
      return std::nullopt;
    }
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
    if (!core::isValidDnsName(host)) {
      why = "\"" + std::string(host) + "\" is not a host name or IP address";
      return std::nullopt;
    }
  }
  HostPort result{std::string(host), 0};
  if (port_text) {
    std::optional<std::uint16_t> port = parsePort(*port_text);
    if (!port) {
      why = "the port must be a number from 1 to 65535";
      return std::nullopt;
    }
    result.port = *port;
  } else if (default_port) {
    result.port = *default_port;
  } else {
    why = "the port is required (host:port)";
    return std::nullopt;
  }
  return result;
}

std::string urlScheme(std::string_view text) {
  std::size_t separator = text.find("://");
  std::string scheme;
  if (separator != std::string_view::npos) {
    for (char c : text.substr(0, separator)) {
      scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return scheme;
}

std::optional<Url> parseUrl(std::string_view text, std::string& why) {
  Url url;
  url.scheme = urlScheme(text);
  if (url.scheme.empty()) {
    why = "expected scheme://host[:port][/path]";
    return std::nullopt;
  }
  std::string_view after = text.substr(url.scheme.size() + 3);
  std::size_t host_end = std::min(after.find_first_of("/?#"), after.size());
  std::optional<HostPort> host =
      parseHostPort(after.substr(0, host_end), defaultPortOf(url.scheme), why);
  if (!host) {
    return std::nullopt;
  }
  url.host = std::move(*host);
  url.rest = std::string(after.substr(host_end));
  return url;
}

std::string checkCanary(std::string_view text) {
  std::string scheme = urlScheme(text);
  if (scheme != "tcp" && scheme != "dns" && scheme != "http" && scheme != "https") {
    return "use tcp://host:port, dns://host:port, http://… or https://…";
  }
  std::string why;
  std::optional<Url> url = parseUrl(text, why);
  if (!url) {
    return why;
  }
  if ((scheme == "tcp" || scheme == "dns") && !url->rest.empty()) {
    return "a " + scheme + " canary has no path";
  }
  return "";
}

}  // namespace planb::config
