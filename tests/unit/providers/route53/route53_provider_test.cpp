// Route53Provider against a scripted HttpTransport: the exact requests it sends (paths, trailing
// slash, queries, XML bodies in schema order, signatures), how it reads both error shapes and
// every status, its batches (limits, compare-and-swap per record, refused batches rebuilt) and
// GetChange logic. No network, no sleeping.

#include "providers/route53_provider.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/temp_dir.hpp"
#include "net/credential_file.hpp"
#include "net/sigv4.hpp"
#include "route53_test_support.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace std::chrono;
using planb::testing::CannedTransport;
using planb::testing::TempDir;
using namespace planb::testing::route53;

namespace {

struct Fixture {
  TempDir dir;
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  // The documented five per second, waited for on a manual clock: tests never sleep.
  planb::testing::RecordedCeiling ceiling;
  planb::providers::Route53Config config;

  explicit Fixture(std::optional<std::string> zone_id = "Z1D633PJN98FT9") {
    config.name = "aws";
    config.settings.access_key_id_file = writePrivate(dir, "akid", kAkid + "\n");
    config.settings.secret_access_key_file = writePrivate(dir, "secret", kSecret + "\n");
    config.settings.hosted_zone_id = std::move(zone_id);
  }

  Route53Options options() {
    Route53Options o;
    o.clock = [] { return kTime; };
    o.ceiling = ceiling.make(kRoute53Ceiling);
    return o;
  }

  Route53Provider provider() { return Route53Provider(config, transport, options()); }
};

std::string rrset(const std::string& name, const std::string& type, int ttl,
                  const std::string& value) {
  return "<ResourceRecordSet><Name>" + name + "</Name><Type>" + type + "</Type><TTL>" +
         std::to_string(ttl) + "</TTL><ResourceRecords><ResourceRecord><Value>" + value +
         "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>";
}

std::string page(const std::string& sets,
                 const std::string& tail = "<IsTruncated>false</IsTruncated>") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>)"
         "\n<ListResourceRecordSetsResponse" +
         kNs + "><ResourceRecordSets>" + sets + "</ResourceRecordSets>" + tail +
         "<MaxItems>10</MaxItems></ListResourceRecordSetsResponse>";
}

std::string zones(const std::string& hosted, const std::string& tail) {
  return "<ListHostedZonesByNameResponse" + kNs + "><HostedZones>" + hosted + "</HostedZones>" +
         tail + "<MaxItems>1</MaxItems></ListHostedZonesByNameResponse>";
}

std::string hostedZone(const std::string& id, const std::string& name, bool is_private = false) {
  return "<HostedZone><Id>/hostedzone/" + id + "</Id><Name>" + name +
         "</Name><CallerReference>ref</CallerReference><Config><PrivateZone>" +
         (is_private ? "true" : "false") + "</PrivateZone></Config></HostedZone>";
}

std::string changeInfo(const std::string& root, const std::string& status) {
  return "<" + root + kNs + "><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>" + status +
         "</Status><SubmittedAt>2015-08-30T12:36:00.000Z</SubmittedAt></ChangeInfo></" + root + ">";
}

std::string errorResponse(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?>\n<ErrorResponse" + kNs + "><Error><Type>Sender</Type><Code>" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
}

std::string legacyInvalidChangeBatch(const std::string& message) {
  return "<?xml version=\"1.0\"?>\n<InvalidChangeBatch" + kNs + "><Messages><Message>" + message +
         "</Message></Messages><RequestId>r-2</RequestId></InvalidChangeBatch>";
}

const std::string kValuesDoNotMatch =
    "[Tried to delete resource record set [name='www.example.com.', type='CNAME'] but the "
    "values provided do not match the current values]";

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failure(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

void requireSuccess(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

ReplaceRequest swap(std::optional<std::string> expected, std::string target = "backup.example.net.",
                    std::uint32_t ttl = 60) {
  ReplaceRequest request;
  request.record = {"example.com.", "www.example.com."};
  request.new_target = std::move(target);
  request.ttl = ttl;
  request.expected_target = std::move(expected);
  return request;
}

const std::string kBase = "https://route53.amazonaws.com/2013-04-01";

}  // namespace

TEST_CASE("a read lists the record sets from the name, signed for us-east-1/route53") {
  Fixture f;
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 300, "primary.example.net.") +
                                   rrset("zzz.example.com.", "A", 300, "192.0.2.1"),
                               "<IsTruncated>true</IsTruncated><NextRecordName>zzz2.example.com."
                               "</NextRecordName><NextRecordType>A</NextRecordType>"));
  Route53Provider provider = f.provider();
  CHECK(provider.name() == "aws");
  CHECK(provider.type() == "route53");

  ServedRecord www = served(provider.read({"example.com.", "www.example.com."}));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "primary.example.net.");
  CHECK(www.ttl == 300);

  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "GET");
  CHECK(request.url ==
        kBase + "/hostedzone/Z1D633PJN98FT9/rrset?maxitems=10&name=www.example.com.");
  CHECK(request.body.empty());
  CHECK(headerOf(request, "Host") == "route53.amazonaws.com");
  CHECK(headerOf(request, "X-Amz-Date") == "20150830T123600Z");

  // The Authorization header is the signer's for exactly this request.
  SigV4Request expected;
  expected.method = "GET";
  expected.path = "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset";
  expected.query = {{"name", "www.example.com."}, {"maxitems", "10"}};
  expected.headers = {{"Host", "route53.amazonaws.com"}};
  CHECK(headerOf(request, "Authorization") ==
        signV4(expected, SigV4Credentials{kAkid, Secret(kSecret), std::nullopt},
               SigV4Scope{"us-east-1", "route53"}, kTime)
            .authorization);
  CHECK(headerOf(request, "Authorization")
            ->rfind(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/route53/aws4_request, "
                "SignedHeaders=host;x-amz-date, Signature=",
                0) == 0);
}

