#include "load_and_check.hpp"

#include <exception>
#include <map>
#include <vector>

#include "canary_probe.hpp"
#include "net/credential_file.hpp"
#include "probe_check.hpp"
#include "provider_factory.hpp"

namespace planb::daemon {

config::Config loadAndCheck(const std::string& path) {
  config::Config config = config::loadConfig(path);
  std::vector<config::ConfigError> errors;
  std::map<std::string, providers::Capabilities> capabilities;
  for (const config::ProviderConfig& p : config.providers) {
    try {
      capabilities[p.name] = providers::makeProvider(p)->capabilities();
    } catch (const std::exception& e) {
      errors.push_back({p.pos, "provider[" + p.name + "]", e.what()});
    }
  }
  // The etcd client's secrets, checked as the providers' key files are: planbd reads the
  // password at start, curl the key at the first connection.
  if (config.cluster) {
    const config::ClusterConfig& c = *config.cluster;
    try {
      if (c.password_file) {
        net::readSecretFile(*c.password_file, "etcd password file");
      }
    } catch (const net::CredentialError& e) {
      errors.push_back({c.pos, "cluster.password_file", e.what()});
    }
    try {
      if (c.key_file) {
        net::readPrivateFile(*c.key_file, "etcd client key file");
      }
    } catch (const net::CredentialError& e) {
      errors.push_back({c.pos, "cluster.key_file", e.what()});
    }
  }
  // Probes read files too (ca_file, signing credentials): each is checked once, never built.
  for (const config::TargetConfig& t : config.targets) {
    for (const config::ProbeConfig& p : t.probes) {
      try {
        probes::checkProbeFiles(p);
      } catch (const std::exception& e) {
        errors.push_back({p.pos, "target[" + t.name + "].probe[" + p.name + "]", e.what()});
      }
    }
  }
  for (const std::string& canary : config.guard.canaries) {
    try {
      probes::checkProbeFiles(canaryProbe(canary, config.probe_defaults));
    } catch (const std::exception& e) {
      errors.push_back({{config.path, 0, 0}, "guard.canaries", canary + ": " + e.what()});
    }
  }
  for (const config::RecordConfig& r : config.records) {
    for (const std::string& provider : config.zone(r.zone)->providers) {
      auto c = capabilities.find(provider);
      if (c != capabilities.end() && r.ttl < c->second.min_ttl) {
        errors.push_back({r.pos, "record[" + r.name + "].ttl",
                          "provider " + provider + " accepts no TTL below " +
                              std::to_string(c->second.min_ttl)});
      }
    }
  }
  if (!errors.empty()) {
    throw config::ConfigErrors(std::move(errors));
  }
  return config;
}

}  // namespace planb::daemon
