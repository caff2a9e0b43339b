#include "probes/probe_scheduler.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "probes/http_probe.hpp"
#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// What fake probes did, in order.
struct ProbeLog {
  struct Attempt {
    ProbeId id;
    Clock::time_point start;
    std::optional<Clock::time_point> end;
  };
  std::vector<Attempt> attempts;
  int inFlight = 0;
  int maxInFlight = 0;
  int cancels = 0;

  std::vector<Attempt> of(ProbeId id) const {
    std::vector<Attempt> out;
    std::copy_if(attempts.begin(), attempts.end(), std::back_inserter(out),
                 [id](const Attempt& a) { return a.id == id; });
    return out;
  }
};

// A probe whose attempt takes `takes` (capped by the timeout, then reported as a timeout), on a
// timer of the io_context; cancel() reports internal. Per-probe in-flight counts go to the log.
class FakeProbe final : public Probe {
 public:
  FakeProbe(asio::io_context& io, ProbeId id, milliseconds takes, ProbeLog& log)
      : io_(io), id_(id), takes_(takes), log_(log) {}
  ~FakeProbe() override { cancel(); }

  std::string_view kind() const noexcept override { return "fake"; }

  void start(milliseconds timeout, ResultCallback done) override {
    auto state = std::make_shared<State>(io_, std::move(done));
    current_ = state;
    std::size_t index = log_.attempts.size();
    log_.attempts.push_back({id_, Clock::now(), {}});
    log_.maxInFlight = std::max(log_.maxInFlight, ++inFlight_);
    bool timesOut = timeout < takes_;
    state->timer.expires_after(std::min(takes_, timeout));
    // Captures only the state and the log, never the probe: it may be gone by then.
    state->timer.async_wait([state, index, timesOut, &log = log_,
                             inFlight = &inFlight_](const boost::system::error_code& ec) {
      log.attempts[index].end = Clock::now();
      auto done = std::exchange(state->done, nullptr);
      if (ec) {
        ++log.cancels;
      } else {
        --*inFlight;
      }
      done(ec         ? core::ProbeResult::failed(core::ProbeFailure::Internal, "cancelled")
           : timesOut ? core::ProbeResult::failed(core::ProbeFailure::Timeout, "timeout")
                      : core::ProbeResult::success({}));
    });
  }

  void cancel() override {
    if (auto state = current_.lock()) {
      if (state->done) {
        --inFlight_;
        state->timer.cancel();
      }
    }
  }

 private:
  struct State {
    State(asio::io_context& io, ResultCallback d) : timer(io), done(std::move(d)) {}
    asio::steady_timer timer;
    ResultCallback done;
  };
  asio::io_context& io_;
  ProbeId id_;
  milliseconds takes_;
  ProbeLog& log_;
  int inFlight_ = 0;  // only decremented from a live probe's handler; see cancel()
  std::weak_ptr<State> current_;
};

planb::core::ProbeTiming timing(milliseconds interval, milliseconds timeout) {
  planb::core::ProbeTiming t;
  t.interval = interval;
  t.timeout = timeout;
  return t;
}

struct Received {
  std::vector<std::pair<ProbeId, core::ProbeResult>> all;
  int count(ProbeId id) const {
    return static_cast<int>(
        std::count_if(all.begin(), all.end(), [id](const auto& r) { return r.first == id; }));
  }
};

// The most attempts (of any probes) that were running at one moment, from the fakes' log.
int peakOverlap(const ProbeLog& log) {
  int peak = 0;
  for (const auto& a : log.attempts) {
    int running = static_cast<int>(
        std::count_if(log.attempts.begin(), log.attempts.end(), [&](const ProbeLog::Attempt& b) {
          return b.start <= a.start && (!b.end || *b.end > a.start);
        }));
    peak = std::max(peak, running);
  }
  return peak;
}

std::vector<ProbeId> startOrder(const ProbeLog& log) {
  std::vector<ProbeId> ids;
  for (const auto& a : log.attempts) {
    ids.push_back(a.id);
  }
  return ids;
}

TEST_CASE("first attempt delay is uniform in [0, interval)") {
  SequenceRandom random({0.0, 0.25, 0.999999, 1.0});
  CHECK(firstAttemptDelay(1000ms, random) == 0us);
  CHECK(firstAttemptDelay(1000ms, random) == 250ms);
  CHECK(firstAttemptDelay(1000ms, random) < 1000ms);
  CHECK(firstAttemptDelay(1000ms, random) < 1000ms);  // even from a Random returning 1
  CHECK(random.drawn() == 4);
}

