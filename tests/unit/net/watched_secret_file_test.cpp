#include "net/watched_secret_file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fakes/temp_dir.hpp"

namespace {

using planb::net::CredentialError;
using planb::net::WatchedSecretFile;

void writeFile(const std::string& path, const std::string& content, mode_t mode = 0600) {
  std::ofstream(path, std::ios::trunc) << content;
  ::chmod(path.c_str(), mode);
}

// How a rotating agent writes: a new file renamed over the old one.
void rotate(const std::string& path, const std::string& content) {
  writeFile(path + ".new", content);
  REQUIRE(std::rename((path + ".new").c_str(), path.c_str()) == 0);
}

}  // namespace

TEST_CASE("a rotated credential file is read again on the next request") {
  planb::testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  writeFile(path, "first-token\n");
  WatchedSecretFile file(path, "API token file");
  CHECK(file.current().reveal() == "first-token");
  rotate(path, "second-token\n");
  CHECK(file.current().reveal() == "second-token");
  CHECK_FALSE(file.lastError().has_value());
}

TEST_CASE("a credential rewritten in place with the same size is seen on the next request") {
  planb::testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  writeFile(path, "token-aaaa\n");
  WatchedSecretFile file(path, "API token file");
  writeFile(path, "token-bbbb\n");  // same inode, same size, maybe within the same clock tick
  CHECK(file.current().reveal() == "token-bbbb");
}

TEST_CASE("a credential file made unsafe or emptied keeps the last good secret and says why") {
  planb::testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  writeFile(path, "good-token\n");
  WatchedSecretFile file(path, "API token file");
  rotate(path, "");
  CHECK(file.current().reveal() == "good-token");
  REQUIRE(file.lastError().has_value());
  CHECK(file.lastError()->find(path + ": API token file is empty") != std::string::npos);
  writeFile(path, "world-readable\n", 0644);
  CHECK(file.current().reveal() == "good-token");
  CHECK(file.lastError()->find("chmod 600") != std::string::npos);
  CHECK(file.lastError()->find("world-readable") == std::string::npos);
  rotate(path, "fixed-token\n");
  CHECK(file.current().reveal() == "fixed-token");
  CHECK_FALSE(file.lastError().has_value());
}

TEST_CASE("a missing credential file stops the provider at start") {
  planb::testing::TempDir dir;
  CHECK_THROWS_AS(WatchedSecretFile(dir.path() + "/absent", "API token file"), CredentialError);
}
