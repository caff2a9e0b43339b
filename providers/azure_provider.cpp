#include "providers/azure_provider.hpp"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "providers/azure_reply.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/compare_before_write.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/parallel_lanes.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

std::string azureOriginOf(const std::string& base) {
  std::size_t scheme = base.find("://");
  std::size_t path = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return base.substr(0, path);
}

// "@" stays as ARM's examples write it; anything else is one percent-encoded path segment.
std::string azureSegment(const std::string& relative) {
  return relative == "@" ? relative : net::percentEncode(relative);
}

}  // namespace

// What one request gave: a failure to report, or the reply's status and body.
struct AzureProvider::Reply {
  std::optional<ProviderError> failure;
  long status = 0;
  std::string code;  // ARM's error code, when it failed with a reply
  Json body;
};

// What a look-up of a name found: what it serves, and the CNAME record set (raw, with its etag)
// a write replaces.
struct AzureProvider::Lookup {
  ServedRecord served;
  std::string relative;
  std::string etag;  // of the CNAME record set; empty: none (the write creates it)
  Json raw;          // that record set as read; null when none
};

AzureProvider::AzureProvider(const AzureConfig& config,
                             std::shared_ptr<net::HttpTransport> transport,
                             std::shared_ptr<const core::Clock> clock, AzureOptions options)
    : name_(config.name),
      endpoint_(config.endpoint.value_or(std::string(kDefaultEndpoint))),
      settings_(config.settings),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (!options_.ceiling) {
    options_.ceiling = systemCeiling(kAzureCeiling, net::HttpOptions{}.total_timeout);
  }
  transport_ = behindCeiling(std::move(transport), options_.ceiling, kAzureCeiling);
  if (!transport_ || !clock_) {
    throw std::invalid_argument("azure provider \"" + name_ +
                                "\" needs an HTTP transport and a clock");
  }
  while (!endpoint_.empty() && endpoint_.back() == '/') {
    endpoint_.pop_back();
  }
  origin_ = azureOriginOf(endpoint_);
  AzureTokenConfig token;
  token.tenant_id = settings_.tenant_id;
  token.client_id = settings_.client_id;
  token.client_secret_file = settings_.client_secret_file;
  token.login_endpoint = settings_.login_endpoint.value_or(std::string(kEntraDefaultLogin));
  token.scope = armScopeOf(endpoint_);
  tokens_ = std::make_unique<AzureTokenSource>(std::move(token), transport_, clock_,
                                               "azure provider \"" + name_ + "\"");
  lanes_.push_back(transport_);
  for (auto& extra : options_.batch_transports) {
    if (extra) {
      lanes_.push_back(behindCeiling(extra, options_.ceiling, kAzureCeiling));
    }
  }
  options_.page_size = std::clamp(options_.page_size, 1, 1000);
  options_.max_pages = std::max(1, options_.max_pages);
}

AzureProvider::~AzureProvider() = default;

ProviderError AzureProvider::error(ErrorKind kind, const std::string& message) const {
  return ProviderError{kind, "azure provider \"" + name_ + "\": " + message, std::nullopt};
}

