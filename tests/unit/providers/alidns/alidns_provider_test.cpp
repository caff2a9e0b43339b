// AlidnsProvider through a scripted transport: signed form requests, the codec, paging, the
// read-first compare, and every error-code branch.

#include "providers/alidns_provider.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/credential_file.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kKeyId = "LTAI5tKEYIDfortests";
const std::string kKeySecret = "s3cr3t-Alibaba-KEY-value";
const std::string kEndpoint = "https://alidns.test/";

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::string decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() + 0 && hexValue(text[i + 1]) >= 0 &&
        hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

RpcParams parseForm(const std::string& body) {
  RpcParams params;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos)
      end = body.size();
    std::string pair = body.substr(start, end - start);
    std::size_t eq = pair.find('=');
    params[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return params;
}

Json record(const std::string& id, const std::string& rr, const std::string& type,
            const std::string& value, int ttl = 600, const std::string& line = "default",
            const std::string& status = "ENABLE") {
  return {{"RecordId", id},   {"RR", rr},
          {"Type", type},     {"Value", value},
          {"TTL", ttl},       {"Line", line},
          {"Status", status}, {"Locked", false},
          {"Weight", 1},      {"DomainName", "example.com"}};
}

std::string records(Json list, int total = -1, int page = 1, int page_size = 100) {
  int count = total >= 0 ? total : static_cast<int>(list.size());
  return Json{{"RequestId", "536E9CAD-DB30-4647-AC87-AA5CC38C5382"},
              {"TotalCount", count},
              {"PageNumber", page},
              {"PageSize", page_size},
              {"DomainRecords", {{"Record", std::move(list)}}}}
      .dump();
}

std::string aliError(const std::string& code, const std::string& message) {
  return Json{{"RequestId", "D1CB2D8B-0000-4C5F-9D65-EE6A6A5E4C2A"},
              {"HostId", "alidns.aliyuncs.com"},
              {"Code", code},
              {"Message", message},
              {"Recommend", "https://api.aliyun.com/troubleshoot?q=" + code}}
      .dump();
}

std::string written(const std::string& id) {
  return Json{{"RequestId", "F4A9E7C0-0000-4C2E-8B53-0F2F2C0E1D11"}, {"RecordId", id}}.dump();
}

// Answers each Action from the test's handler, after checking the signature as Alibaba does.
struct Fixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  planb::providers::AlidnsConfig config;
  int nonces = 0;
  std::vector<RpcParams> calls;  // decoded form of every request

  Fixture() {
    config.name = "ali";
    config.settings.access_key_id_file = writeSecret("ak.id", kKeyId);
    config.settings.access_key_secret_file = writeSecret("ak.secret", kKeySecret);
    config.endpoint = kEndpoint;
  }

  std::string writeSecret(const std::string& file, const std::string& value) {
    std::string path = dir.path() + "/" + file;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  AlidnsProvider make(AlidnsOptions options = {}) {
    return AlidnsProvider(
        config, transport, clock, [this] { return "nonce-" + std::to_string(++nonces); }, options);
  }

  void answer(std::function<HttpResponse(const RpcParams&)> handler) {
    transport->answer([this, handler](const HttpRequest& request) {
      RpcParams params = parseForm(request.body);
      calls.push_back(params);
      std::string signature = params["Signature"];
      params.erase("Signature");
      if (alibabaSignatureV1(request.method, params, kKeySecret) != signature) {
        return Result<HttpResponse>(reply(400, aliError("SignatureDoesNotMatch", "bad")));
      }
      return Result<HttpResponse>(handler(params));
    });
  }

  std::vector<std::string> actions() const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      out.push_back(c.at("Action"));
    }
    return out;
  }
};

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(kKeySecret) == std::string::npos);
  CHECK(e.message.find(kKeyId) == std::string::npos);
  return e;
}

