#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef PLANB_VERSION
#define PLANB_VERSION "unknown"
#endif

namespace planb::metrics {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

namespace {

// Probes time out after at most a few seconds; blackbox_exporter-like resolution below that.
const Histogram::BucketBoundaries kProbeBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10};
// Provider APIs: tens of milliseconds when healthy, up to the HTTP client's 10 s total timeout
// (retries and rate-limit waits beyond it).
const Histogram::BucketBoundaries kProviderBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                      1,    2.5,   5,    10,  30};
// Propagation: near-instant for a primary, up to minutes for secondaries behind NOTIFY/AXFR.
const Histogram::BucketBoundaries kPropagationBuckets = {0.1, 0.25, 0.5, 1,   2.5, 5,
                                                         10,  30,   60,  120, 300, 600};

double seconds(WallTime at) {
  return Seconds(at.time_since_epoch()).count();
}

std::string str(std::string_view s) {
  return std::string(s);
}

// The label sets of one family that exist right now. Only reconfigure() changes them (under the
// exclusive lock); updates look a series up and ignore label sets the configuration lacks.
template <class T>
class SeriesSet {
 public:
  explicit SeriesSet(prometheus::Family<T>& family, Histogram::BucketBoundaries buckets = {})
      : family_(&family), buckets_(std::move(buckets)) {}

  // Makes exactly `wanted` exist: adds the missing ones at 0, removes the others. One walk over
  // both sorted sets, not a lookup per label set: a start with 1,000 probes makes 11,000 series.
  void sync(const std::set<Labels>& wanted) {
    auto live = live_.begin();
    for (const Labels& labels : wanted) {
      while (live != live_.end() && live->first < labels) {
        family_->Remove(live->second);
        live = live_.erase(live);
      }
      if (live != live_.end() && live->first == labels) {
        ++live;
      } else {
        live_.emplace_hint(live, labels, &add(labels));
      }
    }
    while (live != live_.end()) {
      family_->Remove(live->second);
      live = live_.erase(live);
    }
  }

  T* find(const Labels& labels) const {
    auto it = live_.find(labels);
    return it == live_.end() ? nullptr : it->second;
  }

 private:
  T& add(const Labels& labels) {
    if constexpr (std::is_same_v<T, Histogram>) {
      return family_->Add(labels, buckets_);
    } else {
      return family_->Add(labels);
    }
  }

  prometheus::Family<T>* family_;
  Histogram::BucketBoundaries buckets_;
  std::map<Labels, T*> live_;
};

// Gauges created on their first value rather than at 0, for label sets the configuration allows:
// a 0 would read as a real value (a certificate expired in 1970).
class LazyGauges {
 public:
  explicit LazyGauges(prometheus::Family<Gauge>& family) : family_(&family) {}

  // Under the exclusive lock: these label sets may exist; the others are removed.
  void allow(std::set<Labels> allowed) {
    std::lock_guard lock(mu_);
    allowed_ = std::move(allowed);
    for (auto it = live_.begin(); it != live_.end();) {
      if (allowed_.contains(it->first)) {
        ++it;
      } else {
        family_->Remove(it->second);
        it = live_.erase(it);
      }
    }
  }

  void set(const Labels& labels, double value) {
    std::lock_guard lock(mu_);
    auto it = live_.find(labels);
    if (it == live_.end()) {
      if (!allowed_.contains(labels)) {
        return;
      }
      it = live_.emplace(labels, &family_->Add(labels)).first;
    }
    it->second->Set(value);
  }

 private:
  prometheus::Family<Gauge>* family_;
  std::mutex mu_;  // set() runs under the shared lock, from any thread
  std::set<Labels> allowed_;
  std::map<Labels, Gauge*> live_;
};

