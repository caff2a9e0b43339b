// One vendor's usual names compare equal, so that a target written `vendor = "alibaba-cloud"`
// meets the alidns provider ("alibaba") in the shared-fate check.

#include "core/vendor_name.hpp"

#include <doctest/doctest.h>

namespace planb::core {
namespace {

TEST_CASE("the usual names of each cloud vendor are one vendor") {
  CHECK(canonicalVendor("alibaba-cloud") == "alibaba");
  CHECK(canonicalVendor("Aliyun") == "alibaba");
  CHECK(canonicalVendor("alibaba_cloud") == "alibaba");
  CHECK(canonicalVendor("Amazon") == "aws");
  CHECK(canonicalVendor("tencent-cloud") == "tencent");
  CHECK(canonicalVendor("qcloud") == "tencent");
  CHECK(canonicalVendor("huaweicloud") == "huawei");
  CHECK(canonicalVendor("GCP") == "google");
  CHECK(canonicalVendor("microsoft") == "azure");
  CHECK(sameVendor("alibaba-cloud", "alibaba"));
  CHECK(sameVendor("google-cloud", "gcp"));
}

TEST_CASE("an unknown vendor is itself in lower case, and different vendors stay different") {
  CHECK(canonicalVendor("Hetzner") == "hetzner");
  CHECK_FALSE(sameVendor("hetzner", "huawei"));
  CHECK_FALSE(sameVendor("aws", "azure"));
  CHECK_FALSE(sameVendor("tencent", "alibaba"));
}

}  // namespace
}  // namespace planb::core
