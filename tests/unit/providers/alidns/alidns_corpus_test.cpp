// tests/conformance/alidns/: every recorded reply parses, with the provider's own code, to what
// Alibaba meant ("expect"), and planb's requests carry the parameters the recorded ones carry.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "fakes/corpus_exchanges.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/alibaba_signer.hpp"
#include "providers/alidns_provider.hpp"
#include "providers/alidns_reply.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;

namespace {

using Exchange = planb::testing::CorpusExchange;

std::vector<Exchange> corpus() {
  return planb::testing::loadCorpus(PLANB_ALIDNS_CORPUS_DIR);
}

std::string kindName(ErrorKind kind) {
  return std::string(nameOf(kind));
}

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
    if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
        hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// The parameters of a query string or form body.
RpcParams parametersOf(const std::string& text) {
  RpcParams params;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string::npos)
      end = text.size();
    std::string pair = text.substr(start, end - start);
    std::size_t eq = pair.find('=');
    params[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return params;
}

RpcParams recordedParameters(const Json& request) {
  RpcParams params = parametersOf(request.value("query", ""));
  for (auto& [k, v] : parametersOf(request.value("body", ""))) {
    params[k] = v;
  }
  return params;
}

}  // namespace

TEST_CASE("every recorded Alibaba DNS reply parses to what the service meant") {
  std::vector<Exchange> exchanges = corpus();
  REQUIRE(exchanges.size() >= 14);
  for (const Exchange& x : exchanges) {
    CAPTURE(x.file);
    REQUIRE(x.json.contains("source"));
    const Json& response = x.json.at("response");
    const Json& expect = x.json.at("expect");
    Json body = Json::parse(response.at("body").get<std::string>());
    long status = response.at("status").get<long>();
    if (expect.contains("records")) {
      CHECK(body.at("TotalCount") == expect.at("total_count"));
      CHECK(body.at("PageNumber") == expect.at("page_number"));
      CHECK(body.at("PageSize") == expect.at("page_size"));
      std::vector<AlidnsRecord> records = parseAlidnsRecords(body.at("DomainRecords").at("Record"));
      REQUIRE(records.size() == expect.at("records").size());
      for (std::size_t i = 0; i < records.size(); ++i) {
        const Json& want = expect.at("records").at(i);
        CHECK(records[i].id == want.at("id"));
        CHECK(records[i].rr == want.at("rr"));
        CHECK(records[i].type == want.at("type"));
        CHECK(records[i].value == want.at("value"));
        CHECK(records[i].ttl == want.at("ttl"));
        CHECK(records[i].line == want.at("line"));
        CHECK(records[i].status == want.at("status"));
        CHECK(records[i].isPlanbs() == want.at("planbs"));
      }
    }
    if (expect.contains("min_ttl")) {
      std::optional<std::uint32_t> min_ttl = alidnsMinTtl(body);
      if (expect.at("min_ttl").is_null()) {
        CHECK_FALSE(min_ttl.has_value());
      } else {
        CHECK(min_ttl == std::optional(expect.at("min_ttl").get<std::uint32_t>()));
      }
    }
    if (expect.contains("dns_servers")) {
      CHECK(alidnsDnsServers(body) == expect.at("dns_servers").get<std::vector<std::string>>());
    }
    if (expect.contains("txt")) {
      std::vector<std::string> values;
      for (const AlidnsRecord& r : parseAlidnsRecords(body.at("DomainRecords").at("Record"))) {
        if (r.type == "TXT") {
          values.push_back(r.value);
        }
      }
      CHECK(values == expect.at("txt").get<std::vector<std::string>>());
    }
    if (expect.contains("version_code")) {
      CHECK(body.at("VersionCode") == expect.at("version_code"));
    }
    if (expect.contains("record_id")) {
      CHECK(status == 200);
      CHECK_FALSE(body.contains("Code"));  // what the provider takes for a success
      CHECK(body.at("RecordId") == expect.at("record_id"));
    }
    if (expect.contains("error_code")) {
      std::string code = body.at("Code").get<std::string>();
      CHECK(code == expect.at("error_code"));
      CHECK(kindName(alidnsErrorKind(code, status)) == expect.at("error_kind").get<std::string>());
    }
    if (expect.contains("ttl_floor")) {
      std::optional<std::uint32_t> floor = alidnsTtlFloorIn(body.at("Message").get<std::string>());
      if (expect.at("ttl_floor").is_null()) {
        CHECK_FALSE(floor.has_value());
      } else {
        CHECK(floor == std::optional(expect.at("ttl_floor").get<std::uint32_t>()));
      }
    }
  }
}

