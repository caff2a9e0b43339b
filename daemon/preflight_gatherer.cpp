#include "preflight_gatherer.hpp"

#include <boost/asio/post.hpp>

#include "dns_lookup.hpp"
#include "own_dependencies.hpp"

namespace planb::daemon {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds kLookupTimeout{3000};

core::PreflightServed servedOf(const providers::ServedRecord& record) {
  core::PreflightServed served;
  switch (record.kind) {
    case providers::ServedRecord::Kind::Absent:
      served.kind = core::PreflightServed::Kind::Absent;
      break;
    case providers::ServedRecord::Kind::Cname:
      served.kind = core::PreflightServed::Kind::Cname;
      break;
    case providers::ServedRecord::Kind::Conflict:
      served.kind = core::PreflightServed::Kind::Conflict;
      break;
  }
  served.target = record.target;
  served.ttl = record.ttl;
  served.conflict_type = record.conflict_type;
  return served;
}

std::string serversText(const std::vector<net::HostPort>& servers) {
  std::string text;
  for (const net::HostPort& s : servers) {
    text += (text.empty() ? "" : ", ") + s.str();
  }
  return text;
}

}  // namespace

// One preflight in progress: filled by the side jobs and the lookup thread, judged when the last
// part is in. Counted down on the event loop only.
struct PreflightGatherer::Run {
  config::Config config;
  std::function<void(nlohmann::ordered_json)> done;
  std::size_t waiting = 0;
  std::vector<core::PreflightProviderZone> provider_zones;
  std::map<std::string, std::uint32_t> min_ttl;  // by provider
  std::map<std::string, std::string> type;       // by provider
  std::vector<core::PreflightZone> zones;
  std::vector<core::PreflightDependency> dependencies;
};

PreflightGatherer::PreflightGatherer(asio::io_context& io, Reconciler& reconciler,
                                     std::shared_ptr<const AddressBook> addresses,
                                     Rehearsals rehearsals, LookupDelegation lookup)
    : io_(io),
      reconciler_(reconciler),
      addresses_(std::move(addresses)),
      rehearsals_(std::move(rehearsals)),
      lookup_(std::move(lookup)) {
  if (!lookup_) {
    lookup_ = [](const std::vector<net::HostPort>& servers, const std::string& zone,
                 bool recursive) {
      return lookupNameServers(servers, zone, recursive, kLookupTimeout);
    };
  }
}

PreflightGatherer::~PreflightGatherer() {
  pool_.join();
}

void PreflightGatherer::run(const config::Config& config,
                            std::function<void(nlohmann::ordered_json)> done) {
  auto run = std::make_shared<Run>();
  run->config = config;
  run->done = std::move(done);
  run->provider_zones.reserve(64);
  // Every (zone, provider) pair gets its slot now: the side jobs fill their own.
  for (const config::ZoneConfig& zone : config.zones) {
    for (const std::string& provider : zone.providers) {
      core::PreflightProviderZone pz;
      pz.zone = zone.name;
      pz.provider = provider;
      run->provider_zones.push_back(std::move(pz));
    }
  }
  run->waiting = run->provider_zones.size() + 1;  // + the lookup thread
  for (std::size_t i = 0; i < run->provider_zones.size(); ++i) {
    const std::string zone = run->provider_zones[i].zone;
    const std::string provider = run->provider_zones[i].provider;
    std::vector<std::string> names;
    for (const config::RecordConfig& r : config.records) {
      if (r.zone == zone) {
        names.push_back(r.name);
      }
    }
    // What the worker found, handed to the event loop by `done` (posted after `work` returns).
    struct Found {
      std::vector<providers::Result<providers::ServedRecord>> reads;
      providers::Result<std::vector<std::string>> name_servers = std::vector<std::string>{};
      std::uint32_t min_ttl = 1;
      std::string type;
    };
    auto found = std::make_shared<Found>();
    SideJob job;
    job.work = [found, zone, names](providers::DnsProvider& p) {
      found->min_ttl = p.capabilities().min_ttl;
      found->type = std::string(p.type());
      found->reads = p.readBatch(zone, names);
      found->name_servers = p.nameServers(zone);
    };
    job.done = [this, run, i, found, names](bool ran) {
      core::PreflightProviderZone& pz = run->provider_zones[i];
      if (!ran) {
        pz.read_error = "planbd did not run the read (the provider is not active)";
      } else {
        run->min_ttl[pz.provider] = found->min_ttl;
        run->type[pz.provider] = found->type;
        for (std::size_t n = 0; n < names.size() && n < found->reads.size(); ++n) {
          if (const auto* error = providers::errorIn(found->reads[n])) {
            if (!pz.read_error) {
              pz.read_error = error->message;
              pz.credentials_refused = error->kind == providers::ErrorKind::Auth ||
                                       error->kind == providers::ErrorKind::Refused;
            }
          } else {
            pz.served[names[n]] = servedOf(std::get<providers::ServedRecord>(found->reads[n]));
          }
        }
        if (const auto* error = providers::errorIn(found->name_servers)) {
          pz.name_servers_error = error->message;
        } else {
          pz.name_servers = std::get<std::vector<std::string>>(found->name_servers);
        }
      }
      if (--run->waiting == 0) {
        finish(run);
      }
    };
    reconciler_.runOnProvider(provider, std::move(job));
  }
  // The delegations and the dependencies: DNS queries and a file read, off the event loop.
  asio::post(pool_, [this, run] {
    std::vector<net::HostPort> resolvers = resolversOf(run->config);
    std::vector<core::PreflightZone> zones;
    for (const config::ZoneConfig& z : run->config.zones) {
      core::PreflightZone zone;
      zone.name = z.name;
      zone.providers = z.providers;
      bool from_parent = !z.parent_servers.empty();
      const std::vector<net::HostPort>& servers = from_parent ? z.parent_servers : resolvers;
      zone.delegation_source =
          (from_parent ? "parent_servers " : "resolvers ") + serversText(servers);
      auto ns = lookup_(servers, z.name, !from_parent);
      if (const auto* error = net::errorIn(ns)) {
        zone.delegation_error = error->message;
      } else {
        zone.delegation = std::get<std::vector<std::string>>(ns);
      }
      zones.push_back(std::move(zone));
    }
    std::vector<core::PreflightDependency> dependencies;
    for (const OwnDependency& own : ownDependencies(run->config, resolvers)) {
      core::PreflightDependency d;
      d.kind = own.kind;
      d.what = own.what;
      d.vendor = own.vendor;
      d.provider = own.provider;
      if (addresses_ && !own.host.empty()) {
        if (auto entry = addresses_->entry(own.host)) {
          d.addresses = entry->addresses;
          d.from_saved = entry->from_saved;
          d.resolve_error = entry->error;
        }
      }
      dependencies.push_back(std::move(d));
    }
    asio::post(io_, [this, run, zones = std::move(zones),
                     dependencies = std::move(dependencies)]() mutable {
      run->zones = std::move(zones);
      run->dependencies = std::move(dependencies);
      if (--run->waiting == 0) {
        finish(run);
      }
    });
  });
}

