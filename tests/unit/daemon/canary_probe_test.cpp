#include "canary_probe.hpp"

#include <doctest/doctest.h>

using namespace planb;

namespace {

const config::ProbeTiming kTiming{std::chrono::milliseconds(500), std::chrono::milliseconds(300), 2,
                                  3};

}  // namespace

TEST_CASE("a tcp canary is a connect to its address") {
  config::ProbeConfig p = daemon::canaryProbe("tcp://192.0.2.1:53", kTiming);
  CHECK(p.type == config::ProbeType::Tcp);
  CHECK(p.tcp.address.str() == "192.0.2.1:53");
  CHECK(p.timing.interval == kTiming.interval);
}

TEST_CASE("a dns canary asks its resolver for the root's NS records") {
  config::ProbeConfig p = daemon::canaryProbe("dns://198.51.100.53", kTiming);
  CHECK(p.type == config::ProbeType::Dns);
  CHECK(p.dns.server.str() == "198.51.100.53:53");
  CHECK(p.dns.query_name == ".");
  CHECK(p.dns.query_type == "NS");
  CHECK(p.dns.expect_rcode == "NOERROR");
}

TEST_CASE("an http canary counts any status as an answer") {
  config::ProbeConfig p = daemon::canaryProbe("https://example.org/generate_204", kTiming);
  CHECK(p.type == config::ProbeType::Http);
  CHECK(p.http.url == "https://example.org/generate_204");
  CHECK(p.http.expect_status.front() == 100);
  CHECK(p.http.expect_status.back() == 599);
  CHECK(p.http.expect_status.size() == 500);
}
