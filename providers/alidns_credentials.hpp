#pragma once
// Alibaba Cloud DNS's credentials as users hold them: an AccessKey pair, and with STS temporary
// credentials a SecurityToken too (https://www.alibabacloud.com/help/en/ram/user-guide/
// what-is-sts). Each comes from its own file, re-read when it changes (net::WatchedSecretFile), so
// credentials rotated by an external agent are used without a restart.

#include <optional>
#include <string>

#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::providers {

// The values one request is signed with.
struct AlidnsKeys {
  net::Secret access_key_id;
  net::Secret access_key_secret;
  std::optional<net::Secret> security_token;  // with STS credentials only
};

class AlidnsCredentials {
 public:
  // Reads every file now: a missing or unsafe one throws net::CredentialError at start.
  // `security_token_file` empty: long-lived keys, no SecurityToken.
  AlidnsCredentials(const std::string& access_key_id_file,
                    const std::string& access_key_secret_file,
                    const std::string& security_token_file);

  // The current values, each file re-read when it changed.
  AlidnsKeys current();

  const std::string& keyIdFile() const noexcept { return id_.path(); }
  const std::string& keySecretFile() const noexcept { return secret_.path(); }
  // Empty without STS credentials.
  const std::string& securityTokenFile() const noexcept { return token_path_; }

 private:
  net::WatchedSecretFile id_;
  net::WatchedSecretFile secret_;
  std::string token_path_;
  std::optional<net::WatchedSecretFile> token_;
};

}  // namespace planb::providers
