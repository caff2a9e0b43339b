// checkProbeFiles (what planbctl check-config and loadAndCheck tell of a probe without building
// it) against makeProbe (what planbd tells when it builds the probe): the same words.

#include "probe_check.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "probe_factory.hpp"

namespace planb::probes {
namespace {

config::ProbeConfig httpProbe(const std::string& url) {
  config::ProbeConfig c;
  c.name = "health";
  c.type = config::ProbeType::Http;
  c.http.url = url;
  return c;
}

std::optional<std::string> checked(const config::ProbeConfig& config) {
  try {
    checkProbeFiles(config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return std::nullopt;
}

std::optional<std::string> built(const config::ProbeConfig& config) {
  boost::asio::io_context io;
  try {
    makeProbe(io, config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return std::nullopt;
}

TEST_CASE("a probe whose files are fine passes the check, as it builds") {
  config::ProbeConfig c = httpProbe("https://example.com/health");
  CHECK_FALSE(checked(c));
  CHECK_FALSE(built(c));
}

TEST_CASE("a missing or unusable ca_file is refused with the words of makeProbe") {
  config::ProbeConfig missing = httpProbe("https://example.com/health");
  missing.http.ca_file = "/nonexistent/ca.pem";
  REQUIRE(checked(missing));
  CHECK(*checked(missing) ==
        "probe health: http probe https://example.com/health: ca_file /nonexistent/ca.pem: No "
        "such file or directory");
  CHECK(checked(missing) == built(missing));

  config::ProbeConfig not_pem = httpProbe("https://example.com/health");
  not_pem.http.ca_file = "/dev/null";
  REQUIRE(checked(not_pem));
  CHECK(checked(not_pem)->ends_with("no CA certificate could be read (PEM expected)"));
  CHECK(checked(not_pem) == built(not_pem));

  config::ProbeConfig plain = httpProbe("http://example.com/health");
  plain.http.ca_file = "/nonexistent/ca.pem";
  REQUIRE(checked(plain));
  CHECK(checked(plain)->ends_with("ca_file applies only to https:// urls"));
  CHECK(checked(plain) == built(plain));
}

TEST_CASE("unreadable signing credentials are refused with the words of makeProbe") {
  config::ProbeConfig c = httpProbe("https://bucket.s3.example.com/health.txt");
  c.http.sign = config::SigV4ProbeSettings{"eu-west-1", "s3", "/nonexistent/akid",
                                           "/nonexistent/secret", std::nullopt};
  REQUIRE(checked(c));
  CHECK(checked(c)->find("/nonexistent/akid") != std::string::npos);
  CHECK(checked(c) == built(c));
}

TEST_CASE("a dns probe's server that is not an address is refused with the words of makeProbe") {
  config::ProbeConfig c;
  c.name = "dns://resolver.example";
  c.type = config::ProbeType::Dns;
  c.dns.server = {"resolver.example", 53};
  c.dns.query_name = "example.com.";
  REQUIRE(checked(c));
  CHECK(checked(c) == built(c));
}

}  // namespace
}  // namespace planb::probes
