#include "http/router.hpp"

#include <boost/beast/http/field.hpp>
#include <memory>
#include <optional>
#include <stdexcept>

namespace planb::http {

std::string_view pathOf(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

Router& Router::on(Verb method, std::string path, Handler handler) {
  return onAsync(method, std::move(path),
                 [handler = std::move(handler)](const Request& request, const PeerInfo& peer,
                                                Reply reply) { reply(handler(request, peer)); });
}

Router& Router::onAsync(Verb method, std::string path, AsyncHandler handler) {
  routes_[std::move(path)][method] = std::move(handler);
  return *this;
}

Response Router::operator()(const Request& request, const PeerInfo& peer) const {
  auto answer = std::make_shared<std::optional<Response>>();
  dispatch(request, peer, [answer](Response response) { *answer = std::move(response); });
  if (!*answer) {
    throw std::logic_error("an asynchronous route did not answer at once");
  }
  return std::move(**answer);
}

AsyncHandler asyncHandler(Router router) {
  return [router = std::move(router)](const Request& request, const PeerInfo& peer, Reply reply) {
    router.dispatch(request, peer, std::move(reply));
  };
}

void Router::dispatch(const Request& request, const PeerInfo& peer, Reply reply) const {
  auto route = routes_.find(pathOf(request));
  if (route == routes_.end()) {
    reply(makeResponse(request, Status::not_found, "not found\n"));
    return;
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
    reply(std::move(response));
    return;
  }
  handler->second(request, peer, std::move(reply));
}

}  // namespace planb::http
