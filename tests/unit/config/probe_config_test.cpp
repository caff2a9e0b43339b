// The probe keys of issue 5: expect_body_regex and sign = "aws-sigv4" on http probes, and the dns
// and exec probe types — what they load as, and every bad value reported where it is written.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::kBaseLines;
using testing::load;
using testing::withBase;

const ProbeConfig& secondProbe(const Config& config) {
  REQUIRE(config.targets.size() == 1);
  REQUIRE(config.targets[0].probes.size() == 2);
  return config.targets[0].probes[1];
}

TEST_CASE("expect_body_regex loads as written and a bad pattern is refused where it is written") {
  Config config = load(withBase(R"~(  [[target.probe]]
  name = "web"
  type = "http"
  url = "https://origin.example.com/healthz"
  expect_body = "ok"
  expect_body_regex = '"status":\s*"(green|yellow)"'
)~"));
  CHECK(secondProbe(config).http.expect_body == "ok");
  CHECK(secondProbe(config).http.expect_body_regex == R"~("status":\s*"(green|yellow)")~");

  checkErrors(errorsOf(withBase(R"(  [[target.probe]]
  name = "web"
  type = "http"
  url = "https://origin.example.com/healthz"
  expect_body_regex = "(ready"
  [[target.probe]]
  name = "web2"
  type = "http"
  url = "https://origin.example.com/healthz"
  expect_body_regex = ""
  [[target.probe]]
  name = "web3"
  type = "http"
  url = "https://origin.example.com/healthz"
  expect_body_regex = ["a"]
)")),
              {{kBaseLines + 5, 3, "target[0].probe[1].expect_body_regex",
                "bad regular expression \"(ready\": missing ): (ready"},
               {kBaseLines + 10, 3, "target[0].probe[2].expect_body_regex", "must not be empty"},
               {kBaseLines + 15, 3, "target[0].probe[3].expect_body_regex",
                "expected a string, got an array"}});
}

TEST_CASE("sign = \"aws-sigv4\" loads with its region, service and credential files") {
  Config config = load(withBase(R"(  [[target.probe]]
  name = "s3"
  region = "eu-central-1"
  type = "http"
  url = "https://bucket.s3.eu-central-1.amazonaws.com/planb/health.txt"
  method = "HEAD"
  sign = "aws-sigv4"
  access_key_id_file = "${CREDENTIALS_DIRECTORY}/s3_key_id"
  secret_access_key_file = "${CREDENTIALS_DIRECTORY}/s3_secret"
)"),
                       {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}});
  const HttpProbeSettings& http = secondProbe(config).http;
  REQUIRE(http.sign.has_value());
  CHECK(http.sign->region == "eu-central-1");  // the probe's region
  CHECK(http.sign->service == "s3");
  CHECK(http.sign->access_key_id_file == "/run/credentials/planbd.service/s3_key_id");
  CHECK(http.sign->secret_access_key_file == "/run/credentials/planbd.service/s3_secret");
  CHECK_FALSE(http.sign->session_token_file.has_value());

  SUBCASE("sign_region and sign_service win, and a session token file may be given") {
    Config other = load(withBase(R"(  [[target.probe]]
  name = "minio"
  region = "fra"
  type = "http"
  url = "https://minio.example.com/bucket/health"
  sign = "aws-sigv4"
  sign_region = "us-east-1"
  sign_service = "execute-api"
  access_key_id_file = "/etc/planb/minio_id"
  secret_access_key_file = "/etc/planb/minio_secret"
  session_token_file = "/etc/planb/minio_token"
)"));
    const HttpProbeSettings& h = secondProbe(other).http;
    REQUIRE(h.sign.has_value());
    CHECK(h.sign->region == "us-east-1");
    CHECK(h.sign->service == "execute-api");
    CHECK(h.sign->session_token_file == "/etc/planb/minio_token");
  }
}

TEST_CASE("sign and its keys are checked") {
  checkErrors(
      errorsOf(withBase(R"(  [[target.probe]]
  name = "s3"
  type = "http"
  url = "https://bucket.example.com/health"
  sign = "aws-sigv2"
  access_key_id_file = "/etc/planb/id"
  secret_access_key_file = "/etc/planb/secret"
  [[target.probe]]
  name = "s3b"
  type = "http"
  url = "https://bucket.example.com/health"
  sign = "aws-sigv4"
  [[target.probe]]
  name = "s3c"
  type = "http"
  url = "https://bucket.example.com/health"
  sign_region = "us-east-1"
  secret_access_key_file = "/etc/planb/secret"
  [[target.probe]]
  name = "s3d"
  region = "us-east-1"
  type = "http"
  url = "https://bucket.example.com/health"
  sign = "aws-sigv4"
  access_key_id = "AKIDEXAMPLE"
  access_key_id_file = "/etc/planb/id"
  secret_access_key_file = "/etc/planb/secret"
  sign_service = "s 3"
)")),
      {{kBaseLines + 5, 3, "target[0].probe[1].sign", "bad value \"aws-sigv2\": use \"aws-sigv4\""},
       {kBaseLines + 8, 3, "target[0].probe[2].access_key_id_file", "required key is missing"},
       {kBaseLines + 8, 3, "target[0].probe[2].secret_access_key_file", "required key is missing"},
       {kBaseLines + 12, 3, "target[0].probe[2].sign",
        "sign = \"aws-sigv4\" needs the region to sign for: set region or sign_region (e.g. "
        "\"us-east-1\")"},
       {kBaseLines + 17, 3, "target[0].probe[3].sign_region",
        "sign_region applies only with sign = \"aws-sigv4\""},
       {kBaseLines + 18, 3, "target[0].probe[3].secret_access_key_file",
        "secret_access_key_file applies only with sign = \"aws-sigv4\""},
       {kBaseLines + 25, 3, "target[0].probe[4].access_key_id",
        "secrets are never written inline: use access_key_id_file = \"/path\""},
       {kBaseLines + 28, 3, "target[0].probe[4].sign_service",
        "bad name \"s 3\": use letters, digits, '-', '_' and '.'"}});
}

TEST_CASE("a dns probe loads with its defaults and canonical query name") {
  Config config = load(withBase(R"(  [[target.probe]]
  name = "ns"
  type = "dns"
  server = "192.0.2.53"
  query_name = "WWW.Example.com"
)"));
  const ProbeConfig& probe = secondProbe(config);
  CHECK(probe.type == ProbeType::Dns);
  CHECK(probe.dns.server.host == "192.0.2.53");
  CHECK(probe.dns.server.port == 53);
  CHECK(probe.dns.query_name == "www.example.com.");
  CHECK(probe.dns.query_type == "A");
  CHECK(probe.dns.expect_rcode == "NOERROR");
  CHECK_FALSE(probe.dns.expect_answer.has_value());

  Config full = load(withBase(R"(  [[target.probe]]
  name = "ns6"
  type = "dns"
  server = "[2001:db8::53]:5353"
  query_name = "example.com"
  query_type = "TXT"
  expect_rcode = "NXDOMAIN"
  expect_answer = '"v=spf1 .*"'
  timeout = "500ms"
)"));
  const ProbeConfig& p = secondProbe(full);
  CHECK(p.dns.server.host == "2001:db8::53");
  CHECK(p.dns.server.port == 5353);
  CHECK(p.dns.query_type == "TXT");
  CHECK(p.dns.expect_rcode == "NXDOMAIN");
  CHECK(p.dns.expect_answer == R"("v=spf1 .*")");
  CHECK(p.timing.timeout == Millis(500));
}

TEST_CASE("dns probe keys are checked") {
  checkErrors(errorsOf(withBase(R"(  [[target.probe]]
  name = "ns"
  type = "dns"
  server = "ns1.example.com:53"
  query_name = "www..example.com"
  query_type = "ANY"
  expect_rcode = "NOTAUTH"
  expect_answer = "[a-"
  url = "http://x/"
  [[target.probe]]
  name = "ns2"
  type = "dns"
)")),
              {{kBaseLines + 4, 3, "target[0].probe[1].server",
                "bad server \"ns1.example.com\": use an IP address (a dns probe never depends on a "
                "resolver)"},
               {kBaseLines + 5, 3, "target[0].probe[1].query_name",
                "\"www..example.com\" is not a valid DNS name"},
               {kBaseLines + 6, 3, "target[0].probe[1].query_type",
                "bad value \"ANY\": use \"A\", \"AAAA\", \"CAA\", \"CNAME\", \"DS\", \"DNSKEY\", "
                "\"MX\", \"NS\", \"PTR\", \"SOA\", \"SRV\", \"TLSA\" or \"TXT\""},
               {kBaseLines + 7, 3, "target[0].probe[1].expect_rcode",
                "bad value \"NOTAUTH\": use \"NOERROR\", \"NXDOMAIN\", \"SERVFAIL\", \"REFUSED\", "
                "\"NOTIMP\" or \"FORMERR\""},
               {kBaseLines + 8, 3, "target[0].probe[1].expect_answer",
                "bad regular expression \"[a-\": missing ]: [a-"},
               {kBaseLines + 9, 3, "target[0].probe[1].url", "unknown key \"url\""},
               {kBaseLines + 10, 3, "target[0].probe[2].server", "required key is missing"},
               {kBaseLines + 10, 3, "target[0].probe[2].query_name", "required key is missing"}});
}

TEST_CASE("an exec probe loads its command as argv") {
  Config config = load(withBase(R"(  [[target.probe]]
  name = "script"
  type = "exec"
  command = ["/usr/lib/planb/check-s3", "--bucket", "planb health", "$HOME"]
  timeout = "2s"
  interval = "10s"
)"));
  const ProbeConfig& probe = secondProbe(config);
  CHECK(probe.type == ProbeType::Exec);
  CHECK(probe.exec.command ==
        std::vector<std::string>{"/usr/lib/planb/check-s3", "--bucket", "planb health", "$HOME"});
  CHECK(probe.timing.timeout == Millis(2000));

  Config bare = load(withBase(R"(  [[target.probe]]
  name = "curl"
  type = "exec"
  command = ["curl", "-fsS", "https://example.com/"]
)"));
  CHECK(secondProbe(bare).exec.command[0] == "curl");
}

TEST_CASE("exec probe commands are checked") {
  checkErrors(
      errorsOf(withBase(R"(  [[target.probe]]
  name = "a"
  type = "exec"
  command = []
  [[target.probe]]
  name = "b"
  type = "exec"
  command = "/bin/true"
  [[target.probe]]
  name = "c"
  type = "exec"
  command = ["./check.sh", "", 3]
  [[target.probe]]
  name = "d"
  type = "exec"
  shell = true
)")),
      {{kBaseLines + 4, 3, "target[0].probe[1].command",
        "the list is empty: name the program and its arguments"},
       {kBaseLines + 8, 3, "target[0].probe[2].command", "expected an array, got a string"},
       {kBaseLines + 12, 14, "target[0].probe[3].command[0]",
        "bad program \"./check.sh\": use an absolute path, or a bare name looked up in PATH"},
       {kBaseLines + 12, 28, "target[0].probe[3].command[1]", "must not be empty"},
       {kBaseLines + 12, 32, "target[0].probe[3].command[2]", "expected a string, got an integer"},
       {kBaseLines + 13, 3, "target[0].probe[4].command", "required key is missing"},
       {kBaseLines + 16, 3, "target[0].probe[4].shell", "unknown key \"shell\""}});
}

TEST_CASE("the probe type names every type there is") {
  checkErrors(errorsOf(withBase(R"(  [[target.probe]]
  name = "x"
  type = "icmp"
)")),
              {{kBaseLines + 3, 3, "target[0].probe[1].type",
                "unknown probe type \"icmp\": use \"http\", \"tcp\", \"dns\" or \"exec\""}});
}

}  // namespace
}  // namespace planb::config
