#pragma once
// The signed JWT a Google service account trades for an OAuth 2.0 access token (RFC 7523 JWT
// bearer grant, as Google documents it for server-to-server use:
// https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests):
// base64url(header) "." base64url(claims) "." base64url(RS256 signature), RS256 being
// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). The signer is held to RFC 7515 Appendix A.2,
// whose RS256 signature is deterministic and published.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace planb::net {

// Base64url without padding (RFC 7515 §2, "Base64url Encoding").
std::string base64UrlEncode(std::string_view bytes);

// The bytes of a base64url text (padding optional), or nullopt when it is not one.
std::optional<std::string> base64UrlDecode(std::string_view text);

// The RS256 signature (raw bytes) of `input` under the RSA private key in `private_key_pem`
// (PKCS#8 "BEGIN PRIVATE KEY" as Google issues it, or PKCS#1 "BEGIN RSA PRIVATE KEY"); nullopt
// when the text is no RSA private key. Nothing of the key is ever in a message.
std::optional<std::string> rs256Sign(std::string_view input, const std::string& private_key_pem);

// Whether `signature` is the RS256 signature of `input` under the public key (PEM, SPKI).
bool rs256Verify(std::string_view input, std::string_view signature,
                 const std::string& public_key_pem);

// The claims of Google's JWT bearer assertion.
struct GoogleJwtClaims {
  std::string issuer;           // iss: the service account's client_email
  std::string scope;            // space-separated OAuth scopes
  std::string audience;         // aud: the token endpoint (the key file's token_uri)
  std::int64_t issued_at = 0;   // iat, seconds since the epoch
  std::int64_t expires_at = 0;  // exp: at most an hour after iat (Google refuses more)
};

// The compact JWT {"alg":"RS256","typ":"JWT"[,"kid":key_id]}.claims.signature; nullopt when the
// key is unusable.
std::optional<std::string> signGoogleJwt(const GoogleJwtClaims& claims, const std::string& key_id,
                                         const std::string& private_key_pem);

}  // namespace planb::net
