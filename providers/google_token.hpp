#pragma once
// OAuth 2.0 access tokens for a Google service account: a JWT signed with the account's key
// (net/google_jwt.hpp) POSTed to the key file's token_uri with
// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer (RFC 7523 §2.1; Google's
// "Using OAuth 2.0 for Server to Server Applications", "Making the access token request":
// https://developers.google.com/identity/protocols/oauth2/service-account). The reply
// {"access_token","expires_in","token_type":"Bearer"} is kept until shortly before it expires,
// asked again after the API refused it (401), and whenever the key file names another account or
// key. The token and the assertion appear in no message.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "net/secret.hpp"
#include "providers/dns_provider.hpp"
#include "providers/google_credentials.hpp"

namespace planb::providers {

// Read and write access to Cloud DNS, the narrowest scope that changes records
// (https://cloud.google.com/dns/docs/reference/rest/v1/changes/create, "Authorization scopes").
inline constexpr std::string_view kGoogleDnsScope =
    "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

// An assertion's lifetime: Google accepts at most one hour (exp - iat).
inline constexpr std::chrono::seconds kGoogleAssertionLifetime{3600};

// A token is asked for anew this long before it expires, so none expires in flight.
inline constexpr std::chrono::seconds kGoogleTokenMargin{60};

// What the token endpoint's refusal means: {"error": code, "error_description": text} (RFC 6749
// §5.2). invalid_grant (a bad signature, a deleted or disabled key, a clock out of range),
// invalid_client and unauthorized_client are Auth; 429 RateLimited; 5xx Transient.
ErrorKind googleTokenErrorKind(std::string_view error, long status);

class GoogleTokenSource {
 public:
  // Throws std::invalid_argument without credentials, a transport or a clock.
  GoogleTokenSource(std::shared_ptr<GoogleCredentials> credentials,
                    std::shared_ptr<net::HttpTransport> transport,
                    std::shared_ptr<const core::Clock> clock);

  // The cached token, or a new one. Errors name the token endpoint and the credentials file.
  Result<net::Secret> token();

  // Drops the cached token (the API answered 401 with it): the next token() asks again.
  void invalidate();

 private:
  Result<net::Secret> fetch(const GoogleServiceAccount& account);

  std::shared_ptr<GoogleCredentials> credentials_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  std::mutex mutex_;
  std::optional<net::Secret> token_;
  core::Instant renew_at_{};
  std::optional<GoogleServiceAccount> account_;  // the account the token is of
};

}  // namespace planb::providers
