#include <doctest/doctest.h>

#include <string_view>

#include "net/url.hpp"

using planb::net::isLoopbackHost;

TEST_CASE("literal loopback addresses and a dotless localhost are loopback") {
  for (std::string_view host : {"127.0.0.1", "127.8.9.10", "127.255.255.255", "::1", "[::1]",
                                "0:0:0:0:0:0:0:1", "localhost", "LocalHost"}) {
    CAPTURE(host);
    CHECK(isLoopbackHost(host));
  }
}

TEST_CASE("other addresses and every other name, localhost. included, are not loopback") {
  for (std::string_view host :
       {"128.0.0.1", "126.255.255.255", "0.0.0.0", "10.0.0.1", "::", "::2", "::ffff:127.0.0.1",
        "[::ffff:127.0.0.1]", "localhost.", "localhost.example.com", "my-localhost", "127.0.0.1.",
        "127.1", "", "[]"}) {
    CAPTURE(host);
    CHECK_FALSE(isLoopbackHost(host));
  }
}
