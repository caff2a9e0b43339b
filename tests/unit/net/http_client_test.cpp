// The HTTP client every API provider uses: redaction of URLs and headers, and CurlTransport
// against sockets on 127.0.0.1 (a one-shot server, a listener that never answers, a closed port).

#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace planb::net;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr milliseconds kIoDeadline{5000};

// A TCP socket on 127.0.0.1 with a kernel-chosen port; listening unless told otherwise.
struct LoopbackSocket {
  int fd = -1;
  std::uint16_t port = 0;
  explicit LoopbackSocket(bool listening) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    if (listening) {
      REQUIRE(::listen(fd, 4) == 0);
    }
  }
  ~LoopbackSocket() { ::close(fd); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
};

// Accepts one connection, reads the request (headers and a Content-Length body), sends REPLY and
// closes. Every wait is bounded by kIoDeadline, so a broken client cannot hang the test.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() { join(); }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;

  std::string url(const std::string& path = "/") const { return socket_.url(path); }
  // The raw request, once the exchange is over.
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
    return ::poll(&p, 1, static_cast<int>(kIoDeadline.count())) > 0;
  }
  void serve() {
    if (!readable(socket_.fd)) {
      return;
    }
    int client = ::accept4(socket_.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      return;
    }
    char buffer[4096];
    std::size_t wanted = std::string::npos;
    while (request_.size() < wanted && readable(client)) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) {
        break;
      }
      request_.append(buffer, static_cast<std::size_t>(n));
      auto end = request_.find("\r\n\r\n");
      if (end != std::string::npos && wanted == std::string::npos) {
        std::size_t length = 0;
        auto at = request_.find("Content-Length: ");
        if (at != std::string::npos && at < end) {
          length = std::stoul(request_.substr(at + 16));
        }
        wanted = end + 4 + length;
      }
    }
    // The client may hang up early (oversized replies): MSG_NOSIGNAL, errors ignored.
    std::size_t sent = 0;
    while (sent < reply_.size()) {
      ssize_t n = ::send(client, reply_.data() + sent, reply_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    ::close(client);
  }

  LoopbackSocket socket_{true};
  std::string reply_;
  std::string request_;
  std::thread thread_;
};

Error failure(const Result<HttpResponse>& result) {
  REQUIRE(std::holds_alternative<Error>(result));
  return std::get<Error>(result);
}

HttpResponse response(const Result<HttpResponse>& result) {
  if (const auto* error = std::get_if<Error>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<HttpResponse>(result);
}

HttpOptions quick() {
  HttpOptions options;
  options.connect_timeout = milliseconds(1000);
  options.total_timeout = milliseconds(3000);
  return options;
}

}  // namespace

TEST_CASE("redactUrl hides the values of secret-looking query parameters and nothing else") {
  CHECK(redactUrl("https://api.test/zones?name=www&api-key=abc123&type=CNAME") ==
        "https://api.test/zones?name=www&api-key=***&type=CNAME");
  CHECK(redactUrl("https://iam.test/?X-Amz-Signature=f00&X-Amz-Credential=AKID%2F2026&"
                  "X-Amz-Date=20260101T000000Z") ==
        "https://iam.test/?X-Amz-Signature=***&X-Amz-Credential=***&X-Amz-Date=20260101T000000Z");
  CHECK(redactUrl("https://alidns.test/?AccessKeyId=LTAI&Signature=xyz&Action=Describe") ==
        "https://alidns.test/?AccessKeyId=***&Signature=***&Action=Describe");
  CHECK(redactUrl("https://g.test/v1?key=AIza&access_token=ya29&page_token=p") ==
        "https://g.test/v1?key=***&access_token=***&page_token=***");
  CHECK(redactUrl("http://127.0.0.1:8081/api/v1/servers/localhost/zones/example.test."
                  "?rrset_name=www.example.test.&rrset_type=CNAME") ==
        "http://127.0.0.1:8081/api/v1/servers/localhost/zones/example.test."
        "?rrset_name=www.example.test.&rrset_type=CNAME");
}

TEST_CASE("redactUrl keeps URLs without secrets, empty queries and flags intact") {
  CHECK(redactUrl("https://api.test/path") == "https://api.test/path");
  CHECK(redactUrl("https://api.test/path?") == "https://api.test/path?");
  CHECK(redactUrl("https://api.test/path?flag&x=1") == "https://api.test/path?flag&x=1");
  CHECK(redactUrl("https://api.test/path?token=") == "https://api.test/path?token=***");
}

TEST_CASE("redactUrl hides the password or token in the userinfo part") {
  CHECK(redactUrl("https://user:hunter2@api.test/x?y=1") == "https://user:***@api.test/x?y=1");
  CHECK(redactUrl("https://ghp_token@api.test/") == "https://***@api.test/");
  CHECK(redactUrl("https://api.test/a@b") == "https://api.test/a@b");
  CHECK(redactUrl("https://u:p@api.test") == "https://u:***@api.test");
}