TEST_CASE("attempt spacing is the interval with plus or minus 10 percent jitter") {
  SequenceRandom random({0.0, 0.5, 0.75, 0.999999});
  CHECK(attemptSpacing(2000ms, random) == 1800ms);
  CHECK(attemptSpacing(2000ms, random) == 2000ms);
  CHECK(attemptSpacing(2000ms, random) == 2100ms);
  auto top = attemptSpacing(2000ms, random);
  CHECK(top < 2200ms);
  CHECK(top > 2199ms);
}

TEST_CASE("attempt spacing never drops below 1 ms") {
  SequenceRandom random({0.0});
  CHECK(attemptSpacing(0ms, random) == 1ms);
  CHECK(attemptSpacing(1ms, random) == 1ms);
}

TEST_CASE("scheduler fires the first attempt at its random offset, then every interval") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  // 0.5: first attempt at half the interval; then 0.0 (-10 %), 0.999999 (+10 %), 0.5 (exact).
  SequenceRandom random({0.5, 0.0, 0.999999, 0.5});
  ProbeScheduler scheduler(io, random, [&](ProbeId id, const core::ProbeResult& r) {
    received.all.emplace_back(id, r);
  });
  scheduler.add(7, std::make_unique<FakeProbe>(io, 7, 5ms, log), timing(100ms, 50ms));
  auto started = Clock::now();
  scheduler.start();
  runFor(io, 470ms);
  scheduler.stop();

  auto attempts = log.of(7);
  // Due at 50, 140, 250, 350, 450 ms: each a spacing after the previous one was due, so a late
  // start never shifts the ones after it.
  REQUIRE(attempts.size() >= 4);
  CHECK(attempts.size() <= 5);
  const milliseconds due[] = {50ms, 140ms, 250ms, 350ms, 450ms};
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    CAPTURE(i);
    CHECK(attempts[i].start - started >= due[i]);
    CHECK(attempts[i].start - started < due[i] + 60ms);  // generous: CI machines are busy
  }
  CHECK(received.count(7) >= 4);
  CHECK(std::all_of(received.all.begin(), received.all.end(),
                    [](const auto& r) { return r.second.ok(); }));
}

TEST_CASE("scheduler spreads the first attempts of many probes by the injected random") {
  asio::io_context io;
  ProbeLog log;
  SequenceRandom random({0.9, 0.0, 0.5, 0.5});  // drawn in id order: 1, 2, 3
  ProbeScheduler scheduler(io, random, [](ProbeId, const core::ProbeResult&) {});
  for (ProbeId id : {3u, 1u, 2u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(io, id, 1ms, log), timing(100ms, 50ms));
  }
  auto started = Clock::now();
  scheduler.start();
  runFor(io, 95ms);
  scheduler.stop();
  REQUIRE(log.attempts.size() >= 3);
  CHECK(log.attempts[0].id == 2);  // offset 0 ms
  CHECK(log.attempts[1].id == 3);  // 50 ms
  CHECK(log.attempts[2].id == 1);  // 90 ms
  CHECK(log.attempts[1].start - started >= 50ms);
  CHECK(log.attempts[2].start - started >= 90ms);
}

TEST_CASE("scheduler never overlaps attempts of one probe when they outlast the interval") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(io, random, [&](ProbeId id, const core::ProbeResult& r) {
    received.all.emplace_back(id, r);
  });
  // Each attempt takes 80 ms (timeout 100 ms) against an interval of 50 ms.
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 80ms, log), timing(50ms, 100ms));
  scheduler.start();
  runFor(io, 420ms);
  scheduler.stop();
  runFor(io, 20ms);

  auto attempts = log.of(1);
  REQUIRE(attempts.size() >= 3);
  CHECK(log.maxInFlight == 1);
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    REQUIRE(attempts[i - 1].end);
    CHECK(attempts[i].start >= *attempts[i - 1].end);
    // Overdue, so it starts as soon as the previous one reports.
    CHECK(attempts[i].start - *attempts[i - 1].end < 20ms);
  }
  CHECK(received.count(1) == static_cast<int>(attempts.size()) - 1);  // the last was cancelled
}

