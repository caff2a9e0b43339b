// Temporary credentials that their source stopped renewing are reported before they expire: in
// the metrics from the first look, and in the log once per expiry when it is near.

#include "credential_watch.hpp"

#include <doctest/doctest.h>

#include "fakes/captured_stderr.hpp"
#include "fakes/fake_provider.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/reconciler_harness.hpp"
#include "fakes/temp_dir.hpp"
#include "metrics/metrics.hpp"
#include "metrics_report.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("credentials near their expiry are warned of once, and their expiry is a metric") {
  planb::testing::TempDir dir;
  planb::testing::CapturedStderr captured(dir.path() + "/stderr.log");
  planb::testing::ManualClock clock;
  Log log(LogLevel::Warn);
  metrics::Metrics metrics(planb::testing::reconciler_world::worldConfig({"p1", "p2"}));
  MetricsReport report(metrics);
  auto p1 = std::make_shared<planb::testing::FakeProvider>("p1");
  auto p2 = std::make_shared<planb::testing::FakeProvider>("p2");  // lasting keys
  ProviderMap providers{{"p1", p1}, {"p2", p2}};
  const core::WallTime expiry = clock.wallNow() + 1h;
  p1->credentialsExpire(expiry);

  CredentialWatch watch(log, clock);
  watch.check(providers, &report);
  const std::string series = "planb_provider_credentials_expiry_timestamp_seconds{provider=";
  CHECK(metrics.render().find(series + "\"p1\"}") != std::string::npos);
  CHECK(metrics.render().find(series + "\"p2\"}") == std::string::npos);
  CHECK(watch.expiries().size() == 1);
  CHECK(watch.expiries().at("p1") == expiry);
  CHECK(captured.text().find("temporary credentials") == std::string::npos);  // an hour left

  // 55 minutes on, the source has not renewed them: one warning, not one per look.
  for (int i = 0; i < 6 * 55 + 30; ++i) {
    clock.advance(10s);
    watch.check(providers, &report);
  }
  CHECK(count(captured.text(), "provider p1: its temporary credentials expire in") == 1);
  CHECK(captured.text().find("provider p2") == std::string::npos);

  // Renewed, then left to run down again: a new expiry is warned of again.
  p1->credentialsExpire(clock.wallNow() + 5min);
  clock.advance(10s);
  watch.check(providers, &report);
  CHECK(count(captured.text(), "provider p1: its temporary credentials expire in") == 2);
}

TEST_CASE("credentials are looked at no more often than every ten seconds") {
  planb::testing::ManualClock clock;
  Log log(LogLevel::Error);
  auto p1 = std::make_shared<planb::testing::FakeProvider>("p1");
  ProviderMap providers{{"p1", p1}};
  CredentialWatch watch(log, clock);
  watch.check(providers, nullptr);
  CHECK(watch.expiries().empty());
  p1->credentialsExpire(clock.wallNow() + 1h);
  clock.advance(CredentialWatch::kCheckEvery - 1s);
  watch.check(providers, nullptr);
  CHECK(watch.expiries().empty());
  clock.advance(1s);
  watch.check(providers, nullptr);
  CHECK(watch.expiries().size() == 1);
}
