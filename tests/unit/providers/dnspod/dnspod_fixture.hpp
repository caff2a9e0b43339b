#pragma once
// DnspodProvider through a scripted transport that checks every TC3 signature as Tencent Cloud
// does, and answers each X-TC-Action from the test's handler in the service's envelope
// ({"Response": {..., "RequestId"}}, errors as HTTP 200 with Response.Error).

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/tc3_signer.hpp"
#include "providers/dnspod_provider.hpp"

namespace planb::testing::dnspod {

using Json = nlohmann::json;

inline const std::string kSecretId = "AKIDdnspodUNITtestSecretId0001";
inline const std::string kSecretKey = "dnspod-unit-SECRET-key-Zx9";
inline const std::string kEndpoint = "https://dnspod.test/";

// One record as DescribeRecordList lists it (RecordListItem; the API reference's example:
// TencentCloud/tencentcloud-cli tccli/examples/dnspod/v20210323/DescribeRecordList.md).
inline Json dnspodRecord(int id, const std::string& name, const std::string& type,
                         const std::string& value, int ttl = 600, const std::string& line = "默认",
                         const std::string& line_id = "0", const std::string& status = "ENABLE") {
  return {{"RecordId", id},    {"Value", value},
          {"Status", status},  {"UpdatedOn", "2021-03-28 11:27:09"},
          {"Name", name},      {"Line", line},
          {"LineId", line_id}, {"Type", type},
          {"Weight", nullptr}, {"MonitorStatus", ""},
          {"Remark", ""},      {"TTL", ttl},
          {"MX", 0},           {"DefaultNS", false}};
}

inline Json dnspodOk(Json response) {
  response["RequestId"] = "ab4f1426-ea15-42ea-8183-dc1b44151166";
  return response;
}

inline Json dnspodList(Json records, int total = -1) {
  int count = total >= 0 ? total : static_cast<int>(records.size());
  int listed = static_cast<int>(records.size());
  return dnspodOk({{"RecordCountInfo",
                    {{"SubdomainCount", count}, {"TotalCount", count}, {"ListCount", listed}}},
                   {"RecordList", std::move(records)}});
}

inline Json dnspodFailure(const std::string& code, const std::string& message) {
  return {{"Error", {{"Code", code}, {"Message", message}}},
          {"RequestId", "b253d23f-1ecb-460e-b794-89d1893334de"}};
}

inline Json dnspodNoRecords() {
  return dnspodFailure("ResourceNotFound.NoDataOfRecord", "记录列表为空。");
}

inline std::string dnspodHeader(const net::HttpRequest& request, const std::string& name) {
  for (const auto& header : request.headers) {
    if (header.first == name) {
      return header.second;
    }
  }
  return {};
}

struct DnspodCall {
  std::string action;
  Json params;
  std::string token;  // X-TC-Token, empty when absent
};

struct DnspodFixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  providers::DnspodConfig config;
  std::vector<DnspodCall> calls;

  DnspodFixture() {
    config.name = "pod";
    config.settings.secret_id_file = writeSecret("secret_id", kSecretId);
    config.settings.secret_key_file = writeSecret("secret_key", kSecretKey);
    config.endpoint = kEndpoint;
  }

  std::string writeSecret(const std::string& file, const std::string& value) {
    std::string path = dir.path() + "/" + file;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  providers::DnspodProvider make(providers::DnspodOptions options = {}) {
    return providers::DnspodProvider(config, transport, clock, std::move(options));
  }

  // `handler` gets (action, params) and returns the Response object; the envelope is added.
  void answer(std::function<Json(const std::string&, const Json&)> handler,
              const std::string& secret_key = kSecretKey) {
    transport->answer([this, handler, secret_key](const net::HttpRequest& request) {
      std::string action = dnspodHeader(request, "X-TC-Action");
      Json params = Json::parse(request.body);
      calls.push_back({action, params, dnspodHeader(request, "X-TC-Token")});
      std::int64_t timestamp = std::stoll(dnspodHeader(request, "X-TC-Timestamp"));
      net::Tc3Signature expected =
          net::signTc3(kSecretId, secret_key, "dnspod", dnspodHeader(request, "Host"),
                       dnspodHeader(request, "Content-Type"), request.body, timestamp);
      Json response;
      if (dnspodHeader(request, "Authorization") != expected.authorization) {
        response = dnspodFailure("AuthFailure.SignatureFailure",
                                 "The provided credentials could not be validated.");
      } else {
        response = handler(action, params);
      }
      return net::Result<net::HttpResponse>(reply(200, Json{{"Response", response}}.dump()));
    });
  }

  std::vector<std::string> actions() const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      out.push_back(c.action);
    }
    return out;
  }

  std::vector<DnspodCall> callsOf(const std::string& action) const {
    std::vector<DnspodCall> out;
    for (const auto& c : calls) {
      if (c.action == action) {
        out.push_back(c);
      }
    }
    return out;
  }
};

inline providers::ServedRecord dnspodServed(const net::Result<providers::ServedRecord>& result) {
  if (const auto* error = std::get_if<net::Error>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<providers::ServedRecord>(result);
}

template <typename T>
net::Error dnspodFailed(const net::Result<T>& result) {
  REQUIRE(std::holds_alternative<net::Error>(result));
  net::Error e = std::get<net::Error>(result);
  CHECK(e.message.find(kSecretKey) == std::string::npos);
  CHECK(e.message.find(kSecretId) == std::string::npos);
  return e;
}

template <typename T>
T dnspodValue(const net::Result<T>& result) {
  if (const auto* error = std::get_if<net::Error>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

inline providers::ReplaceRequest dnspodSwap(std::string new_target,
                                            std::optional<std::string> expected,
                                            std::uint32_t ttl = 600,
                                            std::string name = "www.example.com.") {
  providers::ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

inline const providers::RecordRef kDnspodWww{"example.com.", "www.example.com."};

// The purview of a plan whose minimum TTL is `ttl` (DescribeDomainPurview's example:
// tccli/examples/dnspod/v20210323/DescribeDomainPurview.md).
inline Json dnspodPurview(int ttl) {
  return dnspodOk({{"PurviewList",
                    Json::array({Json{{"Name", "NS记录条数"}, {"Value", "99999"}},
                                 Json{{"Name", "记录TTL最低"}, {"Value", std::to_string(ttl)}}})}});
}

}  // namespace planb::testing::dnspod
