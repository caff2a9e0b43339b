#include "providers/txt_zone_text.hpp"

#include <cctype>
#include <cstdio>

namespace planb::providers {
namespace {

bool isBlank(char c) {
  return c == ' ' || c == '\t';
}

bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

std::string quoteTxt(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte > 0x7e) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\%03u", static_cast<unsigned>(byte));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::optional<std::string> unquoteTxt(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (isBlank(text[i])) {
      ++i;
      continue;
    }
    const bool quoted = text[i] == '"';
    i += quoted ? 1 : 0;
    bool closed = !quoted;
    while (i < text.size()) {
      const char c = text[i];
      if (quoted && c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (!quoted && isBlank(c)) {
        break;
      }
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= text.size()) {
        return std::nullopt;  // a trailing backslash escapes nothing
      }
      if (i + 3 < text.size() && isDigit(text[i + 1]) && isDigit(text[i + 2]) &&
          isDigit(text[i + 3])) {
        const int value =
            (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (value > 255) {
          return std::nullopt;
        }
        out += static_cast<char>(value);
        i += 4;
        continue;
      }
      out += text[i + 1];
      i += 2;
    }
    if (!closed) {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace planb::providers
