#pragma once
// The configuration of planbd, as read from planb.toml (schema: shared/spec/planb.example.toml,
// documented in docs/CONFIGURATION.md). Everything here is validated: names are canonical,
// references resolve, durations are parsed.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/duration.hpp"
#include "core/probe_timing.hpp"
#include "core/record_policy.hpp"
#include "core/verdicts.hpp"
#include "net/url.hpp"
#include "providers/provider_settings.hpp"

namespace planb::config {

using core::Millis;

// Where a value was written, for errors about it at run time as well as at load.
struct SourcePos {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// One validation error, printed as FILE:LINE:COL: key.path: message.
struct ConfigError {
  SourcePos pos;
  std::string key_path;  // e.g. "target[1].probe[0].timeout"
  std::string message;
  std::string format() const;
};

// Thrown by loadConfig with every error found, in file order.
class ConfigErrors : public std::runtime_error {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  const std::vector<ConfigError>& errors() const noexcept { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

enum class LogLevel { Error, Warn, Info, Debug };

using net::HostPort;  // host:port, with the port given or defaulted by the key's meaning

struct DaemonConfig {
  std::string state_dir = "/var/lib/planb";  // $STATE_DIRECTORY wins when set and the key is absent
  std::string admin_socket = "/run/planb/admin.sock";
  // Besides root and planbd's own user, the members of this group (a name, or a numeric gid) may
  // change state through admin_socket; anyone who can open the socket may read.
  std::string admin_group = "planb-admin";
  std::string metrics_listen = "127.0.0.1:9464";
  // Where the read-only status page (GET /, GET /v1/status) is served; empty: on metrics_listen.
  std::string status_listen;
  // Host names the status page answers to besides IP addresses and localhost (DNS rebinding).
  std::vector<std::string> status_hosts;
  LogLevel log_level = LogLevel::Info;
  Millis resync_interval{60'000};
  // Recursive resolvers planbd asks for the addresses of the hosts it must reach (provider APIs,
  // etcd members) and for delegations; IP literals, port 53 by default. Empty: the system's.
  std::vector<HostPort> resolvers;
};

using core::ProbeTiming;

struct GuardConfig {
  std::vector<std::string> canaries;  // "tcp://host:port", "http(s)://…", "dns://host:port"
  Millis hold_down{60'000};
  std::uint32_t max_flips_per_hour = 6;
  std::string all_unhealthy = "keep";  // the only policy: fail static
};

// [rehearsal] (product.md §11): how often each zone's providers prove their write path, and how
// long a rehearsal's write may take to be served everywhere.
struct RehearsalConfig {
  Millis interval{3'600'000};  // 0: off (planbctl rehearse still runs one on demand)
  Millis timeout{300'000};     // write accepted -> visible on every server; Route 53 needs ~1 min
  SourcePos pos;
};

enum class ProviderType {
  Rfc2136,
  PowerDns,
  Cloudflare,
  Route53,
  Alidns,
  Dnspod,
  HuaweiCloud,
  Google,
  Azure,
  Webhook
};

// The keys of each provider type are the provider's own settings (providers/provider_settings.hpp).
using providers::AlidnsSettings;
using providers::AzureSettings;
using providers::CloudflareSettings;
using providers::DnspodSettings;
using providers::GoogleSettings;
using providers::HuaweiCloudSettings;
using providers::PowerDnsSettings;
using providers::Rfc2136Settings;
using providers::Route53Settings;
using providers::WebhookSettings;

struct ProviderConfig {
  std::string name;
  ProviderType type = ProviderType::Rfc2136;
  Rfc2136Settings rfc2136;
  PowerDnsSettings powerdns;
  CloudflareSettings cloudflare;
  Route53Settings route53;
  AlidnsSettings alidns;
  DnspodSettings dnspod;
  HuaweiCloudSettings huaweicloud;
  GoogleSettings google;
  AzureSettings azure;
  WebhookSettings webhook;
  // Every API provider (not rfc2136 or webhook): the API base URL instead of the vendor's default
  // (a regional endpoint, a gateway, a local test server; http:// only for loopback addresses), and
  // an extra CA bundle for it.
  std::optional<std::string> endpoint;
  std::optional<std::string> ca_file;
  // Every provider: its request ceiling instead of the type's default (documented limits).
  std::optional<double> max_requests_per_second;
  // The vendor whose fate the provider shares (preflight compares it with targets' vendors);
  // nullopt: the type's (route53 "aws", cloudflare "cloudflare", alidns "alibaba", dnspod
  // "tencent", huaweicloud "huawei", google "google", azure "azure"), none for rfc2136, powerdns
  // and webhook.
  std::optional<std::string> vendor;
  SourcePos pos;
};

std::string_view nameOf(ProviderType type);  // "rfc2136", "powerdns", ...

// The vendor a provider shares fate with: its `vendor` key, else its type's; empty: none known.
std::string vendorOf(const ProviderConfig& provider);

struct ZoneConfig {
  std::string name;  // canonical: lower case, trailing dot
  std::vector<std::string> providers;
  std::vector<HostPort> verify_servers;  // port defaults to 53
  // Servers of the parent zone, asked (without recursion) for the zone's delegation NS set;
  // empty: the resolvers are asked for the zone's NS set. IP literals, port 53 by default.
  std::vector<HostPort> parent_servers;
  SourcePos pos;
};

enum class ProbeType { Http, Tcp, Dns, Exec };

// sign = "aws-sigv4" on an http probe: every request signed with AWS Signature Version 4.
struct SigV4ProbeSettings {
  std::string region;   // sign_region, else the probe's region key
  std::string service;  // sign_service, default "s3"
  std::string access_key_id_file;
  std::string secret_access_key_file;
  std::optional<std::string> session_token_file;  // STS credentials
};

struct HttpProbeSettings {
  std::string url;  // http:// or https://
  std::vector<int> expect_status{200};
  std::optional<std::string> expect_body;        // substring of the first 64 KiB
  std::optional<std::string> expect_body_regex;  // RE2 pattern searched in the first 64 KiB
  std::string method = "GET";       // one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH
  std::optional<std::string> host;  // Host header (and, for https, SNI) instead of the URL's
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers, by name
  // Headers whose values are secrets: name and the file holding the value (paths expanded).
  std::vector<std::pair<std::string, std::string>> header_files;
  std::optional<std::string> ca_file;  // https only: trust only this PEM file's CAs
  std::optional<SigV4ProbeSettings> sign;
};

struct TcpProbeSettings {
  HostPort address;  // port required
};

// One query to one DNS server over UDP (TCP when the answer is truncated).
struct DnsProbeSettings {
  HostPort server;                           // an IP address; port defaults to 53
  std::string query_name;                    // canonical
  std::string query_type = "A";              // upper case: "A", "AAAA", "CNAME", "TXT", ...
  std::string expect_rcode = "NOERROR";      // upper case: "NOERROR", "NXDOMAIN", ...
  std::optional<std::string> expect_answer;  // RE2 pattern an answer's data must match in full
};

// A command run without a shell, in its own process group.
struct ExecProbeSettings {
  std::vector<std::string> command;  // argv; command[0] is absolute or looked up in PATH
};

struct ProbeConfig {
  std::string name;    // unique within its target
  std::string region;  // defaults to the probe name
  ProbeType type = ProbeType::Http;
  ProbeTiming timing;  // probe_defaults merged with the probe's own keys
  HttpProbeSettings http;
  TcpProbeSettings tcp;
  DnsProbeSettings dns;
  ExecProbeSettings exec;
  SourcePos pos;
};

struct TargetConfig {
  std::string name;
  std::string vendor;
  std::string cname;  // canonical
  core::HealthyWhen healthy_when;
  std::vector<ProbeConfig> probes;
  SourcePos pos;
};

using core::Failback;
using core::FailoverOn;

struct RecordConfig {
  std::string name;  // canonical
  std::string zone;  // canonical, refers to a ZoneConfig
  std::uint32_t ttl = 60;
  std::vector<std::string> targets;  // priority order, refer to TargetConfig names
  FailoverOn failover_on = FailoverOn::Target;
  Failback failback = Failback::Auto;
  Millis failback_after{300'000};
  SourcePos pos;
};

// [[vendor]]: settings of one vendor (the vendor named by targets' `vendor` key).
struct VendorConfig {
  std::string name;
  core::VendorDownRule down_when;  // regions down for the vendor to be down; default a majority
  SourcePos pos;
};

// [cluster]: fleet mode on etcd (product.md §9). Absent: a single planbd, complete on its own.
struct ClusterConfig {
  std::vector<std::string> etcd_endpoints;  // "http(s)://host:port", tried in order
  std::string node_name;                    // default: the host name
  Millis lease_ttl{5000};                   // whole seconds, at least 2 s (etcd's minimum)
  std::uint32_t quorum = 0;        // hosts that must see a target unhealthy; 0: a majority of live
  std::uint32_t min_nodes = 2;     // fewer live views: no automatic change
  std::string prefix = "/planb/";  // begins and ends with '/'
  std::optional<std::string> username;
  std::optional<std::string> password_file;  // with username; ${CREDENTIALS_DIRECTORY} expanded
  std::optional<std::string> ca_file;        // https endpoints: trust only this bundle's CAs
  std::optional<std::string> cert_file;      // client certificate, with key_file
  std::optional<std::string> key_file;
  SourcePos pos;
};

struct Config {
  std::string path;
  DaemonConfig daemon;
  ProbeTiming probe_defaults;
  GuardConfig guard;
  RehearsalConfig rehearsal;
  std::vector<ProviderConfig> providers;
  std::vector<ZoneConfig> zones;
  std::vector<TargetConfig> targets;
  std::vector<RecordConfig> records;
  std::vector<VendorConfig> vendors;  // only those configured; the others use the defaults
  std::optional<ClusterConfig> cluster;

  const ProviderConfig* provider(const std::string& name) const;
  const ZoneConfig* zone(const std::string& canonical_name) const;
  const TargetConfig* target(const std::string& name) const;
};

// Environment variables the configuration depends on, by name.
using Environment = std::map<std::string, std::string>;

// Reads and validates PATH. Throws ConfigErrors listing every problem. `environment` supplies
// CREDENTIALS_DIRECTORY and STATE_DIRECTORY (tests pass their own).
Config loadConfig(const std::string& path, const Environment& environment);

// The same, taking the environment from the process.
Config loadConfig(const std::string& path);

// The same for TEXT, the contents of a file at PATH (only named in errors): for tests and fuzzing.
Config parseConfig(const std::string& text, const std::string& path,
                   const Environment& environment);

}  // namespace planb::config
