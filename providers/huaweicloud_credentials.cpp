#include "providers/huaweicloud_credentials.hpp"

namespace planb::providers {

HuaweiCloudCredentials::HuaweiCloudCredentials(const std::string& access_key_id_file,
                                               const std::string& secret_access_key_file,
                                               const std::string& security_token_file)
    : id_(access_key_id_file, "Huawei Cloud access key id file"),
      secret_(secret_access_key_file, "Huawei Cloud secret access key file"),
      token_path_(security_token_file) {
  if (!token_path_.empty()) {
    token_.emplace(token_path_, "Huawei Cloud security token file");
  }
}

HuaweiCloudKeys HuaweiCloudCredentials::current() {
  HuaweiCloudKeys keys{id_.current(), secret_.current(), std::nullopt};
  if (token_) {
    keys.security_token = token_->current();
  }
  return keys;
}

}  // namespace planb::providers
