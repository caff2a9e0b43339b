// How Cloudflare refuses a credential, and what planb tells the operator: every refusal is an Auth
// error that names api_token_file to check, and never the token.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;

namespace {

const std::string kToken = "cf-auth-token-SECRET";

struct Case {
  const char* what;
  long status;
  std::string body;
};

// Replies as the real API gave them (sources in tests/conformance/cloudflare/).
const std::vector<Case> kRefusals = {
    // github:jeessy2/ddns-go issue 916: a bearer token that is not one.
    {"malformed token (6003, 6111)", 400,
     R"({"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}],"messages":[],"result":null})"},
    // github:NewFuture/DDNS issue 78: the same for an API key header.
    {"malformed key (6003, 6103)", 400,
     R"({"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6103,"message":"Invalid format for X-Auth-Key header"}]}],"messages":[],"result":null})"},
    // github:cloudflare/cloudflare-python issue 2678.
    {"no credential (9106)", 400,
     R"({"success":false,"errors":[{"code":9106,"message":"Missing X-Auth-Key, X-Auth-Email or Authorization headers"}]})"},
    // github:cloudflare/cloudflare-docs issue 13405.
    {"wrong token (10000)", 403,
     R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}]})"},
    // github:favonia/cloudflare-ddns internal/api/cloudflare_test.go.
    {"token without the permission (9109)", 403,
     R"({"success":false,"errors":[{"code":9109,"message":"Unauthorized to access requested resource"}],"messages":[],"result":null})"},
    {"invalid token (1000)", 401,
     R"({"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null})"},
};

}  // namespace

TEST_CASE("a refused or malformed token is an Auth error telling to check api_token_file") {
  TempDir dir;
  std::string path = dir.path() + "/cf.token";
  std::ofstream(path) << kToken << "\n";
  ::chmod(path.c_str(), 0600);
  CloudflareConfig config;
  config.name = "cf";
  config.settings.api_token_file = path;
  config.settings.zone_id = "023e105f4ecef8ad9ca31a8372d0c353";
  config.endpoint = "https://api.cloudflare.test/client/v4";
  for (const Case& c : kRefusals) {
    CAPTURE(c.what);
    auto transport = std::make_shared<ScriptedTransport>();
    transport->answer(
        [&](const HttpRequest&) { return Result<HttpResponse>(reply(c.status, c.body)); });
    CloudflareProvider provider(config, transport, std::make_shared<ManualClock>());
    Result<ServedRecord> read = provider.read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<ProviderError>(read));
    const ProviderError& e = std::get<ProviderError>(read);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK_FALSE(e.retriable());
    CHECK(e.message.find("api_token_file " + path) != std::string::npos);
    CHECK(e.message.find(kToken) == std::string::npos);
  }
}

TEST_CASE(
    "a malformed token is told apart from a refused one: the file must hold the token alone") {
  TempDir dir;
  std::string path = dir.path() + "/cf.token";
  std::ofstream(path) << kToken << "\n";
  ::chmod(path.c_str(), 0600);
  CloudflareConfig config;
  config.name = "cf";
  config.settings.api_token_file = path;
  config.settings.zone_id = "023e105f4ecef8ad9ca31a8372d0c353";
  config.endpoint = "https://api.cloudflare.test/client/v4";
  auto transport = std::make_shared<ScriptedTransport>();
  transport->answer(
      [&](const HttpRequest&) { return Result<HttpResponse>(reply(400, kRefusals[0].body)); });
  CloudflareProvider provider(config, transport, std::make_shared<ManualClock>());
  Result<ServedRecord> read = provider.read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ProviderError>(read));
  const std::string& message = std::get<ProviderError>(read).message;
  CHECK(message.find("6111") != std::string::npos);
  CHECK(message.find("Invalid format for Authorization header") != std::string::npos);
  CHECK(message.find("malformed") != std::string::npos);
}

TEST_CASE("a token file rewritten with a new token is used from the next request on") {
  TempDir dir;
  std::string path = dir.path() + "/cf.token";
  std::ofstream(path) << kToken << "\n";
  ::chmod(path.c_str(), 0600);
  CloudflareConfig config;
  config.name = "cf";
  config.settings.api_token_file = path;
  config.settings.zone_id = "023e105f4ecef8ad9ca31a8372d0c353";
  config.endpoint = "https://api.cloudflare.test/client/v4";
  auto transport = std::make_shared<ScriptedTransport>();
  transport->answer([](const HttpRequest& request) {
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization" && value == "Bearer rotated-token-2") {
        return Result<HttpResponse>(reply(
            200, R"({"success":true,"errors":[],"messages":[],"result":[],"result_info":{}})"));
      }
    }
    return Result<HttpResponse>(reply(
        403, R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}]})"));
  });
  CloudflareProvider provider(config, transport, std::make_shared<ManualClock>());
  CHECK(std::holds_alternative<ProviderError>(provider.read({"example.com.", "www.example.com."})));

  std::ofstream(path, std::ios::trunc) << "rotated-token-2\n";  // an agent renewed the token
  Result<ServedRecord> read = provider.read({"example.com.", "www.example.com."});
  CHECK(std::holds_alternative<ServedRecord>(read));

  SUBCASE("a rewrite that leaves the file readable by others keeps the token and says why") {
    ::chmod(path.c_str(), 0644);
    std::ofstream(path, std::ios::trunc) << kToken << "\n";
    CHECK(std::holds_alternative<ServedRecord>(provider.read({"example.com.", "x.example.com."})));
    ::chmod(path.c_str(), 0600);
    std::ofstream(path, std::ios::trunc) << "\"" << kToken << "\"\n";  // pasted with quotes
    ::chmod(path.c_str(), 0644);
    transport->answer([](const HttpRequest&) {
      return Result<HttpResponse>(reply(
          403, R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}]})"));
    });
    Result<ServedRecord> refused = provider.read({"example.com.", "www.example.com."});
    REQUIRE(std::holds_alternative<ProviderError>(refused));
    CHECK(std::get<ProviderError>(refused).message.find("was not read again") != std::string::npos);
    CHECK(std::get<ProviderError>(refused).message.find(kToken) == std::string::npos);
  }
}
