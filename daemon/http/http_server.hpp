#pragma once
// A small HTTP/1.1 server on Boost.Beast for /metrics, /healthz and the admin API: the same code
// listens on TCP host:port (metrics_listen) and on a unix domain socket (admin_socket), where the
// peer's credentials (SO_PEERCRED) reach the handler.
//
// The handler is a pure function request -> response (Beast's handle_request style), so routes are
// tested without sockets. The server adds what every response needs: the version, keep-alive,
// Content-Length, a 500 when a handler throws, 400/413/431 for requests it cannot accept.
//
// Runs on the daemon's io_context and expects it to run on one thread: construct, listen, stop and
// destroy on that thread (or while it is not running).

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace planb::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Verb = boost::beast::http::verb;

// Who sent a request.
struct PeerInfo {
  bool unix_socket = false;
  std::string address;  // "127.0.0.1:50312" / "[::1]:50312"; the socket path for unix sockets
  // Unix sockets only: the credentials of the connecting process (SO_PEERCRED).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<pid_t> pid;
};

using Handler = std::function<Response(const Request&, const PeerInfo&)>;

// A handler that answers later, for work that must not hold the io_context (fleet mode's etcd
// writes): it calls `reply` once, on the io_context's thread, when the response is ready. What it
// needs of the request it copies before returning.
using Reply = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, const PeerInfo&, Reply)>;

struct ServerOptions {
  std::chrono::milliseconds timeout{10'000};  // each read and each write; an idle keep-alive too
  std::uint64_t body_limit = 1024 * 1024;     // larger request bodies get 413
  std::uint32_t header_limit = 16 * 1024;     // larger request headers get 431
  // More connections are accepted and closed at once: from one client (one IP address; one uid
  // on a unix socket) beyond the first cap, so idle sockets of one client never lock another out,
  // and from everyone together beyond the second.
  std::size_t max_connections_per_peer = 16;
  std::size_t max_connections = 128;
};

// A response to `request` with the request's version and keep-alive, Content-Type and a prepared
// Content-Length.
Response makeResponse(const Request& request, Status status, std::string body,
                      std::string_view content_type = "text/plain; charset=utf-8");

// Calls `handler`; never throws: an exception becomes a 500 with a short text (never the
// exception's message, which may say more than a client should see).
Response respond(const Handler& handler, const Request& request, const PeerInfo& peer) noexcept;

// The same for an asynchronous handler: `send` gets the response, once, whenever it is ready.
void respond(const AsyncHandler& handler, const Request& request, const PeerInfo& peer,
             Reply send) noexcept;

// Why the directory of a unix socket at `socket_path` cannot be trusted, or nullopt: it must be a
// directory owned by root or by `owner` (planbd's user), and not writable by group or others unless
// sticky (as /tmp), or someone else could replace the socket planbctl talks to.
std::optional<std::string> checkSocketDirectory(const std::string& socket_path, uid_t owner);

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Handler handler, ServerOptions options = {});
  HttpServer(boost::asio::io_context& io, AsyncHandler handler, ServerOptions options = {});
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on every address `address.host` resolves to (port 0: a free port, see tcpEndpoints).
  // Throws boost::system::system_error when none can be bound.
  void listen(const config::HostPort& address);

  // Listens on a unix domain socket at `path`, created with `mode` (and, when given, owned by
  // `group`) before it accepts anything: the mode is set on the socket before bind(), never by
  // path afterwards. A stale socket file is replaced; a socket something still answers on, or a
  // file of another kind, is an error (boost::system::system_error). So is a directory others could
  // swap the socket in (checkSocketDirectory). stop() removes the socket file.
  void listenUnix(const std::string& path, mode_t mode = 0660,
                  std::optional<gid_t> group = std::nullopt);

  std::vector<boost::asio::ip::tcp::endpoint> tcpEndpoints() const;

  // Stops accepting and closes idle connections; a response being written is finished first
  // (bounded by the timeout). No handler runs after stop() returns. Idempotent.
  void stop();

  std::size_t connections() const;  // open connections, for tests and status

  struct State;
  class ListenerBase;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
  std::vector<std::shared_ptr<ListenerBase>> listeners_;
};

}  // namespace planb::http
