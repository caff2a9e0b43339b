#include "core/local_network_guard.hpp"

#include <doctest/doctest.h>

using planb::core::LocalNetworkGuard;

TEST_CASE("the guard fires only when the last attempt of every canary failed") {
  LocalNetworkGuard guard(2, 2);
  CHECK_FALSE(guard.record(0, false));
  CHECK_FALSE(guard.down());  // canary 1 has no result yet: not failing
  CHECK_FALSE(guard.record(1, true));
  CHECK(guard.record(1, false));  // now both failed
  CHECK(guard.down());
}

TEST_CASE("the guard stands down after rise successes of any one canary, not one") {
  LocalNetworkGuard guard(2, 2);
  guard.record(0, false);
  guard.record(1, false);
  REQUIRE(guard.down());
  CHECK_FALSE(guard.record(1, true));
  CHECK(guard.down());
  CHECK(guard.record(1, true));
  CHECK_FALSE(guard.down());
  CHECK(guard.last(0) == LocalNetworkGuard::Last::Failed);
  CHECK(guard.last(1) == LocalNetworkGuard::Last::Ok);
}

TEST_CASE("a success between failures breaks the run that would stand the guard down") {
  LocalNetworkGuard guard(1, 3);
  guard.record(0, false);
  REQUIRE(guard.down());
  guard.record(0, true);
  guard.record(0, true);
  guard.record(0, false);
  guard.record(0, true);
  guard.record(0, true);
  CHECK(guard.down());
  CHECK(guard.record(0, true));
}

TEST_CASE("a guard without canaries never fires") {
  LocalNetworkGuard guard(0, 2);
  CHECK_FALSE(guard.down());
}
