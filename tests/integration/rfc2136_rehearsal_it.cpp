// The rehearsal's TXT write path and name servers of Rfc2136Provider against a real BIND 9 on
// 127.0.0.1 (product.md §11): write, read back, served by named, rewritten, deleted (twice), and
// never a change to another type or a managed CNAME.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "fakes/recorded_ceiling.hpp"
#include "harness/bind9_server.hpp"
#include "providers/dns_query.hpp"
#include "providers/rfc2136_provider.hpp"

using namespace planb::providers;
using planb::testing::Bind9Server;
using planb::testing::CountedCeiling;

namespace {

constexpr std::chrono::milliseconds kRehearsalTimeout{2000};
const std::string kRehearsalName = "_planb-rehearsal.example.test.";
const RecordRef kRehearsalRecord{"example.test.", kRehearsalName};

Rfc2136Provider rehearsingProvider(const Bind9Server& bind, const std::string& key_file,
                                   std::shared_ptr<RequestCeiling> ceiling = nullptr) {
  return Rfc2136Provider("ns-test", Rfc2136Settings{bind.address(), key_file}, kRehearsalTimeout,
                         std::move(ceiling));
}

TxtWrite rehearsalToken(const std::string& value, const std::string& name = kRehearsalName) {
  return TxtWrite{{"example.test.", name}, value, 60};
}

template <typename T>
T succeeded(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

template <typename T>
ProviderError refusedWith(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

// What named serves at NAME, asked with dig and with queryTxt.
std::vector<std::string> servedTxt(const Bind9Server& bind, const std::string& name) {
  return succeeded(queryTxt(bind.address(), name, kRehearsalTimeout));
}

std::string servedCname(const Bind9Server& bind) {
  return bind.dig("www.example.test", "CNAME");
}

std::string keyFileWithSecret(const Bind9Server& bind, const std::string& key_name) {
  std::string path = bind.dir() + "/rehearsal-wrong.key";
  std::ofstream(path) << "key \"" << key_name << "\" {\n\talgorithm hmac-sha256;\n\tsecret \""
                      << "c2VjcmV0LW5vdC1rbm93bi10by10aGUtc2VydmVyLTA="
                      << "\";\n};\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

}  // namespace

TEST_CASE("a rehearsal TXT is written, served, rewritten to one value and deleted twice on BIND") {
  Bind9Server bind;
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile());
  const std::uint32_t serial = bind.soaSerial();
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)).empty());

  Written written = succeeded(provider.writeTxt(rehearsalToken("token-1")));
  CHECK(written.propagating_change.empty());
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)) == std::vector<std::string>{"token-1"});
  CHECK(bind.dig(kRehearsalName, "TXT") == "\"token-1\"");
  CHECK(servedCname(bind) == "app.aws.example.net.");

  succeeded(provider.writeTxt(rehearsalToken("token-2")));
  CHECK(servedTxt(bind, kRehearsalName) == std::vector<std::string>{"token-2"});
  CHECK(bind.dig(kRehearsalName, "TXT") == "\"token-2\"");
  CHECK(servedCname(bind) == "app.aws.example.net.");

  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(succeeded(provider.readTxt(kRehearsalRecord)).empty());
  CHECK(bind.dig(kRehearsalName, "TXT").empty());
  // Absent already: a clean-up after a crash may run twice.
  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(bind.dig(kRehearsalName, "ANY").empty());

  CHECK(bind.soaSerial() == serial + 3);  // two writes, one delete; the second changed nothing
  ServedRecord www = succeeded(provider.read({"example.test.", "www.example.test."}));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
}

TEST_CASE("a TXT write and delete at a name holding an A record leave the A record alone") {
  Bind9Server::Options options;
  options.records += "mixed IN A 192.0.2.7\nmixed IN TXT \"old\"\n";
  options.txt_grants.push_back("mixed.example.test.");
  Bind9Server bind(options);
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile());

  succeeded(provider.writeTxt(rehearsalToken("new", "mixed.example.test.")));
  CHECK(servedTxt(bind, "mixed.example.test.") == std::vector<std::string>{"new"});
  CHECK(bind.dig("mixed.example.test", "A") == "192.0.2.7");

  succeeded(provider.deleteTxt({"example.test.", "mixed.example.test."}));
  CHECK(servedTxt(bind, "mixed.example.test.").empty());
  CHECK(bind.dig("mixed.example.test", "A") == "192.0.2.7");
}

