// What loadConfig refuses, and how it says so: every error names its file, line, column and key.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::kBaseLines;
using testing::listed;
using testing::onlyErrorOf;
using testing::withBase;

TEST_CASE("an error is printed as FILE:LINE:COL: key.path: message") {
  ConfigError error{{"planb.toml", 42, 3}, "target[1].probe[0].timeout", "bad duration \"5x\""};
  CHECK(error.format() == "planb.toml:42:3: target[1].probe[0].timeout: bad duration \"5x\"");

  SUBCASE("without a key path when the error is about no key") {
    error.key_path.clear();
    CHECK(error.format() == "planb.toml:42:3: bad duration \"5x\"");
  }
  SUBCASE("without line and column when the error is about the whole file") {
    error = ConfigError{{"planb.toml", 0, 0}, "", "cannot read: Permission denied"};
    CHECK(error.format() == "planb.toml: cannot read: Permission denied");
  }
}

TEST_CASE("ConfigErrors carries every error and prints one per line") {
  ConfigErrors errors({{{"a.toml", 1, 1}, "x", "one"}, {{"a.toml", 2, 1}, "y", "two"}});
  CHECK(errors.errors().size() == 2);
  CHECK(std::string(errors.what()) == "a.toml:1:1: x: one\na.toml:2:1: y: two");
}

TEST_CASE("a missing file is reported as FILE: cannot read: reason") {
  std::vector<ConfigError> errors;
  try {
    loadConfig("/nonexistent/planb.toml", {});
  } catch (const ConfigErrors& e) {
    errors = e.errors();
  }
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format() == "/nonexistent/planb.toml: cannot read: No such file or directory");
}

TEST_CASE("a TOML syntax error is reported with its line and column") {
  SUBCASE("a value missing after =") {
    ConfigError error = onlyErrorOf("[daemon]\nlog_level =\n");
    CHECK(error.pos.line == 2);
    CHECK(error.pos.column == 12);
    CHECK(error.key_path.empty());
    CHECK(error.message ==
          "syntax error: missing value after key-value separator '=': expected "
          "value, but got nothing");
  }
  SUBCASE("a key written twice points at the second") {
    ConfigError error = onlyErrorOf("[daemon]\nlog_level = \"info\"\nlog_level = \"debug\"\n");
    CHECK(error.pos.line == 3);
    CHECK(error.pos.column == 13);
    CHECK(error.message.starts_with("syntax error: value (\"log_level\") already exists"));
  }
  SUBCASE("an unquoted word") {
    ConfigError error = onlyErrorOf("[daemon]\nlog_level = debug\n");
    CHECK(error.format() ==
          error.pos.file + ":2:13: syntax error: bad format: unknown value appeared");
  }
  SUBCASE("an unterminated string") {
    ConfigError error = onlyErrorOf("[daemon]\nlog_level = \"info\"\nstate_dir = \"/x\n");
    CHECK(error.format() ==
          error.pos.file + ":3:13: syntax error: the next token is not a valid string");
  }
}

TEST_CASE("an unknown key in [[target.probe]] is reported with its line and column") {
  ConfigError error = onlyErrorOf(withBase("  intervall = \"5s\"\n"));
  CHECK(error.pos.line == kBaseLines + 1);
  CHECK(error.pos.column == 3);
  CHECK(error.key_path == "target[0].probe[0].intervall");
  CHECK(error.message == "unknown key \"intervall\" (did you mean \"interval\"?)");
}