void succeeded(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

ReplaceRequest swap(std::string new_target, std::optional<std::string> expected,
                    std::uint32_t ttl = 600, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

const RecordRef kWww{"example.com.", "www.example.com."};

}  // namespace

TEST_CASE("a read POSTs a signed DescribeSubDomainRecords form with the common parameters") {
  Fixture f;
  f.answer([](const RpcParams&) {
    return reply(200,
                 records(Json::array({record("1001", "www", "CNAME", "App.AWS.example.net")})));
  });
  AlidnsProvider provider = f.make();
  CHECK(provider.type() == "alidns");
  CHECK(provider.name() == "ali");

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 600);

  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "POST");
  CHECK(request.url == kEndpoint);
  CHECK(request.url.find(kKeyId) == std::string::npos);
  bool form = false;
  for (const auto& [name, value] : request.headers) {
    form = form || (name == "Content-Type" && value == "application/x-www-form-urlencoded");
  }
  CHECK(form);
  RpcParams params = f.calls[0];
  params.erase("Signature");
  CHECK(params == RpcParams{{"AccessKeyId", kKeyId},
                            {"Action", "DescribeSubDomainRecords"},
                            {"DomainName", "example.com"},
                            {"Format", "JSON"},
                            {"PageNumber", "1"},
                            {"PageSize", "100"},
                            {"SignatureMethod", "HMAC-SHA1"},
                            {"SignatureNonce", "nonce-1"},
                            {"SignatureVersion", "1.0"},
                            {"SubDomain", "www.example.com"},
                            {"Timestamp", alibabaTimestamp(f.clock->wallNow())},
                            {"Version", "2015-01-09"}});
}

TEST_CASE("the default endpoint is alidns.aliyuncs.com, and an endpoint gets its root slash") {
  Fixture f;
  SUBCASE("default") {
    f.config.endpoint.reset();
    f.make().read(kWww);
    CHECK(f.transport->requests.at(0).url == "https://alidns.aliyuncs.com/");
  }
  SUBCASE("override") {
    f.config.endpoint = "http://127.0.0.1:8080";
    f.make().read(kWww);
    CHECK(f.transport->requests.at(0).url == "http://127.0.0.1:8080/");
  }
}

TEST_CASE("the apex is read as RR @ and an absent name as Absent") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("SubDomain") == "example.com") {
      return reply(200, records(Json::array({record("1", "@", "CNAME", "apex.example.net")})));
    }
    return reply(200, records(Json::array()));
  });
  AlidnsProvider provider = f.make();
  CHECK(served(provider.read({"example.com.", "example.com."})).target == "apex.example.net.");
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("anything but one enabled default-line CNAME at the name is a conflict") {
  Fixture f;
  Json list;
  std::string expected;
  SUBCASE("an A record") {
    list = Json::array({record("1", "www", "A", "192.0.2.1")});
    expected = "A";
  }
  SUBCASE("a CNAME for an ISP line beside the default one") {
    list = Json::array({record("1", "www", "CNAME", "app.aws.example.net"),
                        record("2", "www", "CNAME", "cn.example.net", 600, "telecom")});
    expected = "CNAME (line telecom)";
  }
  SUBCASE("a disabled CNAME") {
    list = Json::array(
        {record("1", "www", "CNAME", "app.aws.example.net", 600, "default", "DISABLE")});
    expected = "CNAME (disabled)";
  }
  f.answer([&](const RpcParams&) { return reply(200, records(list)); });
  ServedRecord www = served(f.make().read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Conflict);
  CHECK(www.conflict_type == expected);
}

TEST_CASE("records for another label than the name's are ignored") {
  Fixture f;
  f.answer([](const RpcParams&) {
    return reply(200, records(Json::array({record("1", "www.sub", "A", "192.0.2.1")})));
  });
  CHECK(served(f.make().read(kWww)).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("a listing is read page by page until TotalCount records arrived") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    // A server that pages by 2 whatever was asked for.
    if (p.at("PageNumber") == "1") {
      return reply(
          200,
          records(Json::array({record("1", "www", "TXT", "a"), record("2", "www", "TXT", "b")}), 3,
                  1, 2));
    }
    return reply(200, records(Json::array({record("3", "www", "MX", "mx.example.net")}), 3, 2, 2));
  });
  ServedRecord www = served(f.make().read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Conflict);
  REQUIRE(f.calls.size() == 2);
  CHECK(f.calls[1].at("PageNumber") == "2");
}

