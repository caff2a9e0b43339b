#include "fleet_agent.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace planb::daemon {

using cluster::Compare;
using cluster::EtcdError;
using cluster::KeyValue;
using cluster::Operation;
using namespace std::chrono_literals;

namespace {

// Audit entries kept in memory while etcd is away; the local audit.jsonl has them all anyway.
constexpr std::size_t kMaxQueuedAudit = 10'000;

core::Health healthOf(const std::string& word) {
  if (word == "healthy" || word == "up") {
    return core::Health::Healthy;
  }
  if (word == "unhealthy" || word == "down") {
    return core::Health::Unhealthy;
  }
  return core::Health::Unknown;
}

std::string vendorWord(core::Health h) {
  return h == core::Health::Healthy ? "up" : h == core::Health::Unhealthy ? "down" : "unknown";
}

Operation rangeOf(const std::string& key, const std::string& range_end = "") {
  return {Operation::Kind::Range, key, "", 0, range_end};
}

}  // namespace

std::string encodeView(const core::NodeView& view) {
  nlohmann::ordered_json targets = nlohmann::ordered_json::object();
  for (const auto& [name, health] : view.targets) {
    targets[name] = core::nameOf(health);
  }
  nlohmann::ordered_json vendors = nlohmann::ordered_json::object();
  for (const auto& [name, health] : view.vendors) {
    vendors[name] = vendorWord(health);
  }
  return nlohmann::ordered_json{{"node", view.node},
                                {"guard_down", view.guard_down},
                                {"targets", targets},
                                {"vendors", vendors}}
      .dump();
}

core::NodeView decodeView(const std::string& json) {
  nlohmann::json j = nlohmann::json::parse(json);
  core::NodeView view;
  view.node = j.at("node").get<std::string>();
  view.guard_down = j.at("guard_down").get<bool>();
  for (const auto& [name, word] : j.at("targets").items()) {
    view.targets[name] = healthOf(word.get<std::string>());
  }
  for (const auto& [name, word] : j.at("vendors").items()) {
    view.vendors[name] = healthOf(word.get<std::string>());
  }
  return view;
}

FleetAgent::FleetAgent(FleetSettings settings, Log& log, Listener listener)
    : settings_(std::move(settings)),
      log_(log),
      listener_(std::move(listener)),
      loop_(std::make_unique<cluster::EtcdClient>(settings_.etcd)),
      side_(std::make_unique<cluster::EtcdClient>(settings_.etcd)) {}

FleetAgent::~FleetAgent() {
  stop();
}

void FleetAgent::start() {
  thread_ = std::thread([this] { run(); });
}

void FleetAgent::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  leading_ = false;
  if (lease_ != 0) {
    try {
      loop_->revokeLease(lease_);  // the leader key and this node's view go with it
    } catch (const EtcdError& e) {
      log_.warn(std::string("cluster: could not revoke the lease on stopping: ") + e.what());
    }
  }
}

void FleetAgent::publishView(const core::NodeView& view) {
  std::string json = encodeView(view);
  {
    std::lock_guard lock(mutex_);
    if (json == view_) {
      return;
    }
    view_ = std::move(json);
    view_dirty_ = true;
  }
  wake_.notify_all();
}

