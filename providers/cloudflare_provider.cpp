#include "providers/cloudflare_provider.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/dns_name.hpp"
#include "net/credential_file.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

// Cloudflare error codes (provider-apis.md §3).
constexpr long kHostTakenByAddressOrCname = 81053;
constexpr long kCnameExists = 81054;
constexpr long kRecordExists = 81057;
constexpr long kIdenticalRecordExists = 81058;

// "auto" TTL, served as 300 s.
constexpr std::uint32_t kAutoTtl = 1;
constexpr std::uint32_t kAutoTtlSeconds = 300;

std::uint32_t servedTtl(std::uint32_t ttl) {
  return ttl == kAutoTtl ? kAutoTtlSeconds : ttl;
}

}  // namespace

// A request that did not give a usable result: the error to report, and Cloudflare's error
// codes so callers can tell "already exists" from other refusals.
struct CloudflareProvider::ApiFailure {
  ProviderError error;
  std::vector<long> codes;
  bool has(long code) const { return std::find(codes.begin(), codes.end(), code) != codes.end(); }
};

struct CloudflareProvider::ApiReply {
  std::optional<ApiFailure> failure;
  Json envelope;  // the whole reply when it succeeded
};

CloudflareProvider::CloudflareProvider(const CloudflareConfig& config,
                                       std::shared_ptr<net::HttpTransport> transport,
                                       std::shared_ptr<const core::Clock> clock,
                                       CloudflareOptions options)
    : name_(config.name),
      endpoint_(config.endpoint.value_or(std::string(kDefaultEndpoint))),
      token_(net::readSecretFile(config.settings.api_token_file, "Cloudflare API token file")),
      configured_zone_id_(config.settings.zone_id),
      transport_(behindCeiling(std::move(transport), options.ceiling, kCloudflareCeiling)),
      clock_(std::move(clock)),
      options_(options),
      budget_(options.budget_requests, options.budget_window, clock_) {
  if (!transport_) {
    throw std::invalid_argument("cloudflare provider \"" + name_ + "\" needs an HTTP transport");
  }
  while (!endpoint_.empty() && endpoint_.back() == '/') {
    endpoint_.pop_back();
  }
  options_.per_page = std::max(1, options_.per_page);
  options_.max_pages = std::max(1, options_.max_pages);
}

