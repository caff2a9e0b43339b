#include "providers/alidns_credentials.hpp"

namespace planb::providers {

AlidnsCredentials::AlidnsCredentials(const std::string& access_key_id_file,
                                     const std::string& access_key_secret_file,
                                     const std::string& security_token_file)
    : id_(access_key_id_file, "Alibaba AccessKeyId file"),
      secret_(access_key_secret_file, "Alibaba AccessKeySecret file"),
      token_path_(security_token_file) {
  if (!token_path_.empty()) {
    token_.emplace(token_path_, "Alibaba STS SecurityToken file");
  }
}

AlidnsKeys AlidnsCredentials::current() {
  AlidnsKeys keys{id_.current(), secret_.current(), std::nullopt};
  if (token_) {
    keys.security_token = token_->current();
  }
  return keys;
}

}  // namespace planb::providers
