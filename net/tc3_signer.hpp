#pragma once
// Tencent Cloud API 3.0 signature TC3-HMAC-SHA256 (provider-apis.md §6), as pure functions: the
// timestamp is the caller's, so the vector Tencent publishes in "Signature v3"
// (https://tencentcloud.com/document/api/267/37447) is a unit test. Only the form planb sends
// is built: POST to "/" with a JSON body, signed headers content-type and host.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace planb::net {

// The Content-Type every call is sent (and signed) with.
inline constexpr std::string_view kTc3ContentType = "application/json; charset=utf-8";

struct Tc3Signature {
  std::string date;  // "2019-02-25": the UTC date of the timestamp
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
};

// The UTC date "yyyy-mm-dd" of a Unix time.
std::string tc3Date(std::int64_t unix_seconds);

// Unix seconds of a wall time (the X-TC-Timestamp header).
std::int64_t tc3Timestamp(core::WallTime time);

// Signs a POST to "/" of `host` with `payload` (JSON) at `timestamp` for `service` ("dnspod").
Tc3Signature signTc3(std::string_view secret_id, std::string_view secret_key,
                     std::string_view service, std::string_view host, std::string_view content_type,
                     std::string_view payload, std::int64_t timestamp);

}  // namespace planb::net
