// Route53Provider held to rules of the real service that its first fake did not know
// (shared/reference/provider-apis.md §13): the signing region of the endpoint's partition,
// temporary credentials (session token file, credential_process), the 256-character ChangeBatch
// comment, HealthCheckId kept on every write, and auth errors that say which credential to check.
// A scripted HttpTransport; no network, no sleeping.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/temp_dir.hpp"
#include "net/sigv4.hpp"
#include "providers/route53_provider.hpp"
#include "route53_test_support.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace std::chrono;
using planb::testing::CannedTransport;
using planb::testing::TempDir;
using namespace planb::testing::route53;

namespace {

const std::string kToken = "FQoGZXIvYXdzEXAMPLE-session-token//";

struct Fixture {
  TempDir dir;
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  planb::testing::RecordedCeiling ceiling;
  Route53Config config;
  system_clock::time_point now = kTime;
  std::vector<ProcessRun> runs;  // what the credential process prints, run after run
  int ran = 0;

  Fixture() {
    config.name = "aws";
    config.settings.access_key_id_file = writePrivate(dir, "akid", kAkid + "\n");
    config.settings.secret_access_key_file = writePrivate(dir, "secret", kSecret + "\n");
    config.settings.hosted_zone_id = "Z1D633PJN98FT9";
  }

  Route53Options options() {
    Route53Options o;
    o.clock = [this] { return now; };
    o.ceiling = ceiling.make(kRoute53Ceiling);
    o.credential_process.clock = [this] { return now; };
    o.credential_process.runner = [this](const std::vector<std::string>&, milliseconds) {
      REQUIRE(static_cast<std::size_t>(ran) < runs.size());
      return runs[static_cast<std::size_t>(ran++)];
    };
    return o;
  }

  Route53Provider provider() { return Route53Provider(config, transport, options()); }
};

std::string emptyPage() {
  return "<ListResourceRecordSetsResponse" + kNs +
         "><ResourceRecordSets></ResourceRecordSets><IsTruncated>false</IsTruncated>"
         "<MaxItems>10</MaxItems></ListResourceRecordSetsResponse>";
}

std::string changeInfo() {
  return "<ChangeResourceRecordSetsResponse" + kNs +
         "><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status>"
         "<SubmittedAt>2015-08-30T12:36:00.000Z</SubmittedAt></ChangeInfo>"
         "</ChangeResourceRecordSetsResponse>";
}

std::string errorResponse(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?>\n<ErrorResponse" + kNs + "><Error><Type>Sender</Type><Code>" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
}

std::string scopeOf(const HttpRequest& request) {
  std::string authorization = headerOf(request, "Authorization").value_or("");
  auto at = authorization.find("Credential=");
  REQUIRE(at != std::string::npos);
  auto end = authorization.find(',', at);
  return authorization.substr(at + 11, end - at - 11);
}

ProcessRun printed(const std::string& json) {
  return {ProcessRun::End::Exited, 0, json};
}

std::string processJson(const std::string& akid, const std::string& expiration) {
  return R"({"Version": 1, "AccessKeyId": ")" + akid +
         R"(", "SecretAccessKey": "process-secret", "SessionToken": "process-token", )"
         R"("Expiration": ")" +
         expiration + R"("})";
}

ProviderError failure(const Result<ServedRecord>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

}  // namespace

TEST_CASE("a China endpoint signs cn-northwest-1") {
  Fixture f;
  f.config.endpoint = "https://route53.amazonaws.com.cn";
  f.transport->reply(200, emptyPage());
  Route53Provider provider = f.provider();
  CHECK(provider.signingRegion() == "cn-northwest-1");
  (void)provider.read({"example.com.", "www.example.com."});
  REQUIRE(f.transport->requests.size() == 1);
  CHECK(headerOf(f.transport->requests[0], "Host") == "route53.amazonaws.com.cn");
  CHECK(scopeOf(f.transport->requests[0]) ==
        kAkid + "/20150830/cn-northwest-1/route53/aws4_request");
}

