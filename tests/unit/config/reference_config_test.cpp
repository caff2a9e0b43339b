// The reference configuration (shared/spec/planb.example.toml, part of the product contract) and
// its reduction to what is built so far (all-providers.toml beside this file).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::listed;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The reference config names credentials under ${CREDENTIALS_DIRECTORY}, as systemd sets it.
const Environment kEnvironment = {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};

TEST_CASE("the reference config loads without errors once its placeholder addresses are real") {
  const std::string path = PLANB_REFERENCE_CONFIG;
  if (!std::filesystem::exists(path)) {
    MESSAGE("skipped: " << path << " is absent (shared/ is not beside the repository)");
    return;
  }
  // Its placeholder addresses made real: the PowerDNS API on this host, as product.md §3 accepts
  // plain http:// only to a loopback address (the API key travels on every request).
  std::string text = readText(path);
  const std::string placeholder = "http://192.0.2.54:8081";
  REQUIRE(text.find(placeholder) != std::string::npos);
  text.replace(text.find(placeholder), placeholder.size(), "http://127.0.0.1:8081");
  Config config = testing::load(text, kEnvironment);  // a failed check lists the errors
  REQUIRE(config.targets.size() == 2);
  REQUIRE_FALSE(config.targets[0].probes.empty());
  CHECK(config.targets[0].probes[0].http.url == "https://hz.origin.example.com/healthz");
  REQUIRE_FALSE(config.targets[1].probes.empty());
  CHECK(config.targets[1].probes[0].http.url == "https://use1.origin.example.com/healthz");
}

