// core::preflight: each rule on the smallest inputs that trigger it, and a clean zone that
// triggers none.

#include "core/preflight.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace planb::core;

namespace {

// Zone example.com. on providers "a" (rfc2136, no vendor) and "b" (route53, vendor aws), record
// www.example.com. on targets "primary" (vendor gcp) and "backup" (vendor azure); both providers
// read fine, serve the CNAME, were rehearsed and are in the delegation.
PreflightInputs cleanPreflight() {
  PreflightInputs in;
  in.zones.push_back({"example.com.",
                      {"a", "b"},
                      std::vector<std::string>{"ns1.a.net.", "ns-1.awsdns.com."},
                      "",
                      "resolvers"});
  in.records.push_back({"www.example.com.", "example.com.", 60, {"primary", "backup"}, {}});
  in.targets = {{"primary", "gcp"}, {"backup", "azure"}};
  in.providers = {{"a", "rfc2136", "", 1}, {"b", "route53", "aws", 1}};
  for (const std::string& p : {std::string("a"), std::string("b")}) {
    PreflightProviderZone pz;
    pz.zone = "example.com.";
    pz.provider = p;
    pz.served["www.example.com."] = {PreflightServed::Kind::Cname, "primary.example.net.", 60, ""};
    pz.name_servers = {p == "a" ? "ns1.a.net." : "ns-1.awsdns.com."};
    in.provider_zones.push_back(pz);
    RehearsalRecord passed;
    passed.passed = true;
    in.rehearsals[{"example.com.", p}] = passed;
  }
  return in;
}

std::string listedFindings(const std::vector<PreflightFinding>& findings) {
  std::string text;
  for (const PreflightFinding& f : findings) {
    text += std::string(nameOf(f.severity)) + ": " + f.what + " | fix: " + f.fix + "\n";
  }
  return text;
}

// The one finding; a failed check listing them when there is not exactly one.
PreflightFinding onlyFinding(const PreflightInputs& in) {
  std::vector<PreflightFinding> findings = preflight(in);
  INFO(listedFindings(findings));
  REQUIRE(findings.size() == 1);
  return findings[0];
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a zone whose providers answer, are delegated and rehearsed has no finding") {
  std::vector<PreflightFinding> findings = preflight(cleanPreflight());
  INFO(listedFindings(findings));
  CHECK(findings.empty());
}

TEST_CASE("credentials a provider refuses are a blocker naming the provider and the fix") {
  PreflightInputs in = cleanPreflight();
  in.provider_zones[1].read_error = "403 InvalidClientTokenId";
  in.provider_zones[1].credentials_refused = true;
  in.provider_zones[1].served.clear();
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Blocker);
  CHECK(f.provider == "b");
  CHECK(mentions(f.what, "refused planb's credentials"));
  CHECK(mentions(f.fix, "renew provider b's credentials"));
}

TEST_CASE("a provider that does not answer the read is a blocker, said once") {
  PreflightInputs in = cleanPreflight();
  in.provider_zones[0].read_error = "connection refused";
  in.provider_zones[0].served.clear();
  in.provider_zones[0].name_servers.clear();
  in.provider_zones[0].name_servers_error = "connection refused";
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Blocker);
  CHECK(mentions(f.what, "could not be read"));
}

TEST_CASE("another record type at a managed name is a blocker; an absent record a warning") {
  PreflightInputs in = cleanPreflight();
  in.provider_zones[0].served["www.example.com."] = {PreflightServed::Kind::Conflict, "", 0, "A"};
  PreflightFinding conflict = onlyFinding(in);
  CHECK(conflict.severity == PreflightSeverity::Blocker);
  CHECK(conflict.record == "www.example.com.");
  CHECK(mentions(conflict.fix, "delete the A record at www.example.com. on a"));
  in = cleanPreflight();
  in.provider_zones[0].served["www.example.com."] = {};
  PreflightFinding absent = onlyFinding(in);
  CHECK(absent.severity == PreflightSeverity::Warning);
  CHECK(mentions(absent.what, "creates it"));
}

TEST_CASE("a ttl below a provider's minimum is a warning that planb writes the minimum") {
  PreflightInputs in = cleanPreflight();
  in.providers[1].min_ttl = 300;
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Warning);
  CHECK(f.provider == "b");
  CHECK(mentions(f.what, "planb writes 300"));
  CHECK(mentions(f.fix, "set ttl = 300 on record www.example.com."));
}

TEST_CASE("a minimum learned at run time (a raised ttl) is a warning too, once") {
  PreflightInputs in = cleanPreflight();
  in.providers[0].min_ttl = 120;
  in.records[0].raised_ttl["a"] = 600;
  PreflightFinding f = onlyFinding(in);
  CHECK(mentions(f.what, "minimum 600"));
  CHECK(mentions(f.what, "at run time"));
}

