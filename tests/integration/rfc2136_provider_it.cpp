// Rfc2136Provider and queryCname against a real BIND 9 on 127.0.0.1.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "harness/bind9_server.hpp"
#include "providers/dns_query.hpp"
#include "providers/rfc2136_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::config::HostPort;
using planb::providers::Rfc2136Settings;
using planb::testing::Bind9Server;

namespace {

constexpr std::chrono::milliseconds kTimeout{2000};

Rfc2136Provider providerFor(const Bind9Server& bind, const std::string& key_file) {
  return Rfc2136Provider("ns-test", Rfc2136Settings{bind.address(), key_file}, kTimeout);
}

Rfc2136Provider providerFor(const Bind9Server& bind) {
  return providerFor(bind, bind.keyFile());
}

ReplaceRequest swap(const std::string& name, const std::string& new_target,
                    std::optional<std::string> expected, std::uint32_t ttl = 60) {
  ReplaceRequest request;
  request.record = {"example.test.", name};
  request.new_target = new_target;
  request.ttl = ttl;
  request.expected_target = std::move(expected);
  return request;
}

// A key file as tsig-keygen writes it, mode 0600.
std::string writeKeyFile(const Bind9Server& bind, const std::string& file, const std::string& name,
                         const std::string& secret) {
  std::string path = bind.dir() + "/" + file;
  std::ofstream(path) << "key \"" << name << "\" {\n\talgorithm hmac-sha256;\n\tsecret \"" << secret
                      << "\";\n};\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

const std::string kOtherSecret = "c2VjcmV0LW5vdC1rbm93bi10by10aGUtc2VydmVyLTA=";

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

ProviderError failure(const Result<Unit>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

void requireSuccess(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

}  // namespace

TEST_CASE("the provider reads the CNAME named serves, and absent names as Absent") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  CHECK(provider.type() == "rfc2136");

  ServedRecord www = served(provider.read({"example.test.", "www.example.test."}));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 60);

  CHECK(served(provider.read({"example.test.", "api.example.test."})).kind ==
        ServedRecord::Kind::Absent);
}

TEST_CASE("a name holding another type reads as a Conflict naming that type") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  ServedRecord txt = served(provider.read({"example.test.", "txtonly.example.test."}));
  CHECK(txt.kind == ServedRecord::Kind::Conflict);
  CHECK(txt.conflict_type == "TXT");
  ServedRecord apex = served(provider.read({"example.test.", "example.test."}));
  CHECK(apex.kind == ServedRecord::Kind::Conflict);
  CHECK(apex.conflict_type == "NS");
}

TEST_CASE("a replace swaps the CNAME atomically and named bumps the SOA serial") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  std::uint32_t serial = bind.soaSerial();

  requireSuccess(provider.replace(
      swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.", 30)));

  CHECK(bind.dig("www.example.test", "CNAME") == "app.gcp.example.net.");
  CHECK(bind.soaSerial() == serial + 1);
  ServedRecord www = served(provider.read({"example.test.", "www.example.test."}));
  CHECK(www.target == "app.gcp.example.net.");
  CHECK(www.ttl == 30);
}

TEST_CASE("a replace without an expected target creates the CNAME where there was none") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  requireSuccess(provider.replace(swap("api.example.test.", "app.aws.example.net.", std::nullopt)));
  CHECK(bind.dig("api.example.test", "CNAME") == "app.aws.example.net.");

  // The name holds a CNAME now: "no CNAME" no longer holds.
  ProviderError error =
      failure(provider.replace(swap("api.example.test.", "app.gcp.example.net.", std::nullopt)));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message ==
        "compare-and-swap lost: api.example.test. already has a CNAME (it now points to "
        "app.aws.example.net.)");
}