TEST_CASE("the reference config with every provider type and http probes loads with every value") {
  const std::string path = std::string(PLANB_CONFIG_FIXTURES) + "/all-providers.toml";
  Config config = testing::load(readText(path), kEnvironment);

  CHECK(config.daemon.state_dir == "/var/lib/planb");
  CHECK(config.daemon.admin_socket == "/run/planb/admin.sock");
  CHECK(config.daemon.metrics_listen == "127.0.0.1:9464");
  CHECK(config.daemon.log_level == LogLevel::Info);
  CHECK(config.daemon.resync_interval == Millis(60'000));

  CHECK(config.probe_defaults.interval == Millis(2000));
  CHECK(config.probe_defaults.timeout == Millis(1000));
  CHECK(config.probe_defaults.rise == 2);
  CHECK(config.probe_defaults.fall == 3);

  CHECK(config.guard.canaries ==
        std::vector<std::string>{"tcp://192.0.2.1:53", "tcp://198.51.100.1:443"});
  CHECK(config.guard.hold_down == Millis(60'000));
  CHECK(config.guard.max_flips_per_hour == 6);
  CHECK(config.guard.all_unhealthy == "keep");

  REQUIRE(config.providers.size() == 5);
  const ProviderConfig& ns = config.providers[0];
  CHECK(ns.name == "ns-selfhosted");
  CHECK(ns.type == ProviderType::Rfc2136);
  CHECK(ns.rfc2136.server.str() == "192.0.2.53:53");
  CHECK(ns.rfc2136.tsig_key_file == "/etc/planb/keys/planb-tsig.key");
  CHECK_FALSE(ns.endpoint.has_value());
  CHECK_FALSE(ns.ca_file.has_value());

  const ProviderConfig& pdns = config.providers[1];
  CHECK(pdns.name == "pdns");
  CHECK(pdns.type == ProviderType::PowerDns);
  CHECK(pdns.powerdns.api_url == "https://192.0.2.54:8081");
  CHECK(pdns.powerdns.api_key_file == "/etc/planb/keys/pdns-api-key");
  CHECK(pdns.powerdns.server_id == "localhost");
  CHECK_FALSE(pdns.endpoint.has_value());
  CHECK_FALSE(pdns.ca_file.has_value());

  const std::string credentials = "/run/credentials/planbd.service/";
  const ProviderConfig& cloudflare = config.providers[2];
  CHECK(cloudflare.name == "cloudflare");
  CHECK(cloudflare.type == ProviderType::Cloudflare);
  CHECK(cloudflare.cloudflare.api_token_file == credentials + "cloudflare_token");
  CHECK_FALSE(cloudflare.cloudflare.zone_id.has_value());
  CHECK(cloudflare.endpoint == "https://api.cloudflare.com/client/v4");
  CHECK(cloudflare.ca_file == "/etc/planb/ca.pem");

  const ProviderConfig& route53 = config.providers[3];
  CHECK(route53.name == "route53");
  CHECK(route53.type == ProviderType::Route53);
  CHECK(route53.route53.access_key_id_file == credentials + "aws_access_key_id");
  CHECK(route53.route53.secret_access_key_file == credentials + "aws_secret_access_key");
  CHECK(route53.route53.hosted_zone_id == "Z0123456789EXAMPLE");
  CHECK_FALSE(route53.endpoint.has_value());
  CHECK_FALSE(route53.ca_file.has_value());

  const ProviderConfig& alidns = config.providers[4];
  CHECK(alidns.name == "alidns");
  CHECK(alidns.type == ProviderType::Alidns);
  CHECK(alidns.alidns.access_key_id_file == credentials + "aliyun_access_key_id");
  CHECK(alidns.alidns.access_key_secret_file == credentials + "aliyun_access_key_secret");
  CHECK_FALSE(alidns.endpoint.has_value());
  CHECK_FALSE(alidns.ca_file.has_value());

  for (const ProviderConfig& provider : config.providers) {
    CAPTURE(provider.name);
    CHECK(config.provider(provider.name) == &provider);
  }

  REQUIRE(config.zones.size() == 1);
  const ZoneConfig& zone = config.zones[0];
  CHECK(zone.name == "example.com.");
  CHECK(zone.providers == std::vector<std::string>{"ns-selfhosted", "pdns", "cloudflare"});
  REQUIRE(zone.verify_servers.size() == 2);
  CHECK(zone.verify_servers[0].str() == "192.0.2.53:53");
  CHECK(zone.verify_servers[1].str() == "192.0.2.54:53");

  REQUIRE(config.targets.size() == 2);
  const TargetConfig& aliyun = config.targets[0];
  CHECK(aliyun.name == "aliyun");
  CHECK(aliyun.vendor == "alibaba-cloud");
  CHECK(aliyun.cname == "www.example.com.w.kunlunsl.com.");
  CHECK(aliyun.healthy_when.kind == core::HealthyWhen::Kind::Majority);
  REQUIRE(aliyun.probes.size() == 2);
  const ProbeConfig& hangzhou = aliyun.probes[0];
  CHECK(hangzhou.name == "hangzhou");
  CHECK(hangzhou.region == "cn-hangzhou");
  CHECK(hangzhou.type == ProbeType::Http);
  CHECK(hangzhou.http.url == "http://hz.origin.example.com/healthz");
  CHECK(hangzhou.http.expect_status == std::vector<int>{200});
  CHECK(hangzhou.http.expect_body == "ok");
  CHECK(hangzhou.timing.interval == Millis(2000));
  const ProbeConfig& beijing = aliyun.probes[1];
  CHECK(beijing.name == "beijing");
  CHECK(beijing.region == "cn-beijing");
  CHECK(beijing.type == ProbeType::Tcp);
  CHECK(beijing.tcp.address.str() == "bj.origin.example.com:443");

  const TargetConfig& aws = config.targets[1];
  CHECK(aws.name == "aws");
  CHECK(aws.vendor == "aws");
  CHECK(aws.cname == "d111111abcdef8.cloudfront.net.");
  CHECK(aws.healthy_when.kind == core::HealthyWhen::Kind::All);
  REQUIRE(aws.probes.size() == 1);
  const ProbeConfig& use1 = aws.probes[0];
  CHECK(use1.region == "us-east-1");
  CHECK(use1.http.url == "http://use1.origin.example.com/healthz");
  CHECK(use1.http.expect_status == std::vector<int>{200});
  CHECK_FALSE(use1.http.expect_body.has_value());
  CHECK(use1.timing.interval == Millis(1000));
  CHECK(use1.timing.timeout == Millis(1000));
  CHECK(use1.timing.rise == 2);
  CHECK(use1.timing.fall == 3);

  REQUIRE(config.records.size() == 1);
  const RecordConfig& www = config.records[0];
  CHECK(www.name == "www.example.com.");
  CHECK(www.zone == "example.com.");
  CHECK(www.ttl == 60);
  CHECK(www.targets == std::vector<std::string>{"aliyun", "aws"});
  CHECK(www.failover_on == FailoverOn::Target);
  CHECK(www.failback == Failback::Auto);
  CHECK(www.failback_after == Millis(300'000));
}

}  // namespace
}  // namespace planb::config
