#include "probes/url.hpp"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>
#include <cctype>
#include <charconv>

#include "core/ascii.hpp"

namespace planb::probes {
namespace {

[[noreturn]] void reject(std::string_view text, std::string_view why) {
  throw UrlError("url " + std::string(text) + ": " + std::string(why));
}

bool isRegNameChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string Url::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!hasDefaultPort()) {
    out += ':' + std::to_string(port);
  }
  return out;
}

std::string Url::str() const {
  return scheme + "://" + authority() + target;
}

Url parseUrl(std::string_view text) {
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) {
      reject(text, "contains a space, control or non-ASCII character");
    }
  }
  Url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    reject(text, "expected scheme://host");
  }
  url.scheme = core::asciiLower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    reject(text, "scheme must be http or https");
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
    reject(text, "user info is not supported");
  }

  std::string_view portText;
  bool hasPort = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      reject(text, "unterminated IPv6 literal");
    }
    url.host = core::asciiLower(authority.substr(1, close - 1));
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(url.host, ec);
    if (ec || url.host.find('%') != std::string::npos) {
      reject(text, "bad IPv6 literal");
    }
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        reject(text, "unexpected text after the IPv6 literal");
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
      reject(text, "bad host name");
    }
  }
  if (url.host.empty()) {
    reject(text, "empty host");
  }

  url.port = url.tls() ? 443 : 80;
  if (hasPort) {
    unsigned value = 0;
    auto [end, err] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (portText.empty() || err != std::errc{} || end != portText.data() + portText.size() ||
        value == 0 || value > 65535) {
      reject(text, "port must be 1..65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

}  // namespace planb::probes
