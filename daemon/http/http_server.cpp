#include "http/http_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
// GCC 12 reports a false maybe-uninitialized inside Beast 1.74's parser (boost::optional) with
// some flag sets; the locations are Beast's, so silencing its headers suffices (as in probes/).
#pragma GCC diagnostic push
#ifndef __clang__  // clang has no such warning, and would warn about the pragma
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#pragma GCC diagnostic pop
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <utility>

namespace planb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
using boost::system::error_code;
using boost::system::system_error;
using namespace std::chrono_literals;

Response makeResponse(const Request& request, Status status, std::string body,
                      std::string_view content_type) {
  Response response(status, request.version());
  response.set(bhttp::field::content_type,
               beast::string_view(content_type.data(), content_type.size()));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

namespace {

// Whatever the handler built: the request's version, and keep-alive only if both want it.
Response finished(const Request& request, Response response) {
  bool keep_alive = response.keep_alive() && request.keep_alive();
  response.version(request.version());
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

Response internalError(const Request& request) noexcept {
  try {
    return makeResponse(request, Status::internal_server_error, "internal error\n");
  } catch (...) {
    return Response(Status::internal_server_error, 11);  // out of memory: an empty 500
  }
}

}  // namespace

Response respond(const Handler& handler, const Request& request, const PeerInfo& peer) noexcept {
  try {
    return finished(request, handler(request, peer));
  } catch (...) {
  }
  return internalError(request);
}

void respond(const AsyncHandler& handler, const Request& request, const PeerInfo& peer,
             Reply send) noexcept {
  // The handler may answer after this returns: what the answer needs of the request is kept.
  struct Pending {
    unsigned version;
    bool keep_alive;
    Reply send;
    bool sent = false;
  };
  auto pending =
      std::make_shared<Pending>(Pending{request.version(), request.keep_alive(), std::move(send)});
  auto reply = [pending](Response response) {
    if (std::exchange(pending->sent, true)) {
      return;  // answered twice: the first answer stands
    }
    bool keep_alive = response.keep_alive() && pending->keep_alive;
    response.version(pending->version);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    pending->send(std::move(response));
  };
  try {
    handler(request, peer, reply);
    return;
  } catch (...) {
  }
  if (!pending->sent) {
    reply(internalError(request));
  }
}

namespace detail {

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void stop() = 0;
};

}  // namespace detail

struct HttpServer::State {
  AsyncHandler handler;
  ServerOptions options;
  bool stopping = false;
  std::unordered_map<detail::ConnectionBase*, std::weak_ptr<detail::ConnectionBase>> live;
  std::unordered_map<std::string, std::size_t> per_peer;  // open connections by peerKey
};

class HttpServer::ListenerBase {
 public:
  virtual ~ListenerBase() = default;
  virtual void stop() = 0;
  virtual std::optional<tcp::endpoint> tcpEndpoint() const = 0;
};

namespace {

std::string addressOf(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) {
    host = "[" + host + "]";
  }
  return host + ":" + std::to_string(endpoint.port());
}

PeerInfo peerOf(tcp::socket& socket) {
  PeerInfo peer;
  error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (!ec) {
    peer.address = addressOf(remote);
  }
  return peer;
}

// Whose connection it is, for the per-client cap: the IP address without the port, or the uid.
std::string peerKey(const PeerInfo& peer) {
  if (peer.unix_socket) {
    return peer.uid ? "uid " + std::to_string(*peer.uid) : "unix";
  }
  return peer.address.substr(0, peer.address.rfind(':'));
}

PeerInfo peerOf(local::socket& socket, const std::string& path) {
  PeerInfo peer;
  peer.unix_socket = true;
  peer.address = path;
  ucred cred{};
  socklen_t length = sizeof cred;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0) {
    peer.uid = cred.uid;
    peer.gid = cred.gid;
    peer.pid = cred.pid;
  }
  return peer;
}

