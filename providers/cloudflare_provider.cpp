#include "providers/cloudflare_provider.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/dns_name.hpp"
#include "net/credential_file.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/cloudflare_txt.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

// Cloudflare error codes (provider-apis.md §3).
constexpr long kHostTakenByAddressOrCname = 81053;
constexpr long kCnameExists = 81054;
constexpr long kRecordExists = 81057;
constexpr long kIdenticalRecordExists = 81058;
constexpr long kRecordDoesNotExist = 81044;
constexpr long kNoRoute = 7000;  // the API has no such endpoint

// A malformed credential is answered HTTP 400, not 401/403: 6003 "Invalid request headers" with an
// error_chain naming the header, e.g. 6111 "Invalid format for Authorization header" for a bearer
// token that is not one (github:jeessy2/ddns-go issue 916, a Global API Key or pasted text), or
// 6103 "Invalid format for X-Auth-Key header" (github:NewFuture/DDNS issue 78); no credential at
// all is 400 9106 "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
// (github:cloudflare/cloudflare-python issue 2678). All say: check the token file.
constexpr long kInvalidRequestHeaders = 6003;
constexpr long kMalformedAuthorization = 6111;
constexpr long kMalformedAuthKey = 6103;
constexpr long kMissingCredentials = 9106;

bool isCredentialCode(long code) {
  return code == kInvalidRequestHeaders || code == kMalformedAuthorization ||
         code == kMalformedAuthKey || code == kMissingCredentials;
}

// A batch refused this many times goes one record at a time, so each is judged alone.
constexpr int kBatchAttempts = 2;

}  // namespace

