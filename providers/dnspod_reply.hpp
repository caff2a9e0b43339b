#pragma once
// What Tencent Cloud DNSPod (API 3.0, 2021-03-23) replies mean, as pure functions over the reply
// bodies' `Response` objects, so that every recorded reply of tests/conformance/dnspod/ is parsed
// by the code the provider runs.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/error.hpp"

namespace planb::providers {

// The default line: LineId "0", named "默认" on the China site and "Default" on the international
// one (DescribeRecordLineList; the API reference's examples).
inline constexpr std::string_view kDnspodDefaultLine = "默认";
inline constexpr std::string_view kDnspodDefaultLineId = "0";

// One record of a DescribeRecordList reply (RecordListItem).
struct DnspodRecord {
  std::string id;    // RecordId, an integer in replies, kept as its digits
  std::string name;  // the host label relative to the domain, "@" for the apex
  std::string type;
  std::string value;
  std::uint32_t ttl = 0;
  std::string line;                     // "默认" unless an ISP or region line
  std::string line_id;                  // "0" for the default line
  std::string status;                   // "ENABLE" or "DISABLE"
  std::optional<std::uint32_t> weight;  // null: no weight set
  std::string remark;
  std::uint32_t mx = 0;
  bool onDefaultLine() const;
  // The one shape planb manages: an enabled CNAME on the default line.
  bool isPlanbs() const;
  // "A", "CNAME (line 电信)", "CNAME (disabled)": what a Conflict reports.
  std::string describe() const;
};

// One page of DescribeRecordList: its records and RecordCountInfo.TotalCount. Throws
// nlohmann::json::exception when malformed.
struct DnspodPage {
  std::vector<DnspodRecord> records;
  std::size_t total = 0;
};
DnspodPage parseDnspodPage(const nlohmann::json& response);

// A reply's Response.Error, when it has one.
struct DnspodError {
  std::string code;
  std::string message;
};
std::optional<DnspodError> dnspodErrorIn(const nlohmann::json& response);

// The error kind of an error Code (https://github.com/TencentCloud/tencentcloud-sdk-python-intl-en
// tencentcloud/dnspod/v20210323/errorcodes.py, and the common error codes of API 3.0).
net::ErrorKind dnspodErrorKind(std::string_view code);

// Auth codes say nothing more than their code: a message may quote the request.
bool isDnspodAuthCode(std::string_view code);

// DescribeRecordList's "no records match": an empty listing, not an error.
inline constexpr std::string_view kDnspodNoRecords = "ResourceNotFound.NoDataOfRecord";
// CreateRecord of a record that exists already (a resent write).
inline constexpr std::string_view kDnspodRecordExists = "InvalidParameter.DomainRecordExist";
// A TTL below the domain's plan allows.
inline constexpr std::string_view kDnspodTtlRefused = "LimitExceeded.RecordTtlLimit";
// A RecordId that is not (any more) the domain's.
inline constexpr std::string_view kDnspodNoSuchRecord = "InvalidParameter.RecordIdInvalid";

// The plan's minimum TTL from a DescribeDomainPurview reply: the PurviewList entry named
// "记录TTL最低" (China site; some replies space it "记录 TTL 最低") or "Min TTL value"
// (international site). nullopt when the reply does not say.
std::optional<std::uint32_t> dnspodMinTtl(const nlohmann::json& response);

// DescribeDomain's DomainInfo.DnspodNsList, the name servers DNSPod assigned the domain, as
// listed (host names without a trailing dot). Throws nlohmann::json::exception when malformed.
std::vector<std::string> dnspodNameServers(const nlohmann::json& response);

}  // namespace planb::providers
