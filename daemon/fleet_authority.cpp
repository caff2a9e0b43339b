#include "fleet_authority.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "net/credential_file.hpp"

namespace planb::daemon {

namespace {

// An operator's change that loses a race with another node's is tried again this many times.
constexpr int kRetriesAfterConflict = 3;

// Whether TARGET is one of RECORD's targets; a record this node does not have takes any (no
// record here is decided by its pin).
bool pinAllowed(const config::Config& config, const std::string& record,
                const std::string& target) {
  for (const config::RecordConfig& r : config.records) {
    if (r.name == record) {
      return std::find(r.targets.begin(), r.targets.end(), target) != r.targets.end();
    }
  }
  return true;
}

}  // namespace

struct FleetAuthority::Stored {
  bool read = false;  // false: etcd did not answer, nothing is known
  std::vector<core::Override> overrides;
  std::int64_t revision = 0;
};

namespace {

struct Swapped {
  FleetAuthority::Stored stored;           // what etcd holds now, as far as this node knows
  std::optional<std::string> unreachable;  // the overrides could not be read
  std::optional<std::string> not_saved;    // the change could not be stored
};

// On the link's thread: the fleet's overrides as of now (another node may have changed them
// since the last poll), CHANGE applied to them (nullopt: nothing to store), stored with a
// compare-and-swap; read and changed again when another node's change came in between.
Swapped swapOverrides(
    FleetLink& link,
    const std::function<std::optional<core::Overrides>(const core::Overrides&)>& change) {
  Swapped result;
  for (int attempt = 0;; ++attempt) {
    try {
      auto [overrides, revision] = link.readOverrides();
      result.stored = {true, std::move(overrides), revision};
    } catch (const cluster::EtcdError& e) {
      result.unreachable = e.what();
      return result;
    }
    std::optional<core::Overrides> next = change(core::Overrides(result.stored.overrides));
    if (!next) {
      return result;
    }
    std::int64_t revision = result.stored.revision;
    bool conflict = false;
    if (auto error = link.saveOverrides(next->all(), &revision, &conflict)) {
      if (conflict && attempt < kRetriesAfterConflict) {
        continue;
      }
      result.not_saved = *error;
      return result;
    }
    result.stored = {true, next->all(), revision};
    return result;
  }
}

}  // namespace

FleetSettings fleetSettings(const config::ClusterConfig& c) {
  FleetSettings settings;
  settings.node = c.node_name;
  settings.lease_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.lease_ttl);
  settings.prefix = c.prefix;
  settings.etcd.endpoints = c.etcd_endpoints;
  settings.etcd.username = c.username;
  settings.etcd.ca_file = c.ca_file;
  settings.etcd.cert_file = c.cert_file;
  settings.etcd.key_file = c.key_file;
  // A request that outlasts a third of the lease would let it lapse between keepalives.
  settings.etcd.timeout = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(1000),
      std::chrono::duration_cast<std::chrono::milliseconds>(c.lease_ttl) / 3);
  if (c.password_file) {
    settings.etcd.password = net::readSecretFile(*c.password_file, "etcd password file").reveal();
  }
  return settings;
}

FleetAuthority::FleetAuthority(boost::asio::io_context& io, Log& log, const core::Clock& clock,
                               StateStore& store, AuditLog& audit, AuthorityEvents events,
                               Connect connect)
    : io_(io),
      log_(log),
      clock_(clock),
      audit_(audit),
      events_(std::move(events)),
      connect_(std::move(connect)),
      desk_(log, clock, store, audit) {}

FleetAuthority::~FleetAuthority() {
  stop();
}

bool FleetAuthority::start(const PersistedState&) {
  try {
    link_ = connect_([this](FleetSnapshot s) {
      boost::asio::post(io_, [this, s = std::move(s)]() mutable { onSnapshot(std::move(s)); });
    });
  } catch (const std::exception& e) {
    log_.error(std::string("cluster: ") + e.what());
    return false;
  }
  audit_.setNode(link_->node());
  audit_.setMirror([this](const std::string& line) { link_->publishAudit(line); });
  state_.etcd_up = true;  // until the first poll says otherwise
  link_->start();
  return true;
}

void FleetAuthority::stop() {
  if (link_) {
    link_->stop();  // revokes the lease: another node leads at once
  }
}

