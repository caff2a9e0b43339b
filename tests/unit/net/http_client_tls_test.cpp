// CurlTransport against an HTTPS server on 127.0.0.1 whose certificate planb cannot trust: a
// configuration problem that no retry fixes, reported as Permanent with what to check.

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "fakes/tls_test_server.hpp"
#include "net/http_client.hpp"

using namespace planb::net;
using planb::testing::TestPki;
using planb::testing::TlsTestServer;
using std::chrono::milliseconds;

namespace {

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

Result<HttpResponse> get(const TlsTestServer& server, std::optional<std::string> ca_file) {
  CurlTransport transport(HttpOptions{milliseconds(2000), milliseconds(5000), std::move(ca_file)});
  HttpRequest request;
  request.url = server.url("/api?token=s3cret");
  return transport.send(request);
}

// A TLS verification failure: Permanent (not retried soon), naming the host and what to check,
// never the URL's secrets.
void checkVerificationFailure(const Result<HttpResponse>& result, const TlsTestServer& server) {
  REQUIRE(std::holds_alternative<Error>(result));
  const Error& error = std::get<Error>(result);
  INFO(error.message);
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK_FALSE(error.retriable());
  CHECK(error.message.find("TLS verification of 127.0.0.1:" + std::to_string(server.port()) +
                           " failed") != std::string::npos);
  CHECK(error.message.find("check the endpoint's certificate or the provider's ca_file") !=
        std::string::npos);
  CHECK(error.message.find("s3cret") == std::string::npos);
}

}  // namespace

TEST_CASE("an https server whose certificate the ca_file signed answers (the control case)") {
  TlsTestServer server("ip", kOk);
  Result<HttpResponse> result = get(server, TestPki::get().file("ca.pem"));
  REQUIRE(std::holds_alternative<HttpResponse>(result));
  CHECK(std::get<HttpResponse>(result).status == 200);
  CHECK(std::get<HttpResponse>(result).body == "ok");
}

TEST_CASE("a certificate signed by a CA that is not the ca_file is Permanent, not Transient") {
  TlsTestServer server("ip", kOk);
  checkVerificationFailure(get(server, TestPki::get().file("other-ca.pem")), server);
  CHECK(server.requests() == 0);
}

TEST_CASE("a certificate no system CA signed is Permanent when no ca_file is given") {
  TlsTestServer server("ip", kOk);
  checkVerificationFailure(get(server, std::nullopt), server);
}

TEST_CASE("a certificate for another host name is Permanent") {
  TlsTestServer server("name", kOk);  // DNS:app.test, reached as 127.0.0.1
  checkVerificationFailure(get(server, TestPki::get().file("ca.pem")), server);
}

TEST_CASE("an expired certificate is Permanent") {
  TlsTestServer server("expired", kOk);
  checkVerificationFailure(get(server, TestPki::get().file("ca.pem")), server);
}

TEST_CASE("a ca_file that cannot be read is Permanent and says to check the ca_file") {
  TlsTestServer server("ip", kOk);
  checkVerificationFailure(get(server, TestPki::get().file("no-such-ca.pem")), server);
}
