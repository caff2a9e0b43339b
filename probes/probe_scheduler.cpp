#include "probes/probe_scheduler.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <string>

namespace planb::probes {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr microseconds kMinSpacing{1000};
constexpr double kJitter = 0.10;

microseconds scaled(std::chrono::milliseconds interval, double factor) {
  return microseconds(
      static_cast<std::int64_t>(static_cast<double>(microseconds(interval).count()) * factor));
}

double unit(core::Random& random) {
  return std::clamp(random.uniform(), 0.0, 1.0);
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

struct ProbeScheduler::Slot {
  Slot(boost::asio::io_context& io, ProbeId id, std::unique_ptr<Probe> probe,
       const config::ProbeTiming& timing)
      : id(id), probe(std::move(probe)), timing(timing), timer(io) {}

  ProbeId id;
  std::unique_ptr<Probe> probe;
  config::ProbeTiming timing;
  boost::asio::steady_timer timer;
  bool inFlight = false;
  bool overdue = false;  // the next attempt came due while one was still in flight
  bool removed = false;
};

ProbeScheduler::ProbeScheduler(boost::asio::io_context& io, core::Random& random,
                               ProbeCallback callback)
    : io_(io), random_(random), callback_(std::move(callback)) {}

ProbeScheduler::~ProbeScheduler() {
  stop();
}

void ProbeScheduler::add(ProbeId id, std::unique_ptr<Probe> probe,
                         const config::ProbeTiming& timing) {
  if (!probe) {
    throw std::invalid_argument("probe scheduler: null probe " + std::to_string(id));
  }
  auto slot = std::make_shared<Slot>(io_, id, std::move(probe), timing);
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
  slot->timer.cancel();
  if (slot->inFlight) {
    slot->probe->cancel();
  }
  // The slot dies here unless one of its handlers is running further up the stack; pending
  // handlers hold only weak references.
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
  for (auto& [id, slot] : slots_) {
    slot->timer.cancel();
    slot->overdue = false;
    if (slot->inFlight) {
      slot->inFlight = false;  // its result carries the old generation and is dropped
      slot->probe->cancel();
    }
  }
}

void ProbeScheduler::scheduleFirst(const std::shared_ptr<Slot>& slot) {
  arm(slot, Clock::now() + firstAttemptDelay(slot->timing.interval, random_));
}

void ProbeScheduler::arm(const std::shared_ptr<Slot>& slot, Clock::time_point at) {
  slot->timer.expires_at(at);
  slot->timer.async_wait([this, weak = std::weak_ptr<Slot>(slot),
                          generation = generation_](const boost::system::error_code& ec) {
    // A live slot means a live scheduler: slots are owned by it alone, on this one thread.
    auto slot = weak.lock();
    if (ec || !slot || generation != generation_) {
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
    slot->overdue = true;  // started as soon as the running attempt reports
    return;
  }
  launch(slot);
}

void ProbeScheduler::launch(const std::shared_ptr<Slot>& slot) {
  slot->inFlight = true;
  slot->overdue = false;
  // The next start is measured from this start, so a slow attempt does not shift the cadence.
  arm(slot, Clock::now() + attemptSpacing(slot->timing.interval, random_));
  slot->probe->start(slot->timing.timeout, [this, weak = std::weak_ptr<Slot>(slot),
                                            generation = generation_](core::ProbeResult result) {
    if (auto slot = weak.lock()) {
      onResult(slot, generation, result);
    }
  });
}

void ProbeScheduler::onResult(const std::shared_ptr<Slot>& slot, std::uint64_t generation,
                              const core::ProbeResult& result) {
  if (generation != generation_ || !running_ || slot->removed) {
    return;  // an attempt cancelled by stop() or remove()
  }
  slot->inFlight = false;
  callback_(slot->id, result);
  // The callback may have stopped the scheduler or removed this probe.
  if (generation == generation_ && running_ && !slot->removed && slot->overdue) {
    launch(slot);
  }
}

}  // namespace planb::probes