void FleetAuthority::configure(const config::Config& config, const core::HealthBoard& board,
                               const core::LocalNetworkGuard& guard) {
  config_ = std::make_shared<const config::Config>(config);
  board_ = &board;
  guard_ = &guard;
  std::map<std::string, std::string> target_vendor;
  for (const config::TargetConfig& t : config.targets) {
    target_vendor[t.name] = t.vendor;
  }
  fleet_ = std::make_unique<core::FleetBoard>(std::move(target_vendor), config.cluster->quorum,
                                              config.cluster->min_nodes);
  fleet_->update(state_.views, clock_.now());
  localViewChanged();
}

void FleetAuthority::localViewChanged() {
  if (!link_ || !board_) {
    return;
  }
  core::NodeView view;
  view.node = link_->node();
  view.guard_down = guard_->down();
  for (const core::BoardTarget& t : board_->targets()) {
    view.targets[t.name] = board_->targetHealth(t.name);
    view.vendors[t.vendor] = board_->vendorHealth(t.vendor);
  }
  link_->publishView(view);
}

std::map<std::string, core::TargetState> FleetAuthority::targetStates() const {
  return fleet_->targetStates();
}

std::string FleetAuthority::holdReason() const {
  return state_.etcd_up ? fleet_->holdReason() : "etcd is unreachable: no automatic change";
}

core::Controls FleetAuthority::controls() const {
  // The guard is part of this node's view; the fleet's verdicts decide, and only its leader.
  core::Controls controls = desk_.controls();
  // The overrides come from etcd, where anyone with write access under the prefix can put them:
  // a pin outside the record's targets (never made by planbd, which refuses it) is not obeyed.
  if (config_) {
    std::erase_if(controls.pins,
                  [this](const auto& pin) { return !pinAllowed(*config_, pin.first, pin.second); });
  }
  controls.writer = link_->leading();
  controls.fleet_hold = holdReason();
  return controls;
}

void FleetAuthority::onSnapshot(FleetSnapshot s) {
  FleetSnapshot before = std::move(state_);
  if (!s.etcd_up) {
    // Nothing new is known: show the last views, marked by etcd being down.
    s.views = before.views;
  }
  // Polls come 5 times a second; most change nothing, and then no record is decided again.
  bool changed = s.views != before.views || s.leading != before.leading ||
                 s.etcd_up != before.etcd_up || s.leader != before.leader;
  if (s.overrides && s.overrides_revision > overrides_revision_) {
    warnOfForeignPins(*s.overrides);
    desk_.replace(*s.overrides);
    overrides_revision_ = s.overrides_revision;
    changed = true;
  }
  if (s.records && (s.elected || (!s.leading && s.records_revision != records_revision_))) {
    events_.adopt_records(*s.records);
    records_revision_ = s.records_revision;
    changed = true;
  }
  for (std::uint64_t n = before.leader_changes; n < s.leader_changes; ++n) {
    events_.leader_changed();
  }
  state_ = std::move(s);
  if (!state_.etcd_up && before.leading) {
    state_.leading = link_->leading();
  }
  if (!changed || !fleet_) {
    return;
  }
  fleet_->update(state_.views, clock_.now());
  events_.changed();
}

void FleetAuthority::warnOfForeignPins(const std::vector<core::Override>& overrides) {
  for (const core::Override& o : overrides) {
    if (config_ && o.kind == core::OverrideKind::Pin &&
        !pinAllowed(*config_, o.subject, o.target)) {
      log_.warn("cluster: not obeying the fleet's pin of " + o.subject + " to " + o.target +
                ": it is not one of the record's targets");
    }
  }
}

void FleetAuthority::adopt(const Stored& stored) {
  if (stored.read && stored.revision >= overrides_revision_) {
    if (stored.revision > overrides_revision_) {
      warnOfForeignPins(stored.overrides);
    }
    desk_.replace(stored.overrides);
    overrides_revision_ = stored.revision;
  }
}