TEST_CASE("scheduler keeps the cadence when attempts time out, measured from each due time") {
  asio::io_context io;
  ProbeLog log;
  SequenceRandom random({0.0, 0.5});
  std::vector<core::ProbeFailure> failures;
  ProbeScheduler scheduler(
      io, random, [&](ProbeId, const core::ProbeResult& r) { failures.push_back(r.failure); });
  // Takes 500 ms, times out at 60 ms, interval 100 ms: starts stay 100 ms apart.
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 500ms, log), timing(100ms, 60ms));
  auto started = Clock::now();
  scheduler.start();
  runFor(io, 350ms);
  scheduler.stop();
  auto attempts = log.of(1);
  REQUIRE(attempts.size() >= 3);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    CAPTURE(i);
    CHECK(attempts[i].start - started >= i * 100ms);  // due at 0, 100, 200, 300 ms
    CHECK(attempts[i].start - started < i * 100ms + 60ms);
  }
  REQUIRE(!failures.empty());
  CHECK(std::all_of(failures.begin(), failures.end(),
                    [](auto f) { return f == core::ProbeFailure::Timeout; }));
}

TEST_CASE("scheduler makes no callback after stop returns, even for attempts in flight") {
  asio::io_context io;
  ProbeLog log;
  int callbacks = 0;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(io, random, [&](ProbeId, const core::ProbeResult&) { ++callbacks; });
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 200ms, log), timing(50ms, 300ms));
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return !log.attempts.empty(); }));
  scheduler.stop();
  CHECK_FALSE(scheduler.running());
  runFor(io, 300ms);
  CHECK(callbacks == 0);
  CHECK(log.cancels == 1);
  CHECK(log.attempts.size() == 1);

  SUBCASE("and starts again cleanly") {
    scheduler.start();
    REQUIRE(runUntil(
        io, [&] { return callbacks == 1; }, 1000ms));
    CHECK(log.maxInFlight == 1);
  }
}

TEST_CASE("scheduler remove cancels the probe and drops its result") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(io, random, [&](ProbeId id, const core::ProbeResult& r) {
    received.all.emplace_back(id, r);
  });
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 100ms, log), timing(50ms, 200ms));
  scheduler.add(2, std::make_unique<FakeProbe>(io, 2, 5ms, log), timing(20ms, 10ms));
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return !log.of(1).empty(); }));
  CHECK(scheduler.remove(1));
  CHECK_FALSE(scheduler.remove(1));
  CHECK(scheduler.size() == 1);
  runFor(io, 200ms);
  CHECK(received.count(1) == 0);
  CHECK(log.of(1).size() == 1);
  CHECK(received.count(2) >= 5);
}

TEST_CASE("scheduler tolerates a callback that removes its probe or stops the scheduler") {
  asio::io_context io;
  ProbeLog log;
  SequenceRandom random({0.0, 0.5});
  int callbacks = 0;
  std::unique_ptr<ProbeScheduler> scheduler;
  SUBCASE("remove") {
    scheduler =
        std::make_unique<ProbeScheduler>(io, random, [&](ProbeId id, const core::ProbeResult&) {
          ++callbacks;
          scheduler->remove(id);
        });
  }
  SUBCASE("stop") {
    scheduler =
        std::make_unique<ProbeScheduler>(io, random, [&](ProbeId, const core::ProbeResult&) {
          ++callbacks;
          scheduler->stop();
        });
  }
  // Attempts outlast the interval, so the next one is overdue when the callback runs.
  scheduler->add(1, std::make_unique<FakeProbe>(io, 1, 30ms, log), timing(10ms, 50ms));
  scheduler->start();
  runFor(io, 150ms);
  CHECK(callbacks == 1);
  CHECK(log.attempts.size() == 1);
}

TEST_CASE("scheduler schedules a probe added while running") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  SequenceRandom random({0.5});
  ProbeScheduler scheduler(io, random, [&](ProbeId id, const core::ProbeResult& r) {
    received.all.emplace_back(id, r);
  });
  scheduler.start();
  scheduler.add(4, std::make_unique<FakeProbe>(io, 4, 1ms, log), timing(40ms, 20ms));
  CHECK_THROWS_AS(
      scheduler.add(4, std::make_unique<FakeProbe>(io, 4, 1ms, log), timing(40ms, 20ms)),
      std::invalid_argument);
  CHECK_THROWS_AS(scheduler.add(5, nullptr, timing(40ms, 20ms)), std::invalid_argument);
  REQUIRE(runUntil(
      io, [&] { return received.count(4) >= 2; }, 1000ms));
}

TEST_CASE("destroying the scheduler with attempts in flight makes no callback") {
  asio::io_context io;
  ProbeLog log;
  int callbacks = 0;
  SequenceRandom random({0.0, 0.5});
  {
    ProbeScheduler scheduler(io, random, [&](ProbeId, const core::ProbeResult&) { ++callbacks; });
    scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 100ms, log), timing(50ms, 200ms));
    scheduler.start();
    REQUIRE(runUntil(io, [&] { return !log.attempts.empty(); }));
  }
  runFor(io, 150ms);
  CHECK(callbacks == 0);
  CHECK(log.cancels == 1);
}

