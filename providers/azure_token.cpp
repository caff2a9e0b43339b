#include "providers/azure_token.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

std::string entraFormField(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + net::percentEncode(value);
}

std::string entraTrimmedBase(std::string_view base) {
  while (!base.empty() && base.back() == '/') {
    base.remove_suffix(1);
  }
  return std::string(base);
}

// The lifetime left when a token is renewed: 5 minutes, or half a shorter lifetime.
std::chrono::seconds entraRenewalMargin(std::chrono::seconds lifetime) {
  return std::min<std::chrono::seconds>(std::chrono::minutes(5), lifetime / 2);
}

}  // namespace

net::HttpRequest entraTokenRequest(const AzureTokenConfig& config, const std::string& secret) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = entraTrimmedBase(config.login_endpoint) + "/" +
                net::percentEncode(config.tenant_id) + "/oauth2/v2.0/token";
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = entraFormField("client_id", config.client_id) + "&" +
                 entraFormField("scope", config.scope) + "&" +
                 entraFormField("client_secret", secret) + "&grant_type=client_credentials";
  return request;
}

std::string armScopeOf(std::string_view arm_base) {
  std::size_t scheme = arm_base.find("://");
  std::size_t path = arm_base.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(arm_base.substr(0, path)) + "/.default";
}

EntraToken parseEntraToken(const Json& reply) {
  EntraToken token;
  token.access_token = reply.at("access_token").get<std::string>();
  if (token.access_token.empty()) {
    throw std::invalid_argument("empty access_token");
  }
  const Json& expires = reply.at("expires_in");
  // v2.0 sends a number; the v1.0 endpoint and some clouds a numeric string.
  long long seconds =
      expires.is_string() ? std::stoll(expires.get<std::string>()) : expires.get<long long>();
  if (seconds <= 0) {
    throw std::invalid_argument("expires_in is not positive");
  }
  token.expires_in = std::chrono::seconds(seconds);
  return token;
}

EntraError parseEntraError(const Json& reply) {
  EntraError e;
  if (!reply.is_object()) {
    return e;
  }
  if (auto it = reply.find("error"); it != reply.end() && it->is_string()) {
    e.error = it->get<std::string>();
  }
  if (auto it = reply.find("error_codes");
      it != reply.end() && it->is_array() && !it->empty() && it->front().is_number_unsigned()) {
    e.aadsts = it->front().get<std::uint32_t>();
  } else if (auto d = reply.find("error_description"); d != reply.end() && d->is_string()) {
    // "AADSTS7000215: Invalid client secret provided. …"
    const std::string& text = d->get_ref<const std::string&>();
    if (text.rfind("AADSTS", 0) == 0) {
      try {
        e.aadsts = static_cast<std::uint32_t>(std::stoul(text.substr(6)));
      } catch (const std::exception&) {
        e.aadsts = 0;
      }
    }
  }
  for (const char* key : {"trace_id", "correlation_id"}) {
    if (auto it = reply.find(key); it != reply.end() && it->is_string()) {
      (std::string_view(key) == "trace_id" ? e.trace_id : e.correlation_id) =
          it->get<std::string>();
    }
  }
  return e;
}

