#include "net/huawei_signer.hpp"

#include <algorithm>
#include <ctime>

#include "core/ascii.hpp"
#include "net/percent_encoding.hpp"
#include "net/sigv4.hpp"

namespace planb::net {

namespace {

std::string huaweiHexOf(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (char c : raw) {
    auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}

std::string huaweiTrimmed(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

std::vector<std::pair<std::string, std::string>> huaweiLowerSorted(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());
  for (const auto& header : headers) {
    out.emplace_back(core::asciiLower(header.first), huaweiTrimmed(header.second));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string huaweiSdkDate(core::WallTime time) {
  std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string huaweiCanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  // Sorted by name, then value (the SDK sorts the values of a repeated name).
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(percentEncode(name), percentEncode(value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out += '&';
    }
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string huaweiCanonicalUri(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    out += percentEncode(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    out += '/';
    start = slash + 1;
  }
  if (out.empty() || out.back() != '/') {
    out += '/';
  }
  return out;
}

std::string huaweiSignedHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& header : huaweiLowerSorted(headers)) {
    if (!out.empty()) {
      out += ';';
    }
    out += header.first;
  }
  return out;
}

std::string huaweiCanonicalRequest(const HuaweiSigningInput& input) {
  std::string headers;
  for (const auto& [name, value] : huaweiLowerSorted(input.headers)) {
    headers += name + ":" + value + "\n";
  }
  return input.method + "\n" + huaweiCanonicalUri(input.path) + "\n" +
         huaweiCanonicalQuery(input.query) + "\n" + headers + "\n" +
         huaweiSignedHeaders(input.headers) + "\n" + sha256Hex(input.body);
}

std::string huaweiStringToSign(std::string_view canonical_request, std::string_view sdk_date) {
  return std::string(kHuaweiAlgorithm) + "\n" + std::string(sdk_date) + "\n" +
         sha256Hex(canonical_request);
}

std::string huaweiSignature(std::string_view string_to_sign, std::string_view secret_access_key) {
  return huaweiHexOf(hmacSha256(secret_access_key, string_to_sign));
}

std::string huaweiAuthorization(const HuaweiSigningInput& input, std::string_view sdk_date,
                                std::string_view access_key_id,
                                std::string_view secret_access_key) {
  std::string signature = huaweiSignature(
      huaweiStringToSign(huaweiCanonicalRequest(input), sdk_date), secret_access_key);
  return std::string(kHuaweiAlgorithm) + " Access=" + std::string(access_key_id) +
         ", SignedHeaders=" + huaweiSignedHeaders(input.headers) + ", Signature=" + signature;
}

}  // namespace planb::net