CloudflareProvider::ApiReply CloudflareProvider::call(const std::string& method,
                                                      const std::string& path_and_query,
                                                      const std::string& body) {
  std::string what = method + " " + path_and_query;
  if (auto wait = budget_.tryAcquire()) {
    std::string why = budget_.used() >= budget_.capacity()
                          ? "the request budget of " + std::to_string(budget_.capacity()) +
                                " per " + std::to_string(budget_.window().count() / 1000) +
                                " s is spent"
                          : "Cloudflare asked to wait (HTTP 429)";
    ProviderError e =
        error(ErrorKind::RateLimited, what + ": not sent: " + why + "; next slot in " +
                                          std::to_string(wait->count()) + " ms");
    e.retry_after = *wait;
    return ApiReply{ApiFailure{std::move(e), {}}, {}};
  }
  net::HttpRequest request;
  request.method = method;
  request.url = endpoint_ + path_and_query;
  request.headers.emplace_back("Authorization", "Bearer " + token_.reveal());
  request.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  Result<net::HttpResponse> sent = transport_->send(request);
  net::Secret wiped(std::move(request.headers.front().second));  // the header's copy of the token
  if (auto* failed = errorIn(sent)) {
    ProviderError e = error(failed->kind, failed->message);
    e.retry_after = failed->retry_after;  // the ceiling's wait, when it held the request back
    return ApiReply{ApiFailure{std::move(e), {}}, {}};
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  std::string status = "HTTP " + std::to_string(response.status);

  Json envelope = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::vector<long> codes;
  std::string detail;
  if (envelope.is_object()) {
    auto errors = envelope.find("errors");
    if (errors != envelope.end() && errors->is_array()) {
      for (const Json& e : *errors) {
        if (!e.is_object()) {
          continue;
        }
        auto code = e.find("code");
        auto message = e.find("message");
        if (code != e.end() && code->is_number_integer()) {
          codes.push_back(code->get<long>());
          detail += (detail.empty() ? "" : "; ") + std::to_string(codes.back());
        }
        if (message != e.end() && message->is_string()) {
          detail += " " + net::quoteServerText(message->get<std::string>());
        }
        if (detail.size() > 2 * net::kMaxServerText) {
          break;
        }
      }
    }
  }
  // Belt and braces: a reply quoting the token loses it here.
  for (auto at = detail.find(token_.reveal()); at != std::string::npos;
       at = detail.find(token_.reveal(), at)) {
    detail.replace(at, token_.reveal().size(), "***");
  }
  std::string described = what + ": " + status + (detail.empty() ? "" : ": " + detail);
  auto fail = [&](ErrorKind kind, std::string message) {
    return ApiReply{ApiFailure{error(kind, std::move(message)), codes}, {}};
  };

  if (response.status == 429) {
    auto retry_after = net::retryAfterOf(response);
    if (retry_after) {
      budget_.holdOff(*retry_after);
    }
    ApiReply reply = fail(ErrorKind::RateLimited, described);
    reply.failure->error.retry_after = retry_after;
    return reply;
  }
  if (response.status == 401 || response.status == 403) {
    return fail(ErrorKind::Auth, described + " (is the API token valid, with Zone DNS Edit?)");
  }
  if (response.status >= 500) {
    return fail(ErrorKind::Transient, described);
  }
  if (response.status == 404) {
    return fail(ErrorKind::NotFound, described);
  }
  if (!envelope.is_object() || !envelope.contains("success")) {
    return fail(ErrorKind::Permanent,
                what + ": " + status + ": the reply is not a Cloudflare " + "JSON envelope");
  }
  for (long code : codes) {
    if (code == kHostTakenByAddressOrCname || code == kCnameExists) {
      return fail(ErrorKind::Conflict,
                  described + " (the name already holds an A, AAAA or CNAME record)");
    }
  }
  const Json& success = envelope["success"];
  if (response.status < 200 || response.status >= 300 || !success.is_boolean() ||
      !success.get<bool>()) {
    return fail(ErrorKind::Permanent, described);
  }
  return ApiReply{std::nullopt, std::move(envelope)};
}

void CloudflareProvider::forgetZone(const std::string& zone) {
  std::lock_guard lock(mutex_);
  zone_ids_.erase(zone);
}

Result<std::string> CloudflareProvider::zoneId(const std::string& zone) {
  if (configured_zone_id_) {
    return *configured_zone_id_;
  }
  {
    std::lock_guard lock(mutex_);
    if (auto it = zone_ids_.find(zone); it != zone_ids_.end()) {
      return it->second;
    }
  }
  // Needs "Zone Read" on the token; configuring zone_id avoids that and this request.
  std::string wanted = withoutDot(zone);
  ApiReply reply = call("GET", "/zones?name=" + net::percentEncode(wanted));
  if (reply.failure) {
    return reply.failure->error;
  }
  try {
    for (const Json& z : reply.envelope.at("result")) {
      if (core::canonicalName(z.at("name").get<std::string>()) == zone) {
        std::string id = z.at("id").get<std::string>();
        std::lock_guard lock(mutex_);
        zone_ids_[zone] = id;
        return id;
      }
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "GET /zones: malformed zone listing");
  }
  return error(ErrorKind::NotFound,
               "zone " + zone + " is not in the Cloudflare account of this API token");
}

Result<std::vector<CloudflareProvider::Record>> CloudflareProvider::listRecords(
    const std::string& zone_id, const std::string& filter) {
  std::vector<Record> records;
  for (int page = 1;; ++page) {
    if (page > options_.max_pages) {
      return error(ErrorKind::Permanent, "listing " + filter + " has more than " +
                                             std::to_string(options_.max_pages) + " pages");
    }
    std::string path = "/zones/" + net::percentEncode(zone_id) + "/dns_records?" + filter +
                       "&page=" + std::to_string(page) +
                       "&per_page=" + std::to_string(options_.per_page);
    ApiReply reply = call("GET", path);
    if (reply.failure) {
      return reply.failure->error;
    }
    int total_pages = 1;
    std::size_t on_page = 0;
    try {
      for (const Json& r : reply.envelope.at("result")) {
        Record record;
        record.id = r.at("id").get<std::string>();
        record.type = r.at("type").get<std::string>();
        record.content = r.at("content").get<std::string>();
        record.ttl = r.contains("ttl") ? r.at("ttl").get<std::uint32_t>() : kAutoTtl;
        records.push_back(std::move(record));
        ++on_page;
      }
      if (auto info = reply.envelope.find("result_info");
          info != reply.envelope.end() && info->is_object() && info->contains("total_pages")) {
        total_pages = info->at("total_pages").get<int>();
      }
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent, "GET " + path + ": malformed record listing");
    }
    if (on_page == 0 || page >= total_pages) {
      return records;
    }
  }
}

