#pragma once
// Providers by `type`: the one place that knows every implementation, and the translation of the
// config schema into each provider's own settings. It lives in daemon/ (providers never see the
// config); its name stays in namespace providers, beside what it builds.

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "net/host_addresses.hpp"
#include "providers/dns_provider.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// Builds the provider a validated ProviderConfig describes. Throws std::runtime_error with a
// clear message (never a secret) when its credentials cannot be used.
// ADDRESSES, when given, are planbd's own addresses of API hosts, handed to every transport.
std::shared_ptr<DnsProvider> makeProvider(
    const config::ProviderConfig& config,
    std::shared_ptr<const net::HostAddresses> addresses = nullptr);

// The request ceiling the provider is built with: max_requests_per_second when set, else its
// type's default from the vendor's documented limits.
CeilingRate ceilingRateOf(const config::ProviderConfig& config);

// The request ceiling an API provider draws from: providers of one type on the same credential
// file (one vendor account or token) share it, as the vendor's limit is the account's.
std::shared_ptr<RequestCeiling> apiCeilingOf(const config::ProviderConfig& config);

// What --check-config can tell beyond the file itself: credentials exist, parse and are private.
std::optional<std::string> checkProvider(const config::ProviderConfig& config);

}  // namespace planb::providers
