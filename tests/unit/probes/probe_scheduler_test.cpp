#include "probes/probe_scheduler.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "fakes/manual_timers.hpp"
#include "probes/http_probe.hpp"
#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using testing::ManualTimers;

// What fake probes did, in order; times are offsets from the scheduler's start.
struct ProbeLog {
  struct Attempt {
    ProbeId id;
    microseconds start;
    std::optional<microseconds> end;
  };
  std::vector<Attempt> attempts;
  int maxInFlight = 0;
  int cancels = 0;

  std::vector<Attempt> of(ProbeId id) const {
    std::vector<Attempt> out;
    std::copy_if(attempts.begin(), attempts.end(), std::back_inserter(out),
                 [id](const Attempt& a) { return a.id == id; });
    return out;
  }
  std::vector<microseconds> starts(ProbeId id) const {
    std::vector<microseconds> out;
    for (const Attempt& a : of(id)) {
      out.push_back(a.start);
    }
    return out;
  }
};

// The timers the scheduler and its fake probes run on, and the log of what the probes did, with
// times measured from when the test began.
struct SchedulerWorld {
  ManualTimers timers;
  core::Instant began = timers.now();
  ProbeLog log;
  std::vector<std::unique_ptr<Timer>> reports;  // of cancelled attempts, delivered later

  microseconds elapsed() const {
    return std::chrono::duration_cast<microseconds>(timers.now() - began);
  }
};

// A probe whose attempt takes `takes` on the manual clock (capped by the timeout, then reported as
// a timeout); cancel() reports internal at the next advance. Attempts go to the world's log.
class FakeProbe final : public Probe {
 public:
  FakeProbe(SchedulerWorld& world, ProbeId id, milliseconds takes)
      : world_(world), id_(id), takes_(takes), timer_(world.timers.makeTimer()) {}
  ~FakeProbe() override { cancel(); }

  std::string_view kind() const noexcept override { return "fake"; }

  void start(milliseconds timeout, ResultCallback done) override {
    done_ = std::move(done);
    index_ = world_.log.attempts.size();
    world_.log.attempts.push_back({id_, world_.elapsed(), {}});
    world_.log.maxInFlight = std::max(world_.log.maxInFlight, ++inFlight_);
    bool timesOut = timeout < takes_;
    timer_->waitUntil(world_.timers.now() + std::min(takes_, timeout), [this, timesOut] {
      finish(timesOut ? core::ProbeResult::failed(core::ProbeFailure::Timeout, "timeout")
                      : core::ProbeResult::success({}));
    });
  }

  void cancel() override {
    if (!done_) {
      return;
    }
    ++world_.log.cancels;
    // Reported at the next advance, never from inside cancel(), also when the probe is gone.
    auto& report = world_.reports.emplace_back(world_.timers.makeTimer());
    report->waitUntil(world_.timers.now(), [done = std::exchange(done_, nullptr)] {
      done(core::ProbeResult::failed(core::ProbeFailure::Internal, "cancelled"));
    });
    timer_->cancel();
    finishLog();
  }

 private:
  void finish(const core::ProbeResult& result) {
    finishLog();
    std::exchange(done_, nullptr)(result);
  }
  void finishLog() {
    world_.log.attempts[index_].end = world_.elapsed();
    --inFlight_;
  }

  SchedulerWorld& world_;
  ProbeId id_;
  milliseconds takes_;
  std::unique_ptr<Timer> timer_;
  ResultCallback done_;
  std::size_t index_ = 0;
  int inFlight_ = 0;
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
  auto callback() {
    return [this](ProbeId id, const core::ProbeResult& r) { all.emplace_back(id, r); };
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

using Us = std::vector<microseconds>;

}  // namespace
}  // namespace planb::probes::test

// Attempt times in failure messages, e.g. "{0us, 80000us}".
template <>
struct doctest::StringMaker<planb::probes::test::Us> {
  static String convert(const planb::probes::test::Us& times) {
    std::string out = "{";
    for (const auto& t : times) {
      out += (out.size() > 1 ? ", " : "") + std::to_string(t.count()) + "us";
    }
    return (out + "}").c_str();
  }
};

