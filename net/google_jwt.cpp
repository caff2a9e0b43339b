#include "net/google_jwt.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace planb::net {

namespace {

constexpr char kJwtAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct JwtBioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct JwtKeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct JwtMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using JwtKeyPtr = std::unique_ptr<EVP_PKEY, JwtKeyFree>;

// An empty passphrase callback: an encrypted key fails instead of prompting on a terminal.
int jwtNoPassphrase(char*, int, int, void*) {
  return 0;
}

JwtKeyPtr jwtReadKey(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, JwtBioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return nullptr;
  }
  JwtKeyPtr key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, jwtNoPassphrase, nullptr)
                           : PEM_read_bio_PUBKEY(bio.get(), nullptr, jwtNoPassphrase, nullptr));
  if (key && EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return nullptr;  // RS256 is RSA only
  }
  return key;
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&bytes](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kJwtAlphabet[(v >> 18) & 63];
    out += kJwtAlphabet[(v >> 12) & 63];
    out += kJwtAlphabet[(v >> 6) & 63];
    out += kJwtAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned v = at(i) << 16;
    out += kJwtAlphabet[(v >> 18) & 63];
    out += kJwtAlphabet[(v >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kJwtAlphabet[(v >> 18) & 63];
    out += kJwtAlphabet[(v >> 12) & 63];
    out += kJwtAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (bits >= 6) {
    return std::nullopt;  // a lone sixth of a byte: not an encoding
  }
  return out;
}

std::optional<std::string> rs256Sign(std::string_view input, const std::string& private_key_pem) {
  JwtKeyPtr key = jwtReadKey(private_key_pem, true);
  if (!key) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_MD_CTX, JwtMdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return std::nullopt;
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return std::nullopt;
  }
  signature.resize(size);
  return signature;
}

bool rs256Verify(std::string_view input, std::string_view signature,
                 const std::string& public_key_pem) {
  JwtKeyPtr key = jwtReadKey(public_key_pem, false);
  if (!key) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, JwtMdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

std::optional<std::string> signGoogleJwt(const GoogleJwtClaims& claims, const std::string& key_id,
                                         const std::string& private_key_pem) {
  nlohmann::json header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key_id.empty()) {
    header["kid"] = key_id;  // which of the account's keys signed, as Google's libraries send it
  }
  nlohmann::json body{{"iss", claims.issuer},
                      {"scope", claims.scope},
                      {"aud", claims.audience},
                      {"iat", claims.issued_at},
                      {"exp", claims.expires_at}};
  std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(body.dump());
  std::optional<std::string> signature = rs256Sign(input, private_key_pem);
  if (!signature) {
    return std::nullopt;
  }
  return input + "." + base64UrlEncode(*signature);
}

}  // namespace planb::net