TEST_CASE("an unknown key is reported in every table, pointing at the key") {
  checkErrors(errorsOf(R"([daemon]
bogus = 1
[probe_defaults]
bogus = 1
[guard]
bogus = 1
[[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key_file = "/k"
bogus = 1
[[zone]]
name = "example.com"
providers = ["ns1"]
bogus = 1
[[target]]
name = "aws"
vendor = "aws"
cname = "cdn.example.net"
bogus = 1
  [[target.probe]]
  name = "p"
  type = "http"
  url = "http://192.0.2.1/"
  bogus = 1
[[record]]
name = "www.example.com"
zone = "example.com"
targets = ["aws"]
bogus = 1
[bogus]
)"),
              {{2, 1, "daemon.bogus", "unknown key \"bogus\""},
               {4, 1, "probe_defaults.bogus", "unknown key \"bogus\""},
               {6, 1, "guard.bogus", "unknown key \"bogus\""},
               {12, 1, "provider[0].bogus", "unknown key \"bogus\""},
               {16, 1, "zone[0].bogus", "unknown key \"bogus\""},
               {21, 1, "target[0].bogus", "unknown key \"bogus\""},
               {26, 3, "target[0].probe[0].bogus", "unknown key \"bogus\""},
               {31, 1, "record[0].bogus", "unknown key \"bogus\""},
               {32, 2, "bogus", "unknown key \"bogus\""}});
}

TEST_CASE("an unknown key inside an inline table points at that key") {
  ConfigError error = onlyErrorOf("daemon = { log_level = \"info\", colour = true }\n");
  CHECK(error.pos.line == 1);
  CHECK(error.pos.column == 32);
  CHECK(error.key_path == "daemon.colour");
}

TEST_CASE("a value of the wrong type is reported at its key") {
  checkErrors(errorsOf(R"([probe_defaults]
rise = "2"
[guard]
canaries = "tcp://192.0.2.1:53"
[daemon]
log_level = 3
[[zone]]
name = "example.com"
providers = ["ns1", 7]
)"),
              {{2, 1, "probe_defaults.rise", "expected an integer, got a string"},
               {4, 1, "guard.canaries", "expected an array, got a string"},
               {6, 1, "daemon.log_level", "expected a string, got an integer"},
               {9, 14, "zone[0].providers[0]", "undefined provider \"ns1\""},
               {9, 21, "zone[0].providers[1]", "expected a string, got an integer"}});
}

TEST_CASE("a section of the wrong kind is reported with the header to write") {
  checkErrors(errorsOf("daemon = 5\n[provider]\nname = \"ns1\"\n"),
              {{1, 1, "daemon", "expected a table ([daemon]), got an integer"},
               {2, 2, "provider", "expected an array of tables ([[provider]]), got a table"}});
}

TEST_CASE("a bad duration is reported as FILE:LINE:COL: key.path: message") {
  ConfigError error = onlyErrorOf(withBase("  timeout = \"5x\"\n"));
  CHECK(error.format() == error.pos.file + ":" + std::to_string(kBaseLines + 1) +
                              ":3: target[0].probe[0].timeout: bad duration \"5x\": use a number "
                              "with a unit: ms, s, m, h");
}

TEST_CASE("durations must be strings with a unit and positive") {
  checkErrors(
      errorsOf(R"([probe_defaults]
interval = 2
timeout = "0s"
[guard]
hold_down = "60"
)"),
      {{2, 1, "probe_defaults.interval",
        "expected a duration with a unit, such as \"2s\", got an integer"},
       {3, 1, "probe_defaults.timeout", "must be positive, got \"0s\""},
       {5, 1, "guard.hold_down", "bad duration \"60\": use a number with a unit: ms, s, m, h"}});
}

TEST_CASE("a timeout longer than its interval is refused where it is set") {
  SUBCASE("in [probe_defaults]") {
    ConfigError error = onlyErrorOf("[probe_defaults]\ninterval = \"1s\"\ntimeout = \"2s\"\n");
    CHECK(error.pos.line == 3);
    CHECK(error.key_path == "probe_defaults.timeout");
    CHECK(error.message == "timeout 2s must not be longer than interval 1s");
  }
  SUBCASE("in a probe that shortens the interval below the default timeout") {
    ConfigError error = onlyErrorOf(withBase("  interval = \"500ms\"\n"));
    CHECK(error.pos.line == kBaseLines + 1);
    CHECK(error.key_path == "target[0].probe[0].interval");
    CHECK(error.message == "timeout 1s must not be longer than interval 500ms");
  }
  SUBCASE("a timeout equal to the interval is accepted, as the reference config does") {
    CHECK(errorsOf(withBase("  interval = \"1s\"\n")).empty());
  }
}

TEST_CASE("rise, fall, ttl and max_flips_per_hour are checked against their range") {
  checkErrors(errorsOf(withBase(R"(  rise = 0
  fall = -1
[guard]
max_flips_per_hour = 0
[[record]]
name = "www.example.com"
zone = "example.com"
ttl = 86401
targets = ["aws"]
)")),
              {{kBaseLines + 1, 3, "target[0].probe[0].rise", "must be at least 1, got 0"},
               {kBaseLines + 2, 3, "target[0].probe[0].fall", "must be at least 1, got -1"},
               {kBaseLines + 4, 1, "guard.max_flips_per_hour", "must be at least 1, got 0"},
               {kBaseLines + 8, 1, "record[0].ttl", "must be between 1 and 86400, got 86401"}});
}

TEST_CASE("a reference to an undefined zone, target or provider is reported at the reference") {
  checkErrors(errorsOf(withBase(R"([[record]]
name = "www.example.org"
zone = "example.org"
targets = ["aws", "gcp"]
[[zone]]
name = "example.net"
providers = ["ns2"]
)")),
              {{kBaseLines + 3, 1, "record[0].zone", "undefined zone \"example.org.\""},
               {kBaseLines + 4, 19, "record[0].targets[1]", "undefined target \"gcp\""},
               {kBaseLines + 7, 14, "zone[1].providers[0]", "undefined provider \"ns2\""}});
}

TEST_CASE("a name defined twice is reported at the second definition") {
  const std::string text = withBase(R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.54"
tsig_key_file = "/k"
[[zone]]
name = "Example.COM."
providers = ["ns1"]
[[target]]
name = "aws"
vendor = "aws"
cname = "other.example.net"
  [[target.probe]]
  name = "p1"
  type = "tcp"
  address = "192.0.2.1:80"
  [[target.probe]]
  name = "p1"
  type = "tcp"
  address = "192.0.2.2:80"
[[record]]
name = "www.example.com"
zone = "example.com"
targets = ["aws"]
[[record]]
name = "WWW.example.com."
zone = "example.com"
targets = ["aws"]
)");
  const std::string at = " (first defined on line ";
  checkErrors(
      errorsOf(text),
      {{kBaseLines + 2, 1, "provider[1].name", "duplicate provider name \"ns1\"" + at + "2)"},
       {kBaseLines + 7, 1, "zone[1].name", "duplicate zone name \"example.com.\"" + at + "8)"},
       {kBaseLines + 10, 1, "target[1].name", "duplicate target name \"aws\"" + at + "12)"},
       {kBaseLines + 18, 3, "target[1].probe[1].name",
        "duplicate probe name \"p1\"" + at + std::to_string(kBaseLines + 14) + ")"},
       {kBaseLines + 26, 1, "record[1].name",
        "duplicate record name \"www.example.com.\"" + at + std::to_string(kBaseLines + 22) +
            ")"}});
}

TEST_CASE("probe names need only be unique within their target") {
  CHECK(errorsOf(withBase(R"([[target]]
name = "gcp"
vendor = "gcp"
cname = "gcp.example.net"
  [[target.probe]]
  name = "use1"
  type = "tcp"
  address = "192.0.2.20:443"
)"))
            .empty());
}

TEST_CASE("a record outside its zone is refused") {
  SUBCASE("in another domain") {
    ConfigError error = onlyErrorOf(withBase(
        "[[record]]\nname = \"www.example.org\"\nzone = \"example.com\"\ntargets = [\"aws\"]\n"));
    CHECK(error.pos.line == kBaseLines + 2);
    CHECK(error.key_path == "record[0].name");
    CHECK(error.message == "\"www.example.org.\" is outside its zone \"example.com.\"");
  }
  SUBCASE("in a domain that merely ends with the zone's name") {
    ConfigError error = onlyErrorOf(withBase(
        "[[record]]\nname = \"notexample.com\"\nzone = \"example.com\"\ntargets = [\"aws\"]\n"));
    CHECK(error.message == "\"notexample.com.\" is outside its zone \"example.com.\"");
  }
}

TEST_CASE("a CNAME at the zone apex is refused") {
  ConfigError error = onlyErrorOf(withBase(
      "[[record]]\nname = \"EXAMPLE.com.\"\nzone = \"example.com\"\ntargets = [\"aws\"]\n"));
  CHECK(error.pos.line == kBaseLines + 2);
  CHECK(error.key_path == "record[0].name");
  CHECK(error.message ==
        "a CNAME cannot be at the zone apex: \"example.com.\" is the zone itself; steer a name "
        "below it");
}

TEST_CASE("an empty target list of a record and an empty provider list of a zone are refused") {
  checkErrors(
      errorsOf(withBase(R"([[zone]]
name = "example.net"
providers = []
[[record]]
name = "www.example.com"
zone = "example.com"
targets = []
)")),
      {{kBaseLines + 3, 1, "zone[1].providers", "the list is empty: name at least one provider"},
       {kBaseLines + 7, 1, "record[0].targets", "the list is empty: name at least one target"}});
}

TEST_CASE("a record listing the same target twice is refused at the repeat") {
  ConfigError error =
      onlyErrorOf(withBase("[[record]]\nname = \"www.example.com\"\nzone = "
                           "\"example.com\"\ntargets = [\"aws\", \"aws\"]\n"));
  CHECK(error.pos.line == kBaseLines + 4);
  CHECK(error.pos.column == 19);
  CHECK(error.key_path == "record[0].targets[1]");
  CHECK(error.message == "target \"aws\" is listed twice");
}

TEST_CASE("a secret written inline is refused without echoing it, wherever it is written") {
  std::vector<ConfigError> errors = errorsOf(R"([[provider]]
name = "ns1"
type = "rfc2136"
server = "192.0.2.53"
tsig_key = "c2VjcmV0LXZhbHVl"
[daemon]
password = "hunter2"
cloudflare_api_token = "tok-123"
)");
  checkErrors(
      errors,
      {{1, 1, "provider[0].tsig_key_file", "required key is missing"},
       {5, 1, "provider[0].tsig_key",
        "secrets are never written inline: use tsig_key_file = \"/path\""},
       {7, 1, "daemon.password", "secrets are never written inline: use password_file = \"/path\""},
       {8, 1, "daemon.cloudflare_api_token",
        "secrets are never written inline: use cloudflare_api_token_file = \"/path\""}});
  for (const ConfigError& error : errors) {
    CHECK(error.format().find("c2VjcmV0") == std::string::npos);
    CHECK(error.format().find("hunter2") == std::string::npos);
    CHECK(error.format().find("tok-123") == std::string::npos);
  }
}

TEST_CASE("every key named like a secret is recognised") {
  for (const char* key : {"secret", "tsig_key", "api_key", "api_token", "password", "token",
                          "access_key_id", "secret_access_key", "access_key_secret"}) {
    CAPTURE(key);
    ConfigError error = onlyErrorOf("[guard]\n" + std::string(key) + " = \"x\"\n");
    CHECK(error.message ==
          "secrets are never written inline: use " + std::string(key) + "_file = \"/path\"");
  }
}

TEST_CASE("a provider of an unknown type names the types there are") {
  ConfigError error = onlyErrorOf("[[provider]]\nname = \"x\"\ntype = \"bind\"\n");
  CHECK(error.key_path == "provider[0].type");
  CHECK(error.pos.line == 3);
  CHECK(error.message ==
        "unknown provider type \"bind\": use \"rfc2136\", \"powerdns\", \"cloudflare\", "
        "\"route53\", \"alidns\", \"dnspod\", \"huaweicloud\", \"google\", \"azure\" or "
        "\"webhook\"");
}

TEST_CASE("http probe method, host, headers and ca_file are checked") {
  checkErrors(
      errorsOf(withBase(R"(  [[target.probe]]
  name = "web"
  type = "http"
  url = "https://origin.example.com/healthz"
  method = "FETCH"
  host = "www example.com"
  headers = { Host = "x", "Bad Name" = "v", X-Num = 1, X-Ctl = "a\nb" }
  ca_file = "${CREDENTIALS_DIRECTORY}/ca.pem"
  [[target.probe]]
  name = "plain"
  type = "http"
  url = "http://origin.example.com/healthz"
  ca_file = "/etc/planb/ca.pem"
  headers = "X-Probe: planb"
  host = "www.example.com:99999"
)")),
      {{kBaseLines + 5, 3, "target[0].probe[1].method",
        "bad value \"FETCH\": use \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", "
        "\"OPTIONS\" or \"PATCH\""},
       {kBaseLines + 6, 3, "target[0].probe[1].host",
        "bad host \"www example.com\": use a host name, optionally with :port"},
       {kBaseLines + 7, 3, "target[0].probe[1].headers", "bad header name \"Bad Name\""},
       {kBaseLines + 7, 3, "target[0].probe[1].headers",
        "header \"Host\" is set by the probe: use the host key"},
       {kBaseLines + 7, 3, "target[0].probe[1].headers",
        "header \"X-Ctl\": control characters are not allowed"},
       {kBaseLines + 7, 3, "target[0].probe[1].headers", "header \"X-Num\": expected a string"},
       {kBaseLines + 8, 3, "target[0].probe[1].ca_file",
        "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with LoadCredential=)"},
       {kBaseLines + 13, 3, "target[0].probe[2].ca_file", "ca_file applies only to https:// urls"},
       {kBaseLines + 14, 3, "target[0].probe[2].headers",
        "expected a table of header names to strings ({ \"X-Name\" = \"value\" }), got a string"},
       {kBaseLines + 15, 3, "target[0].probe[2].host",
        "bad host \"www.example.com:99999\": use a host name, optionally with :port (the port must "
        "be a number from 1 to 65535)"}});
}

TEST_CASE("http probe urls and statuses are checked") {
  checkErrors(
      errorsOf(withBase(R"(  [[target.probe]]
  name = "web"
  type = "http"
  url = "ftp://origin.example.com/"
  expect_status = [200, 700]
  [[target.probe]]
  name = "web2"
  type = "http"
  url = "origin.example.com/healthz"
  expect_status = []
)")),
      {{kBaseLines + 4, 3, "target[0].probe[1].url",
        "bad url \"ftp://origin.example.com/\": use http://host[:port]/path or "
        "https://host[:port]/path"},
       {kBaseLines + 5, 3, "target[0].probe[1].expect_status", "bad status 700: use 100-599"},
       {kBaseLines + 9, 3, "target[0].probe[2].url",
        "bad url \"origin.example.com/healthz\": use http://host[:port]/path or "
        "https://host[:port]/path"},
       {kBaseLines + 10, 3, "target[0].probe[2].expect_status",
        "the list is empty: name at least one status"}});
}

TEST_CASE("a tcp probe needs a port in its address") {
  ConfigError error = onlyErrorOf(withBase(
      "  [[target.probe]]\n  name = \"bj\"\n  type = \"tcp\"\n  address = \"bj.example.com\"\n"));
  CHECK(error.key_path == "target[0].probe[1].address");
  CHECK(error.message == "bad address \"bj.example.com\": the port is required (host:port)");
}

TEST_CASE("a target without probes is refused") {
  ConfigError error = onlyErrorOf(
      withBase("[[target]]\nname = \"gcp\"\nvendor = \"gcp\"\ncname = \"gcp.example.net\"\n"));
  CHECK(error.pos.line == kBaseLines + 1);
  CHECK(error.pos.column == 1);
  CHECK(error.key_path == "target[1].probe");
  CHECK(error.message == "a target needs at least one probe: add a [[target.probe]]");
}

TEST_CASE("healthy_when is all, any, majority or a number of probes the target has") {
  auto errorFor = [](const std::string& value) {
    std::string text = withBase("");
    text.insert(text.find("  [[target.probe]]"), "healthy_when = " + value + "\n");
    return errorsOf(text);
  };
  CHECK(errorFor("\"majority\"").empty());
  CHECK(errorFor("1").empty());
  CHECK(errorFor("\"1\"").empty());
  checkErrors(errorFor("2"), {{15, 1, "target[0].healthy_when",
                               "healthy_when = 2 but the target has only 1 probe"}});
  checkErrors(errorFor("0"), {{15, 1, "target[0].healthy_when", "must be at least 1, got 0"}});
  checkErrors(errorFor("\"most\""),
              {{15, 1, "target[0].healthy_when",
                "bad value \"most\": use \"all\", \"any\", \"majority\" or a number of probes"}});
  checkErrors(errorFor("true"),
              {{15, 1, "target[0].healthy_when",
                "expected \"all\", \"any\", \"majority\" or a number of probes, got a boolean"}});
}

TEST_CASE("words from a fixed set are checked: log_level, all_unhealthy, failover_on, failback") {
  checkErrors(errorsOf(withBase(R"([daemon]
log_level = "verbose"
[guard]
all_unhealthy = "drop"
[[record]]
name = "www.example.com"
zone = "example.com"
targets = ["aws"]
failover_on = "region"
failback = "never"
)")),
              {{kBaseLines + 2, 1, "daemon.log_level",
                "bad value \"verbose\": use \"error\", \"warn\", \"info\" or \"debug\""},
               {kBaseLines + 4, 1, "guard.all_unhealthy", "bad value \"drop\": use \"keep\""},
               {kBaseLines + 9, 1, "record[0].failover_on",
                "bad value \"region\": use \"target\" or \"vendor\""},
               {kBaseLines + 10, 1, "record[0].failback",
                "bad value \"never\": use \"auto\" or \"manual\""}});
}

TEST_CASE("canaries, listen and server addresses are checked for syntax") {
  checkErrors(errorsOf(R"([guard]
canaries = ["tcp://192.0.2.1:53", "udp://192.0.2.1:53", "tcp://192.0.2.1", "dns://192.0.2.1", "https://example.com/x"]
[daemon]
metrics_listen = "127.0.0.1"
[[zone]]
name = "example.com"
providers = []
verify_servers = ["192.0.2.53:99999", "2001:db8::1"]
)"),
              {{2, 35, "guard.canaries[1]",
                "bad canary \"udp://192.0.2.1:53\": use tcp://host:port, dns://host:port, http://… "
                "or https://…"},
               {2, 57, "guard.canaries[2]",
                "bad canary \"tcp://192.0.2.1\": the port is required (host:port)"},
               {4, 1, "daemon.metrics_listen",
                "bad address \"127.0.0.1\": the port is required (host:port)"},
               {7, 1, "zone[0].providers", "the list is empty: name at least one provider"},
               {8, 19, "zone[0].verify_servers[0]",
                "bad address \"192.0.2.53:99999\": the port must be a number from 1 to 65535"},
               {8, 39, "zone[0].verify_servers[1]",
                "bad address \"2001:db8::1\": write an IPv6 address in brackets, e.g. "
                "[2001:db8::1]:53"}});
}

TEST_CASE("names are checked: DNS names for records, zones and cnames, plain names for the rest") {
  checkErrors(
      errorsOf(R"([[zone]]
name = "example..com"
providers = ["ns1"]
[[target]]
name = "aws prod"
vendor = "aws/global"
cname = "cdn example.net"
  [[target.probe]]
  name = "p"
  type = "tcp"
  address = "192.0.2.1:80"
)"),
      {{2, 1, "zone[0].name", "\"example..com\" is not a valid DNS name"},
       {3, 14, "zone[0].providers[0]", "undefined provider \"ns1\""},
       {5, 1, "target[0].name", "bad name \"aws prod\": use letters, digits, '-', '_' and '.'"},
       {6, 1, "target[0].vendor", "bad name \"aws/global\": use letters, digits, '-', '_' and '.'"},
       {7, 1, "target[0].cname", "\"cdn example.net\" is not a valid DNS name"}});
}

TEST_CASE("required keys that are missing are reported at their table's header") {
  checkErrors(errorsOf("[[provider]]\nname = \"ns1\"\ntype = \"rfc2136\"\n[[record]]\n"),
              {{1, 1, "provider[0].server", "required key is missing"},
               {1, 1, "provider[0].tsig_key_file", "required key is missing"},
               {4, 1, "record[0].name", "required key is missing"},
               {4, 1, "record[0].zone", "required key is missing"},
               {4, 1, "record[0].targets", "required key is missing"}});
}

TEST_CASE("${CREDENTIALS_DIRECTORY} in a *_file path must be set, and is the only variable") {
  const std::string provider =
      "[[provider]]\nname = \"ns1\"\ntype = \"rfc2136\"\nserver = \"192.0.2.53\"\n";
  checkErrors(errorsOf(provider + "tsig_key_file = \"${CREDENTIALS_DIRECTORY}/tsig\"\n"),
              {{5, 1, "provider[0].tsig_key_file",
                "${CREDENTIALS_DIRECTORY} is used but not set (systemd sets it with "
                "LoadCredential=)"}});
  checkErrors(errorsOf(provider + "tsig_key_file = \"${HOME}/tsig\"\n",
                       {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}}),
              {{5, 1, "provider[0].tsig_key_file",
                "only ${CREDENTIALS_DIRECTORY} is expanded in file paths"}});
}

TEST_CASE("every error of a file is reported at once, in file order") {
  std::vector<ConfigError> errors = errorsOf(R"([[record]]
name = "www.example.com"
zone = "example.com"
ttl = 0
targets = ["nowhere"]
[daemon]
log_level = "loud"
[[provider]]
name = "p"
type = "cloudflare"
[probe_defaults]
rise = 0
)");
  INFO(listed(errors));
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].key_path == "record[0].zone");
  CHECK(errors[1].key_path == "record[0].ttl");
  CHECK(errors[2].key_path == "record[0].targets[0]");
  CHECK(errors[3].key_path == "daemon.log_level");
  CHECK(errors[4].key_path == "provider[0].api_token_file");
  CHECK(errors[5].key_path == "probe_defaults.rise");
}

}  // namespace
}  // namespace planb::config
