#pragma once
// What planbd itself needs on the day (product.md §11): the resolvers it asks, each provider's API
// host (its endpoint or the vendor's default), each etcd member, each credential source. Read
// from the configuration; the host names among them are what OwnResolution resolves.

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/preflight.hpp"

namespace planb::daemon {

struct OwnDependency {
  core::PreflightDependency::Kind kind = core::PreflightDependency::Kind::ApiHost;
  std::string what;      // "route53.amazonaws.com:443", "credential_process aws-vault", ...
  std::string host;      // ApiHost, EtcdMember, Resolver: the host (a name or an IP literal)
  std::string provider;  // the provider whose write path it is on; empty: all of planbd's
  std::string vendor;    // the vendor it runs on; empty: not known
};

// Every dependency of CONFIG; RESOLVERS are the ones planbd asks (the configured, else the
// system's).
std::vector<OwnDependency> ownDependencies(const config::Config& config,
                                           const std::vector<net::HostPort>& resolvers);

// The host names among DEPENDENCIES that planbd resolves itself: neither IP literals nor
// localhost. Sorted, each once.
std::vector<std::string> hostsToResolve(const std::vector<OwnDependency>& dependencies);

// The vendor a host name or resolver address belongs to, where it is well known (AWS, Cloudflare,
// Alibaba Cloud, Google public DNS); empty otherwise.
std::string knownVendorOf(const std::string& host);

// The resolvers planbd asks: [daemon] resolvers, else the system's (/etc/resolv.conf).
std::vector<net::HostPort> resolversOf(const config::Config& config);

}  // namespace planb::daemon