std::string AzureProvider::scrub(std::string text) {
  // Belt and braces: a reply quoting the secret loses it here.
  const std::string secret = tokens_->secret().reveal();
  for (auto at = text.find(secret); !secret.empty() && at != std::string::npos;
       at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

std::string AzureProvider::zoneUrl(const std::string& zone) const {
  return endpoint_ + "/subscriptions/" + net::percentEncode(settings_.subscription_id) +
         "/resourceGroups/" + net::percentEncode(settings_.resource_group) +
         "/providers/Microsoft.Network/dnsZones/" + net::percentEncode(withoutDot(zone));
}

std::string AzureProvider::recordUrl(const std::string& zone, const std::string& type,
                                     const std::string& relative) const {
  return zoneUrl(zone) + "/" + type + "/" + azureSegment(relative) +
         "?api-version=" + std::string(kAzureApiVersion);
}

Result<std::string> AzureProvider::relativeOf(const RecordRef& record) const {
  if (record.name == record.zone) {
    return std::string("@");
  }
  if (core::isWithinZone(record.name, record.zone)) {
    return record.name.substr(0, record.name.size() - record.zone.size() - 1);
  }
  return error(ErrorKind::Permanent, record.name + " is not within zone " + record.zone);
}

AzureProvider::Reply AzureProvider::call(
    const std::string& method, const std::string& url, const std::string* body,
    const std::vector<std::pair<std::string, std::string>>& conditions, const std::string& what,
    net::HttpTransport* lane) {
  for (int attempt = 0;; ++attempt) {
    Result<net::Secret> token = tokens_->token();
    if (auto* e = errorIn(token)) {
      return Reply{std::move(*e), 0, {}, {}};
    }
    const net::Secret& bearer = std::get<net::Secret>(token);
    net::HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers.emplace_back("Authorization", "Bearer " + bearer.reveal());
    request.headers.emplace_back("Accept", "application/json");
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = *body;
    }
    for (const auto& condition : conditions) {
      request.headers.push_back(condition);
    }
    Result<net::HttpResponse> sent = (lane != nullptr ? lane : transport_.get())->send(request);
    net::wipeString(request.headers.front().second);
    if (auto* failed = errorIn(sent)) {
      ProviderError e = error(failed->kind, what + ": " + failed->message);
      e.retry_after = failed->retry_after;
      return Reply{std::move(e), 0, {}, {}};
    }
    const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
    Json parsed = response.body.empty()
                      ? Json()
                      : Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (response.status >= 200 && response.status < 300) {
      if (parsed.is_discarded()) {
        return Reply{
            error(ErrorKind::Permanent,
                  what + ": HTTP " + std::to_string(response.status) + ": the reply is not JSON"),
            response.status,
            {},
            {}};
      }
      return Reply{std::nullopt, response.status, {}, std::move(parsed)};
    }
    AzureArmError arm = parseAzureArmError(parsed);
    if (response.status == 401 && attempt == 0) {
      // ExpiredAuthenticationToken or InvalidAuthenticationToken: once more with a new token.
      tokens_->invalidate(bearer);
      continue;
    }
    ErrorKind kind = azureErrorKind(response.status, arm.code);
    std::string message = what + ": HTTP " + std::to_string(response.status);
    if (!arm.code.empty()) {
      message += " " + net::quoteServerText(arm.code);
    }
    if (!arm.message.empty()) {
      message += ": " + net::quoteServerText(arm.message);
    }
    if (response.status == 401) {
      message +=
          ": Azure refused a new token too: check that endpoint and login_endpoint are of "
          "one cloud, and tenant_id " +
          settings_.tenant_id;
    } else if (response.status == 403) {
      message += ": the service principal client_id " + settings_.client_id +
                 " may not do this: give it the DNS Zone Contributor role on resource_group " +
                 settings_.resource_group + " of subscription_id " + settings_.subscription_id;
    } else if (arm.code == "SubscriptionNotFound" || arm.code == "InvalidSubscriptionId") {
      message += ": check subscription_id";
    } else if (arm.code == "ResourceGroupNotFound") {
      message += ": check resource_group";
    } else if (parsed.is_discarded() || (arm.code.empty() && arm.message.empty())) {
      message += ": the reply is not an ARM error";
    }
    ProviderError e = error(kind, scrub(std::move(message)));
    if (kind == ErrorKind::RateLimited) {
      e.retry_after = net::retryAfterOf(response);
    }
    return Reply{std::move(e), response.status, arm.code, {}};
  }
}

void AzureProvider::addTo(Lookup& found, const AzureRecordSet& set) {
  ServedRecord& served = found.served;
  if (set.type != "CNAME") {
    // Another type holds the name: planb's CNAME cannot be there, and must not replace it.
    if (served.kind != ServedRecord::Kind::Conflict) {
      served = ServedRecord{ServedRecord::Kind::Conflict, {}, 0, set.type};
    }
    return;
  }
  found.etag = set.etag;
  found.raw = set.raw;
  if (served.kind == ServedRecord::Kind::Conflict) {
    return;
  }
  if (set.alias) {
    served = ServedRecord{ServedRecord::Kind::Conflict, {}, 0, "CNAME (alias record set)"};
  } else if (set.cname) {
    served = ServedRecord{ServedRecord::Kind::Cname, core::canonicalName(*set.cname), set.ttl, {}};
  }
}

Result<std::map<std::string, AzureProvider::Lookup>> AzureProvider::listZone(
    const std::string& zone) {
  std::map<std::string, Lookup> by_name;
  std::string url = zoneUrl(zone) + "/recordsets?api-version=" + std::string(kAzureApiVersion) +
                    "&$top=" + std::to_string(options_.page_size);
  const std::string what = "list of zone " + zone;
  for (int page = 1;; ++page) {
    if (page > options_.max_pages) {
      return error(ErrorKind::Permanent,
                   what + ": more than " + std::to_string(options_.max_pages) + " pages");
    }
    Reply reply = call("GET", url, nullptr, {}, what);
    if (reply.failure) {
      return std::move(*reply.failure);
    }
    AzureListPage listed;
    try {
      listed = parseAzureListPage(reply.body);
    } catch (const std::exception&) {
      return error(ErrorKind::Permanent, what + ": malformed RecordSetListResult");
    }
    for (const AzureRecordSet& set : listed.record_sets) {
      std::string relative = core::asciiLower(set.name);
      Lookup& found = by_name[relative];
      found.relative = relative;
      addTo(found, set);
    }
    if (listed.next_link.empty()) {
      return by_name;
    }
    // The bearer token goes only where the endpoint is.
    if (listed.next_link.rfind(origin_ + "/", 0) != 0) {
      return error(
          ErrorKind::Permanent,
          what + ": nextLink " + net::quoteServerText(listed.next_link) + " leaves " + origin_);
    }
    url = listed.next_link;
  }
}

Result<AzureProvider::Lookup> AzureProvider::lookup(const RecordRef& record) {
  Result<std::string> relative = relativeOf(record);
  if (auto* e = errorIn(relative)) {
    return std::move(*e);
  }
  const std::string& rel = std::get<std::string>(relative);
  Reply reply =
      call("GET", recordUrl(record.zone, "CNAME", rel), nullptr, {}, "GET CNAME " + record.name);
  if (reply.failure && !(reply.status == 404 && !isAzureZoneMissing(reply.code))) {
    return std::move(*reply.failure);
  }
  if (!reply.failure) {
    Lookup found;
    found.relative = rel;
    try {
      addTo(found, parseAzureRecordSet(reply.body));
    } catch (const std::exception&) {
      return error(ErrorKind::Permanent, "GET CNAME " + record.name + ": malformed RecordSet");
    }
    return found;
  }
  // No CNAME record set: the zone's listing tells whether another type holds the name.
  Result<std::map<std::string, Lookup>> listing = listZone(record.zone);
  if (auto* e = errorIn(listing)) {
    return std::move(*e);
  }
  auto& by_name = std::get<std::map<std::string, Lookup>>(listing);
  if (auto at = by_name.find(core::asciiLower(rel)); at != by_name.end()) {
    // Listed meanwhile as a CNAME? Then its etag makes the write a compare-and-swap still.
    return std::move(at->second);
  }
  Lookup absent;
  absent.relative = rel;
  return absent;
}

Result<ServedRecord> AzureProvider::read(const RecordRef& record) {
  Result<Lookup> found = lookup(record);
  if (auto* e = errorIn(found)) {
    return std::move(*e);
  }
  return std::move(std::get<Lookup>(found).served);
}

Result<Written> AzureProvider::write(const ReplaceRequest& request, const Lookup& current,
                                     net::HttpTransport* lane) {
  std::uint32_t ttl = std::max(request.ttl, kAzureMinTtl);
  Json body = azureCnameBody(current.raw.is_null() ? nullptr : &current.raw,
                             withoutDot(request.new_target), ttl);
  std::string text = body.dump();
  std::vector<std::pair<std::string, std::string>> conditions;
  if (!current.etag.empty()) {
    conditions.emplace_back("If-Match", current.etag);
  } else {
    conditions.emplace_back("If-None-Match", "*");
  }
  Reply reply = call("PUT", recordUrl(request.record.zone, "CNAME", current.relative), &text,
                     conditions, "PUT CNAME " + request.record.name, lane);
  if (reply.failure) {
    if (reply.status == 412) {
      reply.failure->message += ": the record set changed since it was read";
    }
    return std::move(*reply.failure);
  }
  return Written{};
}

Result<Unit> AzureProvider::replace(const ReplaceRequest& request) {
  std::vector<Result<Written>> done = replaceBatch({request});
  if (auto* e = errorIn(done.front())) {
    return std::move(*e);
  }
  return Unit{};
}

std::vector<Result<ServedRecord>> AzureProvider::readBatch(const std::string& zone,
                                                           const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  Result<std::map<std::string, Lookup>> listing = listZone(zone);
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, Lookup>>(listing);
  for (const std::string& name : names) {
    Result<std::string> relative = relativeOf({zone, name});
    if (auto* e = errorIn(relative)) {
      results.emplace_back(std::move(*e));
      continue;
    }
    auto at = by_name.find(core::asciiLower(std::get<std::string>(relative)));
    results.emplace_back(at == by_name.end() ? ServedRecord{} : at->second.served);
  }
  return results;
}

std::vector<Result<Written>> AzureProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.empty()) {
    return {};
  }
  std::vector<Result<Written>> results(changes.size(), Written{});
  struct Write {
    std::size_t index;
    Lookup current;
  };
  std::vector<Write> writes;
  auto plan = [&](std::size_t i, Lookup found) {
    Result<WriteNeed> need = compareBeforeWrite(found.served, changes[i]);
    if (auto* e = errorIn(need)) {
      results[i] = std::move(*e);
    } else if (std::get<WriteNeed>(need) == WriteNeed::Write) {
      writes.push_back({i, std::move(found)});
    }
  };
  if (changes.size() == 1) {
    Result<Lookup> found = lookup(changes.front().record);
    if (auto* e = errorIn(found)) {
      return {std::move(*e)};
    }
    plan(0, std::move(std::get<Lookup>(found)));
  } else {
    const std::string& zone = changes.front().record.zone;
    Result<std::map<std::string, Lookup>> listing = listZone(zone);
    if (auto* e = errorIn(listing)) {
      std::fill(results.begin(), results.end(), Result<Written>(*e));
      return results;
    }
    const auto& by_name = std::get<std::map<std::string, Lookup>>(listing);
    for (std::size_t i = 0; i < changes.size(); ++i) {
      Result<std::string> relative = relativeOf(changes[i].record);
      if (auto* e = errorIn(relative)) {
        results[i] = std::move(*e);
        continue;
      }
      const std::string& rel = std::get<std::string>(relative);
      auto at = by_name.find(core::asciiLower(rel));
      Lookup found;
      if (at != by_name.end()) {
        found = at->second;
      }
      found.relative = rel;
      plan(i, std::move(found));
    }
  }
  writeOnLanes(lanes_, writes.size(), [&](net::HttpTransport* lane, std::size_t k) {
    const Write& w = writes[k];
    results[w.index] = write(changes[w.index], w.current, lane);
  });
  return results;
}

