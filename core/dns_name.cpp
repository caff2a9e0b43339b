#include "dns_name.hpp"

#include <cctype>

namespace planb::core {

std::string canonicalName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) {
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.empty() || out.back() != '.') {
    out.push_back('.');
  }
  return out;
}

bool isValidDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63) {
        return false;
      }
      label = 0;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c) && c != '-' && c != '_') {
      return false;
    }
    ++label;
  }
  return true;
}

bool isWithinZone(std::string_view name, std::string_view zone) {
  std::string n = canonicalName(name);
  std::string z = canonicalName(zone);
  if (n == z) {
    return true;
  }
  return n.size() > z.size() && n.compare(n.size() - z.size(), z.size(), z) == 0 &&
         n[n.size() - z.size() - 1] == '.';
}

}  // namespace planb::core
