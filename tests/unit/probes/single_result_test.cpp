#include "probes/single_result.hpp"

#include <doctest/doctest.h>

using planb::core::ProbeResult;
using planb::probes::SingleResult;

TEST_CASE("hands out the result callback exactly once") {
  int calls = 0;
  SingleResult once([&](ProbeResult) { ++calls; });
  CHECK(once.pending());
  auto first = once.take();
  REQUIRE(first);
  CHECK_FALSE(once.pending());
  CHECK_FALSE(once.take());  // every later path finds nothing to report with
  first(ProbeResult::success({}));
  CHECK(calls == 1);
}
