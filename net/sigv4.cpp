#include "net/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <stdexcept>

#include "core/ascii.hpp"
#include "net/percent_encoding.hpp"

namespace planb::net {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Trims the value and collapses inner runs of spaces to one, as the canonical form requires.
std::string canonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string amzDate(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(when));
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string uriEncodePath(std::string_view path) {
  return path.empty() ? "/" : percentEncode(path, Literal::UnreservedAndSlash);
}

std::string canonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(percentEncode(name), percentEncode(value));
  }
  // Sorting the encoded forms (byte order) is what AWS specifies, not the decoded ones.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out += '&';
    }
    out += name + "=" + value;
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");  // only on a broken OpenSSL
  }
  return toHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");  // only on a broken OpenSSL
  }
  std::string out(reinterpret_cast<const char*>(mac), length);
  OPENSSL_cleanse(mac, sizeof mac);  // a derived signing key, when the caller derives one
  return out;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

std::string sigV4SigningKey(const Secret& secret_access_key, std::string_view yyyymmdd,
                            const SigV4Scope& scope) {
  // The intermediate keys are as secret as the secret itself: kept in Secrets so they are wiped.
  Secret prefixed("AWS4" + secret_access_key.reveal());
  Secret date_key(hmacSha256(prefixed.reveal(), yyyymmdd));
  Secret region_key(hmacSha256(date_key.reveal(), scope.region));
  Secret service_key(hmacSha256(region_key.reveal(), scope.service));
  return hmacSha256(service_key.reveal(), "aws4_request");
}

std::string sigV4CanonicalRequest(const SigV4Request& request, std::string_view amz_date,
                                  std::string* signed_headers) {
  // Lower-case names, sorted; a repeated header becomes one line with comma-joined values.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = core::asciiLower(name);
    std::string canonical = canonicalHeaderValue(value);
    auto [it, inserted] = headers.emplace(key, canonical);
    if (!inserted) {
      it->second += "," + canonical;
    }
  }
  if (headers.find("host") == headers.end()) {
    throw std::invalid_argument("SigV4: the request has no Host header");
  }
  if (auto date = headers.find("x-amz-date"); date == headers.end()) {
    headers.emplace("x-amz-date", std::string(amz_date));
  } else if (date->second != amz_date) {
    throw std::invalid_argument("SigV4: X-Amz-Date differs from the signing time");
  }

  std::string path = uriEncodePath(request.path);
  if (request.double_encode_path) {
    path = percentEncode(path, Literal::UnreservedAndSlash);
  }

  std::string canonical_headers;
  std::string names;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  if (signed_headers != nullptr) {
    *signed_headers = names;
  }
  std::string payload_hash =
      request.payload_hash ? *request.payload_hash : sha256Hex(request.payload);
  return request.method + "\n" + path + "\n" + canonicalQuery(request.query) + "\n" +
         canonical_headers + "\n" + names + "\n" + payload_hash;
}

std::string sigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         sha256Hex(canonical_request);
}

SigV4Signature signV4(const SigV4Request& request, const SigV4Credentials& credentials,
                      const SigV4Scope& scope, std::chrono::system_clock::time_point when) {
  SigV4Signature out;
  out.amz_date = amzDate(when);
  const std::string day = out.amz_date.substr(0, 8);
  out.scope = day + "/" + scope.region + "/" + scope.service + "/aws4_request";

  SigV4Request signed_request = request;
  auto has = [&](std::string_view wanted) {
    return std::any_of(request.headers.begin(), request.headers.end(), [&](const auto& header) {
      return core::asciiLower(header.first) == wanted;
    });
  };
  if (!has("x-amz-date")) {
    out.headers_to_add.emplace_back("X-Amz-Date", out.amz_date);
  }
  if (credentials.session_token && !has("x-amz-security-token")) {
    signed_request.headers.emplace_back("X-Amz-Security-Token",
                                        credentials.session_token->reveal());
    out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token->reveal());
  }

  out.canonical_request = sigV4CanonicalRequest(signed_request, out.amz_date, &out.signed_headers);
  out.string_to_sign = sigV4StringToSign(out.amz_date, out.scope, out.canonical_request);
  Secret key(sigV4SigningKey(credentials.secret_access_key, day, scope));
  out.signature = toHex(hmacSha256(key.reveal(), out.string_to_sign));
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                      out.scope + ", SignedHeaders=" + out.signed_headers +
                      ", Signature=" + out.signature;
  out.headers_to_add.emplace_back("Authorization", out.authorization);
  return out;
}

}  // namespace planb::net