// The scheme as written may be in any case ("HTTPS://…").
bool isHttps(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  return url.size() >= kScheme.size() &&
         std::equal(kScheme.begin(), kScheme.end(), url.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

template <class Builder>
auto& named(Builder builder, const char* name, const char* help, prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

struct Metrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : build_info(named(prometheus::BuildGauge(), "planb_build_info",
                         "planbd build information; always 1.", r)),
        probe_success(named(prometheus::BuildGauge(), "planb_probe_success",
                            "1 if the last attempt of the probe succeeded, else 0.", r)),
        probe_duration(named(prometheus::BuildHistogram(), "planb_probe_duration_seconds",
                             "Duration of probe attempts.", r),
                       kProbeBuckets),
        probe_results(named(prometheus::BuildCounter(), "planb_probe_results_total",
                            "Probe attempts by result: success or the failure reason.", r)),
        tls_cert_expiry(named(prometheus::BuildGauge(),
                              "planb_probe_tls_cert_expiry_timestamp_seconds",
                              "Unix time the certificate last presented to an https probe expires "
                              "(notAfter).",
                              r)),
        target_healthy(named(prometheus::BuildGauge(), "planb_target_healthy",
                             "1 if the target is healthy (rise/fall and healthy_when), else 0.",
                             r)),
        vendor_down(named(prometheus::BuildGauge(), "planb_vendor_down",
                          "1 if a majority of the vendor's regions are down, else 0.", r)),
        record_target(named(prometheus::BuildGauge(), "planb_record_target",
                            "1 for the target the record serves, 0 for its other targets.", r)),
        record_degraded(named(prometheus::BuildGauge(), "planb_record_degraded",
                              "1 if no target of the record is usable (fail static), else 0.", r)),
        record_held_back(named(prometheus::BuildGauge(), "planb_record_held_back",
                               "1 while the safety rule holds the record's decision back, else 0.",
                               r)),
        record_in_sync(named(prometheus::BuildGauge(), "planb_record_in_sync",
                             "1 if the provider serves what the record should serve, else 0.", r)),
        failovers(named(prometheus::BuildCounter(), "planb_failovers_total",
                        "Changes of the target a record serves.", r)),
        provider_requests(named(prometheus::BuildCounter(), "planb_provider_requests_total",
                                "DNS provider API requests by result.", r)),
        provider_duration(
            named(prometheus::BuildHistogram(), "planb_provider_request_duration_seconds",
                  "Duration of DNS provider API requests.", r),
            kProviderBuckets),
        propagation(named(prometheus::BuildHistogram(), "planb_dns_propagation_seconds",
                          "Time from a write until every verify server answers the new target.", r),
                    kPropagationBuckets),
        records_propagating(named(prometheus::BuildGauge(), "planb_provider_records_propagating",
                                  "Records written on the provider whose change it has accepted "
                                  "but not yet applied everywhere (Route 53 PENDING).",
                                  r)),
        change_apply(named(prometheus::BuildHistogram(), "planb_provider_change_apply_seconds",
                           "Time from a write the provider accepted as propagating until it "
                           "reported the change applied everywhere.",
                           r),
                     kPropagationBuckets),
        credentials_expiry(named(prometheus::BuildGauge(),
                                 "planb_provider_credentials_expiry_timestamp_seconds",
                                 "Unix time the provider's temporary credentials expire (an AWS "
                                 "credential_process' Expiration); absent for lasting ones.",
                                 r)),
        rehearsal_success(named(prometheus::BuildGauge(), "planb_rehearsal_success",
                                "1 if the provider's last rehearsal for the zone passed (TXT "
                                "written, served by every verify server, deleted), else 0.",
                                r)),
        rehearsal_last_success(
            named(prometheus::BuildGauge(), "planb_rehearsal_last_success_timestamp_seconds",
                  "Unix time the provider's last passing rehearsal for the zone ended.", r)),
        rehearsal_duration(
            named(prometheus::BuildHistogram(), "planb_rehearsal_duration_seconds",
                  "Time from a rehearsal's accepted TXT write until every verify server "
                  "answered it.",
                  r),
            kPropagationBuckets),
        last_reconcile(named(prometheus::BuildGauge(),
                             "planb_last_reconcile_success_timestamp_seconds",
                             "Unix time the provider was last found serving what it should.", r)),
        last_error(named(prometheus::BuildGauge(), "planb_provider_last_error_timestamp_seconds",
                         "Unix time of the provider's last failed request; 0 if none.", r)),
        frozen(named(prometheus::BuildGauge(), "planb_frozen",
                     "1 while automation is frozen by an operator, else 0.", r)),
        local_network_down(named(prometheus::BuildGauge(), "planb_local_network_down",
                                 "1 while every canary fails and automation holds, else 0.", r)),
        overrides(named(prometheus::BuildGauge(), "planb_overrides",
                        "Operator overrides in force, by kind.", r)),
        reload_ok(named(prometheus::BuildGauge(), "planb_config_last_reload_successful",
                        "1 if the last configuration (re)load succeeded, else 0.", r)),
        reload_time(named(prometheus::BuildGauge(),
                          "planb_config_last_reload_success_timestamp_seconds",
                          "Unix time of the last successful configuration (re)load.", r)) {}

  void sync(const config::Config& config);

  mutable std::shared_mutex mu;  // exclusive: reconfigure; shared: updates

  SeriesSet<Gauge> build_info;
  SeriesSet<Gauge> probe_success;
  SeriesSet<Histogram> probe_duration;
  SeriesSet<Counter> probe_results;
  LazyGauges tls_cert_expiry;  // https probes, from their first handshake on
  SeriesSet<Gauge> target_healthy;
  SeriesSet<Gauge> vendor_down;
  SeriesSet<Gauge> record_target;
  SeriesSet<Gauge> record_degraded;
  SeriesSet<Gauge> record_held_back;
  SeriesSet<Gauge> record_in_sync;
  SeriesSet<Counter> failovers;
  SeriesSet<Counter> provider_requests;
  SeriesSet<Histogram> provider_duration;
  SeriesSet<Histogram> propagation;
  SeriesSet<Gauge> records_propagating;
  SeriesSet<Histogram> change_apply;
  LazyGauges credentials_expiry;  // providers whose credentials tell when they expire
  LazyGauges rehearsal_success;   // (zone, provider) pairs, from their first rehearsal on
  LazyGauges rehearsal_last_success;
  SeriesSet<Histogram> rehearsal_duration;
  SeriesSet<Gauge> last_reconcile;
  SeriesSet<Gauge> last_error;
  SeriesSet<Gauge> frozen;
  SeriesSet<Gauge> local_network_down;
  SeriesSet<Gauge> overrides;
  SeriesSet<Gauge> reload_ok;
  SeriesSet<Gauge> reload_time;

  // Fleet mode: registered by the constructor when the configuration has [cluster], else null.
  struct Cluster {
    explicit Cluster(prometheus::Registry& r)
        : nodes(named(prometheus::BuildGauge(), "planb_cluster_nodes",
                      "Fleet nodes with a live view: in etcd and not held by their "
                      "local-network guard.",
                      r)
                    .Add({})),
          leader(named(prometheus::BuildGauge(), "planb_cluster_leader",
                       "1 while this node is the fleet's leader (the one that writes DNS), else 0.",
                       r)
                     .Add({})),
          etcd_up(named(prometheus::BuildGauge(), "planb_cluster_etcd_up",
                        "1 while this node reaches etcd, else 0.", r)
                      .Add({})),
          leader_changes(named(prometheus::BuildCounter(), "planb_cluster_leader_changes_total",
                               "Changes of the fleet's leader seen by this node.", r)
                             .Add({})) {}
    Gauge& nodes;
    Gauge& leader;
    Gauge& etcd_up;
    Counter& leader_changes;
  };
  std::unique_ptr<Cluster> cluster;

  // From the configuration, for the label values updates do not pass.
  std::map<std::string, std::string, std::less<>> vendor_of;                // by target
  std::map<std::string, std::vector<std::string>, std::less<>> targets_of;  // by record
};

void Metrics::Impl::sync(const config::Config& config) {
  std::set<Labels> probes, tls_probes, probe_results_wanted, targets, vendors, records,
      record_targets, held_back, in_sync, failover_pairs, providers, provider_results,
      rehearsal_pairs;
  vendor_of.clear();
  targets_of.clear();
  for (const config::TargetConfig& t : config.targets) {
    vendor_of[t.name] = t.vendor;
    targets.insert({{"target", t.name}, {"vendor", t.vendor}});
    vendors.insert({{"vendor", t.vendor}});
    for (const config::ProbeConfig& p : t.probes) {
      probes.insert({{"target", t.name}, {"probe", p.name}});
      if (p.type == config::ProbeType::Http && isHttps(p.http.url)) {
        tls_probes.insert({{"target", t.name}, {"probe", p.name}});
      }
      for (std::string_view result : kProbeResults) {
        probe_results_wanted.insert(
            {{"target", t.name}, {"probe", p.name}, {"result", str(result)}});
      }
    }
  }
  for (const config::RecordConfig& r : config.records) {
    targets_of[r.name] = r.targets;
    records.insert({{"record", r.name}});
    for (const std::string& t : r.targets) {
      record_targets.insert({{"record", r.name}, {"target", t}});
      for (const std::string& to : r.targets) {
        if (to != t) {
          failover_pairs.insert({{"record", r.name}, {"from", t}, {"to", to}});
        }
      }
    }
    for (core::Rule rule : kHoldingRules) {
      held_back.insert({{"record", r.name}, {"rule", str(core::nameOf(rule))}});
    }
    if (const config::ZoneConfig* zone = config.zone(r.zone)) {
      for (const std::string& provider : zone->providers) {
        in_sync.insert({{"record", r.name}, {"provider", provider}});
      }
    }
  }
  for (const config::ProviderConfig& p : config.providers) {
    providers.insert({{"provider", p.name}});
    for (std::string_view result : kProviderResults) {
      provider_results.insert({{"provider", p.name}, {"result", str(result)}});
    }
  }
  for (const config::ZoneConfig& zone : config.zones) {
    for (const std::string& provider : zone.providers) {
      rehearsal_pairs.insert({{"zone", zone.name}, {"provider", provider}});
    }
  }
  std::set<Labels> kinds;
  for (OverrideKind kind : {OverrideKind::Pin, OverrideKind::Drain, OverrideKind::Freeze}) {
    kinds.insert({{"kind", str(nameOf(kind))}});
  }
  const std::set<Labels> none = {Labels{}};

  build_info.sync({{{"version", PLANB_VERSION}}});
  probe_success.sync(probes);
  probe_duration.sync(probes);
  probe_results.sync(probe_results_wanted);
  tls_cert_expiry.allow(std::move(tls_probes));
  target_healthy.sync(targets);
  vendor_down.sync(vendors);
  record_target.sync(record_targets);
  record_degraded.sync(records);
  record_held_back.sync(held_back);
  record_in_sync.sync(in_sync);
  failovers.sync(failover_pairs);
  provider_requests.sync(provider_results);
  provider_duration.sync(providers);
  propagation.sync(providers);
  records_propagating.sync(providers);
  change_apply.sync(providers);
  credentials_expiry.allow(providers);
  rehearsal_success.allow(rehearsal_pairs);
  rehearsal_last_success.allow(std::move(rehearsal_pairs));
  rehearsal_duration.sync(providers);
  last_reconcile.sync(providers);
  last_error.sync(providers);
  frozen.sync(none);
  local_network_down.sync(none);
  overrides.sync(kinds);
  reload_ok.sync(none);
  reload_time.sync(none);
}

Metrics::Metrics(const config::Config& config) {
  // Throw, not Merge: registering a name twice is a programming error to see at once.
  auto registry =
      std::make_shared<prometheus::Registry>(prometheus::Registry::InsertBehavior::Throw);
  impl_ = std::make_unique<Impl>(*registry);
  if (config.cluster) {
    impl_->cluster = std::make_unique<Impl::Cluster>(*registry);
  }
  registry_ = std::move(registry);
  impl_->sync(config);
  impl_->build_info.find({{"version", PLANB_VERSION}})->Set(1);
  // The daemon constructs this from a configuration it has just loaded.
  configReload(true);
}

Metrics::~Metrics() = default;

void Metrics::reconfigure(const config::Config& config) {
  std::unique_lock lock(impl_->mu);
  impl_->sync(config);
}

void Metrics::probeResult(std::string_view target, std::string_view probe,
                          const core::ProbeResult& result) {
  std::shared_lock lock(impl_->mu);
  Labels labels = {{"target", str(target)}, {"probe", str(probe)}};
  if (Gauge* g = impl_->probe_success.find(labels)) {
    g->Set(result.ok() ? 1 : 0);
  }
  if (Histogram* h = impl_->probe_duration.find(labels)) {
    h->Observe(Seconds(result.latency).count());
  }
  if (result.cert_expiry) {
    impl_->tls_cert_expiry.set(labels, seconds(*result.cert_expiry));
  }
  labels.emplace("result", str(core::nameOf(result.failure)));
  if (Counter* c = impl_->probe_results.find(labels)) {
    c->Increment();
  }
}

void Metrics::targetHealth(std::string_view target, bool healthy) {
  std::shared_lock lock(impl_->mu);
  auto vendor = impl_->vendor_of.find(target);
  if (vendor == impl_->vendor_of.end()) {
    return;
  }
  if (Gauge* g =
          impl_->target_healthy.find({{"target", str(target)}, {"vendor", vendor->second}})) {
    g->Set(healthy ? 1 : 0);
  }
}

void Metrics::vendorDown(std::string_view vendor, bool down) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g = impl_->vendor_down.find({{"vendor", str(vendor)}})) {
    g->Set(down ? 1 : 0);
  }
}

