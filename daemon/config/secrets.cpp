#include "config/secrets.hpp"

#include <array>

namespace planb::config {

bool isInlineSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 12> kSecretWords = {
      "secret",      "tsig_key",         "api_key",    "api_token",     "password",
      "token",       "secret_id",        "secret_key", "access_key_id", "secret_access_key",
      "private_key", "access_key_secret"};
  for (std::string_view word : kSecretWords) {
    // A prefix names whose secret it is: "cloudflare_api_token", "client_secret".
    if (key == word || (key.ends_with(word) && key[key.size() - word.size() - 1] == '_')) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> expandCredentialsPath(std::string_view path,
                                                 const Environment& environment, std::string& why) {
  static constexpr std::string_view kVariable = "${CREDENTIALS_DIRECTORY}";
  std::string expanded;
  std::size_t done = 0;
  for (std::size_t at = path.find("${"); at != std::string_view::npos; at = path.find("${", done)) {
    expanded += path.substr(done, at - done);
    if (path.substr(at, kVariable.size()) != kVariable) {
      why = "only ${CREDENTIALS_DIRECTORY} is expanded in file paths";
      return std::nullopt;
    }
    auto it = environment.find("CREDENTIALS_DIRECTORY");
    if (it == environment.end() || it->second.empty()) {
      why = "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with LoadCredential=)";
      return std::nullopt;
    }
    expanded += it->second;
    done = at + kVariable.size();
  }
  expanded += path.substr(done);
  return expanded;
}

}  // namespace planb::config