TEST_CASE("planb's Alibaba DNS requests carry the parameters the recorded requests carry") {
  // planb's own requests for each action it sends, with STS credentials so SecurityToken is there.
  TempDir dir;
  auto secret = [&](const std::string& name, const std::string& value) {
    std::string path = dir.path() + "/" + name;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  };
  AlidnsConfig config;
  config.name = "ali";
  config.settings.access_key_id_file = secret("id", "STS.corpus-key");
  config.settings.access_key_secret_file = secret("secret", "corpus-secret");
  config.settings.security_token_file = secret("token", "corpus-token");
  config.endpoint = "https://alidns.test/";
  auto transport = std::make_shared<ScriptedTransport>();
  std::map<std::string, RpcParams> sent;  // Action -> planb's parameters
  bool cname = true;
  transport->answer([&](const HttpRequest& request) {
    RpcParams params = parametersOf(request.body);
    std::string signature = params["Signature"];
    RpcParams unsigned_params = params;
    unsigned_params.erase("Signature");
    CHECK(alibabaSignatureV1(request.method, unsigned_params, "corpus-secret") == signature);
    sent[params["Action"]] = params;
    const std::string& action = params["Action"];
    if (action == "UpdateDomainRecord" || action == "AddDomainRecord") {
      return Result<HttpResponse>(reply(200, R"({"RequestId":"W","RecordId":"1"})"));
    }
    if (action == "DescribeDomainInfo") {
      return Result<HttpResponse>(reply(200, R"({"RequestId":"I","MinTtl":1})"));
    }
    if (action == "DeleteDomainRecord") {
      return Result<HttpResponse>(reply(200, R"({"RequestId":"D","RecordId":"2"})"));
    }
    if (params["Type"] == "TXT") {  // the rehearsal's record
      Json txt = {
          {"RecordId", "2"}, {"RR", "_planb-rehearsal"}, {"Type", "TXT"},     {"Value", "old"},
          {"TTL", 600},      {"Line", "default"},        {"Status", "ENABLE"}};
      return Result<HttpResponse>(reply(
          200, Json{{"RequestId", "L"}, {"TotalCount", 1}, {"DomainRecords", {{"Record", {txt}}}}}
                   .dump()));
    }
    Json record = {{"RecordId", "1"},          {"RR", "www"}, {"Type", "CNAME"},
                   {"Value", "a.example.net"}, {"TTL", 600},  {"Line", "default"},
                   {"Status", "ENABLE"}};
    Json list = cname ? Json::array({record}) : Json::array();
    return Result<HttpResponse>(reply(
        200,
        Json{{"RequestId", "L"}, {"TotalCount", list.size()}, {"DomainRecords", {{"Record", list}}}}
            .dump()));
  });
  AlidnsProvider provider(config, transport, std::make_shared<ManualClock>());
  ReplaceRequest change;
  change.record = {"example.com.", "www.example.com."};
  change.new_target = "b.example.net.";
  change.expected_target = "a.example.net.";
  REQUIRE(std::holds_alternative<Written>(provider.replaceBatch({change}).at(0)));
  provider.readBatch("example.com.", {"www.example.com.", "api.example.com."});
  cname = false;
  change.expected_target.reset();
  REQUIRE(std::holds_alternative<Written>(provider.replaceBatch({change}).at(0)));
  TxtWrite rehearsal;
  rehearsal.record = {"example.com.", "_planb-rehearsal.example.com."};
  rehearsal.value = "token";
  REQUIRE(std::holds_alternative<Written>(provider.writeTxt(rehearsal)));
  REQUIRE(std::holds_alternative<Written>(provider.deleteTxt(rehearsal.record)));
  REQUIRE(sent.count("DeleteDomainRecord") == 1);

  // The common parameters, and those each action needs; what a recorded client added beyond
  // them (lexicon's RRKeyWord, ddns-go's Type filter) is not planb's business.
  const std::set<std::string> kCommon = {
      "AccessKeyId",      "Action",    "Format",  "SignatureMethod", "SignatureNonce",
      "SignatureVersion", "Timestamp", "Version", "Signature",       "SecurityToken"};
  const std::map<std::string, std::set<std::string>> kNeeded = {
      {"DescribeDomainRecords", {"DomainName"}},
      {"DescribeSubDomainRecords", {"SubDomain"}},
      {"DescribeDomainInfo", {"DomainName", "NeedDetailAttributes"}},
      {"UpdateDomainRecord", {"RecordId", "RR", "Type", "Value", "TTL"}},
      {"AddDomainRecord", {"DomainName", "RR", "Type", "Value", "TTL"}},
      {"DeleteDomainRecord", {"RecordId"}}};
  std::size_t compared = 0;
  for (const Exchange& x : corpus()) {
    CAPTURE(x.file);
    RpcParams recorded = recordedParameters(x.json.at("request"));
    auto ours = sent.find(recorded["Action"]);
    if (ours == sent.end()) {
      continue;  // an action planb never sends
    }
    ++compared;
    for (const auto& parameter : recorded) {
      // A copy, not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
      const std::string name = parameter.first;
      bool needed = kCommon.count(name) > 0 || kNeeded.at(recorded["Action"]).count(name) > 0;
      if (needed) {
        CAPTURE(name);
        CHECK(ours->second.count(name) == 1);
      }
    }
    CHECK(ours->second.at("Version") == recorded.at("Version"));
    CHECK(ours->second.at("SignatureMethod") == recorded.at("SignatureMethod"));
    CHECK(ours->second.at("SignatureVersion") == recorded.at("SignatureVersion"));
    std::string format = recorded.at("Format");
    std::transform(format.begin(), format.end(), format.begin(), ::toupper);
    CHECK(ours->second.at("Format") == format);
  }
  CHECK(compared >= 10);
}
