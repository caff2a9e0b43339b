// The SigV4 signer against the vectors of shared/reference/provider-apis.md §10.2 and §10.3,
// copied byte for byte. Each step is checked, so a mismatch points at the step that is wrong.

#include "net/sigv4.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "net/percent_encoding.hpp"

using namespace planb::net;
using namespace std::chrono;

namespace {

// 20150830T123600Z, the time of every published vector.
const system_clock::time_point kVectorTime =
    sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};

SigV4Credentials exampleCredentials() {
  return SigV4Credentials{"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                          std::nullopt};
}

// The aws-sig-v4-test-suite request: host example.amazonaws.com, empty body.
SigV4Request suiteRequest(std::string method) {
  SigV4Request request;
  request.method = std::move(method);
  request.path = "/";
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  return request;
}

const SigV4Scope kSuiteScope{"us-east-1", "service"};
const SigV4Scope kRoute53Scope{"us-east-1", "route53"};

// The §4 ChangeResourceRecordSets example, verbatim.
const std::string kChangeBody =
    R"(<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>failover</Comment><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>backup.example.net.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>)";

SigV4Request route53Request(std::string method, std::string path) {
  SigV4Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers = {{"Host", "route53.amazonaws.com"}};
  return request;
}

}  // namespace

TEST_CASE("the IAM ListUsers example of the AWS documentation signs to the published values") {
  SigV4Request request;
  request.method = "GET";
  request.path = "/";
  request.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  const SigV4Scope scope{"us-east-1", "iam"};

  std::string signed_headers;
  const std::string canonical = sigV4CanonicalRequest(request, "20150830T123600Z", &signed_headers);
  CHECK(canonical ==
        "GET\n"
        "/\n"
        "Action=ListUsers&Version=2010-05-08\n"
        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
        "host:iam.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "content-type;host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(signed_headers == "content-type;host;x-amz-date");
  CHECK(sha256Hex(canonical) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(sigV4StringToSign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical) ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(toHex(sigV4SigningKey(exampleCredentials().secret_access_key, "20150830", scope)) ==
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");

  const SigV4Signature signature = signV4(request, exampleCredentials(), scope, kVectorTime);
  CHECK(signature.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  CHECK(signature.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST_CASE("get-vanilla of the aws-sig-v4-test-suite signs to the published signature") {
  const SigV4Signature signature =
      signV4(suiteRequest("GET"), exampleCredentials(), kSuiteScope, kVectorTime);
  CHECK(signature.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex(signature.canonical_request) ==
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(signature.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(signature.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(signature.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("post-vanilla of the aws-sig-v4-test-suite signs to the published signature") {
  const SigV4Signature signature =
      signV4(suiteRequest("POST"), exampleCredentials(), kSuiteScope, kVectorTime);
  CHECK(signature.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST_CASE("get-vanilla-query-order-key-case sorts the query by name before signing") {
  SigV4Request request = suiteRequest("GET");
  request.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  const SigV4Signature signature = signV4(request, exampleCredentials(), kSuiteScope, kVectorTime);
  CHECK(signature.canonical_request.find("\n/\nParam1=value1&Param2=value2\n") !=
        std::string::npos);
  CHECK(signature.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("the Route 53 signing key matches the computed vector") {
  CHECK(toHex(sigV4SigningKey(exampleCredentials().secret_access_key, "20150830", kRoute53Scope)) ==
        "21210f8f2475c398f12e1c52c3eb8e79780bcdf98b678165f9ad1118cc8770e4");
}

TEST_CASE("a Route 53 ListResourceRecordSets request signs to the computed vector") {
  SigV4Request request = route53Request("GET", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset");
  request.query = {{"name", "www.example.com."}, {"type", "CNAME"}, {"maxitems", "1"}};
  CHECK(canonicalQuery(request.query) == "maxitems=1&name=www.example.com.&type=CNAME");

  const SigV4Signature signature =
      signV4(request, exampleCredentials(), kRoute53Scope, kVectorTime);
  CHECK(signature.canonical_request ==
        "GET\n/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset\n"
        "maxitems=1&name=www.example.com.&type=CNAME\n"
        "host:route53.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex(signature.canonical_request) ==
        "030c2d548ebf9e239659d287410ff40ce8ebc80711d92c467690d176f473c0e6");
  CHECK(signature.signature == "a9c230007fa604306a5eeae4f75c0b10accf40b509a9f65e29e534ff1223bde4");
  // X-Amz-Date was not among the request's headers: the signer supplies it to be sent.
  REQUIRE(signature.headers_to_add.size() == 2);
  CHECK(signature.headers_to_add[0] ==
        std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"});
  CHECK(signature.headers_to_add[1].first == "Authorization");
}

TEST_CASE("a Route 53 ChangeResourceRecordSets request signs its body and trailing slash") {
  SigV4Request request = route53Request("POST", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/");
  request.payload = kChangeBody;
  CHECK(sha256Hex(kChangeBody) ==
        "09b15c2b2e909c72932f72a83f5fac2a9feff2ff08356fda1c0916cb39d457e4");

  const SigV4Signature signature =
      signV4(request, exampleCredentials(), kRoute53Scope, kVectorTime);
  CHECK(signature.canonical_request ==
        "POST\n/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/\n\n"
        "host:route53.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "09b15c2b2e909c72932f72a83f5fac2a9feff2ff08356fda1c0916cb39d457e4");
  CHECK(sha256Hex(signature.canonical_request) ==
        "b41db87cd84a90c0e867ab1d80f0bf45a66a404ce79df94386dd43551318e27e");
  CHECK(signature.signature == "3bdf69fefc4783164dc7862ad0a6ebd581b9ede43583867936d6740f09d035bb");

  SUBCASE("without the trailing slash the signature is a different one") {
    request.path = "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset";
    CHECK(signV4(request, exampleCredentials(), kRoute53Scope, kVectorTime).signature !=
          signature.signature);
  }
}

TEST_CASE("query names and values are encoded so that only unreserved characters stay literal") {
  CHECK(planb::net::percentEncode("a b+c/d*e~f_g-h.i") == "a%20b%2Bc%2Fd%2Ae~f_g-h.i");
  CHECK(planb::net::percentEncode("/a b/", planb::net::Literal::UnreservedAndSlash) == "/a%20b/");
  CHECK(canonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}, {"empty", ""}}) ==
        "a=1&a=x%20y&b=2&empty=");
  CHECK(canonicalQuery({}) == "");
}

TEST_CASE("paths are encoded twice for every service but S3 and an empty path signs as /") {
  SigV4Request request = suiteRequest("GET");
  request.path = "/a b";
  CHECK(sigV4CanonicalRequest(request, "20150830T123600Z").rfind("GET\n/a%2520b\n", 0) == 0);
  request.double_encode_path = false;
  CHECK(sigV4CanonicalRequest(request, "20150830T123600Z").rfind("GET\n/a%20b\n", 0) == 0);
  request.path = "";
  CHECK(sigV4CanonicalRequest(request, "20150830T123600Z").rfind("GET\n/\n", 0) == 0);
  CHECK(uriEncodePath("/a b/c") == "/a%20b/c");
}

TEST_CASE("header values are trimmed, inner spaces collapsed and repeated headers joined") {
  SigV4Request request = suiteRequest("GET");
  request.headers.emplace_back("My-Header1", "  value1  with   spaces ");
  request.headers.emplace_back("my-header1", "value2");
  std::string signed_headers;
  const std::string canonical = sigV4CanonicalRequest(request, "20150830T123600Z", &signed_headers);
  CHECK(canonical.find("\nmy-header1:value1 with spaces,value2\n") != std::string::npos);
  CHECK(signed_headers == "host;my-header1;x-amz-date");
}

TEST_CASE("an S3-style unsigned payload hash is signed instead of the body's hash") {
  SigV4Request request = suiteRequest("GET");
  request.payload_hash = "UNSIGNED-PAYLOAD";
  CHECK(sigV4CanonicalRequest(request, "20150830T123600Z").ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST_CASE("session credentials add a signed and sent X-Amz-Security-Token") {
  SigV4Credentials credentials = exampleCredentials();
  credentials.session_token = Secret("session-token-value");
  const SigV4Signature signature =
      signV4(suiteRequest("GET"), credentials, kSuiteScope, kVectorTime);
  CHECK(signature.signed_headers == "host;x-amz-date;x-amz-security-token");
  CHECK(signature.canonical_request.find("\nx-amz-security-token:session-token-value\n") !=
        std::string::npos);
  CHECK(signature.headers_to_add.front().first == "X-Amz-Security-Token");
}

TEST_CASE("a request without Host or with a different X-Amz-Date is refused, not mis-signed") {
  SigV4Request request = suiteRequest("GET");
  request.headers = {{"X-Amz-Date", "20150830T123600Z"}};
  CHECK_THROWS_AS(signV4(request, exampleCredentials(), kSuiteScope, kVectorTime),
                  std::invalid_argument);
  request = suiteRequest("GET");
  CHECK_THROWS_AS(signV4(request, exampleCredentials(), kSuiteScope, kVectorTime + seconds{1}),
                  std::invalid_argument);
}

TEST_CASE("the signing time is formatted as UTC to the second") {
  CHECK(amzDate(kVectorTime) == "20150830T123600Z");
  CHECK(amzDate(kVectorTime + milliseconds{999}) == "20150830T123600Z");
}

TEST_CASE("the secret appears in no output of the signer") {
  const SigV4Signature signature =
      signV4(suiteRequest("GET"), exampleCredentials(), kSuiteScope, kVectorTime);
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  for (const std::string* text :
       {&signature.canonical_request, &signature.string_to_sign, &signature.authorization}) {
    CHECK(text->find(secret) == std::string::npos);
  }
}