TEST_CASE("scheduler drives real http probes on one io_context") {
  asio::io_context io;
  LoopbackServer up(io, LoopbackServer::Mode::Respond, LoopbackServer::http(200, "ok"));
  LoopbackServer hung(io, LoopbackServer::Mode::Silent);
  core::SystemRandom random;
  Received received;
  ProbeScheduler scheduler(io, random, [&](ProbeId id, const core::ProbeResult& r) {
    received.all.emplace_back(id, r);
  });
  auto http = [&](const std::string& url) {
    HttpProbeOptions o;
    o.url = planb::net::parseHttpUrl(url);
    o.expectBody = "ok";
    return std::make_unique<HttpProbe>(io, std::move(o));
  };
  scheduler.add(1, http(up.url()), timing(20ms, 50ms));
  // Timeout longer than the interval: attempts of the hung probe must not overlap.
  scheduler.add(2, http(hung.url()), timing(20ms, 60ms));
  scheduler.start();
  runFor(io, 300ms);
  scheduler.stop();
  CHECK(received.count(1) >= 8);
  int hungResults = received.count(2);
  CHECK(hungResults >= 3);
  CHECK(hungResults <= 5);
  // One connection per attempt, and no attempt started while another was open.
  CHECK(hung.accepted() <= hungResults + 1);
  for (const auto& [id, r] : received.all) {
    CHECK(r.failure == (id == 1 ? core::ProbeFailure::None : core::ProbeFailure::Timeout));
  }
}

TEST_CASE("scheduler holds attempts beyond the cap and starts them in the order they came due") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  // First attempts due at 0, 5, 10, 15, 20 ms (drawn in id order), then a second apart.
  SequenceRandom random({0.0, 0.005, 0.010, 0.015, 0.020, 0.5});
  ProbeScheduler scheduler(
      io, random, [&](ProbeId id, const core::ProbeResult& r) { received.all.emplace_back(id, r); },
      SchedulerOptions{.maxInFlight = 2});
  CHECK(scheduler.maxInFlight() == 2);
  for (ProbeId id : {1u, 2u, 3u, 4u, 5u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(io, id, 100ms, log), timing(1000ms, 500ms));
  }
  scheduler.start();
  // 1 and 2 run; 3, 4 and 5 wait.
  REQUIRE(runUntil(io, [&] { return scheduler.stats().queued == 3; }));
  CHECK(scheduler.stats().inFlight == 2);
  CHECK(log.attempts.size() == 2);
  REQUIRE(runUntil(io, [&] { return received.all.size() == 5; }));
  scheduler.stop();

  CHECK(startOrder(log) == std::vector<ProbeId>{1, 2, 3, 4, 5});
  CHECK(peakOverlap(log) == 2);
  const SchedulerStats& stats = scheduler.stats();
  CHECK(stats.attempts == 5);
  CHECK(stats.results == 5);
  CHECK(stats.waited == 3);
  CHECK(stats.peakInFlight == 2);
  CHECK(stats.peakQueued == 3);
  CHECK(stats.inFlight == 0);
  CHECK(stats.queued == 0);
  // Lateness: 1 and 2 on time; 3 and 4 waited for 1 and 2 (about 90 ms); 5 waited for 3
  // (about 180 ms).
  CHECK(stats.lateness.count() == 5);
  CHECK(stats.lateness.quantile(0.4) < 60ms);
  CHECK(stats.lateness.quantile(0.8) >= 80ms);
  CHECK(stats.lateness.max() >= 170ms);
  CHECK(std::all_of(received.all.begin(), received.all.end(),
                    [](const auto& r) { return r.second.ok(); }));
}

TEST_CASE("an overdue probe queues behind the attempts already waiting for the cap") {
  asio::io_context io;
  ProbeLog log;
  // Probe 1 due at once, every 20 ms, each attempt taking 50 ms: always overdue. Probe 2 due at
  // 10 ms, then a second later.
  SequenceRandom random({0.0, 0.01, 0.5});
  ProbeScheduler scheduler(
      io, random, [](ProbeId, const core::ProbeResult&) {}, SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 50ms, log), timing(20ms, 200ms));
  scheduler.add(2, std::make_unique<FakeProbe>(io, 2, 50ms, log), timing(1000ms, 200ms));
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return log.attempts.size() >= 3; }));
  scheduler.stop();
  // 2 came due while 1 ran, and 1's next attempt came due after that: 2 goes first.
  CHECK(startOrder(log) == std::vector<ProbeId>{1, 2, 1});
  CHECK(peakOverlap(log) == 1);
}