namespace planb::probes::test {
namespace {

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
  SchedulerWorld world;
  Received received;
  // 0.5: first attempt at half the interval; then 0.0 (-10 %), 0.999999 (+10 %), 0.5 (exact).
  SequenceRandom random({0.5, 0.0, 0.999999, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback());
  scheduler.add(7, std::make_unique<FakeProbe>(world, 7, 5ms), timing(100ms, 50ms));
  scheduler.start();
  world.timers.advance(470ms);
  scheduler.stop();

  // Each due a spacing after the previous one was due: 50 ms, +90, +109.999, +100, +100.
  CHECK(world.log.starts(7) == Us{50ms, 140ms, 249'999us, 349'999us, 449'999us});
  CHECK(received.count(7) == 5);
  CHECK(std::all_of(received.all.begin(), received.all.end(),
                    [](const auto& r) { return r.second.ok(); }));
}

TEST_CASE("scheduler spreads the first attempts of many probes by the injected random") {
  SchedulerWorld world;
  SequenceRandom random({0.9, 0.0, 0.5, 0.5});  // drawn in id order: 1, 2, 3
  ProbeScheduler scheduler(world.timers, random, [](ProbeId, const core::ProbeResult&) {});
  for (ProbeId id : {3u, 1u, 2u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(world, id, 1ms), timing(100ms, 50ms));
  }
  scheduler.start();
  world.timers.advance(95ms);
  scheduler.stop();
  CHECK(startOrder(world.log) == std::vector<ProbeId>{2, 3, 1});
  CHECK(world.log.starts(2) == Us{0ms});
  CHECK(world.log.starts(3) == Us{50ms});
  CHECK(world.log.starts(1) == Us{90ms});
}

TEST_CASE("scheduler never overlaps attempts of one probe when they outlast the interval") {
  SchedulerWorld world;
  Received received;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback());
  // Each attempt takes 80 ms (timeout 100 ms) against an interval of 50 ms.
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 80ms), timing(50ms, 100ms));
  scheduler.start();
  world.timers.advance(420ms);
  scheduler.stop();
  world.timers.advance(20ms);

  // Always overdue, so each starts the moment the previous one reports.
  CHECK(world.log.starts(1) == Us{0ms, 80ms, 160ms, 240ms, 320ms, 400ms});
  auto attempts = world.log.of(1);
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    CAPTURE(i);
    CHECK(attempts[i].start == attempts[i - 1].end);
  }
  CHECK(world.log.maxInFlight == 1);
  CHECK(received.count(1) == 5);  // the last was cancelled
}

TEST_CASE("scheduler keeps the cadence when attempts time out, measured from each due time") {
  SchedulerWorld world;
  SequenceRandom random({0.0, 0.5});
  std::vector<core::ProbeFailure> failures;
  ProbeScheduler scheduler(world.timers, random, [&](ProbeId, const core::ProbeResult& r) {
    failures.push_back(r.failure);
  });
  // Takes 500 ms, times out at 60 ms, interval 100 ms: starts stay 100 ms apart.
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 500ms), timing(100ms, 60ms));
  scheduler.start();
  world.timers.advance(350ms);
  scheduler.stop();
  CHECK(world.log.starts(1) == Us{0ms, 100ms, 200ms, 300ms});
  CHECK(failures == std::vector<core::ProbeFailure>(3, core::ProbeFailure::Timeout));
}

TEST_CASE("an attempt started late restarts the cadence instead of running missed beats") {
  SchedulerWorld world;
  // Probe 1 holds the only place for 120 ms from 0; probe 2 is due at 5 ms, then every 50 ms.
  SequenceRandom random({0.0, 0.1, 0.5});
  ProbeScheduler scheduler(
      world.timers, random, [](ProbeId, const core::ProbeResult&) {},
      SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 120ms), timing(1000ms, 500ms));
  scheduler.add(2, std::make_unique<FakeProbe>(world, 2, 10ms), timing(50ms, 40ms));
  scheduler.start();
  world.timers.advance(300ms);
  scheduler.stop();
  // Started 115 ms late, at 120 ms: the beats of 55 and 105 ms are skipped, not run back to back.
  CHECK(world.log.starts(2) == Us{120ms, 170ms, 220ms, 270ms});
}

