// [[provider]] of every type: rfc2136 and the API providers (powerdns, cloudflare, route53, alidns)
// with their endpoint and ca_file, what each refuses and where it says so, and the ttl a record
// needs when its zone is on Cloudflare.

#include <doctest/doctest.h>

#include <algorithm>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::listed;
using testing::load;
using testing::onlyErrorOf;

const Environment kCredentials = {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};

// An rfc2136 provider, and one of each API type, with only its required keys.
constexpr std::string_view kRfc2136 = R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/k"
)";
constexpr std::string_view kPowerDns = R"([[provider]]
name = "pdns"
type = "powerdns"
api_url = "http://127.0.0.54:8081"
api_key_file = "/etc/planb/pdns.key"
)";
constexpr std::string_view kCloudflare = R"([[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "/etc/planb/cf.token"
)";
constexpr std::string_view kRoute53 = R"([[provider]]
name = "r53"
type = "route53"
access_key_id_file = "/etc/planb/aws.id"
secret_access_key_file = "/etc/planb/aws.secret"
)";
constexpr std::string_view kAlidns = R"([[provider]]
name = "ali"
type = "alidns"
access_key_id_file = "/etc/planb/ali.id"
access_key_secret_file = "/etc/planb/ali.secret"
)";

struct ApiTable {
  std::string_view type;
  std::string_view text;
};
const std::vector<ApiTable> kApiTables = {{"powerdns", kPowerDns},
                                          {"cloudflare", kCloudflare},
                                          {"route53", kRoute53},
                                          {"alidns", kAlidns}};

std::uint32_t linesOf(std::string_view text) {
  return static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n'));
}

// `table` with `key = value` (value as TOML) appended: the key is on line linesOf(table) + 1.
std::string withKey(std::string_view table, std::string_view key, std::string_view value) {
  return std::string(table) + std::string(key) + " = " + std::string(value) + "\n";
}