void FleetAgent::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void FleetAgent::runJobs() {
  while (true) {
    std::function<void()> job;
    {
      std::lock_guard lock(mutex_);
      if (jobs_.empty() || stopping_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void FleetAgent::publishAudit(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (audit_.size() >= kMaxQueuedAudit) {
      audit_.pop_front();
    }
    audit_.push_back(std::move(line));
    audit_dirty_ = true;
  }
  wake_.notify_all();
}

bool FleetAgent::leaseValid(Clock::time_point now) const {
  return now.time_since_epoch().count() < lease_deadline_.load();
}

bool FleetAgent::leading() const {
  return leading_.load() && leaseValid(Clock::now());
}

void FleetAgent::stepDown(const std::string& why) {
  if (leading_.exchange(false)) {
    log_.warn("cluster: stepping down: " + why);
  }
}

void FleetAgent::run() {
  log_.info("cluster: node " + settings_.node + " joining the fleet at " + loop_->endpoint() +
            " (prefix " + settings_.prefix + ", lease " +
            std::to_string(settings_.lease_ttl.count()) + "s)");
  while (true) {
    FleetSnapshot snapshot;
    try {
      pollOnce(snapshot);
      snapshot.etcd_up = true;
      if (failed_polls_ >= kPollsBeforeUnreachable) {  // "unreachable" was logged
        log_.info("cluster: etcd reachable again at " + loop_->endpoint());
      }
      failed_polls_ = 0;
    } catch (const EtcdError& e) {
      snapshot.etcd_up = false;
      snapshot.etcd_error = e.what();
      if (e.kind() == EtcdError::Kind::LeaseNotFound) {
        lease_ = 0;
        stepDown("the lease is gone from etcd");
      }
      // One failed poll may be a request that timed out across a pause of this process (SIGSTOP,
      // a stalled VM) while etcd was fine: status says etcd is down at once, the log only after
      // a second failed poll in a row.
      if (++failed_polls_ == kPollsBeforeUnreachable) {
        log_.error(std::string("cluster: etcd unreachable: ") + e.what() +
                   "; this node writes no DNS until it is back");
      }
    }
    // Without a lease known alive, this node does not lead, whatever etcd answered last.
    if (leading_.load() && !leaseValid(Clock::now())) {
      stepDown("the lease could not be kept alive within lease_ttl");
    }
    snapshot.leading = leading_.load();
    snapshot.leader_changes = leader_changes_;
    listener_(std::move(snapshot));
    runJobs();

    std::unique_lock lock(mutex_);
    // A keepalive that is due (it failed: etcd is away) is retried with the next poll, not at
    // once: a refused connection returns at once, and this loop must not spin on it.
    auto now = Clock::now();
    auto until = next_keepalive_ > now ? std::min(now + settings_.poll, next_keepalive_)
                                       : now + settings_.poll;
    wake_.wait_until(lock, until,
                     [this] { return stopping_ || view_dirty_ || audit_dirty_ || !jobs_.empty(); });
    if (stopping_) {
      return;
    }
  }
}

void FleetAgent::keepLease() {
  auto started = Clock::now();
  if (lease_ == 0) {
    lease_ = loop_->grantLease(settings_.lease_ttl);
    lease_deadline_ = (started + settings_.lease_ttl).time_since_epoch().count();
    next_keepalive_ = started + settings_.lease_ttl / 3;
    published_view_.clear();  // the view goes under the new lease
    return;
  }
  if (started < next_keepalive_) {
    return;
  }
  std::optional<std::chrono::seconds> ttl = loop_->keepAlive(lease_);
  if (!ttl) {
    lease_ = 0;
    stepDown("etcd let the lease expire");
    keepLease();
    return;
  }
  // Measured from before the request: etcd's own deadline is later than this one.
  lease_deadline_ = (started + *ttl).time_since_epoch().count();
  next_keepalive_ = started + settings_.lease_ttl / 3;
  published_view_.clear();  // refreshed with every keepalive
}

void FleetAgent::pollOnce(FleetSnapshot& snapshot) {
  std::string view;
  {
    // Taken before any request: a change that arrives while etcd is away waits for the next
    // poll (published_view_ tells it is not out yet) instead of waking the loop again and again.
    std::lock_guard lock(mutex_);
    view = view_;
    view_dirty_ = false;
    audit_dirty_ = false;
  }
  keepLease();
  if (!view.empty() && view != published_view_) {
    loop_->put(key("nodes/" + settings_.node), view, lease_);
    published_view_ = view;
  }
  flushAudit();
  pruneAudit();

  // One read-only transaction: one revision of the fleet, and whether its audit grew.
  Operation audit_written = rangeOf(key("audit/"), cluster::prefixEnd(key("audit/")));
  audit_written.last_written_only = true;
  cluster::TxnResult read = loop_->txn(
      {}, {rangeOf(key("leader")), rangeOf(key("nodes/"), cluster::prefixEnd(key("nodes/"))),
           rangeOf(key("overrides")), rangeOf(key("records")), audit_written});
  if (read.ranges.size() != 5) {
    throw EtcdError(EtcdError::Kind::Rejected, "etcd: unexpected reply to the fleet read");
  }
  std::optional<KeyValue> leader_key;
  if (!read.ranges[0].empty()) {
    leader_key = read.ranges[0].front();
  }
  // A forged key deleted and written again is reported again.
  std::erase_if(ignored_views_, [&read](const std::string& k) {
    return std::none_of(read.ranges[1].begin(), read.ranges[1].end(),
                        [&k](const KeyValue& kv) { return kv.key == k; });
  });
  for (const KeyValue& kv : read.ranges[1]) {
    if (kv.key == key("nodes/" + settings_.node) && kv.lease != lease_ &&
        !published_view_.empty() && !duplicate_reported_) {
      // Another planbd put its view under this node's name since this node's last put.
      duplicate_reported_ = true;
      log_.error("cluster: another planbd also calls itself " + settings_.node +
                 ": give every node its own node_name, or their views overwrite each other");
    }
    std::string name = kv.key.substr(key("nodes/").size());
    if (kv.lease == 0) {
      // planbd puts its view under its lease only: a view without one never expires, so a node
      // long gone (or never there) would count towards a quorum for ever.
      ignoreView(kv.key,
                 "it has no lease, so it would never expire (planbd writes its view under "
                 "its lease)");
      continue;
    }
    core::NodeView view;
    try {
      view = decodeView(kv.value);
    } catch (const std::exception&) {
      snapshot.unreadable_views.push_back(name);
      continue;
    }
    if (view.node != name) {
      ignoreView(kv.key, "it names node " + view.node + ", not " + name);
      continue;
    }
    ignored_views_.erase(kv.key);  // valid again: a later forgery there is reported again
    snapshot.views.push_back(std::move(view));
  }
  if (!read.ranges[2].empty()) {
    try {
      snapshot.overrides = decodeState(read.ranges[2].front().value).overrides;
      snapshot.overrides_revision = read.ranges[2].front().mod_revision;
    } catch (const std::exception& e) {
      log_.error(std::string("cluster: the fleet's overrides do not parse: ") + e.what());
    }
  }
  if (!read.ranges[3].empty()) {
    try {
      snapshot.records = decodeState(read.ranges[3].front().value).records;
      snapshot.records_revision = read.ranges[3].front().mod_revision;
    } catch (const std::exception& e) {
      log_.error(std::string("cluster: the fleet's record decisions do not parse: ") + e.what());
    }
  }
  readNewAudit(read.ranges[4].empty() ? 0 : read.ranges[4].front().mod_revision, snapshot);

  bool mine = leader_key && leader_key->value == settings_.node && leader_key->lease == lease_;
  if (leading_.load() && (!mine || leader_key->create_revision != leader_revision_.load())) {
    stepDown(leader_key ? "the leader key is now " + leader_key->value + "'s"
                        : "the leader key is gone");
  }
  if (!leader_key) {
    campaign(snapshot);
  } else if (mine && !leading_.load() && leaseValid(Clock::now())) {
    // Still this node's key under the same live lease (the deadline lapsed locally only): no one
    // else can have led meanwhile, so leading resumes.
    leader_revision_ = leader_key->create_revision;
    leading_ = true;
    snapshot.elected = true;
    log_.info("cluster: this node leads again (its leader key outlived a late keepalive)");
  }
  snapshot.leader = leader_key ? std::optional<std::string>(leader_key->value) : std::nullopt;
  if (snapshot.elected || leading_.load()) {
    snapshot.leader = settings_.node;
  }
  if (snapshot.leader && snapshot.leader != last_leader_) {
    ++leader_changes_;
    if (*snapshot.leader != settings_.node) {
      log_.info("cluster: leader is " + *snapshot.leader);
    }
  }
  if (!snapshot.leader && last_leader_) {
    log_.warn("cluster: no leader (" + *last_leader_ + "'s lease ended)");
  }
  last_leader_ = snapshot.leader;
}

void FleetAgent::ignoreView(const std::string& etcd_key, const std::string& why) {
  if (ignored_views_.insert(etcd_key).second) {
    log_.warn("cluster: ignoring the view under " + etcd_key + ": " + why);
  }
}

void FleetAgent::campaign(FleetSnapshot& snapshot) {
  if (!leaseValid(Clock::now())) {
    return;
  }
  // Create-if-absent, and read the last leader's decisions at the same revision.
  cluster::TxnResult won = loop_->txn(
      {{key("leader"), Compare::Target::Create, Compare::Result::Equal, 0, ""}},
      {{Operation::Kind::Put, key("leader"), settings_.node, lease_, ""}, rangeOf(key("records"))},
      {rangeOf(key("leader"))});
  if (!won.succeeded) {
    if (!won.ranges.empty() && !won.ranges.back().empty()) {
      snapshot.leader = won.ranges.back().front().value;
    }
    return;
  }
  leader_revision_ = won.revision;
  leading_ = true;
  snapshot.elected = true;
  snapshot.records.reset();
  if (!won.ranges.empty() && !won.ranges.back().empty()) {
    try {
      snapshot.records = decodeState(won.ranges.back().front().value).records;
      snapshot.records_revision = won.ranges.back().front().mod_revision;
    } catch (const std::exception& e) {
      log_.error(std::string("cluster: the fleet's record decisions do not parse: ") + e.what());
    }
  }
  log_.info("cluster: this node leads (leader key at revision " + std::to_string(won.revision) +
            ")");
}

void FleetAgent::flushAudit() {
  while (true) {
    std::string line;
    std::uint64_t seq = 0;
    {
      std::lock_guard lock(mutex_);
      if (audit_.empty()) {
        return;
      }
      line = audit_.front();
      seq = ++audit_seq_;
    }
    // Keys sort by time, then node: readAudit takes the newest from the end.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%015lld-", static_cast<long long>(ms));
    char counter[32];
    std::snprintf(counter, sizeof counter, "-%09llu", static_cast<unsigned long long>(seq));
    loop_->put(key("audit/") + stamp + settings_.node + counter, line);
    std::lock_guard lock(mutex_);
    if (!audit_.empty() && audit_.front() == line) {
      audit_.pop_front();
    }
  }
}

void FleetAgent::pruneAudit() {
  auto now = Clock::now();
  if (!leading_.load() || now < next_prune_) {
    return;
  }
  next_prune_ = now + settings_.audit_prune_every;
  // Keys sort by time: everything before the audit_keep newest goes, in one range delete.
  std::vector<KeyValue> newest =
      loop_->lastInPrefix(key("audit/"), settings_.audit_keep + 1, /*keys_only=*/true);
  if (newest.size() <= settings_.audit_keep) {
    return;
  }
  loop_->txn({}, {{Operation::Kind::DeleteRange, key("audit/"), "", 0, newest[1].key}});
}

void FleetAgent::readNewAudit(std::int64_t written, FleetSnapshot& snapshot) {
  // By write, not by key: a node whose wall clock runs ahead names its lines later than the
  // lines of the others that come after them.
  if (!audit_read_ || written != audit_written_) {
    auto lines = std::make_shared<std::vector<std::string>>();
    for (KeyValue& kv : loop_->lastInPrefix(key("audit/"), settings_.audit_read)) {
      lines->push_back(std::move(kv.value));
    }
    audit_read_ = std::move(lines);
    audit_written_ = written;  // a line written since is read with the next poll
  }
  snapshot.audit = audit_read_;
}

std::optional<std::string> FleetAgent::confirmLeadership() {
  if (!leading()) {
    return "this node does not lead the fleet";
  }
  try {
    cluster::TxnResult r = side_->txn(
        {{key("leader"), Compare::Target::Create, Compare::Result::Equal, leader_revision_.load(),
          ""},
         {key("leader"), Compare::Target::Value, Compare::Result::Equal, 0, settings_.node}},
        {});
    if (!r.succeeded) {
      stepDown("a fenced write found the leader key no longer this node's");
      wake_.notify_all();
      return "etcd says the leader key is no longer this node's";
    }
  } catch (const EtcdError& e) {
    return std::string("etcd could not confirm the leadership: ") + e.what();
  }
  if (!leading()) {
    return "the lease lapsed while etcd was asked";
  }
  return std::nullopt;
}

std::optional<std::string> FleetAgent::saveRecords(
    const std::map<std::string, PersistedRecord>& records) {
  if (!leading()) {
    return "this node does not lead the fleet";
  }
  PersistedState state;
  state.records = records;
  try {
    cluster::TxnResult r =
        side_->txn({{key("leader"), Compare::Target::Create, Compare::Result::Equal,
                     leader_revision_.load(), ""}},
                   {{Operation::Kind::Put, key("records"), encodeState(state), 0, ""}});
    if (!r.succeeded) {
      return "etcd says the leader key is no longer this node's";
    }
  } catch (const EtcdError& e) {
    return e.what();
  }
  return std::nullopt;
}

std::pair<std::vector<core::Override>, std::int64_t> FleetAgent::readOverrides() {
  std::optional<KeyValue> kv = side_->get(key("overrides"));
  if (!kv) {
    return {{}, 0};
  }
  try {
    return {decodeState(kv->value).overrides, kv->mod_revision};
  } catch (const std::exception& e) {
    throw EtcdError(EtcdError::Kind::Rejected,
                    std::string("the fleet's overrides do not parse: ") + e.what());
  }
}

std::optional<std::string> FleetAgent::saveOverrides(const std::vector<core::Override>& overrides,
                                                     std::int64_t* revision, bool* conflict) {
  *conflict = false;
  PersistedState state;
  state.overrides = overrides;
  try {
    cluster::TxnResult r = side_->txn(
        {{key("overrides"), Compare::Target::Mod, Compare::Result::Equal, *revision, ""}},
        {{Operation::Kind::Put, key("overrides"), encodeState(state), 0, ""}});
    if (!r.succeeded) {
      *conflict = true;
      return "another node changed the fleet's overrides meanwhile";
    }
    *revision = r.revision;
  } catch (const EtcdError& e) {
    return std::string("etcd: ") + e.what();
  }
  return std::nullopt;
}

std::vector<std::string> FleetAgent::readAudit(std::size_t limit) {
  std::vector<std::string> lines;
  for (KeyValue& kv : side_->lastInPrefix(key("audit/"), limit)) {
    lines.push_back(std::move(kv.value));
  }
  return lines;
}

}  // namespace planb::daemon