TEST_CASE("a compare-and-swap lost to another writer is a Conflict and changes nothing") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  planb::testing::CommandResult hand_edit = bind.nsupdate(
      "zone example.test\n"
      "update delete www.example.test. CNAME\n"
      "update add www.example.test. 60 CNAME other.example.net.\n"
      "send\n");
  REQUIRE_MESSAGE(hand_edit.exit_code == 0, hand_edit.output);
  std::uint32_t serial = bind.soaSerial();

  ProviderError error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message ==
        "compare-and-swap lost: www.example.test. no longer points to app.aws.example.net. (it "
        "now points to other.example.net.)");
  CHECK_FALSE(error.retriable());
  CHECK(bind.dig("www.example.test", "CNAME") == "other.example.net.");
  CHECK(bind.soaSerial() == serial);
}

TEST_CASE("a replace sent again after it was applied is a success, not a Conflict") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  ReplaceRequest request =
      swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.");
  std::uint32_t serial = bind.soaSerial();
  requireSuccess(provider.replace(request));
  // The retry's prerequisite fails (NXRRSET); the re-read shows it is already applied.
  requireSuccess(provider.replace(request));
  CHECK(bind.dig("www.example.test", "CNAME") == "app.gcp.example.net.");
  CHECK(bind.soaSerial() == serial + 1);
}

TEST_CASE("a key with the right name and a wrong secret is reported as Auth") {
  Bind9Server bind;
  Rfc2136Provider provider =
      providerFor(bind, writeKeyFile(bind, "wrong.key", bind.keyName(), kOtherSecret));
  ProviderError error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(error.kind == ErrorKind::Auth);
  const std::string expected =
      "server " + bind.address().str() + " rejected TSIG key \"" + bind.keyName() + "\": BADSIG";
  CHECK(error.message.substr(0, expected.size()) == expected);
  CHECK(error.message.find(kOtherSecret) == std::string::npos);
  CHECK(bind.dig("www.example.test", "CNAME") == "app.aws.example.net.");
}

TEST_CASE("a key the server does not know is reported as Auth with BADKEY") {
  Bind9Server bind;
  Rfc2136Provider provider =
      providerFor(bind, writeKeyFile(bind, "unknown.key", "unknown-key", kOtherSecret));
  ProviderError error = failure(
      provider.replace(swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(error.kind == ErrorKind::Auth);
  CHECK(error.message.find("rejected TSIG key \"unknown-key\": BADKEY") != std::string::npos);
}

TEST_CASE("an UPDATE outside the update-policy is reported as Refused") {
  Bind9Server bind;
  Rfc2136Provider provider = providerFor(bind);
  ProviderError error =
      failure(provider.replace(swap("other.example.test.", "app.gcp.example.net.", std::nullopt)));
  CHECK(error.kind == ErrorKind::Refused);
  CHECK(error.message == "server " + bind.address().str() +
                             " refused the UPDATE of other.example.test. (REFUSED): TSIG key \"" +
                             bind.keyName() + "\" may not change its CNAME (update-policy)");
  CHECK(bind.dig("other.example.test", "CNAME").empty());
}

TEST_CASE("queryCname asks the server itself, for the verifier") {
  Bind9Server bind;
  ServedRecord www = served(queryCname(bind.address(), "WWW.Example.Test", kTimeout));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(served(queryCname(bind.address(), "nothing.example.test.", kTimeout)).kind ==
        ServedRecord::Kind::Absent);

  // Not authoritative, no recursion: named refuses.
  Result<ServedRecord> outside = queryCname(bind.address(), "www.example.org.", kTimeout);
  REQUIRE(std::holds_alternative<ProviderError>(outside));
  CHECK(std::get<ProviderError>(outside).kind == ErrorKind::Refused);
}

TEST_CASE("a server that does not answer is a Transient error") {
  HostPort nobody{"127.0.0.1", planb::testing::pickFreePort()};
  Result<ServedRecord> result = queryCname(nobody, "www.example.test.", kTimeout);
  REQUIRE(std::holds_alternative<ProviderError>(result));
  const ProviderError& error = std::get<ProviderError>(result);
  CHECK(error.kind == ErrorKind::Transient);
  CHECK(error.retriable());
  CHECK(error.message.find("no reply from " + nobody.str() +
                           " to the CNAME query for www.example.test.") == 0);
}
