// Route53Provider's rehearsal write path and delegation set against a queued HttpTransport: the
// TXT record's requests (a listing from the name and type TXT, one UPSERT of the quoted value, a
// DELETE that names the set as read and is read again once when refused), GetHostedZone's name
// servers, and that every request is signed with the same credentials and draws from the same
// ceiling as a failover. No network, no sleeping.

#include <doctest/doctest.h>
#include <tinyxml2.h>

#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/route53_provider.hpp"
#include "route53_test_support.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CannedTransport;
using planb::testing::TempDir;
using namespace planb::testing::route53;

namespace {

const std::string kTxtZoneId = "Z1D633PJN98FT9";
const std::string kTxtBase = "https://route53.amazonaws.com/2013-04-01/hostedzone/" + kTxtZoneId;
const RecordRef kRehearsal{"example.com.", "_planb-rehearsal.example.com."};

struct TxtFixture {
  TempDir dir;
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  planb::testing::CountedCeiling ceiling;
  Route53Config config;

  TxtFixture() {
    config.name = "aws";
    config.settings.access_key_id_file = writePrivate(dir, "akid", kAkid + "\n");
    config.settings.secret_access_key_file = writePrivate(dir, "secret", kSecret + "\n");
    config.settings.hosted_zone_id = kTxtZoneId;
  }

