#include "providers/powerdns_provider.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "net/credential_file.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/compare_before_write.hpp"
#include "providers/ldns_util.hpp"
#include "providers/txt_update.hpp"
#include "providers/txt_zone_text.hpp"

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

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

struct ParseFailure {
  std::string what;
};

using NameReading = std::variant<ServedRecord, ParseFailure>;

// What NAME's rrsets (each already checked to have a string name and type and a records array)
// say. Disabled records are skipped: PowerDNS does not serve them.
NameReading servedBy(const std::vector<const json*>& rrsets, const std::string& name) {
  std::optional<ServedRecord> cname;
  std::optional<std::pair<int, std::string>> other;
  for (const json* rrset : rrsets) {
    std::vector<std::string> contents;
    for (const json& record : rrset->at("records")) {
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
    std::string type = upper(rrset->at("type").get<std::string>());
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
    auto ttl = rrset->find("ttl");
    if (ttl == rrset->end() || !ttl->is_number_unsigned() ||
        ttl->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return ParseFailure{"the CNAME rrset has no valid \"ttl\""};
    }
    ServedRecord served;
    served.kind = ServedRecord::Kind::Cname;
    served.target = canonical(contents.front());
    served.ttl = static_cast<std::uint32_t>(ttl->get<std::uint64_t>());
    cname = std::move(served);
  }
  ServedRecord served;
  if (other) {
    // A CNAME beside another type: PowerDNS refuses this itself; a backend edited by hand may
    // still hold it.
    served.kind = ServedRecord::Kind::Conflict;
    served.conflict_type = other->second;
    return served;
  }
  if (cname) {
    return *cname;
  }
  return served;
}

// What the rrsets of one zone GET say about each of NAMES (canonical), parsed once. Entries for
// other names are skipped (a server older than 4.7 ignores the filters and sends the whole zone).
// A failure of the whole reply, or one per name.
std::variant<std::vector<NameReading>, ParseFailure> interpret(
    const std::string& body, const std::vector<std::string>& names) {
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
  std::unordered_map<std::string, std::vector<const json*>> by_name;
  for (const std::string& name : names) {
    by_name[name];
  }
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
    auto asked = by_name.find(canonical(rr_name->get_ref<const std::string&>()));
    if (asked != by_name.end()) {
      asked->second.push_back(&rrset);
    }
  }
  std::vector<NameReading> readings;
  readings.reserve(names.size());
  for (const std::string& name : names) {
    readings.push_back(servedBy(by_name[name], name));
  }
  return readings;
}

// The contents of NAME's (canonical) enabled records of TYPE in a zone GET's BODY, checked as
// interpret() checks it. Rrsets of other names and types are skipped (a server older than 4.7
// ignores the filters).
std::variant<std::vector<std::string>, ParseFailure> contentsIn(const std::string& body,
                                                                const std::string& name,
                                                                const std::string& type) {
  json zone = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (zone.is_discarded() || !zone.is_object()) {
    return ParseFailure{"the body is not a JSON object"};
  }
  auto rrsets = zone.find("rrsets");
  if (rrsets == zone.end() || !rrsets->is_array()) {
    return ParseFailure{"it has no \"rrsets\" array"};
  }
  std::vector<std::string> contents;
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
    if (canonical(rr_name->get_ref<const std::string&>()) != name ||
        upper(rr_type->get<std::string>()) != type) {
      continue;
    }
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
        contents.push_back(content->get<std::string>());  // disabled: not served
      }
    }
  }
  return contents;
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

// REQUEST with every name canonical, as reads report them.
ReplaceRequest canonicalRequest(const ReplaceRequest& request) {
  ReplaceRequest out = request;
  out.record.name = canonical(request.record.name);
  out.new_target = canonical(request.new_target);
  if (request.expected_target) {
    out.expected_target = canonical(*request.expected_target);
  }
  return out;
}

