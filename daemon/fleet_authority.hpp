#pragma once
// A fleet member's Authority (product.md §9): the fleet's quorum of every node's view decides,
// overrides live in etcd, the audit is mirrored there, only the leader writes, and each write is
// fenced by etcd. etcd is read and written only on the link's (FleetAgent's) thread: the event
// loop works from the link's latest snapshot, and an operator action's compare-and-swap runs on
// that thread and answers on the loop when etcd did.

#include <boost/asio/io_context.hpp>
#include <memory>

#include "audit_log.hpp"
#include "authority.hpp"
#include "core/clock.hpp"
#include "core/fleet_board.hpp"
#include "fleet_agent.hpp"
#include "log.hpp"
#include "operator_desk.hpp"
#include "state_store.hpp"

namespace planb::daemon {

class FleetAuthority final : public Authority {
 public:
  // Makes the link to etcd, which hands its snapshots to the listener given; throws when it
  // cannot (an unreadable password file).
  using Connect = std::function<std::unique_ptr<FleetLink>(FleetLink::Listener)>;

  FleetAuthority(boost::asio::io_context& io, Log& log, const core::Clock& clock, StateStore& store,
                 AuditLog& audit, AuthorityEvents events, Connect connect);
  ~FleetAuthority() override;

  bool start(const PersistedState& persisted) override;
  void stop() override;
  void configure(const config::Config& config, const core::HealthBoard& board,
                 const core::LocalNetworkGuard& guard) override;
  void localViewChanged() override;

  std::map<std::string, core::TargetState> targetStates() const override;
  core::Controls controls() const override;
  const core::Overrides& overrides() const override { return desk_.overrides(); }

  void act(const OperatorRequest& request, const Operator& who, Answer answer) override;
  bool expire() override;

  AuditHistory history(std::size_t limit) const override;
  std::optional<FleetStatus> fleetStatus() const override;
  FleetWriter* fence() override { return link_.get(); }

  // What etcd holds after a job: the overrides and their revision.
  struct Stored;

 private:
  void onSnapshot(FleetSnapshot snapshot);
  // Takes overrides read from etcd unless a newer snapshot brought newer ones already.
  void adopt(const Stored& stored);
  // Warns of pins from etcd that controls() does not obey (outside their record's targets).
  void warnOfForeignPins(const std::vector<core::Override>& overrides);
  std::string holdReason() const;

  boost::asio::io_context& io_;
  Log& log_;
  const core::Clock& clock_;
  AuditLog& audit_;
  AuthorityEvents events_;
  Connect connect_;
  OperatorDesk desk_;
  std::shared_ptr<const config::Config> config_;  // shared with jobs on the link's thread
  const core::HealthBoard* board_ = nullptr;
  const core::LocalNetworkGuard* guard_ = nullptr;
  std::unique_ptr<core::FleetBoard> fleet_;
  FleetSnapshot state_;
  std::int64_t overrides_revision_ = 0;
  std::int64_t records_revision_ = 0;
  bool expiring_ = false;  // an expiry job is queued or running
  // Last: stopped and destroyed first, so no job or snapshot outlives what it uses.
  std::unique_ptr<FleetLink> link_;
};

// Audit lines (JSON, oldest first) as history entries: the LIMIT newest, newest first.
AuditHistory historyOf(const std::vector<std::string>& lines, std::size_t limit);

// The agent's settings for [cluster]; throws when the password file cannot be read.
FleetSettings fleetSettings(const config::ClusterConfig& cluster);

}  // namespace planb::daemon
