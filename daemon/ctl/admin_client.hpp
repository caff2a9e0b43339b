#pragma once
// planbctl's side of the admin API: one HTTP/JSON request over planbd's unix socket.

#include <chrono>
#include <optional>
#include <string>

namespace planb::ctl {

struct AdminReply {
  int status = 0;
  std::string body;
};

// Sends METHOD TARGET (with BODY, if any) to the admin socket at PATH. nullopt when planbd cannot
// be reached; `why` then says what failed (no socket, connection refused, permission denied).
// TIMEOUT bounds the whole exchange: longer for a verb planbd answers when its work is done.
std::optional<AdminReply> askPlanbd(const std::string& socket_path, const std::string& method,
                                    const std::string& target, const std::string& body,
                                    std::string& why,
                                    std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace planb::ctl