std::string tomlString(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

TEST_CASE("nameOf names every provider type as planb.toml writes it") {
  CHECK(nameOf(ProviderType::Rfc2136) == "rfc2136");
  CHECK(nameOf(ProviderType::PowerDns) == "powerdns");
  CHECK(nameOf(ProviderType::Cloudflare) == "cloudflare");
  CHECK(nameOf(ProviderType::Route53) == "route53");
  CHECK(nameOf(ProviderType::Alidns) == "alidns");
}

TEST_CASE("every provider type loads with all its keys, ${CREDENTIALS_DIRECTORY} expanded") {
  Config config = load(R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53:5353"
tsig_key_file = "${CREDENTIALS_DIRECTORY}/tsig"
[[provider]]
name = "pdns"
type = "powerdns"
api_url = "https://pdns.example.net:8443"
api_key_file = "${CREDENTIALS_DIRECTORY}/pdns_api_key"
server_id = "pdns-1"
endpoint = "https://pdns-gw.example.net"
ca_file = "${CREDENTIALS_DIRECTORY}/pdns-ca.pem"
[[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "${CREDENTIALS_DIRECTORY}/cloudflare_token"
zone_id = "023e105f4ecef8ad9ca31a8372d0c353"
endpoint = "http://127.0.0.1:8787/client/v4"
ca_file = "/etc/planb/cf-ca.pem"
[[provider]]
name = "r53"
type = "route53"
access_key_id_file = "${CREDENTIALS_DIRECTORY}/aws_access_key_id"
secret_access_key_file = "${CREDENTIALS_DIRECTORY}/aws_secret_access_key"
hosted_zone_id = "Z0123456789EXAMPLE"
endpoint = "https://route53.amazonaws.com.cn"
[[provider]]
name = "ali"
type = "alidns"
access_key_id_file = "${CREDENTIALS_DIRECTORY}/aliyun_access_key_id"
access_key_secret_file = "${CREDENTIALS_DIRECTORY}/aliyun_access_key_secret"
endpoint = "https://alidns.cn-hangzhou.aliyuncs.com/"
ca_file = "/etc/planb/ali-ca.pem"
[[zone]]
name = "example.com"
providers = ["ns1", "pdns", "cf", "r53", "ali"]
)",
                       kCredentials);
  const std::string dir = "/run/credentials/planbd.service/";
  REQUIRE(config.providers.size() == 5);

  const ProviderConfig& ns1 = config.providers[0];
  CHECK(ns1.type == ProviderType::Rfc2136);
  CHECK(ns1.rfc2136.server.str() == "192.0.2.53:5353");
  CHECK(ns1.rfc2136.tsig_key_file == dir + "tsig");
  CHECK_FALSE(ns1.endpoint.has_value());
  CHECK_FALSE(ns1.ca_file.has_value());
  CHECK(ns1.pos.line == 1);

  const ProviderConfig& pdns = config.providers[1];
  CHECK(pdns.name == "pdns");
  CHECK(pdns.type == ProviderType::PowerDns);
  CHECK(pdns.powerdns.api_url == "https://pdns.example.net:8443");
  CHECK(pdns.powerdns.api_key_file == dir + "pdns_api_key");
  CHECK(pdns.powerdns.server_id == "pdns-1");
  CHECK(pdns.endpoint == "https://pdns-gw.example.net");
  CHECK(pdns.ca_file == dir + "pdns-ca.pem");
  CHECK(pdns.pos.line == 6);

  const ProviderConfig& cf = config.providers[2];
  CHECK(cf.name == "cf");
  CHECK(cf.type == ProviderType::Cloudflare);
  CHECK(cf.cloudflare.api_token_file == dir + "cloudflare_token");
  CHECK(cf.cloudflare.zone_id == "023e105f4ecef8ad9ca31a8372d0c353");
  CHECK(cf.endpoint == "http://127.0.0.1:8787/client/v4");
  CHECK(cf.ca_file == "/etc/planb/cf-ca.pem");

  const ProviderConfig& r53 = config.providers[3];
  CHECK(r53.name == "r53");
  CHECK(r53.type == ProviderType::Route53);
  CHECK(r53.route53.access_key_id_file == dir + "aws_access_key_id");
  CHECK(r53.route53.secret_access_key_file == dir + "aws_secret_access_key");
  CHECK(r53.route53.hosted_zone_id == "Z0123456789EXAMPLE");
  CHECK(r53.endpoint == "https://route53.amazonaws.com.cn");
  CHECK_FALSE(r53.ca_file.has_value());

  const ProviderConfig& ali = config.providers[4];
  CHECK(ali.name == "ali");
  CHECK(ali.type == ProviderType::Alidns);
  CHECK(ali.alidns.access_key_id_file == dir + "aliyun_access_key_id");
  CHECK(ali.alidns.access_key_secret_file == dir + "aliyun_access_key_secret");
  CHECK(ali.endpoint == "https://alidns.cn-hangzhou.aliyuncs.com");  // trailing '/' dropped
  CHECK(ali.ca_file == "/etc/planb/ali-ca.pem");

  CHECK(config.zones.at(0).providers ==
        std::vector<std::string>{"ns1", "pdns", "cf", "r53", "ali"});
}

TEST_CASE("the optional keys of the API providers take their defaults") {
  Config config = load(std::string(kPowerDns) + std::string(kCloudflare) + std::string(kRoute53) +
                       std::string(kAlidns));
  REQUIRE(config.providers.size() == 4);
  CHECK(config.providers[0].powerdns.api_url == "http://127.0.0.54:8081");
  CHECK(config.providers[0].powerdns.api_key_file == "/etc/planb/pdns.key");
  CHECK(config.providers[0].powerdns.server_id == "localhost");
  CHECK_FALSE(config.providers[1].cloudflare.zone_id.has_value());
  CHECK_FALSE(config.providers[2].route53.hosted_zone_id.has_value());
  for (const ProviderConfig& provider : config.providers) {
    CAPTURE(provider.name);
    CHECK_FALSE(provider.endpoint.has_value());
    CHECK_FALSE(provider.ca_file.has_value());
  }
}

TEST_CASE("the required keys of each provider type are reported at its table's header") {
  checkErrors(errorsOf(R"([[provider]]
name = "pdns"
type = "powerdns"
[[provider]]
name = "cf"
type = "cloudflare"
[[provider]]
name = "r53"
type = "route53"
[[provider]]
name = "ali"
type = "alidns"
[[zone]]
name = "example.com"
providers = ["pdns", "cf", "r53", "ali"]
)"),
              {{1, 1, "provider[0].api_url", "required key is missing"},
               {1, 1, "provider[0].api_key_file", "required key is missing"},
               {4, 1, "provider[1].api_token_file", "required key is missing"},
               {7, 1, "provider[2].access_key_id_file", "required key is missing"},
               {7, 1, "provider[2].secret_access_key_file", "required key is missing"},
               {10, 1, "provider[3].access_key_id_file", "required key is missing"},
               {10, 1, "provider[3].access_key_secret_file", "required key is missing"}});
}

TEST_CASE("a secret written inline in an API provider is refused without echoing it") {
  const std::vector<ConfigError> errors = errorsOf(R"([[provider]]
name = "pdns"
type = "powerdns"
api_url = "http://127.0.0.54:8081"
api_key_file = "/k"
api_key = "pdns-secret-1"
[[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "/t"
api_token = "cf-secret-2"
token = "cf-secret-3"
[[provider]]
name = "r53"
type = "route53"
access_key_id_file = "/i"
secret_access_key_file = "/s"
access_key_id = "AKID-secret-4"
secret_access_key = "aws-secret-5"
[[provider]]
name = "ali"
type = "alidns"
access_key_id_file = "/i"
access_key_secret_file = "/s"
access_key_secret = "ali-secret-6"
password = "ali-secret-7"
)");
  auto inline_secret = [](std::string_view key) {
    return "secrets are never written inline: use " + std::string(key) + "_file = \"/path\"";
  };
  checkErrors(errors, {{6, 1, "provider[0].api_key", inline_secret("api_key")},
                       {11, 1, "provider[1].api_token", inline_secret("api_token")},
                       {12, 1, "provider[1].token", inline_secret("token")},
                       {18, 1, "provider[2].access_key_id", inline_secret("access_key_id")},
                       {19, 1, "provider[2].secret_access_key", inline_secret("secret_access_key")},
                       {25, 1, "provider[3].access_key_secret", inline_secret("access_key_secret")},
                       {26, 1, "provider[3].password", inline_secret("password")}});
  const std::string all = listed(errors);
  for (int i = 1; i <= 7; ++i) {
    CHECK(all.find("secret-" + std::to_string(i)) == std::string::npos);
  }
}

TEST_CASE("rfc2136 takes no endpoint or ca_file: they are unknown keys there") {
  checkErrors(errorsOf(R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/k"
endpoint = "https://192.0.2.53"
ca_file = "/etc/planb/ca.pem"
)"),
              {{6, 1, "provider[0].endpoint", "unknown key \"endpoint\""},
               {7, 1, "provider[0].ca_file", "unknown key \"ca_file\""}});
}

TEST_CASE("a key of another provider type is unknown, and a likely typo gets a suggestion") {
  checkErrors(
      errorsOf(std::string(kCloudflare) + R"(api_url = "https://api.example.net"
hosted_zone_id = "Z1"
zone_idd = "abc"
endpoitn = "https://api.example.net"
)"),
      {{5, 1, "provider[0].api_url", "unknown key \"api_url\""},
       {6, 1, "provider[0].hosted_zone_id", "unknown key \"hosted_zone_id\""},
       {7, 1, "provider[0].zone_idd", "unknown key \"zone_idd\" (did you mean \"zone_id\"?)"},
       {8, 1, "provider[0].endpoitn", "unknown key \"endpoitn\" (did you mean \"endpoint\"?)"}});
}

TEST_CASE("powerdns api_url is an http:// or https:// base URL, plain http only to loopback") {
  auto withUrl = [](std::string_view value) {
    std::string text = std::string(kPowerDns);
    text.replace(text.find("\"http://127.0.0.54:8081\""), 24, tomlString(value));
    return text;
  };
  auto loaded = [&](std::string_view value) {
    return load(withUrl(value)).providers.at(0).powerdns.api_url;
  };
  CHECK(loaded("http://127.0.0.54:8081") == "http://127.0.0.54:8081");
  CHECK(loaded("http://localhost:8081") == "http://localhost:8081");
  CHECK(loaded("http://[::1]:8081") == "http://[::1]:8081");
  CHECK(loaded("https://pdns.example.net") == "https://pdns.example.net");
  CHECK(loaded("https://192.0.2.54:8081") == "https://192.0.2.54:8081");
  CHECK(loaded("https://[2001:db8::54]:8081") == "https://[2001:db8::54]:8081");
  CHECK(loaded("https://gw.example.net/pdns/") == "https://gw.example.net/pdns");
  CHECK(loaded("HTTP://127.0.0.54:8081/") == "http://127.0.0.54:8081");
  // The X-API-Key would cross the network in clear.
  for (std::string_view url :
       {"http://192.0.2.54:8081", "http://pdns.example.net", "http://[2001:db8::54]:8081",
        "http://localhost.:8081", "http://localhost.example.net:8081"}) {
    CAPTURE(url);
    ConfigError error = onlyErrorOf(withUrl(url));
    CHECK(error.key_path == "provider[0].api_url");
    CHECK(error.message == "plain http:// is accepted only for loopback addresses; use https://");
  }
}

TEST_CASE("a bad powerdns api_url is reported at the key") {
  const std::string table = R"([[provider]]
name = "pdns"
type = "powerdns"
api_key_file = "/k"
)";
  const std::string usage = ": use http://host[:port][/path] or https://host[:port][/path]";
  struct Case {
    std::string value;  // as TOML
    std::string message;
  };
  const std::vector<Case> cases = {
      {"\"ftp://192.0.2.54\"", "bad url \"ftp://192.0.2.54\"" + usage},
      {"\"192.0.2.54:8081\"", "bad url \"192.0.2.54:8081\"" + usage},
      {"\"http://192.0.2.54:80810\"",
       "bad url \"http://192.0.2.54:80810\": the port must be a number from 1 to 65535"},
      {"\"http://pdns..example\"",
       "bad url \"http://pdns..example\": \"pdns..example\" is not a host name or IP address"},
      {"\"http://pdns example:8081\"",
       "bad url \"http://pdns example:8081\": spaces and control characters are not allowed"},
      {"\"http://192.0.2.54:8081/?api-key=x\"",
       "bad url: a base URL has no query (?…) or fragment (#…)"},
      {"\"http://192.0.2.54:8081#top\"", "bad url: a base URL has no query (?…) or fragment (#…)"},
      {"\"http://192.0.2.54:8081/api/v1\"",
       "the URL of the PowerDNS server is its base, without /api/v1: use "
       "\"http://192.0.2.54:8081\""},
      {"\"http://192.0.2.54:8081/api/v1/\"",
       "the URL of the PowerDNS server is its base, without /api/v1: use "
       "\"http://192.0.2.54:8081\""},
      {"\"\"", "must not be empty"},
      {"8081", "expected a string, got an integer"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.value);
    ConfigError error = onlyErrorOf(withKey(table, "api_url", c.value));
    CHECK(error.pos.line == 5);
    CHECK(error.pos.column == 1);
    CHECK(error.key_path == "provider[0].api_url");
    CHECK(error.message == c.message);
  }
}

TEST_CASE("credentials in a URL are refused without repeating them") {
  const std::string user_info =
      "bad url: user info (user:password@) is not accepted; credentials come only from *_file keys";
  const std::string query = "bad url: a base URL has no query (?…) or fragment (#…)";
  struct Case {
    std::string url;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"https://admin:pdns-pass@192.0.2.54", user_info},
      {"ftp://admin:pdns-pass@192.0.2.54:99999/", user_info},
      {"admin:pdns-pass@192.0.2.54", user_info},
      {"https://192.0.2.54:8081?api-key=pdns-pass", query},
      {"http://192.0.2.54:99999/?api-key=pdns-pass", query},
  };
  for (std::string_view key : {"api_url", "endpoint"}) {
    for (const Case& c : cases) {
      CAPTURE(key);
      CAPTURE(c.url);
      std::string text = std::string(kPowerDns);
      if (key == "api_url") {
        text.replace(text.find("\"http://127.0.0.54:8081\""), 24, tomlString(c.url));
      } else {
        text = withKey(text, key, tomlString(c.url));
      }
      ConfigError error = onlyErrorOf(text);
      CHECK(error.key_path == "provider[0]." + std::string(key));
      CHECK(error.message == c.message);
      CHECK(error.format().find("pdns-pass") == std::string::npos);
    }
  }
}

TEST_CASE("endpoint is accepted on every API provider, normalized") {
  for (const ApiTable& table : kApiTables) {
    CAPTURE(table.type);
    auto loaded = [&](std::string_view value) {
      return load(withKey(table.text, "endpoint", tomlString(value))).providers.at(0).endpoint;
    };
    CHECK(loaded("https://api.example.net") == "https://api.example.net");
    CHECK(loaded("https://api.example.net:8443/client/v4/") ==
          "https://api.example.net:8443/client/v4");
    CHECK(loaded("HTTPS://api.example.net/") == "https://api.example.net");
    CHECK(loaded("https://[2001:db8::1]/") == "https://[2001:db8::1]");
  }
}

TEST_CASE("a plain http:// endpoint is accepted only for loopback addresses") {
  const std::string refused = "plain http:// is accepted only for loopback addresses; use https://";
  for (const ApiTable& table : kApiTables) {
    CAPTURE(table.type);
    for (std::string_view loopback :
         {"http://127.0.0.1:8080", "http://127.8.9.10/v4", "http://[::1]:8443", "http://localhost",
          "http://LocalHost:9000/", "http://[0:0:0:0:0:0:0:1]"}) {
      CAPTURE(loopback);
      CHECK(errorsOf(withKey(table.text, "endpoint", tomlString(loopback))).empty());
    }
    for (std::string_view remote :
         {"http://192.0.2.1", "http://10.0.0.1:8080", "http://128.0.0.1", "http://0.0.0.0",
          "http://[2001:db8::1]", "http://[::ffff:127.0.0.1]", "http://localhost.example.com",
          "http://api.cloudflare.com/client/v4"}) {
      CAPTURE(remote);
      ConfigError error = onlyErrorOf(withKey(table.text, "endpoint", tomlString(remote)));
      CHECK(error.pos.line == linesOf(table.text) + 1);
      CHECK(error.pos.column == 1);
      CHECK(error.key_path == "provider[0].endpoint");
      CHECK(error.message == refused);
    }
  }
}

TEST_CASE("a bad endpoint is reported at the key") {
  const std::string usage = ": use https://host[:port][/path]";
  checkErrors(
      errorsOf(std::string(kCloudflare) + R"(endpoint = "api.cloudflare.com/client/v4"
[[provider]]
name = "r53"
type = "route53"
access_key_id_file = "/i"
secret_access_key_file = "/s"
endpoint = "https://route53.amazonaws.com.cn/#x"
[[provider]]
name = "ali"
type = "alidns"
access_key_id_file = "/i"
access_key_secret_file = "/s"
endpoint = ["https://alidns.aliyuncs.com"]
[[provider]]
name = "pdns"
type = "powerdns"
api_url = "http://127.0.0.54:8081"
api_key_file = "/k"
endpoint = "https://pdns-gw.example.net/api/v1"
)"),
      {{5, 1, "provider[0].endpoint", "bad url \"api.cloudflare.com/client/v4\"" + usage},
       {11, 1, "provider[1].endpoint", "bad url: a base URL has no query (?…) or fragment (#…)"},
       {17, 1, "provider[2].endpoint", "expected a string, got an array"},
       {23, 1, "provider[3].endpoint",
        "the URL of the PowerDNS server is its base, without /api/v1: use "
        "\"https://pdns-gw.example.net\""}});
}

TEST_CASE("ca_file is a path on every API provider, with ${CREDENTIALS_DIRECTORY} expanded") {
  for (const ApiTable& table : kApiTables) {
    CAPTURE(table.type);
    const std::uint32_t line = linesOf(table.text) + 1;
    Config config =
        load(withKey(table.text, "ca_file", "\"${CREDENTIALS_DIRECTORY}/ca.pem\""), kCredentials);
    CHECK(config.providers.at(0).ca_file == "/run/credentials/planbd.service/ca.pem");
    checkErrors(errorsOf(withKey(table.text, "ca_file", "\"${CREDENTIALS_DIRECTORY}/ca.pem\"")),
                {{line, 1, "provider[0].ca_file",
                  "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with "
                  "LoadCredential=)"}});
    checkErrors(errorsOf(withKey(table.text, "ca_file", "\"\"")),
                {{line, 1, "provider[0].ca_file", "must not be empty"}});
    checkErrors(errorsOf(withKey(table.text, "ca_file", "true")),
                {{line, 1, "provider[0].ca_file", "expected a string, got a boolean"}});
  }
}

TEST_CASE("the *_file keys of the API providers expand ${CREDENTIALS_DIRECTORY} or report it") {
  checkErrors(errorsOf(R"([[provider]]
name = "pdns"
type = "powerdns"
api_url = "http://127.0.0.54:8081"
api_key_file = "${HOME}/pdns.key"
[[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "${CREDENTIALS_DIRECTORY}/cf"
[[provider]]
name = "r53"
type = "route53"
access_key_id_file = 5
secret_access_key_file = ""
)"),
              {{5, 1, "provider[0].api_key_file",
                "only ${CREDENTIALS_DIRECTORY} is expanded in file paths"},
               {9, 1, "provider[1].api_token_file",
                "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with "
                "LoadCredential=)"},
               {13, 1, "provider[2].access_key_id_file", "expected a string, got an integer"},
               {14, 1, "provider[2].secret_access_key_file", "must not be empty"}});
}

TEST_CASE("server_id, zone_id and hosted_zone_id are plain ids") {
  SUBCASE("accepted, and a Route 53 id copied with its /hostedzone/ prefix loses it") {
    Config config = load(withKey(kPowerDns, "server_id", "\"pdns_1.a\"") +
                         withKey(kCloudflare, "zone_id", "\"023e105f4ecef8ad9ca31a8372d0c353\"") +
                         withKey(kRoute53, "hosted_zone_id", "\"/hostedzone/Z0123456789EXAMPLE\""));
    CHECK(config.providers.at(0).powerdns.server_id == "pdns_1.a");
    CHECK(config.providers.at(1).cloudflare.zone_id == "023e105f4ecef8ad9ca31a8372d0c353");
    CHECK(config.providers.at(2).route53.hosted_zone_id == "Z0123456789EXAMPLE");
  }
  SUBCASE("refused") {
    const std::string use = ": use letters, digits, '-', '_' and '.'";
    checkErrors(errorsOf(withKey(kPowerDns, "server_id", "\"local host\"") +
                         withKey(kCloudflare, "zone_id", "\"../zones\"") +
                         withKey(kRoute53, "hosted_zone_id", "\"/hostedzone/\"") +
                         withKey(kAlidns, "endpoint", "\"https://alidns.aliyuncs.com\"") +
                         "[[provider]]\nname = \"r53b\"\ntype = \"route53\"\n"
                         "access_key_id_file = \"/i\"\nsecret_access_key_file = \"/s\"\n"
                         "hosted_zone_id = \"hostedzone/Z1\"\n"),
                {{6, 1, "provider[0].server_id", "bad id \"local host\"" + use},
                 {11, 1, "provider[1].zone_id", "bad id \"../zones\"" + use},
                 {17, 1, "provider[2].hosted_zone_id", "bad id \"/hostedzone/\"" + use},
                 {29, 1, "provider[4].hosted_zone_id", "bad id \"hostedzone/Z1\"" + use}});
  }
}

TEST_CASE("every problem of the API providers is reported at once, in file order") {
  std::vector<ConfigError> errors = errorsOf(R"([[provider]]
name = "cf"
type = "cloudflare"
endpoint = "http://192.0.2.80"
api_key = "x"
[[provider]]
name = "cf"
type = "powerdns"
api_url = "ftp://x"
api_key_file = "/k"
ca_file = "${CREDENTIALS_DIRECTORY}/ca"
[[zone]]
name = "example.com"
providers = ["cf", "nope"]
)");
  INFO(listed(errors));
  REQUIRE(errors.size() == 7);
  CHECK(errors[0].key_path == "provider[0].api_token_file");
  CHECK(errors[1].key_path == "provider[0].endpoint");
  CHECK(errors[2].key_path == "provider[0].api_key");
  CHECK(errors[3].key_path == "provider[1].name");
  CHECK(errors[3].message == "duplicate provider name \"cf\" (first defined on line 2)");
  CHECK(errors[4].key_path == "provider[1].api_url");
  CHECK(errors[5].key_path == "provider[1].ca_file");
  CHECK(errors[6].key_path == "zone[0].providers[1]");
}

// A zone on Cloudflare (example.com, through "cf") and one that is not (example.net), and a target;
// records are appended from line kTtlBaseLines + 1.
constexpr std::string_view kTtlBase = R"([[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "/t"
[[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/k"
[[zone]]
name = "example.com"
providers = ["ns1", "cf"]
[[zone]]
name = "example.net"
providers = ["ns1"]
[[target]]
name = "aws"
vendor = "aws"
cname = "d111.cloudfront.net"
  [[target.probe]]
  name = "use1"
  type = "tcp"
  address = "192.0.2.10:443"
)";
const std::uint32_t kTtlBaseLines = linesOf(kTtlBase);

// A record of 5 lines, its ttl (as TOML, or none) on the last.
std::string record(std::string_view name, std::string_view zone, std::string_view ttl) {
  std::string text = "[[record]]\nname = \"" + std::string(name) + "\"\nzone = \"" +
                     std::string(zone) + "\"\ntargets = [\"aws\"]\n";
  return text + (ttl.empty() ? "# default ttl\n" : "ttl = " + std::string(ttl) + "\n");
}

TEST_CASE("a record in a zone on Cloudflare needs a ttl of at least 60") {
  const std::string on_cf = " (zone \"example.com.\" is on Cloudflare provider \"cf\")";
  const std::uint32_t first = kTtlBaseLines + 5;  // the ttl line of the first record
  checkErrors(errorsOf(std::string(kTtlBase) + record("a.example.com", "example.com", "1") +
                       record("b.example.com", "example.com", "30") +
                       record("c.example.com", "example.com", "59") +
                       record("d.example.com", "example.com", "60") +
                       record("e.example.com", "example.com", "") +
                       record("f.example.com", "example.com", "3600") +
                       record("www.example.net", "example.net", "1") +
                       record("api.example.net", "example.net", "30")),
              {{first, 1, "record[0].ttl",
                "Cloudflare reads ttl = 1 as \"auto\" (300 s), and planb needs a known short TTL "
                "for failover: use 60 or more" +
                    on_cf},
               {first + 5, 1, "record[1].ttl", "Cloudflare's minimum TTL is 60, got 30" + on_cf},
               {first + 10, 1, "record[2].ttl", "Cloudflare's minimum TTL is 60, got 59" + on_cf}});
}

TEST_CASE("the Cloudflare ttl rule adds no error to a ttl or zone already reported") {
  checkErrors(errorsOf(std::string(kTtlBase) + record("a.example.com", "example.com", "0") +
                       record("b.example.com", "example.com", "\"30\"") +
                       record("c.example.org", "example.org", "1")),
              {{kTtlBaseLines + 5, 1, "record[0].ttl", "must be between 1 and 86400, got 0"},
               {kTtlBaseLines + 10, 1, "record[1].ttl", "expected an integer, got a string"},
               {kTtlBaseLines + 13, 1, "record[2].zone", "undefined zone \"example.org.\""}});
}

TEST_CASE("the Cloudflare ttl rule holds whatever the order of the sections") {
  const std::string text = record("www.example.com", "example.com", "1") + R"([[zone]]
name = "example.com"
providers = ["ns1", "cf2", "cf1"]
[[target]]
name = "aws"
vendor = "aws"
cname = "d111.cloudfront.net"
  [[target.probe]]
  name = "use1"
  type = "tcp"
  address = "192.0.2.10:443"
[[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/k"
[[provider]]
name = "cf1"
type = "cloudflare"
api_token_file = "/t1"
[[provider]]
name = "cf2"
type = "cloudflare"
api_token_file = "/t2"
)";
  // Once per record, naming the zone's first Cloudflare provider.
  ConfigError error = onlyErrorOf(text);
  CHECK(error.pos.line == 5);
  CHECK(error.key_path == "record[0].ttl");
  CHECK(error.message ==
        "Cloudflare reads ttl = 1 as \"auto\" (300 s), and planb needs a known short TTL for "
        "failover: use 60 or more (zone \"example.com.\" is on Cloudflare provider \"cf2\")");
}

}  // namespace
}  // namespace planb::config

namespace planb::config {

TEST_CASE("max_requests_per_second is taken on every provider type, fractions too") {
  std::vector<std::string_view> tables = {kRfc2136};
  for (const ApiTable& table : kApiTables) {
    tables.push_back(table.text);
  }
  for (std::string_view table : tables) {
    CAPTURE(table);
    Config whole = load(withKey(table, "max_requests_per_second", "5"));
    REQUIRE(whole.providers.size() == 1);
    CHECK(whole.providers[0].max_requests_per_second == std::optional(5.0));
    Config fraction = load(withKey(table, "max_requests_per_second", "0.5"));
    CHECK(fraction.providers[0].max_requests_per_second == std::optional(0.5));
    CHECK_FALSE(load(std::string(table)).providers[0].max_requests_per_second.has_value());
  }
}

TEST_CASE("a max_requests_per_second that is not a positive number is reported at the key") {
  const std::uint32_t line = linesOf(kRoute53) + 1;
  checkErrors(errorsOf(withKey(kRoute53, "max_requests_per_second", "0")),
              {{line, 1, "provider[0].max_requests_per_second",
                "must be a positive number of requests per second, got 0"}});
  checkErrors(errorsOf(withKey(kRoute53, "max_requests_per_second", "-2.5")),
              {{line, 1, "provider[0].max_requests_per_second",
                "must be a positive number of requests per second, got -2.5"}});
  checkErrors(errorsOf(withKey(kRoute53, "max_requests_per_second", "nan")),
              {{line, 1, "provider[0].max_requests_per_second",
                "must be a positive number of requests per second, got nan"}});
  checkErrors(errorsOf(withKey(kRfc2136, "max_requests_per_second", "\"5\"")),
              {{linesOf(kRfc2136) + 1, 1, "provider[0].max_requests_per_second",
                "expected a number of requests per second, such as 5 or 0.5, got a string"}});
}

TEST_CASE("an alidns provider takes an optional security_token_file for STS credentials") {
  CHECK(load(std::string(kAlidns)).providers.at(0).alidns.security_token_file.empty());
  Config sts = load(withKey(kAlidns, "security_token_file",
                            tomlString("${CREDENTIALS_DIRECTORY}/aliyun_security_token")),
                    kCredentials);
  CHECK(sts.providers.at(0).alidns.security_token_file ==
        "/run/credentials/planbd.service/aliyun_security_token");
  const std::uint32_t line = linesOf(kAlidns) + 1;
  checkErrors(errorsOf(withKey(kAlidns, "security_token_file", "3")),
              {{line, 1, "provider[0].security_token_file", "expected a string, got an integer"}});
}

}  // namespace planb::config
