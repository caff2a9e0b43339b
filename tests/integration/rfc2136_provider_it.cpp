// Rfc2136Provider and queryCname against a real BIND 9 on 127.0.0.1.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "fakes/recorded_ceiling.hpp"
#include "harness/bind9_server.hpp"
#include "providers/dns_query.hpp"
#include "providers/rfc2136_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::config::HostPort;
using planb::providers::Rfc2136Settings;
using planb::testing::Bind9Server;
using planb::testing::CountedCeiling;

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

// Another writer points NAME's CNAME to TARGET, with nsupdate.
void editByHand(const Bind9Server& bind, const std::string& name, const std::string& target) {
  planb::testing::CommandResult hand_edit =
      bind.nsupdate("zone example.test\nupdate delete " + name + " CNAME\nupdate add " + name +
                    " 60 CNAME " + target + "\nsend\n");
  REQUIRE_MESSAGE(hand_edit.exit_code == 0, hand_edit.output);
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
  editByHand(bind, "www.example.test.", "other.example.net.");
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

TEST_CASE("a rotated TSIG key file signs the next UPDATE, without a restart") {
  Bind9Server bind;
  const std::string path = writeKeyFile(bind, "rotating.key", bind.keyName(), kOtherSecret);
  Rfc2136Provider provider = providerFor(bind, path);
  ReplaceRequest request =
      swap("www.example.test.", "app.gcp.example.net.", "app.aws.example.net.");
  CHECK(failure(provider.replace(request)).kind == ErrorKind::Auth);  // the old key is refused
  // The operator writes the key the server now holds, as a new file renamed over the old one.
  std::filesystem::copy_file(bind.keyFile(), path + ".new");
  ::chmod((path + ".new").c_str(), 0600);
  std::filesystem::rename(path + ".new", path);
  requireSuccess(provider.replace(request));
  CHECK(bind.dig("www.example.test", "CNAME") == "app.gcp.example.net.");
  // A batch signs with it too.
  std::vector<Result<Written>> batch = provider.replaceBatch(
      {swap("www.example.test.", "app.aws.example.net.", "app.gcp.example.net.")});
  REQUIRE(batch.size() == 1);
  CHECK(std::holds_alternative<Written>(batch[0]));
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

namespace {

// A BIND 9 whose zone holds N CNAMEs r0..r<N-1> (at old.example.net.) the key may change.
Bind9Server::Options manyRecords(int n, const std::string& suffix = "") {
  Bind9Server::Options options;
  for (int i = 0; i < n; ++i) {
    const std::string label = "r" + std::to_string(i) + suffix;
    options.grants.push_back(label + ".example.test.");
    options.records += label + " IN CNAME old.example.net.\n";
  }
  return options;
}

std::vector<ReplaceRequest> moveAll(int n, const std::string& suffix = "") {
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < n; ++i) {
    changes.push_back(swap("r" + std::to_string(i) + suffix + ".example.test.", "new.example.net.",
                           "old.example.net."));
  }
  return changes;
}

Rfc2136Provider countedProvider(const Bind9Server& bind, const CountedCeiling& ceiling) {
  return Rfc2136Provider("ns-test", Rfc2136Settings{bind.address(), bind.keyFile()}, kTimeout,
                         ceiling.bucket);
}

bool written(const Result<Written>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    MESSAGE("unexpected error: " << error->message);
    return false;
  }
  return true;
}

std::string servedTarget(const Bind9Server& bind, const std::string& name) {
  return served(queryCname(bind.address(), name, kTimeout)).target;
}

}  // namespace

