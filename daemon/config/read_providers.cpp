// [[provider]]: the DNS services records are written through: DNS UPDATE (rfc2136), the HTTP
// APIs of PowerDNS, Cloudflare, Route 53, Alibaba Cloud DNS, Tencent Cloud DNSPod, Huawei Cloud
// DNS, Google Cloud DNS and Azure DNS, and any provider of the external-dns webhook protocol.

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "config/host_port.hpp"
#include "config/sections.hpp"
#include "core/ascii.hpp"
#include "net/aws_credential_process.hpp"

namespace planb::config {

namespace {

constexpr std::array kTypes = {
    ProviderType::Rfc2136, ProviderType::PowerDns, ProviderType::Cloudflare,  ProviderType::Route53,
    ProviderType::Alidns,  ProviderType::Dnspod,   ProviderType::HuaweiCloud, ProviderType::Google,
    ProviderType::Azure,   ProviderType::Webhook};

std::vector<std::string_view> typeNames() {
  std::vector<std::string_view> names;
  for (ProviderType type : kTypes) {
    names.push_back(nameOf(type));
  }
  return names;
}

ProviderType typeNamed(std::string_view name) {
  auto it = std::find_if(kTypes.begin(), kTypes.end(),
                         [&](ProviderType type) { return nameOf(type) == name; });
  return it == kTypes.end() ? ProviderType::Rfc2136 : *it;
}

// Whether a provider type is a vendor's HTTP API, which takes `endpoint` and `ca_file` (rfc2136
// speaks DNS; a webhook's `url` is its whole address, on loopback).
bool takesEndpoint(ProviderType type) {
  return type != ProviderType::Rfc2136 && type != ProviderType::Webhook;
}

// The keys of a provider of one type: name, type and max_requests_per_second, its own, and for the
// vendors' API providers endpoint and ca_file.
void checkProviderKeys(const TableReader& table, ProviderType type,
                       std::initializer_list<std::string_view> own) {
  std::vector<std::string_view> allowed = {"name", "type", "max_requests_per_second", "vendor"};
  allowed.insert(allowed.end(), own.begin(), own.end());
  if (takesEndpoint(type)) {
    allowed.insert(allowed.end(), {"endpoint", "ca_file"});
  }
  table.checkKeys(allowed);
}

enum class PlainHttp { Anywhere, LoopbackOnly };

// The base URL of an HTTP API: http:// or https://, a host, an optional port and path. Returned
// with the scheme in lower case and without trailing slashes, so that a provider appends "/path" to
// it.
std::optional<std::string> readApiUrl(const TableReader& table, std::string_view key,
                                      Presence presence, PlainHttp plain_http) {
  std::optional<std::string> text = table.string(key, presence);
  if (!text) {
    return std::nullopt;
  }
  // User info ("user:password@host") and a query ("?api-key=…", which PowerDNS accepts) could hold
  // a credential, so they are refused first, without repeating the URL; later messages may.
  const std::string_view url_text = *text;
  const std::size_t separator = url_text.find("://");
  const std::size_t host_start = separator == std::string_view::npos ? 0 : separator + 3;
  const std::string_view authority =
      url_text.substr(host_start, url_text.find_first_of("/?#", host_start) - host_start);
  if (authority.find('@') != std::string_view::npos) {
    table.error(key,
                "bad url: user info (user:password@) is not accepted; credentials come only from "
                "*_file keys");
    return std::nullopt;
  }
  if (url_text.find_first_of("?#") != std::string_view::npos) {
    table.error(key, "bad url: a base URL has no query (?…) or fragment (#…)");
    return std::nullopt;
  }
  const std::string_view usage = plain_http == PlainHttp::Anywhere
                                     ? "use http://host[:port][/path] or https://host[:port][/path]"
                                     : "use https://host[:port][/path]";
  std::string scheme = urlScheme(url_text);
  if (scheme != "http" && scheme != "https") {
    table.error(key, "bad url " + inQuotes(url_text) + ": " + std::string(usage));
    return std::nullopt;
  }
  if (std::any_of(url_text.begin(), url_text.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; })) {
    table.error(
        key, "bad url " + inQuotes(url_text) + ": spaces and control characters are not allowed");
    return std::nullopt;
  }
  std::string why;
  std::optional<Url> url = parseUrl(url_text, why);
  if (!url) {
    table.error(key, "bad url " + inQuotes(url_text) + ": " + why);
    return std::nullopt;
  }
  if (plain_http == PlainHttp::LoopbackOnly && url->scheme == "http" &&
      !net::isLoopbackHost(url->host.host)) {
    table.error(key, "plain http:// is accepted only for loopback addresses; use https://");
    return std::nullopt;
  }
  std::string normalized = scheme + "://" + std::string(url_text.substr(host_start));
  while (normalized.ends_with('/')) {
    normalized.pop_back();
  }
  return normalized;
}

// An id a provider puts into the paths of its requests (server_id, zone_id, hosted_zone_id).
std::optional<std::string> readId(const TableReader& table, std::string_view key,
                                  std::string_view strip_prefix = "") {
  std::optional<std::string> text = table.string(key);
  if (!text) {
    return std::nullopt;
  }
  std::string id = *text;
  if (!strip_prefix.empty() && id.starts_with(strip_prefix)) {
    id.erase(0, strip_prefix.size());
  }
  bool plain = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
  if (!plain) {
    table.error(key, "bad id " + inQuotes(*text) + ": use letters, digits, '-', '_' and '.'");
    return std::nullopt;
  }
  return id;
}

// PowerDNS's URLs are its server's base: the provider adds /api/v1 itself.
bool checkPowerDnsBase(const TableReader& table, std::string_view key, const std::string& url) {
  constexpr std::string_view kApiPath = "/api/v1";
  if (!url.ends_with(kApiPath)) {
    return true;
  }
  table.error(key, "the URL of the PowerDNS server is its base, without /api/v1: use " +
                       inQuotes(url.substr(0, url.size() - kApiPath.size())));
  return false;
}

// Plain http:// carries credentials in clear: only to a loopback address.
bool checkLoopbackHttp(const TableReader& table, std::string_view key, const std::string& url) {
  std::string why;
  std::optional<Url> parsed = parseUrl(url, why);
  if (!parsed || parsed->scheme != "http" || net::isLoopbackHost(parsed->host.host)) {
    return true;
  }
  table.error(key, "plain http:// is accepted only for loopback addresses; use https://");
  return false;
}

void readRfc2136(const TableReader& table, const Environment& environment,
                 Rfc2136Settings& settings) {
  checkProviderKeys(table, ProviderType::Rfc2136, {"server", "tsig_key_file"});
  if (auto server = table.address("server", 53, Presence::Required)) {
    settings.server = *server;
  }
  if (auto key_file = table.filePath("tsig_key_file", environment, Presence::Required)) {
    settings.tsig_key_file = *key_file;
  }
}

void readPowerDns(const TableReader& table, const Environment& environment,
                  PowerDnsSettings& settings) {
  checkProviderKeys(table, ProviderType::PowerDns, {"api_url", "api_key_file", "server_id"});
  // The X-API-Key travels on every request: plain http only to a loopback address, like every
  // endpoint that carries a credential (product.md §3). Read as either scheme first, so that a
  // malformed URL is told how to write it.
  if (auto url = readApiUrl(table, "api_url", Presence::Required, PlainHttp::Anywhere)) {
    if (checkPowerDnsBase(table, "api_url", *url) && checkLoopbackHttp(table, "api_url", *url)) {
      settings.api_url = *url;
    }
  }
  if (auto key_file = table.filePath("api_key_file", environment, Presence::Required)) {
    settings.api_key_file = *key_file;
  }
  if (auto server_id = readId(table, "server_id")) {
    settings.server_id = *server_id;
  }
}

void readCloudflare(const TableReader& table, const Environment& environment,
                    CloudflareSettings& settings) {
  checkProviderKeys(table, ProviderType::Cloudflare, {"api_token_file", "zone_id"});
  if (auto token_file = table.filePath("api_token_file", environment, Presence::Required)) {
    settings.api_token_file = *token_file;
  }
  settings.zone_id = readId(table, "zone_id");
}

// Route 53 signs for a region: letters, digits and hyphens, such as "cn-northwest-1".
bool isRegionName(std::string_view region) {
  return !region.empty() && std::isalpha(static_cast<unsigned char>(region.front())) != 0 &&
         region.find('-') != std::string_view::npos &&
         std::all_of(region.begin(), region.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) != 0 ||
                  std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
         });
}

