#include "http/http_server.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic push
#ifndef __clang__  // clang has no such warning, and would warn about the pragma
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#pragma GCC diagnostic pop
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "http/metrics_handler.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "metrics_test_support.hpp"

namespace planb::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
using boost::system::error_code;
using metrics::test::runUntil;
using namespace std::chrono_literals;

Request get(std::string target, unsigned version = 11) {
  Request request(Verb::get, target, version);
  request.set(bhttp::field::host, "localhost");
  return request;
}

// A raw HTTP client on the test's io_context: writes bytes as given (so requests can be malformed
// or oversized), reads one response at a time.
template <class Protocol>
class Client {
 public:
  explicit Client(asio::io_context& io) : io_(io), socket_(io) {}
  ~Client() {
    // Never leave an operation pending on this object's members.
    error_code ignored;
    socket_.close(ignored);
    runUntil(
        io_, [&] { return pending_ == 0; }, 2000ms);
  }

  bool connect(const typename Protocol::endpoint& endpoint) {
    bool done = false;
    error_code result;
    ++pending_;
    socket_.async_connect(endpoint, [&, this](error_code ec) {
      --pending_;
      result = ec;
      done = true;
    });
    return runUntil(io_, [&] { return done; }) && !result;
  }

  // TCP only: connects from SOURCE (another loopback address: another client to the server).
  bool connectFrom(const std::string& source, const typename Protocol::endpoint& endpoint) {
    error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) {
      socket_.bind(typename Protocol::endpoint(asio::ip::make_address(source), 0), ec);
    }
    return !ec && connect(endpoint);
  }

  // Sends `raw` and reads one response; nullopt when the server closed or the deadline passed.
  std::optional<Response> exchange(const std::string& raw) {
    bool written = false;
    error_code write_error;
    ++pending_;
    asio::async_write(socket_, asio::buffer(raw), [&, this](error_code ec, std::size_t) {
      --pending_;
      write_error = ec;
      written = true;
    });
    if (!runUntil(io_, [&] { return written; }) || write_error) {
      return std::nullopt;
    }
    return read();
  }

  std::optional<Response> read() {
    bhttp::response_parser<bhttp::string_body> parser;
    bool done = false;
    error_code read_error;
    ++pending_;
    bhttp::async_read(socket_, buffer_, parser, [&, this](error_code ec, std::size_t) {
      --pending_;
      read_error = ec;
      done = true;
    });
    if (!runUntil(io_, [&] { return done; })) {
      error_code ignored;
      socket_.close(ignored);
      runUntil(io_, [&] { return done; });
      return std::nullopt;
    }
    if (read_error) {
      return std::nullopt;
    }
    return parser.release();
  }

  // True when the server closes the connection within `limit` (the read ends with EOF).
  bool closedByServer(std::chrono::milliseconds limit = 5000ms) {
    bool done = false;
    error_code read_error;
    ++pending_;
    socket_.async_read_some(asio::buffer(byte_, 1), [&, this](error_code ec, std::size_t) {
      --pending_;
      read_error = ec;
      done = true;
    });
    if (!runUntil(
            io_, [&] { return done; }, limit)) {
      error_code ignored;
      socket_.close(ignored);
      runUntil(io_, [&] { return done; });
      return false;
    }
    return read_error == asio::error::eof || read_error == asio::error::connection_reset;
  }

 private:
  asio::io_context& io_;
  typename Protocol::socket socket_;
  beast::flat_buffer buffer_;
  char byte_[1] = {};
  int pending_ = 0;
};

std::string header(const Response& response, bhttp::field name) {
  auto value = response[name];
  return std::string(value.data(), value.size());
}

const std::string kGetMetrics = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "planb-http-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

// --- the pure request -> response layer ---