  Route53Provider provider() {
    Route53Options options;
    options.clock = [] { return kTime; };
    options.ceiling = ceiling.bucket;
    return Route53Provider(config, transport, options);
  }
};

std::string txtSetXml(const std::string& name, const std::string& type, int ttl,
                      const std::vector<std::string>& values) {
  std::string xml = "<ResourceRecordSet><Name>" + name + "</Name><Type>" + type + "</Type><TTL>" +
                    std::to_string(ttl) + "</TTL><ResourceRecords>";
  for (const std::string& value : values) {
    xml += "<ResourceRecord><Value>" + value + "</Value></ResourceRecord>";
  }
  return xml + "</ResourceRecords></ResourceRecordSet>";
}

std::string txtListing(const std::string& sets) {
  return "<ListResourceRecordSetsResponse" + kNs + "><ResourceRecordSets>" + sets +
         "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>10</MaxItems>"
         "</ListResourceRecordSetsResponse>";
}

std::string txtChangeInfo(const std::string& status) {
  return "<ChangeResourceRecordSetsResponse" + kNs +
         "><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>" + status +
         "</Status><SubmittedAt>2015-08-30T12:36:00.000Z</SubmittedAt></ChangeInfo>"
         "</ChangeResourceRecordSetsResponse>";
}

std::string txtRefusal(const std::string& message) {
  return "<ErrorResponse" + kNs + "><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code>" +
         "<Message>" + message + "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
}

const std::string kTxtValuesDoNotMatch =
    "[Tried to delete resource record set [name='_planb-rehearsal.example.com.', type='TXT'] but "
    "the values provided do not match the current values]";
const std::string kTxtNotFound =
    "[Tried to delete resource record set [name='_planb-rehearsal.example.com.', type='TXT'] but "
    "it was not found]";

// The one Change of a ChangeBatch body: its action, TTL and values, as Route 53 reads them.
struct SentChange {
  std::string action;
  std::string name;
  std::string type;
  std::string ttl;
  std::vector<std::string> values;
};

SentChange changeIn(const std::string& body) {
  tinyxml2::XMLDocument doc;
  REQUIRE(doc.Parse(body.data(), body.size()) == tinyxml2::XML_SUCCESS);
  const tinyxml2::XMLElement* changes =
      doc.RootElement()->FirstChildElement("ChangeBatch")->FirstChildElement("Changes");
  REQUIRE(changes != nullptr);
  const tinyxml2::XMLElement* change = changes->FirstChildElement("Change");
  REQUIRE(change != nullptr);
  CHECK(change->NextSiblingElement("Change") == nullptr);
  const tinyxml2::XMLElement* set = change->FirstChildElement("ResourceRecordSet");
  SentChange sent{change->FirstChildElement("Action")->GetText(),
                  set->FirstChildElement("Name")->GetText(),
                  set->FirstChildElement("Type")->GetText(),
                  set->FirstChildElement("TTL")->GetText(),
                  {}};
  for (auto* record =
           set->FirstChildElement("ResourceRecords")->FirstChildElement("ResourceRecord");
       record != nullptr; record = record->NextSiblingElement("ResourceRecord")) {
    sent.values.emplace_back(record->FirstChildElement("Value")->GetText());
  }
  return sent;
}

template <typename T>
const T& success(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

template <typename T>
ProviderError refusal(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

}  // namespace

TEST_CASE("a rehearsal TXT is one UPSERT of the value in double quotes, and PENDING is reported") {
  TxtFixture f;
  f.transport->reply(200, txtChangeInfo("PENDING"));
  Route53Provider provider = f.provider();
  const Written written = success(provider.writeTxt({kRehearsal, "planb-7f3a9c", 60}));
  CHECK(written.propagating_change == "C2682N5HXP0BZ4");
  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& sent = f.transport->requests.front();
  CHECK(sent.method == "POST");
  CHECK(sent.url == kTxtBase + "/rrset/");
  const SentChange change = changeIn(sent.body);
  CHECK(change.action == "UPSERT");
  CHECK(change.name == "_planb-rehearsal.example.com.");
  CHECK(change.type == "TXT");
  CHECK(change.ttl == "60");
  CHECK(change.values == std::vector<std::string>{"\"planb-7f3a9c\""});
}

TEST_CASE("a rehearsal TXT written INSYNC is applied at once") {
  TxtFixture f;
  f.transport->reply(200, txtChangeInfo("INSYNC"));
  Route53Provider provider = f.provider();
  CHECK(success(provider.writeTxt({kRehearsal, "t", 60})).propagating_change.empty());
}

TEST_CASE("a TXT value longer than one character-string is refused before any request") {
  TxtFixture f;
  Route53Provider provider = f.provider();
  ProviderError error = refusal(provider.writeTxt({kRehearsal, std::string(256, 'a'), 60}));
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK(error.message.find("255") != std::string::npos);
  CHECK(f.transport->requests.empty());
}

TEST_CASE(
    "quoteTxt escapes quotes, backslashes and bytes outside printable ASCII as Route 53 asks") {
  CHECK(route53::quoteTxt("planb-1") == "\"planb-1\"");
  CHECK(route53::quoteTxt("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(route53::quoteTxt("ex\xe4mple\n") == "\"ex\\344mple\\012\"");
  CHECK(route53::quoteTxt("two words") == "\"two words\"");
  for (const std::string text : {"planb-1", "a\"b\\c", "ex\xe4mple\n", "two words", ""}) {
    CHECK(route53::unquoteTxt(route53::quoteTxt(text)) == text);
  }
}

TEST_CASE("unquoteTxt joins the character-strings of one value and takes bare words as they are") {
  CHECK(route53::unquoteTxt("\"v=spf1 \" \"-all\"") == "v=spf1 -all");
  CHECK(route53::unquoteTxt("\"challengetoken\"") == "challengetoken");
  CHECK(route53::unquoteTxt("bare") == "bare");
  CHECK(route53::unquoteTxt("\"unterminated") == "unterminated");
}

TEST_CASE("readTxt lists from the name and type TXT and answers its values without the quotes") {
  TxtFixture f;
  f.transport->reply(
      200, txtListing(txtSetXml("_planb-rehearsal.example.com.", "TXT", 60,
                                {"&quot;planb-1&quot;", "\"two \" \"strings\""}) +
                      txtSetXml("a._planb-rehearsal.example.com.", "TXT", 60, {"\"other\""})));
  Route53Provider provider = f.provider();
  CHECK(success(provider.readTxt(kRehearsal)) ==
        std::vector<std::string>{"planb-1", "two strings"});
  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& sent = f.transport->requests.front();
  CHECK(sent.method == "GET");
  CHECK(sent.url == kTxtBase + "/rrset?maxitems=10&name=_planb-rehearsal.example.com.&type=TXT");
}

TEST_CASE("readTxt of a name holding no TXT is empty, whatever comes after it") {
  TxtFixture f;
  // A listing from (name, TXT) starts at the next set when there is none: another name's TXT,
  // or a type of the name that sorts after TXT.
  f.transport->reply(200, txtListing(txtSetXml("www.example.com.", "TXT", 60, {"\"x\""})));
  Route53Provider provider = f.provider();
  CHECK(success(provider.readTxt(kRehearsal)).empty());
}

TEST_CASE("deleteTxt DELETEs the TXT set exactly as it was read: name, TTL and values as served") {
  TxtFixture f;
  f.transport
      ->reply(200, txtListing(txtSetXml("_planb-rehearsal.example.com.", "TXT", 300,
                                        {"\"planb-old\"", "\"second\""})))
      .reply(200, txtChangeInfo("PENDING"));
  Route53Provider provider = f.provider();
  CHECK(success(provider.deleteTxt(kRehearsal)).propagating_change == "C2682N5HXP0BZ4");
  REQUIRE(f.transport->requests.size() == 2);
  const SentChange change = changeIn(f.transport->requests[1].body);
  CHECK(change.action == "DELETE");
  CHECK(change.name == "_planb-rehearsal.example.com.");
  CHECK(change.type == "TXT");
  CHECK(change.ttl == "300");
  CHECK(change.values == std::vector<std::string>{"\"planb-old\"", "\"second\""});
}

TEST_CASE("deleteTxt of a name without a TXT set sends no change and succeeds") {
  TxtFixture f;
  f.transport->reply(200, txtListing(""));
  Route53Provider provider = f.provider();
  CHECK(success(provider.deleteTxt(kRehearsal)).propagating_change.empty());
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("a TXT set changed between read and DELETE is read once more and the new set deleted") {
  TxtFixture f;
  f.transport->reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"planb-1\""})))
      .reply(400, txtRefusal(kTxtValuesDoNotMatch))
      .reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"planb-2\""})))
      .reply(200, txtChangeInfo("INSYNC"));
  Route53Provider provider = f.provider();
  CHECK(success(provider.deleteTxt(kRehearsal)).propagating_change.empty());
  REQUIRE(f.transport->requests.size() == 4);
  CHECK(changeIn(f.transport->requests[1].body).values == std::vector<std::string>{"\"planb-1\""});
  CHECK(changeIn(f.transport->requests[3].body).values == std::vector<std::string>{"\"planb-2\""});
}