// One entry of a PATCH's "rrsets", as JSON text: the name's CNAME RRset replaced by one record.
std::string cnameRrset(const std::string& name, const std::string& target, std::uint32_t ttl) {
  nlohmann::ordered_json rrset = {{"name", name},
                                  {"type", "CNAME"},
                                  {"ttl", ttl},
                                  {"changetype", "REPLACE"},
                                  {"records", {{{"content", target}, {"disabled", false}}}}};
  return rrset.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct PatchBody {
  std::vector<std::size_t> members;  // indices of the requests it swaps
  std::string text;
};

// The PATCH bodies that swap REQUESTS[members...]: as few as keep each within MAX_BYTES.
std::vector<PatchBody> patchBodies(const std::vector<ReplaceRequest>& requests,
                                   const std::vector<std::size_t>& members, std::size_t max_bytes) {
  static constexpr std::string_view kOpen = R"({"rrsets":[)";
  static constexpr std::string_view kClose = "]}";
  std::vector<PatchBody> bodies;
  for (std::size_t i : members) {
    const ReplaceRequest& request = requests[i];
    std::string rrset = cnameRrset(request.record.name, request.new_target, request.ttl);
    if (bodies.empty() ||
        bodies.back().text.size() + 1 + rrset.size() + kClose.size() > max_bytes) {
      bodies.push_back({{}, std::string(kOpen)});
    } else {
      bodies.back().text += ',';
    }
    bodies.back().members.push_back(i);
    bodies.back().text += rrset;
  }
  for (PatchBody& body : bodies) {
    body.text += kClose;
  }
  return bodies;
}

// A line break in the key would end the X-API-Key header early and inject whatever follows.
bool hasControlCharacters(const net::Secret& key) {
  return std::any_of(key.reveal().begin(), key.reveal().end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

constexpr const char* kControlCharacters =
    ": PowerDNS API key file holds control characters or several lines";

// How net::CurlTransport says a reply passed its max_body.
constexpr std::string_view kReplyTooLarge = ": reply larger than ";

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
  api_key_ =
      std::make_unique<net::WatchedSecretFile>(settings.api_key_file, "PowerDNS API key file");
  if (hasControlCharacters(api_key_->current())) {
    throw net::CredentialError(settings.api_key_file + kControlCharacters);
  }
}

Result<net::HttpResponse> PowerDnsProvider::call(const std::string& method, const std::string& url,
                                                 const std::string& zone, std::string body) {
  // The file as it is now: an operator who rotated the key has rewritten it.
  net::Secret key = api_key_->current();
  if (hasControlCharacters(key)) {
    return ProviderError{ErrorKind::Auth, api_key_->path() + kControlCharacters, std::nullopt};
  }
  net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers.emplace_back("X-API-Key", key.reveal());
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

Result<std::string> PowerDnsProvider::getZone(const std::string& url, const std::string& zone) {
  Result<net::HttpResponse> got = call("GET", url, zone);
  if (auto* error = errorIn(got)) {
    return std::move(*error);
  }
  net::HttpResponse& response = std::get<net::HttpResponse>(got);
  if (response.status != 200) {
    return ProviderError{ErrorKind::Permanent,
                         "PowerDNS API at " + net::redactUrl(api_url_) + " answered GET of zone " +
                             absolute(zone) + " with HTTP " + std::to_string(response.status) +
                             " instead of 200",
                         std::nullopt};
  }
  return std::move(response.body);
}

ProviderError PowerDnsProvider::malformedReply(const std::string& zone,
                                               const std::string& what) const {
  return ProviderError{ErrorKind::Permanent,
                       "PowerDNS API at " + net::redactUrl(api_url_) +
                           " sent a malformed reply to GET of zone " + absolute(zone) + ": " + what,
                       std::nullopt};
}

std::vector<Result<ServedRecord>> PowerDnsProvider::readZone(
    const std::string& url, const std::string& zone, const std::vector<std::string>& names) {
  auto everyName = [&names](const ProviderError& error) {
    return std::vector<Result<ServedRecord>>(names.size(), error);
  };
  Result<std::string> body = getZone(url, zone);
  if (auto* error = errorIn(body)) {
    return everyName(*error);
  }
  auto interpreted = interpret(std::get<std::string>(body), names);
  if (auto* failure = std::get_if<ParseFailure>(&interpreted)) {
    return everyName(malformedReply(zone, failure->what));
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  for (NameReading& reading : std::get<std::vector<NameReading>>(interpreted)) {
    if (auto* failure = std::get_if<ParseFailure>(&reading)) {
      results.emplace_back(malformedReply(zone, failure->what));
    } else {
      results.emplace_back(std::move(std::get<ServedRecord>(reading)));
    }
  }
  return results;
}

Result<ServedRecord> PowerDnsProvider::fetch(const RecordRef& record, bool cname_only) {
  const std::string name = canonical(record.name);
  std::string url = base_url_ + "/zones/" + powerDnsZoneId(record.zone) +
                    "?rrset_name=" + net::percentEncode(name);
  if (cname_only) {
    url += "&rrset_type=CNAME";
  }
  return std::move(readZone(url, record.zone, {name}).front());
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
  Result<WriteNeed> need = compareBeforeWrite(served, canonicalRequest(request));
  if (auto* error = errorIn(need)) {
    return std::move(*error);
  }
  if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
    return Unit{};
  }
  // Race window: a change made by another writer from here until the PATCH lands is overwritten
  // (the API has no compare-and-swap); verification and resync report it.
  return patch(request.record.zone, "{\"rrsets\":[" + cnameRrset(name, target, request.ttl) + "]}");
}

Result<Unit> PowerDnsProvider::patch(const std::string& zone, std::string body) {
  Result<net::HttpResponse> patched =
      call("PATCH", base_url_ + "/zones/" + powerDnsZoneId(zone), zone, std::move(body));
  if (auto* error = errorIn(patched)) {
    return std::move(*error);
  }
  return Unit{};
}

std::vector<Result<ServedRecord>> PowerDnsProvider::readBatch(
    const std::string& zone, const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);  // the filtered GET moves less than the zone
  }
  std::vector<std::string> canonical_names;
  canonical_names.reserve(names.size());
  for (const std::string& name : names) {
    canonical_names.push_back(canonical(name));
  }
  std::vector<Result<ServedRecord>> read =
      readZone(base_url_ + "/zones/" + powerDnsZoneId(zone), zone, canonical_names);
  // A zone whose listing passes the transport's reply limit (CurlTransport's max_body, 8 MB: some
  // 40,000 rrsets) is never read whole: ask name by name with the filtered GETs instead.
  if (const ProviderError* error = errorIn(read.front());
      error != nullptr && error->message.find(kReplyTooLarge) != std::string::npos) {
    return DnsProvider::readBatch(zone, names);
  }
  return read;
}

std::vector<Result<Written>> PowerDnsProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.size() <= 1) {
    return DnsProvider::replaceBatch(changes);
  }
  std::vector<ReplaceRequest> requests;
  requests.reserve(changes.size());
  for (const ReplaceRequest& change : changes) {
    requests.push_back(canonicalRequest(change));
  }
  const std::string& zone = changes.front().record.zone;
  std::vector<std::optional<Result<Written>>> results(changes.size());
  std::vector<std::size_t> pending(changes.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    pending[i] = i;
  }
  for (int round = 1; !pending.empty(); ++round) {
    // Compare: one read of the zone for every pending record.
    std::vector<std::string> names;
    names.reserve(pending.size());
    for (std::size_t i : pending) {
      names.push_back(requests[i].record.name);
    }
    std::vector<Result<ServedRecord>> current = readBatch(zone, names);
    std::vector<std::size_t> to_write;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      if (auto* error = errorIn(current[k])) {
        results[i] = std::move(*error);
        continue;
      }
      Result<WriteNeed> need = compareBeforeWrite(std::get<ServedRecord>(current[k]), requests[i]);
      if (auto* error = errorIn(need)) {
        results[i] = std::move(*error);
      } else if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
        results[i] = Written{};
      } else {
        to_write.push_back(i);
      }
    }
    // Swap: one PATCH with every rrset, split only where the body would pass the server's limit.
    // PowerDNS applies a PATCH in one transaction: a refusal changed nothing.
    pending.clear();
    for (PatchBody& body : patchBodies(requests, to_write, kPowerDnsMaxBodyBytes)) {
      Result<Unit> patched = patch(zone, std::move(body.text));
      for (std::size_t i : body.members) {
        if (auto* error = errorIn(patched)) {
          // Another type appeared at one of the names since the read: read again and rebuild,
          // so that only that name fails.
          if (error->kind == ErrorKind::Conflict && round < kMaxBatchRounds) {
            pending.push_back(i);
          } else {
            results[i] = *error;
          }
        } else {
          results[i] = Written{};
        }
      }
    }
  }
  std::vector<Result<Written>> out;
  out.reserve(results.size());
  for (std::optional<Result<Written>>& result : results) {
    out.push_back(std::move(*result));
  }
  return out;
}

