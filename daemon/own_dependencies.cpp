#include "own_dependencies.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <utility>

#include "core/ascii.hpp"
#include "dns_lookup.hpp"
#include "providers/alidns_provider.hpp"
#include "providers/cloudflare_provider.hpp"
#include "providers/route53_provider.hpp"

namespace planb::daemon {

namespace {

using Kind = core::PreflightDependency::Kind;

bool isIpLiteral(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The API base URL a provider sends to: its endpoint, else the vendor's default.
std::string apiUrlOf(const config::ProviderConfig& p) {
  if (p.endpoint) {
    return *p.endpoint;
  }
  switch (p.type) {
    case config::ProviderType::PowerDns:
      return p.powerdns.api_url;
    case config::ProviderType::Cloudflare:
      return std::string(providers::CloudflareProvider::kDefaultEndpoint);
    case config::ProviderType::Route53:
      return std::string(providers::kRoute53DefaultEndpoint);
    case config::ProviderType::Alidns:
      return std::string(providers::AlidnsProvider::kDefaultEndpoint);
    // The vendors' documented API hosts.
    case config::ProviderType::Dnspod:
      return "https://dnspod.tencentcloudapi.com";
    case config::ProviderType::HuaweiCloud:
      return "https://dns." + p.huaweicloud.region + ".myhuaweicloud.com";
    case config::ProviderType::Google:
      return "https://dns.googleapis.com";
    case config::ProviderType::Azure:
      return "https://management.azure.com";
    case config::ProviderType::Webhook:
      return p.webhook.url.starts_with("unix:") ? std::string() : p.webhook.url;
    case config::ProviderType::Rfc2136:
      break;
  }
  return {};
}

// The first word of a command line: its name, never its arguments (which may hold secrets).
std::string commandName(const std::string& command_line) {
  std::size_t start = command_line.find_first_not_of(" \t");
  if (start == std::string::npos) {
    return {};
  }
  std::size_t end = command_line.find_first_of(" \t", start);
  std::string word = command_line.substr(start, end == std::string::npos ? end : end - start);
  word.erase(std::remove(word.begin(), word.end(), '\''), word.end());
  word.erase(std::remove(word.begin(), word.end(), '"'), word.end());
  return word;
}

void credentials(const config::ProviderConfig& p, const std::string& vendor,
                 std::vector<OwnDependency>& out) {
  auto file = [&](const std::string& path, const std::string& via_vendor = "") {
    if (!path.empty()) {
      out.push_back({Kind::CredentialSource, "file " + path, "", p.name, via_vendor});
    }
  };
  switch (p.type) {
    case config::ProviderType::Rfc2136:
      file(p.rfc2136.tsig_key_file);
      break;
    case config::ProviderType::PowerDns:
      file(p.powerdns.api_key_file);
      break;
    case config::ProviderType::Cloudflare:
      file(p.cloudflare.api_token_file);
      break;
    case config::ProviderType::Route53:
      if (p.route53.credential_process) {
        // It usually asks AWS STS (or an identity provider in front of it) for the credentials.
        out.push_back({Kind::CredentialSource,
                       "credential_process " + commandName(*p.route53.credential_process), "",
                       p.name, vendor});
      } else {
        file(p.route53.access_key_id_file);
        // A session token: temporary STS credentials, renewed by something that asks AWS STS.
        file(p.route53.session_token_file.value_or(""), vendor);
      }
      break;
    case config::ProviderType::Alidns:
      file(p.alidns.access_key_id_file);
      file(p.alidns.security_token_file, vendor);  // Alibaba Cloud STS
      break;
    case config::ProviderType::Dnspod:
      file(p.dnspod.secret_id_file);
      file(p.dnspod.token_file, vendor);  // Tencent Cloud STS
      break;
    case config::ProviderType::HuaweiCloud:
      file(p.huaweicloud.access_key_id_file);
      file(p.huaweicloud.security_token_file, vendor);  // Huawei Cloud IAM temporary credentials
      break;
    case config::ProviderType::Google:
      // The key is exchanged for access tokens at Google's OAuth2 token endpoint.
      file(p.google.credentials_file, vendor);
      break;
    case config::ProviderType::Azure:
      // The secret is exchanged for access tokens at Microsoft Entra ID.
      file(p.azure.client_secret_file, vendor);
      break;
    case config::ProviderType::Webhook:
      break;  // no credentials: whatever the webhook provider holds is its own
  }
}

}  // namespace

std::string knownVendorOf(const std::string& host) {
  std::string h = core::asciiLower(host);
  // Vendors' API domains.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kDomains{{
      {".amazonaws.com", "aws"},
      {".amazonaws.com.cn", "aws"},
      {".cloudflare.com", "cloudflare"},
      {".aliyuncs.com", "alibaba"},
      {".googleapis.com", "google"},
      {".tencentcloudapi.com", "tencent"},
      {".myhuaweicloud.com", "huawei"},
      {".azure.com", "azure"},
      {".microsoftonline.com", "azure"},
      {".chinacloudapi.cn", "azure"},
  }};
  for (const auto& [suffix, vendor] : kDomains) {
    if (endsWith(h, suffix)) {
      return std::string(vendor);
    }
  }
  // Public and cloud resolvers, from their operators' documentation:
  // https://developers.cloudflare.com/1.1.1.1/ip-addresses/
  // https://developers.google.com/speed/public-dns/docs/using
  // https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html (169.254.169.253,
  // fd00:ec2::253), https://www.alidns.com/ (223.5.5.5, 223.6.6.6) and
  // https://www.dnspod.cn/products/publicdns (119.29.29.29, Tencent's DNSPod Public DNS).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kResolvers{{
      {"1.1.1.1", "cloudflare"},
      {"1.0.0.1", "cloudflare"},
      {"2606:4700:4700::1111", "cloudflare"},
      {"2606:4700:4700::1001", "cloudflare"},
      {"8.8.8.8", "google"},
      {"8.8.4.4", "google"},
      {"2001:4860:4860::8888", "google"},
      {"2001:4860:4860::8844", "google"},
      {"169.254.169.253", "aws"},
      {"fd00:ec2::253", "aws"},
      {"223.5.5.5", "alibaba"},
      {"223.6.6.6", "alibaba"},
      {"119.29.29.29", "tencent"},
  }};
  for (const auto& [address, vendor] : kResolvers) {
    if (h == address) {
      return std::string(vendor);
    }
  }
  return {};
}

