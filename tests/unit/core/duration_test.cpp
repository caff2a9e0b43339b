#include "core/duration.hpp"

#include <doctest/doctest.h>

using namespace planb::core;
using namespace std::chrono_literals;

TEST_CASE("durations with a unit are parsed") {
  CHECK(parseDuration("250ms") == Millis(250));
  CHECK(parseDuration("2s") == Millis(2000));
  CHECK(parseDuration("5m") == Millis(300'000));
  CHECK(parseDuration("1h") == Millis(3'600'000));
  CHECK(parseDuration("1m30s") == Millis(90'000));
  CHECK(parseDuration("0s") == Millis(0));
}

TEST_CASE("durations without a unit, with an unknown unit or negative are refused") {
  CHECK_FALSE(parseDuration(""));
  CHECK_FALSE(parseDuration("10"));
  CHECK_FALSE(parseDuration("5x"));
  CHECK_FALSE(parseDuration("-1s"));
  CHECK_FALSE(parseDuration("s"));
  CHECK_FALSE(parseDuration("1.5s"));
  CHECK_FALSE(parseDuration("99999999999999999999h"));
}

TEST_CASE("durations are formatted in their largest exact unit") {
  CHECK(formatDuration(Millis(1500)) == "1500ms");
  CHECK(formatDuration(Millis(3000)) == "3s");
  CHECK(formatDuration(Millis(120'000)) == "2m");
  CHECK(formatDuration(Millis(7'200'000)) == "2h");
  CHECK(formatDuration(Millis(0)) == "0ms");
}
