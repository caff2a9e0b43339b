#pragma once
// Huawei Cloud's AK/SK request signature, SDK-HMAC-SHA256 (provider-apis.md §11; the API gateway's
// "API request signing" guide,
// https://support.huaweicloud.com/devg-apisign/api-sign-algorithm-002.html, and
// huaweicloud-sdk-go-v3 core/auth/signer/signer.go), as pure functions: the date is the caller's,
// so the published vectors are unit tests.
//
//   canonical request = METHOD \n URI (each segment escaped, a trailing '/' forced) \n
//                       sorted escaped query \n "name:value\n" per signed header (lower case,
//                       sorted, values trimmed) \n signed header list ("a;b;c") \n
//                       hex(sha256(body))
//   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical request))
//   signature         = hex(HMAC-SHA256(secret access key, string to sign))   (no key derivation)
//   Authorization     = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=…"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace planb::net {

inline constexpr std::string_view kHuaweiAlgorithm = "SDK-HMAC-SHA256";

// One request as the signature sees it. `path` is unescaped ("/v2/zones/abc/recordsets");
// `query` holds unescaped names and values; `headers` are the ones to sign (Host and X-Sdk-Date
// among them), any case.
struct HuaweiSigningInput {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// "20191115T033655Z": the X-Sdk-Date format (UTC).
std::string huaweiSdkDate(core::WallTime time);

// The sorted, escaped query string, also the one sent on the wire (names and values escaped the
// same way, so what is signed is what is sent).
std::string huaweiCanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

// The path with each segment escaped and a trailing '/' forced.
std::string huaweiCanonicalUri(std::string_view path);

// "content-type;host;x-sdk-date": the names of `headers`, lower case, sorted.
std::string huaweiSignedHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

std::string huaweiCanonicalRequest(const HuaweiSigningInput& input);

// `sdk_date` is the X-Sdk-Date header's value.
std::string huaweiStringToSign(std::string_view canonical_request, std::string_view sdk_date);

// Lower-case hex HMAC-SHA256 of the string to sign under the secret access key.
std::string huaweiSignature(std::string_view string_to_sign, std::string_view secret_access_key);

// The Authorization header's value for `input`, signed with the keys; `sdk_date` must be the
// X-Sdk-Date among input.headers.
std::string huaweiAuthorization(const HuaweiSigningInput& input, std::string_view sdk_date,
                                std::string_view access_key_id, std::string_view secret_access_key);

}  // namespace planb::net
