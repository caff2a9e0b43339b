// Rehearsals (product.md §11) against the fake providers p1 and p2 of zone example.test., whose
// verify servers are simulated: server 127.0.0.1:5301 serves what p1 holds, :5302 what p2 holds.

#include "rehearser.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

#include "core/rehearsal_step.hpp"
#include "fakes/reconciler_harness.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;
using namespace planb::testing::reconciler_world;

namespace {

const std::string kRehearsalName = "_planb-rehearsal.example.test.";

struct RehearsalWorld : planb::testing::ReconcilerHarness {
  RehearsalWorld() : ReconcilerHarness(rehearsalConfig()) {
    start();
    verdicts(core::Health::Healthy, core::Health::Healthy);
    REQUIRE(settle());
    rehearser = std::make_unique<Rehearser>(
        io, log, clock, random, *reconciler,
        [this](const std::vector<config::HostPort>& servers, const std::string& name,
               const std::string& value, std::chrono::milliseconds, const std::atomic<bool>&) {
          ++checks;
          std::vector<std::string> missing;
          for (const config::HostPort& server : servers) {
            auto& provider = server.port == 5301 ? p1 : p2;
            auto values = provider->txt(name);
            if (silent_server == server.port ||
                std::find(values.begin(), values.end(), value) == values.end()) {
              missing.push_back(server.str() + " (answered no TXT)");
            }
          }
          return missing;
        });
    rehearser->configure(config);
    rehearser->setSink([this](const core::RehearsalKey& key, const core::RehearsalRecord& r) {
      sunk.emplace_back(key, r);
    });
    lookForLeftovers();
  }

  // The start's clean-up pass: a read of the rehearsal's name on every provider.
  void lookForLeftovers() {
    std::size_t reads1 = txtCalls(*p1).size();
    std::size_t reads2 = txtCalls(*p2).size();
    rehearser->step();
    REQUIRE(runUntil([&] {
      return txtCalls(*p1).size() > reads1 && txtCalls(*p2).size() > reads2 &&
             rehearser->cleanUpsInFlight() == 0;
    }));
  }

  static std::vector<std::string> txtCalls(planb::testing::FakeProvider& provider) {
    std::vector<std::string> calls;
    for (const std::string& call : provider.calls()) {
      if (call.find("Txt ") != std::string::npos) {
        calls.push_back(call);
      }
    }
    return calls;
  }
  ~RehearsalWorld() { rehearser->shutdown(); }

  static config::Config rehearsalConfig() {
    config::Config c = worldConfig({"p1", "p2"});
    c.zones[0].verify_servers = {{"127.0.0.1", 5301}, {"127.0.0.1", 5302}};
    c.rehearsal.interval = 1h;
    c.rehearsal.timeout = 5min;
    return c;
  }

  // Runs the event loop until `done` holds, within a deadline.
  template <typename Condition>
  bool runUntil(Condition done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      io.restart();
      io.run_for(2ms);
    }
    return true;
  }

  // `planbctl rehearse` for every pair: the results once every pair has finished.
  std::optional<RehearsalResults> rehearseNow(std::optional<std::string> zone = std::nullopt,
                                              std::optional<std::string> provider = std::nullopt) {
    std::optional<RehearsalResults> results;
    auto refused = rehearser->runNow(zone, provider, [&](RehearsalResults r) { results = r; });
    REQUIRE_FALSE(refused);
    REQUIRE(runUntil([&] { return results.has_value(); }));
    return results;
  }

  const core::RehearsalRecord& last(const std::string& provider) {
    return rehearser->records().at({"example.test.", provider});
  }

  std::unique_ptr<Rehearser> rehearser;
  std::atomic<int> checks{0};
  std::uint16_t silent_server = 0;
  std::vector<std::pair<core::RehearsalKey, core::RehearsalRecord>> sunk;
};

