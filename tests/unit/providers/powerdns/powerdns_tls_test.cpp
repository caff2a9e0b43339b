// PowerDnsProvider over https to a server on 127.0.0.1 whose certificate its ca_file does not
// vouch for: the read fails as a configuration problem (Permanent), not as a transient one.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "fakes/temp_dir.hpp"
#include "fakes/tls_test_server.hpp"
#include "providers/powerdns_provider.hpp"

using namespace planb::providers;
using planb::testing::TempDir;
using planb::testing::TestPki;
using planb::testing::TlsTestServer;
using std::chrono::milliseconds;

namespace {

const std::string kZoneReply =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Content-Length: 13\r\n\r\n{\"rrsets\":[]}";

std::string keyFile(const TempDir& dir) {
  std::string path = dir.path() + "/pdns.key";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "k3y\n", 4) == 4);
  ::close(fd);
  return path;
}

Result<ServedRecord> readWww(const TlsTestServer& server, const std::string& ca_file,
                             const TempDir& dir) {
  PowerDnsSettings settings{"https://127.0.0.1:" + std::to_string(server.port()), keyFile(dir),
                            "localhost"};
  PowerDnsProvider provider("pdns", settings, ca_file, milliseconds(2000), milliseconds(5000));
  return provider.read({"example.test.", "www.example.test."});
}

}  // namespace

TEST_CASE("a PowerDNS api_url whose certificate the ca_file did not sign fails as Permanent") {
  TempDir dir;
  TlsTestServer server("ip", kZoneReply);
  SUBCASE("the control: the right ca_file reads the zone") {
    Result<ServedRecord> read = readWww(server, TestPki::get().file("ca.pem"), dir);
    REQUIRE(std::holds_alternative<ServedRecord>(read));
    CHECK(std::get<ServedRecord>(read).kind == ServedRecord::Kind::Absent);
  }
  SUBCASE("another CA's ca_file") {
    Result<ServedRecord> read = readWww(server, TestPki::get().file("other-ca.pem"), dir);
    REQUIRE(std::holds_alternative<ProviderError>(read));
    const ProviderError& error = std::get<ProviderError>(read);
    INFO(error.message);
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("PowerDNS API") != std::string::npos);
    CHECK(error.message.find("TLS verification of 127.0.0.1:" + std::to_string(server.port())) !=
          std::string::npos);
    CHECK(error.message.find("check the endpoint's certificate or the provider's ca_file") !=
          std::string::npos);
    CHECK(error.message.find("k3y") == std::string::npos);
    CHECK(server.requests() == 0);
  }
}