TEST_CASE("a listing that never ends is refused, not followed forever") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    return reply(200,
                 records(Json::array({record(p.at("PageNumber"), "www", "TXT", "x")}), 1'000'000));
  });
  AlidnsOptions options;
  options.max_pages = 4;
  CHECK(failed(f.make(options).read(kWww)).kind == ErrorKind::Permanent);
  CHECK(f.calls.size() == 4);
}

TEST_CASE("a replace updates the CNAME by RecordId with RR, Type, Value and TTL") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "UpdateDomainRecord") {
      return reply(200, written("1001"));
    }
    return reply(200,
                 records(Json::array({record("1001", "www", "CNAME", "app.aws.example.net")})));
  });
  succeeded(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  REQUIRE(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                  "UpdateDomainRecord"});
  const RpcParams& update = f.calls[2];
  CHECK(update.at("RecordId") == "1001");
  CHECK(update.at("RR") == "www");
  CHECK(update.at("Type") == "CNAME");
  CHECK(update.at("Value") == "app.gcp.example.net");
  CHECK(update.at("TTL") == "60");
  CHECK(update.count("DomainName") == 0);
}

TEST_CASE("a replace adds the CNAME when the name holds nothing, at the apex as @") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "AddDomainRecord") {
      return reply(200, written("2002"));
    }
    return reply(200, records(Json::array()));
  });
  succeeded(f.make().replace(swap("app.gcp.example.net.", std::nullopt, 600, "example.com.")));
  REQUIRE(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                  "AddDomainRecord"});
  const RpcParams& add = f.calls[2];
  CHECK(add.at("DomainName") == "example.com");
  CHECK(add.at("RR") == "@");
  CHECK(add.at("Type") == "CNAME");
  CHECK(add.at("Value") == "app.gcp.example.net");
  CHECK(add.at("TTL") == "600");
}

TEST_CASE("every request carries a nonce of its own") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "UpdateDomainRecord") {
      return reply(200, written("1"));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.aws.example.net")})));
  });
  AlidnsProvider provider = f.make();
  served(provider.read(kWww));
  succeeded(provider.replace(swap("app.gcp.example.net.", "app.aws.example.net.")));
  std::set<std::string> nonces;
  for (const auto& c : f.calls) {
    nonces.insert(c.at("SignatureNonce"));
  }
  CHECK(nonces.size() == f.calls.size());
  CHECK(f.calls.size() == 4);
}

TEST_CASE("the default nonce generator gives distinct version 4 UUIDs") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string uuid = randomUuid();
    CHECK(uuid.size() == 36);
    CHECK(uuid[14] == '4');
    seen.insert(uuid);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("a replace sends nothing when the wanted CNAME and TTL are already served") {
  Fixture f;
  f.answer([](const RpcParams&) {
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.gcp.example.net")})));
  });
  succeeded(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net.", 600)));
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords"});
}

TEST_CASE("a replace refuses when the served value is not the expected one") {
  Fixture f;
  Json list;
  std::optional<std::string> expected;
  SUBCASE("another CNAME") {
    list = Json::array({record("1", "www", "CNAME", "hand.edit.example.net")});
    expected = "app.aws.example.net.";
  }
  SUBCASE("a CNAME where none was expected") {
    list = Json::array({record("1", "www", "CNAME", "app.aws.example.net")});
  }
  SUBCASE("nothing where a CNAME was expected") {
    list = Json::array();
    expected = "app.aws.example.net.";
  }
  SUBCASE("another type") {
    list = Json::array({record("1", "www", "A", "192.0.2.1")});
  }
  f.answer([&](const RpcParams&) { return reply(200, records(list)); });
  CHECK(failed(f.make().replace(swap("app.gcp.example.net.", expected))).kind ==
        ErrorKind::Conflict);
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords"});
}

TEST_CASE("DomainRecordDuplicate is a success once a re-read shows the wanted target") {
  Fixture f;
  int reads = 0;
  std::string after;
  SUBCASE("it does") {
    after = "app.gcp.example.net";
  }
  SUBCASE("it does not") {
    after = "someone.else.example.net";
  }
  f.answer([&](const RpcParams& p) {
    if (p.at("Action") == "UpdateDomainRecord") {
      return reply(400, aliError("DomainRecordDuplicate", "The DNS record already exists."));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME",
                                                  reads++ == 0 ? "app.aws.example.net" : after)})));
  });
  auto result = f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net."));
  if (after == "app.gcp.example.net") {
    succeeded(result);
  } else {
    CHECK(failed(result).kind == ErrorKind::Conflict);
  }
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                "UpdateDomainRecord", "DescribeSubDomainRecords"});
}

