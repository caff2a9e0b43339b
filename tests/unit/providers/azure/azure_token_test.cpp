// Microsoft Entra ID's client-credentials token: the request, its cache, and every documented
// AADSTS refusal mapped to an Auth error that names the key to check and never the secret.

#include "providers/azure_token.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "azure_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::AzureFixture;
using planb::testing::kAzureClient;
using planb::testing::kAzureLogin;
using planb::testing::kAzureSecret;
using planb::testing::kAzureTenant;
using Json = nlohmann::json;

namespace {

AzureTokenConfig azureTokenConfig(const std::string& secret_file) {
  AzureTokenConfig config;
  config.tenant_id = kAzureTenant;
  config.client_id = kAzureClient;
  config.client_secret_file = secret_file;
  config.login_endpoint = "https://login.microsoftonline.com";
  config.scope = "https://management.azure.com/.default";
  return config;
}

// An Entra ID refusal as the token endpoint sends it
// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response).
Json azureAadError(const std::string& error, std::uint32_t code, const std::string& text) {
  return {{"error", error},
          {"error_description", "AADSTS" + std::to_string(code) + ": " + text +
                                    " Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation "
                                    "ID: aaaa0000-bb11-2222-33cc-444444dddddd Timestamp: "
                                    "2026-12-05 02:00:00Z"},
          {"error_codes", Json::array({code})},
          {"timestamp", "2026-12-05 02:00:00Z"},
          {"trace_id", "0000aaaa-11bb-cccc-dd22-eeeeee333333"},
          {"correlation_id", "aaaa0000-bb11-2222-33cc-444444dddddd"},
          {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
}

}  // namespace

TEST_CASE("the token request posts the client credentials for the ARM scope to the v2.0 endpoint") {
  HttpRequest r = entraTokenRequest(azureTokenConfig("/unused"), "s3cr&t=+");
  CHECK(r.method == "POST");
  CHECK(r.url == "https://login.microsoftonline.com/" + kAzureTenant + "/oauth2/v2.0/token");
  CHECK(r.body == "client_id=" + kAzureClient +
                      "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
                      "&client_secret=s3cr%26t%3D%2B&grant_type=client_credentials");
  bool form = false;
  for (const auto& h : r.headers) {
    form = form || (h.first == "Content-Type" && h.second == "application/x-www-form-urlencoded");
  }
  CHECK(form);
}

TEST_CASE("the scope follows the ARM base: its scheme and authority, then /.default") {
  CHECK(armScopeOf("https://management.azure.com") == "https://management.azure.com/.default");
  CHECK(armScopeOf("https://management.chinacloudapi.cn/") ==
        "https://management.chinacloudapi.cn/.default");
  CHECK(armScopeOf("http://127.0.0.1:8443/arm") == "http://127.0.0.1:8443/.default");
}

TEST_CASE("a token reply's expires_in may be a number or a numeric string") {
  CHECK(parseEntraToken(Json{{"access_token", "t"}, {"expires_in", 3599}}).expires_in.count() ==
        3599);
  CHECK(parseEntraToken(Json{{"access_token", "t"}, {"expires_in", "3600"}}).expires_in.count() ==
        3600);
  CHECK_THROWS(parseEntraToken(Json{{"expires_in", 3599}}));
  CHECK_THROWS(parseEntraToken(Json{{"access_token", ""}, {"expires_in", 3599}}));
}

TEST_CASE("every documented AADSTS refusal is Auth, names the key to check, never the secret") {
  struct Case {
    std::uint32_t code;
    const char* error;
    const char* text;
    const char* names;  // what the message must point at
  };
  // The codes and texts of
  // https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes.
  const Case cases[] = {
      {7000215, "invalid_client",
       "Invalid client secret provided. Ensure the secret being sent in the request is the client "
       "secret value, not the client secret ID, for a secret added to app "
       "'11111111-2222-3333-4444-555555555555'.",
       "client_secret_file"},
      {7000222, "invalid_client",
       "The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are "
       "expired.",
       "client_secret_file"},
      {700016, "unauthorized_client",
       "Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the "
       "directory 'contoso'.",
       "client_id"},
      {90002, "invalid_request", "Tenant 'contoso' not found.", "tenant_id"},
      {900023, "invalid_request",
       "Specified tenant identifier 'not a tenant' is neither a valid DNS name, nor a valid "
       "external domain.",
       "tenant_id"},
      {7000112, "unauthorized_client", "Application '11111111' is disabled.", "client_id"},
      {500011, "invalid_resource",
       "The resource principal named https://arm.test was not found in the tenant named contoso.",
       "login_endpoint"},
      {70011, "invalid_scope", "The provided value for the input parameter 'scope' is not valid.",
       "endpoint"},
      {53003, "invalid_grant", "Access has been blocked by Conditional Access policies.",
       "tenant_id"},
      {70002, "invalid_client", "Error validating credentials.", "client_secret_file"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.code);
    AzureFixture f;
    const Json refusal = azureAadError(c.error, c.code, c.text);
    f.before = [&refusal](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.url.rfind(kAzureLogin, 0) == 0) {
        return AzureFixture::json(401, refusal);
      }
      return std::nullopt;
    };
    Result<planb::providers::ServedRecord> r =
        f.provider->read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<Error>(r));
    const Error& e = std::get<Error>(r);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("AADSTS" + std::to_string(c.code)) != std::string::npos);
    CHECK(e.message.find(c.names) != std::string::npos);
    CHECK(e.message.find(kAzureSecret) == std::string::npos);
    CHECK(e.message.find("azure provider \"az\"") == 0);
    CHECK(f.arm().empty());  // nothing goes to ARM without a token
  }
}