void Metrics::recordTarget(std::string_view record, const std::optional<std::string>& served) {
  std::shared_lock lock(impl_->mu);
  auto targets = impl_->targets_of.find(record);
  if (targets == impl_->targets_of.end()) {
    return;
  }
  for (const std::string& target : targets->second) {
    if (Gauge* g = impl_->record_target.find({{"record", str(record)}, {"target", target}})) {
      g->Set(served == target ? 1 : 0);
    }
  }
}

void Metrics::recordDegraded(std::string_view record, bool degraded) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g = impl_->record_degraded.find({{"record", str(record)}})) {
    g->Set(degraded ? 1 : 0);
  }
}

void Metrics::recordRule(std::string_view record, core::Rule rule) {
  std::shared_lock lock(impl_->mu);
  for (core::Rule holding : kHoldingRules) {
    Labels labels = {{"record", str(record)}, {"rule", str(core::nameOf(holding))}};
    if (Gauge* g = impl_->record_held_back.find(labels)) {
      g->Set(holding == rule ? 1 : 0);
    }
  }
}

void Metrics::recordInSync(std::string_view record, std::string_view provider, bool in_sync) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g =
          impl_->record_in_sync.find({{"record", str(record)}, {"provider", str(provider)}})) {
    g->Set(in_sync ? 1 : 0);
  }
}