TEST_CASE("error codes map to error kinds, quoting neither credential") {
  struct Case {
    long status;
    std::string code;
    ErrorKind kind;
  };
  std::vector<Case> cases = {
      {400, "Throttling.User", ErrorKind::RateLimited},
      {503, "Throttling", ErrorKind::RateLimited},
      {400, "SignatureDoesNotMatch", ErrorKind::Auth},
      {404, "InvalidAccessKeyId.NotFound", ErrorKind::Auth},
      {400, "InvalidAccessKeyId.Inactive", ErrorKind::Auth},
      {400, "IncorrectDomainUser", ErrorKind::Auth},
      {403, "Forbidden.RAM", ErrorKind::Auth},
      {400, "InvalidTimeStamp.Expired", ErrorKind::Auth},
      {400, "InvalidDomainName.NoExist", ErrorKind::NotFound},
      {400, "DomainRecordConflict", ErrorKind::Conflict},
      {400, "SignatureNonceUsed", ErrorKind::Transient},
      {500, "InternalError", ErrorKind::Transient},
      {503, "ServiceUnavailable", ErrorKind::Transient},
      {400, "InvalidRR.Format", ErrorKind::Permanent},
  };
  for (const Case& c : cases) {
    CAPTURE(c.code);
    Fixture f;
    // Real SignatureDoesNotMatch messages quote the string to sign, AccessKeyId included.
    f.answer([&](const RpcParams&) {
      return reply(c.status, aliError(c.code, "server string to sign is:POST&%2F&AccessKeyId%3D" +
                                                  kKeyId + " secret " + kKeySecret));
    });
    ProviderError e = failed(f.make().read(kWww));
    CHECK(e.kind == c.kind);
    CHECK(e.message.find(c.code) != std::string::npos);
    CHECK(e.message.find("ali") != std::string::npos);
  }
}

TEST_CASE("bodies that are not JSON objects are Transient on 5xx and Permanent otherwise") {
  struct Case {
    long status;
    std::string body;
    ErrorKind kind;
  };
  std::vector<Case> cases = {
      {200, "{\"TotalCount\":", ErrorKind::Permanent},
      {200, "<Response><Code>x</Code></Response>", ErrorKind::Permanent},
      {400, "", ErrorKind::Permanent},
      {502, "<html>bad gateway</html>", ErrorKind::Transient},
      {200, "{\"TotalCount\":1,\"DomainRecords\":{\"Record\":[{\"RR\":\"www\"}]}}",
       ErrorKind::Permanent},
      {200, "{\"TotalCount\":\"many\",\"DomainRecords\":{\"Record\":[]}}", ErrorKind::Permanent},
      {200, "{\"RequestId\":\"x\"}", ErrorKind::Permanent},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    Fixture f;
    f.transport->answer(
        [&](const HttpRequest&) { return Result<HttpResponse>(reply(c.status, c.body)); });
    CHECK(failed(f.make().read(kWww)).kind == c.kind);
  }
}

