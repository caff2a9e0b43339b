#include "reconciler.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/duration.hpp"
#include "fleet_agent.hpp"

namespace planb::daemon {

namespace asio = boost::asio;
using providers::ProviderError;
using providers::ServedRecord;
using namespace std::chrono_literals;

namespace {

// A write not visible on every verify server by then is reported; the resync repairs the rest.
constexpr auto kVerifyDeadline = 10s;

std::string describe(const ServedRecord& served) {
  switch (served.kind) {
    case ServedRecord::Kind::Absent:
      return "nothing";
    case ServedRecord::Kind::Cname:
      return served.target;
    case ServedRecord::Kind::Conflict:
      return "a " + served.conflict_type + " record";
  }
  return "?";
}

bool servesCname(const ServedRecord& served, const std::string& cname) {
  return served.kind == ServedRecord::Kind::Cname && served.target == cname;
}

// What the plan knows of one provider's copy: a read it waits for counts as not known.
core::ServedState servedState(const ProviderSync& sync) {
  if (!sync.served || sync.read_requested) {
    return {};
  }
  const ServedRecord& served = *sync.served;
  switch (served.kind) {
    case ServedRecord::Kind::Absent:
      return {core::ServedState::Kind::Absent, {}, 0, {}};
    case ServedRecord::Kind::Cname:
      return {core::ServedState::Kind::Cname, served.target, served.ttl, {}};
    case ServedRecord::Kind::Conflict:
      return {core::ServedState::Kind::OtherType, {}, 0, served.conflict_type};
  }
  return {};
}

std::string millis(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

// One job on a provider's worker: what its lane had queued, and, once done, what came of it.
struct Reconciler::LaneJob {
  std::map<std::string, std::vector<std::string>> reads;  // by zone
  std::map<std::string, std::vector<providers::Result<ServedRecord>>> read_results;
  std::map<std::string, std::vector<QueuedWrite>> writes;  // by zone; outcomes filled in
  std::vector<std::string> polls;
  std::vector<providers::Result<providers::Propagation>> poll_results;
};

Reconciler::Reconciler(asio::io_context& io, Log& log, const core::Clock& clock,
                       core::Random& random, StateStore& store)
    : io_(io), log_(log), clock_(clock), random_(random), store_(store), credentials_(log, clock) {}

Reconciler::~Reconciler() {
  shutdown();
}

void Reconciler::shutdown() {
  // Jobs not yet started are dropped: a queue of reads of an unreachable server must not hold a
  // stop past systemd's timeout. A call in flight ends within its own timeout.
  stopping_ = true;
  pool_.join();
  for (auto& [provider, lane] : lanes_) {
    dropSideJobs(lane);
  }
  flushState(true);
}

void Reconciler::refresh(RecordRuntime& record) {
  decideRecord(record);
  flushState(false);
  dispatch(record);
}

void Reconciler::flushState(bool lazy_too) {
  // After a failed write (a full disk) every step retries, so state.json catches up as soon as
  // there is room, not only with the next change.
  if (persist_now_ || persist_failed_ || (lazy_too && persist_later_)) {
    persist();
    persist_now_ = persist_later_ = false;
  }
}

void Reconciler::configure(const config::Config& config, ProviderMap providers,
                           const PersistedState* persisted) {
  config_ = config;
  providers_ = std::move(providers);
  // A provider that stays keeps its lane and worker: the job in flight finishes, and what it
  // learnt (what the provider serves, what it accepted) still counts, so a storm of reloads can
  // not starve a slow provider (Route 53 at 5 requests/s) of every result. What was queued but
  // not sent is planned again under the new configuration; the next job uses the new provider.
  for (auto& [name, lane] : lanes_) {
    if (!providers_.contains(name)) {
      dropSideJobs(lane);
    }
  }
  std::erase_if(lanes_, [&](const auto& lane) { return !providers_.contains(lane.first); });
  std::erase_if(workers_, [&](const auto& w) { return !providers_.contains(w.first); });
  for (const auto& [name, provider] : providers_) {
    workers_.try_emplace(name, asio::make_strand(pool_));
    ProviderLane& lane = lanes_[name];
    lane.reads.clear();
    lane.writes.clear();
    lane.polls.clear();
    for (auto& [change, pending] : lane.propagating) {
      pending.polling = false;
    }
  }

  std::map<std::string, RecordRuntime> next;
  for (const config::RecordConfig& rc : config_.records) {
    RecordRuntime& r = next[rc.name];
    r.config = rc;
    r.policy = {rc.name, rc.targets, rc.failover_on, rc.failback, rc.failback_after};
    const config::ZoneConfig* zone = config_.zone(rc.zone);
    // Only the providers of the record's zone now: one a reload took away (from the zone or the
    // configuration) has no lane left to queue work on.
    auto in_zone = [&](const std::string& provider) {
      return std::find(zone->providers.begin(), zone->providers.end(), provider) !=
             zone->providers.end();
    };
    auto old = records_.find(rc.name);
    if (old != records_.end()) {
      r.history = old->second.history;
      r.verdicts_seen = old->second.verdicts_seen;
      for (const auto& [provider, sync] : old->second.sync) {
        if (!in_zone(provider)) {
          continue;
        }
        r.sync[provider].applied = sync.applied;
        r.sync[provider].propagating_change = sync.propagating_change;
        r.sync[provider].propagating_since = sync.propagating_since;
      }
    } else if (persisted) {
      auto p = persisted->records.find(rc.name);
      if (p != persisted->records.end()) {
        r.history = historyOf(p->second);
        for (const auto& [provider, target] : p->second.applied) {
          if (in_zone(provider)) {
            r.sync[provider].applied = target;
          }
        }
      }
    }
    if (r.history.active &&
        std::find(rc.targets.begin(), rc.targets.end(), *r.history.active) == rc.targets.end()) {
      log_.warn("record " + rc.name + ": the saved target " + *r.history.active +
                " is no longer one of its targets");
    }
    for (const std::string& provider : zone->providers) {
      r.sync[provider];  // every provider starts unknown: it is read first
    }
  }
  records_ = std::move(next);
  step();
}

core::RecordHistory Reconciler::historyOf(const PersistedRecord& saved) const {
  core::RecordHistory history;
  history.active = saved.target;
  // Wall times become monotonic instants: "how long ago" is what the rules need.
  core::Instant now = clock_.now();
  core::WallTime wall_now = clock_.wallNow();
  for (core::WallTime t : saved.automatic_changes) {
    // A change stamped in the future means the wall clock went back since: it counts as just
    // made, so neither hold-down nor the flip budget is bypassed by a clock step and a restart.
    t = std::min(t, wall_now);
    history.automatic_changes.push_back(
        now - std::chrono::duration_cast<core::Instant::duration>(wall_now - t));
  }
  return history;
}

void Reconciler::adoptFleetRecords(const std::map<std::string, PersistedRecord>& records) {
  // The decisions come from etcd, where anyone with write access under the prefix can put
  // them: only a choice among the record's configured targets is taken, never written otherwise.
  for (const auto& entry : records) {
    if (!records_.contains(entry.first)) {
      log_.warn("record " + entry.first +
                ": ignoring the fleet's decision for it: it is not in this node's configuration");
    }
  }
  for (auto& [name, record] : records_) {
    auto it = records.find(name);
    if (it == records.end() || !it->second.target) {
      continue;
    }
    const std::vector<std::string>& allowed = record.config.targets;
    if (std::find(allowed.begin(), allowed.end(), *it->second.target) == allowed.end()) {
      log_.warn("record " + name + ": ignoring the fleet's decision to serve " +
                *it->second.target + ": it is not one of the record's targets");
      continue;
    }
    if (record.history.active != it->second.target) {
      log_.info("record " + name + ": the fleet's leader serves " + *it->second.target);
      record.last_change =
          "decided by the fleet's leader: " + record.history.active.value_or("(none)") + " -> " +
          *it->second.target;
      record.last_change_at = clock_.wallNow();
    }
    record.history = historyOf(it->second);
  }
}

void Reconciler::update(std::map<std::string, core::TargetState> targets, core::Controls controls) {
  targets_ = std::move(targets);
  for (const std::string& t : controls.drained) {
    if (auto it = targets_.find(t); it != targets_.end()) {
      it->second.drained = true;
    }
  }
  controls_ = std::move(controls);
  step();
}

void Reconciler::resync() {
  for (auto& [name, record] : records_) {
    for (auto& [provider, sync] : record.sync) {
      sync.read_requested = true;
    }
  }
  step();
}

void Reconciler::step() {
  for (auto& [name, record] : records_) {
    decideRecord(record);
  }
  flushState(true);  // every decided change is on disk before any provider is written
  for (auto& [name, record] : records_) {
    dispatch(record);
  }
  pollPropagating();
  credentials_.check(providers_, report_);
}

std::string Reconciler::cnameOf(const std::string& target) const {
  const config::TargetConfig* t = config_.target(target);
  return t ? t->cname : std::string();
}

std::optional<std::string> Reconciler::targetForCname(const RecordRuntime& record,
                                                      const std::string& cname) const {
  for (const std::string& t : record.config.targets) {
    if (cnameOf(t) == cname) {
      return t;
    }
  }
  return std::nullopt;
}

void Reconciler::decideRecord(RecordRuntime& record) {
  bool served_known = std::any_of(record.sync.begin(), record.sync.end(), [](const auto& entry) {
    return entry.second.served.has_value();
  });
  if (!record.history.active && !served_known) {
    // Without saved state, what DNS serves decides where the record starts: read it first.
    record.decision = {};
    record.decision.rule = core::Rule::Unknown;
    record.decision.reason = "reading what the providers serve";
    return;
  }
  core::Decision d =
      core::decide(record.policy, targets_, record.history, controls_,
                   {config_.guard.hold_down, config_.guard.max_flips_per_hour}, clock_.now());
  if (d.rule != core::Rule::Unknown && !record.verdicts_seen) {
    record.verdicts_seen = true;
    log_.info("record " + record.config.name + ": every target has a verdict; serving " +
              record.history.active.value_or("nothing yet") + " (" + d.reason + ")");
  }
  if (d.change && !controls_.writer) {
    // A follower: the fleet's leader decides and writes; this node shows its decisions.
    d.change = false;
    d.serve = record.history.active;
  }
  bool rule_changed = d.rule != record.decision.rule;
  if (d.change && report_ && record.history.active && d.rule != core::Rule::Pinned) {
    report_->failover(record.config.name, *record.history.active, *d.serve);
  }
  if (d.change) {
    log_.info("record " + record.config.name + ": " + std::string(core::nameOf(d.rule)) + " " +
              record.history.active.value_or("(none)") + " -> " + *d.serve + ": " + d.reason);
    record.last_change = std::string(core::nameOf(d.rule)) + " " +
                         record.history.active.value_or("(none)") + " -> " + *d.serve + ": " +
                         d.reason;
    record.last_change_at = clock_.wallNow();
    record.history.active = d.serve;
    if (d.rule != core::Rule::Pinned) {
      record.history.noteAutomaticChange(clock_.now());
    }
    persist_now_ = true;
  } else if (rule_changed && d.desired != d.serve) {
    // A safety rule holds a change back: say so once, not on every tick.
    log_.warn("record " + record.config.name + ": " + std::string(core::nameOf(d.rule)) +
              " holds it on " + d.serve.value_or("(none)") + ": " + d.reason);
  } else if (rule_changed && d.degraded) {
    log_.warn("record " + record.config.name + ": degraded, " + d.reason);
  }
  if (report_) {
    report_->recordRule(record.config.name, d.rule);
    report_->recordDegraded(record.config.name, d.degraded);
    report_->recordTarget(record.config.name, record.history.active);
    for (const auto& [provider, sync] : record.sync) {
      publishSync(record, provider);
    }
  }
  record.decision = std::move(d);
}

void Reconciler::dispatch(RecordRuntime& record) {
  core::Instant now = clock_.now();
  // Providers with a call in flight or a retry pending wait: they are left out of the plan.
  core::ServedByProvider served;
  for (const auto& [provider, sync] : record.sync) {
    if (!sync.busy && now >= sync.retry_at) {
      served[provider][record.config.name] = servedState(sync);
    }
  }
  if (served.empty()) {
    return;
  }
  // Nothing is written before verdicts exist, nor by a follower of the fleet.
  bool may_write = record.verdicts_seen && record.history.active && controls_.writer;
  core::DesiredRecord desired{record.config.name, record.config.zone,
                              may_write ? cnameOf(*record.history.active) : std::string(),
                              record.config.ttl};
  core::WritePlan plan = core::planWrites({desired}, served);
  for (const core::ProviderRecord& read : plan.reads) {
    queueRead(record, read.provider);
  }
  for (const core::BlockedRecord& blocked : plan.blocked) {
    ProviderSync& sync = record.sync.at(blocked.provider);
    if (!sync.conflict_reported) {
      sync.conflict_reported = true;
      sync.last_error = record.config.name + " holds " + describe(*sync.served) +
                        ": planb does not overwrite records it does not own";
      log_.error("provider " + blocked.provider + ": conflict: " + sync.last_error);
    }
  }
  for (const core::ProviderRecord& in_sync : plan.in_sync) {
    record.sync.at(in_sync.provider).conflict_reported = false;
    swapsAgreeAgain(record.sync.at(in_sync.provider), in_sync.provider, record.config.name);
  }
  for (const auto& [where, writes] : plan.writes) {
    for (const core::PlannedWrite& write : writes) {
      record.sync.at(where.provider).conflict_reported = false;
      queueWrite(record, where.provider, *record.history.active, write);
    }
  }
}

template <typename T>
void Reconciler::countRequest(const std::string& provider, const providers::Result<T>& result,
                              std::chrono::steady_clock::duration took) {
  if (!report_) {
    return;
  }
  const auto* error = std::get_if<ProviderError>(&result);
  report_->providerRequest(provider, error ? providers::nameOf(error->kind) : "success", took);
  if (!error) {
    report_->reconcileSuccess(provider);
  }
}

template <typename T>
void Reconciler::countBatch(const std::string& provider,
                            const std::vector<providers::Result<T>>& results,
                            std::chrono::steady_clock::duration took) {
  if (!report_) {
    return;
  }
  // One batch is one call: it counts as the first error among its records, else a success.
  for (const providers::Result<T>& result : results) {
    if (std::holds_alternative<ProviderError>(result)) {
      countRequest(provider, result, took);
      return;
    }
  }
  report_->providerRequest(provider, "success", took);
  report_->reconcileSuccess(provider);
}

void Reconciler::publishSync(const RecordRuntime& record, const std::string& provider) {
  if (!report_) {
    return;
  }
  const ProviderSync& sync = record.sync.at(provider);
  std::string want = record.history.active ? cnameOf(*record.history.active) : std::string();
  report_->recordInSync(record.config.name, provider,
                        sync.served && servesCname(*sync.served, want));
}

void Reconciler::queueRead(RecordRuntime& record, const std::string& provider) {
  ProviderSync& sync = record.sync[provider];
  sync.busy = true;
  sync.read_requested = false;
  lanes_.at(provider).reads[record.config.zone].push_back(record.config.name);
  scheduleFlush(provider);
}

void Reconciler::onRead(const std::string& name, const std::string& provider,
                        providers::Result<providers::ServedRecord> result) {
  auto rit = records_.find(name);
  if (rit == records_.end()) {
    return;
  }
  RecordRuntime& record = rit->second;
  auto sit = record.sync.find(provider);
  if (sit == record.sync.end()) {
    return;  // the record's zone no longer has this provider
  }
  ProviderSync& sync = sit->second;
  sync.busy = false;
  if (auto* error = std::get_if<ProviderError>(&result)) {
    fail(sync, provider, "read " + name, *error);
    refresh(record);
    return;
  }
  ServedRecord served = std::get<ServedRecord>(std::move(result));
  sync.failures = 0;
  if (sync.lost_swaps < 2) {
    sync.last_error.clear();  // a read and write that disagree stay reported until a write lands
  }
  if (!record.history.active && served.kind == ServedRecord::Kind::Cname) {
    if (auto t = targetForCname(record, served.target)) {
      // First start without saved state: adopt what DNS serves, so starting changes nothing.
      record.history.active = t;
      log_.info("record " + name + ": provider " + provider + " serves " + served.target +
                " (target " + *t + "); adopting it");
      persist_later_ = true;  // relearnt from DNS if lost: no fsync per record
    }
  }
  std::string want = record.history.active ? cnameOf(*record.history.active) : std::string();
  bool was_in_sync = sync.served && servesCname(*sync.served, want);
  if (record.verdicts_seen && was_in_sync && !servesCname(served, want)) {
    log_.warn("provider " + provider + ": drift: " + name + " serves " + describe(served) +
              " instead of " + cnameOf(*record.history.active) + " (target " +
              *record.history.active + "); repairing");
  }
  sync.served = std::move(served);
  refresh(record);
}

void Reconciler::queueWrite(RecordRuntime& record, const std::string& provider,
                            const std::string& target, const core::PlannedWrite& write) {
  ProviderSync& sync = record.sync[provider];
  sync.busy = true;
  QueuedWrite queued;
  queued.record = record.config.name;
  queued.target = target;
  queued.request.record = {record.config.zone, write.record};
  queued.request.new_target = write.new_cname;
  queued.request.ttl = write.ttl;
  queued.request.expected_target = write.expected_cname;
  queued.outcome.from = sync.served ? describe(*sync.served) : "unknown";
  // A target already verified there means DNS drifted (a hand edit, a provider restored).
  queued.outcome.reason = sync.applied == target
                              ? "repairing drift: " + queued.outcome.from + " was served"
                              : record.decision.reason;
  log_.info("provider " + provider + ": writing " + record.config.name + " CNAME " +
            write.new_cname + " (was " + queued.outcome.from + ")");
  lanes_.at(provider).writes[record.config.zone].push_back(std::move(queued));
  scheduleFlush(provider);
}

void Reconciler::scheduleFlush(const std::string& provider) {
  ProviderLane& lane = lanes_.at(provider);
  if (lane.busy || lane.flush_posted || (lane.idle() && lane.side_jobs.empty())) {
    return;  // a busy lane flushes when its job is done
  }
  lane.flush_posted = true;
  asio::post(io_, [this, provider] {
    if (auto lane = lanes_.find(provider); lane != lanes_.end()) {
      lane->second.flush_posted = false;
      flush(provider);
    }
  });
}

void Reconciler::runOnProvider(const std::string& provider, SideJob job) {
  auto lane = lanes_.find(provider);
  if (lane == lanes_.end() || stopping_) {
    asio::post(io_, [done = std::move(job.done)] { done(false); });
    return;
  }
  lane->second.side_jobs.push_back(std::move(job));
  scheduleFlush(provider);
}

bool Reconciler::providerQuiet(const std::string& provider) const {
  auto lane = lanes_.find(provider);
  return lane == lanes_.end() || (!lane->second.busy && !lane->second.flush_posted &&
                                  lane->second.idle() && lane->second.side_jobs.empty());
}

void Reconciler::dropSideJobs(ProviderLane& lane) {
  for (SideJob& job : std::exchange(lane.side_jobs, {})) {
    asio::post(io_, [done = std::move(job.done)] { done(false); });
  }
}

void Reconciler::flushSideJob(const std::string& provider) {
  ProviderLane& lane = lanes_.at(provider);
  lane.busy = true;
  auto job = std::make_shared<SideJob>(std::move(lane.side_jobs.front()));
  lane.side_jobs.pop_front();
  auto p = providers_.at(provider);
  asio::post(workers_.at(provider), [this, p, provider, job] {
    if (stopping_) {
      return;  // shutdown() does not wait for the loop: the job's done is never called
    }
    job->work(*p);
    asio::post(io_, [this, provider, job] {
      if (auto lane = lanes_.find(provider); lane != lanes_.end()) {
        lane->second.busy = false;
        scheduleFlush(provider);
      }
      job->done(true);
    });
  });
}

void Reconciler::flush(const std::string& provider) {
  ProviderLane& lane = lanes_.at(provider);
  if (lane.busy) {
    return;
  }
  if (lane.idle()) {
    if (!lane.side_jobs.empty()) {
      flushSideJob(provider);
    }
    return;
  }
  lane.busy = true;
  auto job = std::make_shared<LaneJob>();
  job->reads = std::exchange(lane.reads, {});
  job->writes = std::exchange(lane.writes, {});
  job->polls = std::exchange(lane.polls, {});
  auto p = providers_.at(provider);
  asio::post(workers_.at(provider), [this, p, provider, job] {
    if (stopping_) {
      return;
    }
    for (const auto& [zone, names] : job->reads) {
      auto started = std::chrono::steady_clock::now();
      auto results = p->readBatch(zone, names);
      countBatch(provider, results, std::chrono::steady_clock::now() - started);
      job->read_results[zone] = std::move(results);
    }
    for (auto& [zone, writes] : job->writes) {
      writeBatch(*p, provider, writes);
    }
    for (const std::string& change : job->polls) {
      auto started = std::chrono::steady_clock::now();
      auto result = p->pollChange(change);
      countRequest(provider, result, std::chrono::steady_clock::now() - started);
      job->poll_results.push_back(std::move(result));
    }
    asio::post(io_, [this, provider, job] { onLaneDone(provider, *job); });
  });
}

void Reconciler::writeBatch(providers::DnsProvider& provider, const std::string& name,
                            std::vector<QueuedWrite>& writes) {
  auto started = std::chrono::steady_clock::now();
  for (QueuedWrite& w : writes) {
    w.outcome.started = started;
  }
  // The fence: asked right before the write, so a leader paused or cut off since it decided
  // never writes after another node took over.
  if (auto refused = fleet_ ? fleet_->confirmLeadership() : std::nullopt) {
    for (QueuedWrite& w : writes) {
      w.outcome.fenced = true;
      w.outcome.error = ProviderError{providers::ErrorKind::Refused, "fenced: " + *refused, {}};
    }
    return;
  }
  std::vector<providers::ReplaceRequest> requests;
  requests.reserve(writes.size());
  for (const QueuedWrite& w : writes) {
    requests.push_back(w.request);
  }
  auto results = provider.replaceBatch(requests);
  auto took = std::chrono::steady_clock::now() - started;
  countBatch(name, results, took);
  for (std::size_t i = 0; i < writes.size(); ++i) {
    WriteOutcome& outcome = writes[i].outcome;
    outcome.write_time = took;
    if (i >= results.size()) {
      // A provider must answer every change; one that does not is a bug, not a success.
      outcome.error =
          ProviderError{providers::ErrorKind::Permanent, "no result for this change", {}};
    } else if (auto* error = std::get_if<ProviderError>(&results[i])) {
      outcome.error = std::move(*error);
    } else {
      outcome.written = std::get<providers::Written>(std::move(results[i]));
    }
  }
}

void Reconciler::onLaneDone(const std::string& provider, LaneJob& job) {
  auto lane = lanes_.find(provider);
  if (lane == lanes_.end()) {
    return;  // the provider is gone from the configuration
  }
  lane->second.busy = false;
  for (auto& [zone, names] : job.reads) {
    auto& results = job.read_results[zone];
    for (std::size_t i = 0; i < names.size(); ++i) {
      onRead(names[i], provider,
             i < results.size()
                 ? std::move(results[i])
                 : providers::Result<ServedRecord>(ProviderError{
                       providers::ErrorKind::Permanent, "no result for this read", {}}));
    }
  }
  for (auto& [zone, writes] : job.writes) {
    std::vector<VerifyItem> verify;
    for (const QueuedWrite& w : writes) {
      if (onWrite(w.record, provider, w.target, w.outcome)) {
        verify.push_back({w.record, w.request.new_target});
      }
    }
    if (!writes.empty()) {
      startVerify(zone, provider, std::move(verify), writes.front().outcome.started);
    }
  }
  for (std::size_t i = 0; i < job.polls.size() && i < job.poll_results.size(); ++i) {
    onPoll(provider, job.polls[i], job.poll_results[i]);
  }
  scheduleFlush(provider);
}

void Reconciler::pollPropagating() {
  core::Instant now = clock_.now();
  for (auto& [provider, lane] : lanes_) {
    bool queued = false;
    for (auto& [change, pending] : lane.propagating) {
      if (!pending.polling && now >= pending.next_poll) {
        pending.polling = true;
        lane.polls.push_back(change);
        queued = true;
      }
    }
    if (queued) {
      scheduleFlush(provider);
    }
  }
}

void Reconciler::onPoll(const std::string& provider, const std::string& change,
                        const providers::Result<providers::Propagation>& result) {
  ProviderLane& lane = lanes_.at(provider);
  auto it = lane.propagating.find(change);
  if (it == lane.propagating.end()) {
    return;
  }
  PropagatingChange& pending = it->second;
  pending.polling = false;
  pending.next_poll = clock_.now() + kPropagationPoll;
  if (auto* error = std::get_if<ProviderError>(&result)) {
    // The change itself was accepted: a failed poll is asked again, it never rewrites anything.
    log_.warn("provider " + provider + ": could not poll change " + change + ": " +
              std::string(providers::nameOf(error->kind)) + ": " + error->message +
              "; polling again in " + core::formatDuration(kPropagationPoll));
    return;
  }
  if (std::get<providers::Propagation>(result) == providers::Propagation::Pending) {
    return;
  }
  auto took = std::chrono::steady_clock::now() - pending.written;
  std::size_t applied = 0;
  std::map<std::string, std::vector<VerifyItem>> verify;  // by zone
  for (const std::string& name : pending.records) {
    auto rit = records_.find(name);
    if (rit == records_.end()) {
      continue;
    }
    auto sit = rit->second.sync.find(provider);
    if (sit == rit->second.sync.end()) {
      continue;
    }
    ProviderSync& sync = sit->second;
    if (sync.propagating_change != change) {
      continue;  // written again since: the newer change is tracked
    }
    sync.propagating_change.clear();
    ++applied;
    if (sync.applied) {
      verify[rit->second.config.zone].push_back({name, cnameOf(*sync.applied)});
    }
  }
  for (auto& [zone, items] : verify) {
    startVerify(zone, provider, std::move(items), pending.written);
  }
  log_.info("provider " + provider + ": change " + change + " applied everywhere after " +
            millis(took) + " (" + std::to_string(applied) + " records)");
  if (report_) {
    report_->changeApplied(provider, took);
  }
  lane.propagating.erase(it);
  publishPropagating(provider);
}

void Reconciler::publishPropagating(const std::string& provider) {
  if (!report_) {
    return;
  }
  std::size_t count = 0;
  for (const auto& [change, pending] : lanes_.at(provider).propagating) {
    for (const std::string& name : pending.records) {
      auto rit = records_.find(name);
      if (rit == records_.end()) {
        continue;
      }
      auto sit = rit->second.sync.find(provider);
      if (sit != rit->second.sync.end() && sit->second.propagating_change == change) {
        ++count;
      }
    }
  }
  report_->recordsPropagating(provider, count);
}

bool Reconciler::onWrite(const std::string& name, const std::string& provider,
                         const std::string& target, const WriteOutcome& outcome) {
  auto rit = records_.find(name);
  if (rit == records_.end()) {
    return false;
  }
  RecordRuntime& record = rit->second;
  auto sit = record.sync.find(provider);
  if (sit == record.sync.end()) {
    return false;  // the record's zone no longer has this provider
  }
  ProviderSync& sync = sit->second;
  sync.busy = false;
  auditWrite(record, provider, target, outcome);
  if (outcome.fenced) {
    log_.warn("cluster: fenced: " + name + " on " + provider +
              ": not written: " + outcome.error->message);
    fail(sync, provider, "write " + name + " CNAME " + cnameOf(target), *outcome.error);
    refresh(record);
    return false;
  }
  if (outcome.error) {
    // The served value is no longer known for sure (compare-and-swap lost, timeout): re-read.
    sync.served.reset();
    std::string what = "write " + name + " CNAME " + cnameOf(target);
    if (outcome.error->kind == providers::ErrorKind::Conflict) {
      loseSwap(sync, provider, what, outcome);
    } else {
      fail(sync, provider, what, *outcome.error);
    }
    refresh(record);
    return false;
  }
  const std::uint32_t raised = outcome.written.raised_ttl;
  sync.served = ServedRecord{
      ServedRecord::Kind::Cname, cnameOf(target), raised != 0 ? raised : record.config.ttl, {}};
  if (raised != 0 && raised != sync.raised_ttl) {
    log_.warn("provider " + provider + ": " + name + " written with TTL " + std::to_string(raised) +
              ", not " + std::to_string(record.config.ttl) + ": the provider accepts no lower TTL" +
              " in zone " + record.config.zone + "; set the record's ttl to at least " +
              std::to_string(raised) + " to say so in the config");
  }
  sync.raised_ttl = raised;
  sync.applied = target;
  sync.failures = 0;
  sync.last_error.clear();
  swapsAgreeAgain(sync, provider, name);
  persist_later_ = true;
  const std::string& change = outcome.written.propagating_change;
  bool verify = false;
  if (change.empty()) {
    sync.propagating_change.clear();
    log_.info("provider " + provider + ": " + name + " now CNAME " + cnameOf(target) + " (target " +
              target + "), written in " + millis(outcome.write_time) +
              (outcome.written.proxied ? "; proxied: its servers answer with the proxy's "
                                         "addresses, so DNS cannot verify it"
                                       : ""));
    // A proxied record's DNS answer never shows the CNAME: waiting for it would only warn.
    verify = !outcome.written.proxied;
  } else {
    // Accepted, applied everywhere later: tracked and polled, while later writes go on.
    sync.propagating_change = change;
    sync.propagating_since = clock_.wallNow();
    log_.info("provider " + provider + ": " + name + " now CNAME " + cnameOf(target) + " (target " +
              target + "), written in " + millis(outcome.write_time) + ", propagating (change " +
              change + ")");
    PropagatingChange& pending = lanes_.at(provider).propagating[change];
    if (pending.records.empty()) {
      pending.written = outcome.started;
      pending.next_poll = clock_.now() + kPropagationPoll;
    }
    pending.records.push_back(name);
    publishPropagating(provider);
  }
  refresh(record);
  return verify;
}

void Reconciler::auditWrite(const RecordRuntime& record, const std::string& provider,
                            const std::string& target, const WriteOutcome& outcome) {
  if (!audit_) {
    return;
  }
  AuditEntry entry{
      {"type", "dns_change"},
      {"record", record.config.name},
      {"provider", provider},
      {"from", outcome.from},
      {"to", cnameOf(target)},
      {"target", target},
      {"reason", outcome.reason},
      {"result", outcome.fenced  ? "fenced"
                 : outcome.error ? "error"
                                 : "ok"},
      {"took_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(outcome.write_time).count()}};
  if (outcome.error) {
    entry["error"] =
        std::string(providers::nameOf(outcome.error->kind)) + ": " + outcome.error->message;
  }
  if (auto error = audit_->append(std::move(entry), clock_.wallNow(), Durability::Written)) {
    log_.error("audit: " + *error + "; kept in memory until it can be written");
  }
}

void Reconciler::startVerify(const std::string& zone, const std::string& provider,
                             std::vector<VerifyItem> items,
                             std::chrono::steady_clock::time_point started) {
  const std::vector<config::HostPort>& servers = config_.zone(zone)->verify_servers;
  if (servers.empty() || items.empty()) {
    return;
  }
  // One task for a whole batch, on the pool, not the provider's worker: a verify server that lags
  // must not hold back the provider's next write, and a thousand records must not take a thousand
  // threads. Every record shares the batch's deadline.
  asio::post(pool_, [this, servers, items = std::move(items), provider, started] {
    for (const VerifyItem& item : items) {
      VerifyReport report =
          verifyAnswers(servers, item.name, item.cname, started, started + kVerifyDeadline);
      asio::post(io_, [this, item, provider, report] { onVerified(item, provider, report); });
    }
  });
}

void Reconciler::onVerified(const VerifyItem& item, const std::string& provider,
                            const VerifyReport& report) {
  if (report.unverified.empty()) {
    if (report_) {
      report_->dnsPropagation(provider, report.elapsed);
    }
    log_.info("verify: " + item.name + " CNAME " + item.cname +
              " answered by every verify server " + millis(report.elapsed) +
              " after the write to " + provider);
    return;
  }
  std::string servers_left;
  for (const std::string& s : report.unverified) {
    servers_left += (servers_left.empty() ? "" : ", ") + s;
  }
  log_.warn("verify: " + item.name + " CNAME " + item.cname + " still not answered by " +
            servers_left + " " + millis(report.elapsed) + " after the write to " + provider);
}

void Reconciler::fail(ProviderSync& sync, const std::string& provider, const std::string& what,
                      const ProviderError& error) {
  ++sync.failures;
  auto wait = backoff_.next(sync.failures, random_, error.retry_after);
  sync.retry_at = clock_.now() + wait;
  sync.last_error = std::string(providers::nameOf(error.kind)) + ": " + error.message;
  log_.error("provider " + provider + ": failed to " + what + ": " + sync.last_error + "; retry " +
             std::to_string(sync.failures) + " in " + core::formatDuration(wait));
}

void Reconciler::loseSwap(ProviderSync& sync, const std::string& provider, const std::string& what,
                          const WriteOutcome& outcome) {
  const ProviderError& error = *outcome.error;
  ++sync.failures;
  ++sync.lost_swaps;
  if (sync.lost_swaps == 1) {
    // Someone else wrote between planb's read and its write: re-read at once and decide again.
    sync.retry_at = clock_.now();
    sync.last_error = std::string(providers::nameOf(error.kind)) + ": " + error.message;
    log_.warn("provider " + provider + ": lost the compare-and-swap to " + what + ": " +
              sync.last_error + "; re-reading at once");
    return;
  }
  // The write expected what the re-read showed and was refused again: re-reading at once would
  // only repeat that, as fast as the provider answers, so it backs off like any failure, and
  // never less than half the backoff's ceiling: full jitter alone could draw a wait near zero
  // again and again, and a disagreeing provider must get a bounded number of requests.
  std::uint32_t tries = sync.lost_swaps - 1;
  auto wait =
      std::max(backoff_.next(tries, random_, error.retry_after), backoff_.ceiling(tries) / 2);
  sync.retry_at = clock_.now() + wait;
  std::string disagree = "its read shows " + outcome.from + " but it refused to " + what +
                         " as changed meanwhile (" + error.message + "), " +
                         std::to_string(sync.lost_swaps) +
                         " times in a row: the provider's read and write disagree";
  sync.last_error = disagree + "; backing off, next try in " + core::formatDuration(wait);
  if (sync.lost_swaps == 2) {  // once per episode: the status has the count
    log_.error("provider " + provider + ": " + disagree + "; backing off up to " +
               core::formatDuration(backoff_.cap) + " between tries until a write gets through");
  }
}

void Reconciler::swapsAgreeAgain(ProviderSync& sync, const std::string& provider,
                                 const std::string& name) {
  if (sync.lost_swaps >= 2) {
    log_.info("provider " + provider + ": " + name + " is in sync again after " +
              std::to_string(sync.lost_swaps) + " refused compare-and-swaps in a row");
    sync.last_error.clear();
  }
  sync.lost_swaps = 0;
}

void Reconciler::persist() {
  PersistedState state;
  core::Instant now = clock_.now();
  core::WallTime wall_now = clock_.wallNow();
  for (const auto& [name, record] : records_) {
    PersistedRecord& p = state.records[name];
    p.target = record.history.active;
    for (core::Instant t : record.history.automatic_changes) {
      p.automatic_changes.push_back(wall_now -
                                    std::chrono::duration_cast<core::WallTime::duration>(now - t));
    }
    for (const auto& [provider, sync] : record.sync) {
      if (sync.applied) {
        p.applied[provider] = *sync.applied;
      }
    }
  }
  if (fleet_ && controls_.writer && fleet_->leading()) {
    // The next leader goes on from these decisions; a refusal means this node no longer leads,
    // and its writes are fenced as well.
    if (auto error = fleet_->saveRecords(state.records)) {
      log_.error("cluster: the record decisions could not be shared: " + *error);
    }
  }
  if (auto error = store_.saveRecords(std::move(state.records))) {
    if (!persist_failed_) {
      log_.error("state: " + *error +
                 "; DNS keeps being steered, the state is retried until it is written");
    }
    persist_failed_ = true;
    persist_error_ = *error;
  } else if (persist_failed_) {
    persist_failed_ = false;
    persist_error_.clear();
    log_.info("state: " + store_.path() + " written again");
  }
}

std::string Reconciler::statusLine() const {
  std::string line;
  std::size_t providers_total = 0;
  std::size_t providers_in_sync = 0;
  std::map<std::string, std::string> errors;  // one per provider is enough for a status line
  for (const auto& [name, record] : records_) {
    if (!line.empty()) {
      line += "; ";
    }
    line += name + " " + record.history.active.value_or("-") + " (" +
            std::string(core::nameOf(record.decision.rule)) + ")";
    for (const auto& [provider, sync] : record.sync) {
      ++providers_total;
      std::string want = record.history.active ? cnameOf(*record.history.active) : "";
      if (sync.served && servesCname(*sync.served, want)) {
        ++providers_in_sync;
      }
      if (!sync.last_error.empty()) {
        errors.emplace(provider, sync.last_error);
      }
    }
  }
  line += "; in sync " + std::to_string(providers_in_sync) + "/" + std::to_string(providers_total);
  for (const auto& [provider, error] : errors) {
    line += "; " + provider + ": " + error;
  }
  return line;
}

}  // namespace planb::daemon
