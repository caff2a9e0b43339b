// What loadConfig returns for a configuration it accepts: defaults, canonical names, merged probe
// timing, the environment's part.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::load;
using testing::withBase;

const std::string kRecord = R"([[record]]
name = "WWW.Example.com"
zone = "example.com."
targets = ["aws"]
)";

TEST_CASE("an empty file loads with every default") {
  Config config = load("");
  CHECK(config.daemon.state_dir == "/var/lib/planb");
  CHECK(config.daemon.admin_socket == "/run/planb/admin.sock");
  CHECK(config.daemon.metrics_listen == "127.0.0.1:9464");
  CHECK(config.daemon.log_level == LogLevel::Info);
  CHECK(config.daemon.resync_interval == Millis(60'000));
  CHECK(config.probe_defaults.interval == Millis(2000));
  CHECK(config.probe_defaults.timeout == Millis(1000));
  CHECK(config.probe_defaults.rise == 2);
  CHECK(config.probe_defaults.fall == 3);
  CHECK(config.guard.canaries.empty());
  CHECK(config.guard.hold_down == Millis(60'000));
  CHECK(config.guard.max_flips_per_hour == 6);
  CHECK(config.guard.all_unhealthy == "keep");
  CHECK(config.providers.empty());
  CHECK(config.records.empty());
}

TEST_CASE("a record takes its defaults and its names are stored canonical") {
  Config config = load(withBase(kRecord));
  REQUIRE(config.records.size() == 1);
  const RecordConfig& record = config.records[0];
  CHECK(record.name == "www.example.com.");
  CHECK(record.zone == "example.com.");
  CHECK(record.ttl == 60);
  CHECK(record.targets == std::vector<std::string>{"aws"});
  CHECK(record.failover_on == FailoverOn::Target);
  CHECK(record.failback == Failback::Auto);
  CHECK(record.failback_after == Millis(300'000));
  CHECK(record.pos.line == testing::kBaseLines + 1);
  CHECK(config.zones.at(0).name == "example.com.");
  CHECK(config.targets.at(0).cname == "d111.cloudfront.net.");
  CHECK(config.targets.at(0).healthy_when.kind == core::HealthyWhen::Kind::All);
}

TEST_CASE("a probe's timing is [probe_defaults] with the probe's own keys over it") {
  std::string text =
      "[probe_defaults]\ninterval = \"5s\"\nrise = 4\n" + withBase(R"(  timeout = "250ms"
  fall = 1
)");
  Config config = load(text);
  const ProbeConfig& probe = config.targets.at(0).probes.at(0);
  CHECK(probe.timing.interval == Millis(5000));
  CHECK(probe.timing.timeout == Millis(250));
  CHECK(probe.timing.rise == 4);
  CHECK(probe.timing.fall == 1);
}

TEST_CASE("a probe's region defaults to its name") {
  Config config = load(withBase(R"(  [[target.probe]]
  name = "euw1"
  region = "eu-west-1"
  type = "tcp"
  address = "192.0.2.11:443"
)"));
  const TargetConfig& target = config.targets.at(0);
  REQUIRE(target.probes.size() == 2);
  CHECK(target.probes[0].region == "use1");
  CHECK(target.probes[1].region == "eu-west-1");
}

TEST_CASE("addresses take the port their key defaults to") {
  Config config = load(R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "[2001:db8::53]"
tsig_key_file = "/k"
[[zone]]
name = "example.com"
providers = ["ns1"]
verify_servers = ["ns1.example.com", "192.0.2.54:5353"]
[daemon]
metrics_listen = "[::1]:9464"
)");
  CHECK(config.providers.at(0).rfc2136.server.host == "2001:db8::53");
  CHECK(config.providers.at(0).rfc2136.server.port == 53);
  CHECK(config.zones.at(0).verify_servers.at(0).str() == "ns1.example.com:53");
  CHECK(config.zones.at(0).verify_servers.at(1).str() == "192.0.2.54:5353");
  CHECK(config.daemon.metrics_listen == "[::1]:9464");
}

TEST_CASE("${CREDENTIALS_DIRECTORY} in a *_file path is expanded from the environment") {
  std::string text = withBase("");
  text.replace(text.find("/etc/planb/tsig.key"), 19, "${CREDENTIALS_DIRECTORY}/tsig");
  Config config = load(text, {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}});
  CHECK(config.providers.at(0).rfc2136.tsig_key_file == "/run/credentials/planbd.service/tsig");
}

TEST_CASE("$STATE_DIRECTORY gives the state directory unless the file names one") {
  SUBCASE("absent key: the environment's") {
    Config config =
        load("[daemon]\nlog_level = \"debug\"\n", {{"STATE_DIRECTORY", "/var/lib/planbd"}});
    CHECK(config.daemon.state_dir == "/var/lib/planbd");
  }
  SUBCASE("several directories: the first") {
    Config config = load("", {{"STATE_DIRECTORY", "/var/lib/planbd:/var/lib/other"}});
    CHECK(config.daemon.state_dir == "/var/lib/planbd");
  }
  SUBCASE("the key in the file wins") {
    Config config =
        load("[daemon]\nstate_dir = \"/srv/planb\"\n", {{"STATE_DIRECTORY", "/var/lib/planbd"}});
    CHECK(config.daemon.state_dir == "/srv/planb");
  }
}

TEST_CASE("the lookup helpers find providers, zones and targets by name") {
  Config config = load(withBase(kRecord));
  REQUIRE(config.provider("ns1") != nullptr);
  CHECK(config.provider("ns1")->rfc2136.server.str() == "192.0.2.53:53");
  CHECK(config.provider("ns2") == nullptr);
  REQUIRE(config.zone("example.com.") != nullptr);
  CHECK(config.zone("example.com.")->providers == std::vector<std::string>{"ns1"});
  CHECK(config.zone("example.org.") == nullptr);
  REQUIRE(config.target("aws") != nullptr);
  CHECK(config.target("aws")->vendor == "aws");
  CHECK(config.target("gcp") == nullptr);
}

}  // namespace
}  // namespace planb::config

namespace planb::config {
namespace {

TEST_CASE("an https probe loads with method, host, headers and ca_file") {
  const Environment environment = {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};
  Config config = testing::load(testing::withBase(R"(  [[target.probe]]
  name = "web"
  type = "http"
  url = "https://origin.example.com:8443/healthz"
  method = "HEAD"
  host = "www.example.com"
  headers = { X-Probe = "planb", Accept-Language = "en" }
  ca_file = "${CREDENTIALS_DIRECTORY}/origin-ca.pem"
  [[target.probe]]
  name = "plain"
  type = "http"
  url = "http://origin.example.com/healthz"
)"),
                                environment);
  REQUIRE(config.targets.size() == 1);
  REQUIRE(config.targets[0].probes.size() == 3);
  const HttpProbeSettings& web = config.targets[0].probes[1].http;
  CHECK(web.url == "https://origin.example.com:8443/healthz");
  CHECK(web.method == "HEAD");
  CHECK(web.host == "www.example.com");
  CHECK(web.headers == std::vector<std::pair<std::string, std::string>>{{"Accept-Language", "en"},
                                                                        {"X-Probe", "planb"}});
  CHECK(web.ca_file == "/run/credentials/planbd.service/origin-ca.pem");

  const HttpProbeSettings& plain = config.targets[0].probes[2].http;
  CHECK(plain.method == "GET");
  CHECK_FALSE(plain.host.has_value());
  CHECK(plain.headers.empty());
  CHECK_FALSE(plain.ca_file.has_value());
}

}  // namespace
}  // namespace planb::config
