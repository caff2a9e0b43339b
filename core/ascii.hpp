#pragma once
// ASCII case folding, the way DNS names (RFC 4343), HTTP header names and hex digests compare:
// byte by byte and never dependent on the locale.

#include <string>
#include <string_view>

namespace planb::core {

// "Content-Type" -> "content-type"; bytes other than A-Z are kept as they are.
inline std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace planb::core