TEST_CASE("Entra ID's throttling and outages are not Auth errors") {
  AzureFixture f;
  long status = 429;
  f.before = [&status](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.url.rfind(kAzureLogin, 0) == 0) {
      return AzureFixture::json(status, {{"error", "temporarily_unavailable"}},
                                {{"retry-after", "3"}});
    }
    return std::nullopt;
  };
  Result<planb::providers::ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<Error>(r));
  CHECK(std::get<Error>(r).kind == ErrorKind::RateLimited);
  CHECK(std::get<Error>(r).retry_after == std::chrono::milliseconds(3000));
  status = 503;
  r = f.provider->read({"example.com.", "www.example.com."});
  CHECK(std::get<Error>(r).kind == ErrorKind::Transient);
}

TEST_CASE("a token is kept until five minutes before it expires, then fetched again") {
  AzureFixture f;
  f.cname("www", "a.example.net");
  f.provider->read({"example.com.", "www.example.com."});
  f.clock->advance(std::chrono::seconds(3599 - 301));
  f.provider->read({"example.com.", "www.example.com."});
  CHECK(f.tokens_issued == 1);
  f.clock->advance(std::chrono::seconds(2));
  f.provider->read({"example.com.", "www.example.com."});
  CHECK(f.tokens_issued == 2);
}

TEST_CASE("a rotated client secret file drops the kept token and is sent with the next request") {
  AzureFixture f;
  f.cname("www", "a.example.net");
  f.provider->read({"example.com.", "www.example.com."});
  // The file's stamp must differ: a new size is enough for WatchedSecretFile.
  f.writeSecret("rotated-secret-value-longer-than-before");
  f.provider->read({"example.com.", "www.example.com."});
  CHECK(f.tokens_issued == 2);
  const HttpRequest& last_token = f.transport->requests[2];
  CHECK(last_token.url.rfind(kAzureLogin, 0) == 0);
  CHECK(last_token.body.find("client_secret=rotated-secret-value-longer-than-before") !=
        std::string::npos);
}

TEST_CASE("a 200 token reply without a usable token is Permanent") {
  AzureFixture f;
  f.before = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.url.rfind(kAzureLogin, 0) == 0) {
      return AzureFixture::json(200, {{"token_type", "Bearer"}});
    }
    return std::nullopt;
  };
  Result<planb::providers::ServedRecord> r = f.provider->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<Error>(r));
  CHECK(std::get<Error>(r).kind == ErrorKind::Permanent);
}