TEST_CASE("scheduler makes no callback after stop returns, even for attempts in flight") {
  SchedulerWorld world;
  int callbacks = 0;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(world.timers, random,
                           [&](ProbeId, const core::ProbeResult&) { ++callbacks; });
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 200ms), timing(50ms, 300ms));
  scheduler.start();
  world.timers.advance(0ms);
  REQUIRE(world.log.attempts.size() == 1);
  scheduler.stop();
  CHECK_FALSE(scheduler.running());
  world.timers.advance(300ms);
  CHECK(callbacks == 0);
  CHECK(world.log.cancels == 1);
  CHECK(world.log.attempts.size() == 1);

  SUBCASE("and starts again cleanly") {
    // The first attempt half an interval later, at 325 ms; it reports at 525 ms, when the next
    // one, overdue, starts.
    scheduler.start();
    world.timers.advance(225ms);
    CHECK(world.log.starts(1) == Us{0ms, 325ms, 525ms});
    CHECK(callbacks == 1);
    CHECK(world.log.maxInFlight == 1);
  }
}

TEST_CASE("scheduler remove cancels the probe and drops its result") {
  SchedulerWorld world;
  Received received;
  SequenceRandom random({0.0, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback());
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 100ms), timing(50ms, 200ms));
  scheduler.add(2, std::make_unique<FakeProbe>(world, 2, 5ms), timing(20ms, 10ms));
  scheduler.start();
  world.timers.advance(0ms);
  REQUIRE(world.log.of(1).size() == 1);
  CHECK(scheduler.remove(1));
  CHECK_FALSE(scheduler.remove(1));
  CHECK(scheduler.size() == 1);
  world.timers.advance(200ms);
  CHECK(received.count(1) == 0);
  CHECK(world.log.of(1).size() == 1);
  CHECK(world.log.cancels == 1);
  CHECK(received.count(2) == 10);  // at 10, 30, ..., 190 ms
}

TEST_CASE("scheduler tolerates a callback that removes its probe or stops the scheduler") {
  SchedulerWorld world;
  SequenceRandom random({0.0, 0.5});
  int callbacks = 0;
  std::unique_ptr<ProbeScheduler> scheduler;
  SUBCASE("remove") {
    scheduler = std::make_unique<ProbeScheduler>(world.timers, random,
                                                 [&](ProbeId id, const core::ProbeResult&) {
                                                   ++callbacks;
                                                   scheduler->remove(id);
                                                 });
  }
  SUBCASE("stop") {
    scheduler = std::make_unique<ProbeScheduler>(world.timers, random,
                                                 [&](ProbeId, const core::ProbeResult&) {
                                                   ++callbacks;
                                                   scheduler->stop();
                                                 });
  }
  // Attempts outlast the interval, so the next one is overdue when the callback runs.
  scheduler->add(1, std::make_unique<FakeProbe>(world, 1, 30ms), timing(10ms, 50ms));
  scheduler->start();
  world.timers.advance(150ms);
  CHECK(callbacks == 1);
  CHECK(world.log.attempts.size() == 1);
}

TEST_CASE("scheduler schedules a probe added while running") {
  SchedulerWorld world;
  Received received;
  SequenceRandom random({0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback());
  scheduler.start();
  scheduler.add(4, std::make_unique<FakeProbe>(world, 4, 1ms), timing(40ms, 20ms));
  CHECK_THROWS_AS(scheduler.add(4, std::make_unique<FakeProbe>(world, 4, 1ms), timing(40ms, 20ms)),
                  std::invalid_argument);
  CHECK_THROWS_AS(scheduler.add(5, nullptr, timing(40ms, 20ms)), std::invalid_argument);
  world.timers.advance(61ms);
  CHECK(world.log.starts(4) == Us{20ms, 60ms});
  CHECK(received.count(4) == 2);
}

TEST_CASE("destroying the scheduler with attempts in flight makes no callback") {
  SchedulerWorld world;
  int callbacks = 0;
  SequenceRandom random({0.0, 0.5});
  {
    ProbeScheduler scheduler(world.timers, random,
                             [&](ProbeId, const core::ProbeResult&) { ++callbacks; });
    scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 100ms), timing(50ms, 200ms));
    scheduler.start();
    world.timers.advance(0ms);
    REQUIRE(world.log.attempts.size() == 1);
  }
  world.timers.advance(150ms);
  CHECK(callbacks == 0);
  CHECK(world.log.cancels == 1);
}