Result<CloudflareLookup> CloudflareProvider::lookup(const RecordRef& record) {
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* e = errorIn(zone_id)) {
    return std::move(*e);
  }
  CloudflareLookup found;
  found.zone_id = std::get<std::string>(zone_id);
  std::string fqdn = net::percentEncode(withoutDot(record.name));

  Result<std::vector<Record>> cnames = listRecords(found.zone_id, "type=CNAME&name.exact=" + fqdn);
  if (auto* e = errorIn(cnames)) {
    if (e->kind == ErrorKind::NotFound) {
      forgetZone(record.zone);  // the zone may have been deleted and added again, with a new id
    }
    return std::move(*e);
  }
  for (const Record& r : std::get<std::vector<Record>>(cnames)) {
    if (r.type != "CNAME") {
      continue;
    }
    found.served.kind = ServedRecord::Kind::Cname;
    found.served.target = core::canonicalName(r.content);
    found.served.ttl = servedTtl(r.ttl);
    found.record_id = r.id;
    std::lock_guard lock(mutex_);
    record_ids_[record.name] = r.id;
    return found;
  }
  {
    std::lock_guard lock(mutex_);
    record_ids_.erase(record.name);
  }
  // No CNAME: whatever else is there makes a Conflict, reported with every type present.
  Result<std::vector<Record>> others = listRecords(found.zone_id, "name.exact=" + fqdn);
  if (auto* e = errorIn(others)) {
    return std::move(*e);
  }
  std::set<std::string> types;
  for (const Record& r : std::get<std::vector<Record>>(others)) {
    types.insert(r.type);
  }
  for (const std::string& type : types) {
    found.served.kind = ServedRecord::Kind::Conflict;
    found.served.conflict_type += (found.served.conflict_type.empty() ? "" : ",") + type;
  }
  return found;
}

Result<Unit> CloudflareProvider::write(const ReplaceRequest& request,
                                       const CloudflareLookup& current) {
  const ServedRecord& served = current.served;
  const std::string& name = request.record.name;

  Json body = {{"type", "CNAME"},
               {"name", withoutDot(name)},
               {"content", withoutDot(request.new_target)},
               {"ttl", request.ttl},
               {"proxied", false}};  // a proxied CNAME answers with Cloudflare's addresses
  std::string records = "/zones/" + net::percentEncode(current.zone_id) + "/dns_records";
  bool update = served.kind == ServedRecord::Kind::Cname;
  std::string what = update ? "updating" : "creating";
  ApiReply reply =
      update ? call("PATCH", records + "/" + net::percentEncode(*current.record_id), body.dump())
             : call("POST", records, body.dump());
  if (reply.failure) {
    if (reply.failure->has(kRecordExists) || reply.failure->has(kIdenticalRecordExists)) {
      return confirmWritten(request, what + " " + name + " was refused as existing");
    }
    if (update && reply.failure->error.kind == ErrorKind::NotFound) {
      // The record was deleted between the read and the write: decide again from a new read.
      std::lock_guard lock(mutex_);
      record_ids_.erase(name);
      ProviderError e = std::move(reply.failure->error);
      e.kind = ErrorKind::Conflict;
      return e;
    }
    return std::move(reply.failure->error);
  }
  try {
    std::string id = reply.envelope.at("result").at("id").get<std::string>();
    std::lock_guard lock(mutex_);
    record_ids_[name] = id;
  } catch (const Json::exception&) {
    // Written (success was true); only the echo is odd. The next read finds the id.
  }
  return Unit{};
}

}  // namespace planb::providers
