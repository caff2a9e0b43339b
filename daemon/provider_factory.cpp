#include "provider_factory.hpp"

#include <chrono>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/alidns_provider.hpp"
#include "providers/cloudflare_provider.hpp"
#include "providers/powerdns_provider.hpp"
#include "providers/rfc2136_provider.hpp"
#include "providers/route53_provider.hpp"

namespace planb::providers {

namespace {

// One DNS operation may take this long before it counts as failed and is retried.
constexpr std::chrono::milliseconds kDnsTimeout{3000};

// Each provider has its own transport: its calls come from its own worker, one at a time.
std::shared_ptr<net::HttpTransport> transportFor(const config::ProviderConfig& config) {
  net::HttpOptions options;
  options.ca_file = config.ca_file;
  return std::make_shared<net::CurlTransport>(options);
}

}  // namespace

std::shared_ptr<DnsProvider> makeProvider(const config::ProviderConfig& config) {
  switch (config.type) {
    case config::ProviderType::Rfc2136:
      return std::make_shared<Rfc2136Provider>(config.name, config.rfc2136, kDnsTimeout);
    case config::ProviderType::PowerDns: {
      config::PowerDnsSettings settings = config.powerdns;
      if (config.endpoint) {
        settings.api_url = *config.endpoint;  // every API provider's override of its base URL
      }
      return std::make_shared<PowerDnsProvider>(config.name, settings, transportFor(config));
    }
    case config::ProviderType::Cloudflare:
      return std::make_shared<CloudflareProvider>(
          CloudflareConfig{config.name, config.cloudflare, config.endpoint}, transportFor(config),
          std::make_shared<core::SystemClock>());
    case config::ProviderType::Route53:
      return std::make_shared<Route53Provider>(
          Route53Config{config.name, config.route53, config.endpoint}, transportFor(config));
    case config::ProviderType::Alidns:
      return std::make_shared<AlidnsProvider>(
          AlidnsConfig{config.name, config.alidns, config.endpoint}, transportFor(config),
          std::make_shared<core::SystemClock>());
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