Result<std::vector<std::string>> AzureProvider::readTxt(const RecordRef& record) {
  Result<std::string> relative = relativeOf(record);
  if (auto* e = errorIn(relative)) {
    return std::move(*e);
  }
  Reply reply = call("GET", recordUrl(record.zone, "TXT", std::get<std::string>(relative)), nullptr,
                     {}, "GET TXT " + record.name);
  if (reply.failure) {
    if (reply.status == 404 && !isAzureZoneMissing(reply.code)) {
      return std::vector<std::string>{};
    }
    return std::move(*reply.failure);
  }
  try {
    return parseAzureRecordSet(reply.body).txt_values;
  } catch (const std::exception&) {
    return error(ErrorKind::Permanent, "GET TXT " + record.name + ": malformed RecordSet");
  }
}

Result<Written> AzureProvider::writeTxt(const TxtWrite& write) {
  if (write.value.size() > kMaxTxtValue) {
    return error(ErrorKind::Permanent, "TXT value of " + std::to_string(write.value.size()) +
                                           " bytes: one character-string holds at most 255");
  }
  Result<std::string> relative = relativeOf(write.record);
  if (auto* e = errorIn(relative)) {
    return std::move(*e);
  }
  const std::string url = recordUrl(write.record.zone, "TXT", std::get<std::string>(relative));
  Reply read = call("GET", url, nullptr, {}, "GET TXT " + write.record.name);
  std::optional<AzureRecordSet> current;
  if (read.failure) {
    if (read.status != 404 || isAzureZoneMissing(read.code)) {
      return std::move(*read.failure);
    }
  } else {
    try {
      current = parseAzureRecordSet(read.body);
    } catch (const std::exception&) {
      return error(ErrorKind::Permanent, "GET TXT " + write.record.name + ": malformed RecordSet");
    }
    if (current->txt_values == std::vector<std::string>{write.value}) {
      return Written{};  // a resent write that had got through
    }
  }
  std::uint32_t ttl = std::max(write.ttl, kAzureMinTtl);
  std::string body = azureTxtBody(current ? &current->raw : nullptr, write.value, ttl).dump();
  std::vector<std::pair<std::string, std::string>> conditions;
  if (current && !current->etag.empty()) {
    conditions.emplace_back("If-Match", current->etag);
  } else {
    conditions.emplace_back("If-None-Match", "*");
  }
  Reply put = call("PUT", url, &body, conditions, "PUT TXT " + write.record.name);
  if (put.failure) {
    return std::move(*put.failure);
  }
  Written written;
  if (ttl > write.ttl) {
    written.raised_ttl = ttl;
  }
  return written;
}