TEST_CASE("metricsHandler serves the exposition text with the 0.0.4 content type") {
  Router router =
      metricsHandler([] { return std::string("planb_frozen 0\n"); }, [] { return true; });
  Response response = respond(router, get("/metrics"), PeerInfo{});
  CHECK(response.result() == Status::ok);
  CHECK(header(response, bhttp::field::content_type) == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(response.body() == "planb_frozen 0\n");
  CHECK(header(response, bhttp::field::content_length) == "15");
}

TEST_CASE("healthz answers 200 while the loops are alive and 503 otherwise") {
  bool alive = true;
  Router router = metricsHandler([] { return std::string(); }, [&] { return alive; });
  Response ok = respond(router, get("/healthz"), PeerInfo{});
  CHECK(ok.result() == Status::ok);
  CHECK(ok.body() == "ok\n");
  alive = false;
  CHECK(respond(router, get("/healthz"), PeerInfo{}).result() == Status::service_unavailable);
}

TEST_CASE("an unknown path is 404 and a known path with another method is 405 with Allow") {
  Router router = metricsHandler([] { return std::string(); }, [] { return true; });
  CHECK(respond(router, get("/nope"), PeerInfo{}).result() == Status::not_found);
  // The query string does not take part in routing.
  CHECK(respond(router, get("/metrics?x=1"), PeerInfo{}).result() == Status::ok);
  Request post(Verb::post, "/metrics", 11);
  Response response = respond(router, post, PeerInfo{});
  CHECK(response.result() == Status::method_not_allowed);
  CHECK(header(response, bhttp::field::allow) == "GET");
}

TEST_CASE("a handler that throws becomes a 500 that does not repeat the exception") {
  Handler throwing = [](const Request&, const PeerInfo&) -> Response {
    throw std::runtime_error("secret detail");
  };
  Response response = respond(throwing, get("/"), PeerInfo{});
  CHECK(response.result() == Status::internal_server_error);
  CHECK(response.body().find("secret") == std::string::npos);
}

TEST_CASE("respond keeps the request's version and closes unless both sides keep alive") {
  Handler plain = [](const Request&, const PeerInfo&) { return Response(Status::ok, 11); };
  Response old = respond(plain, get("/", 10), PeerInfo{});
  CHECK(old.version() == 10);
  CHECK_FALSE(old.keep_alive());
  Request closing = get("/");
  closing.keep_alive(false);
  CHECK_FALSE(respond(plain, closing, PeerInfo{}).keep_alive());
  CHECK(respond(plain, get("/"), PeerInfo{}).keep_alive());
}

TEST_CASE("an asynchronous route answers when its work is done, once, with the request's version") {
  Router router;
  Reply later;
  router.onAsync(Verb::post, "/v1/freeze",
                 [&](const Request&, const PeerInfo&, Reply reply) { later = std::move(reply); });
  Request post = get("/v1/freeze", 10);
  post.method(Verb::post);
  std::vector<Response> sent;
  respond(asyncHandler(router), post, PeerInfo{},
          [&](Response response) { sent.push_back(std::move(response)); });
  CHECK(sent.empty());
  REQUIRE(later);
  later(Response(Status::ok, 11));
  later(Response(Status::bad_request, 11));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].result() == Status::ok);
  CHECK(sent[0].version() == 10);
  // Called as a plain handler, a route that has not answered yet is a 500.
  CHECK(respond(router, post, PeerInfo{}).result() == Status::internal_server_error);
}

// --- over sockets ---

struct TcpFixture {
  asio::io_context io;
  bool alive = true;
  metrics::Metrics metrics{metrics::test::makeConfig()};
  HttpServer server;
  tcp::endpoint endpoint;

  explicit TcpFixture(ServerOptions options = {})
      : server(io, metricsHandler([this] { return metrics.render(); }, [this] { return alive; }),
               options) {
    server.listen({"127.0.0.1", 0});
    REQUIRE(server.tcpEndpoints().size() == 1);
    endpoint = server.tcpEndpoints().front();
  }
};