TEST_CASE("each partition's endpoint signs for its region; an unknown host signs us-east-1") {
  CHECK(route53::signingRegionOf("route53.amazonaws.com") == "us-east-1");
  CHECK(route53::signingRegionOf("route53-fips.amazonaws.com") == "us-east-1");
  CHECK(route53::signingRegionOf("route53.amazonaws.com.cn") == "cn-northwest-1");
  CHECK(route53::signingRegionOf("ROUTE53.AMAZONAWS.COM.CN.") == "cn-northwest-1");
  CHECK(route53::signingRegionOf("route53.amazonaws.com.cn:443") == "cn-northwest-1");
  CHECK(route53::signingRegionOf("route53.us-gov.amazonaws.com") == "us-gov-west-1");
  CHECK(route53::signingRegionOf("route53.c2s.ic.gov") == "us-iso-east-1");
  CHECK(route53::signingRegionOf("route53.sc2s.sgov.gov") == "us-isob-east-1");
  CHECK(route53::signingRegionOf("127.0.0.1:8053") == "us-east-1");
  CHECK(route53::signingRegionOf("aws-gateway.corp.example") == "us-east-1");
  CHECK(route53::signingRegionOf("notamazonaws.com.cn") == "us-east-1");
}

TEST_CASE("signing_region overrides the region derived from the endpoint") {
  Fixture f;
  f.config.endpoint = "http://127.0.0.1:8053";
  f.config.settings.signing_region = "cn-northwest-1";
  f.transport->reply(200, emptyPage());
  Route53Provider provider = f.provider();
  (void)provider.read({"example.com.", "www.example.com."});
  CHECK(scopeOf(f.transport->requests.at(0)) ==
        kAkid + "/20150830/cn-northwest-1/route53/aws4_request");
}

TEST_CASE("a session token file adds X-Amz-Security-Token, signed") {
  Fixture f;
  f.config.settings.session_token_file = f.dir.path() + "/token";
  writePrivate(f.dir, "token", kToken + "\n");
  f.transport->reply(200, emptyPage());
  Route53Provider provider = f.provider();
  CHECK_FALSE(provider.credentialsExpireAt().has_value());
  (void)provider.read({"example.com.", "www.example.com."});
  const HttpRequest& request = f.transport->requests.at(0);
  CHECK(headerOf(request, "X-Amz-Security-Token") == kToken);
  SigV4Request expected;
  expected.path = "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset";
  expected.query = {{"name", "www.example.com."}, {"maxitems", "10"}};
  expected.headers = {{"Host", "route53.amazonaws.com"}};
  CHECK(headerOf(request, "Authorization") ==
        signV4(expected, SigV4Credentials{kAkid, Secret(kSecret), Secret(kToken)},
               SigV4Scope{"us-east-1", "route53"}, kTime)
            .authorization);
  CHECK(headerOf(request, "Authorization")
            ->find("SignedHeaders=host;x-amz-date;x-amz-security-token") != std::string::npos);
}

TEST_CASE("a long name's change comment is cut to Route 53's 256 characters") {
  Fixture f;
  std::string label(63, 'a');
  const std::string name = label + "." + label + "." + label + ".example.com.";
  f.transport->reply(200, changeInfo());
  ReplaceRequest request;
  request.record = {"example.com.", name};
  request.new_target = label + "." + label + ".backup.example.net.";
  Route53Provider provider = f.provider();
  CHECK(std::holds_alternative<Unit>(provider.replace(request)));
  const std::string& body = f.transport->requests.at(0).body;
  auto start = body.find("<Comment>");
  auto end = body.find("</Comment>");
  REQUIRE(start != std::string::npos);
  std::string comment = body.substr(start + 9, end - start - 9);
  for (auto at = comment.find("&gt;"); at != std::string::npos; at = comment.find("&gt;")) {
    comment.replace(at, 4, ">");  // Route 53 counts the characters, not their XML escapes
  }
  CHECK(comment.size() <= kRoute53MaxComment);
  CHECK(comment.starts_with("planb: " + name.substr(0, 100)));
  CHECK(comment.ends_with("..."));
}

