// The request ceiling planbd builds each provider with: the type's documented default, or the
// [[provider]]'s max_requests_per_second instead.

#include <doctest/doctest.h>

#include "provider_factory.hpp"

using planb::config::ProviderConfig;
using planb::config::ProviderType;
using planb::providers::ceilingRateOf;

TEST_CASE("each provider type's ceiling defaults to its documented limit") {
  ProviderConfig config;
  config.type = ProviderType::Route53;
  CHECK(ceilingRateOf(config).per_second == 5);
  config.type = ProviderType::Cloudflare;
  CHECK(ceilingRateOf(config).per_second * 300 == doctest::Approx(1200));
  CHECK(ceilingRateOf(config).burst == 1200);
  config.type = ProviderType::Alidns;
  CHECK(ceilingRateOf(config).per_second == 55);  // 60 documented, less the burst and jitter
  config.type = ProviderType::Rfc2136;
  CHECK(ceilingRateOf(config).per_second == 100);
  config.type = ProviderType::PowerDns;
  CHECK(ceilingRateOf(config).per_second == 100);
}

TEST_CASE("max_requests_per_second replaces the type's default, one at a time") {
  ProviderConfig config;
  config.type = ProviderType::Cloudflare;
  config.max_requests_per_second = 0.5;
  CHECK(ceilingRateOf(config).per_second == 0.5);
  CHECK(ceilingRateOf(config).burst == 1);
}

TEST_CASE("providers of one type on the same credentials share one ceiling, as the account does") {
  ProviderConfig one;
  one.type = ProviderType::Route53;
  one.route53.access_key_id_file = "/etc/planb/aws-key-id";
  ProviderConfig two = one;
  two.name = "route53-second-zone";
  ProviderConfig other_account = one;
  other_account.route53.access_key_id_file = "/etc/planb/other-aws-key-id";

  auto first = planb::providers::apiCeilingOf(one);
  CHECK(planb::providers::apiCeilingOf(two) == first);
  CHECK(planb::providers::apiCeilingOf(other_account) != first);

  // Credentials printed by one credential_process are one account too.
  ProviderConfig process = one;
  process.route53.access_key_id_file.clear();
  process.route53.credential_process = "/usr/bin/aws_signing_helper credential-process";
  ProviderConfig process_twin = process;
  process_twin.name = "route53-third-zone";
  auto printed = planb::providers::apiCeilingOf(process);
  CHECK(planb::providers::apiCeilingOf(process_twin) == printed);
  CHECK(printed != first);

  ProviderConfig powerdns;
  powerdns.type = ProviderType::PowerDns;
  CHECK(planb::providers::apiCeilingOf(powerdns) != planb::providers::apiCeilingOf(powerdns));
}

TEST_CASE("a huaweicloud provider's ceiling defaults to 10 a second, shared by its access key") {
  ProviderConfig one;
  one.type = ProviderType::HuaweiCloud;
  CHECK(ceilingRateOf(one).per_second == 10);  // Huawei publishes no DNS API rate: conservative
  one.huaweicloud.access_key_id_file = "/etc/planb/huawei-ak";
  ProviderConfig two = one;
  two.name = "huawei-second-zone";
  CHECK(planb::providers::apiCeilingOf(two) == planb::providers::apiCeilingOf(one));
}

TEST_CASE("a webhook provider is built with PowerDNS' 100/s, shared by providers on one url") {
  ProviderConfig hook;
  hook.name = "hook";
  hook.type = ProviderType::Webhook;
  hook.webhook.url = "http://127.0.0.1:8888";
  CHECK(ceilingRateOf(hook).per_second == 100);
  ProviderConfig twin = hook;
  twin.name = "hook-second-zone";
  CHECK(planb::providers::apiCeilingOf(twin) == planb::providers::apiCeilingOf(hook));
  ProviderConfig other = hook;
  other.webhook.url = "unix:/run/planb-webhook/hook.sock";
  CHECK(planb::providers::apiCeilingOf(other) != planb::providers::apiCeilingOf(hook));
  auto provider = planb::providers::makeProvider(other);
  CHECK(provider->type() == "webhook");
  CHECK_FALSE(provider->capabilities().compare_and_swap);
}
