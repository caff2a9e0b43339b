#include "config/toml_nesting.hpp"

namespace planb::config {

std::optional<NestingPos> findDeepNesting(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  const auto at = [&](std::string_view token) { return text.substr(i, token.size()) == token; };
  // Skips a string starting at i; multi-line strings count their line breaks.
  const auto skipString = [&](std::string_view quote, bool escapes) {
    i += quote.size();
    while (i < text.size() && !at(quote)) {
      if (escapes && text[i] == '\\') {
        ++i;
      }
      if (i < text.size() && text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
      ++i;
    }
    i += quote.size();
  };
  while (i < text.size()) {
    char c = text[i];
    if (at("\"\"\"")) {
      skipString("\"\"\"", true);
    } else if (at("'''")) {
      skipString("'''", false);
    } else if (c == '"') {
      skipString("\"", true);
    } else if (c == '\'') {
      skipString("'", false);
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') {
        ++i;
      }
    } else {
      if (c == '\n') {
        ++line;
        line_start = i + 1;
      } else if (c == '[' || c == '{') {
        if (++depth > max_depth) {
          return NestingPos{line, static_cast<std::uint32_t>(i - line_start + 1)};
        }
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace planb::config