TEST_CASE("names are matched case-insensitively, with octal escapes and without trailing dot") {
  Fixture f;
  f.transport->reply(200, page(rrset("\\052.Example.COM", "CNAME", 60, "Primary.Example.net")));
  ServedRecord star = served(f.provider().read({"example.com.", "*.example.com."}));
  CHECK(star.kind == ServedRecord::Kind::Cname);
  CHECK(star.target == "primary.example.net.");
  CHECK(route53::canonicalName("\\052.example.com.") == "*.example.com.");
  CHECK(route53::canonicalName("a\\100b.example.com") == "a@b.example.com.");
  CHECK(route53::canonicalName("WWW.example.com.") == "www.example.com.");
}

TEST_CASE("a name whose listing starts with another name is absent") {
  Fixture f;
  f.transport->reply(200, page(rrset("zzz.example.com.", "CNAME", 60, "x.example.net."),
                               "<IsTruncated>true</IsTruncated><NextRecordName>zzz.example.com."
                               "</NextRecordName><NextRecordType>TXT</NextRecordType>"));
  f.transport->reply(200, page(""));
  Route53Provider provider = f.provider();
  CHECK(served(provider.read({"example.com.", "www.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  CHECK(served(provider.read({"example.com.", "www.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  CHECK(f.transport->requests.size() == 2);  // no page followed past the name
}

TEST_CASE("another type at the name is a conflict, whatever sorts first") {
  Fixture f;
  SUBCASE("an A, which sorts before CNAME") {
    f.transport->reply(200, page(rrset("www.example.com.", "A", 60, "192.0.2.1")));
    ServedRecord www = served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "A");
  }
  SUBCASE("a TXT after a CNAME") {
    f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "a.example.net.") +
                                 rrset("www.example.com.", "TXT", 60, "\"x\"")));
    ServedRecord www = served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "TXT");
  }
  SUBCASE("an alias") {
    f.transport->reply(
        200, page("<ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type><AliasTarget>"
                  "<HostedZoneId>Z2</HostedZoneId><DNSName>lb.example.net.</DNSName>"
                  "<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>"
                  "</ResourceRecordSet>"));
    ServedRecord www = served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "A (alias)");
  }
  SUBCASE("a weighted CNAME planb cannot swap as one record") {
    f.transport->reply(200,
                       page("<ResourceRecordSet><Name>www.example.com.</Name><Type>CNAME</Type>"
                            "<SetIdentifier>blue</SetIdentifier><Weight>10</Weight><TTL>60</TTL>"
                            "<ResourceRecords><ResourceRecord><Value>a.example.net.</Value>"
                            "</ResourceRecord></ResourceRecords></ResourceRecordSet>"));
    ServedRecord www = served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "CNAME (set identifier blue)");
  }
}

TEST_CASE("pages are followed with name, type and identifier while they stay at the name") {
  Fixture f;
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "a.example.net."),
                               "<IsTruncated>true</IsTruncated><NextRecordName>www.example.com."
                               "</NextRecordName><NextRecordType>TXT</NextRecordType>"
                               "<NextRecordIdentifier>x y</NextRecordIdentifier>"));
  f.transport->reply(200, page(rrset("www.example.com.", "TXT", 60, "\"v\"")));
  ServedRecord www = served(f.provider().read({"example.com.", "www.example.com."}));
  CHECK(www.kind == ServedRecord::Kind::Conflict);
  CHECK(www.conflict_type == "TXT");
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[1].url ==
        kBase +
            "/hostedzone/Z1D633PJN98FT9/rrset?identifier=x%20y&maxitems=10"
            "&name=www.example.com.&type=TXT");
}

