#pragma once
// Runs many probes on one io_context: no thread per probe, one timer each, and a cap on the
// attempts in flight.

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "core/probe_result.hpp"
#include "core/probe_timing.hpp"
#include "core/random.hpp"
#include "probes/probe.hpp"
#include "probes/timers.hpp"

namespace planb::probes {

// Chosen by the caller (e.g. an index into its own table of target/probe pairs); unique within
// one scheduler.
using ProbeId = std::uint32_t;
using ProbeCallback = std::function<void(ProbeId, const core::ProbeResult&)>;

// Delay from start() (or add() while running) to a probe's first attempt: uniform in
// [0, interval), so probes configured together do not all fire at once.
std::chrono::microseconds firstAttemptDelay(std::chrono::milliseconds interval,
                                            core::Random& random);

// Time from one attempt's due time to the next one's: interval × [0.9, 1.1), at least 1 ms so a
// zero interval cannot live-lock the loop.
std::chrono::microseconds attemptSpacing(std::chrono::milliseconds interval, core::Random& random);

// The cap on attempts in flight when none is given: 4,096, or half the soft RLIMIT_NOFILE when
// that is lower (each attempt holds one descriptor; the rest is left to the daemon), at least 16.
std::size_t defaultMaxInFlight();

// A histogram of durations in microseconds with buckets about 6 % wide (16 per power of two),
// exact below 16 µs: enough for p50/p99 of lateness at any scale, in a fixed 8 KiB.
class LatencyHistogram {
 public:
  void record(std::chrono::microseconds d) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::chrono::microseconds max() const noexcept { return std::chrono::microseconds(max_); }
  // The upper bound of the bucket holding the q-quantile (0 ≤ q ≤ 1); 0 when empty.
  std::chrono::microseconds quantile(double q) const noexcept;
  void clear() noexcept { *this = {}; }

 private:
  static constexpr std::size_t kBuckets = 16 + 60 * 16;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

struct SchedulerOptions {
  // Attempts in flight at most; 0 means defaultMaxInFlight(). Attempts that come due beyond it
  // wait in one first-come-first-served queue and start as running ones report.
  std::size_t maxInFlight = 0;
};

// What the scheduler did, for benchmarks and metrics.
struct SchedulerStats {
  std::uint64_t attempts = 0;  // started
  std::uint64_t results = 0;   // passed to the callback
  std::uint64_t waited = 0;    // attempts that queued behind the cap before starting
  std::size_t inFlight = 0;
  std::size_t queued = 0;
  std::size_t peakInFlight = 0;
  std::size_t peakQueued = 0;
  // Per attempt: its start minus the time it became due — or, when it came due while the
  // probe's previous attempt was still running, minus the time that attempt reported. So it
  // measures the scheduler's own delay (a busy loop, the cap's queue), not slow endpoints.
  LatencyHistogram lateness;
};

// Schedules each probe's attempts on its ProbeTiming:
//  * first attempt at firstAttemptDelay(), then every attemptSpacing() measured from the previous
//    attempt's due time, so neither slow attempts nor a late start stretch the cadence; an
//    attempt that starts more than a spacing late re-anchors the cadence at its start (missed
//    beats are skipped, never run in a burst);
//  * never two attempts of one probe at once: an attempt still running when the next is due
//    delays it until its result arrives (then the next one starts at once);
//  * at most maxInFlight attempts at once across all probes; beyond that, due attempts queue in
//    the order they came due;
//  * every attempt's result goes to the callback, on the io_context.
// Not thread-safe: use it only from the thread running the io_context. `random` (and `timers`)
// must outlive it. Reload: build a new scheduler for the new set and destroy the old one, or
// add()/remove() here.
class ProbeScheduler {
 public:
  // On the io_context's steady timers.
  ProbeScheduler(boost::asio::io_context& io, core::Random& random, ProbeCallback callback,
                 SchedulerOptions options = {});
  // On the given time: every due time, spacing and lateness is read from `timers`.
  ProbeScheduler(Timers& timers, core::Random& random, ProbeCallback callback,
                 SchedulerOptions options = {});
  ~ProbeScheduler();  // stops
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  // Adds a probe; while running, its first attempt is scheduled at once. Throws
  // std::invalid_argument for a null probe or an id already present.
  void add(ProbeId id, std::unique_ptr<Probe> probe, const core::ProbeTiming& timing);

  // Removes (and destroys) a probe, cancelling its attempt in flight. No callback for it is made
  // after remove() returns. False if the id is unknown.
  bool remove(ProbeId id);

  // Schedules every probe's first attempt. No-op while running.
  void start();

  // Cancels all timers and attempts in flight and empties the queue. No callback is made after
  // stop() returns (the results of the cancelled attempts are dropped). start() may be called
  // again.
  void stop();

  bool running() const noexcept { return running_; }
  std::size_t size() const noexcept { return slots_.size(); }
  std::size_t maxInFlight() const noexcept { return maxInFlight_; }
  const SchedulerStats& stats() const noexcept { return stats_; }
  // Zeroes the counters, peaks and histogram (not the current in-flight and queued counts).
  void resetStats() noexcept;

 private:
  struct Slot;

  ProbeScheduler(std::unique_ptr<Timers> owned, core::Random& random, ProbeCallback callback,
                 SchedulerOptions options);
  void scheduleFirst(const std::shared_ptr<Slot>& slot);
  void arm(const std::shared_ptr<Slot>& slot, core::Instant at);
  void onTimer(const std::shared_ptr<Slot>& slot);
  void admit(const std::shared_ptr<Slot>& slot, core::Instant eligible);
  void drain();
  void launch(const std::shared_ptr<Slot>& slot);
  void onResult(const std::shared_ptr<Slot>& slot, std::uint64_t generation,
                const core::ProbeResult& result);

  std::unique_ptr<Timers> owned_timers_;  // the io_context's, when built on one
  Timers& timers_;
  core::Random& random_;
  ProbeCallback callback_;
  std::size_t maxInFlight_;
  std::map<ProbeId, std::shared_ptr<Slot>> slots_;  // ordered: start() draws randomness by id
  std::deque<std::weak_ptr<Slot>> waiting_;         // due, held back by the cap; oldest first
  bool running_ = false;
  // Bumped by start() and stop(): timer and result handlers of an earlier run are ignored.
  std::uint64_t generation_ = 0;
  SchedulerStats stats_;
};

}  // namespace planb::probes
