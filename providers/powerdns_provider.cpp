#include "providers/powerdns_provider.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "net/credential_file.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/compare_before_write.hpp"
#include "providers/ldns_util.hpp"

namespace planb::providers {

namespace {

using nlohmann::json;

std::string absolute(std::string_view name) {
  std::string out(name);
  if (out.empty() || out.back() != '.') {
    out += '.';
  }
  return out;
}

std::string canonical(std::string_view name) {
  return core::asciiLower(absolute(name));
}

std::string hexEscape(unsigned char c, char lead) {
  char buffer[4];
  std::snprintf(buffer, sizeof buffer, "%c%02X", lead, c);
  return buffer;
}

// The "error" member of a PowerDNS error body, or "" when the body is not such a JSON object.
std::string errorText(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    auto it = parsed.find("error");
    if (it != parsed.end() && it->is_string()) {
      return net::quoteServerText(it->get_ref<const std::string&>());
    }
  }
  return "";
}

// Lower numbers first, as queryCname reports them; types ldns does not know after the rest.
std::pair<int, std::string> typeOrder(const std::string& type) {
  int number = static_cast<int>(ldns_get_rr_type_by_name(type.c_str()));
  return {number == 0 ? std::numeric_limits<int>::max() : number, type};
}

struct ParseFailure {
  std::string what;
};

// What the rrsets of a zone GET say about NAME (canonical). Entries for other names are skipped
// (a server older than 4.7 ignores the filters and sends the whole zone), and so are disabled
// records, which PowerDNS does not serve.
std::variant<ServedRecord, ParseFailure> interpret(const std::string& body,
                                                   const std::string& name) {
  json zone = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (zone.is_discarded()) {
    return ParseFailure{"the body is not JSON"};
  }
  if (!zone.is_object()) {
    return ParseFailure{"the body is not a JSON object"};
  }
  auto rrsets = zone.find("rrsets");
  if (rrsets == zone.end() || !rrsets->is_array()) {
    return ParseFailure{"it has no \"rrsets\" array"};
  }
  std::optional<ServedRecord> cname;
  std::optional<std::pair<int, std::string>> other;
  for (const json& rrset : *rrsets) {
    if (!rrset.is_object()) {
      return ParseFailure{"an entry of \"rrsets\" is not an object"};
    }
    auto rr_name = rrset.find("name");
    auto rr_type = rrset.find("type");
    auto records = rrset.find("records");
    if (rr_name == rrset.end() || !rr_name->is_string() || rr_type == rrset.end() ||
        !rr_type->is_string() || records == rrset.end() || !records->is_array()) {
      return ParseFailure{
          "an rrset lacks a string \"name\", a string \"type\" or a \"records\" array"};
    }
    if (canonical(rr_name->get_ref<const std::string&>()) != name) {
      continue;
    }
    std::vector<std::string> contents;
    for (const json& record : *records) {
      auto content = record.is_object() ? record.find("content") : record.end();
      if (!record.is_object() || content == record.end() || !content->is_string()) {
        return ParseFailure{"a record lacks a string \"content\""};
      }
      auto disabled = record.find("disabled");
      if (disabled != record.end() && !disabled->is_boolean()) {
        return ParseFailure{"a record's \"disabled\" is not a boolean"};
      }
      if (disabled == record.end() || !disabled->get<bool>()) {
        contents.push_back(content->get<std::string>());
      }
    }
    if (contents.empty()) {
      continue;  // only disabled records: nothing is served
    }
    std::string type = rr_type->get<std::string>();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (type != "CNAME") {
      auto order = typeOrder(type);
      if (!other || order < *other) {
        other = std::move(order);
      }
      continue;
    }
    if (contents.size() != 1) {
      return ParseFailure{"it holds " + std::to_string(contents.size()) + " CNAME records for " +
                          name};
    }
    auto ttl = rrset.find("ttl");
    if (ttl == rrset.end() || !ttl->is_number_unsigned() ||
        ttl->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return ParseFailure{"the CNAME rrset has no valid \"ttl\""};
    }
    ServedRecord served;
    served.kind = ServedRecord::Kind::Cname;
    served.target = canonical(contents.front());
    served.ttl = static_cast<std::uint32_t>(ttl->get<std::uint64_t>());
    cname = std::move(served);
  }
  if (cname && other) {
    // PowerDNS refuses this itself; a backend edited by hand may still hold it.
    ServedRecord served;
    served.kind = ServedRecord::Kind::Conflict;
    served.conflict_type = other->second;
    return served;
  }
  if (cname) {
    return *cname;
  }
  ServedRecord served;
  if (other) {
    served.kind = ServedRecord::Kind::Conflict;
    served.conflict_type = other->second;
  }
  return served;
}

// Overwrites the request's copy of the API key once it is sent, as Secret does with its own
// (best effort: the transport's copies are its business).
struct WipeHeaders {
  net::HttpRequest& request;
  ~WipeHeaders() {
    for (auto& header : request.headers) {
      std::fill(header.second.begin(), header.second.end(), '\0');
    }
  }
};

std::string withoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

std::string powerDnsZoneId(std::string_view zone) {
  std::string id;
  for (unsigned char c : absolute(zone)) {
    if (std::isalnum(c) || c == '.' || c == '-') {
      id += static_cast<char>(c);
    } else {
      id += hexEscape(c, '=');
    }
  }
  return id == "." ? "=2E" : id;  // a lone dot does not survive every URL handler
}

PowerDnsProvider::PowerDnsProvider(std::string name, const PowerDnsSettings& settings,
                                   std::optional<std::string> ca_file,
                                   std::chrono::milliseconds connect_timeout,
                                   std::chrono::milliseconds total_timeout)
    : PowerDnsProvider(std::move(name), settings,
                       std::make_shared<net::CurlTransport>(
                           net::HttpOptions{connect_timeout, total_timeout, std::move(ca_file)})) {}

PowerDnsProvider::PowerDnsProvider(std::string name, const PowerDnsSettings& settings,
                                   std::shared_ptr<net::HttpTransport> transport,
                                   std::shared_ptr<RequestCeiling> ceiling)
    : name_(std::move(name)),
      api_url_(withoutTrailingSlashes(settings.api_url)),
      server_id_(settings.server_id),
      transport_(behindCeiling(std::move(transport), std::move(ceiling), kPowerDnsCeiling)) {
  const std::string url = core::asciiLower(api_url_);
  const bool http = url.rfind("http://", 0) == 0 && url.size() > 7;
  const bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
  if (!http && !https) {
    throw std::invalid_argument("provider \"" + name_ + "\": api_url \"" +
                                net::redactUrl(api_url_) + "\" is not an http:// or https:// URL");
  }
  if (server_id_.empty()) {
    throw std::invalid_argument("provider \"" + name_ + "\": server_id is empty");
  }
  if (!transport_) {
    throw std::invalid_argument("provider \"" + name_ + "\": no HTTP transport");
  }
  base_url_ = api_url_ + "/api/v1/servers/" + net::percentEncode(server_id_);
  api_key_ = net::readSecretFile(settings.api_key_file, "PowerDNS API key file");
  // A line break in the key would end the header early and inject whatever follows.
  if (std::any_of(api_key_.reveal().begin(), api_key_.reveal().end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    throw net::CredentialError(settings.api_key_file +
                               ": PowerDNS API key file holds control characters or several lines");
  }
}

Result<net::HttpResponse> PowerDnsProvider::call(const std::string& method, const std::string& url,
                                                 const std::string& zone, std::string body) {
  net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers.emplace_back("X-API-Key", api_key_.reveal());
  request.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  request.body = std::move(body);
  WipeHeaders wipe{request};
  Result<net::HttpResponse> sent = transport_->send(request);
  auto* error = errorIn(sent);
  if (error != nullptr) {
    error->message = "PowerDNS API: " + error->message;
    return sent;
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  if (response.status >= 200 && response.status < 300) {
    return sent;
  }
  const std::string status = " (HTTP " + std::to_string(response.status) + ")";
  const std::string api = "PowerDNS API at " + net::redactUrl(api_url_);
  const std::string what = method + " of zone " + absolute(zone);
  std::string text = errorText(response.body);
  std::string detail = text.empty() ? "" : ": " + text;
  ProviderError failure{ErrorKind::Permanent, "", std::nullopt};
  switch (response.status) {
    case 401:
    case 403:
      // The key is never echoed; PowerDNS's "Unauthorized" adds nothing.
      failure = {ErrorKind::Auth, api + " rejected the API key" + status, std::nullopt};
      break;
    case 404:
      failure = {ErrorKind::NotFound,
                 "zone " + absolute(zone) + " does not exist on server " + server_id_ + " of " +
                     api + status,
                 std::nullopt};
      break;
    case 429:
      failure = {ErrorKind::RateLimited, api + " is rate limiting " + what + status + detail,
                 net::retryAfterOf(response)};
      break;
    case 422:
      failure.message = api + " refused " + what + status + detail;
      // Another type appeared at the name after planb read it: the product's "conflict".
      if (text.find("Conflicts with pre-existing RRset") != std::string::npos) {
        failure.kind = ErrorKind::Conflict;
      }
      break;
    default:
      if (response.status >= 500 && response.status < 600) {
        failure = {ErrorKind::Transient, api + " failed " + what + status + detail,
                   net::retryAfterOf(response)};
      } else if (response.status >= 300 && response.status < 400) {
        failure.message = api + " redirected " + what + status +
                          ": redirects are not followed, set api_url to the API itself";
      } else {
        failure.message = api + " refused " + what + status + detail;
      }
      break;
  }
  return failure;
}

Result<ServedRecord> PowerDnsProvider::fetch(const RecordRef& record, bool cname_only) {
  const std::string name = canonical(record.name);
  std::string url = base_url_ + "/zones/" + powerDnsZoneId(record.zone) +
                    "?rrset_name=" + net::percentEncode(name);
  if (cname_only) {
    url += "&rrset_type=CNAME";
  }
  Result<net::HttpResponse> got = call("GET", url, record.zone);
  if (auto* error = errorIn(got)) {
    return std::move(*error);
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(got);
  if (response.status != 200) {
    return ProviderError{ErrorKind::Permanent,
                         "PowerDNS API at " + net::redactUrl(api_url_) + " answered GET of zone " +
                             absolute(record.zone) + " with HTTP " +
                             std::to_string(response.status) + " instead of 200",
                         std::nullopt};
  }
  auto interpreted = interpret(response.body, name);
  if (auto* failure = std::get_if<ParseFailure>(&interpreted)) {
    return ProviderError{ErrorKind::Permanent,
                         "PowerDNS API at " + net::redactUrl(api_url_) +
                             " sent a malformed reply to GET of zone " + absolute(record.zone) +
                             ": " + failure->what,
                         std::nullopt};
  }
  return std::get<ServedRecord>(interpreted);
}

Result<ServedRecord> PowerDnsProvider::read(const RecordRef& record) {
  Result<ServedRecord> cname = fetch(record, /*cname_only=*/true);
  const auto* served = std::get_if<ServedRecord>(&cname);
  if (served == nullptr || served->kind != ServedRecord::Kind::Absent) {
    return cname;
  }
  // No CNAME: whether another type holds the name needs the name's other rrsets.
  return fetch(record, /*cname_only=*/false);
}

Result<Unit> PowerDnsProvider::replace(const ReplaceRequest& request) {
  const std::string name = canonical(request.record.name);
  const std::string target = canonical(request.new_target);
  Result<ServedRecord> current = read(request.record);
  if (auto* error = errorIn(current)) {
    return std::move(*error);
  }
  const ServedRecord& served = std::get<ServedRecord>(current);
  ReplaceRequest canonical_request = request;
  canonical_request.record.name = name;
  canonical_request.new_target = target;
  if (request.expected_target) {
    canonical_request.expected_target = canonical(*request.expected_target);
  }
  Result<WriteNeed> need = compareBeforeWrite(served, canonical_request);
  if (auto* error = errorIn(need)) {
    return std::move(*error);
  }
  if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
    return Unit{};
  }
  // Race window: a change made by another writer from here until the PATCH lands is overwritten
  // (the API has no compare-and-swap); verification and resync report it.
  nlohmann::ordered_json body = {{"rrsets",
                                  {{{"name", name},
                                    {"type", "CNAME"},
                                    {"ttl", request.ttl},
                                    {"changetype", "REPLACE"},
                                    {"records", {{{"content", target}, {"disabled", false}}}}}}}};
  Result<net::HttpResponse> patched =
      call("PATCH", base_url_ + "/zones/" + powerDnsZoneId(request.record.zone),
           request.record.zone, body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (auto* error = errorIn(patched)) {
    return std::move(*error);
  }
  return Unit{};
}

}  // namespace planb::providers
