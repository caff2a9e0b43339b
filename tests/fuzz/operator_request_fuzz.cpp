// Fuzzes the admin API's operator request bodies (POST /v1/failover, release, drain, undrain,
// freeze, unfreeze): the first byte picks the verb, the rest is the JSON body. Every body must
// give a request or a refusal, and the refusal must go into the JSON reply as planbd sends it.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "operator_desk.hpp"

using namespace planb::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto verb = static_cast<OperatorVerb>(data[0] % 6);
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::variant<OperatorRequest, std::string> parsed = parseOperatorRequest(verb, body);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    (void)nlohmann::ordered_json{{"ok", false}, {"error", *why}}.dump(
        2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
  return 0;
}
