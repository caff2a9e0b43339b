#pragma once
// Huawei Cloud's credentials as users hold them: an access key pair (AK/SK), and with temporary
// credentials (IAM "Obtaining a Temporary Access Key and Security Token") a security token too,
// sent as X-Security-Token. Each comes from its own file, re-read when it changes
// (net::WatchedSecretFile), so keys rotated by an external agent are used without a restart.

#include <optional>
#include <string>

#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::providers {

// The values one request is signed with.
struct HuaweiCloudKeys {
  net::Secret access_key_id;
  net::Secret secret_access_key;
  std::optional<net::Secret> security_token;  // with temporary credentials only
};

class HuaweiCloudCredentials {
 public:
  // Reads every file now: a missing or unsafe one throws net::CredentialError at start.
  // `security_token_file` empty: long-lived keys, no X-Security-Token.
  HuaweiCloudCredentials(const std::string& access_key_id_file,
                         const std::string& secret_access_key_file,
                         const std::string& security_token_file);

  // The current values, each file re-read when it changed.
  HuaweiCloudKeys current();

  const std::string& keyIdFile() const noexcept { return id_.path(); }
  const std::string& secretKeyFile() const noexcept { return secret_.path(); }
  // Empty without temporary credentials.
  const std::string& securityTokenFile() const noexcept { return token_path_; }

 private:
  net::WatchedSecretFile id_;
  net::WatchedSecretFile secret_;
  std::string token_path_;
  std::optional<net::WatchedSecretFile> token_;
};

}  // namespace planb::providers
