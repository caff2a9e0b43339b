// A provider's minimum TTL learned at run time (Alibaba DNS's free edition: 600) never stops a
// failover: the provider writes its minimum, and planbd reports the raise instead of fighting it.

#include <doctest/doctest.h>

#include "fakes/reconciler_harness.hpp"
#include "reconciler.hpp"
#include "status_document.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace planb::testing::reconciler_world;

TEST_CASE("a failover written with the provider's higher minimum TTL is reported, not rewritten") {
  planb::testing::ReconcilerHarness h(worldConfig({"p1", "p2"}));
  h.p1->serveCname(kName, kA);
  h.p2->serveCname(kName, kA);
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->minimumTtl(600);

  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->cname(kName) == kB);
  CHECK(h.p1->servedTtl(kName) == 600);
  CHECK(h.p2->cname(kName) == kB);
  const ProviderSync& p1 = h.record().sync.at("p1");
  CHECK(p1.raised_ttl == 600);
  CHECK(h.record().sync.at("p2").raised_ttl == 0);

  core::HealthBoard board({}, {});
  auto status = statusDocument(h.config, board, h.reconciler->records(), {}, {});
  const auto& providers = status["records"][0]["providers"];
  CHECK(providers[0]["ttl_raised"]["configured"] == h.config.records.at(0).ttl);
  CHECK(providers[0]["ttl_raised"]["written"] == 600);
  CHECK(providers[0]["in_sync"] == true);
  CHECK(providers[1]["ttl_raised"].is_null());

  // The raised TTL is what the provider serves, not drift: a resync writes nothing more.
  std::size_t writes = h.p1->writes();
  h.reconciler->resync();
  REQUIRE(h.settle());
  CHECK(h.p1->writes() == writes);
}