TEST_CASE("the TCP server answers /metrics, /healthz, 404 and 405 on one kept-alive connection") {
  TcpFixture f;
  CHECK(f.endpoint.port() != 0);
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));

  auto metrics = client.exchange(kGetMetrics);
  REQUIRE(metrics);
  CHECK(metrics->result() == Status::ok);
  CHECK(header(*metrics, bhttp::field::content_type) == kMetricsContentType);
  CHECK(metrics->body().find("planb_build_info{version=\"" PLANB_VERSION "\"} 1") !=
        std::string::npos);
  CHECK(metrics->keep_alive());

  auto healthy = client.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(healthy);
  CHECK(healthy->result() == Status::ok);
  f.alive = false;
  auto unhealthy = client.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(unhealthy);
  CHECK(unhealthy->result() == Status::service_unavailable);

  auto missing = client.exchange("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(missing);
  CHECK(missing->result() == Status::not_found);
  auto wrong = client.exchange("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(wrong);
  CHECK(wrong->result() == Status::method_not_allowed);
  CHECK(f.server.connections() == 1);
}

TEST_CASE(
    "a body over the limit is refused with 413 before it is read, and the connection closes") {
  TcpFixture f;
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));
  auto response =
      client.exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n");
  REQUIRE(response);
  CHECK(response->result() == Status::payload_too_large);
  CHECK_FALSE(response->keep_alive());
  CHECK(client.closedByServer());
}

TEST_CASE("a chunked body growing over the limit is refused with 413") {
  ServerOptions options;
  options.body_limit = 16;
  TcpFixture f(options);
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));
  auto response = client.exchange(
      "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "20\r\n01234567890123456789012345678901\r\n0\r\n\r\n");
  REQUIRE(response);
  CHECK(response->result() == Status::payload_too_large);
}

TEST_CASE("a body within the limit reaches routing, and a client waiting for 100 gets it") {
  TcpFixture f;
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));
  auto response =
      client.exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  REQUIRE(response);
  CHECK(response->result() == Status::method_not_allowed);

  auto interim = client.exchange(
      "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  REQUIRE(interim);
  CHECK(interim->result() == Status::continue_);
  auto final_response = client.exchange("body");
  REQUIRE(final_response);
  CHECK(final_response->result() == Status::method_not_allowed);
}

TEST_CASE("a malformed request gets 400 and an oversized header 431") {
  TcpFixture f;
  {
    Client<tcp> client(f.io);
    REQUIRE(client.connect(f.endpoint));
    auto response = client.exchange("GET /metrics HTTP/1.1\r\nBroken header\r\n\r\n");
    REQUIRE(response);
    CHECK(response->result() == Status::bad_request);
  }
  {
    Client<tcp> client(f.io);
    REQUIRE(client.connect(f.endpoint));
    auto response = client.exchange(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
    REQUIRE(response);
    CHECK(response->result() == Status::request_header_fields_too_large);
  }
}

TEST_CASE("an HTTP/1.0 request is answered and the connection closed") {
  TcpFixture f;
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));
  auto response = client.exchange("GET /healthz HTTP/1.0\r\n\r\n");
  REQUIRE(response);
  CHECK(response->version() == 10);
  CHECK(response->result() == Status::ok);
  CHECK(client.closedByServer());
}

TEST_CASE("an idle connection is closed after the timeout") {
  ServerOptions options;
  options.timeout = 200ms;
  TcpFixture f(options);
  Client<tcp> client(f.io);
  REQUIRE(client.connect(f.endpoint));
  REQUIRE(client.exchange(kGetMetrics));
  CHECK(client.closedByServer(5000ms));
  CHECK(runUntil(f.io, [&] { return f.server.connections() == 0; }));
}

TEST_CASE("connections over the limit are closed at once") {
  ServerOptions options;
  options.max_connections = 1;
  TcpFixture f(options);
  Client<tcp> first(f.io);
  REQUIRE(first.connect(f.endpoint));
  REQUIRE(first.exchange(kGetMetrics));
  Client<tcp> second(f.io);
  REQUIRE(second.connect(f.endpoint));
  CHECK(second.closedByServer());
  CHECK(first.exchange(kGetMetrics));
}

TEST_CASE("64 idle sockets from one client do not keep another client from /metrics") {
  TcpFixture f;  // the defaults planbd runs with
  std::vector<std::unique_ptr<Client<tcp>>> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(std::make_unique<Client<tcp>>(f.io));
    REQUIRE(idle.back()->connect(f.endpoint));
  }
  CHECK(runUntil(
      f.io, [&] { return f.server.connections() == ServerOptions{}.max_connections_per_peer; }));
  Client<tcp> other(f.io);
  REQUIRE(other.connectFrom("127.0.0.2", f.endpoint));
  auto metrics = other.exchange(kGetMetrics);
  REQUIRE(metrics);
  CHECK(metrics->result() == Status::ok);
  // The first client's connections within its cap still work; the ones above it were closed.
  CHECK(idle.front()->exchange(kGetMetrics));
  CHECK(idle.back()->closedByServer());
}