void FleetAuthority::act(const OperatorRequest& request, const Operator& who, Answer answer) {
  auto job = [this, request, who, config = config_, targets = targetStates(),
              answer = std::move(answer)]() mutable {
    OperatorAnswer done;
    Swapped swapped = swapOverrides(*link_, [&](const core::Overrides& base) {
      OperatorPlan plan =
          planOperatorRequest(request, who, *config, targets, base, clock_.wallNow());
      done = std::move(plan.answer);
      return std::move(plan.next);
    });
    if (swapped.unreachable) {
      done = {false, "not done: etcd is unreachable, so the fleet's overrides cannot be changed (" +
                         *swapped.unreachable + ")"};
    } else if (swapped.not_saved) {
      done = notSaved(*swapped.not_saved);
    }
    boost::asio::post(io_, [this, request = std::move(request), who = std::move(who),
                            done = std::move(done), audited = !swapped.unreachable,
                            stored = std::move(swapped.stored), answer = std::move(answer)] {
      adopt(stored);
      if (audited) {
        desk_.record(request, who, done);
      }
      if (done.ok) {
        events_.changed();
      }
      answer(done);
    });
  };
  link_->submit(std::move(job));
}

bool FleetAuthority::expire() {
  // Only the leader expires overrides, so one node audits and saves each expiry.
  if (expiring_ || !link_->leading() || !desk_.anyExpired()) {
    return false;
  }
  expiring_ = true;
  link_->submit([this] {
    std::vector<core::Override> gone;
    Swapped swapped =
        swapOverrides(*link_, [&](const core::Overrides& base) -> std::optional<core::Overrides> {
          core::Overrides next = base;
          gone = next.expire(clock_.wallNow());
          if (gone.empty()) {
            return std::nullopt;  // another node expired them already
          }
          return next;
        });
    std::optional<std::string> error = swapped.not_saved;
    if (swapped.unreachable) {
      error = "etcd: " + *swapped.unreachable;
    }
    boost::asio::post(io_, [this, error = std::move(error), stored = std::move(swapped.stored),
                            gone = std::move(gone)] {
      expiring_ = false;
      if (error) {
        // Expiring is always safe, so it happens in memory even when etcd cannot store it.
        log_.error("state: " + *error + "; expired overrides are dropped in memory");
        core::Overrides next = desk_.overrides();
        std::vector<core::Override> dropped = next.expire(clock_.wallNow());
        desk_.expired(std::move(next), dropped);
      } else if (stored.revision >= overrides_revision_) {
        overrides_revision_ = stored.revision;
        desk_.expired(core::Overrides(stored.overrides), gone);
      }
      events_.changed();
    });
  });
  return false;
}

AuditHistory FleetAuthority::history(std::size_t limit) const {
  if (state_.etcd_up && state_.audit) {
    AuditHistory history = historyOf(*state_.audit, limit);
    history.source = "fleet";
    return history;
  }
  AuditHistory history = historyOf(audit_, limit);
  history.source = state_.etcd_up ? "this node only: the fleet's audit is not read yet"
                                  : "this node only: etcd unreachable (" + state_.etcd_error + ")";
  return history;
}

std::optional<FleetStatus> FleetAuthority::fleetStatus() const {
  const config::ClusterConfig& c = *config_->cluster;
  const core::FleetVerdict& verdict = fleet_->verdict();
  FleetStatus status;
  status.node = c.node_name;
  status.leader = state_.leader;
  status.leading = link_->leading();
  status.etcd_up = state_.etcd_up;
  status.etcd_error = state_.etcd_error;
  status.quorum = verdict.quorum;
  status.quorum_setting = c.quorum == 0 ? "majority" : std::to_string(c.quorum);
  status.min_nodes = c.min_nodes;
  status.live_nodes = state_.etcd_up ? verdict.live : 0;  // views etcd cannot confirm are not live
  std::string hold = holdReason();
  status.automation = hold.empty() ? "ok" : hold;
  status.leader_changes = state_.leader_changes;
  status.nodes = state_.views;
  return status;
}

AuditHistory historyOf(const std::vector<std::string>& lines, std::size_t limit) {
  AuditHistory history;
  std::size_t taken = 0;
  for (auto line = lines.rbegin(); line != lines.rend() && taken < limit; ++line, ++taken) {
    try {
      history.entries.push_back(nlohmann::ordered_json::parse(*line));
    } catch (const std::exception&) {
      ++history.skipped;
    }
  }
  return history;
}

}  // namespace planb::daemon