// Credentials: the key files (with a session token file for temporary credentials), or
// credential_process, exactly one of the two.
void readRoute53(const TableReader& table, const Environment& environment,
                 Route53Settings& settings) {
  checkProviderKeys(table, ProviderType::Route53,
                    {"access_key_id_file", "secret_access_key_file", "session_token_file",
                     "credential_process", "signing_region", "hosted_zone_id"});
  if (table.has("credential_process")) {
    if (auto command = table.string("credential_process")) {
      std::string why;
      if (net::splitCommandLine(*command, why)) {
        settings.credential_process = *command;
      } else {
        table.error("credential_process", "bad command line: " + why);
      }
    }
    for (std::string_view key :
         {"access_key_id_file", "secret_access_key_file", "session_token_file"}) {
      if (table.has(key)) {
        table.error(key,
                    "credential_process is set: give the credentials either by "
                    "credential_process or by key files, not both");
      }
    }
  } else {
    if (auto id_file = table.filePath("access_key_id_file", environment, Presence::Required)) {
      settings.access_key_id_file = *id_file;
    }
    if (auto secret_file =
            table.filePath("secret_access_key_file", environment, Presence::Required)) {
      settings.secret_access_key_file = *secret_file;
    }
    settings.session_token_file = table.filePath("session_token_file", environment);
  }
  if (auto region = table.string("signing_region")) {
    if (isRegionName(*region)) {
      settings.signing_region = *region;
    } else {
      table.error("signing_region", "bad region " + inQuotes(*region) +
                                        ": use an AWS region name such as \"cn-northwest-1\"");
    }
  }
  // The API returns ids as "/hostedzone/Z…"; copied from there, the prefix is dropped.
  settings.hosted_zone_id = readId(table, "hosted_zone_id", "/hostedzone/");
}

