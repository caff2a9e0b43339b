#include "providers/google_credentials.hpp"

#include <nlohmann/json.hpp>

#include "net/credential_file.hpp"
#include "net/url.hpp"

namespace planb::providers {

bool GoogleServiceAccount::operator==(const GoogleServiceAccount& other) const {
  return client_email == other.client_email && private_key_id == other.private_key_id &&
         private_key.reveal() == other.private_key.reveal() && token_uri == other.token_uri;
}

GoogleServiceAccount parseGoogleServiceAccount(const std::string& text, const std::string& path) {
  // No parse error text: nlohmann quotes the bytes around the error, which may be the key.
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    throw net::CredentialError(path + ": the Google credentials file is not a JSON object");
  }
  auto field = [&](const char* name, bool required) {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      if (required) {
        throw net::CredentialError(path + ": the Google credentials file has no \"" +
                                   std::string(name) + "\" string");
      }
      return std::string();
    }
    return it->get<std::string>();
  };
  std::string type = field("type", true);
  if (type != "service_account") {
    // An authorized_user file (gcloud auth application-default login) holds a user's refresh
    // token: planbd signs in as a service account only.
    throw net::CredentialError(path +
                               ": the Google credentials file is not a service-account key "
                               "(\"type\" must be \"service_account\")");
  }
  GoogleServiceAccount account;
  account.client_email = field("client_email", true);
  account.private_key_id = field("private_key_id", false);
  account.private_key = net::Secret(field("private_key", true));
  account.project_id = field("project_id", false);
  account.token_uri = field("token_uri", false);
  if (account.token_uri.empty()) {
    account.token_uri = "https://oauth2.googleapis.com/token";  // google-auth's default
  }
  std::string why;
  std::optional<net::HttpUrl> url = net::parseHttpUrl(account.token_uri, why);
  if (!url) {
    throw net::CredentialError(path + ": the Google credentials file's token_uri: " + why);
  }
  if (!url->tls() && !net::isLoopbackHost(url->host)) {
    throw net::CredentialError(path +
                               ": the Google credentials file's token_uri uses plain http:// to a "
                               "non-loopback address; the signed assertion must go over https://");
  }
  return account;
}

GoogleCredentials::GoogleCredentials(const std::string& path)
    : file_(path, "Google credentials file") {
  net::Secret text = file_.current();
  last_ = parseGoogleServiceAccount(text.reveal(), path);
  last_text_ = text.reveal();
}

GoogleCredentials::~GoogleCredentials() {
  net::wipeString(last_text_);
}

GoogleServiceAccount GoogleCredentials::current() {
  net::Secret text = file_.current();
  if (text.reveal() != last_text_) {
    try {
      last_ = parseGoogleServiceAccount(text.reveal(), file_.path());
      net::wipeString(last_text_);
      last_text_ = text.reveal();
    } catch (const net::CredentialError&) {
      // Half-written: the last good key stays until the file is whole again.
    }
  }
  return last_;
}

}  // namespace planb::providers
