#pragma once
// Runs many probes on one io_context: no thread per probe, one steady_timer each.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "config/config.hpp"
#include "core/probe_result.hpp"
#include "core/random.hpp"
#include "probes/probe.hpp"

namespace planb::probes {

// Chosen by the caller (e.g. an index into its own table of target/probe pairs); unique within
// one scheduler.
using ProbeId = std::uint32_t;
using ProbeCallback = std::function<void(ProbeId, const core::ProbeResult&)>;

// Delay from start() (or add() while running) to a probe's first attempt: uniform in
// [0, interval), so probes configured together do not all fire at once.
std::chrono::microseconds firstAttemptDelay(std::chrono::milliseconds interval,
                                            core::Random& random);

// Time from one attempt's start to the next attempt's start: interval × [0.9, 1.1), at least
// 1 ms so a zero interval cannot live-lock the loop.
std::chrono::microseconds attemptSpacing(std::chrono::milliseconds interval, core::Random& random);

// Schedules each probe's attempts on its ProbeTiming:
//  * first attempt at firstAttemptDelay(), then every attemptSpacing() measured from the previous
//    attempt's start, so slow or timed-out attempts do not stretch the cadence;
//  * never two attempts of one probe at once: an attempt still running when the next is due
//    delays it until its result arrives (then the next one starts at once);
//  * every attempt's result goes to the callback, on the io_context.
// Not thread-safe: use it only from the thread running the io_context. `random` must outlive it.
// Reload: build a new scheduler for the new set and destroy the old one, or add()/remove() here.
class ProbeScheduler {
 public:
  ProbeScheduler(boost::asio::io_context& io, core::Random& random, ProbeCallback callback);
  ~ProbeScheduler();  // stops
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  // Adds a probe; while running, its first attempt is scheduled at once. Throws
  // std::invalid_argument for a null probe or an id already present.
  void add(ProbeId id, std::unique_ptr<Probe> probe, const config::ProbeTiming& timing);

  // Removes (and destroys) a probe, cancelling its attempt in flight. No callback for it is made
  // after remove() returns. False if the id is unknown.
  bool remove(ProbeId id);

  // Schedules every probe's first attempt. No-op while running.
  void start();

  // Cancels all timers and attempts in flight. No callback is made after stop() returns (the
  // results of the cancelled attempts are dropped). start() may be called again.
  void stop();

  bool running() const noexcept { return running_; }
  std::size_t size() const noexcept { return slots_.size(); }

 private:
  struct Slot;

  void scheduleFirst(const std::shared_ptr<Slot>& slot);
  void arm(const std::shared_ptr<Slot>& slot, std::chrono::steady_clock::time_point at);
  void onTimer(const std::shared_ptr<Slot>& slot);
  void launch(const std::shared_ptr<Slot>& slot);
  void onResult(const std::shared_ptr<Slot>& slot, std::uint64_t generation,
                const core::ProbeResult& result);

  boost::asio::io_context& io_;
  core::Random& random_;
  ProbeCallback callback_;
  std::map<ProbeId, std::shared_ptr<Slot>> slots_;  // ordered: start() draws randomness by id
  bool running_ = false;
  // Bumped by start() and stop(): timer and result handlers of an earlier run are ignored.
  std::uint64_t generation_ = 0;
};

}  // namespace planb::probes
