#pragma once
// Network addresses as planb reads them: "host:port", the split of any "scheme://host…" URL, and
// the strict http(s) URL that is sent on the wire. Syntax only: nothing is resolved or connected.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace planb::net {

// host:port, with the port given or defaulted by the key's meaning.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;  // "host:port", IPv6 hosts bracketed
};

// Parses "host:port" ("[v6]:port" for IPv6). Without a port, `default_port` is used, or the text
// is refused when there is none. On failure returns nullopt and sets `why` (e.g. "the port must
// be a number from 1 to 65535").
std::optional<HostPort> parseHostPort(std::string_view text,
                                      std::optional<std::uint16_t> default_port, std::string& why);

// The scheme of "scheme://…", lower case; empty when the text has none.
std::string urlScheme(std::string_view text);

// "scheme://host[:port][/path…]", split. The port defaults by scheme (http 80, https 443, dns 53);
// other schemes need one.
struct Url {
  std::string scheme;  // lower case, e.g. "http"
  HostPort host;
  std::string rest;  // path, query and fragment, as written
};
std::optional<Url> parseUrl(std::string_view text, std::string& why);

// An absolute http:// or https:// URL, ready for a request line.
struct HttpUrl {
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
// always well formed. On failure returns nullopt and sets `why`, which never repeats the text
// (user info may hold a password).
std::optional<HttpUrl> parseHttpUrl(std::string_view text, std::string& why);

// Thrown by the throwing parseHttpUrl: "url TEXT: why".
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The same, throwing UrlError naming the text and what is wrong ("url ftp://x: scheme must be
// ...").
HttpUrl parseHttpUrl(std::string_view text);

// The hosts whose traffic never leaves the machine, where plain http:// is acceptable: literal
// IPv4 loopback addresses (127.0.0.0/8), the IPv6 loopback address (::1, brackets optional), and
// the name "localhost" in any case. Other names, "localhost." and "localhost.example.com"
// included, are not: what they resolve to is not the host's to promise.
bool isLoopbackHost(std::string_view host);

}  // namespace planb::net
