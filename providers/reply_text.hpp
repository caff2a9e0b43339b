#pragma once
// Text shared by the JSON API providers (Cloudflare, Alibaba DNS): how names are sent, and how a
// provider's own words are quoted in errors.

#include <cstddef>
#include <string>
#include <string_view>

namespace planb::providers {

// Provider messages are quoted, never echoed whole: printable ASCII only, and short.
inline constexpr std::size_t kMaxExcerpt = 160;

// "www.example.com." -> "www.example.com": these APIs name records without the trailing dot.
inline std::string withoutDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return std::string(name);
}

// TEXT cut to kMaxExcerpt characters ("..." marks the cut), anything unprintable shown as '?'.
inline std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxExcerpt) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace planb::providers
