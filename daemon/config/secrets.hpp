#pragma once
// Secrets come only from files (product.md §3): inline secret keys are refused, and the *_file
// paths may name systemd's credentials directory.

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace planb::config {

// True for keys that would hold a secret itself (api_token, tsig_key, password, …), whatever
// table they are written in.
bool isInlineSecretKey(std::string_view key);

// Expands "${CREDENTIALS_DIRECTORY}" (systemd LoadCredential=) from `environment`, the only
// variable a *_file path may use. On failure returns nullopt and sets `why`.
std::optional<std::string> expandCredentialsPath(std::string_view path,
                                                 const Environment& environment, std::string& why);

}  // namespace planb::config
