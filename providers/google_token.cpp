#include "providers/google_token.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "net/google_jwt.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "net/url.hpp"

namespace planb::providers {

ErrorKind googleTokenErrorKind(std::string_view error, long status) {
  if (status == 429) {
    return ErrorKind::RateLimited;
  }
  if (status >= 500) {
    return ErrorKind::Transient;
  }
  if (error == "invalid_grant" || error == "invalid_client" || error == "unauthorized_client" ||
      status == 401 || status == 403) {
    return ErrorKind::Auth;
  }
  return ErrorKind::Permanent;
}

GoogleTokenSource::GoogleTokenSource(std::shared_ptr<GoogleCredentials> credentials,
                                     std::shared_ptr<net::HttpTransport> transport,
                                     std::shared_ptr<const core::Clock> clock)
    : credentials_(std::move(credentials)),
      transport_(std::move(transport)),
      clock_(std::move(clock)) {
  if (!credentials_ || !transport_ || !clock_) {
    throw std::invalid_argument("Google token source needs credentials, a transport and a clock");
  }
}

void GoogleTokenSource::invalidate() {
  std::lock_guard lock(mutex_);
  token_.reset();
}

Result<net::Secret> GoogleTokenSource::token() {
  GoogleServiceAccount account = credentials_->current();
  std::lock_guard lock(mutex_);
  if (token_ && account_ && *account_ == account && clock_->now() < renew_at_) {
    return *token_;
  }
  token_.reset();
  return fetch(account);
}

Result<net::Secret> GoogleTokenSource::fetch(const GoogleServiceAccount& account) {
  const std::string file = "check credentials_file " + credentials_->path();
  std::string where = "Google token endpoint " + net::redactUrl(account.token_uri);
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->wallNow().time_since_epoch())
          .count();
  net::GoogleJwtClaims claims{account.client_email, std::string(kGoogleDnsScope), account.token_uri,
                              seconds, seconds + kGoogleAssertionLifetime.count()};
  std::optional<std::string> assertion =
      net::signGoogleJwt(claims, account.private_key_id, account.private_key.reveal());
  if (!assertion) {
    return ProviderError{ErrorKind::Auth,
                         where + ": the private_key is not a usable RSA key (PEM); " + file,
                         std::nullopt};
  }
  net::HttpRequest request;
  request.method = "POST";
  request.url = account.token_uri;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = "grant_type=" + net::percentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                 "&assertion=" + *assertion;
  net::wipeString(*assertion);
  Result<net::HttpResponse> sent = transport_->send(request);
  net::wipeString(request.body);
  if (auto* failed = errorIn(sent)) {
    return ProviderError{failed->kind, where + ": " + failed->message, failed->retry_after};
  }
  net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  std::string status = "HTTP " + std::to_string(response.status);
  if (response.status == 200 && body.is_object()) {
    auto token = body.find("access_token");
    auto expires = body.find("expires_in");
    if (token != body.end() && token->is_string() &&
        !token->get_ref<const std::string&>().empty()) {
      // expires_in is a number of seconds (RFC 6749 §5.1); absent, an hour as Google grants.
      long long lifetime = expires != body.end() && expires->is_number_integer()
                               ? expires->get<long long>()
                               : kGoogleAssertionLifetime.count();
      auto keep = std::chrono::seconds(lifetime) - kGoogleTokenMargin;
      renew_at_ = clock_->now() + std::max(keep, std::chrono::seconds(0));
      token_ = net::Secret(token->get<std::string>());
      net::wipeString(token->get_ref<std::string&>());
      net::wipeString(response.body);
      account_ = account;
      return *token_;
    }
    net::wipeString(response.body);
    return ProviderError{ErrorKind::Permanent,
                         where + ": " + status + ": the reply has no access_token", std::nullopt};
  }
  net::wipeString(response.body);
  std::string code;
  std::string description;
  if (body.is_object()) {
    if (auto e = body.find("error"); e != body.end() && e->is_string()) {
      code = e->get<std::string>();
    }
    if (auto d = body.find("error_description"); d != body.end() && d->is_string()) {
      description = d->get<std::string>();
    }
  }
  ErrorKind kind = googleTokenErrorKind(code, response.status);
  std::string message = where + ": " + status;
  if (!code.empty()) {
    message += " " + net::quoteServerText(code);
  }
  if (!description.empty()) {
    message += ": " + net::quoteServerText(description);
  }
  if (!body.is_object()) {
    message += ": the reply is not a JSON object";
  }
  if (kind == ErrorKind::Auth) {
    message +=
        "; the service account's key may be deleted or disabled, or this host's clock "
        "wrong: " +
        file;
  }
  return ProviderError{kind, message, net::retryAfterOf(response)};
}

}  // namespace planb::providers