void Metrics::failover(std::string_view record, std::string_view from, std::string_view to) {
  std::shared_lock lock(impl_->mu);
  if (Counter* c =
          impl_->failovers.find({{"record", str(record)}, {"from", str(from)}, {"to", str(to)}})) {
    c->Increment();
  }
}

void Metrics::providerRequest(std::string_view provider, std::string_view result, Seconds took,
                              WallTime at) {
  std::shared_lock lock(impl_->mu);
  Labels labels = {{"provider", str(provider)}};
  if (Histogram* h = impl_->provider_duration.find(labels)) {
    h->Observe(took.count());
  }
  if (result != "success") {
    if (Gauge* g = impl_->last_error.find(labels)) {
      g->Set(seconds(at));
    }
  }
  labels.emplace("result", str(result));
  if (Counter* c = impl_->provider_requests.find(labels)) {
    c->Increment();
  }
}

void Metrics::dnsPropagation(std::string_view provider, Seconds took) {
  std::shared_lock lock(impl_->mu);
  if (Histogram* h = impl_->propagation.find({{"provider", str(provider)}})) {
    h->Observe(took.count());
  }
}

void Metrics::recordsPropagating(std::string_view provider, std::size_t records) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g = impl_->records_propagating.find({{"provider", str(provider)}})) {
    g->Set(static_cast<double>(records));
  }
}