TEST_CASE("an error message quotes a capped, printable Message") {
  Fixture f;
  f.answer([](const RpcParams&) {
    return reply(400, aliError("InvalidParameter", std::string(4000, 'm') + "\r\n"));
  });
  ProviderError e = failed(f.make().read(kWww));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.size() < 600);
  CHECK(e.message.find('\n') == std::string::npos);
  CHECK(e.message.find("D1CB2D8B") != std::string::npos);  // the RequestId, for support
}

TEST_CASE("a failed send passes on as the transport's error") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(ProviderError{ErrorKind::Transient, "POST x: timed out", {}});
  });
  CHECK(failed(f.make().read(kWww)).kind == ErrorKind::Transient);
}

TEST_CASE("both credential files are read at construction and must be private") {
  Fixture f;
  SUBCASE("missing key id") {
    f.config.settings.access_key_id_file = f.dir.path() + "/absent";
  }
  SUBCASE("world-readable secret") {
    ::chmod(f.config.settings.access_key_secret_file.c_str(), 0644);
  }
  CHECK_THROWS_AS(f.make(), CredentialError);
}

TEST_CASE("every Alibaba DNS request waits for a token of its ceiling") {
  Fixture f;
  f.answer([](const RpcParams&) { return reply(200, records(Json::array())); });
  planb::testing::RecordedCeiling ceiling;
  AlidnsOptions options;
  options.ceiling = ceiling.make({10, 2});
  AlidnsProvider provider = f.make(options);
  for (int i = 0; i < 3; ++i) {
    CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Absent);
  }
  CHECK(f.calls.size() == 3);
  CHECK(ceiling.waits == std::vector{100ms});  // the third, a tenth of a second later
}

TEST_CASE("Alibaba DNS's default ceiling stays under the lowest documented API rate planbd calls") {
  // UpdateDomainRecord's 60/s: a bucket lets rate + burst go within one second, so rate + burst
  // must not pass 60, with room for arrival jitter.
  CHECK(kAlidnsCeiling.per_second + kAlidnsCeiling.burst <= 60);
  CHECK(kAlidnsCeiling.per_second >= 50);
}

// ---- the zone's minimum TTL (issue 15) ---------------------------------------------------------

namespace {

// DescribeDomainInfo as Alibaba answers it with NeedDetailAttributes=true (the reply of
// tests/conformance/alidns/ without the lines); no MinTtl when `min_ttl` is negative.
std::string domainInfo(int min_ttl, const std::string& version = "mianfei") {
  Json info{{"RequestId", "60D5E6D7-B7C9-4846-B96B-DEB5D74A5BD5"},
            {"DomainName", "example.com"},
            {"VersionCode", version},
            {"VersionName", "Alibaba Cloud DNS"},
            {"AvailableTtls", {{"AvailableTtl", Json::array()}}}};
  if (min_ttl >= 0) {
    info["MinTtl"] = min_ttl;
  }
  return info.dump();
}

const std::string kTtlRefusal =
    "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400.";

Written wrote(const Result<Written>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<Written>(result);
}

}  // namespace

TEST_CASE("on a free-edition zone a failover with ttl 60 is written with 600 and reported raised") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeDomainInfo") {
      return reply(200, domainInfo(600));
    }
    if (action == "UpdateDomainRecord") {
      if (std::stoi(p.at("TTL")) < 600) {
        return reply(400, aliError("QuotaExceeded.TTL", kTtlRefusal));
      }
      return reply(200, written("1"));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.aws.example.net")})));
  });
  AlidnsProvider provider = f.make();
  Written w = wrote(
      provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0));
  CHECK(w.raised_ttl == 600);
  REQUIRE(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                  "UpdateDomainRecord"});
  CHECK(f.calls[1].at("DomainName") == "example.com");
  CHECK(f.calls[1].at("NeedDetailAttributes") == "true");
  CHECK(f.calls[2].at("TTL") == "600");

  SUBCASE("the minimum is learned once per zone") {
    f.calls.clear();
    CHECK(
        wrote(
            provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0))
            .raised_ttl == 600);
    CHECK(f.actions() ==
          std::vector<std::string>{"DescribeSubDomainRecords", "UpdateDomainRecord"});
  }
  SUBCASE("a TTL at or above the minimum is written as it is, and not reported") {
    f.calls.clear();
    CHECK(wrote(provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 900)})
                    .at(0))
              .raised_ttl == 0);
    CHECK(f.calls.back().at("TTL") == "900");
  }
}

