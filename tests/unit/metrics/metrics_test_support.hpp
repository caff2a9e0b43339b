#pragma once
// Shared helpers of the metrics and HTTP tests: a small configuration, reading series through the
// registry's Collect(), and bounded io_context runs (never sleeps).

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace planb::metrics::test {

using namespace std::chrono_literals;
using LabelList = std::vector<std::pair<std::string, std::string>>;

inline config::TargetConfig target(std::string name, std::string vendor,
                                   std::vector<std::string> probes) {
  config::TargetConfig t;
  t.name = std::move(name);
  t.vendor = std::move(vendor);
  t.cname = t.name + ".example.net.";
  for (std::string& p : probes) {
    config::ProbeConfig probe;
    probe.name = std::move(p);
    probe.region = probe.name;
    t.probes.push_back(std::move(probe));
  }
  return t;
}

inline config::ProviderConfig provider(std::string name) {
  config::ProviderConfig p;
  p.name = std::move(name);
  return p;
}

// Two vendors, three targets (aws has two probes), two records, two providers on one zone.
inline config::Config makeConfig() {
  config::Config c;
  c.targets.push_back(target("aws", "amazon", {"http", "tcp"}));
  c.targets.push_back(target("gcp", "google", {"http"}));
  c.targets.push_back(target("aws2", "amazon", {"http"}));
  c.providers.push_back(provider("cloudflare"));
  c.providers.push_back(provider("route53"));
  config::ZoneConfig zone;
  zone.name = "example.com.";
  zone.providers = {"cloudflare", "route53"};
  c.zones.push_back(zone);
  config::RecordConfig www;
  www.name = "www.example.com.";
  www.zone = "example.com.";
  www.targets = {"aws", "gcp"};
  c.records.push_back(www);
  config::RecordConfig api;
  api.name = "api.example.com.";
  api.zone = "example.com.";
  api.targets = {"gcp", "aws", "aws2"};
  c.records.push_back(api);
  return c;
}

inline const prometheus::MetricFamily* family(const std::vector<prometheus::MetricFamily>& all,
                                              std::string_view name) {
  for (const prometheus::MetricFamily& f : all) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

inline bool sameLabels(const prometheus::ClientMetric& m, const LabelList& labels) {
  if (m.label.size() != labels.size()) {
    return false;
  }
  for (const auto& [name, value] : labels) {
    bool found = false;
    for (const auto& l : m.label) {
      found = found || (l.name == name && l.value == value);
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

// The series' value as the registry reports it: a counter or gauge value, a histogram's count.
inline std::optional<double> value(const prometheus::Registry& registry, std::string_view name,
                                   const LabelList& labels = {}) {
  auto all = registry.Collect();
  const prometheus::MetricFamily* f = family(all, name);
  if (f == nullptr) {
    return std::nullopt;
  }
  for (const prometheus::ClientMetric& m : f->metric) {
    if (!sameLabels(m, labels)) {
      continue;
    }
    switch (f->type) {
      case prometheus::MetricType::Counter:
        return m.counter.value;
      case prometheus::MetricType::Gauge:
        return m.gauge.value;
      case prometheus::MetricType::Histogram:
        return static_cast<double>(m.histogram.sample_count);
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

inline std::optional<double> histogramSum(const prometheus::Registry& registry,
                                          std::string_view name, const LabelList& labels) {
  auto all = registry.Collect();
  const prometheus::MetricFamily* f = family(all, name);
  if (f == nullptr) {
    return std::nullopt;
  }
  for (const prometheus::ClientMetric& m : f->metric) {
    if (sameLabels(m, labels)) {
      return m.histogram.sample_sum;
    }
  }
  return std::nullopt;
}

inline std::size_t seriesCount(const prometheus::Registry& registry, std::string_view name) {
  auto all = registry.Collect();
  const prometheus::MetricFamily* f = family(all, name);
  return f == nullptr ? 0 : f->metric.size();
}

// Runs the io_context until `done()` holds or `limit` passes; never sleeps. True if done.
template <class Pred>
bool runUntil(boost::asio::io_context& io, Pred done,
              std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    if (io.stopped()) {
      io.restart();
    }
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace planb::metrics::test