TEST_CASE("redactHeader hides credential headers, case-insensitively, and keeps the others") {
  CHECK(redactHeader("X-API-Key", "k") == "***");
  CHECK(redactHeader("x-api-key", "k") == "***");
  CHECK(redactHeader("Authorization", "Bearer t") == "***");
  CHECK(redactHeader("X-Auth-Key", "k") == "***");
  CHECK(redactHeader("X-Amz-Security-Token", "t") == "***");
  CHECK(redactHeader("Cookie", "session=1") == "***");
  CHECK(redactHeader("X-Amz-Date", "20260101T000000Z") == "20260101T000000Z");
  CHECK(redactHeader("X-Amz-Content-Sha256", "e3b0") == "e3b0");
  CHECK(redactHeader("Content-Type", "application/json") == "application/json");
  CHECK(redactHeader("Accept", "application/json") == "application/json");
}

TEST_CASE("describe names the method and the redacted URL") {
  HttpRequest request;
  request.method = "PATCH";
  request.url = "https://api.test/z?api-key=s3cret";
  request.headers = {{"X-API-Key", "s3cret"}};
  CHECK(describe(request) == "PATCH https://api.test/z?api-key=***");
}

TEST_CASE("response headers are found case-insensitively") {
  HttpResponse r;
  r.headers = {{"retry-after", "3"}, {"content-type", "application/json"}};
  CHECK(r.header("Retry-After") == "3");
  CHECK(r.header("CONTENT-TYPE") == "application/json");
  CHECK_FALSE(r.header("x-missing").has_value());
}

