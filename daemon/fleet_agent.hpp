#pragma once
// Fleet mode (product.md §9): this node's link to the fleet through etcd. On its own thread it
// keeps a lease, publishes this node's view under it, campaigns for the leader key when nobody
// holds it, and reads the fleet (views, leader, overrides, the leader's record decisions) every
// poll, handing each snapshot to the daemon. etcd is read on this thread only: the daemon's event
// loop serves from the snapshots, and its operator actions run here as jobs (submit). Leadership
// lasts only while the lease does, as this node can know it: a keepalive that cannot be sent in
// time, a lease etcd no longer has, or a leader key that is no longer this node's makes it step
// down at once.
//
// Every DNS write of the leader is fenced: confirmLeadership() asks etcd, in a transaction, that
// the leader key is still the one this node created; a paused or partitioned old leader is
// refused there. A pause between that answer and the provider's receipt of the write cannot be
// fenced by any lock service; the local lease deadline narrows it to far below lease_ttl.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/etcd_client.hpp"
#include "core/fleet_board.hpp"
#include "log.hpp"
#include "state_store.hpp"

namespace planb::daemon {

struct FleetSettings {
  cluster::EtcdOptions etcd;
  std::string node;
  std::chrono::seconds lease_ttl{5};
  std::string prefix = "/planb/";
  std::chrono::milliseconds poll{200};
  std::size_t audit_keep = 10'000;  // the fleet's audit in etcd keeps this many newest entries
  std::size_t audit_read = 1'000;   // each snapshot carries at most this many newest entries
  std::chrono::seconds audit_prune_every{60};
};

// What the fleet looks like, as read in one consistent etcd transaction.
struct FleetSnapshot {
  bool etcd_up = false;
  std::string etcd_error;  // why etcd is not reachable; never holds a credential
  std::optional<std::string> leader;
  bool leading = false;
  bool elected = false;  // this snapshot is the one in which this node became leader
  std::uint64_t leader_changes = 0;
  std::vector<core::NodeView> views;                     // every published view, by node name
  std::vector<std::string> unreadable_views;             // nodes whose view did not parse
  std::optional<std::vector<core::Override>> overrides;  // nullopt: etcd has none yet
  std::int64_t overrides_revision = 0;                   // mod_revision; 0: absent
  std::optional<std::map<std::string, PersistedRecord>> records;  // the leader's decisions
  std::int64_t records_revision = 0;                              // mod_revision; 0: absent
  // The fleet's newest audit lines (JSON), oldest first, at most audit_read; read again only
  // when a newer one appears. Null until read.
  std::shared_ptr<const std::vector<std::string>> audit;
};

// What the reconciler needs of the fleet: writes confirmed by etcd, decisions shared.
class FleetWriter {
 public:
  virtual ~FleetWriter() = default;
  virtual bool leading() const = 0;  // as far as this node knows without asking etcd
  // Empty when this node still leads, as confirmed by etcd now; else why not. Blocking; any thread.
  virtual std::optional<std::string> confirmLeadership() = 0;
  // Stores the record decisions for the next leader, fenced like a DNS write. Blocking.
  virtual std::optional<std::string> saveRecords(
      const std::map<std::string, PersistedRecord>& records) = 0;
};

// What the fleet's Authority needs of its link to etcd (FleetAgent; a fake in tests).
class FleetLink : public FleetWriter {
 public:
  using Listener = std::function<void(FleetSnapshot)>;  // called on the link's thread

  virtual void start() = 0;
  // Ends the link's thread and revokes the lease, so another node leads at once.
  virtual void stop() = 0;
  virtual const std::string& node() const noexcept = 0;
  // Any thread: sent with the next poll and refreshed with every keepalive.
  virtual void publishView(const core::NodeView& view) = 0;
  // Any thread: one audit line (JSON), queued until etcd takes it.
  virtual void publishAudit(std::string line) = 0;
  // Any thread: runs JOB on the link's thread, between polls; the blocking calls below are for
  // jobs. Jobs still queued at stop() do not run.
  virtual void submit(std::function<void()> job) = 0;

