// CurlTransport over a unix socket (HttpOptions::unix_socket): the request goes to the socket,
// whatever host the URL names, with the URL's path; a socket nobody listens on is a Transient
// error naming the request.

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "net/http_client.hpp"

using namespace planb::net;
using std::chrono::milliseconds;

namespace {

constexpr int kUnixIoDeadlineMs = 5000;

std::string unixSocketPath(const char* tag) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/planb-unix-" + tag + "-" +
         std::to_string(::getpid()) + ".sock";
}

// Listens on a unix socket, answers one request with REPLY and keeps what it read.
class UnixOneShotServer {
 public:
  UnixOneShotServer(std::string path, std::string reply)
      : path_(std::move(path)), reply_(std::move(reply)) {
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~UnixOneShotServer() {
    join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  UnixOneShotServer(const UnixOneShotServer&) = delete;
  UnixOneShotServer& operator=(const UnixOneShotServer&) = delete;

  const std::string& request() {
    join();
    return request_;
  }

 private:
  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  static bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, kUnixIoDeadlineMs) > 0;
  }
  void serve() {
    if (!readable(fd_)) {
      return;
    }
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      return;
    }
    char buffer[4096];
    while (request_.find("\r\n\r\n") == std::string::npos && readable(client)) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) {
        break;
      }
      request_.append(buffer, static_cast<std::size_t>(n));
    }
    ::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    ::close(client);
  }

  std::string path_;
  std::string reply_;
  int fd_ = -1;
  std::string request_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a transport given a unix socket sends the request to it with the URL's path") {
  UnixOneShotServer server(unixSocketPath("ok"),
                           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  HttpOptions options{milliseconds(2000), milliseconds(5000), std::nullopt};
  options.unix_socket = unixSocketPath("ok");
  CurlTransport transport(options);
  Result<HttpResponse> got = transport.send({"GET", "http://localhost/hook/records", {}, ""});
  REQUIRE(std::holds_alternative<HttpResponse>(got));
  CHECK(std::get<HttpResponse>(got).status == 200);
  CHECK(std::get<HttpResponse>(got).body == "hi");
  CHECK(server.request().rfind("GET /hook/records HTTP/1.1\r\n", 0) == 0);
  CHECK(server.request().find("Host: localhost\r\n") != std::string::npos);
}

TEST_CASE("a unix socket nobody listens on is a transient error naming the request") {
  HttpOptions options{milliseconds(2000), milliseconds(5000), std::nullopt};
  options.unix_socket = unixSocketPath("absent");
  ::unlink(options.unix_socket->c_str());
  CurlTransport transport(options);
  Result<HttpResponse> got = transport.send({"GET", "http://localhost/records", {}, ""});
  REQUIRE(std::holds_alternative<Error>(got));
  CHECK(std::get<Error>(got).kind == ErrorKind::Transient);
  CHECK(std::get<Error>(got).message.find("GET http://localhost/records") != std::string::npos);
}
