#include "admin_api.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/rehearsal_step.hpp"
#include "rehearsal_json.hpp"
#include "rehearser.hpp"

namespace planb::daemon {

namespace {

// Invalid UTF-8 (from a provider's error text, say) is replaced rather than refused.
std::string jsonText(const nlohmann::ordered_json& document) {
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

http::Response jsonResponse(const http::Request& request, http::Status status,
                            const nlohmann::ordered_json& document) {
  return http::makeResponse(request, status, jsonText(document), "application/json");
}

http::Response badRequest(const http::Request& request, const std::string& why) {
  return jsonResponse(request, http::Status::bad_request, {{"ok", false}, {"error", why}});
}

}  // namespace

AdminApi::AdminApi(Log& log, const core::Clock& clock, AuditLog& audit, Authority& authority,
                   const Reconciler& reconciler, Hooks hooks)
    : log_(log),
      clock_(clock),
      audit_(audit),
      authority_(authority),
      reconciler_(reconciler),
      hooks_(std::move(hooks)),
      access_([this] { return hooks_.config().daemon.admin_group; }, ::geteuid(), credentials_,
              [this](const std::string& warning) { log_.warn(warning); }) {}

std::optional<gid_t> AdminApi::socketGroup() const {
  const std::string& group = hooks_.config().daemon.admin_group;
  std::optional<gid_t> gid = access_.groupId();  // a missing group is warned of here, at start
  if (!gid) {
    return std::nullopt;
  }
  if (::geteuid() == 0 || ::getegid() == *gid) {
    return gid;
  }
  std::vector<gid_t> mine(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
  int count = ::getgroups(static_cast<int>(mine.size()), mine.data());
  mine.resize(static_cast<std::size_t>(std::max(count, 0)));
  if (std::find(mine.begin(), mine.end(), *gid) != mine.end()) {
    return gid;
  }
  log_.warn("admin_socket: planbd is not in admin_group " + group +
            ", so the socket keeps planbd's group and the group's members cannot connect");
  return std::nullopt;
}

http::AsyncHandler AdminApi::handler() {
  return access_.guard(http::asyncHandler(routes()));
}

http::Router AdminApi::routes() {
  http::Router router;
  router.on(http::Verb::post, "/v1/reload",
            [this](const http::Request& request, const http::PeerInfo& peer) {
              return reload(request, peer);
            });
  router.on(http::Verb::get, "/v1/plan",
            [this](const http::Request& request, const http::PeerInfo&) {
              return http::makeResponse(request, http::Status::ok,
                                        planJson(hooks_.config(), reconciler_.records()),
                                        "application/json");
            });
  router.on(
      http::Verb::get, "/v1/status", [this](const http::Request& request, const http::PeerInfo&) {
        return http::makeResponse(request, http::Status::ok, statusJson(), "application/json");
      });
  router.on(
      http::Verb::get, "/v1/history",
      [this](const http::Request& request, const http::PeerInfo&) { return history(request); });
  if (hooks_.preflight) {
    router.onAsync(http::Verb::get, "/v1/preflight",
                   [this](const http::Request& request, const http::PeerInfo&, http::Reply reply) {
                     // The answer comes later: it keeps a copy of the request's headers.
                     http::Request head;
                     head.version(request.version());
                     head.keep_alive(request.keep_alive());
                     hooks_.preflight([head = std::move(head),
                                       reply = std::move(reply)](nlohmann::ordered_json document) {
                       reply(jsonResponse(head, http::Status::ok, document));
                     });
                   });
  }
  for (OperatorVerb verb : {OperatorVerb::Failover, OperatorVerb::Release, OperatorVerb::Drain,
                            OperatorVerb::Undrain, OperatorVerb::Freeze, OperatorVerb::Unfreeze}) {
    router.onAsync(
        http::Verb::post, "/v1/" + std::string(nameOf(verb)),
        [this, verb](const http::Request& request, const http::PeerInfo& peer, http::Reply reply) {
          operatorAction(request, peer, verb, std::move(reply));
        });
  }
  router.onAsync(http::Verb::post, "/v1/rehearse",
                 [this](const http::Request& request, const http::PeerInfo& peer,
                        http::Reply reply) { rehearse(request, peer, std::move(reply)); });
  return router;
}

// POST /v1/rehearse {"zone"?, "provider"?}: answers when every matching pair has rehearsed (each
// rehearsal is bounded by [rehearsal] timeout), with their records; audited.
void AdminApi::rehearse(const http::Request& request, const http::PeerInfo& peer,
                        http::Reply reply) {
  std::optional<std::string> zone;
  std::optional<std::string> provider;
  try {
    nlohmann::json body =
        request.body().empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body());
    if (!body.is_object()) {
      throw std::invalid_argument("not an object");
    }
    for (const auto& [key, value] : body.items()) {
      if ((key != "zone" && key != "provider") || !value.is_string()) {
        reply(badRequest(request, "unexpected \"" + key + "\": only zone and provider, strings"));
        return;
      }
      (key == "zone" ? zone : provider) = value.get<std::string>();
    }
  } catch (const std::exception&) {
    reply(badRequest(request, "the body must be a JSON object"));
    return;
  }
  std::string user = http::callerName(credentials_, peer.uid);
  nlohmann::ordered_json uid = peer.uid ? nlohmann::ordered_json(*peer.uid) : nullptr;
  // Which pairs were asked for (null: all), and in the message each one's outcome.
  nlohmann::ordered_json scope{
      {"zone", zone ? nlohmann::ordered_json(*zone) : nullptr},
      {"provider", provider ? nlohmann::ordered_json(*provider) : nullptr}};
  auto audit = [this, user, uid, scope](const std::string& result, const std::string& message) {
    AuditEntry entry{{"type", "operator"}, {"action", "rehearse"}, {"user", user},
                     {"uid", uid},         {"reason", ""},         {"result", result},
                     {"message", message}};
    entry.update(scope);
    if (auto error = audit_.append(std::move(entry), clock_.wallNow())) {
      log_.error("audit: " + *error);
    }
  };
  std::optional<std::string> refused =
      rehearser_ == nullptr ? std::optional<std::string>("this planbd does not rehearse")
                            : std::nullopt;
  http::Request head;
  head.version(request.version());
  head.keep_alive(request.keep_alive());
  if (!refused) {
    refused = rehearser_->runNow(zone, provider, [head, reply, audit](RehearsalResults results) {
      bool all = true;
      std::string pairs;
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& [key, record] : results) {
        all = all && record.passed;
        pairs += (pairs.empty() ? "" : ", ") + key.second + " for " + key.first + " " +
                 (record.passed ? std::string("passed")
                                : "FAILED at " + std::string(core::nameOf(*record.failed_step)) +
                                      ": " + record.error);
        list.push_back(rehearsalJson(key, &record));
      }
      audit(all ? "ok" : "failed", pairs);
      reply(jsonResponse(head, http::Status::ok, {{"ok", all}, {"rehearsals", list}}));
    });
  }
  if (refused) {
    audit("refused", *refused);
    reply(jsonResponse(request, http::Status::unprocessable_entity,
                       {{"ok", false}, {"error", *refused}}));
  }
}

http::Response AdminApi::reload(const http::Request& request, const http::PeerInfo& peer) {
  std::vector<std::string> refused = hooks_.reload();
  AuditEntry entry{{"type", "operator"},
                   {"action", "reload"},
                   {"user", http::callerName(credentials_, peer.uid)},
                   {"uid", peer.uid ? nlohmann::ordered_json(*peer.uid) : nullptr},
                   {"reason", ""},
                   {"result", refused.empty() ? "ok" : "refused"},
                   {"message", refused.empty() ? "new configuration active"
                                               : std::to_string(refused.size()) +
                                                     " error(s); the previous "
                                                     "configuration keeps running"}};
  if (auto error = audit_.append(std::move(entry), clock_.wallNow())) {
    log_.error("audit: " + *error);
  }
  nlohmann::ordered_json reply{{"ok", refused.empty()}, {"errors", refused}};
  return jsonResponse(
      request, refused.empty() ? http::Status::ok : http::Status::unprocessable_entity, reply);
}

void AdminApi::operatorAction(const http::Request& request, const http::PeerInfo& peer,
                              OperatorVerb verb, http::Reply reply) {
  std::variant<OperatorRequest, std::string> parsed = parseOperatorRequest(verb, request.body());
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    reply(badRequest(request, *why));
    return;
  }
  Operator who{peer.uid ? std::optional<unsigned>(*peer.uid) : std::nullopt,
               http::callerName(credentials_, peer.uid)};
  // The answer may come after this returns: it keeps a copy of the request's headers.
  http::Request head;
  head.version(request.version());
  head.keep_alive(request.keep_alive());
  authority_.act(
      std::get<OperatorRequest>(parsed), who,
      [head = std::move(head), reply = std::move(reply)](OperatorAnswer answer) {
        reply(jsonResponse(head, answer.ok ? http::Status::ok : http::Status::unprocessable_entity,
                           {{"ok", answer.ok}, {answer.ok ? "message" : "error", answer.message}}));
      });
}

