#include "net/percent_encoding.hpp"

#include <doctest/doctest.h>

using planb::net::Literal;
using planb::net::percentEncode;

TEST_CASE("only the unreserved characters stay literal, everything else is upper-case %XX") {
  CHECK(percentEncode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(percentEncode("a b") == "a%20b");  // never '+'
  CHECK(percentEncode("+*/=:&?#%") == "%2B%2A%2F%3D%3A%26%3F%23%25");
  CHECK(percentEncode("\xc3\xa9") == "%C3%A9");  // the UTF-8 bytes of é, one by one
  CHECK(percentEncode(std::string_view("\0\x1f\x7f", 3)) == "%00%1F%7F");
  CHECK(percentEncode("") == "");
}

TEST_CASE("a whole path keeps its slashes and encodes everything else the same way") {
  CHECK(percentEncode("/a b/c*d/", Literal::UnreservedAndSlash) == "/a%20b/c%2Ad/");
  CHECK(percentEncode("/x?y", Literal::UnreservedAndSlash) == "/x%3Fy");
  CHECK(percentEncode("a/b") == "a%2Fb");
}
