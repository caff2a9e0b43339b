#include "probes/probe_scheduler.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace planb::probes {

namespace {
using std::chrono::microseconds;

constexpr microseconds kMinSpacing{1000};
constexpr double kJitter = 0.10;
constexpr std::size_t kMaxInFlight = 4096;
constexpr std::size_t kMinInFlight = 16;

microseconds scaled(std::chrono::milliseconds interval, double factor) {
  return microseconds(
      static_cast<std::int64_t>(static_cast<double>(microseconds(interval).count()) * factor));
}

double unit(core::Random& random) {
  return std::clamp(random.uniform(), 0.0, 1.0);
}

// Histogram layout: values below 16 have a bucket each; above, 16 buckets per power of two.
constexpr std::size_t kSub = 16;
constexpr int kSubBits = 4;

std::size_t bucketOf(std::uint64_t v) {
  if (v < kSub) {
    return static_cast<std::size_t>(v);
  }
  int exponent = std::bit_width(v) - 1;  // >= kSubBits
  int shift = exponent - kSubBits;
  std::uint64_t mantissa = (v >> shift) & (kSub - 1);
  return kSub + static_cast<std::size_t>(shift) * kSub + static_cast<std::size_t>(mantissa);
}

std::uint64_t bucketUpper(std::size_t bucket) {
  if (bucket < kSub) {
    return bucket;
  }
  std::size_t shift = (bucket - kSub) / kSub;
  std::uint64_t mantissa = (bucket - kSub) % kSub;
  return ((kSub + mantissa + 1) << shift) - 1;
}
}  // namespace

microseconds firstAttemptDelay(std::chrono::milliseconds interval, core::Random& random) {
  auto delay = scaled(std::max(interval, std::chrono::milliseconds{0}), unit(random));
  return std::min(delay, std::max(microseconds(interval) - microseconds(1), microseconds(0)));
}

microseconds attemptSpacing(std::chrono::milliseconds interval, core::Random& random) {
  double factor = 1.0 - kJitter + 2 * kJitter * unit(random);
  return std::max(scaled(interval, factor), kMinSpacing);
}

std::size_t defaultMaxInFlight() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return kMaxInFlight;
  }
  auto half = static_cast<std::size_t>(limit.rlim_cur / 2);
  return std::clamp(half, kMinInFlight, kMaxInFlight);
}

void LatencyHistogram::record(microseconds d) noexcept {
  auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0));
  ++buckets_[std::min(bucketOf(v), kBuckets - 1)];
  ++count_;
  max_ = std::max(max_, v);
}

microseconds LatencyHistogram::quantile(double q) const noexcept {
  if (count_ == 0) {
    return microseconds(0);
  }
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the quantile, 1-based: the smallest value with at least q of the samples at or
  // below it.
  auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += buckets_[b];
    if (seen >= rank) {
      return microseconds(static_cast<std::int64_t>(std::min(bucketUpper(b), max_)));
    }
  }
  return microseconds(static_cast<std::int64_t>(max_));
}

struct ProbeScheduler::Slot {
  Slot(std::unique_ptr<Timer> timer, ProbeId id, std::unique_ptr<Probe> probe,
       const core::ProbeTiming& timing)
      : id(id), probe(std::move(probe)), timing(timing), timer(std::move(timer)) {}

  ProbeId id;
  std::unique_ptr<Probe> probe;
  core::ProbeTiming timing;
  std::unique_ptr<Timer> timer;
  core::Instant due{};       // when the next (or queued) attempt is due
  core::Instant eligible{};  // when the queued attempt could have started
  bool inFlight = false;
  bool queued = false;   // waiting behind the cap
  bool overdue = false;  // the next attempt came due while one was still in flight
  bool removed = false;
};

ProbeScheduler::ProbeScheduler(boost::asio::io_context& io, core::Random& random,
                               ProbeCallback callback, SchedulerOptions options)
    : ProbeScheduler(std::make_unique<AsioTimers>(io), random, std::move(callback), options) {}

ProbeScheduler::ProbeScheduler(std::unique_ptr<Timers> owned, core::Random& random,
                               ProbeCallback callback, SchedulerOptions options)
    : ProbeScheduler(*owned, random, std::move(callback), options) {
  owned_timers_ = std::move(owned);  // the object timers_ refers to stays where it is
}

ProbeScheduler::ProbeScheduler(Timers& timers, core::Random& random, ProbeCallback callback,
                               SchedulerOptions options)
    : timers_(timers),
      random_(random),
      callback_(std::move(callback)),
      maxInFlight_(options.maxInFlight != 0 ? options.maxInFlight : defaultMaxInFlight()) {}

ProbeScheduler::~ProbeScheduler() {
  stop();
}

void ProbeScheduler::add(ProbeId id, std::unique_ptr<Probe> probe,
                         const core::ProbeTiming& timing) {
  if (!probe) {
    throw std::invalid_argument("probe scheduler: null probe " + std::to_string(id));
  }
  auto slot = std::make_shared<Slot>(timers_.makeTimer(), id, std::move(probe), timing);
  if (!slots_.emplace(id, slot).second) {
    throw std::invalid_argument("probe scheduler: duplicate probe id " + std::to_string(id));
  }
  if (running_) {
    scheduleFirst(slot);
  }
}

