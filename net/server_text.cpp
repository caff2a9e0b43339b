#include "net/server_text.hpp"

namespace planb::net {

std::string quoteServerText(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr std::string_view kBlanks = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) {
    return "";
  }
  text = text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
  std::string out;
  for (char ch : text.substr(0, max_bytes)) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';  // one line, still readable
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  if (text.size() > max_bytes) {
    out += "...";
  }
  return out;
}

}  // namespace planb::net