void Metrics::changeApplied(std::string_view provider, Seconds took) {
  std::shared_lock lock(impl_->mu);
  if (Histogram* h = impl_->change_apply.find({{"provider", str(provider)}})) {
    h->Observe(took.count());
  }
}

void Metrics::credentialsExpire(std::string_view provider, WallTime at) {
  std::shared_lock lock(impl_->mu);
  impl_->credentials_expiry.set({{"provider", str(provider)}}, seconds(at));
}

void Metrics::rehearsal(std::string_view zone, std::string_view provider, bool passed,
                        std::optional<WallTime> last_success,
                        std::optional<Seconds> visible_after) {
  std::shared_lock lock(impl_->mu);
  const Labels pair = {{"zone", str(zone)}, {"provider", str(provider)}};
  impl_->rehearsal_success.set(pair, passed ? 1 : 0);
  if (last_success) {
    impl_->rehearsal_last_success.set(pair, seconds(*last_success));
  }
  if (visible_after) {
    if (Histogram* h = impl_->rehearsal_duration.find({{"provider", str(provider)}})) {
      h->Observe(visible_after->count());
    }
  }
}

void Metrics::reconcileSuccess(std::string_view provider, WallTime at) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g = impl_->last_reconcile.find({{"provider", str(provider)}})) {
    g->Set(seconds(at));
  }
}

