// [[provider]] of the types of product.md §12 added with issue 18 — dnspod, huaweicloud, google,
// azure and webhook: their keys, what each refuses and where it says so, and the vendor each
// shares fate with.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::listed;
using testing::load;

const Environment kCloudCredentials = {
    {"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};

constexpr std::string_view kEveryCloudType = R"toml([[provider]]
name = "dnspod"
type = "dnspod"
secret_id_file = "${CREDENTIALS_DIRECTORY}/tencent_secret_id"
secret_key_file = "${CREDENTIALS_DIRECTORY}/tencent_secret_key"
token_file = "${CREDENTIALS_DIRECTORY}/tencent_token"
endpoint = "https://dnspod.intl.tencentcloudapi.com"
[[provider]]
name = "huawei"
type = "huaweicloud"
access_key_id_file = "${CREDENTIALS_DIRECTORY}/huawei_ak"
secret_access_key_file = "${CREDENTIALS_DIRECTORY}/huawei_sk"
security_token_file = "${CREDENTIALS_DIRECTORY}/huawei_token"
region = "ap-southeast-1"
project_id = "0123456789abcdef0123456789abcdef"
[[provider]]
name = "gcp"
type = "google"
credentials_file = "${CREDENTIALS_DIRECTORY}/gcp_key.json"
project = "planb-dns-1"
managed_zone = "example-com"
[[provider]]
name = "az"
type = "azure"
tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"
client_id = "00000000-0000-0000-0000-000000000001"
client_secret_file = "${CREDENTIALS_DIRECTORY}/azure_client_secret"
subscription_id = "11111111-2222-3333-4444-555555555555"
resource_group = "dns-rg(prod)"
login_endpoint = "https://login.chinacloudapi.cn/"
endpoint = "https://management.chinacloudapi.cn"
[[provider]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:8888"
[[zone]]
name = "example.com"
providers = ["dnspod", "huawei", "gcp", "az", "hook"]
)toml";

TEST_CASE("nameOf names the cloud provider types as planb.toml writes them") {
  CHECK(nameOf(ProviderType::Dnspod) == "dnspod");
  CHECK(nameOf(ProviderType::HuaweiCloud) == "huaweicloud");
  CHECK(nameOf(ProviderType::Google) == "google");
  CHECK(nameOf(ProviderType::Azure) == "azure");
  CHECK(nameOf(ProviderType::Webhook) == "webhook");
}

TEST_CASE("dnspod, huaweicloud, google, azure and webhook load with all their keys") {
  Config config = load(kEveryCloudType, kCloudCredentials);
  const std::string dir = "/run/credentials/planbd.service/";
  REQUIRE(config.providers.size() == 5);

  const ProviderConfig& dnspod = config.providers[0];
  CHECK(dnspod.type == ProviderType::Dnspod);
  CHECK(dnspod.dnspod.secret_id_file == dir + "tencent_secret_id");
  CHECK(dnspod.dnspod.secret_key_file == dir + "tencent_secret_key");
  CHECK(dnspod.dnspod.token_file == dir + "tencent_token");
  CHECK(dnspod.endpoint == "https://dnspod.intl.tencentcloudapi.com");

  const ProviderConfig& huawei = config.providers[1];
  CHECK(huawei.type == ProviderType::HuaweiCloud);
  CHECK(huawei.huaweicloud.access_key_id_file == dir + "huawei_ak");
  CHECK(huawei.huaweicloud.secret_access_key_file == dir + "huawei_sk");
  CHECK(huawei.huaweicloud.security_token_file == dir + "huawei_token");
  CHECK(huawei.huaweicloud.region == "ap-southeast-1");
  CHECK(huawei.huaweicloud.project_id == "0123456789abcdef0123456789abcdef");

  const ProviderConfig& gcp = config.providers[2];
  CHECK(gcp.type == ProviderType::Google);
  CHECK(gcp.google.credentials_file == dir + "gcp_key.json");
  CHECK(gcp.google.project == "planb-dns-1");
  CHECK(gcp.google.managed_zone == "example-com");

  const ProviderConfig& az = config.providers[3];
  CHECK(az.type == ProviderType::Azure);
  CHECK(az.azure.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47");
  CHECK(az.azure.client_id == "00000000-0000-0000-0000-000000000001");
  CHECK(az.azure.client_secret_file == dir + "azure_client_secret");
  CHECK(az.azure.subscription_id == "11111111-2222-3333-4444-555555555555");
  CHECK(az.azure.resource_group == "dns-rg(prod)");
  CHECK(az.azure.login_endpoint == "https://login.chinacloudapi.cn");
  CHECK(az.endpoint == "https://management.chinacloudapi.cn");

  const ProviderConfig& hook = config.providers[4];
  CHECK(hook.type == ProviderType::Webhook);
  CHECK(hook.webhook.url == "http://127.0.0.1:8888");
}

TEST_CASE("the optional keys of the cloud provider types are empty when left out") {
  Config config = load(R"([[provider]]
name = "dnspod"
type = "dnspod"
secret_id_file = "/i"
secret_key_file = "/k"
[[provider]]
name = "huawei"
type = "huaweicloud"
access_key_id_file = "/i"
secret_access_key_file = "/s"
region = "cn-north-4"
[[provider]]
name = "gcp"
type = "google"
credentials_file = "/key.json"
project = "p"
[[provider]]
name = "az"
type = "azure"
tenant_id = "contoso.onmicrosoft.com"
client_id = "c"
client_secret_file = "/s"
subscription_id = "s"
resource_group = "rg"
)");
  REQUIRE(config.providers.size() == 4);
  CHECK(config.providers[0].dnspod.token_file.empty());
  CHECK(config.providers[1].huaweicloud.security_token_file.empty());
  CHECK(config.providers[1].huaweicloud.project_id.empty());
  CHECK_FALSE(config.providers[2].google.managed_zone.has_value());
  CHECK(config.providers[3].azure.tenant_id == "contoso.onmicrosoft.com");
  CHECK_FALSE(config.providers[3].azure.login_endpoint.has_value());
}

TEST_CASE("the required keys of the cloud provider types are reported at their table's header") {
  checkErrors(errorsOf(R"([[provider]]
name = "dnspod"
type = "dnspod"
[[provider]]
name = "huawei"
type = "huaweicloud"
[[provider]]
name = "gcp"
type = "google"
[[provider]]
name = "az"
type = "azure"
[[provider]]
name = "hook"
type = "webhook"
)"),
              {{1, 1, "provider[0].secret_id_file", "required key is missing"},
               {1, 1, "provider[0].secret_key_file", "required key is missing"},
               {4, 1, "provider[1].access_key_id_file", "required key is missing"},
               {4, 1, "provider[1].secret_access_key_file", "required key is missing"},
               {4, 1, "provider[1].region", "required key is missing"},
               {7, 1, "provider[2].credentials_file", "required key is missing"},
               {7, 1, "provider[2].project", "required key is missing"},
               {10, 1, "provider[3].tenant_id", "required key is missing"},
               {10, 1, "provider[3].client_id", "required key is missing"},
               {10, 1, "provider[3].subscription_id", "required key is missing"},
               {10, 1, "provider[3].client_secret_file", "required key is missing"},
               {10, 1, "provider[3].resource_group", "required key is missing"},
               {13, 1, "provider[4].url", "required key is missing"}});
}

TEST_CASE("a secret written inline in a cloud provider is refused without echoing it") {
  const std::vector<ConfigError> errors = errorsOf(R"([[provider]]
name = "dnspod"
type = "dnspod"
secret_id_file = "/i"
secret_key_file = "/k"
secret_key = "tencent-secret-1"
[[provider]]
name = "az"
type = "azure"
tenant_id = "t"
client_id = "c"
client_secret_file = "/s"
client_secret = "azure-secret-2"
subscription_id = "s"
resource_group = "rg"
)");
  auto inline_secret = [](std::string_view key) {
    return "secrets are never written inline: use " + std::string(key) + "_file = \"/path\"";
  };
  checkErrors(errors, {{6, 1, "provider[0].secret_key", inline_secret("secret_key")},
                       {13, 1, "provider[1].client_secret", inline_secret("client_secret")}});
  CHECK(listed(errors).find("-secret-") == std::string::npos);
}

TEST_CASE("a webhook provider is reached on loopback or a Unix socket and nowhere else") {
  auto hook = [](std::string_view url) {
    return "[[provider]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" + std::string(url) +
           "\"\n";
  };
  CHECK(load(hook("http://localhost:8888/")).providers.at(0).webhook.url ==
        "http://localhost:8888");
  CHECK(load(hook("http://[::1]:8888")).providers.at(0).webhook.url == "http://[::1]:8888");
  CHECK(load(hook("unix:/run/planb/webhook.sock")).providers.at(0).webhook.url ==
        "unix:/run/planb/webhook.sock");
  const std::string elsewhere =
      "a webhook provider runs beside planbd: use a loopback address (http://127.0.0.1:PORT) or "
      "a Unix socket (unix:/path)";
  checkErrors(errorsOf(hook("http://192.0.2.80:8888")), {{4, 1, "provider[0].url", elsewhere}});
  checkErrors(errorsOf(hook("https://webhook.example.net")),
              {{4, 1, "provider[0].url", elsewhere}});
  checkErrors(errorsOf(hook("unix:run/webhook.sock")),
              {{4, 1, "provider[0].url",
                "bad url \"unix:run/webhook.sock\": a Unix socket is written "
                "unix:/absolute/path/to/socket"}});
}

TEST_CASE("a webhook provider takes no endpoint or ca_file: its url is its whole address") {
  checkErrors(errorsOf(R"([[provider]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:8888"
endpoint = "http://127.0.0.1:8889"
ca_file = "/etc/planb/ca.pem"
)"),
              {{5, 1, "provider[0].endpoint", "unknown key \"endpoint\""},
               {6, 1, "provider[0].ca_file", "unknown key \"ca_file\""}});
}

TEST_CASE("a bad huaweicloud region or azure resource group is reported at the key") {
  checkErrors(errorsOf(R"([[provider]]
name = "huawei"
type = "huaweicloud"
access_key_id_file = "/i"
secret_access_key_file = "/s"
region = "ap southeast 1"
[[provider]]
name = "az"
type = "azure"
tenant_id = "t"
client_id = "c"
client_secret_file = "/s"
subscription_id = "s/../other"
resource_group = "rg."
login_endpoint = "http://login.example.net"
)"),
              {{6, 1, "provider[0].region",
                "bad region \"ap southeast 1\": use a Huawei Cloud region name such as "
                "\"ap-southeast-1\""},
               {13, 1, "provider[1].subscription_id",
                "bad id \"s/../other\": use letters, digits, '-', '_' and '.'"},
               {14, 1, "provider[1].resource_group",
                "bad resource group \"rg.\": use letters, digits, '_', '-', '.', '(' and ')', not "
                "ending in '.'"},
               {15, 1, "provider[1].login_endpoint",
                "plain http:// is accepted only for loopback addresses; use https://"}});
}

TEST_CASE("each cloud provider type shares fate with its vendor; a webhook with none") {
  Config config = load(kEveryCloudType, kCloudCredentials);
  CHECK(vendorOf(*config.provider("dnspod")) == "tencent");
  CHECK(vendorOf(*config.provider("huawei")) == "huawei");
  CHECK(vendorOf(*config.provider("gcp")) == "google");
  CHECK(vendorOf(*config.provider("az")) == "azure");
  CHECK(vendorOf(*config.provider("hook")).empty());
}

}  // namespace
}  // namespace planb::config
