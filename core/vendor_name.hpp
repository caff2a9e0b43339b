#pragma once
// Vendors are named freely in the config (a target's `vendor`, a provider's `vendor`), while planb
// names the vendor behind each provider type itself ("alibaba" for alidns). One vendor's usual
// names compare equal, so that `vendor = "alibaba-cloud"` on a target still meets the alidns
// provider in the shared-fate check.

#include <string>
#include <string_view>

namespace planb::core {

// The vendor's canonical name: "aws", "alibaba", "azure", "cloudflare", "google", "huawei" or
// "tencent" for their usual names; any other name in lower case.
std::string canonicalVendor(std::string_view name);

bool sameVendor(std::string_view a, std::string_view b);

}  // namespace planb::core