Result<std::vector<std::string>> PowerDnsProvider::rrsetContents(const std::string& zone,
                                                                 const std::string& name,
                                                                 const std::string& type) {
  const std::string url = base_url_ + "/zones/" + powerDnsZoneId(zone) +
                          "?rrset_name=" + net::percentEncode(name) + "&rrset_type=" + type;
  Result<std::string> body = getZone(url, zone);
  if (auto* error = errorIn(body)) {
    return std::move(*error);
  }
  auto contents = contentsIn(std::get<std::string>(body), name, type);
  if (auto* failure = std::get_if<ParseFailure>(&contents)) {
    return malformedReply(zone, failure->what);
  }
  return std::move(std::get<std::vector<std::string>>(contents));
}

Result<std::vector<std::string>> PowerDnsProvider::readTxt(const RecordRef& record) {
  Result<std::vector<std::string>> contents =
      rrsetContents(record.zone, canonical(record.name), "TXT");
  if (auto* error = errorIn(contents)) {
    return std::move(*error);
  }
  std::vector<std::string> values;
  for (const std::string& content : std::get<std::vector<std::string>>(contents)) {
    std::optional<std::string> value = unquoteTxt(content);
    if (!value) {
      return malformedReply(record.zone, "a TXT record's content is not zone-file text");
    }
    values.push_back(std::move(*value));
  }
  return values;
}

