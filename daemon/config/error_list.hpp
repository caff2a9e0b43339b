#pragma once
// The problems found while loading planb.toml, collected so that one run reports all of them.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace planb::config {

class ErrorList {
 public:
  void add(SourcePos pos, std::string key_path, std::string message);
  bool empty() const noexcept { return errors_.empty(); }

  // By line, then column; errors at the same place keep the order they were found in.
  std::vector<ConfigError> inFileOrder() const;

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace planb::config