TEST_CASE("the hosted zone is looked up by exact name once and then cached") {
  Fixture f(std::nullopt);
  f.transport->reply(200, zones(hostedZone("ZPUBLIC", "example.com."),
                                "<DNSName>example.com</DNSName><IsTruncated>true</IsTruncated>"
                                "<NextDNSName>example.net.</NextDNSName>"
                                "<NextHostedZoneId>ZNEXT</NextHostedZoneId>"));
  f.transport->reply(200, page(""));
  f.transport->reply(200, page(""));
  Route53Provider provider = f.provider();
  CHECK(served(provider.read({"example.com.", "www.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  CHECK(served(provider.read({"example.com.", "www.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  REQUIRE(f.transport->requests.size() == 3);
  CHECK(f.transport->requests[0].url ==
        kBase + "/hostedzonesbyname?dnsname=example.com&maxitems=1");
  CHECK(f.transport->requests[1].url.find("/hostedzone/ZPUBLIC/rrset?") != std::string::npos);
  CHECK(f.transport->requests[2].url.find("/hostedzone/ZPUBLIC/rrset?") != std::string::npos);
}

TEST_CASE("zone lookup skips private zones of the same name and refuses a missing or doubled one") {
  Fixture f(std::nullopt);
  Route53Provider provider = f.provider();
  SUBCASE("a private zone first, then the public one on the next page") {
    f.transport->reply(
        200, zones(hostedZone("ZPRIV", "example.com.", true),
                   "<IsTruncated>true</IsTruncated><NextDNSName>example.com."
                   "</NextDNSName><NextHostedZoneId>/hostedzone/ZPUB</NextHostedZoneId>"));
    f.transport->reply(
        200, zones(hostedZone("ZPUB", "example.com."), "<IsTruncated>false</IsTruncated>"));
    f.transport->reply(200, page(""));
    served(provider.read({"example.com.", "www.example.com."}));
    REQUIRE(f.transport->requests.size() == 3);
    CHECK(f.transport->requests[1].url ==
          kBase + "/hostedzonesbyname?dnsname=example.com.&hostedzoneid=ZPUB&maxitems=1");
    CHECK(f.transport->requests[2].url.find("/hostedzone/ZPUB/rrset?") != std::string::npos);
  }
  SUBCASE("the listing continues with the next name: not found") {
    f.transport->reply(
        200, zones(hostedZone("ZOTHER", "example.net."), "<IsTruncated>false</IsTruncated>"));
    ProviderError error = failure(provider.read({"example.com.", "www.example.com."}));
    CHECK(error.kind == ErrorKind::NotFound);
    CHECK(error.message.find("no public hosted zone named example.com.") != std::string::npos);
  }
  SUBCASE("a longer name that merely starts alike is not the zone") {
    f.transport->reply(
        200, zones(hostedZone("ZSUB", "sub.example.com."), "<IsTruncated>false</IsTruncated>"));
    CHECK(failure(provider.read({"example.com.", "www.example.com."})).kind == ErrorKind::NotFound);
  }
  SUBCASE("two public zones of the same name are ambiguous") {
    f.transport->reply(200, zones(hostedZone("ZA", "example.com."),
                                  "<IsTruncated>true</IsTruncated><NextDNSName>example.com."
                                  "</NextDNSName><NextHostedZoneId>ZB</NextHostedZoneId>"));
    f.transport->reply(200,
                       zones(hostedZone("ZB", "example.com."), "<IsTruncated>false</IsTruncated>"));
    ProviderError error = failure(provider.read({"example.com.", "www.example.com."}));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("ZA, ZB") != std::string::npos);
    CHECK(error.message.find("hosted_zone_id") != std::string::npos);
  }
}

TEST_CASE("a zone id that vanished is looked up again on the next call") {
  Fixture f(std::nullopt);
  Route53Provider provider = f.provider();
  f.transport->reply(200,
                     zones(hostedZone("ZOLD", "example.com."), "<IsTruncated>false</IsTruncated>"));
  f.transport->reply(404, errorResponse("NoSuchHostedZone", "No hosted zone found with ID: ZOLD"));
  CHECK(failure(provider.read({"example.com.", "www.example.com."})).kind == ErrorKind::NotFound);
  f.transport->reply(200,
                     zones(hostedZone("ZNEW", "example.com."), "<IsTruncated>false</IsTruncated>"));
  f.transport->reply(200, page(""));
  served(provider.read({"example.com.", "www.example.com."}));
  REQUIRE(f.transport->requests.size() == 4);
  CHECK(f.transport->requests[3].url.find("/hostedzone/ZNEW/rrset?") != std::string::npos);
}

TEST_CASE("a compare-and-swap is DELETE of the served set with its TTL plus CREATE, in one batch") {
  Fixture f;
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 300, "primary.example.net")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  requireSuccess(f.provider().replace(swap("primary.example.net.")));

  // Accepted and PENDING: nothing waits for INSYNC.
  REQUIRE(f.transport->requests.size() == 2);
  const HttpRequest& post = f.transport->requests[1];
  CHECK(post.method == "POST");
  CHECK(post.url == kBase + "/hostedzone/Z1D633PJN98FT9/rrset/");  // the trailing slash
  CHECK(headerOf(post, "Content-Type") == "application/xml");
  CHECK(post.body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
        "<ChangeBatch><Comment>planb: www.example.com. -&gt; backup.example.net.</Comment><Changes>"
        "<Change><Action>DELETE</Action><ResourceRecordSet><Name>www.example.com.</Name>"
        "<Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord>"
        "<Value>primary.example.net</Value></ResourceRecord></ResourceRecords>"
        "</ResourceRecordSet></Change>"
        "<Change><Action>CREATE</Action><ResourceRecordSet><Name>www.example.com.</Name>"
        "<Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord>"
        "<Value>backup.example.net.</Value></ResourceRecord></ResourceRecords>"
        "</ResourceRecordSet></Change>"
        "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
  SigV4Request expected;
  expected.method = "POST";
  expected.path = "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/";
  expected.headers = {{"Host", "route53.amazonaws.com"}};
  expected.payload = post.body;
  CHECK(headerOf(post, "Authorization") ==
        signV4(expected, SigV4Credentials{kAkid, Secret(kSecret), std::nullopt},
               SigV4Scope{"us-east-1", "route53"}, kTime)
            .authorization);
}

TEST_CASE("without an expected target the write is a CREATE, sent without reading first") {
  Fixture f;
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"));
  requireSuccess(f.provider().replace(swap(std::nullopt)));
  REQUIRE(f.transport->requests.size() == 1);
  const std::string& body = f.transport->requests[0].body;
  CHECK(body.find("<Action>CREATE</Action>") != std::string::npos);
  CHECK(body.find("DELETE") == std::string::npos);
}

TEST_CASE("a compare-and-swap already lost before writing is a conflict and writes nothing") {
  Fixture f;
  SUBCASE("the name points elsewhere") {
    f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "third.example.org.")));
    ProviderError error = failure(f.provider().replace(swap("primary.example.net.")));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("points to third.example.org.") != std::string::npos);
  }
  SUBCASE("the name has no CNAME") {
    f.transport->reply(200, page(""));
    CHECK(failure(f.provider().replace(swap("primary.example.net."))).kind == ErrorKind::Conflict);
  }
  SUBCASE("the name holds another type") {
    f.transport->reply(200, page(rrset("www.example.com.", "A", 60, "192.0.2.1")));
    ProviderError error = failure(f.provider().replace(swap("primary.example.net.")));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("holds A") != std::string::npos);
  }
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("a name already at the new target with its TTL needs no write") {
  Fixture f;
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "backup.example.net.")));
  requireSuccess(f.provider().replace(swap("primary.example.net.")));
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("a batch rejected because the values changed meanwhile is a conflict, in both shapes") {
  Fixture f;
  std::string body;
  SUBCASE("the 2024 ErrorResponse shape") {
    body = errorResponse("InvalidChangeBatch", kValuesDoNotMatch);
  }
  SUBCASE("the older InvalidChangeBatch shape") {
    body = legacyInvalidChangeBatch(
        "Tried to delete resource record set [name='www.example.com.', type='CNAME'] but the "
        "values provided do not match the current values");
  }
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "primary.example.net.")));
  f.transport->reply(400, body);
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "third.example.org.")));
  ProviderError error = failure(f.provider().replace(swap("primary.example.net.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("values provided do not match") != std::string::npos);
  CHECK(error.message.find("points to third.example.org.") != std::string::npos);
  CHECK_FALSE(error.retriable());
}

TEST_CASE("a rejected batch is a success when the name already points to the new target") {
  Fixture f;
  f.transport->reply(400, errorResponse("InvalidChangeBatch",
                                        "[Tried to create resource record set "
                                        "[name='www.example.com.', type='CNAME'] but it already "
                                        "exists]"));
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 60, "backup.example.net.")));
  requireSuccess(f.provider().replace(swap(std::nullopt)));
}