Result<Written> PowerDnsProvider::writeTxt(const TxtWrite& write) {
  if (std::optional<ProviderError> error = txtValueError(write.value)) {
    return std::move(*error);
  }
  nlohmann::ordered_json rrset = {
      {"name", canonical(write.record.name)},
      {"type", "TXT"},
      {"ttl", write.ttl},
      {"changetype", "REPLACE"},
      {"records", {{{"content", quoteTxt(write.value)}, {"disabled", false}}}}};
  nlohmann::ordered_json body = {{"rrsets", nlohmann::ordered_json::array({rrset})}};
  Result<Unit> patched = patch(write.record.zone, body.dump());
  if (auto* error = errorIn(patched)) {
    return std::move(*error);
  }
  return Written{};
}

Result<Written> PowerDnsProvider::deleteTxt(const RecordRef& record) {
  nlohmann::ordered_json rrset = {
      {"name", canonical(record.name)}, {"type", "TXT"}, {"changetype", "DELETE"}};
  nlohmann::ordered_json body = {{"rrsets", nlohmann::ordered_json::array({rrset})}};
  Result<Unit> patched = patch(record.zone, body.dump());
  if (auto* error = errorIn(patched)) {
    return std::move(*error);
  }
  return Written{};
}

Result<std::vector<std::string>> PowerDnsProvider::nameServers(const std::string& zone) {
  Result<std::vector<std::string>> contents = rrsetContents(zone, canonical(zone), "NS");
  if (auto* error = errorIn(contents)) {
    return std::move(*error);
  }
  std::vector<std::string> hosts;
  for (const std::string& content : std::get<std::vector<std::string>>(contents)) {
    hosts.push_back(canonical(content));
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

}  // namespace planb::providers
