#pragma once
// What Alibaba Cloud DNS replies mean, as pure functions over the reply bodies, so that every
// recorded reply of tests/conformance/alidns/ is parsed by the code the provider runs.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/error.hpp"

namespace planb::providers {

// One record of a DescribeDomainRecords / DescribeSubDomainRecords listing.
struct AlidnsRecord {
  std::string id;
  std::string rr;
  std::string type;
  std::string value;
  std::uint32_t ttl = 0;
  std::string line;    // "default" unless an ISP or region line
  std::string status;  // "ENABLE" or "DISABLE"
  // The one shape planb manages: an enabled CNAME on the default line.
  bool isPlanbs() const;
  // "A", "CNAME (line telecom)", "CNAME (disabled)": what a Conflict reports.
  std::string describe() const;
};

// The records of a listing's DomainRecords.Record array; throws nlohmann::json::exception when
// malformed.
std::vector<AlidnsRecord> parseAlidnsRecords(const nlohmann::json& records);

// The error kind of an error reply's Code and HTTP status.
net::ErrorKind alidnsErrorKind(std::string_view code, long status);

// Auth codes say nothing more than their code: SignatureDoesNotMatch, for one, quotes the string
// to sign, which holds the AccessKeyId.
bool isAlidnsAuthCode(std::string_view code);

// The zone's minimum TTL from a DescribeDomainInfo reply (MinTtl, present when the request asked
// NeedDetailAttributes=true), or nullopt when the reply does not say.
std::optional<std::uint32_t> alidnsMinTtl(const nlohmann::json& domain_info);

// DescribeDomainInfo's DnsServers.DnsServer, as listed (host names without a trailing dot);
// empty when the reply has none. Throws nlohmann::json::exception when it is malformed.
std::vector<std::string> alidnsDnsServers(const nlohmann::json& domain_info);

// The lower end of "A valid TTL must be in the range of 600 to 86400." in a QuotaExceeded.TTL
// Message, or nullopt when the message names no range.
std::optional<std::uint32_t> alidnsTtlFloorIn(std::string_view message);

}  // namespace planb::providers
