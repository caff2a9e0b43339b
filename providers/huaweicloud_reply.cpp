#include "providers/huaweicloud_reply.hpp"

#include <nlohmann/json.hpp>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

std::string huaweiStringOr(const Json& object, const char* key, std::string fallback = {}) {
  auto at = object.find(key);
  if (at == object.end() || at->is_null()) {
    return fallback;
  }
  return at->get<std::string>();
}

}  // namespace

bool HuaweiRecordset::isPlanbs() const {
  return type == "CNAME" && records.size() == 1 && (line.empty() || line == "default_view") &&
         (status.empty() || status == "ACTIVE" || pending());
}

std::string HuaweiRecordset::describe() const {
  std::string text = type;
  if (!line.empty() && line != "default_view") {
    text += " (line " + line + ")";
  } else if (!(status.empty() || status == "ACTIVE" || pending())) {
    text += " (" + status + ")";
  } else if (type == "CNAME" && records.size() != 1) {
    text += " (" + std::to_string(records.size()) + " values)";
  }
  return text;
}

HuaweiRecordset parseHuaweiRecordset(const Json& recordset) {
  HuaweiRecordset r;
  r.id = recordset.at("id").get<std::string>();
  r.name = core::canonicalName(huaweiStringOr(recordset, "name"));
  r.type = huaweiStringOr(recordset, "type");
  if (auto ttl = recordset.find("ttl"); ttl != recordset.end() && !ttl->is_null()) {
    r.ttl = ttl->get<std::uint32_t>();
  }
  if (auto records = recordset.find("records"); records != recordset.end() && !records->is_null()) {
    for (const Json& value : records->get_ref<const Json::array_t&>()) {
      r.records.push_back(value.get<std::string>());
    }
  }
  r.status = huaweiStringOr(recordset, "status");
  r.line = huaweiStringOr(recordset, "line");
  return r;
}

std::vector<HuaweiRecordset> parseHuaweiRecordsets(const Json& listing) {
  std::vector<HuaweiRecordset> out;
  for (const Json& recordset : listing.at("recordsets").get_ref<const Json::array_t&>()) {
    out.push_back(parseHuaweiRecordset(recordset));
  }
  return out;
}

std::size_t huaweiTotalCount(const Json& listing) {
  return listing.at("metadata").at("total_count").get<std::size_t>();
}

std::vector<std::string> huaweiNameServers(const Json& reply) {
  std::vector<std::string> out;
  for (const Json& server : reply.at("nameservers").get_ref<const Json::array_t&>()) {
    // Public zones name their servers by hostname; private zones by address (not planb's).
    if (auto host = server.find("hostname"); host != server.end() && host->is_string()) {
      out.push_back(host->get<std::string>());
    }
  }
  return out;
}

HuaweiErrorBody huaweiErrorBody(const Json& body) {
  HuaweiErrorBody out;
  if (!body.is_object()) {
    return out;
  }
  auto text = [&body](const char* key) {
    auto at = body.find(key);
    return at != body.end() && at->is_string() ? at->get<std::string>() : std::string();
  };
  out.code = text("code");
  out.message = text("message");
  if (out.code.empty()) {
    out.code = text("error_code");
    out.message = text("error_msg");
  }
  out.request_id = text("request_id");
  return out;
}

net::ErrorKind huaweiErrorKind(std::string_view code, long status) {
  using net::ErrorKind;
  // DNS.0014 "Request forbidden by flow control." (403) and APIGW.0308 "The throttling threshold
  // has been reached" (429) are throttling, whatever their status.
  if (code == "DNS.0014" || code == "APIGW.0308" || status == 429) {
    return ErrorKind::RateLimited;
  }
  // APIGW.03xx: the gateway refused the credentials or the signature (0301 incorrect IAM
  // authentication information, 0303 incorrect app authentication, 0305 ...). DNS.0005
  // "Authentication required." (401), DNS.0013 "You do not have the permission" (403).
  if (code.rfind("APIGW.03", 0) == 0 || code == "DNS.0005" || code == "DNS.0013" || status == 401 ||
      status == 403) {
    return ErrorKind::Auth;
  }
  if (status >= 500) {
    return ErrorKind::Transient;  // DNS.0000/0001/0003 busy, DNS.0021 lock: "retry"
  }
  // DNS.0312 "record set name already exists", DNS.0335 "a duplicate record set exists" (the
  // codes provider-apis.md §11 lists; status 400 in practice).
  if (code == "DNS.0312" || code == "DNS.0335" || status == 409) {
    return ErrorKind::Conflict;
  }
  // DNS.0004 "No record sets found.", DNS.0302 the zone does not exist, DNS.0313 record set gone.
  if (code == "DNS.0004" || code == "DNS.0302" || code == "DNS.0313" || status == 404) {
    return ErrorKind::NotFound;
  }
  return ErrorKind::Permanent;
}

std::string huaweiTxtText(std::string_view record) {
  if (record.empty() || record.front() != '"') {
    return std::string(record);
  }
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < record.size(); ++i) {
    char c = record[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted && c == '\\' && i + 1 < record.size()) {
      out += record[++i];
    } else if (quoted) {
      out += c;
    }
  }
  return out;
}

std::string huaweiTxtRecord(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace planb::providers
