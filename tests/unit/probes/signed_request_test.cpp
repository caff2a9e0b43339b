// The request a signed http probe writes (sign = "aws-sigv4"), seen by a loopback server. The
// signature itself is verified end to end against an independent verifier in
// tests/integration/s3.

#include <doctest/doctest.h>

#include <regex>

#include "probes/http_probe.hpp"
#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using Mode = LoopbackServer::Mode;

const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

HttpProbeOptions signedOptions(const std::string& url, const std::string& service = "s3") {
  HttpProbeOptions o;
  o.url = planb::net::parseHttpUrl(url);
  HttpProbeOptions::SigV4 sign;
  sign.credentials.access_key_id = "AKIDEXAMPLE";
  sign.credentials.secret_access_key = net::Secret(kSecret);
  sign.scope = {"eu-west-1", service};
  o.sign = std::move(sign);
  return o;
}

std::string requestOf(asio::io_context& io, LoopbackServer& server, HttpProbe& probe) {
  Results results;
  probe.start(2000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK_MESSAGE(results.all[0].ok(), results.all[0].detail);
  return server.lastRequest();
}

// The value of header NAME in a request head.
std::string header(const std::string& request, const std::string& name) {
  std::string key = "\r\n" + name + ": ";
  auto at = request.find(key);
  if (at == std::string::npos) {
    return {};
  }
  at += key.size();
  return request.substr(at, request.find("\r\n", at) - at);
}

TEST_CASE("a signed http probe sends X-Amz-Date, X-Amz-Content-Sha256 and a SigV4 Authorization") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, signedOptions(server.url("/bucket/health.txt")));
  std::string request = requestOf(io, server, probe);
  CHECK(request.rfind("GET /bucket/health.txt HTTP/1.1\r\nHost: 127.0.0.1:", 0) == 0);
  CHECK(header(request, "X-Amz-Content-Sha256") == kEmptySha256);
  std::string date = header(request, "X-Amz-Date");
  CHECK(std::regex_match(date, std::regex(R"(\d{8}T\d{6}Z)")));
  std::string authorization = header(request, "Authorization");
  CHECK(std::regex_match(
      authorization,
      std::regex("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date.substr(0, 8) +
                 "/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                 "Signature=[0-9a-f]{64}")));
  CHECK(request.find(kSecret) == std::string::npos);
  CHECK(request.ends_with("\r\nConnection: close\r\n\r\n"));
}

TEST_CASE("a signed http probe signs each attempt afresh") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  auto o = signedOptions(server.url("/bucket/health.txt"));
  o.headers = {{"X-Probe", "planb"}};
  HttpProbe probe(io, o);
  std::string first = requestOf(io, server, probe);
  std::string second = requestOf(io, server, probe);
  CHECK(header(first, "X-Probe") == "planb");
  CHECK(header(second, "X-Probe") == "planb");
  // Same second or not, each attempt carries a complete signature of its own time.
  CHECK(header(second, "Authorization").find("Signature=") != std::string::npos);
  CHECK(header(first, "X-Amz-Date").size() == 16);
}

TEST_CASE("a signed http probe sends the target in SigV4's canonical encoding") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  SUBCASE("S3: the path encoded once, the query sorted and encoded") {
    HttpProbe probe(io, signedOptions(server.url("/bucket/a%20b+c.txt?x-id=GetObject&acl")));
    std::string request = requestOf(io, server, probe);
    CHECK(request.rfind("GET /bucket/a%20b%2Bc.txt?acl=&x-id=GetObject HTTP/1.1\r\n", 0) == 0);
  }
  SUBCASE("a bad percent-encoding is refused when the probe is built") {
    CHECK_THROWS_AS(HttpProbe(io, signedOptions(server.url("/bucket/a%zz"))),
                    std::invalid_argument);
  }
}

TEST_CASE("a signed http probe with a host override signs the Host it sends") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  auto o = signedOptions(server.url("/health.txt"));
  o.host = "bucket.s3.eu-west-1.amazonaws.com";
  HttpProbe probe(io, o);
  std::string request = requestOf(io, server, probe);
  CHECK(request.rfind("GET /health.txt HTTP/1.1\r\nHost: bucket.s3.eu-west-1.amazonaws.com\r\n",
                      0) == 0);
}

}  // namespace
}  // namespace planb::probes::test
