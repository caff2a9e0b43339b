#include "probe_factory.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace planb::probes::test {
namespace {

config::ProbeConfig httpConfig(const std::string& url) {
  config::ProbeConfig c;
  c.name = "health";
  c.type = config::ProbeType::Http;
  c.http.url = url;
  return c;
}

config::ProbeConfig tcpConfig(const std::string& host, std::uint16_t port) {
  config::ProbeConfig c;
  c.name = "port";
  c.type = config::ProbeType::Tcp;
  c.tcp.address = {host, port};
  return c;
}

TEST_CASE("makeProbe builds an http probe that checks status and body") {
  asio::io_context io;
  LoopbackServer server(io, LoopbackServer::Mode::Respond, LoopbackServer::http(202, "ready"));
  auto config = httpConfig(server.url("/ready"));
  config.http.expect_status = {202};
  config.http.expect_body = "ready";
  auto probe = makeProbe(io, config);
  CHECK(probe->kind() == "http");
  Results results;
  probe->start(1000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK_MESSAGE(results.all[0].ok(), results.all[0].detail);
}

TEST_CASE("makeProbe builds a tcp probe") {
  asio::io_context io;
  LoopbackServer server(io, LoopbackServer::Mode::Silent);
  auto probe = makeProbe(io, tcpConfig("127.0.0.1", server.port()));
  CHECK(probe->kind() == "tcp");
  Results results;
  probe->start(1000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK(results.all[0].ok());
}

TEST_CASE("makeProbe rejects what a probe cannot run, naming the probe") {
  asio::io_context io;
  auto rejects = [&](const config::ProbeConfig& c, const std::string& message) {
    try {
      makeProbe(io, c);
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()) == message);
    }
  };
  rejects(httpConfig("ftp://x/"), "probe health: url ftp://x/: scheme must be http or https");
  auto https = httpConfig("https://x/");
  https.http.ca_file = "/nonexistent/ca.pem";
  rejects(https,
          "probe health: http probe https://x/: ca_file /nonexistent/ca.pem: No such file "
          "or directory");
  rejects(tcpConfig("10.0.0.1", 0), "probe port: probe endpoint 10.0.0.1: port must be 1..65535");
  rejects(tcpConfig("", 80), "probe port: probe endpoint: empty host");
}

}  // namespace
}  // namespace planb::probes::test
