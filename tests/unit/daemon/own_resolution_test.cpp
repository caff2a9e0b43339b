// planbd's own resolution: the last good addresses of each host stay in use (and on disk) when the
// resolvers fail, and what planbd depends on is named without a secret.

#include "own_resolution.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "address_book.hpp"
#include "fakes/captured_stderr.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "own_dependencies.hpp"

using namespace planb;
using namespace planb::daemon;

namespace {

// A resolver whose answers the test sets: addresses, or an error text.
struct ScriptedResolver {
  std::map<std::string, net::Result<std::vector<std::string>>> answers;
  OwnResolution::Resolve resolve() {
    return [this](const std::string& host) -> net::Result<std::vector<std::string>> {
      auto it = answers.find(host);
      if (it == answers.end()) {
        return net::Error{net::ErrorKind::NotFound, "unknown " + host, std::nullopt};
      }
      return it->second;
    };
  }
  void fail(const std::string& host) {
    answers[host] = net::Error{net::ErrorKind::Transient,
                               "no answer from 127.0.0.1:53 within 2000 ms", std::nullopt};
  }
};

}  // namespace

TEST_CASE("a host the resolvers cannot answer keeps its last good addresses, logged once") {
  testing::TempDir dir;
  testing::ManualClock clock;
  auto book = std::make_shared<AddressBook>(dir.path() + "/addresses.json");
  ScriptedResolver resolver;
  resolver.answers["api.example.net"] = std::vector<std::string>{"192.0.2.7", "2001:db8::7"};
  testing::CapturedStderr captured(dir.path() + "/stderr");
  Log log(LogLevel::Info);
  OwnResolution own(log, clock, book);
  own.configure({"api.example.net"}, resolver.resolve());
  own.refresh();
  CHECK(book->addressesOf("api.example.net") ==
        std::vector<std::string>{"192.0.2.7", "2001:db8::7"});
  resolver.fail("api.example.net");
  own.refresh();
  own.refresh();
  CHECK(book->addressesOf("API.example.net") ==
        std::vector<std::string>{"192.0.2.7", "2001:db8::7"});
  REQUIRE(book->entry("api.example.net"));
  CHECK(book->entry("api.example.net")->from_saved);
  std::string logged = captured.text();
  auto first = logged.find("using the saved addresses 192.0.2.7, 2001:db8::7");
  CHECK(first != std::string::npos);
  CHECK(logged.find("using the saved addresses", first + 1) == std::string::npos);
}

TEST_CASE("the saved addresses are read at the next start and used while resolution fails") {
  testing::TempDir dir;
  testing::ManualClock clock;
  Log log(LogLevel::Error);
  std::string path = dir.path() + "/addresses.json";
  {
    auto book = std::make_shared<AddressBook>(path);
    ScriptedResolver resolver;
    resolver.answers["route53.amazonaws.com"] = std::vector<std::string>{"192.0.2.53"};
    OwnResolution own(log, clock, book);
    own.configure({"route53.amazonaws.com"}, resolver.resolve());
    own.refresh();
  }
  auto book = std::make_shared<AddressBook>(path);
  CHECK(book->addressesOf("route53.amazonaws.com").empty());
  REQUIRE_FALSE(book->load());
  CHECK(book->addressesOf("route53.amazonaws.com") == std::vector<std::string>{"192.0.2.53"});
  ScriptedResolver dead;
  dead.fail("route53.amazonaws.com");
  OwnResolution own(log, clock, book);
  own.configure({"route53.amazonaws.com"}, dead.resolve());
  own.refresh();
  CHECK(book->addressesOf("route53.amazonaws.com") == std::vector<std::string>{"192.0.2.53"});
}

TEST_CASE("a saved file planbd did not write is ignored with a reason") {
  testing::TempDir dir;
  std::string path = dir.path() + "/addresses.json";
  std::ofstream(path) << "not json";
  AddressBook book(path);
  std::optional<std::string> problem = book.load();
  REQUIRE(problem);
  CHECK(problem->find("not the saved addresses planbd writes") != std::string::npos);
}