TEST_CASE("Retry-After is read as whole seconds up to a day; anything else leaves the wait open") {
  auto after = [](const char* value) {
    HttpResponse r;
    r.headers = {{"retry-after", value}};
    return retryAfterOf(r);
  };
  CHECK(after("7") == milliseconds(7000));
  CHECK(after(" 30 ") == milliseconds(30'000));
  CHECK(after("0") == milliseconds(0));
  CHECK(after("86400") == milliseconds(86'400'000));
  CHECK_FALSE(after("86401").has_value());  // a day and more: planbd's own backoff decides
  CHECK_FALSE(after("-1").has_value());
  CHECK_FALSE(after("1.5").has_value());
  CHECK_FALSE(after("").has_value());
  CHECK_FALSE(after("Wed, 21 Oct 2026 07:28:00 GMT").has_value());
  CHECK_FALSE(after("99999999999999999999999").has_value());
  CHECK_FALSE(retryAfterOf(HttpResponse{}).has_value());
}

TEST_CASE("CurlTransport sends method, headers and body, and returns status, headers and body") {
  OneShotServer server(
      "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\n"
      "Retry-After: 5\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{\"error\": \"bad\"}\n");
  CurlTransport transport(quick());
  HttpRequest request;
  request.method = "PATCH";
  request.url = server.url("/api/v1/servers/localhost/zones/example.test.");
  request.headers = {{"X-API-Key", "k3y"}, {"Content-Type", "application/json"}, {"X-Empty", ""}};
  request.body = R"({"rrsets":[]})";
  HttpResponse reply = response(transport.send(request));
  CHECK(reply.status == 422);
  CHECK(reply.body == "{\"error\": \"bad\"}\n");
  CHECK(reply.header("retry-after") == "5");
  CHECK(reply.header("Content-Type") == "application/json");

  const std::string& raw = server.request();
  CHECK(raw.rfind("PATCH /api/v1/servers/localhost/zones/example.test. HTTP/1.1\r\n", 0) == 0);
  CHECK(raw.find("\r\nX-API-Key: k3y\r\n") != std::string::npos);
  CHECK(raw.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CHECK(raw.find("\r\nX-Empty:") != std::string::npos);
  CHECK(raw.find("Expect:") == std::string::npos);
  CHECK(raw.substr(raw.size() - request.body.size()) == request.body);
}

TEST_CASE("CurlTransport gives up on a server that accepts and never answers, within its timeout") {
  // The kernel completes the handshake on a listening socket; nobody ever reads or answers.
  LoopbackSocket silent(true);
  HttpOptions options = quick();
  options.total_timeout = milliseconds(300);
  CurlTransport transport(options);
  HttpRequest request;
  request.url = silent.url("/api?api-key=s3cret");
  auto started = Clock::now();
  Error error = failure(transport.send(request));
  auto elapsed = Clock::now() - started;
  CHECK(error.kind == ErrorKind::Transient);
  CHECK(error.message ==
        "GET " + silent.url("/api?api-key=***") + ": no complete reply within 300 ms");
  CHECK(elapsed >= milliseconds(250));
  CHECK(elapsed < milliseconds(5000));
}

TEST_CASE("CurlTransport never waits without bound, even with a zero timeout") {
  LoopbackSocket silent(true);
  HttpOptions options = quick();
  options.total_timeout = milliseconds(0);  // curl would read 0 as "no timeout"
  CurlTransport transport(options);
  HttpRequest request;
  request.url = silent.url();
  auto started = Clock::now();
  CHECK(failure(transport.send(request)).kind == ErrorKind::Transient);
  CHECK(Clock::now() - started < milliseconds(5000));
}

TEST_CASE("CurlTransport reports a refused connection as Transient without the URL's secrets") {
  LoopbackSocket closed(false);  // bound, not listening: connect() is refused
  CurlTransport transport(quick());
  HttpRequest request;
  request.url = closed.url("/x?token=s3cret&a=1");
  Error error = failure(transport.send(request));
  CHECK(error.kind == ErrorKind::Transient);
  CHECK(error.retriable());
  CHECK(error.message.find("s3cret") == std::string::npos);
  CHECK(error.message.find("token=***") != std::string::npos);
  CHECK(error.message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("CurlTransport refuses a reply larger than max_body") {
  HttpOptions options = quick();
  options.max_body = 1024;
  const std::string big(4096, 'x');
  SUBCASE("announced by Content-Length") {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n" +
                         big);
    CurlTransport transport(options);
    HttpRequest request;
    request.url = server.url();
    Error error = failure(transport.send(request));
    CHECK(error.kind == ErrorKind::Transient);
    CHECK(error.message.find("reply larger than 1024 bytes") != std::string::npos);
  }
  SUBCASE("without a length, until the connection closes") {
    OneShotServer server("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big);
    CurlTransport transport(options);
    HttpRequest request;
    request.url = server.url();
    Error error = failure(transport.send(request));
    CHECK(error.message.find("reply larger than 1024 bytes") != std::string::npos);
  }
}

TEST_CASE("CurlTransport refuses a header with a line break and does not quote its value") {
  LoopbackSocket closed(false);
  CurlTransport transport(quick());
  HttpRequest request;
  request.url = closed.url();
  request.headers = {{"X-API-Key", "s3cret\r\nX-Injected: 1"}};
  Error error = failure(transport.send(request));
  CHECK(error.kind == ErrorKind::Permanent);  // not sent at all: no connection was attempted
  CHECK(error.message.find("header X-API-Key has an empty name or a line break") !=
        std::string::npos);
  CHECK(error.message.find("s3cret") == std::string::npos);
}

TEST_CASE("CurlTransport can be reused after an error") {
  CurlTransport transport(quick());
  {
    LoopbackSocket closed(false);
    HttpRequest request;
    request.url = closed.url();
    failure(transport.send(request));
  }
  OneShotServer server("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  HttpRequest request;
  request.url = server.url();
  CHECK(response(transport.send(request)).status == 204);
}

namespace {

// Sets the proxy variables libcurl reads to PROXY_URL for the test's lifetime, and hides
// no_proxy; the previous values come back afterwards.
class ProxyEnvironment {
 public:
  explicit ProxyEnvironment(const std::string& proxy_url) {
    for (const char* name : kSet) {
      save(name);
      ::setenv(name, proxy_url.c_str(), 1);
    }
    for (const char* name : kUnset) {
      save(name);
      ::unsetenv(name);
    }
  }
  ~ProxyEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ProxyEnvironment(const ProxyEnvironment&) = delete;
  ProxyEnvironment& operator=(const ProxyEnvironment&) = delete;

 private:
  static constexpr const char* kSet[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                         "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
  static constexpr const char* kUnset[] = {"no_proxy", "NO_PROXY"};
  void save(const char* name) {
    const char* value = ::getenv(name);
    saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A connection waits on the listening socket (poll without waiting: the client is done).
bool hasPendingConnection(const LoopbackSocket& socket) {
  pollfd p{socket.fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace

TEST_CASE("CurlTransport ignores proxies named in the environment and reaches the server itself") {
  // A credential header must never go to a proxy someone put in planbd's environment.
  LoopbackSocket proxy(true);
  ProxyEnvironment environment("http://127.0.0.1:" + std::to_string(proxy.port));
  OneShotServer server("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  CurlTransport transport(quick());
  HttpRequest request;
  request.url = server.url("/api/v1/servers");
  request.headers = {{"X-API-Key", "k3y"}};
  CHECK(response(transport.send(request)).status == 204);
  CHECK(server.request().rfind("GET /api/v1/servers HTTP/1.1\r\n", 0) == 0);
  CHECK_FALSE(hasPendingConnection(proxy));
}