TEST_CASE("scheduler drives real http probes on the io_context's timers") {
  asio::io_context io;
  LoopbackServer up(io, LoopbackServer::Mode::Respond, LoopbackServer::http(200, "ok"));
  LoopbackServer hung(io, LoopbackServer::Mode::Silent);
  core::SystemRandom random;
  Received received;
  ProbeScheduler scheduler(io, random, received.callback());
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
  REQUIRE(runUntil(io, [&] { return received.count(1) >= 3 && received.count(2) >= 3; }));
  scheduler.stop();
  // One connection per attempt, and no attempt started while another was open.
  CHECK(hung.accepted() <= received.count(2) + 1);
  for (const auto& [id, r] : received.all) {
    CHECK(r.failure == (id == 1 ? core::ProbeFailure::None : core::ProbeFailure::Timeout));
  }
}

TEST_CASE("scheduler holds attempts beyond the cap and starts them in the order they came due") {
  SchedulerWorld world;
  Received received;
  // First attempts due at 0, 5, 10, 15, 20 ms (drawn in id order), then a second apart.
  SequenceRandom random({0.0, 0.005, 0.010, 0.015, 0.020, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback(),
                           SchedulerOptions{.maxInFlight = 2});
  CHECK(scheduler.maxInFlight() == 2);
  for (ProbeId id : {1u, 2u, 3u, 4u, 5u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(world, id, 100ms), timing(1000ms, 500ms));
  }
  scheduler.start();
  world.timers.advance(20ms);
  // 1 and 2 run; 3, 4 and 5 wait.
  CHECK(scheduler.stats().queued == 3);
  CHECK(scheduler.stats().inFlight == 2);
  CHECK(world.log.attempts.size() == 2);
  world.timers.advance(280ms);
  REQUIRE(received.all.size() == 5);
  scheduler.stop();

  CHECK(startOrder(world.log) == std::vector<ProbeId>{1, 2, 3, 4, 5});
  // 3 and 4 start as 1 and 2 report; 5 as 3 reports.
  CHECK(world.log.starts(3) == Us{100ms});
  CHECK(world.log.starts(4) == Us{105ms});
  CHECK(world.log.starts(5) == Us{200ms});
  CHECK(peakOverlap(world.log) == 2);
  const SchedulerStats& stats = scheduler.stats();
  CHECK(stats.attempts == 5);
  CHECK(stats.results == 5);
  CHECK(stats.waited == 3);
  CHECK(stats.peakInFlight == 2);
  CHECK(stats.peakQueued == 3);
  CHECK(stats.inFlight == 0);
  CHECK(stats.queued == 0);
  // Lateness: 1 and 2 on time; 3 and 4 waited 90 ms; 5 waited 180 ms.
  CHECK(stats.lateness.count() == 5);
  CHECK(stats.lateness.quantile(0.4) == 0us);
  CHECK(stats.lateness.quantile(0.8) >= 90ms);
  CHECK(stats.lateness.quantile(0.8) < 100ms);  // within its bucket
  CHECK(stats.lateness.max() == 180ms);
  CHECK(std::all_of(received.all.begin(), received.all.end(),
                    [](const auto& r) { return r.second.ok(); }));
}

TEST_CASE("an overdue probe queues behind the attempts already waiting for the cap") {
  SchedulerWorld world;
  // Probe 1 due at once, every 20 ms, each attempt taking 50 ms: always overdue. Probe 2 due at
  // 10 ms, then a second later.
  SequenceRandom random({0.0, 0.01, 0.5});
  ProbeScheduler scheduler(
      world.timers, random, [](ProbeId, const core::ProbeResult&) {},
      SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 50ms), timing(20ms, 200ms));
  scheduler.add(2, std::make_unique<FakeProbe>(world, 2, 50ms), timing(1000ms, 200ms));
  scheduler.start();
  world.timers.advance(100ms);
  scheduler.stop();
  // 2 came due while 1 ran, and 1's next attempt came due after that: 2 goes first.
  CHECK(startOrder(world.log) == std::vector<ProbeId>{1, 2, 1});
  CHECK(world.log.starts(1) == Us{0ms, 100ms});
  CHECK(world.log.starts(2) == Us{50ms});
  CHECK(peakOverlap(world.log) == 1);
}