TEST_CASE("API hosts and etcd members are resolved; literal addresses and localhost are not") {
  config::Config c;
  config::ProviderConfig r53;
  r53.name = "r53";
  r53.type = config::ProviderType::Route53;
  r53.route53.credential_process = "/usr/bin/aws-vault export --format=json --secret=s3cret";
  config::ProviderConfig pdns;
  pdns.name = "pdns";
  pdns.type = config::ProviderType::PowerDns;
  pdns.powerdns.api_url = "http://localhost:8081";
  pdns.powerdns.api_key_file = "/etc/planb/pdns.key";
  config::ProviderConfig ns;
  ns.name = "ns";
  ns.type = config::ProviderType::Rfc2136;
  ns.rfc2136.server = {"192.0.2.53", 53};
  c.providers = {r53, pdns, ns};
  c.cluster = config::ClusterConfig{};
  c.cluster->etcd_endpoints = {"https://etcd1.example.net:2379", "http://127.0.0.1:2379"};
  std::vector<OwnDependency> deps = ownDependencies(c, {{"8.8.8.8", 53}});
  CHECK(hostsToResolve(deps) ==
        std::vector<std::string>{"etcd1.example.net", "route53.amazonaws.com"});
  bool named_command = false;
  for (const OwnDependency& d : deps) {
    CHECK(d.what.find("s3cret") == std::string::npos);
    if (d.kind == core::PreflightDependency::Kind::CredentialSource && d.provider == "r53") {
      CHECK(d.what == "credential_process /usr/bin/aws-vault");
      CHECK(d.vendor == "aws");
      named_command = true;
    }
    if (d.kind == core::PreflightDependency::Kind::Resolver) {
      CHECK(d.vendor == "google");
    }
  }
  CHECK(named_command);
}

TEST_CASE("each cloud provider type depends on its vendor's API host; a webhook on loopback none") {
  config::Config c;
  auto provider = [&](const std::string& name, config::ProviderType type) {
    config::ProviderConfig p;
    p.name = name;
    p.type = type;
    return p;
  };
  config::ProviderConfig dnspod = provider("dnspod", config::ProviderType::Dnspod);
  dnspod.dnspod.secret_id_file = "/etc/planb/tencent.id";
  dnspod.dnspod.token_file = "/run/planb/tencent.token";
  config::ProviderConfig huawei = provider("huawei", config::ProviderType::HuaweiCloud);
  huawei.huaweicloud.region = "cn-north-4";
  config::ProviderConfig gcp = provider("gcp", config::ProviderType::Google);
  gcp.google.credentials_file = "/etc/planb/gcp.json";
  config::ProviderConfig az = provider("az", config::ProviderType::Azure);
  az.azure.client_secret_file = "/etc/planb/azure.secret";
  config::ProviderConfig hook = provider("hook", config::ProviderType::Webhook);
  hook.webhook.url = "http://127.0.0.1:8888";
  c.providers = {dnspod, huawei, gcp, az, hook};
  std::vector<OwnDependency> deps = ownDependencies(c, {{"119.29.29.29", 53}});
  CHECK(hostsToResolve(deps) ==
        std::vector<std::string>{"dns.cn-north-4.myhuaweicloud.com", "dns.googleapis.com",
                                 "dnspod.tencentcloudapi.com", "management.azure.com"});
  std::map<std::string, std::string> api_vendor;
  std::map<std::string, std::string> credential_vendor;
  for (const OwnDependency& d : deps) {
    if (d.kind == core::PreflightDependency::Kind::ApiHost) {
      api_vendor[d.provider] = d.vendor;
    } else if (d.kind == core::PreflightDependency::Kind::CredentialSource && !d.vendor.empty()) {
      credential_vendor[d.provider] = d.vendor;
    } else if (d.kind == core::PreflightDependency::Kind::Resolver) {
      CHECK(d.vendor == "tencent");
    }
  }
  CHECK(api_vendor == std::map<std::string, std::string>{{"az", "azure"},
                                                         {"dnspod", "tencent"},
                                                         {"gcp", "google"},
                                                         {"hook", ""},
                                                         {"huawei", "huawei"}});
  // Temporary credentials and access tokens come from the vendor's own STS or token endpoint.
  CHECK(credential_vendor == std::map<std::string, std::string>{
                                 {"az", "azure"}, {"dnspod", "tencent"}, {"gcp", "google"}});
}
