// dns probes against a real BIND 9 on 127.0.0.1 (authoritative for example.test, recursion off).

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "harness/bind9_server.hpp"
#include "probe_factory.hpp"
#include "probes/dns_probe.hpp"

using namespace std::chrono_literals;
using planb::core::ProbeFailure;
using planb::core::ProbeResult;
using planb::probes::DnsProbe;
using planb::probes::DnsProbeOptions;
using planb::testing::Bind9Server;

namespace {

// Ten TXT records of 200 bytes: more than the 1232 bytes EDNS0 allows over UDP, so BIND truncates.
std::string bigTxt() {
  std::string records;
  for (int i = 0; i < 10; ++i) {
    records += "big IN TXT \"record-" + std::to_string(i) + "-" + std::string(190, 'x') + "\"\n";
  }
  return records;
}

Bind9Server::Options zone() {
  Bind9Server::Options options;
  options.records =
      "www IN CNAME app.aws.example.net.\n"
      "api IN A 192.0.2.10\n"
      "api IN A 192.0.2.11\n"
      "mail IN MX 10 mx1.example.test.\n" +
      bigTxt();
  return options;
}

// One BIND for the whole program: starting named costs most of a second.
Bind9Server& bind() {
  static Bind9Server server(zone());
  return server;
}

DnsProbeOptions query(const std::string& name, const std::string& type = "A") {
  DnsProbeOptions o;
  o.server = boost::asio::ip::make_address(bind().host());
  o.port = bind().port();
  o.queryName = name;
  o.queryType = type;
  return o;
}

ProbeResult attempt(const DnsProbeOptions& options, std::chrono::milliseconds timeout = 2000ms) {
  boost::asio::io_context io;
  DnsProbe probe(io, options);
  std::optional<ProbeResult> result;
  probe.start(timeout, [&](ProbeResult r) { result = std::move(r); });
  auto deadline = std::chrono::steady_clock::now() + timeout + 5s;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.run_one_until(deadline);
  }
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("dns probe succeeds on NOERROR with an A record matching expect_answer") {
  auto o = query("api.example.test");
  o.expectAnswer = R"(192\.0\.2\.11)";
  ProbeResult r = attempt(o);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(r.latency > std::chrono::microseconds{0});
}

TEST_CASE("dns probe without expect_answer checks only the rcode") {
  ProbeResult r = attempt(query("api.example.test"));
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("dns probe fails with dns when no answer matches expect_answer") {
  auto o = query("api.example.test");
  o.expectAnswer = R"(192\.0\.2\.99)";
  ProbeResult r = attempt(o);
  CHECK(r.failure == ProbeFailure::Dns);
  CHECK(r.detail ==
        R"(no A answer for api.example.test. matches /192\.0\.2\.99/: got 192.0.2.10, 192.0.2.11)");
}

TEST_CASE("dns probe matches a name in the answer with or without its trailing dot") {
  for (const char* expected : {"app.aws.example.net", "app.aws.example.net.", "app\\.aws\\..*"}) {
    CAPTURE(expected);
    auto o = query("www.example.test", "CNAME");
    o.expectAnswer = expected;
    ProbeResult r = attempt(o);
    CHECK_MESSAGE(r.ok(), r.detail);
  }
  auto o = query("mail.example.test", "MX");
  o.expectAnswer = "10 mx1.example.test";
  ProbeResult r = attempt(o);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("dns probe fails with dns on another rcode than expected") {
  SUBCASE("NXDOMAIN for a name the zone does not have") {
    ProbeResult r = attempt(query("missing.example.test"));
    CHECK(r.failure == ProbeFailure::Dns);
    CHECK(r.detail ==
          "127.0.0.1:" + std::to_string(bind().port()) +
              " answered A missing.example.test. with rcode NXDOMAIN, expected NOERROR");
  }
  SUBCASE("REFUSED for a zone the server does not serve (recursion is off)") {
    ProbeResult r = attempt(query("www.example.org"));
    CHECK(r.failure == ProbeFailure::Dns);
    CHECK(r.detail.ends_with("with rcode REFUSED, expected NOERROR"));
  }
}

TEST_CASE("dns probe succeeds when the expected rcode is NXDOMAIN and the name is missing") {
  auto o = query("missing.example.test");
  o.expectRcode = "NXDOMAIN";
  ProbeResult r = attempt(o);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("dns probe asks again over TCP when the UDP reply is truncated") {
  auto o = query("big.example.test", "TXT");
  o.expectAnswer = "\"record-9-x+\"";
  ProbeResult r = attempt(o);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("dns probe times out when the server never answers") {
  boost::asio::io_context io;
  boost::asio::ip::udp::socket silent(
      io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  DnsProbeOptions o = query("api.example.test");
  o.port = silent.local_endpoint().port();
  ProbeResult r = attempt(o, 200ms);
  CHECK(r.failure == ProbeFailure::Timeout);
  CHECK(r.detail == "timeout after 200ms waiting for 127.0.0.1:" + std::to_string(o.port) +
                        " to answer A api.example.test.");
}

TEST_CASE("dns probe fails with refused when nothing listens on the server's port") {
  DnsProbeOptions o = query("api.example.test");
  o.port = planb::testing::pickFreePort();
  ProbeResult r = attempt(o);
  CHECK(r.failure == ProbeFailure::Refused);
  CHECK(r.detail == "query 127.0.0.1:" + std::to_string(o.port) + ": Connection refused");
}

TEST_CASE("makeProbe builds a dns probe from its configuration") {
  boost::asio::io_context io;
  planb::config::ProbeConfig c;
  c.name = "ns";
  c.type = planb::config::ProbeType::Dns;
  c.dns.server = bind().address();
  c.dns.query_name = "api.example.test.";
  c.dns.query_type = "A";
  c.dns.expect_answer = "192.0.2.10";
  auto probe = planb::probes::makeProbe(io, c);
  CHECK(probe->kind() == "dns");
  std::optional<ProbeResult> result;
  probe->start(2000ms, [&](ProbeResult r) { result = std::move(r); });
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.run_one_until(deadline);
  }
  REQUIRE(result.has_value());
  CHECK_MESSAGE(result->ok(), result->detail);
}