std::vector<net::HostPort> resolversOf(const config::Config& config) {
  return config.daemon.resolvers.empty() ? systemResolvers() : config.daemon.resolvers;
}

std::vector<OwnDependency> ownDependencies(const config::Config& config,
                                           const std::vector<net::HostPort>& resolvers) {
  std::vector<OwnDependency> out;
  for (const net::HostPort& r : resolvers) {
    out.push_back({Kind::Resolver, r.str(), r.host, "", knownVendorOf(r.host)});
  }
  for (const config::ProviderConfig& p : config.providers) {
    std::string vendor = config::vendorOf(p);
    if (p.type == config::ProviderType::Rfc2136) {
      out.push_back({Kind::ApiHost, p.rfc2136.server.str(), p.rfc2136.server.host, p.name, vendor});
    } else {
      std::string why;
      if (auto url = net::parseUrl(apiUrlOf(p), why)) {
        std::string host_vendor = knownVendorOf(url->host.host);
        out.push_back({Kind::ApiHost, url->host.str(), url->host.host, p.name,
                       host_vendor.empty() ? vendor : host_vendor});
      }
    }
    credentials(p, vendor, out);
  }
  if (config.cluster) {
    for (const std::string& endpoint : config.cluster->etcd_endpoints) {
      std::string why;
      if (auto url = net::parseUrl(endpoint, why)) {
        out.push_back(
            {Kind::EtcdMember, url->host.str(), url->host.host, "", knownVendorOf(url->host.host)});
      }
    }
  }
  return out;
}

std::vector<std::string> hostsToResolve(const std::vector<OwnDependency>& dependencies) {
  std::vector<std::string> hosts;
  for (const OwnDependency& d : dependencies) {
    if (d.kind == Kind::Resolver || d.host.empty() || isIpLiteral(d.host) ||
        core::asciiLower(d.host) == "localhost") {
      continue;
    }
    hosts.push_back(core::asciiLower(d.host));
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

}  // namespace planb::daemon
