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
  // The same for a handler that answers later.
  Router& onAsync(Verb method, std::string path, AsyncHandler handler);

  // Routes to the handler, which answers through REPLY (at once, or later for onAsync routes).
  void dispatch(const Request& request, const PeerInfo& peer, Reply reply) const;

  // For routes that answer at once; an onAsync route that has not answered on return is a 500.
  Response operator()(const Request& request, const PeerInfo& peer) const;

 private:
  std::map<std::string, std::map<Verb, AsyncHandler>, std::less<>> routes_;
};

// ROUTER as a handler for HttpServer, with its onAsync routes answering when they are done.
AsyncHandler asyncHandler(Router router);

// The request target's path: everything before '?'.
std::string_view pathOf(const Request& request);

}  // namespace planb::http