TEST_CASE("a cut comment never splits a UTF-8 character") {
  const std::string comment = std::string(252, 'x') + "\xc3\xa9\xc3\xa9\xc3\xa9";
  const std::string cut = route53::batchComment(comment);
  CHECK(cut.size() <= kRoute53MaxComment);
  CHECK(cut == std::string(252, 'x') + "...");
  CHECK(route53::batchComment("short") == "short");
}

TEST_CASE("a CNAME with a HealthCheckId keeps it: the DELETE repeats it and the CREATE keeps it") {
  Fixture f;
  // The listing as Route 53 returns a simple record with a health check: HealthCheckId after
  // ResourceRecords (API_ResourceRecordSet).
  f.transport->reply(200,
                     "<ListResourceRecordSetsResponse" + kNs +
                         "><ResourceRecordSets><ResourceRecordSet><Name>www.example.com.</Name>"
                         "<Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord>"
                         "<Value>primary.example.net</Value></ResourceRecord></ResourceRecords>"
                         "<HealthCheckId>abcdef11-2222-3333-4444-555555fedcba</HealthCheckId>"
                         "</ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated>"
                         "<MaxItems>10</MaxItems></ListResourceRecordSetsResponse>");
  f.transport->reply(200, changeInfo());
  ReplaceRequest request;
  request.record = {"example.com.", "www.example.com."};
  request.new_target = "backup.example.net.";
  request.expected_target = "primary.example.net.";
  CHECK(std::holds_alternative<Unit>(f.provider().replace(request)));
  const std::string& body = f.transport->requests.at(1).body;
  const std::string kept =
      "</ResourceRecords><HealthCheckId>abcdef11-2222-3333-4444-555555fedcba</HealthCheckId>"
      "</ResourceRecordSet>";
  auto del = body.find("<Action>DELETE</Action>");
  auto create = body.find("<Action>CREATE</Action>");
  REQUIRE(del != std::string::npos);
  REQUIRE(create != std::string::npos);
  CHECK(body.find(kept, del) < create);
  CHECK(body.find(kept, create) != std::string::npos);
}

TEST_CASE("a CNAME made by a traffic policy instance is a conflict, never written") {
  Fixture f;
  f.transport->reply(200,
                     "<ListResourceRecordSetsResponse" + kNs +
                         "><ResourceRecordSets><ResourceRecordSet><Name>www.example.com.</Name>"
                         "<Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord>"
                         "<Value>primary.example.net</Value></ResourceRecord></ResourceRecords>"
                         "<TrafficPolicyInstanceId>tpi-1</TrafficPolicyInstanceId>"
                         "</ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated>"
                         "<MaxItems>10</MaxItems></ListResourceRecordSetsResponse>");
  Result<ServedRecord> read = f.provider().read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(read));
  CHECK(std::get<ServedRecord>(read).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(read).conflict_type == "CNAME (traffic policy instance tpi-1)");
}

