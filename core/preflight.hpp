#pragma once
// Preflight (product.md §11): everything that would stop a failover, found before the day it is
// needed. Pure rules: what the daemon gathered (one read of every managed record per provider,
// each provider's name servers, each zone's delegation, the last rehearsals, planbd's own
// dependencies) goes in, blockers and warnings, each with its fix in one line, come out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rehearsal_record.hpp"

namespace planb::core {

enum class PreflightSeverity {
  Blocker,  // a failover would fail (or not be seen)
  Warning,  // it would go through, but not as configured, or a single fault away from failing
};

struct PreflightFinding {
  PreflightSeverity severity = PreflightSeverity::Warning;
  std::string record;    // empty: not about one record
  std::string zone;      // empty: not about one zone
  std::string provider;  // empty: not about one provider
  std::string what;
  std::string fix;  // one line
};

// What one provider serves at one managed name, as read for preflight.
struct PreflightServed {
  enum class Kind { Absent, Cname, Conflict };
  Kind kind = Kind::Absent;
  std::string target;
  std::uint32_t ttl = 0;
  std::string conflict_type;
};

// One provider of one zone, as gathered.
struct PreflightProviderZone {
  std::string zone;
  std::string provider;
  // The read of the zone's managed records failed: nullopt when it worked. credentials_refused
  // when the provider refused them (an authentication error), not merely failed to answer.
  std::optional<std::string> read_error;
  bool credentials_refused = false;
  std::map<std::string, PreflightServed> served;  // by record name, when the read worked
  // The provider's own name servers for the zone (canonical, sorted); empty: it cannot tell.
  std::vector<std::string> name_servers;
  std::optional<std::string> name_servers_error;
};

struct PreflightZone {
  std::string name;
  std::vector<std::string> providers;
  // The NS set the parent serves for the zone (canonical); nullopt when it could not be read,
  // with why in delegation_error.
  std::optional<std::vector<std::string>> delegation;
  std::string delegation_error;
  std::string delegation_source;  // "parent_servers 192.0.2.1:53", "resolvers"
};

struct PreflightTarget {
  std::string name;
  std::string vendor;
};

struct PreflightRecord {
  std::string name;
  std::string zone;
  std::uint32_t ttl = 60;
  std::vector<std::string> targets;  // priority order
  // By provider: the TTL the provider wrote instead, as its minimum learned at run time is
  // above the record's (0 or absent: none).
  std::map<std::string, std::uint32_t> raised_ttl;
};

struct PreflightProvider {
  std::string name;
  std::string type;
  std::string vendor;         // empty: none known
  std::uint32_t min_ttl = 1;  // the lowest TTL it accepts (its capabilities)
};

// Something planbd itself needs on the day: a resolver, a provider's API host, an etcd member, a
// credential source.
struct PreflightDependency {
  enum class Kind { Resolver, ApiHost, EtcdMember, CredentialSource };
  Kind kind = Kind::ApiHost;
  std::string what;  // "route53.amazonaws.com:443", "127.0.0.1:53", "credential_process aws-vault"
  std::string vendor;    // the vendor it runs on; empty: not known
  std::string provider;  // the provider whose write path it is on; empty: all of planbd's
  std::vector<std::string> addresses;  // ApiHost, EtcdMember: what it resolved to
  bool from_saved = false;             // the addresses are the saved ones: resolution failed
  std::string resolve_error;           // why resolution failed, or empty
};

struct PreflightInputs {
  std::vector<PreflightZone> zones;
  std::vector<PreflightRecord> records;
  std::vector<PreflightTarget> targets;
  std::vector<PreflightProvider> providers;
  std::vector<PreflightProviderZone> provider_zones;
  RehearsalRecords rehearsals;
  bool rehearsals_enabled = true;
  std::vector<PreflightDependency> dependencies;
};

// Every finding, blockers first, each group in the order of zones, records and providers.
std::vector<PreflightFinding> preflight(const PreflightInputs& inputs);

std::string_view nameOf(PreflightSeverity severity);      // "blocker", "warning"
std::string_view nameOf(PreflightDependency::Kind kind);  // "resolver", "api_host", ...

}  // namespace planb::core