TEST_CASE("an invalid batch for another reason is permanent") {
  Fixture f;
  f.transport->reply(400, errorResponse("InvalidChangeBatch",
                                        "[RRSet with DNS name www.example.com. is not permitted "
                                        "in zone example.org.]"));
  CHECK(failure(f.provider().replace(swap(std::nullopt))).kind == ErrorKind::Permanent);
}

TEST_CASE("every error code and status maps to its kind") {
  struct Case {
    long status;
    std::string body;
    Headers headers;
    ErrorKind kind;
    std::optional<milliseconds> retry_after;
  };
  const std::vector<Case> cases = {
      {400,
       errorResponse("Throttling", "Rate exceeded"),
       {{"retry-after", "2"}},
       ErrorKind::RateLimited,
       milliseconds(2000)},
      {400, errorResponse("Throttling", "Rate exceeded"), {}, ErrorKind::RateLimited, std::nullopt},
      {400,
       errorResponse("PriorRequestNotComplete", "still processing"),
       {},
       ErrorKind::RateLimited,
       std::nullopt},
      {429, "", {}, ErrorKind::RateLimited, std::nullopt},
      {403,
       errorResponse("SignatureDoesNotMatch",
                     "The request signature we calculated does not "
                     "match"),
       {},
       ErrorKind::Auth,
       std::nullopt},
      {403,
       errorResponse("InvalidClientTokenId", "The security token is invalid."),
       {},
       ErrorKind::Auth,
       std::nullopt},
      {403,
       errorResponse("AccessDenied", "User is not authorized"),
       {},
       ErrorKind::Auth,
       std::nullopt},
      {403, "<html>Forbidden</html>", {}, ErrorKind::Auth, std::nullopt},
      {404,
       errorResponse("NoSuchHostedZone", "No hosted zone found"),
       {},
       ErrorKind::NotFound,
       std::nullopt},
      {404, errorResponse("NoSuchChange", "No change"), {}, ErrorKind::NotFound, std::nullopt},
      {400, errorResponse("InvalidInput", "bad name"), {}, ErrorKind::Permanent, std::nullopt},
      {400, "<ErrorResponse><Error><Code>Unknown", {}, ErrorKind::Permanent, std::nullopt},
      {500, errorResponse("InternalFailure", "oops"), {}, ErrorKind::Transient, std::nullopt},
      {503,
       "<html>Service Unavailable</html>",
       {{"retry-after", "7"}},
       ErrorKind::Transient,
       milliseconds(7000)},
      {502, "", {}, ErrorKind::Transient, std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    CAPTURE(c.body);
    ProviderError error =
        route53::classifyError(HttpResponse{c.status, c.headers, c.body}, "Route 53 GetChange");
    CHECK(error.kind == c.kind);
    CHECK(error.retry_after == c.retry_after);
    CHECK(error.message.rfind("Route 53 GetChange: ", 0) == 0);
  }
  CHECK(route53::classifyError(HttpResponse{400, {}, errorResponse("Throttling", "Rate exceeded")},
                               "op")
            .message == "op: Throttling (HTTP 400): Rate exceeded");
}

TEST_CASE("both error shapes are parsed") {
  std::optional<route53::ErrorBody> modern =
      route53::parseErrorBody(errorResponse("InvalidChangeBatch", kValuesDoNotMatch));
  REQUIRE(modern);
  CHECK(modern->code == "InvalidChangeBatch");
  CHECK(modern->message == kValuesDoNotMatch);

  std::optional<route53::ErrorBody> legacy =
      route53::parseErrorBody("<InvalidChangeBatch" + kNs +
                              "><Messages><Message>first</Message><Message>second"
                              "</Message></Messages></InvalidChangeBatch>");
  REQUIRE(legacy);
  CHECK(legacy->code == "InvalidChangeBatch");
  CHECK(legacy->message == "first; second");

  CHECK_FALSE(route53::parseErrorBody("not xml at all"));
  CHECK_FALSE(route53::parseErrorBody(""));
  CHECK_FALSE(route53::parseErrorBody("<ErrorResponse><Error></Error></ErrorResponse>"));
  CHECK_FALSE(route53::parseErrorBody("<Other/>"));
}

TEST_CASE("a malformed successful reply is permanent and never crashes") {
  const std::vector<std::string> bodies = {
      "",
      "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet>",
      "<ListHostedZonesByNameResponse/>",
      "<ListResourceRecordSetsResponse/>",
      page("<ResourceRecordSet><Type>CNAME</Type></ResourceRecordSet>"),
      page("<ResourceRecordSet><Name>www.example.com.</Name><Type>CNAME</Type><TTL>soon</TTL>"
           "</ResourceRecordSet>"),
      "\x01\x02\xff garbage",
  };
  for (const std::string& body : bodies) {
    CAPTURE(body);
    Fixture f;
    f.transport->reply(200, body);
    ProviderError error = failure(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(error.kind == ErrorKind::Permanent);
  }
  Fixture f;
  f.transport->reply(200,
                     "<ChangeResourceRecordSetsResponse><ChangeInfo><Status>PENDING"
                     "</Status></ChangeInfo></ChangeResourceRecordSetsResponse>");
  CHECK(failure(f.provider().replace(swap(std::nullopt))).kind == ErrorKind::Permanent);
}

TEST_CASE("a transport failure is transient and names the operation") {
  Fixture f;
  f.transport->replies.push_back(
      ProviderError{ErrorKind::Transient, "GET https://route53.amazonaws.com/x: timed out", {}});
  ProviderError error = failure(f.provider().read({"example.com.", "www.example.com."}));
  CHECK(error.kind == ErrorKind::Transient);
  CHECK(error.message.find("ListResourceRecordSets") != std::string::npos);
  CHECK(error.message.find("timed out") != std::string::npos);
}

TEST_CASE("the credentials appear in no error message, even when a server echoes them") {
  Fixture f;
  f.transport->reply(403, errorResponse("SignatureDoesNotMatch",
                                        "key " + kAkid + " secret " + kSecret + " rejected"));
  ProviderError error = failure(f.provider().read({"example.com.", "www.example.com."}));
  CHECK(error.kind == ErrorKind::Auth);
  CHECK(error.message.find(kSecret) == std::string::npos);
  CHECK(error.message.find(kAkid) == std::string::npos);
  CHECK(error.message.find("key *** secret *** rejected") != std::string::npos);
}

TEST_CASE("the endpoint can be a loopback test server or an https gateway with a base path") {
  Fixture f;
  SUBCASE("http:// on loopback") {
    f.config.endpoint = "http://127.0.0.1:8053/";
    f.transport->reply(200, page(""));
    served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(f.transport->requests[0].url ==
          "http://127.0.0.1:8053/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset?maxitems=10"
          "&name=www.example.com.");
    CHECK(headerOf(f.transport->requests[0], "Host") == "127.0.0.1:8053");
  }
  SUBCASE("https:// with a base path, which is signed too") {
    f.config.endpoint = "https://gw.example.org/aws/route53";
    f.transport->reply(200, page(""));
    served(f.provider().read({"example.com.", "www.example.com."}));
    CHECK(f.transport->requests[0].url.rfind(
              "https://gw.example.org/aws/route53/2013-04-01/hostedzone/", 0) == 0);
    SigV4Request expected;
    expected.path = "/aws/route53/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset";
    expected.query = {{"name", "www.example.com."}, {"maxitems", "10"}};
    expected.headers = {{"Host", "gw.example.org"}};
    CHECK(headerOf(f.transport->requests[0], "Authorization") ==
          signV4(expected, SigV4Credentials{kAkid, Secret(kSecret), std::nullopt},
                 SigV4Scope{"us-east-1", "route53"}, kTime)
              .authorization);
  }
}

TEST_CASE("an endpoint that is not https, or plain http off loopback, is refused at start") {
  Fixture f;
  for (const char* endpoint : {"http://route53.example.com", "ftp://127.0.0.1", "127.0.0.1:80",
                               "http://10.0.0.1:8080", "https://user@host", "https://h/p?q=1"}) {
    CAPTURE(endpoint);
    f.config.endpoint = endpoint;
    CHECK_THROWS_AS(f.provider(), std::invalid_argument);
  }
  f.config.endpoint = "https://user:hunter2@gw.example.org";
  try {
    f.provider();
    FAIL("the provider was built");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
  f.config.endpoint = "http://[::1]:9000";
  CHECK_NOTHROW(f.provider());
}

TEST_CASE("credential files are read at construction and must be private") {
  Fixture f;
  SUBCASE("a missing file") {
    f.config.settings.secret_access_key_file = f.dir.path() + "/missing";
  }
  SUBCASE("a file others may read") {
    ::chmod(f.config.settings.access_key_id_file.c_str(), 0644);
  }
  try {
    f.provider();
    FAIL("the provider was built");
  } catch (const CredentialError& e) {
    CHECK(std::string(e.what()).find(kSecret) == std::string::npos);
  }
}

TEST_CASE("the change batch escapes XML and keeps schema order") {
  std::string xml = route53::changeBatchXml(
      {route53::Change{"UPSERT", "a&b.example.com.", "CNAME", 30, {"x<y.example.net."}}}, "c");
  CHECK(xml.find("<Name>a&amp;b.example.com.</Name><Type>CNAME</Type><TTL>30</TTL>"
                 "<ResourceRecords><ResourceRecord><Value>x&lt;y.example.net.</Value>") !=
        std::string::npos);
  CHECK(route53::stripIdPrefix("/hostedzone/Z1") == "Z1");
  CHECK(route53::stripIdPrefix("/change/C1") == "C1");
  CHECK(route53::stripIdPrefix("Z1") == "Z1");
}

TEST_CASE("a name already at the target with another TTL is swapped to the requested TTL") {
  Fixture f;
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 300, "backup.example.net.")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"));
  requireSuccess(f.provider().replace(swap("primary.example.net.")));
  REQUIRE(f.transport->requests.size() == 2);
  const std::string& body = f.transport->requests[1].body;
  CHECK(body.find("<Action>DELETE</Action><ResourceRecordSet><Name>www.example.com.</Name>"
                  "<Type>CNAME</Type><TTL>300</TTL>") != std::string::npos);
  CHECK(body.find("<Action>CREATE</Action><ResourceRecordSet><Name>www.example.com.</Name>"
                  "<Type>CNAME</Type><TTL>60</TTL>") != std::string::npos);
}

TEST_CASE("every Route 53 request, GetChange polls too, waits for a token of its ceiling") {
  Fixture f;
  planb::testing::RecordedCeiling ceiling;  // replaces the fixture's
  Route53Options options = f.options();
  options.ceiling = ceiling.make({2, 2});  // two at once, then one every half second
  Route53Provider provider(f.config, f.transport, options);
  f.transport->reply(200, page(rrset("www.example.com.", "CNAME", 300, "primary.example.net")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  f.transport->reply(200, changeInfo("GetChangeResponse", "PENDING"));
  f.transport->reply(200, changeInfo("GetChangeResponse", "INSYNC"));
  requireSuccess(provider.replace(swap("primary.example.net.")));
  CHECK(std::get<Propagation>(provider.pollChange("C2682N5HXP0BZ4")) == Propagation::Pending);
  CHECK(std::get<Propagation>(provider.pollChange("C2682N5HXP0BZ4")) == Propagation::Applied);

  CHECK(f.transport->requests.size() == 4);
  // The list and the ChangeBatch went at once; each poll waited for its own token.
  CHECK(ceiling.waits == std::vector{500ms, 500ms});
}

TEST_CASE("a Route 53 request whose token is further away than the bound is not sent") {
  Fixture f;
  planb::testing::RecordedCeiling ceiling;  // replaces the fixture's
  Route53Options options = f.options();
  options.ceiling = ceiling.make({0.5, 1}, 1s);
  Route53Provider provider(f.config, f.transport, options);
  f.transport->reply(200, page(""));
  served(provider.read({"example.com.", "www.example.com."}));
  ProviderError e = failure(provider.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.retry_after == std::optional(2000ms));
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("Route 53's default ceiling is its documented five requests per second") {
  CHECK(kRoute53Ceiling.per_second == 5);
  CHECK(kRoute53Ceiling.burst == 1);  // never six within one second
}

// ---- batches ----

namespace {

ReplaceRequest swapOf(const std::string& label, std::optional<std::string> expected,
                      std::string target = "backup.example.net.") {
  ReplaceRequest request = swap(std::move(expected), std::move(target));
  request.record.name = label + ".example.com.";
  return request;
}

Written writtenOf(const Result<Written>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<Written>(result);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

std::string refusal(const std::string& name) {
  return errorResponse("InvalidChangeBatch", "[Tried to delete resource record set [name='" + name +
                                                 "', type='CNAME'] but the values provided do "
                                                 "not match the current values]");
}

}  // namespace

TEST_CASE("a batch is one zone listing and one ChangeBatch with a DELETE and CREATE per record") {
  Fixture f;
  f.transport->reply(200, page(rrset("a.example.com.", "CNAME", 300, "primary.example.net.") +
                               rrset("b.example.com.", "CNAME", 60, "primary.example.net.") +
                               rrset("b.example.com.", "TXT", 60, "\"x\"") +
                               rrset("c.example.com.", "CNAME", 60, "primary.example.net.")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  Route53Provider provider = f.provider();
  std::vector<Result<Written>> results =
      provider.replaceBatch({swapOf("a", "primary.example.net."),
                             swapOf("c", "primary.example.net."), swapOf("d", std::nullopt)});

  REQUIRE(results.size() == 3);
  for (const Result<Written>& result : results) {
    // Accepted and PENDING: the change id to poll, without waiting for INSYNC.
    CHECK(writtenOf(result).propagating_change == "C2682N5HXP0BZ4");
  }
  REQUIRE(f.transport->requests.size() == 2);
  // The whole zone from its start, 300 sets a page.
  CHECK(f.transport->requests[0].url == kBase + "/hostedzone/Z1D633PJN98FT9/rrset?maxitems=300");
  const std::string& body = f.transport->requests[1].body;
  CHECK(count(body, "<Action>DELETE</Action>") == 2);
  CHECK(count(body, "<Action>CREATE</Action>") == 3);
  CHECK(body.find("<Comment>planb: 3 records</Comment>") != std::string::npos);
  CHECK(body.find("<Name>a.example.com.</Name><Type>CNAME</Type><TTL>300</TTL>") !=
        std::string::npos);
}

TEST_CASE("a change Route 53 answers INSYNC is written with nothing to poll") {
  Fixture f;
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"));
  std::vector<Result<Written>> results = f.provider().replaceBatch({swapOf("a", std::nullopt)});
  CHECK(writtenOf(results.front()).propagating_change.empty());
}

TEST_CASE("pollChange asks GetChange once: PENDING is pending, INSYNC applied, errors are errors") {
  Fixture f;
  f.transport->reply(200, changeInfo("GetChangeResponse", "PENDING"));
  f.transport->reply(200, changeInfo("GetChangeResponse", "INSYNC"));
  f.transport->reply(404, errorResponse("NoSuchChange",
                                        "A change with the specified change ID "
                                        "does not exist: C9"));
  Route53Provider provider = f.provider();
  CHECK(std::get<Propagation>(provider.pollChange("C2682N5HXP0BZ4")) == Propagation::Pending);
  CHECK(std::get<Propagation>(provider.pollChange("/change/C2682N5HXP0BZ4")) ==
        Propagation::Applied);
  CHECK(failure(provider.pollChange("C9")).kind == ErrorKind::NotFound);
  REQUIRE(f.transport->requests.size() == 3);
  CHECK(f.transport->requests[0].method == "GET");
  CHECK(f.transport->requests[0].url == kBase + "/change/C2682N5HXP0BZ4");
  CHECK(f.transport->requests[1].url == kBase + "/change/C2682N5HXP0BZ4");
}

TEST_CASE("batches are split by Route 53's ResourceRecord and character limits, UPSERT twice") {
  const Route53BatchLimits limits;  // the documented ones
  CHECK(limits.resource_records == 1000);
  CHECK(limits.value_characters == 32000);
  auto casUnit = [](std::size_t value_size) {
    std::string value(value_size, 'x');
    return std::vector<route53::Change>{{"DELETE", "a.example.com.", "CNAME", 60, {value}},
                                        {"CREATE", "a.example.com.", "CNAME", 60, {value}}};
  };
  SUBCASE("500 swaps are 1,000 ResourceRecords: one batch; 501 are two") {
    std::vector<std::vector<route53::Change>> units(500, casUnit(20));
    CHECK(route53::splitByLimits(units, limits).size() == 1);
    units.push_back(casUnit(20));
    std::vector<std::vector<std::size_t>> batches = route53::splitByLimits(units, limits);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].size() == 500);
    CHECK(batches[1] == std::vector<std::size_t>{500});
  }
  SUBCASE("characters of every Value count, a record's DELETE and CREATE stay together") {
    // 2 × 4,000 characters a swap: four fit in 32,000.
    std::vector<std::vector<route53::Change>> units(9, casUnit(4000));
    std::vector<std::vector<std::size_t>> batches = route53::splitByLimits(units, limits);
    REQUIRE(batches.size() == 3);
    CHECK(batches[0] == std::vector<std::size_t>{0, 1, 2, 3});
    CHECK(batches[2] == std::vector<std::size_t>{8});
  }
  SUBCASE("an UPSERT counts twice") {
    route53::Change upsert{"UPSERT", "a.example.com.", "CNAME", 60, {std::string(100, 'x')}};
    CHECK(route53::costOf(upsert).resource_records == 2);
    CHECK(route53::costOf(upsert).value_characters == 200);
  }
}

TEST_CASE("a batch over the limits goes out as several ChangeBatches, each within them") {
  Fixture f;
  Route53Options options = f.options();
  options.batch_limits.resource_records = 4;  // two swaps a batch
  Route53Provider provider(f.config, f.transport, options);
  f.transport->reply(200, page(rrset("a.example.com.", "CNAME", 60, "primary.example.net.") +
                               rrset("b.example.com.", "CNAME", 60, "primary.example.net.") +
                               rrset("c.example.com.", "CNAME", 60, "primary.example.net.")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"));
  std::vector<Result<Written>> results = provider.replaceBatch(
      {swapOf("a", "primary.example.net."), swapOf("b", "primary.example.net."),
       swapOf("c", "primary.example.net.")});
  REQUIRE(f.transport->requests.size() == 3);
  CHECK(count(f.transport->requests[1].body, "<Change>") == 4);
  CHECK(count(f.transport->requests[2].body, "<Change>") == 2);
  CHECK(writtenOf(results[0]).propagating_change == "C2682N5HXP0BZ4");
  CHECK(writtenOf(results[1]).propagating_change == "C2682N5HXP0BZ4");
  CHECK(writtenOf(results[2]).propagating_change.empty());
}

TEST_CASE("a batch refused for one changed record is re-read; only that record conflicts") {
  Fixture f;
  const std::string before = rrset("a.example.com.", "CNAME", 60, "primary.example.net.") +
                             rrset("c.example.com.", "CNAME", 60, "primary.example.net.");
  f.transport->reply(200,
                     page(before + rrset("b.example.com.", "CNAME", 60, "primary.example.net.")));
  f.transport->reply(400, refusal("b.example.com."));
  f.transport->reply(200,
                     page(before + rrset("b.example.com.", "CNAME", 60, "third.example.org.")));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  std::vector<Result<Written>> results = f.provider().replaceBatch(
      {swapOf("a", "primary.example.net."), swapOf("b", "primary.example.net."),
       swapOf("c", "primary.example.net.")});

  CHECK(writtenOf(results[0]).propagating_change == "C2682N5HXP0BZ4");
  ProviderError error = failure(results[1]);
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("b.example.com. points to third.example.org.") != std::string::npos);
  CHECK(writtenOf(results[2]).propagating_change == "C2682N5HXP0BZ4");
  REQUIRE(f.transport->requests.size() == 4);
  const std::string& resent = f.transport->requests[3].body;
  CHECK(count(resent, "<Change>") == 4);
  CHECK(resent.find("b.example.com.") == std::string::npos);
}

TEST_CASE(
    "a record refused while its listing shows it unchanged conflicts alone: read and write "
    "disagree") {
  Fixture f;
  const std::string sets = rrset("a.example.com.", "CNAME", 60, "primary.example.net.") +
                           rrset("b.example.com.", "CNAME", 60, "primary.example.net.");
  f.transport->reply(200, page(sets));
  f.transport->reply(400, refusal("b.example.com."));
  f.transport->reply(200, page(sets));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "PENDING"));
  std::vector<Result<Written>> results = f.provider().replaceBatch(
      {swapOf("a", "primary.example.net."), swapOf("b", "primary.example.net.")});
  writtenOf(results[0]);
  ProviderError error = failure(results[1]);
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("listing and its writes disagree on b.example.com.") !=
        std::string::npos);
  CHECK(f.transport->requests.size() == 4);  // b was not sent a second time
}

TEST_CASE("a refusal that names no record of the batch is retried a bounded number of rounds") {
  Fixture f;
  const std::string sets = rrset("a.example.com.", "CNAME", 60, "primary.example.net.");
  for (int round = 0; round < 3; ++round) {
    f.transport->reply(200, page(sets));
    f.transport->reply(400, errorResponse("InvalidChangeBatch",
                                          "[Tried to delete resource record set but it was not "
                                          "found]"));
  }
  std::vector<Result<Written>> results =
      f.provider().replaceBatch({swapOf("a", "primary.example.net.")});
  CHECK(failure(results[0]).kind == ErrorKind::Conflict);
  CHECK(f.transport->requests.size() == 6);
}

TEST_CASE("a record the batch refuses for another reason fails alone, as permanent") {
  Fixture f;
  f.transport->reply(400, errorResponse("InvalidChangeBatch",
                                        "[RRSet of type CNAME with DNS name b.example.com. is not "
                                        "permitted at apex in zone b.example.com.]"));
  f.transport->reply(200, changeInfo("ChangeResourceRecordSetsResponse", "INSYNC"));
  std::vector<Result<Written>> results =
      f.provider().replaceBatch({swapOf("a", std::nullopt), swapOf("b", std::nullopt)});
  writtenOf(results[0]);
  CHECK(failure(results[1]).kind == ErrorKind::Permanent);
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[1].body.find("b.example.com.") == std::string::npos);
}

TEST_CASE("a throttled batch is not followed by the next one: both report the throttling") {
  Fixture f;
  Route53Options options = f.options();
  options.batch_limits.resource_records = 1;
  Route53Provider provider(f.config, f.transport, options);
  f.transport->reply(400, errorResponse("Throttling", "Rate exceeded"));
  std::vector<Result<Written>> results =
      provider.replaceBatch({swapOf("a", std::nullopt), swapOf("b", std::nullopt)});
  CHECK(failure(results[0]).kind == ErrorKind::RateLimited);
  CHECK(failure(results[1]).kind == ErrorKind::RateLimited);
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("readBatch answers every name from one paged listing of the zone") {
  Fixture f;
  f.transport->reply(
      200, page(rrset("a.example.com.", "CNAME", 60, "primary.example.net."),
                "<IsTruncated>true</IsTruncated><NextRecordName>b.example.com.</NextRecordName>"
                "<NextRecordType>CNAME</NextRecordType><NextRecordIdentifier>west"
                "</NextRecordIdentifier>"));
  f.transport->reply(200,
                     page("<ResourceRecordSet><Name>b.example.com.</Name><Type>CNAME</Type>"
                          "<SetIdentifier>west</SetIdentifier><Weight>10</Weight><TTL>60</TTL>"
                          "<ResourceRecords><ResourceRecord><Value>primary.example.net.</Value>"
                          "</ResourceRecord></ResourceRecords></ResourceRecordSet>" +
                          rrset("C.Example.com", "CNAME", 60, "primary.example.net.")));
  Route53Provider provider = f.provider();
  std::vector<Result<ServedRecord>> results = provider.readBatch(
      "example.com.", {"a.example.com.", "b.example.com.", "c.example.com.", "d.example.com."});
  REQUIRE(results.size() == 4);
  CHECK(served(results[0]).target == "primary.example.net.");
  // A weighted set at a managed name is not planb's CNAME: a conflict naming its identifier.
  CHECK(served(results[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(served(results[1]).conflict_type == "CNAME (set identifier west)");
  CHECK(served(results[2]).kind == ServedRecord::Kind::Cname);
  CHECK(served(results[3]).kind == ServedRecord::Kind::Absent);
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[1].url ==
        kBase +
            "/hostedzone/Z1D633PJN98FT9/rrset?identifier=west&maxitems=300&name=b.example.com."
            "&type=CNAME");

  SUBCASE("a zone of more pages than names is then read name by name") {
    f.transport->reply(200, page(rrset("a.example.com.", "CNAME", 60, "primary.example.net.")));
    std::vector<Result<ServedRecord>> again =
        provider.readBatch("example.com.", {"a.example.com."});
    CHECK(served(again[0]).target == "primary.example.net.");
    REQUIRE(f.transport->requests.size() == 3);
    CHECK(f.transport->requests[2].url.find("name=a.example.com.") != std::string::npos);
  }
  SUBCASE("a listing that fails is the result of every name") {
    f.transport->reply(500, errorResponse("InternalFailure", "oops"));
    std::vector<Result<ServedRecord>> failed =
        provider.readBatch("example.com.", {"a.example.com.", "b.example.com.", "c.example.com."});
    REQUIRE(failed.size() == 3);
    for (const Result<ServedRecord>& result : failed) {
      CHECK(failure(result).kind == ErrorKind::Transient);
    }
  }
}
