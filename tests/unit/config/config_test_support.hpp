#pragma once
// Helpers of the config tests: load a configuration written in the test, collect its errors.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace planb::config::testing {

// A valid configuration of kBaseLines lines that tests append to: provider "ns1", zone
// "example.com" on it, and target "aws" with one tcp probe. Line kBaseLines + n of a test's text is
// line n of what it appended.
inline constexpr std::string_view kBase = R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/etc/planb/tsig.key"

[[zone]]
name = "example.com"
providers = ["ns1"]

[[target]]
name = "aws"
vendor = "aws"
cname = "d111.cloudfront.net"
  [[target.probe]]
  name = "use1"
  type = "tcp"
  address = "192.0.2.10:443"
)";
inline constexpr std::uint32_t kBaseLines = 18;

// kBase followed by `more`.
std::string withBase(std::string_view more);

// Writes `text` to a fresh file and loads it; a failed check (listing the errors) if it is refused.
Config load(std::string_view text, const Environment& environment = {});

// Writes `text` to a fresh file and returns the errors loading it reports (none if it loads).
std::vector<ConfigError> errorsOf(std::string_view text, const Environment& environment = {});

// The one error loading `text` reports; a failed check, listing them, if there is not exactly one.
ConfigError onlyErrorOf(std::string_view text, const Environment& environment = {});

// One error a test expects: where, about which key, and what it says.
struct Expected {
  std::uint32_t line;
  std::uint32_t column;
  std::string key_path;
  std::string message;
};

// Checks `errors` against `expected`, in order; a failed check lists the errors.
void checkErrors(const std::vector<ConfigError>& errors, const std::vector<Expected>& expected);

// The errors, one formatted line each: for failure messages.
std::string listed(const std::vector<ConfigError>& errors);

// The 1-based number of the first line of `text` containing `needle` (0 if none).
std::uint32_t lineOf(std::string_view text, std::string_view needle);

}  // namespace planb::config::testing