bool ProbeScheduler::remove(ProbeId id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    return false;
  }
  auto slot = std::move(it->second);
  slots_.erase(it);
  slot->removed = true;
  slot->timer->cancel();
  if (slot->queued) {
    slot->queued = false;  // its queue entry is skipped (and expires) when reached
    --stats_.queued;
  }
  bool freed = slot->inFlight;
  if (slot->inFlight) {
    slot->inFlight = false;
    --stats_.inFlight;
    slot->probe->cancel();
  }
  // The slot dies here unless one of its handlers is running further up the stack; pending
  // handlers and the queue hold only weak references.
  slot.reset();
  if (freed && running_) {
    drain();
  }
  return true;
}

void ProbeScheduler::start() {
  if (running_) {
    return;
  }
  running_ = true;
  ++generation_;
  for (auto& [id, slot] : slots_) {
    scheduleFirst(slot);
  }
}

void ProbeScheduler::stop() {
  if (!running_) {
    return;
  }
  running_ = false;
  ++generation_;
  waiting_.clear();
  stats_.inFlight = 0;
  stats_.queued = 0;
  for (auto& [id, slot] : slots_) {
    slot->timer->cancel();
    slot->overdue = false;
    slot->queued = false;
    if (slot->inFlight) {
      slot->inFlight = false;  // its result carries the old generation and is dropped
      slot->probe->cancel();
    }
  }
}

void ProbeScheduler::resetStats() noexcept {
  SchedulerStats fresh;
  fresh.inFlight = stats_.inFlight;
  fresh.queued = stats_.queued;
  fresh.peakInFlight = stats_.inFlight;
  fresh.peakQueued = stats_.queued;
  stats_ = fresh;
}

void ProbeScheduler::scheduleFirst(const std::shared_ptr<Slot>& slot) {
  arm(slot, timers_.now() + firstAttemptDelay(slot->timing.interval, random_));
}

void ProbeScheduler::arm(const std::shared_ptr<Slot>& slot, core::Instant at) {
  slot->due = at;
  slot->timer->waitUntil(at, [this, weak = std::weak_ptr<Slot>(slot), generation = generation_] {
    // A live slot means a live scheduler: slots are owned by it alone, on this one thread.
    auto slot = weak.lock();
    if (!slot || generation != generation_) {
      return;
    }
    onTimer(slot);
  });
}

void ProbeScheduler::onTimer(const std::shared_ptr<Slot>& slot) {
  if (!running_ || slot->removed) {
    return;
  }
  if (slot->inFlight) {
    slot->overdue = true;  // admitted as soon as the running attempt reports
    return;
  }
  admit(slot, slot->due);
}

void ProbeScheduler::admit(const std::shared_ptr<Slot>& slot, core::Instant eligible) {
  slot->eligible = eligible;
  if (stats_.inFlight < maxInFlight_ && waiting_.empty()) {
    launch(slot);
    return;
  }
  slot->queued = true;
  waiting_.push_back(slot);
  ++stats_.waited;
  stats_.peakQueued = std::max(stats_.peakQueued, ++stats_.queued);
}

void ProbeScheduler::drain() {
  while (running_ && stats_.inFlight < maxInFlight_ && !waiting_.empty()) {
    auto slot = waiting_.front().lock();
    waiting_.pop_front();
    if (!slot || !slot->queued || slot->removed) {
      continue;  // removed while it waited
    }
    slot->queued = false;
    --stats_.queued;
    launch(slot);
  }
}

void ProbeScheduler::launch(const std::shared_ptr<Slot>& slot) {
  auto now = timers_.now();
  stats_.lateness.record(std::chrono::duration_cast<microseconds>(now - slot->eligible));
  ++stats_.attempts;
  stats_.peakInFlight = std::max(stats_.peakInFlight, ++stats_.inFlight);
  slot->inFlight = true;
  slot->overdue = false;
  // The next attempt is due a spacing after this one was due, so a late start does not shift
  // the cadence; one that fell a whole spacing behind restarts it from now, skipping the beats
  // it missed instead of running them back to back.
  auto next = slot->due + attemptSpacing(slot->timing.interval, random_);
  if (next <= now) {
    next = now + (next - slot->due);
  }
  arm(slot, next);
  slot->probe->start(slot->timing.timeout, [this, weak = std::weak_ptr<Slot>(slot),
                                            generation = generation_](core::ProbeResult result) {
    if (auto slot = weak.lock()) {
      onResult(slot, generation, result);
    }
  });
}

void ProbeScheduler::onResult(const std::shared_ptr<Slot>& slot, std::uint64_t generation,
                              const core::ProbeResult& result) {
  if (generation != generation_ || !running_ || slot->removed || !slot->inFlight) {
    return;  // an attempt cancelled by stop() or remove()
  }
  slot->inFlight = false;
  --stats_.inFlight;
  ++stats_.results;
  callback_(slot->id, result);
  // The callback may have stopped the scheduler or removed this probe.
  if (generation != generation_ || !running_) {
    return;
  }
  if (!slot->removed && slot->overdue) {
    slot->overdue = false;
    admit(slot, timers_.now());  // behind those already waiting, if any
  }
  drain();
}

}  // namespace planb::probes
