#include "net/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"

namespace planb::net {

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

bool isRegNameChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
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
  return separator == std::string_view::npos ? std::string()
                                             : core::asciiLower(text.substr(0, separator));
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

std::string HttpUrl::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!hasDefaultPort()) {
    out += ':' + std::to_string(port);
  }
  return out;
}

std::string HttpUrl::str() const {
  return scheme + "://" + authority() + target;
}

std::optional<HttpUrl> parseHttpUrl(std::string_view text, std::string& why) {
  auto refuse = [&why](std::string_view reason) {
    why = std::string(reason);
    return std::nullopt;
  };
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) {
      return refuse("contains a space, control or non-ASCII character");
    }
  }
  HttpUrl url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return refuse("expected scheme://host");
  }
  url.scheme = core::asciiLower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return refuse("scheme must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  auto pathStart = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, pathStart);
  if (pathStart != std::string_view::npos) {
    // Built by push_back/append into a fresh string: GCC 12 at -O3 warns falsely (-Wrestrict,
    // PR105329) on insert/assign of short literals.
    std::string_view written = rest.substr(pathStart);
    std::string target;
    if (written.front() == '?') {
      target.push_back('/');
    }
    target.append(written);
    url.target = std::move(target);
  }
  if (authority.find('@') != std::string_view::npos) {
    return refuse("user info is not supported");
  }

  std::string_view portText;
  bool hasPort = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return refuse("unterminated IPv6 literal");
    }
    url.host = core::asciiLower(authority.substr(1, close - 1));
    if (!isIpv6(url.host)) {
      return refuse("bad IPv6 literal");
    }
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return refuse("unexpected text after the IPv6 literal");
      }
      hasPort = true;
      portText = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    url.host = core::asciiLower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      hasPort = true;
      portText = authority.substr(colon + 1);
    }
    if (!std::all_of(url.host.begin(), url.host.end(),
                     [](unsigned char c) { return isRegNameChar(c); })) {
      return refuse("bad host name");
    }
  }
  if (url.host.empty()) {
    return refuse("empty host");
  }

  url.port = url.tls() ? 443 : 80;
  if (hasPort) {
    std::optional<std::uint16_t> port = parsePort(portText);
    if (!port) {
      return refuse("port must be 1..65535");
    }
    url.port = *port;
  }
  return url;
}

HttpUrl parseHttpUrl(std::string_view text) {
  std::string why;
  std::optional<HttpUrl> url = parseHttpUrl(text, why);
  if (!url) {
    throw UrlError("url " + std::string(text) + ": " + why);
  }
  return std::move(*url);
}

bool isLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  if (core::asciiLower(text) == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 &&
         std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

}  // namespace planb::net