http::Response AdminApi::history(const http::Request& request) const {
  std::size_t limit = 50;
  std::string target(request.target());
  if (auto q = target.find("limit="); q != std::string::npos) {
    std::string digits(target.substr(q + 6));
    try {
      std::size_t used = 0;
      long n = std::stol(digits, &used);
      if (n <= 0 || (used < digits.size() && digits[used] != '&')) {
        throw std::invalid_argument(digits);
      }
      limit = static_cast<std::size_t>(n);
    } catch (const std::exception&) {
      return badRequest(request, "limit must be a positive number");
    }
  }
  AuditHistory history = authority_.history(limit);
  return jsonResponse(request, http::Status::ok,
                      {{"path", audit_.path()},
                       {"source", history.source},
                       {"skipped_lines", history.skipped},
                       {"entries", history.entries}});
}

std::string AdminApi::statusJson() const {
  std::optional<FleetStatus> fleet = authority_.fleetStatus();
  nlohmann::ordered_json doc =
      statusDocument(hooks_.config(), hooks_.board(), reconciler_.records(), authority_.overrides(),
                     guardStatus(), fleet ? &*fleet : nullptr);
  // Providers whose temporary credentials expire: when, so an operator sees a source that stopped
  // renewing them before a failover is refused.
  nlohmann::ordered_json credentials = nlohmann::ordered_json::array();
  for (const auto& [provider, at] : reconciler_.credentialExpiries()) {
    credentials.push_back(
        {{"provider", provider},
         {"expires_unix_time",
          std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count()}});
  }
  doc["credentials"] = credentials;
  doc["rehearsals"] = rehearsalsJson(hooks_.config(),
                                     rehearser_ ? rehearser_->records() : core::RehearsalRecords{});
  // What could not be saved under state_dir (a full disk): DNS is still steered, but operator
  // actions are refused and a kill -9 would lose what is only in memory.
  const std::string& state_error = reconciler_.persistError();
  const std::string& audit_error = hooks_.audit_error();
  doc["storage"] = {{"state_error", state_error.empty() ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(state_error)},
                    {"audit_error", audit_error.empty() ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(audit_error)},
                    {"audit_pending", audit_.pending()}};
  return jsonText(doc);
}

http::StatusPageData AdminApi::statusPage() {
  return {[this] { return statusJson(); },
          [this](std::size_t limit) {
            AuditHistory history = authority_.history(limit);
            return jsonText({{"skipped_lines", history.skipped}, {"entries", history.entries}});
          },
          [this] { return hooks_.config().daemon.status_hosts; }};
}

GuardStatus AdminApi::guardStatus() const {
  GuardStatus status;
  const core::LocalNetworkGuard& guard = hooks_.guard();
  status.local_network_down = guard.down();
  for (std::size_t i = 0; i < guard.size(); ++i) {
    core::LocalNetworkGuard::Last last = guard.last(i);
    status.canaries.emplace_back(hooks_.config().guard.canaries[i],
                                 last == core::LocalNetworkGuard::Last::Ok       ? "ok"
                                 : last == core::LocalNetworkGuard::Last::Failed ? "failing"
                                                                                 : "unknown");
  }
  return status;
}

}  // namespace planb::daemon
