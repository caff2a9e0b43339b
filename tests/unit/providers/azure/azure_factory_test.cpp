// planbd's factory builds type = "azure" from its [[provider]] keys, behind ARM's ceiling, shared
// by every provider acting as the same service principal on the same subscription.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "fakes/temp_dir.hpp"
#include "provider_factory.hpp"

using planb::config::ProviderConfig;
using planb::config::ProviderType;

namespace {

ProviderConfig azureProviderConfig(const std::string& secret_file) {
  ProviderConfig config;
  config.name = "az";
  config.type = ProviderType::Azure;
  config.azure.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  config.azure.client_id = "00000000-0000-0000-0000-000000000001";
  config.azure.client_secret_file = secret_file;
  config.azure.subscription_id = "11111111-2222-3333-4444-555555555555";
  config.azure.resource_group = "rg-dns";
  return config;
}

}  // namespace

TEST_CASE("the factory builds an azure provider, with ARM's write refill rate as its ceiling") {
  planb::testing::TempDir dir;
  std::string secret = dir.path() + "/azure_client_secret";
  std::ofstream(secret) << "factory-secret\n";
  ::chmod(secret.c_str(), 0600);
  ProviderConfig config = azureProviderConfig(secret);
  auto provider = planb::providers::makeProvider(config);
  REQUIRE(provider);
  CHECK(provider->type() == "azure");
  CHECK(provider->capabilities().compare_and_swap);
  CHECK(planb::providers::ceilingRateOf(config).per_second == 10);
  CHECK(planb::providers::ceilingRateOf(config).burst == 10);
}

TEST_CASE("azure providers of one principal and subscription share a ceiling, others do not") {
  ProviderConfig one = azureProviderConfig("/etc/planb/a");
  ProviderConfig two = one;
  two.name = "az-second-zone";
  two.azure.client_secret_file = "/etc/planb/b";  // the same principal, whatever the file
  ProviderConfig other_subscription = one;
  other_subscription.azure.subscription_id = "99999999-2222-3333-4444-555555555555";
  auto first = planb::providers::apiCeilingOf(one);
  CHECK(planb::providers::apiCeilingOf(two) == first);
  CHECK(planb::providers::apiCeilingOf(other_subscription) != first);
}

TEST_CASE("a missing client secret file stops the azure provider at start") {
  ProviderConfig config = azureProviderConfig("/nonexistent/planb/azure_client_secret");
  auto error = planb::providers::checkProvider(config);
  REQUIRE(error.has_value());
  CHECK(error->find("/nonexistent/planb/azure_client_secret") != std::string::npos);
}
