#include "net/tc3_signer.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <ctime>

#include "net/sigv4.hpp"

namespace planb::net {

std::string tc3Date(std::int64_t unix_seconds) {
  std::time_t seconds = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &utc);
  return buffer;
}

std::int64_t tc3Timestamp(core::WallTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Tc3Signature signTc3(std::string_view secret_id, std::string_view secret_key,
                     std::string_view service, std::string_view host, std::string_view content_type,
                     std::string_view payload, std::int64_t timestamp) {
  Tc3Signature out;
  out.date = tc3Date(timestamp);
  // Step 1: method, URI "/", empty query, the two signed headers (lower-case names), their list,
  // and the payload's hash.
  out.canonical_request = "POST\n/\n\ncontent-type:" + std::string(content_type) +
                          "\nhost:" + std::string(host) + "\n\ncontent-type;host\n" +
                          sha256Hex(payload);
  // Step 2.
  std::string scope = out.date + "/" + std::string(service) + "/tc3_request";
  out.string_to_sign = "TC3-HMAC-SHA256\n" + std::to_string(timestamp) + "\n" + scope + "\n" +
                       sha256Hex(out.canonical_request);
  // Step 3: the key is derived from the date, the service and "tc3_request".
  std::string key = "TC3" + std::string(secret_key);
  std::string secret_date = hmacSha256(key, out.date);
  OPENSSL_cleanse(key.data(), key.size());
  std::string secret_service = hmacSha256(secret_date, service);
  std::string secret_signing = hmacSha256(secret_service, "tc3_request");
  out.signature = toHex(hmacSha256(secret_signing, out.string_to_sign));
  OPENSSL_cleanse(secret_date.data(), secret_date.size());
  OPENSSL_cleanse(secret_service.data(), secret_service.size());
  OPENSSL_cleanse(secret_signing.data(), secret_signing.size());
  // Step 4.
  out.authorization = "TC3-HMAC-SHA256 Credential=" + std::string(secret_id) + "/" + scope +
                      ", SignedHeaders=content-type;host, Signature=" + out.signature;
  return out;
}

}  // namespace planb::net