void readAlidns(const TableReader& table, const Environment& environment,
                AlidnsSettings& settings) {
  checkProviderKeys(table, ProviderType::Alidns,
                    {"access_key_id_file", "access_key_secret_file", "security_token_file"});
  if (auto id_file = table.filePath("access_key_id_file", environment, Presence::Required)) {
    settings.access_key_id_file = *id_file;
  }
  if (auto secret_file =
          table.filePath("access_key_secret_file", environment, Presence::Required)) {
    settings.access_key_secret_file = *secret_file;
  }
  if (auto token_file = table.filePath("security_token_file", environment, Presence::Optional)) {
    settings.security_token_file = *token_file;
  }
}

void readDnspod(const TableReader& table, const Environment& environment,
                DnspodSettings& settings) {
  checkProviderKeys(table, ProviderType::Dnspod,
                    {"secret_id_file", "secret_key_file", "token_file"});
  if (auto id_file = table.filePath("secret_id_file", environment, Presence::Required)) {
    settings.secret_id_file = *id_file;
  }
  if (auto key_file = table.filePath("secret_key_file", environment, Presence::Required)) {
    settings.secret_key_file = *key_file;
  }
  if (auto token_file = table.filePath("token_file", environment, Presence::Optional)) {
    settings.token_file = *token_file;
  }
}

