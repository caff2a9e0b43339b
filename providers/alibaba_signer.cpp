#include "providers/alibaba_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <stdexcept>

namespace planb::providers {

namespace {

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace

std::string alibabaPercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

std::string alibabaCanonicalQuery(const RpcParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (name == "Signature") {
      continue;
    }
    if (!out.empty()) {
      out += '&';
    }
    out += alibabaPercentEncode(name);
    out += '=';
    out += alibabaPercentEncode(value);
  }
  return out;
}

std::string alibabaStringToSign(std::string_view method, const RpcParams& params) {
  // The query is encoded a second time here, so ':' in the timestamp ends up as %253A.
  return std::string(method) + "&" + alibabaPercentEncode("/") + "&" +
         alibabaPercentEncode(alibabaCanonicalQuery(params));
}

std::string alibabaSignatureV1(std::string_view method, const RpcParams& params,
                               std::string_view access_key_secret) {
  std::string key = std::string(access_key_secret) + "&";
  std::string message = alibabaStringToSign(method, params);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* done =
      HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  OPENSSL_cleanse(key.data(), key.size());
  if (done == nullptr) {
    throw std::runtime_error("HMAC-SHA1 failed");  // only on a broken OpenSSL
  }
  return base64(mac, length);
}

std::string alibabaSignedQuery(std::string_view method, const RpcParams& params,
                               std::string_view access_key_secret) {
  return alibabaCanonicalQuery(params) + "&Signature=" +
         alibabaPercentEncode(alibabaSignatureV1(method, params, access_key_secret));
}

std::string alibabaTimestamp(core::WallTime time) {
  std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

RpcParams withV1CommonParams(RpcParams params, std::string_view access_key_id, core::WallTime time,
                             std::string_view nonce) {
  params["AccessKeyId"] = std::string(access_key_id);
  params["SignatureMethod"] = "HMAC-SHA1";
  params["SignatureVersion"] = "1.0";
  params["SignatureNonce"] = std::string(nonce);
  params["Timestamp"] = alibabaTimestamp(time);
  return params;
}

}  // namespace planb::providers
