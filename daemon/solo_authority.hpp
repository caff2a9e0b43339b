#pragma once
// A single planbd's Authority: this node's health board decides, overrides live in state.json,
// the local-network guard holds automation, and every write is this node's to make.

#include "audit_log.hpp"
#include "authority.hpp"
#include "core/clock.hpp"
#include "log.hpp"
#include "operator_desk.hpp"
#include "state_store.hpp"

namespace planb::daemon {

class SoloAuthority final : public Authority {
 public:
  SoloAuthority(Log& log, const core::Clock& clock, StateStore& store, AuditLog& audit,
                AuthorityEvents events);

  bool start(const PersistedState& persisted) override;
  void stop() override {}
  void configure(const config::Config& config, const core::HealthBoard& board,
                 const core::LocalNetworkGuard& guard) override;
  void localViewChanged() override {}

  std::map<std::string, core::TargetState> targetStates() const override;
  core::Controls controls() const override;
  const core::Overrides& overrides() const override { return desk_.overrides(); }

  void act(const OperatorRequest& request, const Operator& who, Answer answer) override;
  bool expire() override { return desk_.expire(); }

  AuditHistory history(std::size_t limit) const override;
  std::optional<FleetStatus> fleetStatus() const override { return std::nullopt; }
  FleetWriter* fence() override { return nullptr; }

 private:
  AuditLog& audit_;
  AuthorityEvents events_;
  OperatorDesk desk_;
  const config::Config* config_ = nullptr;
  const core::HealthBoard* board_ = nullptr;
  const core::LocalNetworkGuard* guard_ = nullptr;
};

}  // namespace planb::daemon
