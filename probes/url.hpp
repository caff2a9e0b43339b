#pragma once
// http:// and https:// URLs as probes use them: parsed once, when the probe is built.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace planb::probes {

// Thrown by parseUrl with a message naming what is wrong ("url ftp://x: scheme must be ...").
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Url {
  std::string scheme;        // "http" or "https", lower case
  std::string host;          // lower case; an IPv6 literal without its brackets
  std::uint16_t port = 0;    // as written, else the scheme's default (80, 443)
  std::string target = "/";  // path and query as written; the fragment is dropped

  bool tls() const noexcept { return scheme == "https"; }
  bool hasDefaultPort() const noexcept { return port == (tls() ? 443 : 80); }
  // The Host header value: host, bracketed if IPv6, with ":port" only when not the default.
  std::string authority() const;
  // "scheme://authority/target", canonical.
  std::string str() const;
};

// Parses an absolute http(s) URL. Rejects user info, an empty host, a bad or zero port, IPv6
// zone ids, and control characters or spaces anywhere, so the request line built from it is
// always well formed.
Url parseUrl(std::string_view text);

}  // namespace planb::probes
