#pragma once
// The admin API of planbctl on admin_socket (reload, plan, status, history and the operator
// verbs), and what the status page reads: the same status document and history. Reads the
// daemon's state through the hooks; operator actions go to the Authority, which answers them
// when they are stored (in fleet mode, after etcd did, without holding the event loop).

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "authority.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/health_board.hpp"
#include "core/local_network_guard.hpp"
#include "http/admin_access.hpp"
#include "http/router.hpp"
#include "http/status_page.hpp"
#include "log.hpp"
#include "reconciler.hpp"

namespace planb::daemon {

class Rehearser;

class AdminApi {
 public:
  // What the daemon provides: the active generation and the reload.
  struct Hooks {
    // Loads the configuration again; returns why it was refused, empty when it is active.
    std::function<std::vector<std::string>()> reload;
    std::function<const config::Config&()> config;
    std::function<const core::HealthBoard&()> board;
    std::function<const core::LocalNetworkGuard&()> guard;
    // Why audit.jsonl cannot be written now, or empty.
    std::function<const std::string&()> audit_error;
    // GET /v1/preflight: gathers without blocking the loop, answers the document through DONE.
    std::function<void(std::function<void(nlohmann::ordered_json)> done)> preflight = nullptr;
  };

  AdminApi(Log& log, const core::Clock& clock, AuditLog& audit, Authority& authority,
           const Reconciler& reconciler, Hooks hooks);

  // The routes of admin_socket.
  http::Router routes();
  // What admin_socket serves: routes() behind the admin_group check (http/admin_access.hpp).
  http::AsyncHandler handler();
  // The group admin_socket is given so admin_group's members can connect: admin_group's gid when
  // planbd may give its files that group (root, or a member itself); nullopt otherwise.
  std::optional<gid_t> socketGroup() const;
  // What the status page reads: the status document, and the newest audit events (without the
  // log's path).
  http::StatusPageData statusPage();
  // GET /v1/status: the JSON text of the status document.
  std::string statusJson() const;
  // POST /v1/rehearse runs rehearsals on it; the status shows its records. None: no rehearsals.
  void setRehearser(Rehearser* rehearser) { rehearser_ = rehearser; }

 private:
  http::Response reload(const http::Request& request, const http::PeerInfo& peer);
  void operatorAction(const http::Request& request, const http::PeerInfo& peer, OperatorVerb verb,
                      http::Reply reply);
  http::Response history(const http::Request& request) const;
  GuardStatus guardStatus() const;
  void rehearse(const http::Request& request, const http::PeerInfo& peer, http::Reply reply);

  Log& log_;
  const core::Clock& clock_;
  AuditLog& audit_;
  Authority& authority_;
  const Reconciler& reconciler_;
  Hooks hooks_;
  http::CredentialLookup credentials_ = http::hostCredentials();
  http::AdminAccess access_;
  Rehearser* rehearser_ = nullptr;
};

}  // namespace planb::daemon
