#include "core/overrides.hpp"

#include <doctest/doctest.h>

using namespace planb::core;
using namespace std::chrono_literals;

namespace {

const WallTime kNow = WallTime{} + 1'000'000h;

Override pin(std::string record, std::string target, std::optional<WallTime> expires = {}) {
  Override o;
  o.kind = OverrideKind::Pin;
  o.subject = std::move(record);
  o.target = std::move(target);
  o.expires_at = expires;
  return o;
}

Override drain(std::string target, std::optional<WallTime> expires = {}) {
  Override o;
  o.kind = OverrideKind::Drain;
  o.subject = std::move(target);
  o.expires_at = expires;
  return o;
}

}  // namespace

TEST_CASE("a second pin of the same record replaces the first and returns it") {
  Overrides overrides;
  CHECK_FALSE(overrides.set(pin("www.", "a")));
  auto replaced = overrides.set(pin("www.", "b"));
  REQUIRE(replaced);
  CHECK(replaced->target == "a");
  REQUIRE(overrides.pinOf("www."));
  CHECK(overrides.pinOf("www.")->target == "b");
  CHECK(overrides.count(OverrideKind::Pin) == 1);
}

TEST_CASE("pins, drains and the freeze are kept apart by kind and subject") {
  Overrides overrides;
  overrides.set(pin("www.", "a"));
  overrides.set(drain("a"));
  overrides.set(Override{OverrideKind::Freeze, "", "", "incident", "alice", kNow, {}});
  CHECK(overrides.drained("a"));
  CHECK_FALSE(overrides.drained("b"));
  CHECK_FALSE(overrides.pinOf("api."));
  REQUIRE(overrides.freeze());
  CHECK(overrides.freeze()->reason == "incident");
  CHECK(overrides.all().size() == 3);
}

TEST_CASE("removing an override that does not exist changes nothing") {
  Overrides overrides;
  overrides.set(drain("a"));
  CHECK_FALSE(overrides.remove(OverrideKind::Drain, "b"));
  CHECK_FALSE(overrides.remove(OverrideKind::Pin, "a"));
  CHECK(overrides.remove(OverrideKind::Drain, "a"));
  CHECK(overrides.all().empty());
}

TEST_CASE("overrides expire at their expiry time, not before, and those without one never") {
  Overrides overrides;
  overrides.set(pin("www.", "b", kNow + 30min));
  overrides.set(drain("a", kNow + 10min));
  overrides.set(drain("c"));
  CHECK(overrides.expire(kNow + 10min - 1ms).empty());
  auto gone = overrides.expire(kNow + 10min);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].subject == "a");
  CHECK_FALSE(overrides.drained("a"));
  CHECK(overrides.pinOf("www."));
  gone = overrides.expire(kNow + 1000h);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].kind == OverrideKind::Pin);
  CHECK(overrides.drained("c"));
}