template <class Protocol>
class Connection final : public detail::ConnectionBase,
                         public std::enable_shared_from_this<Connection<Protocol>> {
 public:
  Connection(typename Protocol::socket socket, PeerInfo peer,
             std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)),
        peer_(std::move(peer)),
        key_(peerKey(peer_)),
        state_(std::move(state)) {
    ++state_->per_peer[key_];
  }

  ~Connection() override {
    state_->live.erase(this);
    if (auto it = state_->per_peer.find(key_); it != state_->per_peer.end() && --it->second == 0) {
      state_->per_peer.erase(it);
    }
  }

  void start() {
    state_->live.emplace(this, this->weak_from_this());
    readHeader();
  }

  // Idle or reading: close now. Answering: onWritten closes once the response is out.
  void stop() override {
    if (!writing_) {
      close();
    }
  }

 private:
  void readHeader() {
    parser_.emplace();
    parser_->body_limit(state_->options.body_limit);
    parser_->header_limit(state_->options.header_limit);
    stream_.expires_after(state_->options.timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->onHeader(ec); });
  }

  void onHeader(error_code ec) {
    if (ec) {
      onReadError(ec);
      return;
    }
    if (state_->stopping) {
      close();
      return;
    }
    // Clients that wait for "100 Continue" before a body (curl does above 1 KiB) get it at once:
    // the limits were checked on the header already.
    if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue") &&
        !parser_->is_done()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(state_->options.timeout);
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = this->shared_from_this()](error_code ec, std::size_t) {
                          if (ec) {
                            self->close();
                            return;
                          }
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    stream_.expires_after(state_->options.timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->onRequest(ec); });
  }

  void onRequest(error_code ec) {
    if (ec) {
      onReadError(ec);
      return;
    }
    if (state_->stopping) {
      close();  // a request that raced stop(): no handler runs after it
      return;
    }
    writing_ = true;  // from here the response is owed: stop() lets it go out
    Request request = parser_->release();
    respond(state_->handler, request, peer_, [self = this->shared_from_this()](Response response) {
      self->write(std::move(response));
    });
  }

  void onReadError(error_code ec) {
    if (ec == bhttp::error::body_limit) {
      writeError(Status::payload_too_large, "request body too large\n");
    } else if (ec == bhttp::error::header_limit) {
      writeError(Status::request_header_fields_too_large, "request header too large\n");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      writeError(Status::bad_request, "bad request\n");
    } else {
      close();  // end of stream, timeout, reset, cancelled by stop()
    }
  }

  // The request was not read completely, so the connection cannot carry another one.
  void writeError(Status status, std::string text) {
    Response response(status, 11);
    response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(text);
    response.keep_alive(false);
    write(std::move(response));
  }

  void write(Response response) {
    response_ = std::move(response);
    if (state_->stopping) {
      response_.keep_alive(false);
    }
    response_.prepare_payload();
    writing_ = true;
    stream_.expires_after(state_->options.timeout);
    bhttp::async_write(
        stream_, response_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->onWritten(ec); });
  }

  void onWritten(error_code ec) {
    writing_ = false;
    if (ec || !response_.keep_alive() || state_->stopping) {
      close();
      return;
    }
    readHeader();
  }

  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(Protocol::socket::shutdown_send, ignored);
    stream_.close();  // pending operations complete with operation_aborted
  }

  beast::basic_stream<Protocol> stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response response_;  // alive while it is written
  PeerInfo peer_;
  std::string key_;  // peerKey(peer_)
  std::shared_ptr<HttpServer::State> state_;
  bool writing_ = false;
  bool closed_ = false;
};

