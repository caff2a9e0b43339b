#pragma once
// Desired vs served, for every record on every provider of its zone: decides (core::decide),
// plans the reads and writes (core::planWrites), writes each provider independently on its own
// worker, verifies on the zone's verify_servers, persists, retries with backoff, and repairs drift
// found by the periodic resync. All state lives on the daemon's io_context thread; providers block
// only their own worker.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "backoff.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/decision.hpp"
#include "core/random.hpp"
#include "core/write_plan.hpp"
#include "credential_watch.hpp"
#include "log.hpp"
#include "providers/dns_provider.hpp"
#include "reconcile_report.hpp"
#include "state_store.hpp"
#include "verifier.hpp"

namespace planb::daemon {
class FleetWriter;
}

namespace planb::daemon {

// What a provider write did, for the log, the audit and the verification.
struct WriteOutcome {
  std::string from;    // what the provider served before, as far as planb knew
  std::string reason;  // why the record serves this target
  std::optional<providers::ProviderError> error;
  providers::Written written;
  std::chrono::steady_clock::time_point started{};
  std::chrono::steady_clock::duration write_time{};
  bool fenced = false;  // fleet mode: etcd refused the leadership, nothing was sent
};

// A record whose new CNAME the zone's verify servers should answer.
struct VerifyItem {
  std::string name;
  std::string cname;
};

// One record's write, waiting for its provider's next batch.
struct QueuedWrite {
  std::string record;
  std::string target;
  providers::ReplaceRequest request;
  WriteOutcome outcome;
};

// A change the provider accepted and still propagates: polled every kPropagationPoll.
struct PropagatingChange {
  std::vector<std::string> records;
  std::chrono::steady_clock::time_point written{};  // when the batch was sent, for verification
  core::Instant next_poll{};
  bool polling = false;  // a poll is queued or in flight
};

// Work on a provider that is not a record change: a rehearsal step, a preflight read. `work` runs
// on the provider's worker; `done` on the event loop, with ran=false when it was dropped (the
// provider left the configuration, planbd stops).
struct SideJob {
  std::function<void(providers::DnsProvider&)> work;
  std::function<void(bool ran)> done;
};

// What waits for one provider's worker: everything queued while it was busy goes out together,
// one batch per zone, when it is free. So all changes of a round form one batch. Side jobs run
// one at a time, only when no read, write or poll waits: a real change always goes first, and
// waits at most for the one side job in flight.
struct ProviderLane {
  bool busy = false;                                       // a job runs on the worker
  bool flush_posted = false;                               // a flush is posted to the event loop
  std::map<std::string, std::vector<std::string>> reads;   // by zone: record names
  std::map<std::string, std::vector<QueuedWrite>> writes;  // by zone
  std::vector<std::string> polls;                          // change ids
  std::map<std::string, PropagatingChange> propagating;    // by change id
  std::deque<SideJob> side_jobs;
  bool idle() const { return reads.empty() && writes.empty() && polls.empty(); }
};

// One provider's view of one record.
struct ProviderSync {
  std::optional<providers::ServedRecord> served;  // last read or written; nullopt: not known
  std::optional<std::string> applied;             // the target planb last verified there
  bool busy = false;                              // a read or write is in flight
  bool read_requested = false;                    // the resync wants a fresh read
  std::uint32_t failures = 0;
  // Compare-and-swaps lost in a row: the first is re-read at once, the next ones back off, as
  // the provider's read and its write disagree (a lagging replica, a record set it lists apart).
  std::uint32_t lost_swaps = 0;
  core::Instant retry_at{};
  std::string last_error;  // never holds a secret: provider errors do not
  bool conflict_reported = false;
  // Written and accepted, not yet applied everywhere (Route 53 `PENDING`): the provider's change
  // id, polled until it is applied, and since when. Later writes never wait for it.
  std::string propagating_change;
  core::WallTime propagating_since{};
  // The TTL last written instead of the record's, as the provider's minimum (learned from it at
  // run time) is above it; 0 when written as configured. Shown until a write at the record's TTL.
  std::uint32_t raised_ttl = 0;
};

struct RecordRuntime {
  config::RecordConfig config;
  core::RecordPolicy policy;
  core::RecordHistory history;
  core::Decision decision;
  bool verdicts_seen = false;  // nothing is written before every target has a verdict
  std::string last_change;     // "failover vendor-a -> vendor-b: why", for status
  core::WallTime last_change_at{};
  std::map<std::string, ProviderSync> sync;  // by provider name
};

class Reconciler {
 public:
  // How often a change still propagating is polled (each poll draws from the ceiling).
  static constexpr std::chrono::seconds kPropagationPoll{2};

  Reconciler(boost::asio::io_context& io, Log& log, const core::Clock& clock, core::Random& random,
             StateStore& store);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Takes a (new) configuration. Records keep their history across reloads; every provider is
  // read afresh. `persisted` seeds the history at start.
  void configure(const config::Config& config, ProviderMap providers,
                 const PersistedState* persisted);

  // New verdicts, overrides or guard state: decide every record and start what has to be done.
  void update(std::map<std::string, core::TargetState> targets, core::Controls controls);

  // Decides again with the last inputs and dispatches due work (timers call this).
  void step();

  // Asks every provider for a fresh read of every record, to find and repair drift.
  void resync();

  // Waits for the provider calls in flight (bounded by their timeouts); no callback after.
  void shutdown();

  // When each provider's temporary credentials expire, for those that tell.
  const std::map<std::string, core::WallTime>& credentialExpiries() const noexcept {
    return credentials_.expiries();
  }

