#include "provider_factory.hpp"

#include <chrono>
#include <map>
#include <mutex>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/alidns_provider.hpp"
#include "providers/azure_provider.hpp"
#include "providers/cloudflare_provider.hpp"
#include "providers/dnspod_provider.hpp"
#include "providers/google_provider.hpp"
#include "providers/huaweicloud_provider.hpp"
#include "providers/powerdns_provider.hpp"
#include "providers/rfc2136_provider.hpp"
#include "providers/route53_provider.hpp"
#include "providers/webhook_provider.hpp"

namespace planb::providers {

namespace {

// One DNS operation may take this long before it counts as failed and is retried.
constexpr std::chrono::milliseconds kDnsTimeout{3000};

// Each provider has its own transport: its calls come from its own worker, one at a time.
std::shared_ptr<net::HttpTransport> transportFor(
    const config::ProviderConfig& config,
    const std::shared_ptr<const net::HostAddresses>& addresses) {
  net::HttpOptions options;
  options.ca_file = config.ca_file;
  return std::make_shared<net::CurlTransport>(options, addresses);
}

CeilingRate typeDefaultCeiling(config::ProviderType type) {
  switch (type) {
    case config::ProviderType::Rfc2136:
      return kRfc2136Ceiling;
    case config::ProviderType::PowerDns:
      return kPowerDnsCeiling;
    case config::ProviderType::Cloudflare:
      return kCloudflareCeiling;
    case config::ProviderType::Route53:
      return kRoute53Ceiling;
    case config::ProviderType::Alidns:
      return kAlidnsCeiling;
    case config::ProviderType::Dnspod:
      return kDnspodCeiling;
    case config::ProviderType::HuaweiCloud:
      return kHuaweiCloudCeiling;
    case config::ProviderType::Google:
      return kGoogleCeiling;
    case config::ProviderType::Azure:
      return kAzureCeiling;
    case config::ProviderType::Webhook:
      return kWebhookCeiling;
  }
  return kRoute53Ceiling;  // the most careful, should a type ever be missed above
}

// What names the vendor account an API provider acts as (its credential file, or the command
// that prints its credentials); empty for the providers whose limit is their own server's.
std::string accountFileOf(const config::ProviderConfig& config) {
  switch (config.type) {
    case config::ProviderType::Route53:
      if (config.route53.credential_process) {
        return "credential_process:" + *config.route53.credential_process;
      }
      return config.route53.access_key_id_file;
    case config::ProviderType::Cloudflare:
      return config.cloudflare.api_token_file;
    case config::ProviderType::Alidns:
      return config.alidns.access_key_id_file;
    case config::ProviderType::Dnspod:
      return config.dnspod.secret_id_file;
    case config::ProviderType::HuaweiCloud:
      return config.huaweicloud.access_key_id_file;
    case config::ProviderType::Google:
      return config.google.credentials_file;
    case config::ProviderType::Azure:
      // ARM's buckets are per subscription and service principal, not per secret file.
      return "azure:" + config.azure.tenant_id + "/" + config.azure.client_id + "@" +
             config.azure.subscription_id;
    case config::ProviderType::Webhook:
      // The webhook process acts for one account of its DNS host: providers on it share a bucket.
      return "webhook:" + config.webhook.url;
    default:
      return {};
  }
}

// A request waits for its token at most as long as the request itself may take.
std::shared_ptr<RequestCeiling> ceilingFor(const config::ProviderConfig& config,
                                           std::chrono::milliseconds max_wait) {
  const std::string account = accountFileOf(config);
  CeilingRate rate = ceilingRateOf(config);
  if (account.empty()) {
    return systemCeiling(rate, max_wait);
  }
  // The vendors limit the account (Route 53: 5 requests/s per AWS account; Cloudflare: per
  // token), so providers of one type on the same credentials share one bucket. Kept while a
  // provider uses it: across a reload the new providers go on with the old one's tokens.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<RequestCeiling>> shared;
  std::string key = std::to_string(static_cast<int>(config.type)) + "\n" + account + "\n" +
                    std::to_string(rate.per_second) + "\n" + std::to_string(rate.burst) + "\n" +
                    std::to_string(max_wait.count());
  std::lock_guard lock(mutex);
  if (auto existing = shared[key].lock()) {
    return existing;
  }
  auto ceiling = systemCeiling(rate, max_wait);
  shared[key] = ceiling;
  return ceiling;
}

std::shared_ptr<RequestCeiling> apiCeilingFor(const config::ProviderConfig& config) {
  return ceilingFor(config, net::HttpOptions{}.total_timeout);
}

}  // namespace

std::shared_ptr<RequestCeiling> apiCeilingOf(const config::ProviderConfig& config) {
  return apiCeilingFor(config);
}

CeilingRate ceilingRateOf(const config::ProviderConfig& config) {
  return config.max_requests_per_second ? CeilingRate::perSecond(*config.max_requests_per_second)
                                        : typeDefaultCeiling(config.type);
}

std::shared_ptr<DnsProvider> makeProvider(const config::ProviderConfig& config,
                                          std::shared_ptr<const net::HostAddresses> addresses) {
  switch (config.type) {
    case config::ProviderType::Rfc2136:
      return std::make_shared<Rfc2136Provider>(config.name, config.rfc2136, kDnsTimeout,
                                               ceilingFor(config, kDnsTimeout));
    case config::ProviderType::PowerDns: {
      config::PowerDnsSettings settings = config.powerdns;
      if (config.endpoint) {
        settings.api_url = *config.endpoint;  // every API provider's override of its base URL
      }
      return std::make_shared<PowerDnsProvider>(
          config.name, settings, transportFor(config, addresses), apiCeilingFor(config));
    }
    case config::ProviderType::Cloudflare: {
      CloudflareOptions options;
      options.ceiling = apiCeilingFor(config);
      return std::make_shared<CloudflareProvider>(
          CloudflareConfig{config.name, config.cloudflare, config.endpoint},
          transportFor(config, addresses), std::make_shared<core::SystemClock>(), options);
    }
    case config::ProviderType::Route53: {
      Route53Options options;
      options.ceiling = apiCeilingFor(config);
      return std::make_shared<Route53Provider>(
          Route53Config{config.name, config.route53, config.endpoint},
          transportFor(config, addresses), options);
    }
    case config::ProviderType::Alidns: {
      AlidnsOptions options;
      options.ceiling = apiCeilingFor(config);
      // Parallel batch writes: a transport per request in flight, all behind that one ceiling.
      for (std::size_t lane = 1; lane < kAlidnsBatchLanes; ++lane) {
        options.batch_transports.push_back(transportFor(config, addresses));
      }
      return std::make_shared<AlidnsProvider>(
          AlidnsConfig{config.name, config.alidns, config.endpoint},
          transportFor(config, addresses), std::make_shared<core::SystemClock>(), randomUuid,
          options);
    }
    case config::ProviderType::Dnspod: {
      DnspodOptions options;
      options.ceiling = apiCeilingFor(config);
      // Parallel batch writes: a transport per request in flight, all behind that one ceiling.
      for (std::size_t lane = 1; lane < kDnspodBatchLanes; ++lane) {
        options.batch_transports.push_back(transportFor(config, addresses));
      }
      return std::make_shared<DnspodProvider>(
          DnspodConfig{config.name, config.dnspod, config.endpoint},
          transportFor(config, addresses), std::make_shared<core::SystemClock>(), options);
    }
    case config::ProviderType::HuaweiCloud: {
      HuaweiCloudOptions options;
      options.ceiling = apiCeilingFor(config);
      // Parallel batch writes: a transport per request in flight, all behind that one ceiling.
      for (std::size_t lane = 1; lane < kHuaweiCloudBatchLanes; ++lane) {
        options.batch_transports.push_back(transportFor(config, addresses));
      }
      return std::make_shared<HuaweiCloudProvider>(
          HuaweiCloudConfig{config.name, config.huaweicloud, config.endpoint},
          transportFor(config, addresses), std::make_shared<core::SystemClock>(), options);
    }
    case config::ProviderType::Google: {
      GoogleOptions options;
      options.ceiling = apiCeilingFor(config);
      return std::make_shared<GoogleProvider>(
          GoogleConfig{config.name, config.google, config.endpoint},
          transportFor(config, addresses), std::make_shared<core::SystemClock>(), options);
    }
    case config::ProviderType::Azure: {
      AzureOptions options;
      options.ceiling = apiCeilingFor(config);
      // Parallel batch writes: a transport per request in flight, all behind that one ceiling.
      for (std::size_t lane = 1; lane < kAzureBatchLanes; ++lane) {
        options.batch_transports.push_back(transportFor(config, addresses));
      }
      return std::make_shared<AzureProvider>(
          AzureConfig{config.name, config.azure, config.endpoint}, transportFor(config, addresses),
          std::make_shared<core::SystemClock>(), options);
    }
    case config::ProviderType::Webhook:
      // Its own transport: the url may name a unix socket, and GET /records may be large.
      return std::make_shared<WebhookProvider>(
          config.name, config.webhook.url,
          std::make_shared<net::CurlTransport>(webhookHttpOptions(config.webhook.url)),
          apiCeilingFor(config));
  }
  throw std::runtime_error("provider " + config.name + ": unknown type");
}

std::optional<std::string> checkProvider(const config::ProviderConfig& config) {
  try {
    makeProvider(config);
  } catch (const std::exception& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace planb::providers
