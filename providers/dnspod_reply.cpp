#include "providers/dnspod_reply.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/ascii.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

bool dnspodStartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// RecordId is an integer in the reference; a string of digits is taken too.
std::string dnspodIdOf(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::to_string(value.get<std::uint64_t>());
}

std::optional<std::uint32_t> dnspodNumber(const Json& value) {
  if (value.is_number_unsigned()) {
    return value.get<std::uint32_t>();
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::uint32_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
      return number;
    }
  }
  return std::nullopt;
}

std::string dnspodText(const Json& record, const char* key) {
  auto field = record.find(key);
  return field != record.end() && field->is_string() ? field->get<std::string>() : std::string();
}

}  // namespace

bool DnspodRecord::onDefaultLine() const {
  if (!line_id.empty()) {
    return line_id == kDnspodDefaultLineId;
  }
  return line.empty() || line == kDnspodDefaultLine || core::asciiLower(line) == "default";
}

bool DnspodRecord::isPlanbs() const {
  return type == "CNAME" && onDefaultLine() && status != "DISABLE";
}

std::string DnspodRecord::describe() const {
  std::string out = type;
  if (!onDefaultLine()) {
    out += " (line " + line + ")";
  }
  if (status == "DISABLE") {
    out += " (disabled)";
  }
  return out;
}

DnspodPage parseDnspodPage(const Json& response) {
  DnspodPage page;
  page.total = response.at("RecordCountInfo").at("TotalCount").get<std::size_t>();
  for (const Json& r : response.at("RecordList")) {
    DnspodRecord d;
    d.id = dnspodIdOf(r.at("RecordId"));
    d.name = r.at("Name").get<std::string>();
    d.type = r.at("Type").get<std::string>();
    d.value = r.at("Value").get<std::string>();
    d.ttl = r.contains("TTL") ? r.at("TTL").get<std::uint32_t>() : 0;
    d.line = dnspodText(r, "Line");
    d.line_id = dnspodText(r, "LineId");
    d.status = dnspodText(r, "Status");
    if (auto w = r.find("Weight"); w != r.end() && !w->is_null()) {
      d.weight = w->get<std::uint32_t>();
    }
    d.remark = dnspodText(r, "Remark");
    if (auto mx = r.find("MX"); mx != r.end() && !mx->is_null()) {
      d.mx = mx->get<std::uint32_t>();
    }
    page.records.push_back(std::move(d));
  }
  return page;
}

std::optional<DnspodError> dnspodErrorIn(const Json& response) {
  auto error = response.find("Error");
  if (error == response.end() || !error->is_object()) {
    return std::nullopt;
  }
  return DnspodError{dnspodText(*error, "Code"), dnspodText(*error, "Message")};
}

bool isDnspodAuthCode(std::string_view code) {
  // AuthFailure.*: the signature, the SecretId, the token, the time or the CAM policy; the rest
  // are CAM refusals of the key's permissions on the domain.
  return dnspodStartsWith(code, "AuthFailure") || dnspodStartsWith(code, "UnauthorizedOperation") ||
         code == "OperationDenied.AccessDenied" ||
         code == "OperationDenied.NoPermissionToOperateDomain" ||
         code == "OperationDenied.DomainOwnerAllowedOnly" ||
         code == "FailedOperation.NotDomainOwner";
}

net::ErrorKind dnspodErrorKind(std::string_view code) {
  using net::ErrorKind;
  if (dnspodStartsWith(code, "RequestLimitExceeded")) {
    return ErrorKind::RateLimited;  // per action and account, per second; no retry hint
  }
  if (isDnspodAuthCode(code)) {
    return ErrorKind::Auth;  // AuthFailure.SignatureExpire too: the clock is off
  }
  if (code == "InvalidParameterValue.DomainNotExists" || code == "InvalidParameter.DomainInvalid" ||
      code == "ResourceNotFound" || code == "InvalidParameter.DomainIdInvalid") {
    return ErrorKind::NotFound;
  }
  // The RecordId just read is gone: a new read and a new decision.
  if (code == kDnspodNoSuchRecord) {
    return ErrorKind::Conflict;
  }
  if (dnspodStartsWith(code, "InternalError") || code == "FailedOperation.TemporaryError" ||
      code == "FailedOperation.UnknowError" || code == "InvalidParameter.OperateFailed" ||
      dnspodStartsWith(code, "ResourceUnavailable") || code == "ServiceUnavailable") {
    return ErrorKind::Transient;
  }
  if (dnspodStartsWith(code, "OperationDenied") || code == "FailedOperation.DomainIsLocked" ||
      code == "FailedOperation.DomainIsSpam" ||
      code == "InvalidParameter.DomainNotAllowedModifyRecords") {
    return ErrorKind::Refused;  // the domain's state or policy, not the request
  }
  return ErrorKind::Permanent;  // InvalidParameter*, MissingParameter, LimitExceeded.*, ...
}

std::optional<std::uint32_t> dnspodMinTtl(const Json& response) {
  auto list = response.find("PurviewList");
  if (list == response.end() || !list->is_array()) {
    return std::nullopt;
  }
  for (const Json& entry : *list) {
    if (!entry.is_object()) {
      continue;
    }
    std::string name = dnspodText(entry, "Name");
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    if (name == "记录TTL最低" || core::asciiLower(name) == "minttlvalue") {
      if (auto value = entry.find("Value"); value != entry.end()) {
        return dnspodNumber(*value);
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> dnspodNameServers(const Json& response) {
  std::vector<std::string> servers;
  const Json& info = response.at("DomainInfo");
  auto list = info.find("DnspodNsList");
  if (list == info.end() || list->is_null()) {
    return servers;
  }
  for (const Json& server : *list) {
    servers.push_back(server.get<std::string>());
  }
  return servers;
}

}  // namespace planb::providers
