#include "solo_authority.hpp"

namespace planb::daemon {

SoloAuthority::SoloAuthority(Log& log, const core::Clock& clock, StateStore& store, AuditLog& audit,
                             AuthorityEvents events)
    : audit_(audit), events_(std::move(events)), desk_(log, clock, store, audit) {}

bool SoloAuthority::start(const PersistedState& persisted) {
  desk_.restore(persisted.overrides);
  return true;
}

void SoloAuthority::configure(const config::Config& config, const core::HealthBoard& board,
                              const core::LocalNetworkGuard& guard) {
  config_ = &config;
  board_ = &board;
  guard_ = &guard;
}

std::map<std::string, core::TargetState> SoloAuthority::targetStates() const {
  return board_->targetStates();
}

core::Controls SoloAuthority::controls() const {
  core::Controls controls = desk_.controls();
  controls.local_network_down = guard_->down();
  return controls;
}

void SoloAuthority::act(const OperatorRequest& request, const Operator& who, Answer answer) {
  // state.json is local: saved before the answer, on the loop.
  OperatorAnswer done = desk_.handle(request, who, *config_, board_->targetStates());
  if (done.ok) {
    events_.changed();
  }
  answer(std::move(done));
}

AuditHistory SoloAuthority::history(std::size_t limit) const {
  AuditHistory history = historyOf(audit_, limit);
  history.source = "this node";
  return history;
}

AuditHistory historyOf(const AuditLog& audit, std::size_t limit) {
  AuditHistory history;
  for (AuditEntry& entry : audit.newest(limit, &history.skipped)) {
    history.entries.push_back(std::move(entry));
  }
  return history;
}

}  // namespace planb::daemon
