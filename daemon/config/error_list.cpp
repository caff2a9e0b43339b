#include "config/error_list.hpp"

#include <algorithm>
#include <tuple>

namespace planb::config {

void ErrorList::add(SourcePos pos, std::string key_path, std::string message) {
  errors_.push_back(ConfigError{std::move(pos), std::move(key_path), std::move(message)});
}

std::vector<ConfigError> ErrorList::inFileOrder() const {
  std::vector<ConfigError> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  return sorted;
}

}  // namespace planb::config
