// CurlTransport with planbd's own addresses (HttpOptions::addresses): a host name that no
// resolver knows (app.test) still reaches its server, through the addresses handed to libcurl.

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "fakes/tls_test_server.hpp"
#include "net/http_client.hpp"

using namespace planb::net;
using planb::testing::TestPki;
using planb::testing::TlsTestServer;
using std::chrono::milliseconds;

namespace {

const std::string kResolveOk =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

class FixedAddresses : public HostAddresses {
 public:
  std::vector<std::string> addressesOf(const std::string& host) const override {
    std::lock_guard lock(mutex_);
    auto it = by_host.find(host);
    return it == by_host.end() ? std::vector<std::string>{} : it->second;
  }
  void set(const std::string& host, std::vector<std::string> addresses) {
    std::lock_guard lock(mutex_);
    by_host[host] = std::move(addresses);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> by_host;
};

Result<HttpResponse> getAppTest(CurlTransport& transport, const TlsTestServer& server) {
  HttpRequest request;
  request.url = "https://app.test:" + std::to_string(server.port()) + "/";
  return transport.send(request);
}

}  // namespace

TEST_CASE("a host name planbd resolved reaches its https server through the given address") {
  TlsTestServer server("name", kResolveOk);  // certificate for DNS:app.test
  auto book = std::make_shared<FixedAddresses>();
  book->set("app.test", {"127.0.0.1"});
  HttpOptions options{milliseconds(2000), milliseconds(5000), TestPki::get().file("ca.pem")};
  CurlTransport transport(options, book);
  Result<HttpResponse> result = getAppTest(transport, server);
  REQUIRE(std::holds_alternative<HttpResponse>(result));
  CHECK(std::get<HttpResponse>(result).body == "ok");
  CHECK(server.requests() == 1);
}

TEST_CASE("new addresses of a host replace those the handle cached from the previous request") {
  TlsTestServer server("name", kResolveOk);
  auto book = std::make_shared<FixedAddresses>();
  book->set("app.test", {"127.0.0.1"});
  HttpOptions options{milliseconds(2000), milliseconds(5000), TestPki::get().file("ca.pem")};
  CurlTransport transport(options, book);
  REQUIRE(std::holds_alternative<HttpResponse>(getAppTest(transport, server)));
  book->set("app.test", {"127.0.0.2"});  // nothing listens there: the old entry is not used
  Result<HttpResponse> again = getAppTest(transport, server);
  REQUIRE(std::holds_alternative<Error>(again));
  CHECK(server.requests() == 1);
}
