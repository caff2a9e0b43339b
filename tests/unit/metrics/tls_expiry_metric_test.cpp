// planb_probe_tls_cert_expiry_timestamp_seconds: one gauge per https probe, from its first
// handshake.

#include <doctest/doctest.h>

#include "metrics/metrics.hpp"
#include "metrics_test_support.hpp"

namespace planb::metrics::test {
namespace {

constexpr std::string_view kExpiry = "planb_probe_tls_cert_expiry_timestamp_seconds";

// makeConfig() with aws/http probing https:// and gcp/http probing http://.
config::Config withUrls() {
  config::Config c = makeConfig();
  for (config::TargetConfig& t : c.targets) {
    for (config::ProbeConfig& p : t.probes) {
      p.type = p.name == "tcp" ? config::ProbeType::Tcp : config::ProbeType::Http;
      p.http.url = (t.name == "aws" ? "https://" : "http://") + t.name + ".example.net/healthz";
    }
  }
  return c;
}

core::ProbeResult withCert(core::ProbeResult r, std::int64_t not_after) {
  r.cert_expiry = std::chrono::system_clock::time_point(std::chrono::seconds(not_after));
  return r;
}

TEST_CASE("the certificate expiry of an https probe is exported in unix seconds") {
  Metrics metrics(withUrls());
  const prometheus::Registry& r = *metrics.registry();
  // No series before the first handshake: a 0 would read as a certificate expired in 1970.
  CHECK(seriesCount(r, kExpiry) == 0);
  metrics.probeResult("aws", "http", withCert(core::ProbeResult::success({}), 1'900'000'000));
  CHECK(value(r, kExpiry, {{"target", "aws"}, {"probe", "http"}}) == 1'900'000'000);
  CHECK(seriesCount(r, kExpiry) == 1);
  CHECK(metrics.render().find("# TYPE planb_probe_tls_cert_expiry_timestamp_seconds gauge") !=
        std::string::npos);

  SUBCASE("a failed handshake that saw the certificate updates it; other failures keep it") {
    metrics.probeResult(
        "aws", "http",
        withCert(core::ProbeResult::failed(core::ProbeFailure::Tls, "expired"), 1'700'000'000));
    CHECK(value(r, kExpiry, {{"target", "aws"}, {"probe", "http"}}) == 1'700'000'000);
    metrics.probeResult("aws", "http",
                        core::ProbeResult::failed(core::ProbeFailure::Refused, "refused"));
    CHECK(value(r, kExpiry, {{"target", "aws"}, {"probe", "http"}}) == 1'700'000'000);
  }
  SUBCASE("probes that are not https, and unknown probes, get no series") {
    metrics.probeResult("gcp", "http", withCert(core::ProbeResult::success({}), 1'900'000'000));
    metrics.probeResult("aws", "tcp", withCert(core::ProbeResult::success({}), 1'900'000'000));
    metrics.probeResult("azure", "web", withCert(core::ProbeResult::success({}), 1'900'000'000));
    CHECK(seriesCount(r, kExpiry) == 1);
  }
  SUBCASE("a reload that drops the probe removes its series") {
    config::Config next = withUrls();
    next.targets[0].probes[0].http.url = "http://aws.example.net/healthz";
    metrics.reconfigure(next);
    CHECK(seriesCount(r, kExpiry) == 0);
    metrics.probeResult("aws", "http", withCert(core::ProbeResult::success({}), 1'900'000'000));
    CHECK(seriesCount(r, kExpiry) == 0);
  }
}

}  // namespace
}  // namespace planb::metrics::test