// A request that did not give a usable result: the error to report, and Cloudflare's error
// codes so callers can tell "already exists" from other refusals.
struct CloudflareProvider::ApiFailure {
  ProviderError error;
  std::vector<long> codes;
  long status = 0;  // the HTTP status, when one came
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
      token_(config.settings.api_token_file, "Cloudflare API token file"),
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
  net::Secret token = token_.current();
  request.headers.emplace_back("Authorization", "Bearer " + token.reveal());
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
  // Each error, and the errors of its error_chain (what 6003 says is wrong), as "code message".
  std::function<void(const Json&, int)> collect = [&](const Json& errors, int depth) {
    if (!errors.is_array() || depth > 2) {
      return;
    }
    for (const Json& e : errors) {
      if (!e.is_object() || detail.size() > 2 * net::kMaxServerText) {
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
      if (auto chain = e.find("error_chain"); chain != e.end()) {
        collect(*chain, depth + 1);
      }
    }
  };
  if (envelope.is_object()) {
    if (auto errors = envelope.find("errors"); errors != envelope.end()) {
      collect(*errors, 0);
    }
  }
  // Belt and braces: a reply quoting the token loses it here.
  for (auto at = detail.find(token.reveal()); at != std::string::npos;
       at = detail.find(token.reveal(), at)) {
    detail.replace(at, token.reveal().size(), "***");
  }
  std::string described = what + ": " + status + (detail.empty() ? "" : ": " + detail);
  auto fail = [&](ErrorKind kind, std::string message) {
    return ApiReply{ApiFailure{error(kind, std::move(message)), codes, response.status}, {}};
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
  bool malformed = std::any_of(codes.begin(), codes.end(), isCredentialCode);
  // A rotation that left the file unreadable or unsafe kept the last good token: say so.
  std::optional<std::string> reread = token_.lastError();
  std::string unread = reread ? " (the file was not read again: " + *reread + ")" : "";
  if (response.status == 400 && malformed) {
    return fail(ErrorKind::Auth,
                described +
                    ": Cloudflare refused the credential as malformed; check api_token_file " +
                    token_.path() +
                    ": it must hold one API token (not a Global API Key) alone on its line, "
                    "without quotes or spaces" +
                    unread);
  }
  if (response.status == 401 || response.status == 403) {
    // 10000 "Authentication error" (a wrong, revoked or expired token), 9109 "Unauthorized to
    // access requested resource" (a token without the permission or the zone).
    return fail(ErrorKind::Auth, described +
                                     ": Cloudflare refused the API token; check "
                                     "api_token_file " +
                                     token_.path() +
                                     ": the token must be active, with Zone DNS Edit on this "
                                     "zone (and Zone Read unless zone_id is set)" +
                                     unread);
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
        rememberPlan(id, z);
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
    const std::string& zone_id, const std::string& filter, int per_page) {
  std::vector<Record> records;
  for (int page = 1;; ++page) {
    if (page > options_.max_pages) {
      return error(ErrorKind::Permanent, "listing " + (filter.empty() ? "the zone" : filter) +
                                             " has more than " +
                                             std::to_string(options_.max_pages) + " pages");
    }
    std::string path = "/zones/" + net::percentEncode(zone_id) + "/dns_records?" +
                       (filter.empty() ? "" : filter + "&") + "page=" + std::to_string(page) +
                       "&per_page=" + std::to_string(per_page);
    ApiReply reply = call("GET", path);
    if (reply.failure) {
      return reply.failure->error;
    }
    int total_pages = 1;
    std::size_t on_page = 0;
    try {
      CloudflareListingPage listed = parseCloudflareListing(reply.envelope);
      total_pages = listed.total_pages;
      on_page = listed.records.size();
      records.insert(records.end(), std::make_move_iterator(listed.records.begin()),
                     std::make_move_iterator(listed.records.end()));
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent, "GET " + path + ": malformed record listing");
    }
    if (on_page == 0 || page >= total_pages) {
      return records;
    }
  }
}

CloudflareLookup CloudflareProvider::lookupFrom(const std::string& zone_id, const std::string& name,
                                                const std::vector<Record>& records) {
  CloudflareLookup found;
  found.zone_id = zone_id;
  for (const Record& r : records) {
    if (r.type != "CNAME") {
      continue;
    }
    found.served.kind = ServedRecord::Kind::Cname;
    found.served.target = core::canonicalName(r.content);
    found.served.ttl = cloudflareServedTtl(r.ttl);
    found.record_id = r.id;
    found.attributes = r.attributes;
    std::lock_guard lock(mutex_);
    record_ids_[name] = r.id;
    attributes_[name] = r.attributes;
    return found;
  }
  {
    std::lock_guard lock(mutex_);
    record_ids_.erase(name);
    attributes_.erase(name);
  }
  // No CNAME: whatever else is there makes a Conflict, reported with every type present.
  std::set<std::string> types;
  for (const Record& r : records) {
    types.insert(r.type);
  }
  for (const std::string& type : types) {
    found.served.kind = ServedRecord::Kind::Conflict;
    found.served.conflict_type += (found.served.conflict_type.empty() ? "" : ",") + type;
  }
  return found;
}

Result<CloudflareLookup> CloudflareProvider::lookup(const RecordRef& record) {
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* e = errorIn(zone_id)) {
    return std::move(*e);
  }
  const std::string& id = std::get<std::string>(zone_id);
  std::string fqdn = net::percentEncode(withoutDot(record.name));

  Result<std::vector<Record>> cnames =
      listRecords(id, "type=CNAME&name.exact=" + fqdn, options_.per_page);
  if (auto* e = errorIn(cnames)) {
    if (e->kind == ErrorKind::NotFound) {
      forgetZone(record.zone);  // the zone may have been deleted and added again, with a new id
    }
    return std::move(*e);
  }
  CloudflareLookup found = lookupFrom(id, record.name, std::get<std::vector<Record>>(cnames));
  if (found.served.kind == ServedRecord::Kind::Cname) {
    return found;
  }
  Result<std::vector<Record>> others = listRecords(id, "name.exact=" + fqdn, options_.per_page);
  if (auto* e = errorIn(others)) {
    return std::move(*e);
  }
  return lookupFrom(id, record.name, std::get<std::vector<Record>>(others));
}

std::optional<CloudflareAttributes> CloudflareProvider::attributesAt(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (auto it = attributes_.find(name); it != attributes_.end()) {
    return it->second;
  }
  return std::nullopt;
}

Json CloudflareProvider::patchBody(const ReplaceRequest& request, const CloudflareLookup& current) {
  // PATCH changes only the fields it names
  // (https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/edit/):
  // proxied, comment, tags and settings stay as they are (a PATCH without tags keeps them, said
  // by Cloudflare in github:cloudflare/cloudflare-go issue 1224; one with "proxied": false turns
  // the orange cloud off, issue 563). type and name are the record's own, unchanged.
  Json body = {{"type", "CNAME"},
               {"name", withoutDot(request.record.name)},
               {"content", withoutDot(request.new_target)}};
  if (!current.attributes.proxied) {
    // A proxied record's TTL is always Auto; one sent is accepted and ignored
    // (github:DNSControl/dnscontrol pull 489, github:cloudflare/terraform-provider-cloudflare
    // issue 126), so none is sent.
    body["ttl"] = request.ttl;
  }
  return body;
}

bool CloudflareProvider::servesWanted(const ReplaceRequest& request,
                                      const CloudflareLookup& current) {
  return current.served.kind == ServedRecord::Kind::Cname &&
         current.served.target == request.new_target &&
         (current.attributes.proxied || current.served.ttl == request.ttl);
}

Result<Unit> CloudflareProvider::write(const ReplaceRequest& request,
                                       const CloudflareLookup& current) {
  const ServedRecord& served = current.served;
  const std::string& name = request.record.name;
  if (servesWanted(request, current)) {
    return Unit{};  // only the TTL of a proxied record differs: Cloudflare's to set, not planb's
  }
  std::string records = "/zones/" + net::percentEncode(current.zone_id) + "/dns_records";
  bool update = served.kind == ServedRecord::Kind::Cname;
  std::string what = update ? "updating" : "creating";
  // A name that holds nothing gets planb's own record: DNS-only, so it answers with the target.
  Json created = {{"type", "CNAME"},
                  {"name", withoutDot(name)},
                  {"content", withoutDot(request.new_target)},
                  {"ttl", request.ttl},
                  {"proxied", false}};
  ApiReply reply = update ? call("PATCH", records + "/" + net::percentEncode(*current.record_id),
                                 patchBody(request, current).dump())
                          : call("POST", records, created.dump());
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

bool CloudflareProvider::batchUnavailable() const {
  std::lock_guard lock(mutex_);
  return batch_unavailable_;
}

void CloudflareProvider::rememberPlan(const std::string& zone_id, const Json& zone) {
  // A zone's plan (zone.plan.legacy_id: "free", "pro", "business", "enterprise") sets how many
  // records one batch may change.
  auto plan = zone.find("plan");
  if (plan == zone.end() || !plan->is_object()) {
    return;
  }
  auto legacy = plan->find("legacy_id");
  if (legacy == plan->end() || !legacy->is_string()) {
    return;
  }
  std::lock_guard lock(mutex_);
  batch_limits_[zone_id] =
      legacy->get<std::string>() == "free" ? kCloudflareBatchLimitFree : kCloudflareBatchLimitPaid;
}

std::size_t CloudflareProvider::batchLimit(const std::string& zone_id) {
  if (options_.batch_limit > 0) {
    return options_.batch_limit;
  }
  {
    std::lock_guard lock(mutex_);
    if (auto it = batch_limits_.find(zone_id); it != batch_limits_.end()) {
      return it->second;
    }
  }
  // A configured zone id was never looked up: read the zone once for its plan. Without it, the
  // Free plan's limit is safe on every plan.
  ApiReply reply = call("GET", "/zones/" + net::percentEncode(zone_id));
  if (!reply.failure) {
    if (auto result = reply.envelope.find("result");
        result != reply.envelope.end() && result->is_object()) {
      rememberPlan(zone_id, *result);
    }
  }
  std::lock_guard lock(mutex_);
  if (auto it = batch_limits_.find(zone_id); it != batch_limits_.end()) {
    return it->second;
  }
  // A zone without a plan, or a token without Zone Read (403): asked once. A busy or throttled
  // API is asked again next time.
  if (!reply.failure || !reply.failure->error.retriable()) {
    batch_limits_[zone_id] = kCloudflareBatchLimitFree;
  }
  return kCloudflareBatchLimitFree;
}

Result<CloudflareProvider::ZoneListing> CloudflareProvider::listZone(const std::string& zone) {
  Result<std::string> zone_id = zoneId(zone);
  if (auto* e = errorIn(zone_id)) {
    return std::move(*e);
  }
  ZoneListing listing;
  listing.zone_id = std::get<std::string>(zone_id);
  Result<std::vector<Record>> records =
      listRecords(listing.zone_id, "", std::max(1, options_.zone_per_page));
  if (auto* e = errorIn(records)) {
    if (e->kind == ErrorKind::NotFound) {
      forgetZone(zone);
    }
    return std::move(*e);
  }
  for (Record& r : std::get<std::vector<Record>>(records)) {
    std::string name = r.name;
    listing.by_name[name].push_back(std::move(r));
  }
  return listing;
}

std::vector<Result<ServedRecord>> CloudflareProvider::readBatch(
    const std::string& zone, const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  Result<ZoneListing> listing = listZone(zone);
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const ZoneListing& all = std::get<ZoneListing>(listing);
  static const std::vector<Record> kNone;
  for (const std::string& name : names) {
    auto at = all.by_name.find(name);
    results.emplace_back(
        lookupFrom(all.zone_id, name, at == all.by_name.end() ? kNone : at->second).served);
  }
  return results;
}

struct CloudflareProvider::BatchOutcome {
  BatchVerdict verdict = BatchVerdict::Applied;
  std::optional<ProviderError> error;  // when not applied
};

CloudflareProvider::BatchOutcome CloudflareProvider::sendBatch(
    const std::string& zone_id, const std::vector<ReplaceRequest>& changes,
    const std::vector<CloudflareLookup>& current) {
  // https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/batch/:
  // {"deletes","patches","puts","posts"}, run in that order in one transaction; a patch changes
  // only the fields it names, as a single PATCH does, so proxied, comment, tags and settings stay.
  Json patches = Json::array();
  Json posts = Json::array();
  std::vector<std::size_t> posted;  // index in `changes` of each post, in order
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const ReplaceRequest& change = changes[i];
    if (current[i].record_id) {
      Json record = patchBody(change, current[i]);
      record["id"] = *current[i].record_id;
      patches.push_back(std::move(record));
    } else {
      posts.push_back({{"type", "CNAME"},
                       {"name", withoutDot(change.record.name)},
                       {"content", withoutDot(change.new_target)},
                       {"ttl", change.ttl},
                       {"proxied", false}});
      posted.push_back(i);
    }
  }
  Json body = Json::object();
  if (!patches.empty()) {
    body["patches"] = std::move(patches);
  }
  if (!posts.empty()) {
    body["posts"] = std::move(posts);
  }
  ApiReply reply =
      call("POST", "/zones/" + net::percentEncode(zone_id) + "/dns_records/batch", body.dump());
  if (reply.failure) {
    ApiFailure& failure = *reply.failure;
    BatchOutcome outcome{BatchVerdict::Failed, std::move(failure.error)};
    ErrorKind kind = outcome.error->kind;
    if ((kind == ErrorKind::NotFound && failure.has(kNoRoute)) || failure.status == 405) {
      outcome.verdict = BatchVerdict::Unavailable;
    } else if (kind == ErrorKind::Conflict || kind == ErrorKind::Permanent ||
               (kind == ErrorKind::NotFound && failure.has(kRecordDoesNotExist))) {
      // All or nothing: one record that changed meanwhile (deleted, taken by another type,
      // already written) refuses the whole batch.
      outcome.verdict = BatchVerdict::Refused;
    }
    return outcome;
  }
  try {
    const Json& written = reply.envelope.at("result").at("posts");
    for (std::size_t k = 0; k < posted.size() && k < written.size(); ++k) {
      std::lock_guard lock(mutex_);
      record_ids_[changes[posted[k]].record.name] = written.at(k).at("id").get<std::string>();
    }
  } catch (const Json::exception&) {
    // Applied (success was true); only the echo is odd. The next read finds the ids.
  }
  return {};
}

std::vector<Result<Written>> CloudflareProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  std::vector<Result<Written>> results = writeChanges(changes);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (auto* written = std::get_if<Written>(&results[i])) {
      std::optional<CloudflareAttributes> attributes = attributesAt(changes[i].record.name);
      written->proxied = attributes && attributes->proxied;
    }
  }
  return results;
}