TEST_CASE("a QuotaExceeded.TTL refusal is written again at once with the minimum learned anew") {
  Fixture f;
  int infos = 0;
  std::string second_info;
  std::string refusal = kTtlRefusal;
  SUBCASE("DescribeDomainInfo tells it now") {
    second_info = domainInfo(120, "bumianfei");
  }
  SUBCASE("else the refusal's range tells it") {
    second_info = aliError("Forbidden.RAM",
                           "User not authorized to operate on the specified "
                           "resource, or this API doesn't support RAM.");
  }
  SUBCASE("else the highest minimum of any edition") {
    second_info = domainInfo(-1);
    refusal = "The TTL value is less than the minimum value allowed.";
  }
  f.answer([&](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeDomainInfo") {
      // First: the zone allowed 1 (an enterprise edition since downgraded).
      return ++infos == 1 ? reply(200, domainInfo(1, "version3"))
                          : reply(second_info.find("Forbidden") != std::string::npos ? 403 : 200,
                                  second_info);
    }
    if (action == "UpdateDomainRecord") {
      int floor = second_info.find("\"MinTtl\":120") != std::string::npos ? 120 : 600;
      if (std::stoi(p.at("TTL")) < floor) {
        return reply(400, aliError("QuotaExceeded.TTL", refusal));
      }
      return reply(200, written("1"));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.aws.example.net")})));
  });
  AlidnsProvider provider = f.make();
  Written w = wrote(
      provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0));
  std::string floor = second_info.find("\"MinTtl\":120") != std::string::npos ? "120" : "600";
  CHECK(w.raised_ttl == static_cast<std::uint32_t>(std::stoi(floor)));
  REQUIRE(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                  "UpdateDomainRecord", "DescribeDomainInfo",
                                                  "UpdateDomainRecord"});
  CHECK(f.calls[2].at("TTL") == "60");
  CHECK(f.calls[4].at("TTL") == floor);
}

TEST_CASE("a zone minimum that cannot be learned never stops a failover") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeDomainInfo") {
      return reply(403, aliError("Forbidden.RAM", "User not authorized."));
    }
    if (action == "UpdateDomainRecord") {
      return reply(200, written("1"));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.aws.example.net")})));
  });
  AlidnsProvider provider = f.make();
  Written w = wrote(
      provider.replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0));
  CHECK(w.raised_ttl == 0);
  CHECK(f.calls.back().at("TTL") == "60");
}

TEST_CASE("a TTL-only change answered DomainRecordDuplicate is a success only when read back") {
  Fixture f;
  int reads = 0;
  int ttl_after = 0;
  SUBCASE("the TTL did change") {
    ttl_after = 60;
  }
  SUBCASE("the TTL did not change") {
    ttl_after = 600;
  }
  f.answer([&](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeDomainInfo") {
      return reply(200, domainInfo(1, "version3"));
    }
    if (action == "UpdateDomainRecord") {
      return reply(400, aliError("DomainRecordDuplicate", "The DNS record already exists."));
    }
    return reply(200, records(Json::array({record("1", "www", "CNAME", "app.gcp.example.net",
                                                  reads++ == 0 ? 600 : ttl_after)})));
  });
  auto result =
      f.make().replaceBatch({swap("app.gcp.example.net.", "app.aws.example.net.", 60)}).at(0);
  if (ttl_after == 60) {
    CHECK(wrote(result).raised_ttl == 0);
  } else {
    ProviderError e = failed(result);
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK(e.message.find("TTL 600, not 60") != std::string::npos);
  }
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                "UpdateDomainRecord", "DescribeSubDomainRecords"});
}

