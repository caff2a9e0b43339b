// http probes with sign = "aws-sigv4" against s3_server.py, a fake S3 that recomputes every
// signature on its own (Python hashlib/hmac), on a free port of 127.0.0.1.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "harness/process.hpp"
#include "probe_factory.hpp"

using namespace std::chrono_literals;
using planb::core::ProbeFailure;
using planb::core::ProbeResult;
using planb::testing::ServerProcess;

namespace {

const std::string kAkid = "AKIDPLANBPROBE000001";
const std::string kSecret = "planb/probe+secret/0123456789abcdefghijklmnopq";

std::string python3() {
  if (planb::testing::findProgram("python3")) {
    return "python3";
  }
  const char* allow_skip = std::getenv("PLANB_ALLOW_SKIP");
  if (allow_skip != nullptr && std::string(allow_skip) == "1") {
    std::cerr << "SKIP: python3 not found and PLANB_ALLOW_SKIP=1\n";
    std::exit(planb::testing::kSkipExitCode);
  }
  throw std::runtime_error(
      "python3 not found (scripts/setup installs it), or set PLANB_ALLOW_SKIP=1 to skip this test");
}

std::string writePrivate(const std::string& path, const std::string& text) {
  planb::testing::writeFile(path, text);
  ::chmod(path.c_str(), 0600);
  return path;
}

// The fake, with the objects /probes/health.txt ("status: ok") and "/probes/with space.txt".
// With a session token, it takes temporary credentials only (an STS key id and its token).
class FakeS3 {
 public:
  explicit FakeS3(std::optional<std::string> session_token = std::nullopt)
      : dir_(planb::testing::makeTempDir("planb-s3")),
        port_(planb::testing::pickFreePort()),
        akid_file_(writePrivate(dir_ + "/access_key_id", kAkid + "\n")),
        secret_file_(writePrivate(dir_ + "/secret_access_key", kSecret + "\n")),
        wrong_secret_file_(writePrivate(dir_ + "/wrong_secret", kSecret + "x\n")) {
    std::vector<std::string> command{python3(),
                                     std::string(PLANB_S3_FAKE),
                                     "--port",
                                     std::to_string(port_),
                                     "--access-key-id-file",
                                     akid_file_,
                                     "--secret-file",
                                     secret_file_,
                                     "--region",
                                     "eu-central-1",
                                     "--object",
                                     "/probes/health.txt=status: ok",
                                     "--object",
                                     "/probes/with space.txt=spaced"};
    if (session_token) {
      session_token_file_ = writePrivate(dir_ + "/session_token", *session_token + "\n");
      command.insert(command.end(), {"--session-token-file", session_token_file_});
    }
    server_ = std::make_unique<ServerProcess>(command, dir_ + "/s3.log");
    server_->waitForTcp(port_, 10s);
  }
  ~FakeS3() {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // A signed http probe of PATH, signing for eu-central-1 / s3 with the right key.
  planb::config::ProbeConfig probe(const std::string& path) const {
    planb::config::ProbeConfig c;
    c.name = "s3";
    c.type = planb::config::ProbeType::Http;
    c.http.url = url(path);
    planb::config::SigV4ProbeSettings sign;
    sign.region = "eu-central-1";
    sign.service = "s3";
    sign.access_key_id_file = akid_file_;
    sign.secret_access_key_file = secret_file_;
    c.http.sign = sign;
    return c;
  }

  const std::string& wrongSecretFile() const { return wrong_secret_file_; }
  const std::string& secretFile() const { return secret_file_; }
  const std::string& sessionTokenFile() const { return session_token_file_; }
  std::string dir() const { return dir_; }

 private:
  std::string dir_;
  std::uint16_t port_;
  std::string akid_file_;
  std::string secret_file_;
  std::string wrong_secret_file_;
  std::string session_token_file_;
  std::unique_ptr<ServerProcess> server_;
};

// One server for the whole program: starting Python costs most of a second.
FakeS3& fake() {
  static FakeS3 server;
  return server;
}

const std::string kSessionToken = "IQoJb3JpZ2luX2VjEPLANB//session+token/0123456789==";

FakeS3& temporaryCredentialsFake() {
  static FakeS3 server(kSessionToken);
  return server;
}

ProbeResult attempt(const planb::config::ProbeConfig& config) {
  boost::asio::io_context io;
  auto probe = planb::probes::makeProbe(io, config);
  std::optional<ProbeResult> result;
  probe->start(5000ms, [&](ProbeResult r) { result = std::move(r); });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.run_one_until(deadline);
  }
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("a signed GET of an object succeeds when the server verifies the signature") {
  auto config = fake().probe("/probes/health.txt");
  config.http.expect_body_regex = "^status: ok$";
  ProbeResult r = attempt(config);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("a signed HEAD of an object succeeds") {
  auto config = fake().probe("/probes/health.txt");
  config.http.method = "HEAD";
  ProbeResult r = attempt(config);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("a signed request for a key with a space and a query is signed as S3 canonicalises it") {
  auto config = fake().probe("/probes/with%20space.txt?versionId=null&x-id=GetObject");
  config.http.expect_body = "spaced";
  ProbeResult r = attempt(config);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("a signed probe with the wrong secret fails with status 403") {
  auto config = fake().probe("/probes/health.txt");
  config.http.sign->secret_access_key_file = fake().wrongSecretFile();
  ProbeResult r = attempt(config);
  CHECK(r.failure == ProbeFailure::Status);
  CHECK(r.detail == "status 403, expected 200");
  CHECK(r.detail.find(kSecret) == std::string::npos);
}

TEST_CASE("a signed probe for another region fails with status 403") {
  auto config = fake().probe("/probes/health.txt");
  config.http.sign->region = "us-east-1";
  ProbeResult r = attempt(config);
  CHECK(r.failure == ProbeFailure::Status);
  CHECK(r.detail == "status 403, expected 200");
}

TEST_CASE("an unsigned probe of the same object is refused: anonymous access is not the check") {
  auto config = fake().probe("/probes/health.txt");
  config.http.sign.reset();
  ProbeResult r = attempt(config);
  CHECK(r.failure == ProbeFailure::Status);
}

TEST_CASE("a signed probe of a missing object fails with status 404") {
  ProbeResult r = attempt(fake().probe("/probes/missing.txt"));
  CHECK(r.failure == ProbeFailure::Status);
  CHECK(r.detail == "status 404, expected 200");
}

TEST_CASE("a signed probe whose credential file is unreadable is refused when built") {
  boost::asio::io_context io;
  auto config = fake().probe("/probes/health.txt");
  config.http.sign->secret_access_key_file = "/nonexistent/secret";
  CHECK_THROWS_AS(planb::probes::makeProbe(io, config), std::invalid_argument);
  ::chmod(fake().secretFile().c_str(), 0644);
  try {
    planb::probes::makeProbe(io, fake().probe("/probes/health.txt"));
    FAIL("a world-readable secret file was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find(kSecret) == std::string::npos);
  }
  ::chmod(fake().secretFile().c_str(), 0600);
}

TEST_CASE("a probe signed with temporary credentials sends its session token, signed") {
  FakeS3& s3 = temporaryCredentialsFake();
  auto config = s3.probe("/probes/health.txt");
  config.http.sign->session_token_file = s3.sessionTokenFile();
  ProbeResult r = attempt(config);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("temporary credentials without their session token, or with another, are refused") {
  FakeS3& s3 = temporaryCredentialsFake();
  ProbeResult without = attempt(s3.probe("/probes/health.txt"));
  CHECK(without.detail == "status 403, expected 200");
  auto config = s3.probe("/probes/health.txt");
  config.http.sign->session_token_file =
      writePrivate(s3.dir() + "/other_token", "IQoJb3JpZ2luX2VjEOTHER\n");
  ProbeResult other = attempt(config);
  CHECK(other.detail == "status 400, expected 200");
  CHECK(other.detail.find(kSessionToken) == std::string::npos);
}

TEST_CASE("a signed probe takes a rotated secret file on its next attempt, without a reload") {
  FakeS3& s3 = fake();
  const std::string path = s3.dir() + "/rotating_secret";
  writePrivate(path, kSecret + "-old\n");
  auto config = s3.probe("/probes/health.txt");
  config.http.sign->secret_access_key_file = path;
  boost::asio::io_context io;
  auto probe = planb::probes::makeProbe(io, config);
  auto once = [&] {
    std::optional<ProbeResult> result;
    probe->start(5000ms, [&](ProbeResult r) { result = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_one_until(deadline);
    }
    REQUIRE(result.has_value());
    return *result;
  };
  CHECK(once().detail == "status 403, expected 200");  // the old secret
  // The agent writes the new secret to a new file and renames it over the old one.
  writePrivate(path + ".new", kSecret + "\n");
  std::filesystem::rename(path + ".new", path);
  ProbeResult rotated = once();
  CHECK_MESSAGE(rotated.ok(), rotated.detail);
}
