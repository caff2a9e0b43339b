#include "core/dns_name.hpp"

#include <doctest/doctest.h>

using namespace planb::core;

TEST_CASE("names are compared lower case and absolute") {
  CHECK(canonicalName("WWW.Example.com") == "www.example.com.");
  CHECK(canonicalName("www.example.com.") == "www.example.com.");
}

TEST_CASE("a name lies within its zone only on a label boundary") {
  CHECK(isWithinZone("www.example.com", "example.com."));
  CHECK(isWithinZone("example.com", "example.com"));
  CHECK_FALSE(isWithinZone("www.badexample.com", "example.com"));
  CHECK_FALSE(isWithinZone("example.org", "example.com"));
}

TEST_CASE("host names with empty, long or odd labels are invalid") {
  CHECK(isValidDnsName("d111111abcdef8.cloudfront.net."));
  CHECK(isValidDnsName("_acme.example.com"));
  CHECK_FALSE(isValidDnsName(""));
  CHECK_FALSE(isValidDnsName("a..b"));
  CHECK_FALSE(isValidDnsName("exa mple.com"));
  CHECK_FALSE(isValidDnsName(std::string(64, 'a') + ".com"));
}