std::vector<Result<Written>> CloudflareProvider::writeChanges(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.size() <= 1 || batchUnavailable()) {
    return DnsProvider::replaceBatch(changes);
  }
  std::vector<std::optional<Result<Written>>> results(changes.size());
  auto oneByOne = [&](std::size_t i) {
    Result<Unit> done = replace(changes[i]);
    if (auto* e = errorIn(done)) {
      results[i] = std::move(*e);
    } else {
      results[i] = Written{};
    }
  };
  std::vector<std::size_t> pending(changes.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    pending[i] = i;
  }
  const std::string& zone = changes.front().record.zone;
  for (int attempt = 0; !pending.empty(); ++attempt) {
    if (attempt == kBatchAttempts) {
      for (std::size_t i : pending) {
        oneByOne(i);
      }
      break;
    }
    Result<ZoneListing> listing = listZone(zone);
    if (auto* e = errorIn(listing)) {
      for (std::size_t i : pending) {
        results[i] = *e;
      }
      break;
    }
    const ZoneListing& all = std::get<ZoneListing>(listing);
    static const std::vector<Record> kNone;
    std::vector<std::size_t> to_write;
    std::vector<CloudflareLookup> current;
    for (std::size_t i : pending) {
      const std::string& name = changes[i].record.name;
      auto at = all.by_name.find(name);
      CloudflareLookup found =
          lookupFrom(all.zone_id, name, at == all.by_name.end() ? kNone : at->second);
      Result<WriteNeed> need = compareBeforeWrite(found.served, changes[i]);
      if (auto* e = errorIn(need)) {
        results[i] = std::move(*e);
      } else if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed ||
                 servesWanted(changes[i], found)) {
        results[i] = Written{};
      } else {
        to_write.push_back(i);
        current.push_back(std::move(found));
      }
    }
    pending.clear();
    std::size_t limit = batchLimit(all.zone_id);
    for (std::size_t from = 0; from < to_write.size(); from += limit) {
      std::size_t to = std::min(to_write.size(), from + limit);
      std::vector<ReplaceRequest> chunk;
      for (std::size_t k = from; k < to; ++k) {
        chunk.push_back(changes[to_write[k]]);
      }
      std::vector<CloudflareLookup> chunk_current(current.begin() + static_cast<long>(from),
                                                  current.begin() + static_cast<long>(to));
      BatchOutcome outcome = sendBatch(all.zone_id, chunk, chunk_current);
      switch (outcome.verdict) {
        case BatchVerdict::Applied:
          for (std::size_t k = from; k < to; ++k) {
            results[to_write[k]] = Written{};
          }
          break;
        case BatchVerdict::Refused:
          pending.insert(pending.end(), to_write.begin() + static_cast<long>(from),
                         to_write.begin() + static_cast<long>(to));
          break;
        case BatchVerdict::Unavailable: {
          {
            std::lock_guard lock(mutex_);
            batch_unavailable_ = true;
          }
          for (std::size_t k = from; k < to_write.size(); ++k) {
            oneByOne(to_write[k]);
          }
          break;
        }
        case BatchVerdict::Failed:
          for (std::size_t k = from; k < to; ++k) {
            results[to_write[k]] = *outcome.error;
          }
          break;
      }
      if (outcome.verdict == BatchVerdict::Unavailable) {
        break;
      }
    }
  }
  std::vector<Result<Written>> out;
  out.reserve(results.size());
  for (auto& r : results) {
    out.push_back(r ? std::move(*r) : Result<Written>(Written{}));
  }
  return out;
}

