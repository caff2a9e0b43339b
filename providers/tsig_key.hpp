#pragma once
// TSIG keys as `tsig-keygen` writes them:
//
//   key "planb-key" {
//     algorithm hmac-sha256;
//     secret "base64...";
//   };
//
// A file may hold several keys and `#`, `//` and `/* */` comments. Errors name the file and line
// and never contain the secret.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/secret.hpp"

namespace planb::providers {

// Only what ldns 1.8.3 signs correctly and the RFC 8945 recommends: hmac-sha384 is misspelt in
// ldns ("hmac-shac384."), sha224 is missing, md5 and sha1 are not recommended.
enum class TsigAlgorithm { HmacSha256, HmacSha512 };

std::string_view nameOf(TsigAlgorithm algorithm);        // "hmac-sha256"
const char* ldnsAlgorithmName(TsigAlgorithm algorithm);  // "hmac-sha256."

struct TsigKey {
  std::string name;  // canonical: lower case, trailing dot
  TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
  net::Secret secret;  // base64, as in the file
};

// The key name as an operator wrote it in the file (no trailing dot), for messages.
std::string displayName(const TsigKey& key);

// "FILE:LINE: message" or "FILE: message"; never contains a secret.
class TsigKeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses key statements from TEXT; `source` names it in errors. Throws TsigKeyError.
std::vector<TsigKey> parseTsigKeys(std::string_view text, const std::string& source);

// Reads every key of the file at PATH. Refuses a file that is not a regular file or that its
// group or others may access (mode & 077). Throws TsigKeyError.
std::vector<TsigKey> loadTsigKeys(const std::string& path);

// The one key of KEYS, read from SOURCE; several are ambiguous, none is nothing to sign with.
// Throws TsigKeyError.
TsigKey onlyTsigKey(std::vector<TsigKey> keys, const std::string& source);

// The one key of the file at PATH (config check and provider start). A file with several keys is
// ambiguous, as Rfc2136Settings names no key: refused with the names it holds.
TsigKey loadTsigKey(const std::string& path);

}  // namespace planb::providers