TEST_CASE("stop() closes idle connections, refuses new ones and leaves the io_context no work") {
  TcpFixture f;
  {
    Client<tcp> client(f.io);
    REQUIRE(client.connect(f.endpoint));
    REQUIRE(client.exchange(kGetMetrics));
    f.server.stop();
    CHECK(client.closedByServer());
    Client<tcp> late(f.io);
    CHECK_FALSE(late.connect(f.endpoint));
  }
  f.io.restart();
  f.io.run_for(5s);
  CHECK(f.io.stopped());  // ran out of work: nothing of the server is left pending
  CHECK(f.server.connections() == 0);
}

TEST_CASE(
    "a response being produced when stop() is called still goes out, with Connection: close") {
  asio::io_context io;
  HttpServer* self = nullptr;
  HttpServer server(io, [&](const Request& request, const PeerInfo&) {
    self->stop();
    return makeResponse(request, Status::ok, "bye\n");
  });
  self = &server;
  server.listen({"127.0.0.1", 0});
  Client<tcp> client(io);
  REQUIRE(client.connect(server.tcpEndpoints().front()));
  auto response = client.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(response);
  CHECK(response->body() == "bye\n");
  CHECK_FALSE(response->keep_alive());
  CHECK(client.closedByServer());
}

TEST_CASE("listening on an address in use throws") {
  asio::io_context io;
  Handler none = [](const Request& request, const PeerInfo&) {
    return makeResponse(request, Status::ok, "");
  };
  HttpServer first(io, none);
  first.listen({"127.0.0.1", 0});
  HttpServer second(io, none);
  CHECK_THROWS_AS(second.listen({"127.0.0.1", first.tcpEndpoints().front().port()}),
                  boost::system::system_error);
}

// --- unix domain sockets (the admin API) ---

Handler whoami() {
  return [](const Request& request, const PeerInfo& peer) {
    std::string body = peer.unix_socket ? "unix " : "tcp ";
    body += peer.uid ? std::to_string(*peer.uid) : "-";
    return makeResponse(request, Status::ok, body);
  };
}

TEST_CASE("the unix socket server answers with mode 0660 and shows the peer's uid") {
  TempDir dir;
  std::string path = (dir.path / "admin.sock").string();
  asio::io_context io;
  HttpServer server(io, whoami());
  server.listenUnix(path, 0660);
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0660);
  CHECK(server.tcpEndpoints().empty());

  Client<local> client(io);
  REQUIRE(client.connect(local::endpoint(path)));
  auto response = client.exchange("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(response);
  CHECK(response->body() == "unix " + std::to_string(::getuid()));

  server.stop();
  CHECK(client.closedByServer());
  CHECK_FALSE(std::filesystem::exists(path));  // stop() removes its socket file
}

TEST_CASE("the metrics routes work on a unix socket too") {
  TempDir dir;
  std::string path = (dir.path / "m.sock").string();
  asio::io_context io;
  metrics::Metrics metrics(metrics::test::makeConfig());
  HttpServer server(io, metricsHandler([&] { return metrics.render(); }, [] { return false; }));
  server.listenUnix(path);
  Client<local> client(io);
  REQUIRE(client.connect(local::endpoint(path)));
  auto response = client.exchange(kGetMetrics);
  REQUIRE(response);
  CHECK(response->result() == Status::ok);
  CHECK(response->body() == metrics.render());
  auto health = client.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(health);
  CHECK(health->result() == Status::service_unavailable);
  auto big = client.exchange("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n");
  REQUIRE(big);
  CHECK(big->result() == Status::payload_too_large);
}

// Restores the process's umask when the test ends.
struct UmaskForTest {
  explicit UmaskForTest(mode_t mask) : previous(::umask(mask)) {}
  ~UmaskForTest() { ::umask(previous); }
  mode_t previous;
};