TEST_CASE("a TXT set removed between read and DELETE is a success once read again") {
  TxtFixture f;
  f.transport->reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"planb-1\""})))
      .reply(400, txtRefusal(kTxtNotFound))
      .reply(200, txtListing(""));
  Route53Provider provider = f.provider();
  CHECK(success(provider.deleteTxt(kRehearsal)).propagating_change.empty());
  CHECK(f.transport->requests.size() == 3);
}

TEST_CASE("a TXT set that changes again after the second read is a Conflict, not a loop") {
  TxtFixture f;
  f.transport->reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"planb-1\""})))
      .reply(400, txtRefusal(kTxtValuesDoNotMatch))
      .reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"planb-2\""})))
      .reply(400, txtRefusal(kTxtValuesDoNotMatch));
  Route53Provider provider = f.provider();
  ProviderError error = refusal(provider.deleteTxt(kRehearsal));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("do not match") != std::string::npos);
  CHECK(f.transport->requests.size() == 4);
}

TEST_CASE("a TXT value Route 53 refuses as malformed is Permanent, naming its message") {
  TxtFixture f;
  f.transport->reply(
      400, txtRefusal("[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value "
                      "should be enclosed in quotation marks) encountered with 'x'']"));
  Route53Provider provider = f.provider();
  ProviderError error = refusal(provider.writeTxt({kRehearsal, "x", 60}));
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK(error.message.find("InvalidCharacterString") != std::string::npos);
}