  // The fleet's overrides now, and their revision; blocking. Throws cluster::EtcdError.
  virtual std::pair<std::vector<core::Override>, std::int64_t> readOverrides() = 0;
  // Replaces the fleet's overrides if nobody changed them since *REVISION (0: none were
  // stored), and sets *REVISION to theirs. Returns the error; *conflict tells a lost race (read
  // again and retry) from etcd trouble.
  virtual std::optional<std::string> saveOverrides(const std::vector<core::Override>& overrides,
                                                   std::int64_t* revision, bool* conflict) = 0;
};

class FleetAgent final : public FleetLink {
 public:
  FleetAgent(FleetSettings settings, Log& log, Listener listener);
  ~FleetAgent() override;  // stop()
  FleetAgent(const FleetAgent&) = delete;
  FleetAgent& operator=(const FleetAgent&) = delete;

  void start() override;
  void stop() override;

  void publishView(const core::NodeView& view) override;
  void publishAudit(std::string line) override;
  void submit(std::function<void()> job) override;

  bool leading() const override;
  const std::string& node() const noexcept override { return settings_.node; }

  std::optional<std::string> confirmLeadership() override;
  std::optional<std::string> saveRecords(
      const std::map<std::string, PersistedRecord>& records) override;

  std::pair<std::vector<core::Override>, std::int64_t> readOverrides() override;
  std::optional<std::string> saveOverrides(const std::vector<core::Override>& overrides,
                                           std::int64_t* revision, bool* conflict) override;
  // The fleet's audit lines, oldest first, at most LIMIT of the newest. Throws cluster::EtcdError.
  std::vector<std::string> readAudit(std::size_t limit);

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  void pollOnce(FleetSnapshot& snapshot);
  void keepLease();
  void campaign(FleetSnapshot& snapshot);
  void stepDown(const std::string& why);
  void flushAudit();
  void pruneAudit();
  // The newest audit lines, when one was written since the last read (WRITTEN: the audit's
  // newest mod_revision, read in the poll's transaction).
  void readNewAudit(std::int64_t written, FleetSnapshot& snapshot);
  void runJobs();
  // Leaves a view out of the fleet: warns once per key, until that key holds a valid view again.
  void ignoreView(const std::string& etcd_key, const std::string& why);
  bool leaseValid(Clock::time_point now) const;

  std::string key(const std::string& suffix) const { return settings_.prefix + suffix; }

  FleetSettings settings_;
  Log& log_;
  Listener listener_;
  std::unique_ptr<cluster::EtcdClient> loop_;  // the agent thread's calls
  std::unique_ptr<cluster::EtcdClient> side_;  // fences, saves and reads of other threads

  // The agent thread's own state.
  std::int64_t lease_ = 0;
  Clock::time_point next_keepalive_{};
  std::optional<std::string> last_leader_;
  std::uint64_t leader_changes_ = 0;
  // Failed polls in a row; "etcd unreachable" is logged at the second.
  static constexpr int kPollsBeforeUnreachable = 2;
  int failed_polls_ = 0;
  std::string published_view_;  // as last put
  Clock::time_point next_prune_{};
  bool duplicate_reported_ = false;      // another node uses this node's name (said once)
  std::set<std::string> ignored_views_;  // keys under nodes/ whose view is not counted (said once)
  std::int64_t audit_written_ = 0;       // the audit's newest mod_revision at the last read
  std::shared_ptr<const std::vector<std::string>> audit_read_;

  // Shared with other threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string view_;  // the newest view, JSON
  bool view_dirty_ = false;
  bool audit_dirty_ = false;  // set by publishAudit, so a line reaches etcd with the next request
  std::deque<std::string> audit_;
  std::deque<std::function<void()>> jobs_;
  std::uint64_t audit_seq_ = 0;
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> leader_revision_{0};
  std::atomic<Clock::rep> lease_deadline_{
      0};  // steady clock ticks: the lease is surely alive before
  std::thread thread_;
};

// A view as published in etcd, and back (throws std::exception on a malformed one).
std::string encodeView(const core::NodeView& view);
core::NodeView decodeView(const std::string& json);

}  // namespace planb::daemon
