#pragma once
// One Reconciler over the fake providers p1 and p2, on a clock the test moves, for the reconciler
// tests and the fault units alike. The world (reconciler_world): record www.example.test. over
// targets a then b (sample_config.hpp), in zone example.test., served by the providers the
// configuration names, both serving a's CNAME at first.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_provider.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/sample_config.hpp"
#include "fakes/sequence_random.hpp"
#include "fakes/temp_dir.hpp"
#include "reconciler.hpp"

namespace planb::testing {

namespace reconciler_world {

inline const std::string kName = "www.example.test.";
inline const std::string kA = twoTargetsOneRecord().targets[0].cname;
inline const std::string kB = twoTargetsOneRecord().targets[1].cname;

// The world's configuration with the zone served by `providers`; tests tune the guard and the
// record's timings themselves.
inline config::Config worldConfig(const std::vector<std::string>& providers) {
  config::Config c = twoTargetsOneRecord();
  for (const std::string& name : providers) {
    config::ProviderConfig p;
    p.name = name;
    c.providers.push_back(p);
  }
  config::ZoneConfig zone;
  zone.name = "example.test.";
  zone.providers = providers;
  c.zones = {zone};
  return c;
}

// A target with a verdict of its own and its vendor up.
inline core::TargetState state(core::Health health) {
  core::TargetState s;
  s.health = health;
  s.vendor = core::Health::Healthy;
  return s;
}

}  // namespace reconciler_world

struct ReconcilerHarness {
  // A fresh state_dir (`dir`) and clock of its own.
  explicit ReconcilerHarness(config::Config world)
      : ReconcilerHarness(std::move(world), own_clock_, {}) {}
  // The clock and state_dir of the test: to restart on the same state, or to break the disk.
  ReconcilerHarness(config::Config world, ManualClock& test_clock, const std::string& state_dir)
      : config(std::move(world)),
        clock(test_clock),
        store(state_dir.empty() ? dir.path() : state_dir) {
    p1->serveCname(reconciler_world::kName, reconciler_world::kA);
    p2->serveCname(reconciler_world::kName, reconciler_world::kA);
  }

  // Configures a new Reconciler with `config` and the providers its zone names.
  void start(const daemon::PersistedState* persisted = nullptr) {
    reconciler = std::make_unique<daemon::Reconciler>(io, log, clock, random, store);
    daemon::ProviderMap providers;
    for (const std::string& name : config.zones.at(0).providers) {
      providers.emplace(name, name == "p1" ? p1 : p2);
    }
    reconciler->configure(config, std::move(providers), persisted);
  }

  void verdicts(core::Health a, core::Health b) {
    reconciler->update({{"a", reconciler_world::state(a)}, {"b", reconciler_world::state(b)}}, {});
  }

  // Runs the io_context until no provider call is in flight any more, within a deadline.
  bool settle() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(2));
      bool busy = false;
      for (const auto& [name, record] : reconciler->records()) {
        for (const auto& [provider, sync] : record.sync) {
          busy = busy || sync.busy;
        }
      }
      if (!busy) {
        io.restart();
        io.poll();
        return true;
      }
    }
    return false;
  }

  const daemon::RecordRuntime& record() {
    return reconciler->records().at(reconciler_world::kName);
  }

 private:
  ManualClock own_clock_;  // first: `clock` may refer to it

 public:
  config::Config config;
  boost::asio::io_context io;
  daemon::Log log{daemon::LogLevel::Error};
  ManualClock& clock;
  SequenceRandom random{{0.5}};
  TempDir dir;
  daemon::StateStore store;
  std::shared_ptr<FakeProvider> p1 = std::make_shared<FakeProvider>("p1");
  std::shared_ptr<FakeProvider> p2 = std::make_shared<FakeProvider>("p2");
  std::unique_ptr<daemon::Reconciler> reconciler;
};

}  // namespace planb::testing
