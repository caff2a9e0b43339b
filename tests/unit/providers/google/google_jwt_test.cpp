// The RS256 JWT signer against RFC 7515 Appendix A.2 (a published, deterministic RS256
// signature), and the assertion Google's token endpoint takes.

#include "net/google_jwt.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fakes/rfc7515_key.hpp"

using namespace planb::net;
using planb::testing::kRfc7515A2PrivatePem;
using planb::testing::kRfc7515A2PublicPem;

namespace {

// RFC 7515 A.2.1: the JWS Signing Input (header {"alg":"RS256"}, the A.1 payload with its CRLFs).
const std::string kA2SigningInput =
    "eyJhbGciOiJSUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

// RFC 7515 A.2.1: the base64url signature of that input.
const std::string kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

}  // namespace

TEST_CASE("RS256 of RFC 7515 A.2's signing input is the appendix's signature, byte for byte") {
  std::optional<std::string> signature = rs256Sign(kA2SigningInput, kRfc7515A2PrivatePem);
  REQUIRE(signature);
  CHECK(base64UrlEncode(*signature) == kA2Signature);
  CHECK(rs256Verify(kA2SigningInput, *signature, kRfc7515A2PublicPem));
}

TEST_CASE("the appendix's signature does not verify for a changed input") {
  std::optional<std::string> signature = base64UrlDecode(kA2Signature);
  REQUIRE(signature);
  CHECK(rs256Verify(kA2SigningInput, *signature, kRfc7515A2PublicPem));
  CHECK_FALSE(rs256Verify(kA2SigningInput + "x", *signature, kRfc7515A2PublicPem));
}

TEST_CASE("base64url has no padding and uses - and _, and decodes back") {
  CHECK(base64UrlEncode("") == "");
  CHECK(base64UrlEncode("f") == "Zg");
  CHECK(base64UrlEncode("fo") == "Zm8");
  CHECK(base64UrlEncode("foo") == "Zm9v");
  CHECK(base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(base64UrlDecode("-_8") == std::optional<std::string>("\xfb\xff"));
  CHECK(base64UrlDecode("Zm9v") == std::optional<std::string>("foo"));
  CHECK(base64UrlDecode("Zg==") == std::optional<std::string>("f"));
  CHECK_FALSE(base64UrlDecode("Zm9v+"));
  CHECK_FALSE(base64UrlDecode("Z"));
  // RFC 7515 A.2.1's header.
  CHECK(base64UrlDecode("eyJhbGciOiJSUzI1NiJ9") ==
        std::optional<std::string>("{\"alg\":\"RS256\"}"));
}

TEST_CASE("a Google assertion carries the RS256 header, the kid and the claims, and verifies") {
  GoogleJwtClaims claims{"planb@project.iam.gserviceaccount.com",
                         "https://www.googleapis.com/auth/ndev.clouddns.readwrite",
                         "https://oauth2.googleapis.com/token", 1767225600, 1767229200};
  std::optional<std::string> jwt = signGoogleJwt(claims, "key-1", kRfc7515A2PrivatePem);
  REQUIRE(jwt);
  auto first = jwt->find('.');
  auto second = jwt->find('.', first + 1);
  REQUIRE(second != std::string::npos);
  auto header = nlohmann::json::parse(*base64UrlDecode(jwt->substr(0, first)));
  auto body = nlohmann::json::parse(*base64UrlDecode(jwt->substr(first + 1, second - first - 1)));
  CHECK(header == nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "key-1"}});
  CHECK(body.at("iss") == claims.issuer);
  CHECK(body.at("scope") == claims.scope);
  CHECK(body.at("aud") == claims.audience);
  CHECK(body.at("iat") == 1767225600);
  CHECK(body.at("exp") == 1767229200);
  std::optional<std::string> signature = base64UrlDecode(jwt->substr(second + 1));
  REQUIRE(signature);
  CHECK(rs256Verify(jwt->substr(0, second), *signature, kRfc7515A2PublicPem));
}

TEST_CASE("a key that is not an RSA private key signs nothing") {
  CHECK_FALSE(rs256Sign("x", "not a key"));
  CHECK_FALSE(rs256Sign("x", kRfc7515A2PublicPem));
  CHECK_FALSE(
      signGoogleJwt({}, "", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
}
