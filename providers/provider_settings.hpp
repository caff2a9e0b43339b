#pragma once
// What each provider is configured with: the keys of its [[provider]] table, validated by the
// daemon's config reader (which embeds these structs) and handed to the provider's constructor.
// Providers never see the config schema itself.

#include <optional>
#include <string>

#include "net/url.hpp"

namespace planb::providers {

struct Rfc2136Settings {
  net::HostPort server;       // port defaults to 53
  std::string tsig_key_file;  // ${CREDENTIALS_DIRECTORY} expanded
};

// PowerDNS Authoritative HTTP API.
struct PowerDnsSettings {
  std::string api_url;  // e.g. "http://192.0.2.54:8081" (the API's own base, without /api/v1)
  std::string api_key_file;
  std::string server_id = "localhost";
};

// Cloudflare API v4.
struct CloudflareSettings {
  std::string api_token_file;
  std::optional<std::string> zone_id;  // looked up by the zone's name when absent
};

// AWS Route 53 (SigV4, service route53, region of the endpoint's partition). Credentials: either
// the key files (a session token file too for temporary credentials) or credential_process.
struct Route53Settings {
  std::string access_key_id_file;
  std::string secret_access_key_file;
  std::optional<std::string> session_token_file;
  // AWS's credential_process: a command line (split like a POSIX shell's words, never run by one)
  // printing {"Version":1,"AccessKeyId",…}; set instead of the files.
  std::optional<std::string> credential_process;
  // The SigV4 region; derived from the endpoint's partition when absent.
  std::optional<std::string> signing_region;
  std::optional<std::string> hosted_zone_id;  // looked up by the zone's name when absent
};

// Alibaba Cloud DNS (RPC, signature V1).
struct AlidnsSettings {
  std::string access_key_id_file;
  std::string access_key_secret_file;
  // STS temporary credentials: the SecurityToken sent with every request. Empty: long-lived keys.
  std::string security_token_file;
};

// Tencent Cloud DNSPod, API 3.0 (TC3-HMAC-SHA256).
struct DnspodSettings {
  std::string secret_id_file;
  std::string secret_key_file;
  // Temporary credentials (STS): the X-TC-Token sent with every request. Empty: long-lived keys.
  std::string token_file;
};

// Huawei Cloud DNS v2 (SDK-HMAC-SHA256 AK/SK signing).
struct HuaweiCloudSettings {
  std::string access_key_id_file;
  std::string secret_access_key_file;
  // Temporary credentials: the X-Security-Token sent with every request. Empty: long-lived keys.
  std::string security_token_file;
  std::string region;  // e.g. "ap-southeast-1": the API is https://dns.{region}.myhuaweicloud.com
  std::string project_id;  // sent as X-Project-Id; empty: none
};

// Google Cloud DNS v1: a service account's JSON key, exchanged for OAuth2 access tokens.
struct GoogleSettings {
  std::string credentials_file;
  std::string project;
  std::optional<std::string> managed_zone;  // looked up by the zone's DNS name when absent
};

// Azure DNS (ARM), with a client-credentials token from Microsoft Entra ID.
struct AzureSettings {
  std::string tenant_id;
  std::string client_id;
  std::string client_secret_file;
  std::string subscription_id;
  std::string resource_group;
  // The Entra ID authority instead of https://login.microsoftonline.com (Azure China:
  // https://login.chinacloudapi.cn; a local test server).
  std::optional<std::string> login_endpoint;
};

// A provider of the external-dns webhook protocol, run beside planbd.
struct WebhookSettings {
  // http://127.0.0.1:PORT[/path] (any loopback address or localhost), or unix:/absolute/path for a
  // Unix socket: the protocol has no authentication of its own.
  std::string url;
};

// One API provider as its constructor takes it: its name (in every message), its own settings and
// the base URL instead of the vendor's default (a regional endpoint, a gateway, a test server).
template <typename Settings>
struct ApiProviderConfig {
  std::string name;
  Settings settings;
  std::optional<std::string> endpoint;
};

}  // namespace planb::providers