Result<std::vector<CloudflareProvider::Record>> CloudflareProvider::listTxt(const RecordRef& record,
                                                                            std::string& zone_id) {
  Result<std::string> id = zoneId(record.zone);
  if (auto* e = errorIn(id)) {
    return std::move(*e);
  }
  zone_id = std::get<std::string>(id);
  Result<std::vector<Record>> listed =
      listRecords(zone_id, "type=TXT&name.exact=" + net::percentEncode(withoutDot(record.name)),
                  options_.per_page);
  if (auto* e = errorIn(listed)) {
    if (e->kind == ErrorKind::NotFound) {
      forgetZone(record.zone);  // the zone may have been deleted and added again, with a new id
    }
    return std::move(*e);
  }
  // The filters are the API's; only a TXT at this very name is the rehearsal's.
  std::vector<Record> txts;
  for (Record& r : std::get<std::vector<Record>>(listed)) {
    if (r.type == "TXT" && r.name == record.name) {
      txts.push_back(std::move(r));
    }
  }
  return txts;
}

std::optional<ProviderError> CloudflareProvider::deleteRecord(const std::string& zone_id,
                                                              const std::string& id) {
  ApiReply reply = call(
      "DELETE", "/zones/" + net::percentEncode(zone_id) + "/dns_records/" + net::percentEncode(id));
  if (reply.failure && !(reply.failure->error.kind == ErrorKind::NotFound &&
                         reply.failure->has(kRecordDoesNotExist))) {
    return std::move(reply.failure->error);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> CloudflareProvider::readTxt(const RecordRef& record) {
  std::string zone_id;
  Result<std::vector<Record>> listed = listTxt(record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<std::string> values;
  for (const Record& r : std::get<std::vector<Record>>(listed)) {
    values.push_back(cloudflareTxtText(r.content));
  }
  return values;
}

Result<Written> CloudflareProvider::writeTxt(const TxtWrite& write) {
  if (auto bad = txtValueError(write.value)) {
    return std::move(*bad);
  }
  std::string zone_id;
  Result<std::vector<Record>> listed = listTxt(write.record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  const std::vector<Record>& records = std::get<std::vector<Record>>(listed);
  std::vector<ListedTxt> txts;
  for (const Record& r : records) {
    txts.push_back({r.id, cloudflareTxtText(r.content), r.ttl});
  }
  TxtWritePlan plan = planTxtWrite(txts, write.value);

  Written written;
  std::uint32_t ttl = std::max(write.ttl, capabilities().min_ttl);
  if (ttl > write.ttl && plan.step != TxtWritePlan::Step::Keep) {
    written.raised_ttl = ttl;  // what was written instead
  }
  const std::string path = "/zones/" + net::percentEncode(zone_id) + "/dns_records";
  Json body = {{"type", "TXT"},
               {"name", withoutDot(write.record.name)},
               {"content", cloudflareTxtContent(write.value)},
               {"ttl", ttl}};
  auto create = [&]() -> std::optional<ProviderError> {
    Json post = body;
    post["proxied"] = false;
    ApiReply reply = call("POST", path, post.dump());
    if (!reply.failure) {
      return std::nullopt;
    }
    if (!reply.failure->has(kRecordExists) && !reply.failure->has(kIdenticalRecordExists)) {
      return std::move(reply.failure->error);
    }
    // An earlier copy of this POST got through: the value is there if a new listing shows it.
    std::string again_zone;
    Result<std::vector<Record>> again = listTxt(write.record, again_zone);
    if (auto* e = errorIn(again)) {
      return std::move(*e);
    }
    for (const Record& r : std::get<std::vector<Record>>(again)) {
      if (cloudflareTxtText(r.content) == write.value) {
        return std::nullopt;
      }
    }
    return error(ErrorKind::Conflict, "POST TXT " + write.record.name +
                                          " was refused as existing, yet the name does not "
                                          "hold the value");
  };

  std::optional<ProviderError> failed;
  switch (plan.step) {
    case TxtWritePlan::Step::Keep:
      break;
    case TxtWritePlan::Step::Update: {
      ApiReply reply =
          call("PATCH", path + "/" + net::percentEncode(records[plan.index].id), body.dump());
      if (reply.failure && reply.failure->error.kind == ErrorKind::NotFound &&
          reply.failure->has(kRecordDoesNotExist)) {
        failed = create();  // deleted between the listing and the PATCH
      } else if (reply.failure) {
        failed = std::move(reply.failure->error);
      }
      break;
    }
    case TxtWritePlan::Step::Create:
      failed = create();
      break;
  }
  if (failed) {
    return std::move(*failed);
  }
  for (std::size_t i : plan.deletes) {
    if (auto e = deleteRecord(zone_id, records[i].id)) {
      return std::move(*e);
    }
  }
  return written;
}

Result<Written> CloudflareProvider::deleteTxt(const RecordRef& record) {
  std::string zone_id;
  Result<std::vector<Record>> listed = listTxt(record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  for (const Record& r : std::get<std::vector<Record>>(listed)) {
    if (auto e = deleteRecord(zone_id, r.id)) {
      return std::move(*e);
    }
  }
  return Written{};
}

Result<std::vector<std::string>> CloudflareProvider::nameServers(const std::string& zone) {
  Result<std::string> id = zoneId(zone);
  if (auto* e = errorIn(id)) {
    return std::move(*e);
  }
  const std::string& zone_id = std::get<std::string>(id);
  ApiReply reply = call("GET", "/zones/" + net::percentEncode(zone_id));
  if (reply.failure) {
    ProviderError& e = reply.failure->error;
    if (e.kind == ErrorKind::NotFound) {
      forgetZone(zone);
    } else if (e.kind == ErrorKind::Auth && reply.failure->status == 403) {
      // A configured zone_id spares failovers Zone Read; the zone's details still need it.
      e.message += "; the zone's name servers need Zone Read on the token, even with zone_id set";
    }
    return std::move(e);
  }
  std::vector<std::string> servers;
  try {
    const Json& result = reply.envelope.at("result");
    rememberPlan(zone_id, result);
    for (const Json& server : result.at("name_servers")) {
      servers.push_back(core::canonicalName(server.get<std::string>()));
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "GET /zones/" + zone_id + ": malformed zone details");
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

}  // namespace planb::providers