template <class Protocol>
class Listener final : public HttpServer::ListenerBase,
                       public std::enable_shared_from_this<Listener<Protocol>> {
 public:
  Listener(asio::io_context& io, typename Protocol::acceptor acceptor,
           std::shared_ptr<HttpServer::State> state, std::string unix_path = {})
      : acceptor_(std::move(acceptor)),
        retry_(io),
        state_(std::move(state)),
        unix_path_(std::move(unix_path)) {
    struct stat st {};
    if (!unix_path_.empty() && ::lstat(unix_path_.c_str(), &st) == 0) {
      socket_file_ = std::make_pair(st.st_dev, st.st_ino);
    }
  }

  void start() { accept(); }

  void stop() override {
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    // Remove the socket file only if it is still ours (a new daemon may have replaced it).
    struct stat st {};
    if (socket_file_ && ::lstat(unix_path_.c_str(), &st) == 0 &&
        std::make_pair(st.st_dev, st.st_ino) == *socket_file_) {
      ::unlink(unix_path_.c_str());
    }
    socket_file_.reset();
  }

  std::optional<tcp::endpoint> tcpEndpoint() const override {
    if constexpr (std::is_same_v<Protocol, tcp>) {
      error_code ec;
      tcp::endpoint endpoint = acceptor_.local_endpoint(ec);
      if (!ec) {
        return endpoint;
      }
    }
    return std::nullopt;
  }

 private:
  void accept() {
    acceptor_.async_accept(
        [self = this->shared_from_this()](error_code ec, typename Protocol::socket socket) {
          self->onAccept(ec, std::move(socket));
        });
  }

  void onAccept(error_code ec, typename Protocol::socket socket) {
    if (state_->stopping || !acceptor_.is_open() || ec == asio::error::operation_aborted) {
      return;
    }
    if (ec) {
      // E.g. out of file descriptors: try again shortly instead of spinning.
      retry_.expires_after(100ms);
      retry_.async_wait([self = this->shared_from_this()](error_code ec) {
        if (!ec && !self->state_->stopping) {
          self->accept();
        }
      });
      return;
    }
    PeerInfo peer;
    if constexpr (std::is_same_v<Protocol, tcp>) {
      peer = peerOf(socket);
    } else {
      peer = peerOf(socket, unix_path_);
    }
    auto same_peer = state_->per_peer.find(peerKey(peer));
    if (state_->live.size() >= state_->options.max_connections ||
        (same_peer != state_->per_peer.end() &&
         same_peer->second >= state_->options.max_connections_per_peer)) {
      error_code ignored;
      socket.close(ignored);
    } else {
      auto connection =
          std::make_shared<Connection<Protocol>>(std::move(socket), std::move(peer), state_);
      connection->start();
    }
    accept();
  }

  typename Protocol::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<HttpServer::State> state_;
  std::string unix_path_;
  std::optional<std::pair<dev_t, ino_t>> socket_file_;
};

[[noreturn]] void fail(error_code ec, const std::string& what) {
  throw system_error(ec, what);
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Handler handler, ServerOptions options)
    : HttpServer(io,
                 AsyncHandler([handler = std::move(handler)](const Request& request,
                                                             const PeerInfo& peer, Reply reply) {
                   reply(respond(handler, request, peer));
                 }),
                 options) {}

