#include "providers/alidns_reply.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace planb::providers {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kDefaultLine = "default";

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// RecordId is documented as a string; some replies carry a number.
std::string idOf(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::to_string(value.get<std::uint64_t>());
}

}  // namespace

bool AlidnsRecord::isPlanbs() const {
  return type == "CNAME" && (line.empty() || line == kDefaultLine) && status != "DISABLE";
}

std::string AlidnsRecord::describe() const {
  std::string out = type;
  if (!line.empty() && line != kDefaultLine) {
    out += " (line " + line + ")";
  }
  if (status == "DISABLE") {
    out += " (disabled)";
  }
  return out;
}

std::vector<AlidnsRecord> parseAlidnsRecords(const Json& raw) {
  std::vector<AlidnsRecord> records;
  for (const Json& r : raw) {
    AlidnsRecord a;
    a.id = idOf(r.at("RecordId"));
    a.rr = r.at("RR").get<std::string>();
    a.type = r.at("Type").get<std::string>();
    a.value = r.at("Value").get<std::string>();
    a.ttl = r.contains("TTL") ? r.at("TTL").get<std::uint32_t>() : 0;
    a.line = r.contains("Line") ? r.at("Line").get<std::string>() : std::string();
    a.status = r.contains("Status") ? r.at("Status").get<std::string>() : std::string();
    records.push_back(std::move(a));
  }
  return records;
}

bool isAlidnsAuthCode(std::string_view code) {
  return code == "SignatureDoesNotMatch" || startsWith(code, "InvalidAccessKeyId") ||
         code == "IncorrectDomainUser" || startsWith(code, "Forbidden") ||
         startsWith(code, "InvalidTimeStamp") || startsWith(code, "InvalidSecurityToken") ||
         code == "MissingSecurityToken";
}

net::ErrorKind alidnsErrorKind(std::string_view code, long status) {
  using net::ErrorKind;
  if (startsWith(code, "Throttling") || status == 429) {
    return ErrorKind::RateLimited;
  }
  if (isAlidnsAuthCode(code)) {
    return ErrorKind::Auth;  // InvalidTimeStamp too: the signed request is refused (clock skew)
  }
  if (code == "InvalidDomainName.NoExist") {
    return ErrorKind::NotFound;
  }
  // DomainRecordConflict: another record at the name appeared; DomainRecordNotBelongToUser: the
  // RecordId just read is gone. Both ask for a new read and a new decision.
  if (code == "DomainRecordConflict" || code == "DomainRecordNotBelongToUser") {
    return ErrorKind::Conflict;
  }
  // A reused nonce cannot come from us twice; a new request gets a new one.
  if (code == "SignatureNonceUsed" || code == "ServiceUnavailable" || code == "InternalError" ||
      status >= 500) {
    return ErrorKind::Transient;
  }
  return ErrorKind::Permanent;
}

std::optional<std::uint32_t> alidnsMinTtl(const Json& info) {
  auto field = info.find("MinTtl");
  if (field == info.end()) {
    return std::nullopt;
  }
  // The SDKs type it as an integer; a string of digits is taken too.
  if (field->is_number_unsigned()) {
    return field->get<std::uint32_t>();
  }
  if (field->is_string()) {
    const std::string& text = field->get_ref<const std::string&>();
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> alidnsDnsServers(const Json& info) {
  std::vector<std::string> servers;
  auto field = info.find("DnsServers");
  if (field == info.end() || field->is_null()) {
    return servers;
  }
  for (const Json& server : field->at("DnsServer")) {
    servers.push_back(server.get<std::string>());
  }
  return servers;
}

std::optional<std::uint32_t> alidnsTtlFloorIn(std::string_view message) {
  constexpr std::string_view kRange = "range of ";
  auto at = message.find(kRange);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = message.substr(at + kRange.size());
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc() || end == rest.data()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace planb::providers
