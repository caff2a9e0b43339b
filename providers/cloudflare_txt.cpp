#include "providers/cloudflare_txt.hpp"

#include <cctype>

namespace planb::providers {

std::string cloudflareTxtContent(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string cloudflareTxtText(std::string_view content) {
  if (content.empty() || content.front() != '"') {
    return std::string(content);
  }
  std::string text;
  std::size_t i = 0;
  while (i < content.size()) {
    if (std::isspace(static_cast<unsigned char>(content[i])) != 0) {
      ++i;
      continue;
    }
    if (content[i] != '"') {
      return std::string(content);  // not a sequence of quoted strings: the content is the text
    }
    ++i;
    bool closed = false;
    while (i < content.size()) {
      char c = content[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c != '\\' || i >= content.size()) {
        text += c;
        continue;
      }
      // \DDD is the byte of that decimal value; \X is X (RFC 1035 §5.1).
      if (i + 2 < content.size() && std::isdigit(static_cast<unsigned char>(content[i])) &&
          std::isdigit(static_cast<unsigned char>(content[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(content[i + 2]))) {
        int byte = (content[i] - '0') * 100 + (content[i + 1] - '0') * 10 + (content[i + 2] - '0');
        if (byte <= 255) {
          text += static_cast<char>(byte);
          i += 3;
          continue;
        }
      }
      text += content[i++];
    }
    if (!closed) {
      return std::string(content);
    }
  }
  return text;
}

}  // namespace planb::providers