TEST_CASE("the admin socket has its mode from bind() on, whatever the umask") {
  TempDir dir;
  std::string path = (dir.path / "admin.sock").string();
  asio::io_context io;
  HttpServer server(io, whoami());
  {
    UmaskForTest strict(077);  // would leave 0700: the group could not connect
    server.listenUnix(path, 0660);
    CHECK(::umask(077) == 077);  // the process's umask is back
  }
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
}

TEST_CASE("the admin socket is given to the admin group before it accepts anything") {
  TempDir dir;
  std::string path = (dir.path / "admin.sock").string();
  asio::io_context io;
  HttpServer server(io, whoami());
  // Root may give it any group; anyone else one of their own.
  gid_t group = ::geteuid() == 0 ? 4242 : ::getegid();
  server.listenUnix(path, 0660, group);
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK(st.st_gid == group);
  CHECK((st.st_mode & 07777) == 0660);
}

TEST_CASE("a socket directory writable by group or others is refused unless sticky") {
  TempDir dir;
  std::filesystem::path sockets = dir.path / "run";
  std::filesystem::create_directory(sockets);
  std::string path = (sockets / "admin.sock").string();
  asio::io_context io;
  HttpServer server(io, whoami());
  REQUIRE(::chmod(sockets.c_str(), 0777) == 0);
  try {
    server.listenUnix(path);
    FAIL("a world-writable directory was accepted");
  } catch (const boost::system::system_error& e) {
    CHECK(std::string(e.what()).find(sockets.string() +
                                     ": writable by group or others (mode 0777) and not sticky") !=
          std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(::chmod(sockets.c_str(), 0775) == 0);
  CHECK_THROWS_AS(server.listenUnix(path), boost::system::system_error);
  REQUIRE(::chmod(sockets.c_str(), 01777) == 0);  // as /tmp: nobody may remove another's file
  server.listenUnix(path);
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("a socket directory owned by another user is refused") {
  TempDir dir;
  CHECK(checkSocketDirectory((dir.path / "admin.sock").string(), ::geteuid()) == std::nullopt);
  std::optional<std::string> why =
      checkSocketDirectory((dir.path / "admin.sock").string(), ::geteuid() + 1);
  if (::geteuid() == 0) {
    CHECK(why == std::nullopt);  // root's directory is trusted, whoever planbd runs as
    REQUIRE(::chown(dir.path.c_str(), 12345, 12345) == 0);
    asio::io_context io;
    HttpServer server(io, whoami());
    CHECK_THROWS_AS(server.listenUnix((dir.path / "admin.sock").string()),
                    boost::system::system_error);
    why = checkSocketDirectory((dir.path / "admin.sock").string(), 0);
  }
  REQUIRE(why);
  CHECK(why->find(": owned by uid ") != std::string::npos);
  CHECK(why->find("not by root or planbd's user") != std::string::npos);
  CHECK(checkSocketDirectory((dir.path / "nothere" / "admin.sock").string(), ::geteuid()) !=
        std::nullopt);
}

TEST_CASE("a stale socket file is replaced; a live socket or another file is refused") {
  TempDir dir;
  std::string path = (dir.path / "admin.sock").string();
  asio::io_context io;
  {
    // Stale: bound once, nobody listening any more.
    local::acceptor stale(io, local::endpoint(path));
  }
  REQUIRE(std::filesystem::exists(path));
  HttpServer server(io, whoami());
  server.listenUnix(path);
  Client<local> client(io);
  REQUIRE(client.connect(local::endpoint(path)));
  CHECK(client.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));

  HttpServer second(io, whoami());
  CHECK_THROWS_AS(second.listenUnix(path), boost::system::system_error);
  CHECK(std::filesystem::exists(path));  // the live server's socket is left alone

  std::string regular = (dir.path / "file").string();
  std::ofstream(regular) << "x";
  CHECK_THROWS_AS(second.listenUnix(regular), boost::system::system_error);
  CHECK(std::filesystem::exists(regular));
}

}  // namespace
}  // namespace planb::http