// ---- attributes planb leaves alone -------------------------------------------------------------

TEST_CASE("an update sends the record's own Line, and no Weight, Status, Remark or Priority") {
  Fixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "UpdateDomainRecord") {
      return reply(200, written("1"));
    }
    if (p.at("Action") == "DescribeDomainInfo") {
      return reply(200, domainInfo(1));
    }
    Json r = record("1", "www", "CNAME", "app.aws.example.net");
    r["Weight"] = 7;
    r["Remark"] = "hand-written note";
    return reply(200, records(Json::array({r})));
  });
  succeeded(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  const RpcParams& update = f.calls.back();
  REQUIRE(update.at("Action") == "UpdateDomainRecord");
  CHECK(update.at("Line") == "default");
  for (const char* untouched : {"Weight", "Status", "Remark", "Priority"}) {
    CHECK(update.count(untouched) == 0);
  }
}

// ---- temporary (STS) credentials ---------------------------------------------------------------

TEST_CASE("with security_token_file every request carries the SecurityToken, signed") {
  Fixture f;
  const std::string token = "CAIS-sts-token-for-tests+/=";
  f.config.settings.security_token_file = f.writeSecret("sts.token", token);
  f.answer([](const RpcParams&) { return reply(200, records(Json::array())); });
  AlidnsProvider provider = f.make();
  served(provider.read(kWww));
  REQUIRE(f.calls.size() == 1);
  CHECK(f.calls[0].at("SecurityToken") == token);  // and the fixture checked the signature over it
  CHECK(f.transport->requests[0].url.find("CAIS") == std::string::npos);
}

TEST_CASE("credential files rotated by an agent are used without a restart") {
  Fixture f;
  f.config.settings.security_token_file = f.writeSecret("sts.token", "token-one");
  f.answer([](const RpcParams&) { return reply(200, records(Json::array())); });
  AlidnsProvider provider = f.make();
  served(provider.read(kWww));
  // The agent writes a new file and renames it over the old one.
  std::string fresh = f.writeSecret("sts.token.new", "token-two-longer");
  REQUIRE(::rename(fresh.c_str(), f.config.settings.security_token_file.c_str()) == 0);
  served(provider.read(kWww));
  CHECK(f.calls.at(0).at("SecurityToken") == "token-one");
  CHECK(f.calls.at(1).at("SecurityToken") == "token-two-longer");
}

TEST_CASE("a refused credential is an Auth error naming the file to check, never a value") {
  struct Case {
    std::string code;
    std::string file_key;
  };
  std::vector<Case> cases = {{"InvalidSecurityToken.Expired", "security_token_file"},
                             {"InvalidSecurityToken.MismatchWithAccessKey", "security_token_file"},
                             {"InvalidAccessKeyId.NotFound", "access_key_id_file"},
                             {"SignatureDoesNotMatch", "access_key_secret_file"}};
  for (const Case& c : cases) {
    CAPTURE(c.code);
    Fixture f;
    const std::string token = "CAIS-secret-sts-token";
    f.config.settings.security_token_file = f.writeSecret("sts.token", token);
    f.answer([&](const RpcParams&) {
      return reply(400, aliError(c.code, "echo " + token + " " + kKeySecret));
    });
    ProviderError e = failed(f.make().read(kWww));
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find(c.file_key) != std::string::npos);
    CHECK(e.message.find(token) == std::string::npos);
  }
}

TEST_CASE("an STS key without security_token_file is told to set it") {
  Fixture f;
  f.answer([](const RpcParams&) {
    return reply(400, aliError("MissingSecurityToken", "SecurityToken is mandatory."));
  });
  ProviderError e = failed(f.make().read(kWww));
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("set security_token_file") != std::string::npos);
}
