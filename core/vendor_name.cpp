#include "core/vendor_name.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "core/ascii.hpp"

namespace planb::core {

std::string canonicalVendor(std::string_view name) {
  // Names users write for the vendors planb has providers of: the company, the cloud's brand and
  // its usual short forms.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kAliases{{
      {"amazon", "aws"},
      {"amazon-web-services", "aws"},
      {"aws", "aws"},
      {"alibaba", "alibaba"},
      {"alibaba-cloud", "alibaba"},
      {"alibabacloud", "alibaba"},
      {"aliyun", "alibaba"},
      {"azure", "azure"},
      {"microsoft", "azure"},
      {"microsoft-azure", "azure"},
      {"cloudflare", "cloudflare"},
      {"gcp", "google"},
      {"google", "google"},
      {"google-cloud", "google"},
      {"googlecloud", "google"},
      {"huawei", "huawei"},
      {"huawei-cloud", "huawei"},
      {"huaweicloud", "huawei"},
      {"qcloud", "tencent"},
      {"tencent", "tencent"},
      {"tencent-cloud", "tencent"},
      {"tencentcloud", "tencent"},
  }};
  std::string lower = asciiLower(name);
  std::replace(lower.begin(), lower.end(), '_', '-');  // "alibaba_cloud" is "alibaba-cloud"
  for (const auto& [alias, vendor] : kAliases) {
    if (lower == alias) {
      return std::string(vendor);
    }
  }
  return lower;
}

bool sameVendor(std::string_view a, std::string_view b) {
  return canonicalVendor(a) == canonicalVendor(b);
}

}  // namespace planb::core
