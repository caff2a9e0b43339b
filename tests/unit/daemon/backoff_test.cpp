#include "backoff.hpp"

#include <doctest/doctest.h>

#include "fakes/sequence_random.hpp"

using namespace planb::daemon;
using namespace std::chrono_literals;

TEST_CASE("backoff grows exponentially up to its cap, with full jitter") {
  planb::testing::SequenceRandom top({0.999999});
  Backoff b{500ms, 8s};
  CHECK(b.next(1, top) == 499ms);
  CHECK(b.next(2, top) == 999ms);
  CHECK(b.next(3, top) == 1999ms);
  CHECK(b.next(10, top) == 7999ms);
  planb::testing::SequenceRandom bottom({0.0});
  CHECK(b.next(5, bottom) == 0ms);
}

TEST_CASE("backoff honours what the server asked for") {
  planb::testing::SequenceRandom half({0.5});
  Backoff b{500ms, 8s};
  CHECK(b.next(1, half, 30s) == 30s);
  CHECK(b.next(4, half, 1s) == 2s);
}

TEST_CASE("backoff does not overflow after many failures") {
  planb::testing::SequenceRandom top({0.999999});
  CHECK(Backoff{500ms, 60s}.next(1000, top) <= 60s);
}