TEST_CASE("a TXT write at a name holding a CNAME is a Conflict and changes nothing") {
  Bind9Server::Options options;
  options.txt_grants.push_back("www.example.test.");
  Bind9Server bind(options);
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile());
  const std::uint32_t serial = bind.soaSerial();

  ProviderError error = refusedWith(provider.writeTxt(rehearsalToken("t", "www.example.test.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message == "www.example.test. holds a CNAME: no TXT is written beside it");
  CHECK(servedCname(bind) == "app.aws.example.net.");
  CHECK(servedTxt(bind, "www.example.test.").empty());
  CHECK(bind.soaSerial() == serial);
}

TEST_CASE("nameServers answers the zone's apex NS RRset as named serves it") {
  Bind9Server::Options options;
  options.records += "@ IN NS NS2.Example.NET.\n";
  Bind9Server bind(options);
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile());
  CHECK(succeeded(provider.nameServers("example.test.")) ==
        std::vector<std::string>{"ns1.example.test.", "ns2.example.net."});

  ProviderError elsewhere = refusedWith(provider.nameServers("example.org."));
  CHECK(elsewhere.kind == ErrorKind::Refused);  // named is not authoritative for it
}

TEST_CASE("a TSIG key BIND refuses fails the TXT write and delete as Auth, changing nothing") {
  Bind9Server bind;
  succeeded(rehearsingProvider(bind, bind.keyFile()).writeTxt(rehearsalToken("kept")));

  SUBCASE("the right name with a wrong secret: BADSIG") {
    Rfc2136Provider wrong = rehearsingProvider(bind, keyFileWithSecret(bind, bind.keyName()));
    ProviderError write_error = refusedWith(wrong.writeTxt(rehearsalToken("t")));
    CHECK(write_error.kind == ErrorKind::Auth);
    CHECK(write_error.message.find("rejected TSIG key \"" + bind.keyName() + "\": BADSIG") !=
          std::string::npos);
    CHECK(write_error.message.find("c2VjcmV0LW5vdC1rbm93bi") == std::string::npos);
    CHECK(refusedWith(wrong.deleteTxt(kRehearsalRecord)).kind == ErrorKind::Auth);
  }
  SUBCASE("a key name the server does not know: BADKEY") {
    Rfc2136Provider unknown = rehearsingProvider(bind, keyFileWithSecret(bind, "unknown-key"));
    ProviderError error = refusedWith(unknown.writeTxt(rehearsalToken("t")));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find("BADKEY") != std::string::npos);
    CHECK(refusedWith(unknown.deleteTxt(kRehearsalRecord)).kind == ErrorKind::Auth);
  }
  CHECK(servedTxt(bind, kRehearsalName) == std::vector<std::string>{"kept"});
}

TEST_CASE("a key without a TXT grant for the rehearsal name is Refused, naming the update-policy") {
  Bind9Server::Options options;
  options.txt_grants.clear();
  Bind9Server bind(options);
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile());
  ProviderError error = refusedWith(provider.writeTxt(rehearsalToken("t")));
  CHECK(error.kind == ErrorKind::Refused);
  CHECK(error.message == "server " + bind.address().str() + " refused the UPDATE of " +
                             kRehearsalName + " (REFUSED): TSIG key \"" + bind.keyName() +
                             "\" may not change its TXT (update-policy)");
  CHECK(servedTxt(bind, kRehearsalName).empty());
}

TEST_CASE("every rehearsal step against BIND is one exchange drawn from the ceiling") {
  Bind9Server bind;
  CountedCeiling ceiling;
  Rfc2136Provider provider = rehearsingProvider(bind, bind.keyFile(), ceiling.bucket);
  succeeded(provider.writeTxt(rehearsalToken("t")));
  CHECK(ceiling.requests() == 1);
  succeeded(provider.readTxt(kRehearsalRecord));
  CHECK(ceiling.requests() == 2);
  succeeded(provider.deleteTxt(kRehearsalRecord));
  CHECK(ceiling.requests() == 3);
  succeeded(provider.nameServers("example.test."));
  CHECK(ceiling.requests() == 4);
}
