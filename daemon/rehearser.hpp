#pragma once
// Rehearsals (product.md §11): each interval, for each zone, every provider of the zone writes a
// TXT record `_planb-rehearsal.<zone>` holding one fresh token, through its own client,
// credentials and ceiling; the zone's verify_servers must answer it; then it is deleted. Every
// provider step is one side job on the provider's worker (Reconciler::runOnProvider), so a
// failover's reads and writes always go first. All state lives on the event loop; only the
// visibility check (blocking DNS queries) runs on a thread of its own.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/rehearsal_record.hpp"
#include "log.hpp"
#include "reconciler.hpp"

namespace planb::daemon {

// The records of the (zone, provider) pairs one run rehearsed, in zone then provider order.
using RehearsalResults = std::vector<std::pair<core::RehearsalKey, core::RehearsalRecord>>;

class Rehearser {
 public:
  // How often a write the provider still propagates (Route 53 PENDING) is polled.
  static constexpr std::chrono::seconds kPropagationPoll{2};
  // The first rehearsal of a zone comes this long after start (plus up to as much jitter): the
  // start's own reads and writes go first.
  static constexpr std::chrono::seconds kFirstAfter{30};
  static constexpr std::string_view kValuePrefix = "planb-rehearsal ";

  // The servers that do not answer TXT `value` at `name` within `within` (each with why);
  // blocking, run off the event loop; ends early when `stop` is set.
  using VisibilityCheck = std::function<std::vector<std::string>(
      const std::vector<config::HostPort>& servers, const std::string& name,
      const std::string& value, std::chrono::milliseconds within, const std::atomic<bool>& stop)>;
  // Each finished rehearsal of a pair (metrics).
  using RecordSink = std::function<void(const core::RehearsalKey&, const core::RehearsalRecord&)>;
  using Done = std::function<void(RehearsalResults)>;

  Rehearser(boost::asio::io_context& io, Log& log, const core::Clock& clock, core::Random& random,
            Reconciler& reconciler, VisibilityCheck check);
  ~Rehearser();
  Rehearser(const Rehearser&) = delete;
  Rehearser& operator=(const Rehearser&) = delete;

  // A (new) configuration: schedules the zones it adds, and a clean-up of the pairs it adds.
  void configure(const config::Config& config);
  // Fleet mode: only the node that may write DNS rehearses (and cleans up after a crash).
  void setWriter(bool writer);
  // Starts what is due: clean-ups, rehearsals, polls of propagating writes (the daemon's tick).
  void step();
  // Rehearses the matching pairs now (every zone / provider when nullopt) and calls DONE with
  // their records when each has finished. A zone is always rehearsed on all its providers (each
  // verify server must answer the token); only the matching pairs are answered. Returns why it
  // refused instead (DONE is then never called).
  std::optional<std::string> runNow(const std::optional<std::string>& zone,
                                    const std::optional<std::string>& provider, Done done);
  // Stops the visibility checks; no callback after.
  void shutdown();

  const core::RehearsalRecords& records() const noexcept { return records_; }
  // Looks for left-overs still in flight (a zone's rehearsal waits for its pairs' look).
  std::size_t cleanUpsInFlight() const noexcept { return cleaning_.size(); }
  void setSink(RecordSink sink) { sink_ = std::move(sink); }

  // `_planb-rehearsal.<zone>`.
  static std::string recordName(const std::string& zone);

 private:
  struct Gather;
  struct Attempt;
  struct Round;
  struct Request {
    std::vector<std::string> providers;
    std::shared_ptr<Gather> gather;  // null: a scheduled rehearsal
  };
  struct ZoneState {
    std::vector<std::string> providers;
    std::vector<config::HostPort> verify_servers;
    core::Instant next_due{};
    std::deque<Request> queued;
    std::shared_ptr<Round> round;  // the rehearsal running now
  };

  void start(const std::string& zone, Request request);
  void read(const std::shared_ptr<Round>& round, const std::string& provider);
  void write(const std::shared_ptr<Round>& round, const std::string& provider);
  void poll(const std::shared_ptr<Round>& round, const std::string& provider);
  void writeEnded(const std::shared_ptr<Round>& round);
  void checkVisible(const std::shared_ptr<Round>& round);
  void onVisible(const std::shared_ptr<Round>& round, const std::vector<std::string>& missing);
  void cleanUp(const std::shared_ptr<Round>& round);
  void finish(const std::shared_ptr<Round>& round);
  void cleanUpLeftovers(const std::string& zone, const std::string& provider);
  std::string token();
  core::Instant nextDue(core::Instant from);

  boost::asio::io_context& io_;
  Log& log_;
  const core::Clock& clock_;
  core::Random& random_;
  Reconciler& reconciler_;
  VisibilityCheck check_;
  RecordSink sink_;
  std::chrono::milliseconds interval_{0};
  std::chrono::milliseconds timeout_{300'000};
  bool writer_ = true;
  std::map<std::string, ZoneState> zones_;
  std::set<core::RehearsalKey> cleaned_;   // left-overs looked for since start or leadership
  std::set<core::RehearsalKey> cleaning_;  // a clean-up in flight
  core::RehearsalRecords records_;
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  boost::asio::thread_pool checks_{2};  // visibility checks: blocking DNS queries
};

}  // namespace planb::daemon
