// TC3-HMAC-SHA256 against the vector of Tencent Cloud's "Signature v3" documentation
// (https://tencentcloud.com/document/api/267/37447: CVM DescribeInstances, timestamp 1551113065),
// whose intermediate hashes the SDKs' own tests repeat (e.g. tencentcloud-sdk-go's TestSign).

#include "net/tc3_signer.hpp"

#include <doctest/doctest.h>

using namespace planb::net;

namespace {

// The documentation masks the real key's tail with asterisks; the vector is computed with them.
const std::string kVectorSecretId = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******";
const std::string kVectorSecretKey = "Gu5t9xGARNpq86cd98joQYCN3*******";
// The payload as published: the \u escapes are literal backslash sequences in the JSON text.
const std::string kVectorPayload =
    R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";

Tc3Signature vectorSignature() {
  return signTc3(kVectorSecretId, kVectorSecretKey, "cvm", "cvm.tencentcloudapi.com",
                 kTc3ContentType, kVectorPayload, 1551113065);
}

}  // namespace

TEST_CASE("the published vector gives the published canonical request and string to sign") {
  Tc3Signature s = vectorSignature();
  CHECK(s.date == "2019-02-25");
  CHECK(s.canonical_request ==
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
  CHECK(s.string_to_sign ==
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
}

TEST_CASE("the published vector gives the published signature and Authorization header") {
  Tc3Signature s = vectorSignature();
  CHECK(s.signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
  CHECK(s.authorization ==
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
}

TEST_CASE("the credential scope's date is the UTC date of the timestamp, not the local one") {
  // 1551113065 is 2019-02-26 00:44:25 in Beijing (UTC+8) but 2019-02-25 16:44:25 UTC.
  CHECK(tc3Date(1551113065) == "2019-02-25");
  CHECK(tc3Date(0) == "1970-01-01");
  CHECK(tc3Date(1551139199) == "2019-02-25");
  CHECK(tc3Date(1551139200) == "2019-02-26");
}

TEST_CASE("a different service, host, payload or key changes the signature") {
  std::string base = vectorSignature().signature;
  CHECK(signTc3(kVectorSecretId, kVectorSecretKey, "dnspod", "cvm.tencentcloudapi.com",
                kTc3ContentType, kVectorPayload, 1551113065)
            .signature != base);
  CHECK(signTc3(kVectorSecretId, kVectorSecretKey, "cvm", "dnspod.tencentcloudapi.com",
                kTc3ContentType, kVectorPayload, 1551113065)
            .signature != base);
  CHECK(signTc3(kVectorSecretId, kVectorSecretKey, "cvm", "cvm.tencentcloudapi.com",
                kTc3ContentType, "{}", 1551113065)
            .signature != base);
  CHECK(signTc3(kVectorSecretId, "other", "cvm", "cvm.tencentcloudapi.com", kTc3ContentType,
                kVectorPayload, 1551113065)
            .signature != base);
}

TEST_CASE("the timestamp of a wall time is its whole Unix seconds") {
  CHECK(tc3Timestamp(planb::core::WallTime{} + std::chrono::milliseconds(1551113065999)) ==
        1551113065);
}