  // Where decisions and provider calls are reported (metrics); none in tests that do not look.
  void setReport(ReconcileReport* report) { report_ = report; }
  // Where every provider write is recorded; none in tests that do not look at it.
  void setAudit(AuditLog* audit) { audit_ = audit; }
  // Fleet mode: every write is confirmed with the fleet first and decisions are shared through
  // it; none for a single planbd.
  void setFleet(FleetWriter* fleet) { fleet_ = fleet; }

  // Fleet mode: the leader's decisions (what each record serves, its automatic changes), taken
  // over by a follower to show them and by a new leader to go on from them. A decision for a
  // record this node does not have, or for a target that is not one of the record's, is ignored
  // with a warning: it came from etcd, not necessarily from a leader.
  void adoptFleetRecords(const std::map<std::string, PersistedRecord>& records);

  // Queues `job` on the provider's worker behind every record change (see SideJob). A provider
  // that is not configured drops it at once (done(false), posted).
  void runOnProvider(const std::string& provider, SideJob job);
  // Nothing queued for the provider's worker and nothing on it: every job's answer is handled.
  bool providerQuiet(const std::string& provider) const;

  const std::map<std::string, RecordRuntime>& records() const noexcept { return records_; }
  std::string statusLine() const;
  // Why state.json could not be written the last time, or empty; retried on every step().
  const std::string& persistError() const noexcept { return persist_error_; }

 private:
  struct LaneJob;
  void decideRecord(RecordRuntime& record);
  // Decides and dispatches one record after one of its provider calls ended: O(1), not a step()
  // over every record, which would make a start with thousands of records quadratic.
  void refresh(RecordRuntime& record);
  // Writes state.json if a decided change waits for it, or (LAZY_TOO) anything else does.
  void flushState(bool lazy_too);
  void dispatch(RecordRuntime& record);
  template <typename T>
  void countRequest(const std::string& provider, const providers::Result<T>& result,
                    std::chrono::steady_clock::duration took);
  template <typename T>
  void countBatch(const std::string& provider, const std::vector<providers::Result<T>>& results,
                  std::chrono::steady_clock::duration took);
  void publishSync(const RecordRuntime& record, const std::string& provider);
  void queueRead(RecordRuntime& record, const std::string& provider);
  void queueWrite(RecordRuntime& record, const std::string& provider, const std::string& target,
                  const core::PlannedWrite& write);
  // Queues the polls that are due.
  void pollPropagating();
  // Sends what a free provider's lane has queued, after the event loop's current handler: every
  // record a round decides is queued by then.
  void scheduleFlush(const std::string& provider);
  void flush(const std::string& provider);
  void flushSideJob(const std::string& provider);
  void dropSideJobs(ProviderLane& lane);
  void onLaneDone(const std::string& provider, LaneJob& job);
  // On the provider's worker: one replaceBatch for one zone's queued writes, their outcomes set.
  void writeBatch(providers::DnsProvider& provider, const std::string& name,
                  std::vector<QueuedWrite>& writes);
  void onPoll(const std::string& provider, const std::string& change,
              const providers::Result<providers::Propagation>& result);
  void publishPropagating(const std::string& provider);
  void auditWrite(const RecordRuntime& record, const std::string& provider,
                  const std::string& target, const WriteOutcome& outcome);
  void onRead(const std::string& record, const std::string& provider,
              providers::Result<providers::ServedRecord> result);
  void startVerify(const std::string& zone, const std::string& provider,
                   std::vector<VerifyItem> items, std::chrono::steady_clock::time_point started);
  void onVerified(const VerifyItem& item, const std::string& provider, const VerifyReport& report);
  // True when the write is applied and the verify servers should now answer it.
  bool onWrite(const std::string& record, const std::string& provider, const std::string& target,
               const WriteOutcome& outcome);
  void fail(ProviderSync& sync, const std::string& provider, const std::string& what,
            const providers::ProviderError& error);
  void loseSwap(ProviderSync& sync, const std::string& provider, const std::string& what,
                const WriteOutcome& outcome);
  void swapsAgreeAgain(ProviderSync& sync, const std::string& provider, const std::string& name);
  std::optional<std::string> targetForCname(const RecordRuntime& record,
                                            const std::string& cname) const;
  std::string cnameOf(const std::string& target) const;
  void persist();
  core::RecordHistory historyOf(const PersistedRecord& saved) const;

  boost::asio::io_context& io_;
  Log& log_;
  const core::Clock& clock_;
  core::Random& random_;
  StateStore& store_;
  Backoff backoff_;
  std::atomic<bool> stopping_{false};  // shutdown(): provider jobs not yet started are dropped
  boost::asio::thread_pool pool_{8};   // provider workers (strands) and verifications

  config::Config config_;
  ProviderMap providers_;
  std::map<std::string, boost::asio::strand<boost::asio::thread_pool::executor_type>> workers_;
  std::map<std::string, ProviderLane> lanes_;  // by provider
  std::map<std::string, RecordRuntime> records_;
  std::map<std::string, core::TargetState> targets_;
  core::Controls controls_;
  bool persist_failed_ = false;
  std::string persist_error_;
  bool persist_now_ = false;    // a decided change: on disk before any provider is written
  bool persist_later_ = false;  // adoption, what was applied: on disk with the next step()
  CredentialWatch credentials_;
  ReconcileReport* report_ = nullptr;
  AuditLog* audit_ = nullptr;
  FleetWriter* fleet_ = nullptr;
};

}  // namespace planb::daemon
