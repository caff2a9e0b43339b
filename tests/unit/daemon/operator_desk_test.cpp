#include "operator_desk.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "fakes/manual_clock.hpp"
#include "fakes/sample_config.hpp"
#include "fakes/temp_dir.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;

namespace {

core::TargetState healthy() {
  core::TargetState s;
  s.health = core::Health::Healthy;
  s.vendor = core::Health::Healthy;
  return s;
}

core::TargetState unhealthy() {
  core::TargetState s = healthy();
  s.health = core::Health::Unhealthy;
  return s;
}

struct Desk {
  testing::TempDir dir;
  testing::ManualClock clock;
  Log log{LogLevel::Error};
  StateStore store{dir.path()};
  AuditLog audit{dir.path()};
  OperatorDesk desk{log, clock, store, audit};
  config::Config config = testing::twoTargetsOneRecord();
  std::map<std::string, core::TargetState> targets{{"a", healthy()}, {"b", unhealthy()}};
  Operator alice{1000, "alice"};

  OperatorAnswer ask(OperatorVerb verb, std::string record, std::string target,
                     std::optional<core::Millis> duration = {}, bool force = false) {
    return desk.handle({verb, record, target, "drill", duration, force}, alice, config, targets);
  }
};

}  // namespace

TEST_CASE("a failover to an unhealthy target is refused unless forced") {
  Desk d;
  OperatorAnswer refused = d.ask(OperatorVerb::Failover, "www.example.test", "b");
  CHECK_FALSE(refused.ok);
  CHECK(refused.message.find("b is unhealthy") != std::string::npos);
  CHECK(refused.message.find("--force") != std::string::npos);
  CHECK(d.desk.controls().pins.empty());
  OperatorAnswer forced = d.ask(OperatorVerb::Failover, "WWW.example.test.", "b", {}, true);
  CHECK(forced.ok);
  CHECK(d.desk.controls().pins.at("www.example.test.") == "b");
}

TEST_CASE("a failover names what is wrong with an unknown record or a target not of the record") {
  Desk d;
  CHECK(d.ask(OperatorVerb::Failover, "api.example.test", "a").message ==
        "no record api.example.test in the configuration");
  CHECK(d.ask(OperatorVerb::Failover, "www.example.test", "c").message ==
        "c is not a target of www.example.test.");
  CHECK(d.ask(OperatorVerb::Drain, "", "c").message == "no target c in the configuration");
}

TEST_CASE("every action, refused or done, is in the audit log with its user and reason") {
  Desk d;
  d.ask(OperatorVerb::Failover, "www.example.test", "b");
  d.ask(OperatorVerb::Drain, "", "a", 30min);
  auto entries = d.audit.newest(10);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["action"] == "drain");
  CHECK(entries[0]["user"] == "alice");
  CHECK(entries[0]["uid"] == 1000);
  CHECK(entries[0]["for"] == "30m");
  CHECK(entries[0]["reason"] == "drill");
  CHECK(entries[0]["result"] == "ok");
  CHECK(entries[1]["action"] == "failover");
  CHECK(entries[1]["result"] == "refused");
}

TEST_CASE("overrides are in state.json before the operator hears they are done") {
  Desk d;
  REQUIRE(d.ask(OperatorVerb::Drain, "", "a", 30min).ok);
  REQUIRE(d.ask(OperatorVerb::Freeze, "", "").ok);
  std::string problem;
  PersistedState saved = StateStore(d.dir.path()).load(&problem);
  REQUIRE(saved.overrides.size() == 2);
  CHECK(saved.overrides[0].subject == "a");
  CHECK(saved.overrides[0].expires_at == d.clock.wallNow() + 30min);
  CHECK(saved.overrides[1].kind == core::OverrideKind::Freeze);
}

TEST_CASE("an override that cannot be saved is refused and not in force") {
  Desk d;
  std::filesystem::remove_all(d.dir.path());  // state.json can no longer be written
  OperatorAnswer answer = d.ask(OperatorVerb::Freeze, "", "");
  CHECK_FALSE(answer.ok);
  CHECK(answer.message.find("could not be saved") != std::string::npos);
  CHECK_FALSE(d.desk.controls().frozen);
}

