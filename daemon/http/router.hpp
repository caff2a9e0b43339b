#pragma once
// Routes requests by exact path and method to handlers: an unknown path is 404, a known path with
// another method 405 (with Allow). Callable as an http::Handler.

#include <map>
#include <string>

#include "http/http_server.hpp"

namespace planb::http {

class Router {
 public:
  // Handles METHOD PATH (the request target without its query string).
  Router& on(Verb method, std::string path, Handler handler);

  Response operator()(const Request& request, const PeerInfo& peer) const;

 private:
  std::map<std::string, std::map<Verb, Handler>, std::less<>> routes_;
};

// The request target's path: everything before '?'.
std::string_view pathOf(const Request& request);

}  // namespace planb::http
