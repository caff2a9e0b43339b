#pragma once
// Tencent Cloud's API credentials as users hold them: a SecretId and SecretKey pair, and with
// temporary (STS) credentials a token too, sent as X-TC-Token (API 3.0's common parameters,
// "Signature v3": https://tencentcloud.com/document/api/267/37447). Each comes from its own file,
// re-read when it changes (net::WatchedSecretFile), so credentials rotated by an external agent are
// used without a restart.

#include <optional>
#include <string>

#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::providers {

// The values one request is signed with.
struct DnspodKeys {
  net::Secret secret_id;
  net::Secret secret_key;
  std::optional<net::Secret> token;  // with temporary credentials only
};

class DnspodCredentials {
 public:
  // Reads every file now: a missing or unsafe one throws net::CredentialError at start.
  // `token_file` empty: long-lived keys, no X-TC-Token.
  DnspodCredentials(const std::string& secret_id_file, const std::string& secret_key_file,
                    const std::string& token_file);

  // The current values, each file re-read when it changed.
  DnspodKeys current();

  const std::string& secretIdFile() const noexcept { return id_.path(); }
  const std::string& secretKeyFile() const noexcept { return key_.path(); }
  // Empty without temporary credentials.
  const std::string& tokenFile() const noexcept { return token_path_; }

 private:
  net::WatchedSecretFile id_;
  net::WatchedSecretFile key_;
  std::string token_path_;
  std::optional<net::WatchedSecretFile> token_;
};

}  // namespace planb::providers
