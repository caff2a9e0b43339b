// [rehearsal]: interval ("0s" off) and timeout (product.md §11).

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::load;

TEST_CASE("without [rehearsal] every zone is rehearsed hourly with a 5 minute timeout") {
  Config config = load("");
  CHECK(config.rehearsal.interval == Millis{3'600'000});
  CHECK(config.rehearsal.timeout == Millis{300'000});
}

TEST_CASE("[rehearsal] interval and timeout take durations; interval \"0s\" turns it off") {
  Config config = load("[rehearsal]\ninterval = \"15m\"\ntimeout = \"90s\"\n");
  CHECK(config.rehearsal.interval == Millis{900'000});
  CHECK(config.rehearsal.timeout == Millis{90'000});
  CHECK(load("[rehearsal]\ninterval = \"0s\"\n").rehearsal.interval == Millis{0});
  CHECK(load("[rehearsal]\ninterval = \"0ms\"\ntimeout = \"2h\"\n").rehearsal.interval ==
        Millis{0});
}

TEST_CASE("a bad [rehearsal] key is reported at FILE:LINE:COL with its key path") {
  checkErrors(errorsOf("[rehearsal]\ninterval = \"often\"\n"),
              {{2, 1, "rehearsal.interval",
                "bad duration \"often\": use a number with a unit: ms, s, m, h"}});
  checkErrors(errorsOf("[rehearsal]\ninterval = 3600\n"),
              {{2, 1, "rehearsal.interval",
                "expected a duration with a unit, such as \"2s\", got an integer"}});
  checkErrors(errorsOf("[rehearsal]\ntimeout = \"0s\"\n"),
              {{2, 1, "rehearsal.timeout", "must be positive, got \"0s\""}});
  checkErrors(errorsOf("[rehearsal]\ninterval = \"1h\"\nevery = \"1h\"\n"),
              {{3, 1, "rehearsal.every", "unknown key \"every\""}});
}

TEST_CASE("a rehearsal timeout as long as its interval is refused") {
  checkErrors(errorsOf("[rehearsal]\ninterval = \"5m\"\ntimeout = \"5m\"\n"),
              {{3, 1, "rehearsal.timeout",
                "timeout 5m must be shorter than interval 5m (or turn rehearsals off with "
                "interval = \"0s\")"}});
  checkErrors(errorsOf("[rehearsal]\ntimeout = \"2h\"\n"),
              {{2, 1, "rehearsal.timeout",
                "timeout 2h must be shorter than interval 1h (or turn rehearsals off with "
                "interval = \"0s\")"}});
}

}  // namespace
}  // namespace planb::config
