// SDK-HMAC-SHA256 against the published vectors (provider-apis.md §11), copied byte for byte:
// huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go (TestSigner_Sign, canonicalQueryString)
// and the API gateway signing guide's example, also in huaweicloud-sdk-java-v3's TestAKSKSigner
// and the Node.js APIG signer's test (AK QTWAOYTTINDUT2QVKYUC, date 20191115T033655Z).

#include "net/huawei_signer.hpp"

#include <doctest/doctest.h>

using namespace planb::net;
using namespace std::chrono_literals;

TEST_CASE("the Go SDK's GET vector signs to its published Authorization") {
  HuaweiSigningInput input;
  input.method = "GET";
  input.path = "/path";
  input.query = {{"limit", "1"}};
  input.headers = {{"X-Sdk-Date", "20060102T150405Z"}};
  CHECK(huaweiAuthorization(input, "20060102T150405Z", "AccessKey", "SecretKey") ==
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
        "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
}

TEST_CASE("the Go SDK's POST vector signs its JSON body") {
  HuaweiSigningInput input;
  input.method = "POST";
  input.path = "/path";
  input.query = {{"key", "value"}};
  input.headers = {{"X-Sdk-Date", "20060102T150405Z"}};
  // Go's json.Encoder ends the body with a newline.
  input.body = "{\"Name\":\"test\",\"Id\":1}\n";
  CHECK(huaweiAuthorization(input, "20060102T150405Z", "AccessKey", "SecretKey") ==
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
        "Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
}

TEST_CASE("the signing guide's example gives its canonical request, string to sign and signature") {
  HuaweiSigningInput input;
  input.method = "GET";
  input.path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs";
  input.query = {{"marker", "13551d6b-755d-4757-b956-536f674975c0"}, {"limit", "2"}};
  input.headers = {{"Content-Type", "application/json"},
                   {"Host", "service.region.example.com"},
                   {"X-Sdk-Date", "20191115T033655Z"}};
  CHECK(huaweiCanonicalUri(input.path) == "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/");
  CHECK(huaweiCanonicalQuery(input.query) == "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0");
  CHECK(huaweiStringToSign(huaweiCanonicalRequest(input), "20191115T033655Z") ==
        "SDK-HMAC-SHA256\n20191115T033655Z\n"
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
  CHECK(huaweiAuthorization(input, "20191115T033655Z", "QTWAOYTTINDUT2QVKYUC",
                            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc") ==
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
}

TEST_CASE("the canonical query escapes everything but the unreserved characters, like the SDK") {
  CHECK(huaweiCanonicalQuery({{"limit", "1"},
                              {"enable", "true"},
                              {"test", "\xe4\xb8\x80 (&=?!#%.*)"},
                              {"path", "/tmp/123"},
                              {"multi", "3"},
                              {"multi", "1"},
                              {"multi", "2"}}) ==
        "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&"
        "test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29");
}

TEST_CASE("a path of one slash stays one slash and a trailing dot in a segment is kept") {
  CHECK(huaweiCanonicalUri("/") == "/");
  CHECK(huaweiCanonicalUri("/v2/zones/a b") == "/v2/zones/a%20b/");
}

TEST_CASE("the X-Sdk-Date is the UTC time in the basic ISO 8601 form") {
  planb::core::WallTime time =
      std::chrono::sys_days{std::chrono::year{2019} / 11 / 15} + 3h + 36min + 55s + 999ms;
  CHECK(huaweiSdkDate(time) == "20191115T033655Z");
}