void readHuaweiCloud(const TableReader& table, const Environment& environment,
                     HuaweiCloudSettings& settings) {
  checkProviderKeys(table, ProviderType::HuaweiCloud,
                    {"access_key_id_file", "secret_access_key_file", "security_token_file",
                     "region", "project_id"});
  if (auto id_file = table.filePath("access_key_id_file", environment, Presence::Required)) {
    settings.access_key_id_file = *id_file;
  }
  if (auto secret_file =
          table.filePath("secret_access_key_file", environment, Presence::Required)) {
    settings.secret_access_key_file = *secret_file;
  }
  if (auto token_file = table.filePath("security_token_file", environment, Presence::Optional)) {
    settings.security_token_file = *token_file;
  }
  // The region is part of the API's host name (dns.{region}.myhuaweicloud.com).
  if (auto region = table.string("region", Presence::Required)) {
    if (isRegionName(*region)) {
      settings.region = *region;
    } else {
      table.error("region", "bad region " + inQuotes(*region) +
                                ": use a Huawei Cloud region name such as \"ap-southeast-1\"");
    }
  }
  if (auto project_id = readId(table, "project_id")) {
    settings.project_id = *project_id;
  }
}

void readGoogle(const TableReader& table, const Environment& environment,
                GoogleSettings& settings) {
  checkProviderKeys(table, ProviderType::Google, {"credentials_file", "project", "managed_zone"});
  if (auto key_file = table.filePath("credentials_file", environment, Presence::Required)) {
    settings.credentials_file = *key_file;
  }
  if (auto project = readId(table, "project")) {
    settings.project = *project;
  } else if (!table.has("project")) {
    table.string("project", Presence::Required);  // reports the missing key
  }
  settings.managed_zone = readId(table, "managed_zone");
}

// Azure resource group names: letters, digits, '_', '-', '.', '(' and ')', not ending in '.'
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
bool isResourceGroupName(std::string_view name) {
  return !name.empty() && name.size() <= 90 && !name.ends_with('.') &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                  std::string_view("_-.()").find(c) != std::string_view::npos;
         });
}

void readAzure(const TableReader& table, const Environment& environment, AzureSettings& settings) {
  checkProviderKeys(table, ProviderType::Azure,
                    {"tenant_id", "client_id", "client_secret_file", "subscription_id",
                     "resource_group", "login_endpoint"});
  // Ids go into URL paths and the token request: plain ids only (a tenant may also be named by
  // its domain, such as contoso.onmicrosoft.com).
  for (auto [key, field] :
       {std::pair{"tenant_id", &settings.tenant_id}, std::pair{"client_id", &settings.client_id},
        std::pair{"subscription_id", &settings.subscription_id}}) {
    if (auto id = readId(table, key)) {
      *field = *id;
    } else if (!table.has(key)) {
      table.string(key, Presence::Required);  // reports the missing key
    }
  }
  if (auto secret_file = table.filePath("client_secret_file", environment, Presence::Required)) {
    settings.client_secret_file = *secret_file;
  }
  if (auto group = table.string("resource_group", Presence::Required)) {
    if (isResourceGroupName(*group)) {
      settings.resource_group = *group;
    } else {
      table.error("resource_group",
                  "bad resource group " + inQuotes(*group) +
                      ": use letters, digits, '_', '-', '.', '(' and ')', not ending in '.'");
    }
  }
  settings.login_endpoint =
      readApiUrl(table, "login_endpoint", Presence::Optional, PlainHttp::LoopbackOnly);
}

// The webhook protocol has no authentication: its provider listens on loopback or a Unix socket
// beside planbd, and nowhere else.
void readWebhook(const TableReader& table, WebhookSettings& settings) {
  checkProviderKeys(table, ProviderType::Webhook, {"url"});
  constexpr std::string_view kUnix = "unix:";
  std::optional<std::string> text = table.string("url", Presence::Required);
  if (!text) {
    return;
  }
  if (text->starts_with(kUnix)) {
    std::string_view path = std::string_view(*text).substr(kUnix.size());
    if (!path.starts_with('/') || path.find('\0') != std::string_view::npos) {
      table.error("url", "bad url " + inQuotes(*text) +
                             ": a Unix socket is written unix:/absolute/path/to/socket");
      return;
    }
    settings.url = *text;
    return;
  }
  std::optional<std::string> url =
      readApiUrl(table, "url", Presence::Required, PlainHttp::Anywhere);
  if (!url) {
    return;
  }
  std::string why;
  std::optional<Url> parsed = parseUrl(*url, why);
  if (parsed && !net::isLoopbackHost(parsed->host.host)) {
    table.error("url",
                "a webhook provider runs beside planbd: use a loopback address "
                "(http://127.0.0.1:PORT) or a Unix socket (unix:/path)");
    return;
  }
  settings.url = *url;
}