TEST_CASE("a failed rehearsal is a blocker, one never run a warning") {
  PreflightInputs in = cleanPreflight();
  RehearsalRecord failed;
  failed.failed_step = RehearsalStep::Write;
  failed.error = "BADKEY";
  in.rehearsals[{"example.com.", "a"}] = failed;
  in.rehearsals.erase({"example.com.", "b"});
  std::vector<PreflightFinding> findings = preflight(in);
  INFO(listedFindings(findings));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].severity == PreflightSeverity::Blocker);  // blockers first
  CHECK(findings[0].provider == "a");
  CHECK(mentions(findings[0].what, "failed at write: BADKEY"));
  CHECK(findings[1].severity == PreflightSeverity::Warning);
  CHECK(mentions(findings[1].fix, "planbctl rehearse --zone example.com. --provider b"));
}

TEST_CASE(
    "a provider none of whose name servers are delegated is a blocker, some missing a "
    "warning") {
  PreflightInputs in = cleanPreflight();
  in.zones[0].delegation = std::vector<std::string>{"ns1.a.net."};
  PreflightFinding none = onlyFinding(in);
  CHECK(none.severity == PreflightSeverity::Blocker);
  CHECK(none.provider == "b");
  CHECK(mentions(none.fix,
                 "add ns-1.awsdns.com. to zone example.com.'s NS set at the "
                 "registrar, or remove b from the zone"));
  in = cleanPreflight();
  in.provider_zones[1].name_servers = {"ns-1.awsdns.com.", "ns-2.awsdns.net."};
  PreflightFinding some = onlyFinding(in);
  CHECK(some.severity == PreflightSeverity::Warning);
  CHECK(mentions(some.what, "ns-2.awsdns.net."));
}

TEST_CASE(
    "a delegation that could not be read is a warning; unknown name servers are no "
    "finding") {
  PreflightInputs in = cleanPreflight();
  in.zones[0].delegation = std::nullopt;
  in.zones[0].delegation_error = "timed out";
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Warning);
  CHECK(mentions(f.what, "timed out"));
  in = cleanPreflight();
  in.provider_zones[0].name_servers.clear();
  CHECK(preflight(in).empty());
}

TEST_CASE("a target on the vendor of one of the zone's providers is a warning, of all a blocker") {
  PreflightInputs in = cleanPreflight();
  in.targets[0].vendor = "aws";
  PreflightFinding some = onlyFinding(in);
  CHECK(some.severity == PreflightSeverity::Warning);
  CHECK(mentions(some.what, "target primary (record www.example.com.) runs on vendor aws"));
  in.providers[0].vendor = "aws";
  PreflightFinding all = onlyFinding(in);
  CHECK(all.severity == PreflightSeverity::Blocker);
  CHECK(mentions(all.fix, "add a provider of zone example.com. that does not depend on aws"));
}

TEST_CASE("a target's vendor meets a provider's under any of the vendor's usual names") {
  PreflightInputs in = cleanPreflight();
  in.targets[0].vendor = "alibaba-cloud";
  in.providers[0].vendor = "alibaba";  // an alidns provider
  in.providers[1].vendor = "aliyun";
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Blocker);
  CHECK(mentions(f.what, "runs on vendor alibaba-cloud, and so does every way to write zone"));
}

TEST_CASE("a provider whose credential source runs on a target's vendor shares its fate") {
  PreflightInputs in = cleanPreflight();
  PreflightDependency sts;
  sts.kind = PreflightDependency::Kind::CredentialSource;
  sts.what = "credential_process vault";
  sts.vendor = "gcp";
  sts.provider = "a";
  in.dependencies.push_back(sts);
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Warning);
  CHECK(mentions(f.what, "provider a's credential_source credential_process vault"));
}

TEST_CASE("a host resolved only from the saved addresses is a warning naming them") {
  PreflightInputs in = cleanPreflight();
  PreflightDependency api;
  api.kind = PreflightDependency::Kind::ApiHost;
  api.what = "route53.amazonaws.com:443";
  api.provider = "b";
  api.addresses = {"192.0.2.7"};
  api.from_saved = true;
  api.resolve_error = "no answer from 127.0.0.1:53";
  in.dependencies.push_back(api);
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Warning);
  CHECK(mentions(f.what, "planbd uses the addresses it saved (192.0.2.7)"));
}

TEST_CASE("a majority of etcd members on a target's vendor is a blocker, a minority a warning") {
  PreflightInputs in = cleanPreflight();
  for (const char* vendor : {"gcp", "gcp", ""}) {
    PreflightDependency etcd;
    etcd.kind = PreflightDependency::Kind::EtcdMember;
    etcd.what = "etcd";
    etcd.vendor = vendor;
    in.dependencies.push_back(etcd);
  }
  CHECK(onlyFinding(in).severity == PreflightSeverity::Blocker);
  in.dependencies[1].vendor = "";
  CHECK(onlyFinding(in).severity == PreflightSeverity::Warning);
}

TEST_CASE("a resolver run by a target's vendor is a warning") {
  PreflightInputs in = cleanPreflight();
  PreflightDependency resolver;
  resolver.kind = PreflightDependency::Kind::Resolver;
  resolver.what = "8.8.8.8:53";
  resolver.vendor = "gcp";
  in.dependencies.push_back(resolver);
  PreflightFinding f = onlyFinding(in);
  CHECK(f.severity == PreflightSeverity::Warning);
  CHECK(mentions(f.fix, "add a resolver that gcp does not run"));
}
