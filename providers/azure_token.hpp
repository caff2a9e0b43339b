#pragma once
// The bearer token of Azure DNS: Microsoft Entra ID's OAuth 2.0 client-credentials grant
// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
//
//   POST {login_endpoint}/{tenant_id}/oauth2/v2.0/token
//   Content-Type: application/x-www-form-urlencoded
//   client_id=…&scope={ARM base}/.default&client_secret=…&grant_type=client_credentials
//
// answered {"token_type":"Bearer","expires_in":3599,"access_token":"…"}. The scope is the ARM
// base the requests go to (https://management.azure.com/.default; Azure China's
// https://management.chinacloudapi.cn/.default:
// https://learn.microsoft.com/en-us/azure/china/resources-developer-guide). The token is kept
// until shortly before it expires, dropped when ARM refuses it (401) and when the secret file
// changes, since a rotated secret says the old one may be revoked.
//
// A refusal is {"error":"invalid_client","error_description":"AADSTS7000215: …",
// "error_codes":[7000215],"trace_id":…,"correlation_id":…}; its AADSTS code tells which key is
// wrong, and the error names that key, never the secret.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/error.hpp"
#include "net/http_client.hpp"
#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::providers {

inline constexpr std::string_view kEntraDefaultLogin = "https://login.microsoftonline.com";

struct AzureTokenConfig {
  std::string tenant_id;
  std::string client_id;
  std::string client_secret_file;
  std::string login_endpoint = std::string(kEntraDefaultLogin);
  std::string scope;  // "{ARM base}/.default"
};

// The token request, for a secret; the body holds the secret (wiped by the caller after sending).
net::HttpRequest entraTokenRequest(const AzureTokenConfig& config, const std::string& secret);

// The scope of an ARM base URL: scheme and authority, then "/.default".
std::string armScopeOf(std::string_view arm_base);

// A token reply: the token and its lifetime (expires_in, a number or a numeric string). Throws
// nlohmann::json::exception or std::invalid_argument when it is malformed.
struct EntraToken {
  std::string access_token;
  std::chrono::seconds expires_in{0};
};
EntraToken parseEntraToken(const nlohmann::json& reply);

// An error reply: the OAuth error, the first AADSTS code (0: none), the ids support asks for.
struct EntraError {
  std::string error;
  std::uint32_t aadsts = 0;
  std::string trace_id;
  std::string correlation_id;
};
EntraError parseEntraError(const nlohmann::json& reply);

// What the operator should check for an AADSTS code, naming the key (and the file), never a
// value; with the kind: Auth for the client's own mistakes, Transient or RateLimited when the
// service asks to come back.
struct EntraAdvice {
  net::ErrorKind kind = net::ErrorKind::Auth;
  std::string text;
};
EntraAdvice entraAdvice(const EntraError& error, long status, const AzureTokenConfig& config);

class AzureTokenSource {
 public:
  // Reads the secret file now (a missing or unsafe one throws net::CredentialError).
  // `label`: "azure provider \"NAME\"", the start of every message.
  AzureTokenSource(AzureTokenConfig config, std::shared_ptr<net::HttpTransport> transport,
                   std::shared_ptr<const core::Clock> clock, std::string label);

  // A token with at least a margin of its life left (the smaller of 5 minutes and half its
  // lifetime), asking Entra ID when none is kept.
  net::Result<net::Secret> token();

  // ARM refused `refused` (401): the next token() asks for a new one, unless another thread has
  // already replaced it.
  void invalidate(const net::Secret& refused);

  const AzureTokenConfig& config() const noexcept { return config_; }
  // The secret now, for scrubbing messages.
  net::Secret secret() { return secret_.current(); }

 private:
  net::Result<net::Secret> fetch(const net::Secret& secret);

  AzureTokenConfig config_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  std::string label_;
  net::WatchedSecretFile secret_;
  std::mutex mutex_;  // one fetch at a time; the others wait for its token
  std::optional<net::Secret> token_;
  net::Secret fetched_with_;  // the secret token_ was fetched with
  core::Instant refresh_at_{};
};

}  // namespace planb::providers
