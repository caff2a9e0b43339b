#include "http/admin_access.hpp"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

namespace planb::http {

namespace {

// getpwuid_r/getgrnam_r buffers: their sysconf hint, which may be -1, or 16 KiB; doubled on ERANGE.
constexpr std::size_t kLookupBuffer = 16 * 1024;

std::optional<struct passwd> passwdOf(uid_t uid, std::vector<char>& buffer) {
  buffer.resize(kLookupBuffer);
  for (;;) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    int rc = ::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) {
      return std::nullopt;
    }
    return pw;
  }
}

bool allDigits(const std::string& text) {
  return !text.empty() && text.size() <= 10 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

CredentialLookup hostCredentials() {
  CredentialLookup lookup;
  lookup.user_name = [](uid_t uid) -> std::optional<std::string> {
    std::vector<char> buffer;
    if (auto pw = passwdOf(uid, buffer)) {
      return std::string(pw->pw_name);
    }
    return std::nullopt;
  };
  lookup.groups_of = [](uid_t uid) -> std::vector<gid_t> {
    std::vector<char> buffer;
    auto pw = passwdOf(uid, buffer);
    if (!pw) {
      return {};
    }
    std::vector<gid_t> groups(64);
    for (;;) {
      int count = static_cast<int>(groups.size());
      if (::getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) >= 0) {
        groups.resize(static_cast<std::size_t>(count));
        return groups;
      }
      if (count <= static_cast<int>(groups.size()) || count > 65536) {
        return {};
      }
      groups.resize(static_cast<std::size_t>(count));  // getgrouplist said how many there are
    }
  };
  lookup.group_id = [](const std::string& name) -> std::optional<gid_t> {
    std::vector<char> buffer(kLookupBuffer);
    for (;;) {
      struct group gr {};
      struct group* found = nullptr;
      int rc = ::getgrnam_r(name.c_str(), &gr, buffer.data(), buffer.size(), &found);
      if (rc == ERANGE && buffer.size() < (1u << 20)) {
        buffer.resize(buffer.size() * 2);
        continue;
      }
      if (rc != 0 || found == nullptr) {
        return std::nullopt;
      }
      return gr.gr_gid;
    }
  };
  return lookup;
}

bool changesState(Verb method) {
  return method != Verb::get && method != Verb::head;
}

std::string callerName(const CredentialLookup& lookup, std::optional<uid_t> uid) {
  if (!uid) {
    return "unknown";
  }
  if (auto name = lookup.user_name(*uid)) {
    return *name;
  }
  return "uid " + std::to_string(*uid);
}

AdminAccess::AdminAccess(std::function<std::string()> group, uid_t self, CredentialLookup lookup,
                         std::function<void(const std::string&)> warn)
    : group_(std::move(group)), self_(self), lookup_(std::move(lookup)), warn_(std::move(warn)) {}

std::optional<gid_t> AdminAccess::groupId() const {
  const std::string group = group_();
  if (allDigits(group)) {
    return static_cast<gid_t>(std::stoul(group));
  }
  std::optional<gid_t> gid = lookup_.group_id(group);
  if (!gid && warned_.insert(group).second) {
    warn_("admin_group " + group +
          " does not exist on this host: only root and planbd's user may change state");
  }
  return gid;
}

std::optional<std::string> AdminAccess::refusal(const PeerInfo& peer) const {
  if (!peer.uid) {
    return "the caller's credentials are unknown: state is changed only through the admin socket";
  }
  const uid_t uid = *peer.uid;
  if (uid == 0 || uid == self_) {
    return std::nullopt;
  }
  const std::string group = group_();
  std::optional<gid_t> gid = groupId();
  if (gid) {
    if (peer.gid && *peer.gid == *gid) {
      return std::nullopt;
    }
    std::vector<gid_t> groups = lookup_.groups_of(uid);
    if (std::find(groups.begin(), groups.end(), *gid) != groups.end()) {
      return std::nullopt;
    }
  }
  std::string who = "uid " + std::to_string(uid);
  if (auto name = lookup_.user_name(uid)) {
    who += " (" + *name + ")";
  }
  return who + " is not root, planbd's user or in group " + group +
         (gid ? "" : " (no such group on this host)");
}

AsyncHandler AdminAccess::guard(AsyncHandler handler) const {
  return [this, handler = std::move(handler)](const Request& request, const PeerInfo& peer,
                                              Reply reply) {
    if (changesState(request.method())) {
      if (auto why = refusal(peer)) {
        nlohmann::ordered_json body{{"ok", false}, {"error", *why}};
        reply(makeResponse(
            request, Status::forbidden,
            body.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n",
            "application/json"));
        return;
      }
    }
    handler(request, peer, std::move(reply));
  };
}

}  // namespace planb::http
