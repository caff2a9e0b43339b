// Fuzzes the admin and metrics HTTP server's request handling: the input is the bytes a client
// sends, parsed by the server's Beast request parser with its default limits (headers 16 KiB,
// body 1 MiB), then routed by a Router holding planbd's admin routes, whose operator routes read
// the body as planbd does (parseOperatorRequest), and answered through respond(). A request the
// parser refuses must be refused with an error, never crash.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
// GCC 12's false maybe-uninitialized inside Beast 1.74's parser, as in daemon/http.
#pragma GCC diagnostic push
#ifndef __clang__  // clang has no such warning, and would warn about the pragma
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/http/parser.hpp>
#pragma GCC diagnostic pop
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "http/http_server.hpp"
#include "http/router.hpp"
#include "operator_desk.hpp"

using namespace planb;
namespace bhttp = boost::beast::http;

namespace {

http::Response json(const http::Request& request, http::Status status,
                    const nlohmann::ordered_json& document) {
  return http::makeResponse(
      request, status,
      document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n",
      "application/json");
}

const http::Router& router() {
  static const http::Router r = [] {
    http::Router routes;
    routes.on(http::Verb::get, "/metrics", [](const http::Request& request, const http::PeerInfo&) {
      return http::makeResponse(request, http::Status::ok, "planb_up 1\n");
    });
    routes.on(http::Verb::get, "/v1/status",
              [](const http::Request& request, const http::PeerInfo& peer) {
                return json(request, http::Status::ok,
                            {{"path", std::string(http::pathOf(request))}, {"peer", peer.address}});
              });
    for (daemon::OperatorVerb verb :
         {daemon::OperatorVerb::Failover, daemon::OperatorVerb::Release,
          daemon::OperatorVerb::Drain, daemon::OperatorVerb::Undrain, daemon::OperatorVerb::Freeze,
          daemon::OperatorVerb::Unfreeze}) {
      routes.on(
          http::Verb::post, "/v1/" + std::string(daemon::nameOf(verb)),
          [verb](const http::Request& request, const http::PeerInfo&) {
            auto parsed = daemon::parseOperatorRequest(verb, request.body());
            if (const auto* why = std::get_if<std::string>(&parsed)) {
              return json(request, http::Status::bad_request, {{"ok", false}, {"error", *why}});
            }
            return json(request, http::Status::ok, {{"ok", true}});
          });
    }
    return routes;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const http::ServerOptions limits;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(limits.body_limit);
  parser.header_limit(limits.header_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) {
      break;
    }
    used += n;
  }
  if (!ec && !parser.is_done() && parser.is_header_done()) {
    parser.put_eof(ec);  // the client closed the connection
  }
  if (ec || !parser.is_done()) {
    return 0;  // the server answers 400, 413 or 431 and closes
  }
  http::Request request = parser.release();
  http::PeerInfo peer;
  peer.unix_socket = true;
  peer.address = "/run/planb/admin.sock";
  peer.uid = 0;
  http::Response response = http::respond(router(), request, peer);
  (void)response;
  return 0;
}
