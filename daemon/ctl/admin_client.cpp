#include "admin_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace planb::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<AdminReply> askPlanbd(const std::string& socket_path, const std::string& method,
                                    const std::string& target, const std::string& body,
                                    std::string& why, std::chrono::seconds timeout) {
  asio::io_context io;
  beast::basic_stream<asio::local::stream_protocol> stream(io);
  stream.expires_after(timeout);
  boost::system::error_code ec;
  stream.socket().connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec) {
    why = "cannot connect to " + socket_path + ": " + ec.message();
    return std::nullopt;
  }
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "planbd");
  request.set(http::field::user_agent, "planbctl/" PLANB_VERSION);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) {
    http::read(stream, buffer, response, ec);
  }
  if (ec) {
    why = "no answer from planbd on " + socket_path + ": " + ec.message();
    return std::nullopt;
  }
  return AdminReply{static_cast<int>(response.result_int()), response.body()};
}

}  // namespace planb::ctl
