// The reconciler's batches: what one round decides for one provider and zone goes out as one
// replaceBatch, a record that loses its compare-and-swap retries alone, and a change the provider
// still propagates is polled without holding back the next write.

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "fakes/reconciler_harness.hpp"
#include "reconciler.hpp"
#include "status_document.hpp"

using namespace planb;
using namespace planb::daemon;
using namespace std::chrono_literals;

using namespace planb::testing::reconciler_world;

namespace {

std::string recordName(int i) {
  return "r" + std::to_string(i) + ".example.test.";
}

// `count` records like the world's one (targets a then b), all serving a's CNAME on p1 and p2.
struct ManyRecords : planb::testing::ReconcilerHarness {
  explicit ManyRecords(int count) : ReconcilerHarness(manyRecords(count)) {
    for (int i = 0; i < count; ++i) {
      p1->serveCname(recordName(i), kA);
      p2->serveCname(recordName(i), kA);
    }
  }

  static config::Config manyRecords(int count) {
    config::Config c = worldConfig({"p1", "p2"});
    c.guard.hold_down = 1s;
    c.guard.max_flips_per_hour = 10;
    config::RecordConfig model = c.records.at(0);
    c.records.clear();
    for (int i = 0; i < count; ++i) {
      config::RecordConfig r = model;
      r.name = recordName(i);
      c.records.push_back(r);
    }
    return c;
  }

  // Runs the event loop until `done`, within a deadline; false if it never came.
  bool runUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(2ms);
      if (done()) {
        return true;
      }
    }
    return false;
  }

  const ProviderSync& sync(int i, const std::string& provider) {
    return reconciler->records().at(recordName(i)).sync.at(provider);
  }
};

}  // namespace

TEST_CASE("every record a failover moves goes to each provider in one batch") {
  ManyRecords h(50);
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->batches().empty());  // every record already serves a: adopted, nothing written

  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  CHECK(h.p1->batches() == std::vector<std::size_t>{50});
  CHECK(h.p2->batches() == std::vector<std::size_t>{50});
  for (int i = 0; i < 50; ++i) {
    CHECK(h.p1->cname(recordName(i)) == kB);
    CHECK(h.p2->cname(recordName(i)) == kB);
  }
}

TEST_CASE("the reads of a start go to each provider as one batch per zone") {
  ManyRecords h(20);
  h.start();
  REQUIRE(h.settle());
  // FakeProvider's readBatch is the one-by-one default: 20 reads, made by one job.
  CHECK(h.p1->calls().size() == 20);
  for (int i = 0; i < 20; ++i) {
    CHECK(h.sync(i, "p1").served.has_value());
  }
}

TEST_CASE("a record that lost its compare-and-swap in a batch retries alone") {
  ManyRecords h(10);
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  // Changed behind planb's back after its read: the batch's compare-and-swap for r3 fails.
  h.p1->serveCname(recordName(3), "hand.example.net.");

  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  // The nine others landed in the first batch; r3 was re-read and written alone after.
  std::vector<std::size_t> batches = h.p1->batches();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0] == 10);
  CHECK(batches[1] == 1);
  for (int i = 0; i < 10; ++i) {
    CHECK(h.p1->cname(recordName(i)) == kB);
  }
  CHECK(h.p2->batches() == std::vector<std::size_t>{10});
}

TEST_CASE("a change the provider still propagates is tracked and polled, not waited for") {
  ManyRecords h(5);
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.p1->propagate();

  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  REQUIRE(h.settle());
  for (int i = 0; i < 5; ++i) {
    CHECK(h.sync(i, "p1").propagating_change == "C1");
    CHECK(h.sync(i, "p2").propagating_change.empty());  // p2 applies at once
  }
  core::HealthBoard board({}, {});
  auto status = statusDocument(h.config, board, h.reconciler->records(), {}, {});
  CHECK(status["records"][0]["providers"][0]["propagating"]["change"] == "C1");
  CHECK(status["records"][0]["providers"][1]["propagating"].is_null());

  // Not polled before kPropagationPoll has passed.
  h.clock.advance(Reconciler::kPropagationPoll - 1ms);
  h.reconciler->step();
  REQUIRE(h.settle());
  auto polls = [&] {
    std::size_t n = 0;
    for (const std::string& c : h.p1->calls()) {
      n += c.rfind("poll ", 0) == 0 ? 1 : 0;
    }
    return n;
  };
  CHECK(polls() == 0);

  // Still pending: a later write to the same provider goes out meanwhile.
  h.clock.advance(1ms);
  h.reconciler->step();
  REQUIRE(h.runUntil([&] { return polls() == 1; }));
  h.p1->serveCname(recordName(2), kA);  // drift the resync finds
  h.reconciler->resync();
  REQUIRE(h.settle());
  CHECK(h.p1->cname(recordName(2)) == kB);
  CHECK(h.sync(2, "p1").propagating_change == "C2");
  CHECK(h.sync(0, "p1").propagating_change == "C1");

  h.p1->applyChanges();
  h.clock.advance(Reconciler::kPropagationPoll);
  h.reconciler->step();
  REQUIRE(h.runUntil([&] {
    for (int i = 0; i < 5; ++i) {
      if (!h.sync(i, "p1").propagating_change.empty()) {
        return false;
      }
    }
    return true;
  }));
}

TEST_CASE("a reload while reads and writes are in flight still writes the failover") {
  ManyRecords h(3);
  h.start();
  h.verdicts(core::Health::Healthy, core::Health::Healthy);
  REQUIRE(h.settle());
  h.verdicts(core::Health::Unhealthy, core::Health::Healthy);
  for (int reload = 0; reload < 3; ++reload) {
    daemon::ProviderMap providers{{"p1", h.p1}, {"p2", h.p2}};
    h.reconciler->configure(h.config, providers, nullptr);
    h.io.restart();
    h.io.poll_one();
  }
  REQUIRE(h.settle());
  for (int i = 0; i < 3; ++i) {
    CHECK(h.p1->cname(recordName(i)) == kB);
    CHECK(h.p2->cname(recordName(i)) == kB);
  }
}
