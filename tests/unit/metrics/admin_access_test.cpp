// The admin socket's rule (product.md §4): state changes only from root, planbd's user and
// members of admin_group; reads from anyone who can open the socket. Peer credentials are faked
// through PeerInfo and the host's user and group databases through CredentialLookup.

#include "http/admin_access.hpp"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace planb::http {
namespace {

constexpr uid_t kPlanbd = 998;
constexpr gid_t kAdmins = 4242;

// A host with alice (1001, member of planb-admin by a supplementary group), bob (1002, not a
// member), carol (1003, planb-admin as her primary group) and uid 1004 without a passwd entry.
struct FakeHost {
  std::map<uid_t, std::string> users{{1001, "alice"}, {1002, "bob"}, {1003, "carol"}};
  std::map<uid_t, std::vector<gid_t>> groups{
      {1001, {1001, 27, kAdmins}}, {1002, {1002, 27}}, {1003, {kAdmins}}};
  std::map<std::string, gid_t> group_ids{{"planb-admin", kAdmins}, {"sudo", 27}};

  CredentialLookup lookup() {
    CredentialLookup l;
    l.user_name = [this](uid_t uid) -> std::optional<std::string> {
      auto it = users.find(uid);
      return it == users.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    l.groups_of = [this](uid_t uid) {
      auto it = groups.find(uid);
      return it == groups.end() ? std::vector<gid_t>{} : it->second;
    };
    l.group_id = [this](const std::string& name) -> std::optional<gid_t> {
      auto it = group_ids.find(name);
      return it == group_ids.end() ? std::nullopt : std::optional<gid_t>(it->second);
    };
    return l;
  }
};

struct AccessFixture {
  FakeHost host;
  std::string group = "planb-admin";
  std::vector<std::string> warnings;
  AdminAccess access{[this] { return group; }, kPlanbd, host.lookup(),
                     [this](const std::string& w) { warnings.push_back(w); }};
  int handled = 0;
  AsyncHandler guarded = access.guard(asyncHandler(
      Router()
          .on(Verb::get, "/v1/status",
              [this](const Request& r, const PeerInfo&) {
                ++handled;
                return makeResponse(r, Status::ok, "{}");
              })
          .on(Verb::post, "/v1/failover",
              [this](const Request& r, const PeerInfo&) {
                ++handled;
                return makeResponse(r, Status::ok, "{\"ok\": true}");
              })
          // A route added later (rehearse): covered by its method, not by a list of paths.
          .on(Verb::post, "/v1/rehearse", [this](const Request& r, const PeerInfo&) {
            ++handled;
            return makeResponse(r, Status::ok, "{\"ok\": true}");
          })));