void PreflightGatherer::finish(const std::shared_ptr<Run>& run) {
  core::PreflightInputs in;
  in.zones = std::move(run->zones);
  in.provider_zones = std::move(run->provider_zones);
  in.dependencies = run->dependencies;
  in.rehearsals = rehearsals_ ? rehearsals_() : core::RehearsalRecords{};
  in.rehearsals_enabled = run->config.rehearsal.interval > std::chrono::milliseconds::zero();
  for (const config::TargetConfig& t : run->config.targets) {
    in.targets.push_back({t.name, t.vendor});
  }
  for (const config::ProviderConfig& p : run->config.providers) {
    auto min = run->min_ttl.find(p.name);
    in.providers.push_back({p.name, std::string(config::nameOf(p.type)), config::vendorOf(p),
                            min == run->min_ttl.end() ? 1 : min->second});
  }
  const auto& runtime = reconciler_.records();
  for (const config::RecordConfig& r : run->config.records) {
    core::PreflightRecord record{r.name, r.zone, r.ttl, r.targets, {}};
    if (auto it = runtime.find(r.name); it != runtime.end()) {
      for (const auto& [provider, sync] : it->second.sync) {
        if (sync.raised_ttl != 0) {
          record.raised_ttl[provider] = sync.raised_ttl;
        }
      }
    }
    in.records.push_back(std::move(record));
  }
  std::vector<core::PreflightFinding> findings = core::preflight(in);
  std::size_t blockers = 0;
  nlohmann::ordered_json listed = nlohmann::ordered_json::array();
  auto orNull = [](const std::string& text) {
    return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
  };
  for (const core::PreflightFinding& f : findings) {
    blockers += f.severity == core::PreflightSeverity::Blocker ? 1 : 0;
    listed.push_back({{"severity", core::nameOf(f.severity)},
                      {"record", orNull(f.record)},
                      {"zone", orNull(f.zone)},
                      {"provider", orNull(f.provider)},
                      {"what", f.what},
                      {"fix", f.fix}});
  }
  nlohmann::ordered_json dependencies = nlohmann::ordered_json::array();
  for (const core::PreflightDependency& d : in.dependencies) {
    nlohmann::ordered_json entry{{"kind", core::nameOf(d.kind)},
                                 {"what", d.what},
                                 {"provider", orNull(d.provider)},
                                 {"vendor", orNull(d.vendor)}};
    if (d.kind != core::PreflightDependency::Kind::CredentialSource &&
        d.kind != core::PreflightDependency::Kind::Resolver) {
      entry["addresses"] = d.addresses;
      entry["from_saved"] = d.from_saved;
      entry["resolve_error"] = orNull(d.resolve_error);
    }
    dependencies.push_back(std::move(entry));
  }
  run->done({{"ok", blockers == 0},
             {"blockers", blockers},
             {"warnings", findings.size() - blockers},
             {"findings", listed},
             {"dependencies", dependencies}});
}

}  // namespace planb::daemon