TEST_CASE("removing a waiting probe gives its place to the next one") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  SequenceRandom random({0.0, 0.005, 0.010, 0.5});
  ProbeScheduler scheduler(
      io, random, [&](ProbeId id, const core::ProbeResult& r) { received.all.emplace_back(id, r); },
      SchedulerOptions{.maxInFlight = 1});
  for (ProbeId id : {1u, 2u, 3u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(io, id, 60ms, log), timing(1000ms, 500ms));
  }
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return scheduler.stats().queued == 2; }));
  CHECK(scheduler.remove(2));
  CHECK(scheduler.stats().queued == 1);
  REQUIRE(runUntil(io, [&] { return received.count(3) == 1; }));
  CHECK(startOrder(log) == std::vector<ProbeId>{1, 3});
  CHECK(received.count(2) == 0);
  CHECK(scheduler.stats().inFlight == 0);  // 1 and 3 are due again a second later
}

TEST_CASE("removing a running probe frees its place for a waiting one") {
  asio::io_context io;
  ProbeLog log;
  SequenceRandom random({0.0, 0.005, 0.5});
  ProbeScheduler scheduler(
      io, random, [](ProbeId, const core::ProbeResult&) {}, SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 500ms, log), timing(1000ms, 800ms));
  scheduler.add(2, std::make_unique<FakeProbe>(io, 2, 10ms, log), timing(1000ms, 800ms));
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return scheduler.stats().queued == 1; }));
  auto removed = Clock::now();
  CHECK(scheduler.remove(1));
  REQUIRE(runUntil(io, [&] { return log.of(2).size() == 1; }));
  CHECK(log.of(2)[0].start - removed < 100ms);  // not after 1's 500 ms
  CHECK(scheduler.stats().queued == 0);
}

TEST_CASE("stop empties the queue and a restart runs every probe again") {
  asio::io_context io;
  ProbeLog log;
  Received received;
  SequenceRandom random({0.0, 0.005, 0.5});
  ProbeScheduler scheduler(
      io, random, [&](ProbeId id, const core::ProbeResult& r) { received.all.emplace_back(id, r); },
      SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(io, 1, 100ms, log), timing(1000ms, 500ms));
  scheduler.add(2, std::make_unique<FakeProbe>(io, 2, 10ms, log), timing(1000ms, 500ms));
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return scheduler.stats().queued == 1; }));
  scheduler.stop();
  CHECK(scheduler.stats().queued == 0);
  CHECK(scheduler.stats().inFlight == 0);
  runFor(io, 150ms);
  CHECK(received.all.empty());
  scheduler.start();
  REQUIRE(runUntil(io, [&] { return received.count(1) == 1 && received.count(2) == 1; }));
}

TEST_CASE("the default cap follows the descriptor limit within [16, 4096]") {
  std::size_t cap = defaultMaxInFlight();
  CHECK(cap >= 16);
  CHECK(cap <= 4096);
  asio::io_context io;
  SequenceRandom random({0.5});
  ProbeScheduler scheduler(io, random, [](ProbeId, const core::ProbeResult&) {});
  CHECK(scheduler.maxInFlight() == cap);
}

TEST_CASE("latency histogram quantiles are within one bucket (about 6 %)") {
  LatencyHistogram h;
  CHECK(h.quantile(0.5) == 0us);
  for (int v = 1; v <= 1000; ++v) {
    h.record(microseconds(v));
  }
  CHECK(h.count() == 1000);
  CHECK(h.max() == 1000us);
  auto p50 = h.quantile(0.5).count();
  auto p99 = h.quantile(0.99).count();
  CHECK(p50 >= 500);
  CHECK(p50 <= 532);
  CHECK(p99 >= 990);
  CHECK(p99 <= 1000);  // never above the largest value recorded
  CHECK(h.quantile(0.0) == 1us);
  CHECK(h.quantile(1.0) == 1000us);

  LatencyHistogram small;
  for (int v : {3, 3, 7, 12}) {
    small.record(microseconds(v));
  }
  CHECK(small.quantile(0.5) == 3us);  // exact below 16 µs
  CHECK(small.quantile(0.75) == 7us);
  small.record(-5us);  // clamped to 0
  CHECK(small.quantile(0.0) == 0us);
  small.clear();
  CHECK(small.count() == 0);
}

}  // namespace
}  // namespace planb::probes::test
