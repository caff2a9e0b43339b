// RequestBudget: a sliding window on a manual clock.

#include "providers/request_budget.hpp"

#include <doctest/doctest.h>

#include "fakes/manual_clock.hpp"

using planb::providers::RequestBudget;
using planb::testing::ManualClock;
using namespace std::chrono_literals;

TEST_CASE("the budget hands out capacity slots per window, then the wait for the oldest") {
  auto clock = std::make_shared<ManualClock>();
  RequestBudget budget(2, 10s, clock);
  CHECK_FALSE(budget.tryAcquire());
  clock->advance(4s);
  CHECK_FALSE(budget.tryAcquire());
  CHECK(budget.used() == 2);
  CHECK(budget.tryAcquire() == std::optional(6s));
  clock->advance(6s);
  CHECK(budget.used() == 1);
  CHECK_FALSE(budget.tryAcquire());
  CHECK(budget.tryAcquire() == std::optional(4s));
}

TEST_CASE("a refused request takes no slot") {
  auto clock = std::make_shared<ManualClock>();
  RequestBudget budget(1, 1s, clock);
  CHECK_FALSE(budget.tryAcquire());
  for (int i = 0; i < 5; ++i) {
    CHECK(budget.tryAcquire().has_value());
  }
  CHECK(budget.used() == 1);
  clock->advance(1s);
  CHECK_FALSE(budget.tryAcquire());
}

TEST_CASE("a wait shorter than a millisecond is reported as one millisecond") {
  auto clock = std::make_shared<ManualClock>();
  RequestBudget budget(1, 1s, clock);
  CHECK_FALSE(budget.tryAcquire());
  clock->advance(999ms);
  CHECK(budget.tryAcquire() == std::optional(1ms));
}

TEST_CASE("a hold-off refuses every slot until it passes, and never shortens an earlier one") {
  auto clock = std::make_shared<ManualClock>();
  RequestBudget budget(100, 1min, clock);
  budget.holdOff(30s);
  budget.holdOff(10s);
  CHECK(budget.tryAcquire() == std::optional(30s));
  clock->advance(30s);
  CHECK_FALSE(budget.tryAcquire());
}

TEST_CASE("a budget without capacity or clock is refused") {
  auto clock = std::make_shared<ManualClock>();
  CHECK_THROWS_AS(RequestBudget(0, 1s, clock), std::invalid_argument);
  CHECK_THROWS_AS(RequestBudget(1, 0s, clock), std::invalid_argument);
  CHECK_THROWS_AS(RequestBudget(1, 1s, nullptr), std::invalid_argument);
}
