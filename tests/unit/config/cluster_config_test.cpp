// [cluster]: fleet mode's etcd endpoints, node name, lease, quorum and credentials.

#include <doctest/doctest.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::kBaseLines;
using testing::load;
using testing::onlyErrorOf;
using testing::withBase;

const Environment kSystemdCredentials = {
    {"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};

std::string hostName() {
  char buffer[HOST_NAME_MAX + 1] = {};
  REQUIRE(::gethostname(buffer, sizeof buffer - 1) == 0);
  return buffer;
}

TEST_CASE("a config without [cluster] runs planbd alone") {
  Config c = load(withBase(""));
  CHECK(c.cluster == std::nullopt);
}

TEST_CASE("a [cluster] with only etcd_endpoints takes the defaults") {
  Config c = load(withBase("[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\n"));
  REQUIRE(c.cluster);
  const ClusterConfig& cluster = *c.cluster;
  CHECK(cluster.etcd_endpoints == std::vector<std::string>{"http://127.0.0.1:2379"});
  CHECK(cluster.node_name == hostName());
  CHECK(cluster.lease_ttl == Millis(5000));
  CHECK(cluster.quorum == 0);
  CHECK(cluster.min_nodes == 2);
  CHECK(cluster.prefix == "/planb/");
  CHECK_FALSE(cluster.username);
  CHECK_FALSE(cluster.password_file);
  CHECK_FALSE(cluster.ca_file);
  CHECK_FALSE(cluster.cert_file);
  CHECK_FALSE(cluster.key_file);
  CHECK(cluster.pos.line == kBaseLines + 1);
}

TEST_CASE("every [cluster] key is read, ${CREDENTIALS_DIRECTORY} expanded in file paths") {
  Config c = load(withBase(R"([cluster]
etcd_endpoints = ["HTTPS://etcd1.example.net:2379/", "https://[2001:db8::1]:2379", "http://[::1]:2379"]
node_name = "edge-1.fra"
lease_ttl = "10s"
quorum = 2
min_nodes = 3
prefix = "/prod/planb/"
username = "planb"
password_file = "${CREDENTIALS_DIRECTORY}/etcd_password"
ca_file = "/etc/planb/etcd-ca.pem"
cert_file = "${CREDENTIALS_DIRECTORY}/etcd.crt"
key_file = "${CREDENTIALS_DIRECTORY}/etcd.key"
)"),
                  kSystemdCredentials);
  REQUIRE(c.cluster);
  const ClusterConfig& cluster = *c.cluster;
  CHECK(cluster.etcd_endpoints == std::vector<std::string>{"https://etcd1.example.net:2379",
                                                           "https://[2001:db8::1]:2379",
                                                           "http://[::1]:2379"});
  CHECK(cluster.node_name == "edge-1.fra");
  CHECK(cluster.lease_ttl == Millis(10'000));
  CHECK(cluster.quorum == 2);
  CHECK(cluster.min_nodes == 3);
  CHECK(cluster.prefix == "/prod/planb/");
  CHECK(cluster.username == "planb");
  CHECK(cluster.password_file == "/run/credentials/planbd.service/etcd_password");
  CHECK(cluster.ca_file == "/etc/planb/etcd-ca.pem");
  CHECK(cluster.cert_file == "/run/credentials/planbd.service/etcd.crt");
  CHECK(cluster.key_file == "/run/credentials/planbd.service/etcd.key");
}

TEST_CASE("quorum = \"majority\" is stored as 0, and a quorum above min_nodes is accepted") {
  Config majority = load(
      withBase("[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\nquorum = \"majority\"\n"));
  CHECK(majority.cluster->quorum == 0);
  Config five = load(withBase(
      "[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\nquorum = 5\nmin_nodes = 2\n"));
  CHECK(five.cluster->quorum == 5);
}

TEST_CASE("lease_ttl accepts whole seconds from 2s to 60s") {
  for (const auto& example :
       std::vector<std::pair<std::string, long>>{{"2s", 2000}, {"1m", 60'000}, {"2000ms", 2000}}) {
    const std::string& text = example.first;  // not a structured binding: CAPTURE is a lambda
    CAPTURE(text);
    Config c = load(withBase(
        "[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\nlease_ttl = \"" + text + "\"\n"));
    CHECK(c.cluster->lease_ttl == Millis(example.second));
  }
}

TEST_CASE("a [cluster] without etcd_endpoints is refused at its header") {
  ConfigError e = onlyErrorOf(withBase("[cluster]\nnode_name = \"a\"\n"));
  CHECK(e.pos.line == kBaseLines + 1);
  CHECK(e.key_path == "cluster.etcd_endpoints");
  CHECK(e.message == "required key is missing");
}

TEST_CASE("an empty etcd_endpoints list is refused") {
  ConfigError e = onlyErrorOf(withBase("[cluster]\netcd_endpoints = []\n"));
  CHECK(e.pos.line == kBaseLines + 2);
  CHECK(e.pos.column == 1);
  CHECK(e.key_path == "cluster.etcd_endpoints");
  CHECK(e.message == "must list at least one endpoint");
}

TEST_CASE("every bad endpoint is reported with its position in the list") {
  std::string more =
      "[cluster]\n"                         // line 1
      "etcd_endpoints = [\n"                // 2
      "  \"etcd1:2379\",\n"                 // 3
      "  \"grpc://etcd1:2379\",\n"          // 4
      "  \"http://etcd1\",\n"               // 5
      "  \"http://etcd1:2379/v3\",\n"       // 6
      "  \"http://user:pw@etcd1:2379\",\n"  // 7
      "  \"http://etcd1:99999\",\n"         // 8
      "  \"https://etcd2:2379\",\n"         // 9
      "  \"https://etcd2:2379/\",\n"        // 10
      "  7,\n"                              // 11
      "]\n";                                // 12
  checkErrors(
      errorsOf(withBase(more)),
      {{kBaseLines + 3, 3, "cluster.etcd_endpoints[0]",
        "bad endpoint \"etcd1:2379\": use http://host:port or https://host:port"},
       {kBaseLines + 4, 3, "cluster.etcd_endpoints[1]",
        "bad endpoint \"grpc://etcd1:2379\": use http://host:port or https://host:port"},
       {kBaseLines + 5, 3, "cluster.etcd_endpoints[2]",
        "bad endpoint \"http://etcd1\": the port is required (host:port)"},
       {kBaseLines + 6, 3, "cluster.etcd_endpoints[3]",
        "bad endpoint \"http://etcd1:2379/v3\": no path, query or fragment; use http://host:port "
        "or https://host:port"},
       {kBaseLines + 7, 3, "cluster.etcd_endpoints[4]",
        "bad endpoint: user info (user:password@) is not accepted; use username and "
        "password_file"},
       {kBaseLines + 8, 3, "cluster.etcd_endpoints[5]",
        "bad endpoint \"http://etcd1:99999\": the port must be a number from 1 to 65535"},
       {kBaseLines + 10, 3, "cluster.etcd_endpoints[7]",
        "endpoint \"https://etcd2:2379\" is listed twice"},
       {kBaseLines + 11, 3, "cluster.etcd_endpoints[8]", "expected a string, got an integer"}});
}

TEST_CASE("bad [cluster] values are all reported with their line, column and key") {
  std::string more =
      "[cluster]\n"                                     // line 1
      "etcd_endpoints = [\"http://127.0.0.1:2379\"]\n"  // 2
      "node_name = \"edge 1\"\n"                        // 3
      "lease_ttl = \"2500ms\"\n"                        // 4
      "quorum = 0\n"                                    // 5
      "min_nodes = 0\n"                                 // 6
      "prefix = \"planb\"\n"                            // 7
      "username = \"planb\"\n"                          // 8
      "cert_file = \"/etc/planb/etcd.crt\"\n"           // 9
      "password = \"hunter2\"\n"                        // 10
      "endpoints = [\"http://127.0.0.1:2379\"]\n";      // 11
  checkErrors(errorsOf(withBase(more)),
              {{kBaseLines + 3, 1, "cluster.node_name",
                "bad name \"edge 1\": use letters, digits, '-', '_' and '.'"},
               {kBaseLines + 4, 1, "cluster.lease_ttl",
                "must be whole seconds (etcd's leases have no finer unit), got 2500ms"},
               {kBaseLines + 5, 1, "cluster.quorum", "must be at least 1, got 0"},
               {kBaseLines + 6, 1, "cluster.min_nodes", "must be at least 1, got 0"},
               {kBaseLines + 7, 1, "cluster.prefix",
                "bad prefix \"planb\": it must begin and end with '/', e.g. \"/planb/\""},
               {kBaseLines + 8, 1, "cluster.username", "username needs password_file"},
               {kBaseLines + 9, 1, "cluster.cert_file", "cert_file needs key_file"},
               {kBaseLines + 10, 1, "cluster.password",
                "secrets are never written inline: use password_file = \"/path\""},
               {kBaseLines + 11, 1, "cluster.endpoints", "unknown key \"endpoints\""}});
}

TEST_CASE("lease_ttl outside 2s..60s is refused") {
  for (const std::string text : {"1s", "61s", "2m"}) {
    CAPTURE(text);
    ConfigError e = onlyErrorOf(withBase(
        "[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\nlease_ttl = \"" + text + "\"\n"));
    CHECK(e.pos.line == kBaseLines + 3);
    CHECK(e.key_path == "cluster.lease_ttl");
    CHECK(e.message == "must be between 2s and 1m, got " + text);
  }
  ConfigError e = onlyErrorOf(
      withBase("[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\nlease_ttl = 5\n"));
  CHECK(e.message == "expected a duration with a unit, such as \"2s\", got an integer");
}

TEST_CASE("quorum is a number of nodes or \"majority\"") {
  std::string base = "[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\n";
  ConfigError word = onlyErrorOf(withBase(base + "quorum = \"most\"\n"));
  CHECK(word.pos.line == kBaseLines + 3);
  CHECK(word.key_path == "cluster.quorum");
  CHECK(word.message == "bad value \"most\": use \"majority\" or a number of nodes");
  ConfigError type = onlyErrorOf(withBase(base + "quorum = 1.5\n"));
  CHECK(type.message == "expected \"majority\" or a number of nodes, got a float");
  ConfigError negative = onlyErrorOf(withBase(base + "quorum = -2\n"));
  CHECK(negative.message == "must be at least 1, got -2");
}

TEST_CASE("node_name is at most 63 characters") {
  std::string base = "[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\"]\n";
  Config ok = load(withBase(base + "node_name = \"" + std::string(63, 'n') + "\"\n"));
  CHECK(ok.cluster->node_name == std::string(63, 'n'));
  ConfigError e = onlyErrorOf(withBase(base + "node_name = \"" + std::string(64, 'n') + "\"\n"));
  CHECK(e.pos.line == kBaseLines + 3);
  CHECK(e.key_path == "cluster.node_name");
  CHECK(e.message == "name \"" + std::string(64, 'n') + "\" is longer than 63 characters");
  ConfigError empty = onlyErrorOf(withBase(base + "node_name = \"\"\n"));
  CHECK(empty.message == "must not be empty");
}

TEST_CASE("password_file without username and key_file without cert_file are refused") {
  std::string more =
      "[cluster]\n"                                     // line 1
      "etcd_endpoints = [\"http://127.0.0.1:2379\"]\n"  // 2
      "password_file = \"/etc/planb/etcd.pw\"\n"        // 3
      "key_file = \"/etc/planb/etcd.key\"\n";           // 4
  checkErrors(errorsOf(withBase(more)),
              {{kBaseLines + 3, 1, "cluster.password_file", "password_file needs username"},
               {kBaseLines + 4, 1, "cluster.key_file", "key_file needs cert_file"}});
}

TEST_CASE("a *_file of [cluster] naming ${CREDENTIALS_DIRECTORY} needs it to be set") {
  ConfigError e =
      onlyErrorOf(withBase("[cluster]\n"
                           "etcd_endpoints = [\"https://127.0.0.1:2379\"]\n"
                           "ca_file = \"${CREDENTIALS_DIRECTORY}/ca.pem\"\n"));
  CHECK(e.pos.line == kBaseLines + 3);
  CHECK(e.key_path == "cluster.ca_file");
  CHECK(e.message ==
        "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with LoadCredential=)");
}

TEST_CASE("[cluster] written as a value rather than a table is refused") {
  ConfigError e = onlyErrorOf("cluster = \"etcd\"\n" + std::string(testing::kBase));
  CHECK(e.pos.line == 1);
  CHECK(e.key_path == "cluster");
  CHECK(e.message == "expected a table ([cluster]), got a string");
}

}  // namespace
}  // namespace planb::config

namespace planb::config {
namespace {

TEST_CASE(
    "etcd over plain http:// to a host that is not loopback is refused, with or without "
    "credentials") {
  const std::string credentials =
      "username = \"planb\"\npassword_file = \"/etc/planb/etcd_password\"\n";
  for (const std::string& extra : {std::string(), credentials}) {
    std::string more =
        "[cluster]\n"                            // line 1
        "etcd_endpoints = [\n"                   // 2
        "  \"http://203.0.113.9:2379\",\n"       // 3
        "  \"http://localhost.:2379\",\n"        // 4
        "  \"http://etcd.example.net:2379\",\n"  // 5
        "  \"http://[2001:db8::1]:2379\",\n"     // 6
        "]\n" +
        extra;
    checkErrors(errorsOf(withBase(more)),
                {{kBaseLines + 3, 3, "cluster.etcd_endpoints[0]",
                  "bad endpoint \"http://203.0.113.9:2379\": plain http:// is accepted only for "
                  "loopback addresses; use https://"},
                 {kBaseLines + 4, 3, "cluster.etcd_endpoints[1]",
                  "bad endpoint \"http://localhost.:2379\": plain http:// is accepted only for "
                  "loopback addresses; use https://"},
                 {kBaseLines + 5, 3, "cluster.etcd_endpoints[2]",
                  "bad endpoint \"http://etcd.example.net:2379\": plain http:// is accepted only "
                  "for loopback addresses; use https://"},
                 {kBaseLines + 6, 3, "cluster.etcd_endpoints[3]",
                  "bad endpoint \"http://[2001:db8::1]:2379\": plain http:// is accepted only for "
                  "loopback addresses; use https://"}});
  }
}

TEST_CASE("etcd over plain http:// is accepted to loopback addresses and a dotless localhost") {
  Config c =
      load(withBase("[cluster]\netcd_endpoints = [\"http://127.0.0.1:2379\", "
                    "\"http://127.8.9.10:2379\", \"http://[::1]:2379\", "
                    "\"http://LocalHost:2379\", \"https://203.0.113.9:2379\"]\n"));
  REQUIRE(c.cluster);
  CHECK(c.cluster->etcd_endpoints ==
        std::vector<std::string>{"http://127.0.0.1:2379", "http://127.8.9.10:2379",
                                 "http://[::1]:2379", "http://LocalHost:2379",
                                 "https://203.0.113.9:2379"});
}

}  // namespace
}  // namespace planb::config
