#pragma once
// Text shared by the JSON API providers (Cloudflare, Alibaba DNS): how names are sent. A
// provider's own words are quoted in errors with net::quoteServerText.

#include <string>
#include <string_view>

namespace planb::providers {

// "www.example.com." -> "www.example.com": these APIs name records without the trailing dot.
inline std::string withoutDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return std::string(name);
}

}  // namespace planb::providers