TEST_CASE("removing a waiting probe gives its place to the next one") {
  SchedulerWorld world;
  Received received;
  SequenceRandom random({0.0, 0.005, 0.010, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback(),
                           SchedulerOptions{.maxInFlight = 1});
  for (ProbeId id : {1u, 2u, 3u}) {
    scheduler.add(id, std::make_unique<FakeProbe>(world, id, 60ms), timing(1000ms, 500ms));
  }
  scheduler.start();
  world.timers.advance(10ms);
  REQUIRE(scheduler.stats().queued == 2);
  CHECK(scheduler.remove(2));
  CHECK(scheduler.stats().queued == 1);
  world.timers.advance(110ms);
  CHECK(received.count(3) == 1);
  CHECK(startOrder(world.log) == std::vector<ProbeId>{1, 3});
  CHECK(world.log.starts(3) == Us{60ms});
  CHECK(received.count(2) == 0);
  CHECK(scheduler.stats().inFlight == 0);  // 1 and 3 are due again a second later
}

TEST_CASE("removing a running probe frees its place for a waiting one") {
  SchedulerWorld world;
  SequenceRandom random({0.0, 0.005, 0.5});
  ProbeScheduler scheduler(
      world.timers, random, [](ProbeId, const core::ProbeResult&) {},
      SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 500ms), timing(1000ms, 800ms));
  scheduler.add(2, std::make_unique<FakeProbe>(world, 2, 10ms), timing(1000ms, 800ms));
  scheduler.start();
  world.timers.advance(5ms);
  REQUIRE(scheduler.stats().queued == 1);
  CHECK(scheduler.remove(1));
  // At once, not after 1's 500 ms.
  CHECK(world.log.starts(2) == Us{5ms});
  CHECK(scheduler.stats().queued == 0);
}

TEST_CASE("stop empties the queue and a restart runs every probe again") {
  SchedulerWorld world;
  Received received;
  SequenceRandom random({0.0, 0.005, 0.5});
  ProbeScheduler scheduler(world.timers, random, received.callback(),
                           SchedulerOptions{.maxInFlight = 1});
  scheduler.add(1, std::make_unique<FakeProbe>(world, 1, 100ms), timing(1000ms, 500ms));
  scheduler.add(2, std::make_unique<FakeProbe>(world, 2, 10ms), timing(1000ms, 500ms));
  scheduler.start();
  world.timers.advance(5ms);
  REQUIRE(scheduler.stats().queued == 1);
  scheduler.stop();
  CHECK(scheduler.stats().queued == 0);
  CHECK(scheduler.stats().inFlight == 0);
  world.timers.advance(150ms);
  CHECK(received.all.empty());
  // Both due half an interval after the restart (155 + 500 ms); 2 waits for 1.
  scheduler.start();
  world.timers.advance(610ms);
  CHECK(world.log.starts(1) == Us{0ms, 655ms});
  CHECK(world.log.starts(2) == Us{755ms});
  CHECK(received.count(1) == 1);
  CHECK(received.count(2) == 1);
}

TEST_CASE("the default cap follows the descriptor limit within [16, 4096]") {
  std::size_t cap = defaultMaxInFlight();
  CHECK(cap >= 16);
  CHECK(cap <= 4096);
  ManualTimers timers;
  SequenceRandom random({0.5});
  ProbeScheduler scheduler(timers, random, [](ProbeId, const core::ProbeResult&) {});
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
