// Alibaba RPC signature V1 against every vector of provider-apis.md §10.4, copied byte for byte.

#include "net/alibaba_signer.hpp"

#include <doctest/doctest.h>

#include "net/percent_encoding.hpp"

using namespace planb::net;

namespace {

// AccessKeyId `testid`, secret `testsecret` (HMAC key `testsecret&`).
const std::string kSecret = "testsecret";

RpcParams alidnsVectorParams() {
  return {{"Format", "XML"},
          {"AccessKeyId", "testid"},
          {"Action", "DescribeDomainRecords"},
          {"SignatureMethod", "HMAC-SHA1"},
          {"DomainName", "example.com"},
          {"SignatureNonce", "f59ed6a9-83fc-473b-9cc6-99c95df3856e"},
          {"SignatureVersion", "1.0"},
          {"Version", "2015-01-09"},
          {"Timestamp", "2016-03-24T16:41:54Z"}};
}

RpcParams ecsVectorParams() {
  return {{"Action", "DescribeRegions"},
          {"Version", "2014-05-26"},
          {"Format", "XML"},
          {"AccessKeyId", "testid"},
          {"Timestamp", "2016-02-23T12:46:24Z"},
          {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
          {"SignatureMethod", "HMAC-SHA1"},
          {"SignatureVersion", "1.0"}};
}

}  // namespace

TEST_CASE("the alidns GET vector gives the published string to sign and signature") {
  CHECK(alibabaStringToSign("GET", alidnsVectorParams()) ==
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDomainRecords%26DomainName%3Dexample.com"
        "%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df59ed6a9-83fc-473b-9cc6-"
        "99c95df3856e%26SignatureVersion%3D1.0%26Timestamp%3D2016-03-24T16%253A41%253A54Z%26Version"
        "%3D2015-01-09");
  CHECK(alibabaSignatureV1("GET", alidnsVectorParams(), kSecret) == "uRpHwaSEt3J+6KQD//svCh/x+pI=");
}

TEST_CASE("the alidns vector signed as POST gives the computed POST signature") {
  CHECK(alibabaSignatureV1("POST", alidnsVectorParams(), kSecret) ==
        "UVMjZ8Jdd/j5vKKJfVS6xiZRmxs=");
}

TEST_CASE("the ECS DescribeRegions vector gives the published GET and computed POST signatures") {
  CHECK(alibabaSignatureV1("GET", ecsVectorParams(), kSecret) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  CHECK(alibabaSignatureV1("POST", ecsVectorParams(), kSecret) == "MxbnVAM4w6sft9xjVpe/GCKueuk=");
}

TEST_CASE("a Signature parameter already present is not signed") {
  RpcParams params = alidnsVectorParams();
  params["Signature"] = "stale";
  CHECK(alibabaSignatureV1("GET", params, kSecret) == "uRpHwaSEt3J+6KQD//svCh/x+pI=");
}

TEST_CASE("the signed query carries the percent-encoded signature last") {
  CHECK(alibabaSignedQuery("GET", alidnsVectorParams(), kSecret) ==
        "AccessKeyId=testid&Action=DescribeDomainRecords&DomainName=example.com&Format=XML&"
        "SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&"
        "SignatureVersion=1.0&Timestamp=2016-03-24T16%3A41%3A54Z&Version=2015-01-09&"
        "Signature=uRpHwaSEt3J%2B6KQD%2F%2FsvCh%2Fx%2BpI%3D");
}

TEST_CASE("percent-encoding keeps only A-Za-z0-9-_.~ literal, in upper-case hex") {
  CHECK(planb::net::percentEncode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(planb::net::percentEncode("a b") == "a%20b");  // never '+'
  CHECK(planb::net::percentEncode("*") == "%2A");
  CHECK(planb::net::percentEncode("+/=:&") == "%2B%2F%3D%3A%26");
  CHECK(planb::net::percentEncode("\xc3\xa9") == "%C3%A9");  // UTF-8 bytes of é
  CHECK(planb::net::percentEncode("%") == "%25");
}

TEST_CASE("parameters are sorted by byte order, upper case before lower case") {
  RpcParams params{{"b", "1"}, {"B", "2"}, {"a", "3"}, {"_", "4"}};
  CHECK(alibabaCanonicalQuery(params) == "B=2&_=4&a=3&b=1");
}

TEST_CASE("the timestamp is UTC in yyyy-MM-ddTHH:mm:ssZ, fractions dropped") {
  using namespace std::chrono;
  planb::core::WallTime t = sys_days{2016y / March / 24} + 16h + 41min + 54s + 999ms;
  CHECK(alibabaTimestamp(t) == "2016-03-24T16:41:54Z");
}

TEST_CASE("the common V1 parameters are added around the caller's") {
  using namespace std::chrono;
  planb::core::WallTime t = sys_days{2016y / March / 24} + 16h + 41min + 54s;
  RpcParams params = withV1CommonParams({{"Action", "DescribeDomainRecords"},
                                         {"Version", "2015-01-09"},
                                         {"Format", "XML"},
                                         {"DomainName", "example.com"}},
                                        "testid", t, "f59ed6a9-83fc-473b-9cc6-99c95df3856e");
  CHECK(params == alidnsVectorParams());
}
