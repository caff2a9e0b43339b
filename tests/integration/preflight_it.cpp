// Preflight and planbd's own resolution against a real BIND 9 on 127.0.0.1, authoritative for
// "test": the parent of child.test (whose delegation names only vendor A's name servers) and the
// resolver that knows app.test.

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "address_book.hpp"
#include "core/preflight.hpp"
#include "dns_lookup.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/sample_config.hpp"
#include "fakes/sequence_random.hpp"
#include "fakes/temp_dir.hpp"
#include "fakes/tls_test_server.hpp"
#include "harness/bind9_server.hpp"
#include "net/http_client.hpp"
#include "own_resolution.hpp"
#include "preflight_gatherer.hpp"
#include "provider_factory.hpp"
#include "reconciler.hpp"
#include "state_store.hpp"

using namespace std::chrono_literals;
using namespace planb;
using planb::testing::Bind9Server;

namespace {

Bind9Server::Options parentOfChild() {
  Bind9Server::Options options;
  options.zone = "test";
  options.grants = {"www.test."};
  options.records =
      "app IN A 127.0.0.1\n"
      "child IN NS ns-1.vendor-a.net.\n"
      "child IN NS ns-2.vendor-a.net.\n";
  return options;
}

}  // namespace

TEST_CASE("preflight reports a provider missing from the delegation a real parent serves") {
  Bind9Server::requireTools();
  Bind9Server parent(parentOfChild());
  net::Result<std::vector<std::string>> delegation =
      daemon::lookupNameServers({parent.address()}, "child.test.", false, 3000ms);
  REQUIRE(std::holds_alternative<std::vector<std::string>>(delegation));
  CHECK(std::get<std::vector<std::string>>(delegation) ==
        std::vector<std::string>{"ns-1.vendor-a.net.", "ns-2.vendor-a.net."});

  core::PreflightInputs in;
  in.zones.push_back({"child.test.",
                      {"a", "b"},
                      std::get<std::vector<std::string>>(delegation),
                      "",
                      "parent_servers " + parent.address().str()});
  in.providers = {{"a", "rfc2136", "", 1}, {"b", "rfc2136", "", 1}};
  core::PreflightProviderZone a;
  a.zone = "child.test.";
  a.provider = "a";
  a.name_servers = {"ns-1.vendor-a.net.", "ns-2.vendor-a.net."};
  core::PreflightProviderZone b = a;
  b.provider = "b";
  b.name_servers = {"ns1.vendor-b.org.", "ns2.vendor-b.org."};
  in.provider_zones = {a, b};
  in.rehearsals[{"child.test.", "a"}].passed = true;
  in.rehearsals[{"child.test.", "b"}].passed = true;
  std::vector<core::PreflightFinding> findings = core::preflight(in);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].severity == core::PreflightSeverity::Blocker);
  CHECK(findings[0].provider == "b");
  CHECK(findings[0].fix ==
        "add ns1.vendor-b.org., ns2.vendor-b.org. to zone child.test.'s NS set at the registrar, "
        "or remove b from the zone");
}

TEST_CASE(
    "planbd's preflight finds that its rfc2136 provider is not in the delegation a real "
    "parent serves") {
  Bind9Server::requireTools();
  Bind9Server child;  // example.test, apex NS ns1.example.test.
  Bind9Server::Options parent_zone;
  parent_zone.zone = "test";
  parent_zone.grants = {"www.test."};
  parent_zone.records = "example IN NS ns-1.other-vendor.net.\n";
  Bind9Server parent(parent_zone);

  config::Config c = testing::twoTargetsOneRecord();
  config::ProviderConfig ns;
  ns.name = "ns";
  ns.rfc2136 = {child.address(), child.keyFile()};
  c.providers = {ns};
  config::ZoneConfig zone;
  zone.name = "example.test.";
  zone.providers = {"ns"};
  zone.parent_servers = {parent.address()};
  c.zones = {zone};

  boost::asio::io_context io;
  testing::TempDir dir;
  testing::ManualClock clock;
  testing::SequenceRandom random{{0.5}};
  daemon::Log log(daemon::LogLevel::Error);
  daemon::StateStore store(dir.path());
  daemon::Reconciler reconciler(io, log, clock, random, store);
  reconciler.configure(c, {{"ns", providers::makeProvider(ns)}}, nullptr);
  core::RehearsalRecords rehearsed;
  rehearsed[{"example.test.", "ns"}].passed = true;
  daemon::PreflightGatherer gatherer(io, reconciler, nullptr, [rehearsed] { return rehearsed; });
  std::optional<nlohmann::ordered_json> answer;
  gatherer.run(c, [&answer](nlohmann::ordered_json document) { answer = document; });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!answer && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
  }
  reconciler.shutdown();
  REQUIRE(answer);
  INFO(answer->dump(2));
  CHECK((*answer)["ok"] == false);
  REQUIRE((*answer)["findings"].size() == 1);
  const auto& finding = (*answer)["findings"][0];
  CHECK(finding["severity"] == "blocker");
  CHECK(finding["provider"] == "ns");
  CHECK(finding["fix"] ==
        "add ns1.example.test. to zone example.test.'s NS set at the registrar, or remove ns from "
        "the zone");
}

TEST_CASE(
    "a resolver that cannot answer any more leaves the saved address, and the request "
    "still reaches its server") {
  Bind9Server::requireTools();
  testing::TempDir dir;
  testing::ManualClock clock;
  daemon::Log log(daemon::LogLevel::Error);
  auto book = std::make_shared<daemon::AddressBook>(dir.path() + "/addresses.json");
  daemon::OwnResolution own(log, clock, book);
  testing::TlsTestServer api("name",  // certificate for app.test
                             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  auto resolver = std::make_unique<Bind9Server>(parentOfChild());
  std::vector<net::HostPort> resolvers{resolver->address()};
  own.configure({"app.test"}, [resolvers](const std::string& host) {
    return daemon::resolveAddresses(resolvers, host, 1000ms);
  });
  own.refresh();
  REQUIRE(book->addressesOf("app.test") == std::vector<std::string>{"127.0.0.1"});

  resolver.reset();  // named stopped: nothing answers on its port any more
  own.refresh();
  std::optional<daemon::AddressBook::Entry> entry = book->entry("app.test");
  REQUIRE(entry);
  CHECK(entry->from_saved);
  CHECK_FALSE(entry->error.empty());

  // A fresh planbd: only the file is left.
  auto restarted = std::make_shared<daemon::AddressBook>(book->path());
  REQUIRE_FALSE(restarted->load());
  net::HttpOptions options{2000ms, 5000ms, testing::TestPki::get().file("ca.pem")};
  net::CurlTransport transport(options, restarted);
  net::HttpRequest request;
  request.url = "https://app.test:" + std::to_string(api.port()) + "/";
  net::Result<net::HttpResponse> reply = transport.send(request);
  REQUIRE(std::holds_alternative<net::HttpResponse>(reply));
  CHECK(std::get<net::HttpResponse>(reply).body == "ok");
}