EntraAdvice entraAdvice(const EntraError& error, long status, const AzureTokenConfig& config) {
  using net::ErrorKind;
  const std::string app = "the app registration client_id " + config.client_id;
  // The codes of https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes.
  switch (error.aadsts) {
    case 7000215:  // Invalid client secret provided
      return {ErrorKind::Auth, "the client secret was refused: check that client_secret_file " +
                                   config.client_secret_file +
                                   " holds a current secret's Value "
                                   "(not its Secret ID) of " +
                                   app};
    case 7000222:  // The provided client secret keys are expired
      return {ErrorKind::Auth, "the client secret has expired: create a new secret for " + app +
                                   " and write its Value to client_secret_file " +
                                   config.client_secret_file};
    case 700016:  // Application not found in the directory
      return {ErrorKind::Auth, "no application with client_id " + config.client_id +
                                   " in tenant_id " + config.tenant_id +
                                   ": check client_id and tenant_id"};
    case 90002:  // Tenant not found
      return {ErrorKind::Auth, "tenant_id " + config.tenant_id + " is not found at " +
                                   config.login_endpoint +
                                   ": check tenant_id and that login_endpoint is its cloud's"};
    case 900023:  // Specified tenant identifier is neither a valid DNS name nor a valid external
                  // domain
      return {ErrorKind::Auth,
              "tenant_id " + config.tenant_id + " is not a tenant's GUID or domain: check it"};
    case 7000112:  // Application is disabled
      return {ErrorKind::Auth, app + " is disabled in tenant_id " + config.tenant_id};
    case 500011:  // The resource principal was not found in the tenant
    case 70011:   // The provided value for the input parameter 'scope' is not valid
      return {ErrorKind::Auth, "the scope " + config.scope + " is unknown to tenant_id " +
                                   config.tenant_id +
                                   ": check that endpoint and login_endpoint are of one cloud"};
    case 53003:  // Access has been blocked by Conditional Access policies
      return {ErrorKind::Auth,
              "a Conditional Access policy of tenant_id " + config.tenant_id + " blocks " + app};
    case 70002:  // Error validating credentials
      return {ErrorKind::Auth, "the credentials of " + app +
                                   " were refused: check client_id and "
                                   "client_secret_file " +
                                   config.client_secret_file};
    default:
      break;
  }
  if (status == 429) {
    return {ErrorKind::RateLimited, "Entra ID throttles token requests"};
  }
  if (status >= 500 || error.error == "temporarily_unavailable") {
    return {ErrorKind::Transient, "Entra ID is unavailable"};
  }
  if (error.error == "invalid_client" || error.error == "unauthorized_client") {
    return {ErrorKind::Auth,
            "the client was refused: check client_id, tenant_id and "
            "client_secret_file " +
                config.client_secret_file};
  }
  return {status == 400 || status == 401 || status == 403 ? ErrorKind::Auth : ErrorKind::Permanent,
          "the token request was refused: check tenant_id, client_id and client_secret_file " +
              config.client_secret_file};
}

AzureTokenSource::AzureTokenSource(AzureTokenConfig config,
                                   std::shared_ptr<net::HttpTransport> transport,
                                   std::shared_ptr<const core::Clock> clock, std::string label)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      clock_(std::move(clock)),
      label_(std::move(label)),
      secret_(config_.client_secret_file, "Azure client secret file") {
  config_.login_endpoint = entraTrimmedBase(config_.login_endpoint);
}

net::Result<net::Secret> AzureTokenSource::token() {
  net::Secret secret = secret_.current();
  std::lock_guard lock(mutex_);
  if (token_ && fetched_with_.reveal() == secret.reveal() && clock_->now() < refresh_at_) {
    return *token_;
  }
  return fetch(secret);
}

void AzureTokenSource::invalidate(const net::Secret& refused) {
  std::lock_guard lock(mutex_);
  if (token_ && token_->reveal() == refused.reveal()) {
    token_.reset();
  }
}

net::Result<net::Secret> AzureTokenSource::fetch(const net::Secret& secret) {
  token_.reset();
  net::HttpRequest request = entraTokenRequest(config_, secret.reveal());
  net::Result<net::HttpResponse> sent = transport_->send(request);
  net::wipeString(request.body);
  const std::string what = label_ + ": token from " + config_.login_endpoint;
  if (auto* e = net::errorIn(sent)) {
    return net::Error{e->kind, what + ": " + e->message, e->retry_after};
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (response.status == 200) {
    try {
      EntraToken got = parseEntraToken(body);
      token_ = net::Secret(std::move(got.access_token));
      fetched_with_ = secret;
      refresh_at_ = clock_->now() + got.expires_in - entraRenewalMargin(got.expires_in);
      return *token_;
    } catch (const std::exception&) {
      return net::Error{net::ErrorKind::Permanent,
                        what + ": HTTP 200 without a usable access_token and expires_in",
                        std::nullopt};
    }
  }
  EntraError error = parseEntraError(body);
  EntraAdvice advice = entraAdvice(error, response.status, config_);
  std::string message = what + ": HTTP " + std::to_string(response.status);
  if (!error.error.empty()) {
    message += " " + net::quoteServerText(error.error);
  }
  if (error.aadsts != 0) {
    message += " AADSTS" + std::to_string(error.aadsts);
  }
  message += ": " + advice.text;
  if (!error.trace_id.empty()) {
    message += " (trace_id " + net::quoteServerText(error.trace_id) + ")";
  }
  return net::Error{
      advice.kind, std::move(message),
      advice.kind == net::ErrorKind::RateLimited ? net::retryAfterOf(response) : std::nullopt};
}

}  // namespace planb::providers