  Response send(Verb method, const std::string& target, std::optional<uid_t> uid,
                std::optional<gid_t> gid) {
    Request request(method, target, 11);
    PeerInfo peer;
    peer.unix_socket = uid.has_value();
    peer.uid = uid;
    peer.gid = gid;
    std::optional<Response> answer;
    guarded(request, peer, [&](Response r) { answer = std::move(r); });
    REQUIRE(answer);
    return std::move(*answer);
  }
};

std::string errorOf(const Response& response) {
  return nlohmann::json::parse(response.body()).at("error").get<std::string>();
}

TEST_CASE("a member of admin_group by a supplementary group may pin a record") {
  AccessFixture f;
  CHECK(f.send(Verb::post, "/v1/failover", 1001, 1001).result() == Status::ok);
  CHECK(f.handled == 1);
}

TEST_CASE(
    "a member by the primary gid the socket reports may pin, with or without a passwd entry") {
  AccessFixture f;
  CHECK(f.send(Verb::post, "/v1/failover", 1003, 1003).result() == Status::ok);  // passwd's group
  CHECK(f.send(Verb::post, "/v1/failover", 1004, kAdmins).result() == Status::ok);  // SO_PEERCRED
  CHECK(f.handled == 2);
}

TEST_CASE("root and planbd's own user may change state without being in the group") {
  AccessFixture f;
  CHECK(f.send(Verb::post, "/v1/failover", 0, 0).result() == Status::ok);
  CHECK(f.send(Verb::post, "/v1/failover", kPlanbd, kPlanbd).result() == Status::ok);
}

TEST_CASE("a non-member gets 403 naming its uid, its user and the group, and nothing runs") {
  AccessFixture f;
  Response refused = f.send(Verb::post, "/v1/failover", 1002, 1002);
  CHECK(refused.result() == Status::forbidden);
  CHECK(refused[boost::beast::http::field::content_type] == "application/json");
  CHECK(errorOf(refused) == "uid 1002 (bob) is not root, planbd's user or in group planb-admin");
  Response nameless = f.send(Verb::post, "/v1/failover", 1005, 1005);
  CHECK(errorOf(nameless) == "uid 1005 is not root, planbd's user or in group planb-admin");
  CHECK(f.handled == 0);
}

TEST_CASE("every method but GET and HEAD is checked, on routes added later and unknown paths") {
  AccessFixture f;
  CHECK(f.send(Verb::post, "/v1/rehearse", 1002, 1002).result() == Status::forbidden);
  CHECK(f.send(Verb::put, "/v1/failover", 1002, 1002).result() == Status::forbidden);
  CHECK(f.send(Verb::delete_, "/v1/anything", 1002, 1002).result() == Status::forbidden);
  CHECK(f.send(Verb::patch, "/v1/status", 1002, 1002).result() == Status::forbidden);
  CHECK(f.handled == 0);
  CHECK(f.send(Verb::post, "/v1/rehearse", 1001, 1001).result() == Status::ok);
}

TEST_CASE("reads stay open to whoever can open the socket") {
  AccessFixture f;
  CHECK(f.send(Verb::get, "/v1/status", 1002, 1002).result() == Status::ok);
  CHECK(f.send(Verb::get, "/v1/status", 1005, 1005).result() == Status::ok);
  CHECK(f.handled == 2);
}

TEST_CASE("a request without peer credentials cannot change state") {
  AccessFixture f;
  Response refused = f.send(Verb::post, "/v1/failover", std::nullopt, std::nullopt);
  CHECK(refused.result() == Status::forbidden);
  CHECK(f.handled == 0);
}

TEST_CASE("a group the host lacks leaves only root and planbd's user, and is warned of once") {
  AccessFixture f;
  f.group = "oncall";
  Response refused = f.send(Verb::post, "/v1/failover", 1001, 1001);
  CHECK(refused.result() == Status::forbidden);
  CHECK(errorOf(refused) ==
        "uid 1001 (alice) is not root, planbd's user or in group oncall (no such group on this "
        "host)");
  f.send(Verb::post, "/v1/failover", 1002, 1002);
  CHECK(f.send(Verb::post, "/v1/failover", 0, 0).result() == Status::ok);
  CHECK(f.send(Verb::post, "/v1/failover", kPlanbd, kPlanbd).result() == Status::ok);
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0] ==
        "admin_group oncall does not exist on this host: only root and planbd's user may change "
        "state");
}

TEST_CASE("a missing group is warned of once, whether asked for at start or by requests") {
  AccessFixture f;
  f.group = "oncall";
  CHECK(f.access.groupId() == std::nullopt);  // planbd's start, giving the socket its group
  f.send(Verb::post, "/v1/failover", 1001, 1001);
  CHECK(f.warnings.size() == 1);
  f.group = "planb-admin";
  CHECK(f.access.groupId() == kAdmins);
  f.group = "27";
  CHECK(f.access.groupId() == 27u);
  CHECK(f.warnings.size() == 1);
}

TEST_CASE("admin_group given as a numeric gid needs no group entry, and a reload's group counts") {
  AccessFixture f;
  f.group = "27";
  CHECK(f.send(Verb::post, "/v1/failover", 1002, 1002).result() == Status::ok);
  CHECK(f.send(Verb::post, "/v1/failover", 1005, 27).result() == Status::ok);
  CHECK(f.send(Verb::post, "/v1/failover", 1003, 1003).result() == Status::forbidden);
  f.group = "planb-admin";
  CHECK(f.send(Verb::post, "/v1/failover", 1003, 1003).result() == Status::ok);
  CHECK(f.warnings.empty());
}

TEST_CASE("the caller is named by its user, or by its uid when it has none") {
  FakeHost host;
  CredentialLookup lookup = host.lookup();
  CHECK(callerName(lookup, 1001) == "alice");
  CHECK(callerName(lookup, 1004) == "uid 1004");
  CHECK(callerName(lookup, std::nullopt) == "unknown");
}

}  // namespace
}  // namespace planb::http
