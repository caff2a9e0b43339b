#pragma once
// AWS Signature Version 4 (HMAC-SHA256) as pure functions: the same request, credentials and
// time always give the same signature, so the signer is tested against the published vectors
// (shared/reference/provider-apis.md §10.2, §10.3) without a clock or a network. Nothing here
// knows a particular AWS service: Route 53 and the S3 probe call it with their own service,
// region, path and payload.
//
// Every step is exposed on its own (canonical request, string to sign, signing key) because the
// vectors publish intermediate values and a mismatch is easiest to find step by step.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/secret.hpp"

namespace planb::net {

struct SigV4Credentials {
  std::string access_key_id;  // not secret by AWS's rules, but never logged by planb either
  Secret secret_access_key;
  std::optional<Secret> session_token;  // STS credentials: sent and signed as x-amz-security-token
};

// Where a signature is valid: the credential scope's region and service ("us-east-1", "route53").
struct SigV4Scope {
  std::string region;
  std::string service;
};

// Who signs, and for what: everything signV4 needs besides the request and the time.
struct SigV4Identity {
  SigV4Credentials credentials;
  SigV4Scope scope;
};

struct SigV4Request {
  std::string method = "GET";
  // The path, decoded ("/a b/c"), absolute; empty means "/". The caller puts uriEncodePath(path)
  // on the wire. Callers pass normalised paths: no "." or ".." segments, no doubled slashes.
  std::string path = "/";
  // Decoded names and values, in any order; a name may repeat. canonicalQuery() gives both the
  // canonical form and the query string to send, so the two cannot disagree.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign, any case and order; must include Host. X-Amz-Date is added from the signing
  // time when absent; when present it must be that time.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
  // The payload hash to sign instead of SHA-256(payload) (S3: "UNSIGNED-PAYLOAD").
  std::optional<std::string> payload_hash;
  // Every service but S3 encodes each path segment twice (AWS General Reference, "Create a
  // canonical request"); S3 once.
  bool double_encode_path = true;
};

struct SigV4Signature {
  std::string amz_date;        // "20150830T123600Z": send as X-Amz-Date
  std::string scope;           // "20150830/us-east-1/iam/aws4_request"
  std::string signed_headers;  // "host;x-amz-date"
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
  // Headers the caller adds to the request it sends: X-Amz-Date when the request lacked it,
  // X-Amz-Security-Token for session credentials, and Authorization.
  std::vector<std::pair<std::string, std::string>> headers_to_add;
};

// "yyyymmddThhmmssZ" in UTC, whole seconds.
std::string amzDate(std::chrono::system_clock::time_point when);

// The path as sent on the wire: each segment encoded once; "" becomes "/".
std::string uriEncodePath(std::string_view path);

// "a=1&b=2": names and values encoded, sorted by encoded name then value; "" when empty.
std::string canonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string toHex(std::string_view bytes);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request"),
// as raw bytes.
std::string sigV4SigningKey(const Secret& secret_access_key, std::string_view yyyymmdd,
                            const SigV4Scope& scope);

// The canonical request for REQUEST signed at AMZ_DATE. SIGNED_HEADERS receives the
// "host;x-amz-date" list.
std::string sigV4CanonicalRequest(const SigV4Request& request, std::string_view amz_date,
                                  std::string* signed_headers = nullptr);

std::string sigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request);

// Signs REQUEST at WHEN. Pure: no clock, no I/O.
SigV4Signature signV4(const SigV4Request& request, const SigV4Credentials& credentials,
                      const SigV4Scope& scope, std::chrono::system_clock::time_point when);

}  // namespace planb::net
