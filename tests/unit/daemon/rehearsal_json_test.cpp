// The status document's `rehearsals` and POST /v1/rehearse's answer: one entry per pair.

#include "rehearsal_json.hpp"

#include <doctest/doctest.h>

using namespace planb;
using namespace std::chrono_literals;

TEST_CASE("status lists every zone's provider: never rehearsed, passed, failed at a step") {
  config::Config config;
  config::ZoneConfig zone;
  zone.name = "example.com.";
  zone.providers = {"cloudflare", "route53", "bind"};
  config.zones = {zone};
  core::WallTime at{std::chrono::seconds(1'700'000'000)};
  core::RehearsalRecords records;
  core::RehearsalRecord passed;
  passed.passed = true;
  passed.started = at;
  passed.ended = at + 2s;
  passed.visible_after = 840ms;
  passed.last_success = at + 2s;
  records[{"example.com.", "cloudflare"}] = passed;
  core::RehearsalRecord failed;
  failed.started = at;
  failed.ended = at + 1s;
  failed.failed_step = core::RehearsalStep::Write;
  failed.error = "auth: HTTP 403: AccessDenied";
  failed.last_success = at - 1h;
  records[{"example.com.", "route53"}] = failed;

  nlohmann::ordered_json list = daemon::rehearsalsJson(config, records);
  REQUIRE(list.size() == 3);
  CHECK(list[0].dump() ==
        R"({"zone":"example.com.","provider":"cloudflare","passed":true,"started":1700000000,)"
        R"("ended":1700000002,"failed_step":null,"error":null,"visible_after_ms":840,)"
        R"("last_success":1700000002})");
  CHECK(list[1]["failed_step"] == "write");
  CHECK(list[1]["error"] == "auth: HTTP 403: AccessDenied");
  CHECK(list[1]["passed"] == false);
  CHECK(list[1]["last_success"] == 1'700'000'000 - 3600);
  CHECK(list[1]["visible_after_ms"].is_null());
  CHECK(list[2]["provider"] == "bind");
  CHECK(list[2]["started"].is_null());  // never rehearsed
  CHECK(list[2]["passed"] == false);
}
