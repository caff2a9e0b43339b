// Fuzzes the configuration loader: the input is the text of planb.toml. Every input must either
// load or be refused with ConfigErrors (every problem with its position); nothing else may escape.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const planb::config::Environment environment = {{"CREDENTIALS_DIRECTORY", "/run/credentials"},
                                                  {"STATE_DIRECTORY", "/var/lib/planb"}};
  try {
    planb::config::Config config = planb::config::parseConfig(text, "planb.toml", environment);
    (void)config;
  } catch (const planb::config::ConfigErrors& errors) {
    for (const auto& error : errors.errors()) {
      (void)error.format();
    }
  }
  return 0;
}
