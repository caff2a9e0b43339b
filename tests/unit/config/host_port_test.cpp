// host:port and URL syntax, as used by server, address, verify_servers, metrics_listen, canaries.

#include "config/host_port.hpp"

#include <doctest/doctest.h>

namespace planb::config {
namespace {

TEST_CASE("host:port parses names, IPv4 and bracketed IPv6, with or without a default port") {
  std::string why;
  CHECK(parseHostPort("ns1.example.com:5353", std::nullopt, why)->str() == "ns1.example.com:5353");
  CHECK(parseHostPort("192.0.2.1", 53, why)->str() == "192.0.2.1:53");
  std::optional<HostPort> v6 = parseHostPort("[2001:db8::1]:853", std::nullopt, why);
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->port == 853);
  CHECK(v6->str() == "[2001:db8::1]:853");
  CHECK(parseHostPort("[::1]", 53, why)->str() == "[::1]:53");
}

TEST_CASE("host:port refuses what is not an address, saying why") {
  auto why = [](std::string_view text, std::optional<std::uint16_t> default_port = std::nullopt) {
    std::string reason;
    CHECK_FALSE(parseHostPort(text, default_port, reason));
    return reason;
  };
  CHECK(why("192.0.2.1") == "the port is required (host:port)");
  CHECK(why("192.0.2.1:0") == "the port must be a number from 1 to 65535");
  CHECK(why("192.0.2.1:65536") == "the port must be a number from 1 to 65535");
  CHECK(why("192.0.2.1:http") == "the port must be a number from 1 to 65535");
  CHECK(why("192.0.2.1:") == "the port must be a number from 1 to 65535");
  CHECK(why("::1", 53) == "write an IPv6 address in brackets, e.g. [2001:db8::1]:53");
  CHECK(why("[::1") == "missing ']' after the IPv6 address");
  CHECK(why("[::1]53") == "expected ':' and a port after ']'");
  CHECK(why("[example.com]:53") == "\"example.com\" is not an IPv6 address");
  CHECK(why("bad host:53") == "\"bad host\" is not a host name or IP address");
  CHECK(why(":53") == "\"\" is not a host name or IP address");
}

TEST_CASE("a url splits into scheme, host with the scheme's port, and the rest") {
  std::string why;
  std::optional<Url> url = parseUrl("HTTP://origin.example.com/healthz?deep=1", why);
  REQUIRE(url);
  CHECK(url->scheme == "http");
  CHECK(url->host.str() == "origin.example.com:80");
  CHECK(url->rest == "/healthz?deep=1");
  CHECK(parseUrl("https://[2001:db8::1]", why)->host.str() == "[2001:db8::1]:443");
  CHECK_FALSE(parseUrl("origin.example.com/healthz", why));
  CHECK(why == "expected scheme://host[:port][/path]");
}

TEST_CASE("a canary is tcp://host:port, dns://host[:port], http://… or https://…") {
  CHECK(checkCanary("tcp://192.0.2.1:53").empty());
  CHECK(checkCanary("dns://192.0.2.1").empty());
  CHECK(checkCanary("dns://[2001:db8::1]:53").empty());
  CHECK(checkCanary("http://192.0.2.1/").empty());
  CHECK(checkCanary("https://example.com/generate_204").empty());
  CHECK(checkCanary("tcp://192.0.2.1") == "the port is required (host:port)");
  CHECK(checkCanary("tcp://192.0.2.1:53/x") == "a tcp canary has no path");
  CHECK(checkCanary("dns://192.0.2.1:0") == "the port must be a number from 1 to 65535");
  CHECK(checkCanary("icmp://192.0.2.1") ==
        "use tcp://host:port, dns://host:port, http://… or https://…");
}

}  // namespace
}  // namespace planb::config