// max_requests_per_second, which every provider takes: a positive number, fractions allowed (0.5
// is one request every two seconds).
std::optional<double> readRequestRate(const TableReader& table) {
  constexpr std::string_view kKey = "max_requests_per_second";
  const TomlValue* value = table.find(kKey);
  if (value == nullptr) {
    return std::nullopt;
  }
  double rate = 0;
  if (value->is_integer()) {
    rate = static_cast<double>(value->as_integer());
  } else if (value->is_floating()) {
    rate = value->as_floating();
  } else {
    table.typeError(kKey, "a number of requests per second, such as 5 or 0.5");
    return std::nullopt;
  }
  if (!std::isfinite(rate) || rate <= 0) {
    char shown[32];
    std::snprintf(shown, sizeof shown, "%g", rate);
    table.error(kKey,
                "must be a positive number of requests per second, got " + std::string(shown));
    return std::nullopt;
  }
  return rate;
}

// endpoint and ca_file, which every API provider takes.
void readEndpoint(const TableReader& table, const Environment& environment,
                  ProviderConfig& provider) {
  if (auto endpoint = readApiUrl(table, "endpoint", Presence::Optional, PlainHttp::LoopbackOnly)) {
    if (provider.type != ProviderType::PowerDns ||
        checkPowerDnsBase(table, "endpoint", *endpoint)) {
      provider.endpoint = *endpoint;
    }
  }
  provider.ca_file = table.filePath("ca_file", environment);
}

std::optional<ProviderConfig> readProvider(const TableReader& table, const Environment& environment,
                                           NameIndex& names) {
  std::optional<std::string> type = table.schemaType("provider", typeNames(), {});
  if (!type) {
    // Zones may still refer to it; that is not a second problem.
    names.defineQuietly(table);
    return std::nullopt;
  }
  ProviderConfig provider;
  provider.pos = table.pos();
  provider.type = typeNamed(*type);
  if (auto name = table.name("name", Presence::Required)) {
    provider.name = *name;
    names.define(*name, table);
  }
  provider.max_requests_per_second = readRequestRate(table);
  provider.vendor = table.name("vendor");
  switch (provider.type) {
    case ProviderType::Rfc2136:
      readRfc2136(table, environment, provider.rfc2136);
      return provider;
    case ProviderType::PowerDns:
      readPowerDns(table, environment, provider.powerdns);
      break;
    case ProviderType::Cloudflare:
      readCloudflare(table, environment, provider.cloudflare);
      break;
    case ProviderType::Route53:
      readRoute53(table, environment, provider.route53);
      break;
    case ProviderType::Alidns:
      readAlidns(table, environment, provider.alidns);
      break;
    case ProviderType::Dnspod:
      readDnspod(table, environment, provider.dnspod);
      break;
    case ProviderType::HuaweiCloud:
      readHuaweiCloud(table, environment, provider.huaweicloud);
      break;
    case ProviderType::Google:
      readGoogle(table, environment, provider.google);
      break;
    case ProviderType::Azure:
      readAzure(table, environment, provider.azure);
      break;
    case ProviderType::Webhook:
      readWebhook(table, provider.webhook);
      return provider;
  }
  readEndpoint(table, environment, provider);
  return provider;
}

}  // namespace

std::vector<ProviderConfig> readProviders(const std::vector<TableReader>& tables,
                                          const Environment& environment, NameIndex& names) {
  std::vector<ProviderConfig> providers;
  for (const TableReader& table : tables) {
    if (auto provider = readProvider(table, environment, names)) {
      providers.push_back(std::move(*provider));
    }
  }
  return providers;
}

}  // namespace planb::config
