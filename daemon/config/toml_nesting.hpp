#pragma once
// toml11 parses arrays and inline tables recursively: some ten thousand nested brackets overflow
// the stack and kill --check-config, or planbd on reload. The depth is bounded before parsing.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace planb::config {

// No planb.toml needs more than a few levels; toml11 is safe far beyond this.
constexpr std::size_t kMaxTomlNesting = 64;

// Where an array or inline table opens deeper than MAX_DEPTH levels.
struct NestingPos {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in bytes
};

// One linear pass over TEXT counting open '[' and '{' outside strings and comments (table
// headers count too: they close on their line). nullopt when the text stays within MAX_DEPTH.
std::optional<NestingPos> findDeepNesting(std::string_view text,
                                          std::size_t max_depth = kMaxTomlNesting);

}  // namespace planb::config
