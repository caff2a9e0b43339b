// core::asciiLower: how names, header names and digests are compared everywhere in planb.

#include "core/ascii.hpp"

#include <doctest/doctest.h>

#include <string>

using planb::core::asciiLower;

TEST_CASE("asciiLower folds A to Z and leaves every other byte as it is") {
  CHECK(asciiLower("WWW.Example.COM.") == "www.example.com.");
  CHECK(asciiLower("Content-Type: X-Amz-Date") == "content-type: x-amz-date");
  CHECK(asciiLower("0123456789-_@[`{~") == "0123456789-_@[`{~");
  CHECK(asciiLower("") == "");
  // Bytes above 0x7f (UTF-8, Latin-1) are never folded, whatever the locale says.
  CHECK(asciiLower("\xC3\x89T\xC9") == "\xC3\x89t\xC9");
  CHECK(asciiLower(std::string("A\0B", 3)) == std::string("a\0b", 3));
}