TEST_CASE("an override expires on time and the expiry is audited") {
  Desk d;
  REQUIRE(d.ask(OperatorVerb::Failover, "www.example.test", "a", 10min).ok);
  d.clock.advance(10min - 1ms);
  CHECK_FALSE(d.desk.expire());
  d.clock.advance(1ms);
  CHECK(d.desk.expire());
  CHECK(d.desk.controls().pins.empty());
  auto last = d.audit.newest(1)[0];
  CHECK(last["action"] == "expire");
  CHECK(last["user"] == "planbd");
  std::string problem;
  CHECK(StateStore(d.dir.path()).load(&problem).overrides.empty());
}

TEST_CASE("overrides whose time ran out while planbd was down expire when they are restored") {
  Desk d;
  core::Override pin{core::OverrideKind::Pin, "www.example.test.",   "b", "r", "bob",
                     d.clock.wallNow() - 2h,  d.clock.wallNow() - 1h};
  core::Override freeze{core::OverrideKind::Freeze, "", "", "r", "bob", d.clock.wallNow(), {}};
  d.desk.restore({pin, freeze});
  CHECK(d.desk.controls().pins.empty());
  CHECK(d.desk.controls().frozen);
}

TEST_CASE("releasing what is not pinned, undraining and unfreezing what is not are no-ops") {
  Desk d;
  OperatorAnswer release = d.ask(OperatorVerb::Release, "www.example.test", "");
  CHECK(release.ok);
  CHECK(release.message == "www.example.test. was not pinned; nothing to release");
  CHECK(d.ask(OperatorVerb::Undrain, "", "a").ok);
  CHECK(d.ask(OperatorVerb::Unfreeze, "", "").ok);
}

TEST_CASE("a planned request changes nothing until its overrides are stored") {
  Desk d;
  core::Overrides base;
  OperatorPlan plan = planOperatorRequest({OperatorVerb::Freeze, "", "", "drill", {}, false},
                                          d.alice, d.config, d.targets, base, d.clock.wallNow());
  CHECK(plan.answer.ok);
  REQUIRE(plan.next);
  CHECK(plan.next->freeze() != nullptr);
  CHECK(base.all().empty());
  CHECK(d.desk.overrides().all().empty());
  CHECK(d.audit.newest(10).empty());
  OperatorPlan nothing = planOperatorRequest({OperatorVerb::Unfreeze, "", "", "", {}, false},
                                             d.alice, d.config, d.targets, base, d.clock.wallNow());
  CHECK(nothing.answer.ok);
  CHECK_FALSE(nothing.next);  // nothing to store
}

namespace {

// What planbd writes to stderr (its log) while it lives.
struct StderrCapture {
  StderrCapture() : saved(::dup(2)) {
    std::fflush(stderr);
    ::dup2(::fileno(file), 2);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    std::rewind(file);
    std::string out;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
      out.append(buffer, n);
    }
    return out;
  }
  void restore() {
    if (saved >= 0) {
      std::fflush(stderr);
      ::dup2(saved, 2);
      ::close(saved);
      saved = -1;
    }
  }
  std::FILE* file = std::tmpfile();
  int saved;
};

}  // namespace

TEST_CASE("a reason and a user with \\r, ESC and NUL reach the log escaped, the audit as given") {
  Desk d;
  d.log.setLevel(LogLevel::Info);
  std::string reason("drill\r\x1b[2J\0forged", 17);
  Operator mallory{1001, "mal\x1blory"};
  StderrCapture captured;
  OperatorAnswer done = d.desk.handle({OperatorVerb::Freeze, "", "", reason, {}, false}, mallory,
                                      d.config, d.targets);
  std::string log = captured.text();
  REQUIRE(done.ok);
  CHECK(log.find("operator mal\\x1blory: froze automation (drill \\x1b[2J\\x00forged)") !=
        std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find('\r') == std::string::npos);
  CHECK(log.find('\0') == std::string::npos);
  CHECK(d.audit.newest(1)[0]["reason"] == reason);  // JSON escapes it; the record stays exact
}

TEST_CASE("a reason over 500 bytes is refused with its size, one of 500 is accepted") {
  std::string at_cap(kMaxReasonBytes, 'r');
  auto ok = parseOperatorRequest(OperatorVerb::Freeze, nlohmann::json{{"reason", at_cap}}.dump());
  REQUIRE(std::holds_alternative<OperatorRequest>(ok));
  CHECK(std::get<OperatorRequest>(ok).reason == at_cap);
  auto refused =
      parseOperatorRequest(OperatorVerb::Freeze, nlohmann::json{{"reason", at_cap + "r"}}.dump());
  REQUIRE(std::holds_alternative<std::string>(refused));
  CHECK(std::get<std::string>(refused) == "\"reason\" is 501 bytes; at most 500 are accepted");
}
