#pragma once
// Who may change state through the admin socket (product.md §4): root, planbd's own user and the
// members of [daemon] admin_group. Reads stay open to whoever can open the socket. The check goes
// by the request's method, never by a list of paths, so a route added later is covered too.

#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/http_server.hpp"

namespace planb::http {

// What the check asks of the host; tests inject their own.
struct CredentialLookup {
  // The uid's user name; nullopt when it has no passwd entry.
  std::function<std::optional<std::string>(uid_t)> user_name;
  // The groups of the uid's passwd entry (getgrouplist: its primary group and supplementary
  // ones); empty when it has none.
  std::function<std::vector<gid_t>(uid_t)> groups_of;
  // The gid of a group name; nullopt when the host has no such group.
  std::function<std::optional<gid_t>(const std::string&)> group_id;
};

// The host's passwd and group databases.
CredentialLookup hostCredentials();

// Whether a request with METHOD may change state: everything but GET and HEAD.
bool changesState(Verb method);

// "alice", or "uid 1001" when the uid has no name; "unknown" without credentials.
std::string callerName(const CredentialLookup& lookup, std::optional<uid_t> uid);

class AdminAccess {
 public:
  // GROUP names the admin group at the time of each request (a reload may change it): a name or
  // a numeric gid. SELF is planbd's uid. WARN is told, once per name, of a group the host lacks
  // (then only root and planbd's user may change state).
  AdminAccess(std::function<std::string()> group, uid_t self, CredentialLookup lookup,
              std::function<void(const std::string&)> warn);

  // The admin group's gid now; nullopt, warned of once, when the host has no such group.
  std::optional<gid_t> groupId() const;

  // Why PEER may not change state, or nullopt when it may.
  std::optional<std::string> refusal(const PeerInfo& peer) const;

  // HANDLER behind the check: a state-changing request from anyone else gets 403 with
  // {"ok": false, "error": WHY}; reads pass. Keeps a reference to this object.
  AsyncHandler guard(AsyncHandler handler) const;

 private:
  std::function<std::string()> group_;
  uid_t self_;
  CredentialLookup lookup_;
  std::function<void(const std::string&)> warn_;
  mutable std::set<std::string> warned_;
};

}  // namespace planb::http
