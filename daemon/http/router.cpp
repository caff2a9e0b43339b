#include "http/router.hpp"

#include <boost/beast/http/field.hpp>

namespace planb::http {

std::string_view pathOf(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

Router& Router::on(Verb method, std::string path, Handler handler) {
  routes_[std::move(path)][method] = std::move(handler);
  return *this;
}

Response Router::operator()(const Request& request, const PeerInfo& peer) const {
  auto route = routes_.find(pathOf(request));
  if (route == routes_.end()) {
    return makeResponse(request, Status::not_found, "not found\n");
  }
  auto handler = route->second.find(request.method());
  if (handler == route->second.end()) {
    std::string allow;
    for (const auto& [method, unused] : route->second) {
      auto name = boost::beast::http::to_string(method);
      allow += (allow.empty() ? "" : ", ") + std::string(name.data(), name.size());
    }
    Response response = makeResponse(request, Status::method_not_allowed, "method not allowed\n");
    response.set(boost::beast::http::field::allow, allow);
    return response;
  }
  return handler->second(request, peer);
}

}  // namespace planb::http
