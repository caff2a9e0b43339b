#include "providers/provider_factory.hpp"

#include <chrono>

#include "providers/rfc2136_provider.hpp"
#include "providers/tsig_key.hpp"

namespace planb::providers {

namespace {

// One DNS operation may take this long before it counts as failed and is retried.
constexpr std::chrono::milliseconds kDnsTimeout{3000};

}  // namespace

std::shared_ptr<DnsProvider> makeProvider(const config::ProviderConfig& config) {
  switch (config.type) {
    case config::ProviderType::Rfc2136:
      return std::make_shared<Rfc2136Provider>(config.name, config.rfc2136, kDnsTimeout);
    case config::ProviderType::PowerDns:
    case config::ProviderType::Cloudflare:
    case config::ProviderType::Route53:
    case config::ProviderType::Alidns:
      break;
  }
  throw std::runtime_error("provider " + config.name + ": type " +
                           std::string(config::nameOf(config.type)) + " is not supported yet");
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