void Metrics::frozen(bool frozen) {
  std::shared_lock lock(impl_->mu);
  impl_->frozen.find({})->Set(frozen ? 1 : 0);
}

void Metrics::localNetworkDown(bool down) {
  std::shared_lock lock(impl_->mu);
  impl_->local_network_down.find({})->Set(down ? 1 : 0);
}

void Metrics::overrides(OverrideKind kind, std::size_t count) {
  std::shared_lock lock(impl_->mu);
  if (Gauge* g = impl_->overrides.find({{"kind", str(nameOf(kind))}})) {
    g->Set(static_cast<double>(count));
  }
}

void Metrics::configReload(bool ok, WallTime at) {
  std::shared_lock lock(impl_->mu);
  impl_->reload_ok.find({})->Set(ok ? 1 : 0);
  if (ok) {
    impl_->reload_time.find({})->Set(seconds(at));
  }
}

void Metrics::cluster(std::size_t live_nodes, bool leader, bool etcd_up) {
  if (Impl::Cluster* c = impl_->cluster.get()) {
    c->nodes.Set(static_cast<double>(live_nodes));
    c->leader.Set(leader ? 1 : 0);
    c->etcd_up.Set(etcd_up ? 1 : 0);
  }
}

void Metrics::clusterLeaderChange() {
  if (Impl::Cluster* c = impl_->cluster.get()) {
    c->leader_changes.Increment();
  }
}

std::string Metrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

std::shared_ptr<prometheus::Registry> Metrics::registry() const {
  return registry_;
}

}  // namespace planb::metrics