HttpServer::HttpServer(asio::io_context& io, AsyncHandler handler, ServerOptions options)
    : io_(io), state_(std::make_shared<State>()) {
  state_->handler = std::move(handler);
  state_->options = options;
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::listen(const config::HostPort& address) {
  tcp::resolver resolver(io_);
  error_code ec;
  auto results = resolver.resolve(address.host, std::to_string(address.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) {
    fail(ec, "resolve " + address.str());
  }
  std::set<tcp::endpoint> endpoints;
  for (const auto& entry : results) {
    endpoints.insert(entry.endpoint());
  }
  error_code first_error;
  std::size_t bound = 0;
  for (const tcp::endpoint& endpoint : endpoints) {
    tcp::acceptor acceptor(io_);
    ec = {};
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec && endpoint.address().is_v6() && endpoints.size() > 1) {
      // With both families on one port, each socket must keep to its own.
      acceptor.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
      acceptor.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      if (!first_error) {
        first_error = ec;
      }
      continue;
    }
    auto listener = std::make_shared<Listener<tcp>>(io_, std::move(acceptor), state_);
    listener->start();
    listeners_.push_back(std::move(listener));
    ++bound;
  }
  // A name may resolve to an address this host lacks (e.g. ::1 without IPv6): one is enough.
  if (bound == 0) {
    fail(first_error ? first_error : make_error_code(asio::error::host_not_found),
         "listen on " + address.str());
  }
}

std::optional<std::string> checkSocketDirectory(const std::string& socket_path, uid_t owner) {
  std::string dir = std::filesystem::path(socket_path).parent_path().string();
  if (dir.empty()) {
    dir = ".";
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return dir + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return dir + ": not a directory";
  }
  if (st.st_uid != 0 && st.st_uid != owner) {
    return dir + ": owned by uid " + std::to_string(st.st_uid) +
           ", not by root or planbd's user (uid " + std::to_string(owner) +
           "): its owner could replace the admin socket";
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return dir + ": writable by group or others (mode " + mode +
           ") and not sticky: they could replace the admin socket; make it 0755 or 0750";
  }
  return std::nullopt;
}

void HttpServer::listenUnix(const std::string& path, mode_t mode, std::optional<gid_t> group) {
  if (auto why = checkSocketDirectory(path, ::geteuid())) {
    fail(make_error_code(boost::system::errc::permission_denied), *why);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      fail(make_error_code(boost::system::errc::file_exists), path + " exists and is no socket");
    }
    local::socket probe(io_);
    error_code ec;
    probe.connect(local::endpoint(path), ec);
    if (!ec) {
      fail(make_error_code(boost::system::errc::address_in_use), path + " is in use");
    }
    ::unlink(path.c_str());  // stale: left by a process that did not stop cleanly
  }
  local::acceptor acceptor(io_);
  error_code ec;
  acceptor.open(local(), ec);
  if (ec) {
    fail(ec, "socket for " + path);
  }
  // The file gets its mode from the socket's inode and the umask at bind(): set both, so the
  // socket never exists with another mode and is never changed by path (which a symlink swapped
  // in could redirect). The umask is the process's: it is changed only for the bind() itself.
  if (::fchmod(acceptor.native_handle(), mode) != 0) {
    fail(error_code(errno, boost::system::system_category()), "fchmod socket for " + path);
  }
  mode_t previous = ::umask(static_cast<mode_t>(~mode & 0777));
  acceptor.bind(local::endpoint(path), ec);
  ::umask(previous);
  if (ec) {
    fail(ec, "bind " + path);
  }
  // Before listen(): until then nobody can connect. The directory was checked, and the change
  // never follows a symlink.
  if (group && ::fchownat(AT_FDCWD, path.c_str(), static_cast<uid_t>(-1), *group,
                          AT_SYMLINK_NOFOLLOW) != 0) {
    error_code chown_error(errno, boost::system::system_category());
    ::unlink(path.c_str());
    fail(chown_error, "give " + path + " to group " + std::to_string(*group));
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(path.c_str());
    fail(ec, "listen on " + path);
  }
  auto listener = std::make_shared<Listener<local>>(io_, std::move(acceptor), state_, path);
  listener->start();
  listeners_.push_back(std::move(listener));
}

std::vector<tcp::endpoint> HttpServer::tcpEndpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& listener : listeners_) {
    if (auto endpoint = listener->tcpEndpoint()) {
      out.push_back(*endpoint);
    }
  }
  return out;
}

void HttpServer::stop() {
  state_->stopping = true;
  for (const auto& listener : listeners_) {
    listener->stop();
  }
  listeners_.clear();
  // Copied first: a connection that closes may be destroyed and leave `live`.
  std::vector<std::shared_ptr<detail::ConnectionBase>> open;
  for (const auto& [raw, weak] : state_->live) {
    if (auto connection = weak.lock()) {
      open.push_back(std::move(connection));
    }
  }
  for (const auto& connection : open) {
    connection->stop();
  }
}

std::size_t HttpServer::connections() const {
  return state_->live.size();
}

}  // namespace planb::http