TEST_CASE("500 records are changed in ONE UPDATE and named serves all 500 after it") {
  Bind9Server bind(manyRecords(500));
  CountedCeiling ceiling;
  Rfc2136Provider provider = countedProvider(bind, ceiling);
  const std::uint32_t serial = bind.soaSerial();

  std::vector<Result<Written>> results = provider.replaceBatch(moveAll(500));
  REQUIRE(results.size() == 500);
  int applied = 0;
  for (const Result<Written>& result : results) {
    applied += written(result) ? 1 : 0;
  }
  CHECK(applied == 500);
  CHECK(ceiling.requests() == 1);         // one message sent
  CHECK(bind.soaSerial() == serial + 1);  // one update transaction in named
  int served_new = 0;
  for (int i = 0; i < 500; ++i) {
    served_new +=
        servedTarget(bind, "r" + std::to_string(i) + ".example.test.") == "new.example.net." ? 1
                                                                                             : 0;
  }
  CHECK(served_new == 500);
}

TEST_CASE("one of 500 records changed behind planb's back is the only Conflict; 499 go through") {
  Bind9Server bind(manyRecords(500));
  editByHand(bind, "r7.example.test.", "hand.example.net.");
  CountedCeiling ceiling;
  Rfc2136Provider provider = countedProvider(bind, ceiling);
  const std::uint32_t serial = bind.soaSerial();

  std::vector<Result<Written>> results = provider.replaceBatch(moveAll(500));
  REQUIRE(results.size() == 500);
  REQUIRE(std::holds_alternative<ProviderError>(results[7]));
  const ProviderError& conflict = std::get<ProviderError>(results[7]);
  CHECK(conflict.kind == ErrorKind::Conflict);
  CHECK(conflict.message ==
        "compare-and-swap lost: r7.example.test. serves hand.example.net., not the expected "
        "old.example.net.");
  int applied = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    applied += i != 7 && written(results[i]) ? 1 : 0;
  }
  CHECK(applied == 499);
  // The refused UPDATE, a query per record to find the one that changed, the resent UPDATE.
  CHECK(ceiling.requests() == 1 + 500 + 1);
  CHECK(bind.soaSerial() == serial + 1);
  CHECK(servedTarget(bind, "r7.example.test.") == "hand.example.net.");
  CHECK(servedTarget(bind, "r0.example.test.") == "new.example.net.");
  CHECK(servedTarget(bind, "r499.example.test.") == "new.example.net.");
}

TEST_CASE("a batch larger than one TCP message goes out in the fewest UPDATEs that fit") {
  // Long, distinct first labels, and names compress only against the first 16 KiB of a message
  // (pointers have 14 bits): 900 records need well over 65,535 bytes.
  const std::string suffix = "-" + std::string(55, 'x');
  Bind9Server bind(manyRecords(900, suffix));
  CountedCeiling ceiling;
  Rfc2136Provider provider = countedProvider(bind, ceiling);
  const std::uint32_t serial = bind.soaSerial();

  std::vector<Result<Written>> results = provider.replaceBatch(moveAll(900, suffix));
  int applied = 0;
  for (const Result<Written>& result : results) {
    applied += written(result) ? 1 : 0;
  }
  CHECK(applied == 900);
  const int messages = ceiling.requests();
  CHECK(messages >= 2);
  CHECK(bind.soaSerial() == serial + static_cast<std::uint32_t>(messages));  // each one UPDATE
  CHECK(servedTarget(bind, "r899" + suffix + ".example.test.") == "new.example.net.");
}

TEST_CASE("a record outside the update-policy is refused alone and the rest of the batch applied") {
  Bind9Server bind(manyRecords(8));
  Rfc2136Provider provider = providerFor(bind);
  std::vector<ReplaceRequest> changes = moveAll(8);
  changes.push_back(swap("other.example.test.", "new.example.net.", std::nullopt));
  std::vector<Result<Written>> results = provider.replaceBatch(changes);
  REQUIRE(results.size() == 9);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(written(results[i]));
  }
  REQUIRE(std::holds_alternative<ProviderError>(results[8]));
  CHECK(std::get<ProviderError>(results[8]).kind == ErrorKind::Refused);
  CHECK(servedTarget(bind, "r3.example.test.") == "new.example.net.");
}