bool hasCallStartingWith(const std::vector<std::string>& calls, const std::string& prefix) {
  return std::any_of(calls.begin(), calls.end(),
                     [&](const std::string& c) { return c.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST_CASE("a rehearsal writes one token on every provider, sees it served and leaves no TXT") {
  RehearsalWorld w;
  auto results = w.rehearseNow();
  REQUIRE(results->size() == 2);
  for (const std::string provider : {"p1", "p2"}) {
    const core::RehearsalRecord& r = w.last(provider);
    CHECK(r.passed);
    CHECK_FALSE(r.failed_step);
    CHECK(r.error.empty());
    CHECK(r.visible_after.has_value());
    CHECK(r.last_success == r.ended);
  }
  CHECK(w.p1->txt(kRehearsalName).empty());
  CHECK(w.p2->txt(kRehearsalName).empty());
  // read, write, delete in that order; both wrote the same token, 16 hex digits.
  std::vector<std::string> txt_calls = RehearsalWorld::txtCalls(*w.p1);
  REQUIRE(txt_calls.size() == 4);  // the start's look for left-overs first
  txt_calls.erase(txt_calls.begin());
  CHECK(txt_calls[0] == "readTxt " + kRehearsalName);
  CHECK(txt_calls[1].rfind("writeTxt " + kRehearsalName + " planb-rehearsal ", 0) == 0);
  CHECK(txt_calls[1].size() == ("writeTxt " + kRehearsalName + " planb-rehearsal ").size() + 16);
  CHECK(txt_calls[2] == "deleteTxt " + kRehearsalName);
  CHECK(hasCallStartingWith(w.p2->calls(), txt_calls[1]));
  CHECK(w.sunk.size() == 2);
}

TEST_CASE("a provider whose TXT write fails is charged alone; the other provider passes") {
  RehearsalWorld w;
  w.p2->failTxtWrites(net::Error{net::ErrorKind::Auth, "token lacks dns:write", std::nullopt});
  w.rehearseNow();
  CHECK(w.last("p1").passed);
  const core::RehearsalRecord& p2 = w.last("p2");
  CHECK_FALSE(p2.passed);
  CHECK(p2.failed_step == core::RehearsalStep::Write);
  // p2's server never shows the token: charged to p2, whose write failed, not to p1.
  CHECK(p2.error ==
        "auth: token lacks dns:write; not answered by 127.0.0.1:5302 (answered no TXT) within 5m");
  CHECK(w.p1->txt(kRehearsalName).empty());
  CHECK(hasCallStartingWith(w.p2->calls(), "deleteTxt"));  // tried: a timed-out write may land
}

TEST_CASE("a verify server that never answers the token fails every provider and is named") {
  RehearsalWorld w;
  w.silent_server = 5301;
  w.rehearseNow();
  for (const std::string provider : {"p1", "p2"}) {
    const core::RehearsalRecord& r = w.last(provider);
    CHECK_FALSE(r.passed);
    CHECK(r.failed_step == core::RehearsalStep::Visible);
    CHECK(r.error == "not answered by 127.0.0.1:5301 (answered no TXT) within 5m");
    CHECK_FALSE(r.last_success);
  }
  // The clean-up runs after a failed visibility check too.
  CHECK(w.p1->txt(kRehearsalName).empty());
  CHECK(w.p2->txt(kRehearsalName).empty());
}

TEST_CASE("a failed read (credentials refused) stops that provider's rehearsal before a write") {
  RehearsalWorld w;
  w.p1->failNext({net::ErrorKind::Auth, "HTTP 401: invalid API token", std::nullopt});
  w.rehearseNow();
  CHECK(w.last("p1").failed_step == core::RehearsalStep::Read);
  CHECK(w.last("p1").error.rfind("auth: HTTP 401: invalid API token", 0) == 0);
  CHECK_FALSE(hasCallStartingWith(w.p1->calls(), "writeTxt"));
  CHECK(w.last("p2").passed);
}

TEST_CASE("a record change queued during a rehearsal goes out before the rehearsal's next step") {
  RehearsalWorld w;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> blocked{false};
  w.p1->onTxtCall([&] {
    if (!blocked.exchange(true)) {
      released.wait();  // the first TXT call (the read) holds p1's worker
    }
  });
  std::optional<RehearsalResults> results;
  REQUIRE_FALSE(w.rehearser->runNow(std::nullopt, std::string("p1"),
                                    [&](RehearsalResults r) { results = r; }));
  REQUIRE(w.runUntil([&] { return blocked.load(); }));
  w.verdicts(core::Health::Unhealthy, core::Health::Healthy);  // a failover, p1 busy
  w.io.restart();
  w.io.poll();
  release.set_value();
  REQUIRE(w.runUntil([&] { return results.has_value(); }));
  std::vector<std::string> calls = w.p1->calls();
  auto replace = std::find_if(calls.begin(), calls.end(),
                              [](const std::string& c) { return c.rfind("replace", 0) == 0; });
  auto write = std::find_if(calls.begin(), calls.end(),
                            [](const std::string& c) { return c.rfind("writeTxt", 0) == 0; });
  REQUIRE(replace != calls.end());
  REQUIRE(write != calls.end());
  CHECK(replace < write);
  CHECK(w.p1->cname(kName) == kB);
  CHECK(w.last("p1").passed);
}

TEST_CASE(
    "a write the provider still propagates is polled every 2 s before visibility is checked") {
  RehearsalWorld w;
  w.p1->propagate();
  std::optional<RehearsalResults> results;
  REQUIRE_FALSE(w.rehearser->runNow(std::string("example.test"), std::string("p1"),
                                    [&](RehearsalResults r) { results = r; }));
  // The call made and its answer handled: a wait on the call alone let the answer arrive after the
  // clock moved on, and the next poll came 2 s later than the test expects.
  REQUIRE(w.runUntil([&] {
    return hasCallStartingWith(w.p1->calls(), "writeTxt") && w.reconciler->providerQuiet("p1");
  }));
  w.io.restart();
  w.io.poll();
  w.rehearser->step();
  w.io.restart();
  w.io.poll();
  CHECK_FALSE(hasCallStartingWith(w.p1->calls(), "poll"));  // not yet 2 s
  w.clock.advance(2s);
  w.rehearser->step();
  REQUIRE(w.runUntil([&] {
    return hasCallStartingWith(w.p1->calls(), "poll") && w.reconciler->providerQuiet("p1");
  }));
  w.io.restart();
  w.io.poll();
  CHECK(w.checks == 0);  // still pending: nothing asked of the servers yet
  w.p1->applyChanges();
  w.clock.advance(2s);
  w.rehearser->step();
  REQUIRE(w.runUntil([&] { return results.has_value(); }));
  CHECK(w.checks == 1);
  CHECK(w.last("p1").passed);
  CHECK(w.last("p1").visible_after == std::chrono::milliseconds(4000));
}

TEST_CASE("a write still propagating after the timeout fails at visible and is cleaned up") {
  RehearsalWorld w;
  w.p1->propagate();
  std::optional<RehearsalResults> results;
  REQUIRE_FALSE(w.rehearser->runNow(std::nullopt, std::string("p1"),
                                    [&](RehearsalResults r) { results = r; }));
  REQUIRE(w.runUntil([&] {
    return hasCallStartingWith(w.p1->calls(), "writeTxt") && w.reconciler->providerQuiet("p1");
  }));
  w.io.restart();
  w.io.poll();
  w.clock.advance(6min);
  w.rehearser->step();
  REQUIRE(w.runUntil([&] { return results.has_value(); }));
  CHECK(w.last("p1").failed_step == core::RehearsalStep::Visible);
  CHECK(w.last("p1").error.find("still propagating after 5m") != std::string::npos);
  CHECK(w.p1->txt(kRehearsalName).empty());
}

TEST_CASE("the start's clean-up deletes a token a killed planbd left behind, nothing else") {
  RehearsalWorld w;  // has looked for left-overs: none
  CHECK_FALSE(hasCallStartingWith(w.p1->calls(), "deleteTxt"));
  w.p1->serveTxt(kRehearsalName, {"planb-rehearsal 0123456789abcdef"});
  w.p2->serveTxt(kRehearsalName, {"v=someone-elses"});
  // A fleet node that leads again looks again: another leader may have died mid-rehearsal.
  w.rehearser->setWriter(false);
  w.rehearser->setWriter(true);
  w.lookForLeftovers();
  REQUIRE(w.runUntil([&] { return hasCallStartingWith(w.p1->calls(), "deleteTxt"); }));
  CHECK(w.p1->txt(kRehearsalName).empty());
  CHECK(w.p2->txt(kRehearsalName) == std::vector<std::string>{"v=someone-elses"});
  CHECK_FALSE(hasCallStartingWith(w.p2->calls(), "deleteTxt"));
  CHECK(w.rehearser->records().empty());  // a clean-up is no rehearsal
}

TEST_CASE("rehearsals run soon after start, then every interval") {
  RehearsalWorld w;
  CHECK(w.rehearser->records().empty());
  w.clock.advance(61s);  // the first within 30 s + up to 30 s of jitter
  w.rehearser->step();
  REQUIRE(w.runUntil([&] { return w.rehearser->records().size() == 2; }));
  CHECK(w.last("p1").passed);
  w.sunk.clear();
  w.clock.advance(59min);
  w.rehearser->step();
  w.io.restart();
  w.io.poll();
  CHECK(w.sunk.empty());
  w.clock.advance(7min);  // the interval and its jitter (at most a tenth, here 0.5 of it)
  w.rehearser->step();
  REQUIRE(w.runUntil([&] { return w.sunk.size() == 2; }));
}

TEST_CASE("with an interval under 30 s the first rehearsal comes within two intervals") {
  RehearsalWorld w;
  config::Config often = w.config;
  often.zones.push_back(often.zones.at(0));
  often.zones.back().name = "other.test.";
  often.rehearsal.interval = 10s;
  often.rehearsal.timeout = 5s;
  w.rehearser->configure(often);  // other.test. is new: its first rehearsal is scheduled now
  w.clock.advance(20s);
  w.rehearser->step();
  REQUIRE(w.runUntil([&] {
    return w.rehearser->records().contains({"other.test.", "p1"}) &&
           w.rehearser->records().contains({"other.test.", "p2"});
  }));
}

TEST_CASE("interval 0s turns scheduled rehearsals off; planbctl rehearse still runs one") {
  RehearsalWorld w;
  config::Config off = w.config;
  off.rehearsal.interval = 0ms;
  w.rehearser->configure(off);
  std::size_t calls = w.p1->calls().size();
  w.clock.advance(2h);
  w.rehearser->step();
  w.io.restart();
  w.io.poll();
  CHECK(w.p1->calls().size() == calls);
  w.rehearseNow();
  CHECK(w.last("p1").passed);
}

TEST_CASE("a fleet follower neither rehearses nor cleans up, and refuses planbctl rehearse") {
  RehearsalWorld w;
  w.rehearser->setWriter(false);
  std::size_t calls = w.p1->calls().size();
  w.clock.advance(2h);
  w.rehearser->step();
  w.io.restart();
  w.io.poll();
  CHECK(w.p1->calls().size() == calls);
  auto refused = w.rehearser->runNow(std::nullopt, std::nullopt, [](RehearsalResults) {});
  REQUIRE(refused);
  CHECK(*refused ==
        "only the fleet's leader rehearses and this node follows: run it on the leader");
  w.rehearser->setWriter(true);  // leading now: it looks for left-overs, then rehearses
  w.rehearser->step();
  REQUIRE(w.runUntil([&] { return w.rehearser->records().size() == 2; }));
}

TEST_CASE("planbctl rehearse refuses an unknown zone or provider with a clear message") {
  RehearsalWorld w;
  auto none = [](RehearsalResults) {};
  CHECK(w.rehearser->runNow(std::string("nope.test"), std::nullopt, none) ==
        "no zone \"nope.test\" in the configuration");
  CHECK(w.rehearser->runNow(std::nullopt, std::string("p9"), none) ==
        "no zone is served by a provider \"p9\"");
  auto results = w.rehearseNow(std::string("example.test."), std::string("p2"));
  REQUIRE(results->size() == 1);
  CHECK(results->at(0).first == core::RehearsalKey{"example.test.", "p2"});
}

TEST_CASE("a side job waits behind a queued write, and a removed provider's job is dropped") {
  RehearsalWorld w;
  std::vector<std::string> order;
  w.verdicts(core::Health::Unhealthy, core::Health::Healthy);  // p1's write queued, not sent
  bool ran_p1 = false;
  w.reconciler->runOnProvider("p1", {[&](providers::DnsProvider& p) {
                                       order.push_back(w.p1->cname(kName).value_or("-"));
                                       (void)p;
                                     },
                                     [&](bool ran) { ran_p1 = ran; }});
  REQUIRE(w.runUntil([&] { return ran_p1; }));
  REQUIRE(order.size() == 1);
  CHECK(order[0] == kB);  // the failover was written first
  REQUIRE(w.settle());
  std::optional<bool> ran_p2;
  w.reconciler->runOnProvider("p2",
                              {[](providers::DnsProvider&) {}, [&](bool ran) { ran_p2 = ran; }});
  config::Config without_p2 = worldConfig({"p1"});
  w.reconciler->configure(without_p2, {{"p1", w.p1}}, nullptr);
  REQUIRE(w.runUntil([&] { return ran_p2.has_value(); }));
  CHECK(*ran_p2 == false);
}