TEST_CASE("nameServers asks GetHostedZone and answers the delegation set, canonical and sorted") {
  TxtFixture f;
  f.transport->reply(200, "<GetHostedZoneResponse" + kNs + "><HostedZone><Id>/hostedzone/" +
                              kTxtZoneId +
                              "</Id><Name>example.com.</Name><CallerReference>r</CallerReference>"
                              "<Config><PrivateZone>false</PrivateZone></Config></HostedZone>"
                              "<DelegationSet><NameServers>"
                              "<NameServer>ns-2051.awsdns-67.co.uk</NameServer>"
                              "<NameServer>NS-2048.awsdns-64.com</NameServer>"
                              "<NameServer>ns-2050.awsdns-66.org.</NameServer>"
                              "</NameServers></DelegationSet></GetHostedZoneResponse>");
  Route53Provider provider = f.provider();
  CHECK(success(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"ns-2048.awsdns-64.com.", "ns-2050.awsdns-66.org.",
                                 "ns-2051.awsdns-67.co.uk."});
  REQUIRE(f.transport->requests.size() == 1);
  CHECK(f.transport->requests.front().method == "GET");
  CHECK(f.transport->requests.front().url == kTxtBase);
}

TEST_CASE("a private zone has no delegation set: its name servers are not known") {
  TxtFixture f;
  f.transport->reply(200, "<GetHostedZoneResponse" + kNs + "><HostedZone><Id>/hostedzone/" +
                              kTxtZoneId +
                              "</Id><Name>example.com.</Name><Config><PrivateZone>true"
                              "</PrivateZone></Config></HostedZone><VPCs><VPC><VPCRegion>"
                              "us-east-2</VPCRegion><VPCId>vpc-1</VPCId></VPC></VPCs>"
                              "</GetHostedZoneResponse>");
  Route53Provider provider = f.provider();
  CHECK(success(provider.nameServers("example.com.")).empty());
}

TEST_CASE("a GetHostedZone reply of another shape is Permanent, naming the operation") {
  TxtFixture f;
  f.transport->reply(200, "<ListHostedZonesResponse" + kNs + "/>");
  Route53Provider provider = f.provider();
  ProviderError error = refusal(provider.nameServers("example.com."));
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK(error.message.find("GetHostedZone " + kTxtZoneId) != std::string::npos);
}

TEST_CASE("revoked credentials are Auth for every rehearsal step and for the name servers") {
  TxtFixture f;
  const std::string revoked = "<ErrorResponse" + kNs +
                              "><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                              "<Message>The security token included in the request is invalid."
                              "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
  for (int i = 0; i < 4; ++i) {
    f.transport->reply(403, revoked);
  }
  Route53Provider provider = f.provider();
  std::vector<ProviderError> errors = {
      refusal(provider.readTxt(kRehearsal)), refusal(provider.writeTxt({kRehearsal, "t", 60})),
      refusal(provider.deleteTxt(kRehearsal)), refusal(provider.nameServers("example.com."))};
  for (const ProviderError& error : errors) {
    CAPTURE(error.message);
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find("InvalidClientTokenId") != std::string::npos);
    CHECK(error.message.find("access_key_id_file") != std::string::npos);
    CHECK(error.message.find(kSecret) == std::string::npos);
  }
  CHECK(f.transport->requests.size() == 4);
}

TEST_CASE("every rehearsal request is signed and draws from the provider's ceiling") {
  TxtFixture f;
  f.transport->reply(200, txtListing(""))
      .reply(200, txtChangeInfo("PENDING"))
      .reply(200, txtListing(txtSetXml(kRehearsal.name, "TXT", 60, {"\"t\""})))
      .reply(200, txtChangeInfo("PENDING"))
      .reply(200, "<GetHostedZoneResponse" + kNs +
                      "><HostedZone><Id>/hostedzone/Z1</Id><Name>example.com.</Name>"
                      "</HostedZone></GetHostedZoneResponse>");
  Route53Provider provider = f.provider();
  success(provider.readTxt(kRehearsal));
  success(provider.writeTxt({kRehearsal, "t", 60}));
  success(provider.deleteTxt(kRehearsal));
  success(provider.nameServers("example.com."));
  REQUIRE(f.transport->requests.size() == 5);
  CHECK(f.ceiling.requests() == 5);
  for (const HttpRequest& request : f.transport->requests) {
    CAPTURE(request.url);
    const std::optional<std::string> authorization = headerOf(request, "Authorization");
    REQUIRE(authorization.has_value());
    CHECK(authorization->starts_with("AWS4-HMAC-SHA256 Credential=" + kAkid +
                                     "/20150830/us-east-1/route53/aws4_request"));
  }
}