TEST_CASE("expired, unknown or refused credentials are Auth errors naming what to check") {
  struct Case {
    std::string code;
    long status;
    std::string hint;
  };
  for (const Case& c : std::vector<Case>{
           {"ExpiredToken", 403, "the session token has expired"},
           {"InvalidClientTokenId", 403, "the access key id"},
           {"SignatureDoesNotMatch", 403, "wrong secret access key, a signing region"},
           {"AccessDenied", 403, "lack a Route 53 permission"},
       }) {
    CAPTURE(c.code);
    Fixture f;
    f.config.settings.session_token_file = writePrivate(f.dir, "token", kToken);
    f.transport->reply(c.status, errorResponse(c.code, "The security token " + kToken +
                                                           " included in the request is invalid"));
    ProviderError error = failure(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find(c.hint) != std::string::npos);
    CHECK(error.message.find("check access_key_id_file " + f.config.settings.access_key_id_file) !=
          std::string::npos);
    CHECK(error.message.find("session_token_file") != std::string::npos);
    for (const std::string& secret : {kAkid, kSecret, kToken}) {
      CHECK(error.message.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("credential_process credentials sign the requests, with their session token") {
  Fixture f;
  f.config.settings = {};
  f.config.settings.hosted_zone_id = "Z1D633PJN98FT9";
  f.config.settings.credential_process = "/usr/bin/aws_signing_helper credential-process";
  f.runs = {printed(processJson("ASIAPROCESS1", "2015-08-30T13:36:00Z"))};
  f.transport->reply(200, emptyPage());
  Route53Provider provider = f.provider();
  CHECK_FALSE(provider.credentialsExpireAt().has_value());  // not run before the first request
  (void)provider.read({"example.com.", "www.example.com."});
  const HttpRequest& request = f.transport->requests.at(0);
  CHECK(headerOf(request, "X-Amz-Security-Token") == "process-token");
  CHECK(scopeOf(request) == "ASIAPROCESS1/20150830/us-east-1/route53/aws4_request");
  CHECK(provider.credentialsExpireAt() == kTime + hours{1});
}

TEST_CASE("a credential_process that fails keeps the last credentials until they expire") {
  Fixture f;
  f.config.settings = {};
  f.config.settings.hosted_zone_id = "Z1D633PJN98FT9";
  f.config.settings.credential_process = "helper --profile planb";
  f.runs = {printed(processJson("ASIAPROCESS1", "2015-08-30T13:36:00Z")),
            {ProcessRun::End::Exited, 3, "AKIA-in-output"},
            {ProcessRun::End::Exited, 3, ""}};
  for (int i = 0; i < 3; ++i) {
    f.transport->reply(200, emptyPage());
  }
  Route53Provider provider = f.provider();
  (void)provider.read({"example.com.", "www.example.com."});
  // Within botocore's 15 minutes of the expiry: run again, fail, keep the old credentials.
  f.now = kTime + minutes{50};
  CHECK(std::holds_alternative<ServedRecord>(provider.read({"example.com.", "www.example.com."})));
  CHECK(scopeOf(f.transport->requests.at(1)).starts_with("ASIAPROCESS1/"));
  // Expired, and the command still fails: Auth, naming the command and its exit status.
  f.now = kTime + hours{1} + seconds{1};
  ProviderError error = failure(provider.read({"example.com.", "www.example.com."}));
  CHECK(error.kind == ErrorKind::Auth);
  CHECK(error.message.find("credential_process \"helper --profile planb\" exited with status 3") !=
        std::string::npos);
  CHECK(error.message.find("AKIA-in-output") == std::string::npos);
  CHECK(f.transport->requests.size() == 2);  // nothing sent unsigned
  CHECK(f.ran == 3);
}

TEST_CASE("rotated credential files are used on the next request, without a restart") {
  Fixture f;
  f.config.settings.session_token_file = writePrivate(f.dir, "token", kToken + "\n");
  f.transport->reply(200, emptyPage()).reply(200, emptyPage());
  Route53Provider provider = f.provider();
  (void)provider.read({"example.com.", "www.example.com."});
  // An agent writes new STS credentials into the files.
  writePrivate(f.dir, "akid", "ASIAROTATED\n");
  writePrivate(f.dir, "token", "rotated-token\n");
  (void)provider.read({"example.com.", "www.example.com."});
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(headerOf(f.transport->requests[0], "X-Amz-Security-Token") == kToken);
  CHECK(headerOf(f.transport->requests[1], "X-Amz-Security-Token") == "rotated-token");
  CHECK(scopeOf(f.transport->requests[1]).starts_with("ASIAROTATED/"));
}
