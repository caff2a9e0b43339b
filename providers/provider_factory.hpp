#pragma once
// Providers by `type`: the one place that knows every implementation.

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "providers/dns_provider.hpp"

namespace planb::providers {

// Builds the provider a validated ProviderConfig describes. Throws std::runtime_error with a
// clear message (never a secret) when its credentials cannot be used.
std::shared_ptr<DnsProvider> makeProvider(const config::ProviderConfig& config);

// What --check-config can tell beyond the file itself: credentials exist, parse and are private.
std::optional<std::string> checkProvider(const config::ProviderConfig& config);

}  // namespace planb::providers
