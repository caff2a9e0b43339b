#include "net/alibaba_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <stdexcept>

#include "net/percent_encoding.hpp"

namespace planb::net {

namespace {

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace

std::string alibabaCanonicalQuery(const RpcParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (name == "Signature") {
      continue;
    }
    if (!out.empty()) {
      out += '&';
    }
    out += percentEncode(name);
    out += '=';
    out += percentEncode(value);
  }
  return out;
}

std::string alibabaStringToSign(std::string_view method, const RpcParams& params) {
  // The query is encoded a second time here, so ':' in the timestamp ends up as %253A.
  return std::string(method) + "&" + percentEncode("/") + "&" +
         percentEncode(alibabaCanonicalQuery(params));
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
  return alibabaCanonicalQuery(params) +
         "&Signature=" + percentEncode(alibabaSignatureV1(method, params, access_key_secret));
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

}  // namespace planb::net