Result<Written> AzureProvider::deleteTxt(const RecordRef& record) {
  Result<std::string> relative = relativeOf(record);
  if (auto* e = errorIn(relative)) {
    return std::move(*e);
  }
  // 200 deleted, 204 there was none (dns.json's RecordSets_Delete): both leave no TXT.
  Reply reply = call("DELETE", recordUrl(record.zone, "TXT", std::get<std::string>(relative)),
                     nullptr, {}, "DELETE TXT " + record.name);
  if (reply.failure && !(reply.status == 404 && !isAzureZoneMissing(reply.code))) {
    return std::move(*reply.failure);
  }
  return Written{};
}

Result<std::vector<std::string>> AzureProvider::nameServers(const std::string& zone) {
  Reply reply = call("GET", zoneUrl(zone) + "?api-version=" + std::string(kAzureApiVersion),
                     nullptr, {}, "GET zone " + zone);
  if (reply.failure) {
    return std::move(*reply.failure);
  }
  std::vector<std::string> servers;
  try {
    for (const std::string& server : azureNameServers(reply.body)) {
      servers.push_back(core::canonicalName(server));
    }
  } catch (const std::exception&) {
    return error(ErrorKind::Permanent, "GET zone " + zone + ": malformed nameServers");
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

}  // namespace planb::providers
