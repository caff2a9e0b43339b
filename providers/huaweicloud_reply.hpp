#pragma once
// What Huawei Cloud DNS v2 replies mean, as pure functions over the reply bodies, so that every
// recorded reply of tests/conformance/huaweicloud/ is parsed by the code the provider runs.
// Field names: huaweicloud-sdk-go-v3 services/dns/v2/model (ListRecordSets, Nameserver, Metadata);
// error bodies: https://support.huaweicloud.com/intl/en-us/api-dns/ErrorCode.html (DNS.xxxx:
// {"code","message"}) and the API gateway's
// https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-errorcode.html (APIGW.xxxx:
// {"error_code","error_msg","request_id"}).

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/error.hpp"

namespace planb::providers {

// One record set of a listing (GET /v2/zones/{zone_id}/recordsets) or of a write's reply.
struct HuaweiRecordset {
  std::string id;
  std::string name;  // canonical (lower case, trailing dot)
  std::string type;
  std::uint32_t ttl = 0;
  std::vector<std::string> records;
  std::string status;  // ACTIVE, PENDING_CREATE, PENDING_UPDATE, DISABLE, FREEZE, ERROR, ...
  std::string line;    // v2.1 replies only; empty or "default_view" is the default line
  // An enabled CNAME with one value on the default line: the one shape planb manages.
  bool isPlanbs() const;
  // "A", "CNAME (2 values)", "CNAME (line Dianxin)", "CNAME (DISABLE)": what a Conflict reports.
  std::string describe() const;
  // Accepted, not yet served everywhere.
  bool pending() const { return status.rfind("PENDING", 0) == 0; }
};

// One record set; throws nlohmann::json::exception when a field planb reads is malformed.
HuaweiRecordset parseHuaweiRecordset(const nlohmann::json& recordset);

// A listing's `recordsets`; throws nlohmann::json::exception when malformed.
std::vector<HuaweiRecordset> parseHuaweiRecordsets(const nlohmann::json& listing);

// A listing's metadata.total_count; throws nlohmann::json::exception when absent or malformed.
std::size_t huaweiTotalCount(const nlohmann::json& listing);

// The `hostname` of each of GET /v2/zones/{zone_id}/nameservers' `nameservers`, as listed;
// throws nlohmann::json::exception when malformed.
std::vector<std::string> huaweiNameServers(const nlohmann::json& reply);

// An error reply's code and message, from either shape; empty when the body has neither.
struct HuaweiErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};
HuaweiErrorBody huaweiErrorBody(const nlohmann::json& body);

// The error kind of an error reply's code and HTTP status.
net::ErrorKind huaweiErrorKind(std::string_view code, long status);

// The text of a TXT record as Huawei stores it: one or more quoted character-strings
// ("\"a\" \"b\"" is "ab"); text without quotes is returned as it is.
std::string huaweiTxtText(std::string_view record);
// The record for one character-string `text`: quoted, '"' and '\' escaped.
std::string huaweiTxtRecord(std::string_view text);

}  // namespace planb::providers
