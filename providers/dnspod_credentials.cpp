#include "providers/dnspod_credentials.hpp"

namespace planb::providers {

DnspodCredentials::DnspodCredentials(const std::string& secret_id_file,
                                     const std::string& secret_key_file,
                                     const std::string& token_file)
    : id_(secret_id_file, "Tencent Cloud SecretId file"),
      key_(secret_key_file, "Tencent Cloud SecretKey file"),
      token_path_(token_file) {
  if (!token_path_.empty()) {
    token_.emplace(token_path_, "Tencent Cloud STS token file");
  }
}

DnspodKeys DnspodCredentials::current() {
  DnspodKeys keys{id_.current(), key_.current(), std::nullopt};
  if (token_) {
    keys.token = token_->current();
  }
  return keys;
}

}  // namespace planb::providers
