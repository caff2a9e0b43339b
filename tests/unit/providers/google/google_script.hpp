#pragma once
// Google's token endpoint and Cloud DNS API as a scripted transport: every token request's JWT is
// verified (RS256 with the RFC 7515 A.2 public key, iss, aud, scope, iat/exp on the test's clock),
// every API request must carry the last token issued, and the API itself is the test's handler.

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "fakes/manual_clock.hpp"
#include "fakes/rfc7515_key.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/google_jwt.hpp"
#include "providers/google_provider.hpp"

namespace planb::testing {

inline const std::string kGoogleTokenUri = "https://oauth2.test/token";
inline const std::string kGoogleEndpoint = "https://dns.test/dns/v1";
inline const std::string kGoogleEmail = "planb@unit-project.iam.gserviceaccount.com";
inline const std::string kGoogleApiPrefix = kGoogleEndpoint + "/projects/unit-project";

inline void writeGoogleKeyFile(const std::string& path, const std::string& token_uri,
                               const std::string& email = kGoogleEmail,
                               const std::string& type = "service_account") {
  nlohmann::json key{{"type", type},
                     {"project_id", "unit-project"},
                     {"private_key_id", "0123456789abcdef"},
                     {"private_key", kRfc7515A2PrivatePem},
                     {"client_email", email},
                     {"token_uri", token_uri}};
  std::ofstream(path) << key.dump(2);
  ::chmod(path.c_str(), 0600);
}

// The string a form field has in BODY (percent-decoding only what the assertion and grant use).
inline std::string googleFormField(const std::string& body, const std::string& key) {
  auto at = body.find(key + "=");
  if (at == std::string::npos) {
    return {};
  }
  auto end = body.find('&', at);
  std::string value =
      body.substr(at + key.size() + 1, end == std::string::npos ? end : end - at - key.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      out += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

struct GoogleScript {
  using Api = std::function<net::HttpResponse(const net::HttpRequest&, const std::string& path)>;

  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  TempDir dir;
  std::string key_file = dir.path() + "/service-account.json";
  int tokens_issued = 0;
  std::string token;        // the last issued
  std::string token_error;  // set: the token endpoint refuses with this body (HTTP 400)
  std::vector<std::string> assertion_problems;
  Api api = [](const net::HttpRequest&, const std::string&) { return reply(500, "{}"); };

  GoogleScript() {
    writeGoogleKeyFile(key_file, kGoogleTokenUri);
    transport->answer([this](const net::HttpRequest& r) -> net::Result<net::HttpResponse> {
      if (r.url == kGoogleTokenUri) {
        return tokenReply(r);
      }
      std::string auth;
      for (const auto& header : r.headers) {
        if (header.first == "Authorization") {
          auth = header.second;
        }
      }
      if (token.empty() || auth != "Bearer " + token) {
        return reply(
            401,
            R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError"}],"status":"UNAUTHENTICATED"}})");
      }
      if (r.url.rfind(kGoogleApiPrefix, 0) != 0) {
        return reply(404, "{}");
      }
      return api(r, r.url.substr(kGoogleApiPrefix.size()));
    });
  }

  net::HttpResponse tokenReply(const net::HttpRequest& r) {
    if (googleFormField(r.body, "grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      assertion_problems.push_back("grant_type");
    }
    std::string jwt = googleFormField(r.body, "assertion");
    auto first = jwt.find('.');
    auto second = jwt.find('.', first + 1);
    auto claims = nlohmann::json::parse(
        net::base64UrlDecode(jwt.substr(first + 1, second - first - 1)).value_or("{}"));
    auto signature = net::base64UrlDecode(jwt.substr(second + 1)).value_or("");
    if (!net::rs256Verify(jwt.substr(0, second), signature, kRfc7515A2PublicPem)) {
      assertion_problems.push_back("signature");
    }
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock->wallNow().time_since_epoch())
                   .count();
    if (claims.value("iss", "") != kGoogleEmail)
      assertion_problems.push_back("iss");
    if (claims.value("aud", "") != kGoogleTokenUri)
      assertion_problems.push_back("aud");
    if (claims.value("scope", "") != "https://www.googleapis.com/auth/ndev.clouddns.readwrite")
      assertion_problems.push_back("scope");
    if (claims.value("iat", 0LL) != now)
      assertion_problems.push_back("iat");
    if (claims.value("exp", 0LL) - claims.value("iat", 0LL) > 3600 ||
        claims.value("exp", 0LL) <= now)
      assertion_problems.push_back("exp");
    if (!token_error.empty()) {
      return reply(400, token_error);
    }
    ++tokens_issued;
    token = "ya29.unit-token-" + std::to_string(tokens_issued);
    return reply(
        200, nlohmann::json{{"access_token", token}, {"expires_in", 3599}, {"token_type", "Bearer"}}
                 .dump());
  }

  providers::GoogleConfig config(std::optional<std::string> managed_zone = "example-com") const {
    return {"gdns", {key_file, "unit-project", std::move(managed_zone)}, kGoogleEndpoint};
  }

  providers::GoogleOptions options() const {
    providers::GoogleOptions o;
    o.ceiling = std::make_shared<providers::RequestCeiling>(providers::CeilingRate{1e6, 1e6},
                                                            std::chrono::milliseconds(0), clock);
    return o;
  }

  std::unique_ptr<providers::GoogleProvider> provider(
      std::optional<std::string> managed_zone = "example-com") const {
    return std::make_unique<providers::GoogleProvider>(config(std::move(managed_zone)), transport,
                                                       clock, options());
  }

  // The API requests sent (token requests left out).
  std::vector<net::HttpRequest> apiRequests() const {
    std::vector<net::HttpRequest> out;
    for (const auto& r : transport->requests) {
      if (r.url != kGoogleTokenUri) {
        out.push_back(r);
      }
    }
    return out;
  }
};

inline nlohmann::json googleRrset(const std::string& name, const std::string& type,
                                  const std::string& data, int ttl = 300) {
  return {{"kind", "dns#resourceRecordSet"},
          {"name", name},
          {"type", type},
          {"ttl", ttl},
          {"rrdatas", nlohmann::json::array({data})}};
}

inline nlohmann::json googleListing(const nlohmann::json& rrsets,
                                    const std::string& next_page_token = "") {
  nlohmann::json reply{{"kind", "dns#resourceRecordSetsListResponse"}, {"rrsets", rrsets}};
  if (!next_page_token.empty()) {
    reply["nextPageToken"] = next_page_token;
  }
  return reply;
}

inline std::string googleErrorBody(int code, const std::string& reason, const std::string& message,
                                   const std::string& status) {
  return nlohmann::json{
      {"error",
       {{"code", code},
        {"message", message},
        {"errors",
         nlohmann::json::array({{{"message", message}, {"domain", "global"}, {"reason", reason}}})},
        {"status", status}}}}
      .dump();
}

}  // namespace planb::testing
