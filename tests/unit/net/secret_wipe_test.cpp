// Credentials held for a moment in plain strings are overwritten, not just freed.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "net/secret.hpp"

namespace planb::net {
namespace {

TEST_CASE("wipeString overwrites every byte of the string's buffer and empties it") {
  std::string token = "etcd-token-7f3a9c2d1e4b5a6f8091a2b3c4d5e6f7";
  token.resize(10);  // a shorter value left the longer one behind in the buffer
  const std::size_t capacity = token.capacity();
  const char* buffer = token.data();
  wipeString(token);
  CHECK(token.empty());
  // clear() keeps the buffer: what was in it is still ours to look at.
  REQUIRE(token.data() == buffer);
  REQUIRE(token.capacity() == capacity);
  CHECK(std::all_of(buffer, buffer + capacity, [](char c) { return c == '\0'; }));
}

TEST_CASE("wipeString overwrites a short string held in place") {
  std::string password = "pw-short";
  const char* buffer = password.data();
  const std::size_t capacity = password.capacity();
  wipeString(password);
  CHECK(password.empty());
  REQUIRE(password.data() == buffer);
  CHECK(std::all_of(buffer, buffer + capacity, [](char c) { return c == '\0'; }));
}

}  // namespace
}  // namespace planb::net
