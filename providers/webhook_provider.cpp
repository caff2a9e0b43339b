#include "providers/webhook_provider.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/server_text.hpp"
#include "net/url.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/compare_before_write.hpp"
#include "providers/lookup_then_write.hpp"

namespace planb::providers {

namespace {

using nlohmann::json;

// external-dns counts 500..510 as retryable (provider/webhook/webhook.go isRetryableError) and
// every other status but 2xx as a permanent failure (docs/tutorials/webhook-provider.md: "only
// 5xx responses will be retried and only 20x will be considered as successful").
bool webhookRetryable(long status) {
  return status >= 500 && status <= 510;
}

// The endpoints at NAME (canonical) of ENDPOINTS.
std::vector<const WebhookEndpoint*> webhookEndpointsAt(
    const std::vector<WebhookEndpoint>& endpoints, const std::string& name) {
  std::vector<const WebhookEndpoint*> at;
  for (const WebhookEndpoint& endpoint : endpoints) {
    if (endpoint.dns_name == name) {
      at.push_back(&endpoint);
    }
  }
  return at;
}

// What the endpoints at a name serve: its one CNAME, another type (a conflict), or nothing; a
// text saying what is wrong when that cannot be told (two CNAME endpoints, one without a single
// target).
struct WebhookServed {
  ServedRecord served;
  const WebhookEndpoint* cname = nullptr;
  std::string wrong;
};

WebhookServed webhookServedAt(const std::vector<WebhookEndpoint>& endpoints,
                              const std::string& name) {
  WebhookServed out;
  std::vector<const WebhookEndpoint*> cnames;
  std::string other;
  for (const WebhookEndpoint* endpoint : webhookEndpointsAt(endpoints, name)) {
    if (endpoint->record_type == "CNAME") {
      cnames.push_back(endpoint);
    } else if (other.empty() || endpoint->record_type < other) {
      other = endpoint->record_type;
    }
  }
  if (!other.empty()) {
    out.served.kind = ServedRecord::Kind::Conflict;
    out.served.conflict_type = other;
    return out;
  }
  if (cnames.empty()) {
    return out;
  }
  if (cnames.size() > 1) {
    // Set identifiers (weighted or geo routing): a policy planb does not manage.
    out.wrong = "it lists " + std::to_string(cnames.size()) + " CNAME endpoints for " + name +
                " (set identifiers): planb manages a name with one";
    return out;
  }
  const WebhookEndpoint& cname = *cnames.front();
  if (cname.targets.size() != 1) {
    out.wrong = "its CNAME endpoint for " + name + " has " + std::to_string(cname.targets.size()) +
                " targets";
    return out;
  }
  out.cname = &cname;
  out.served.kind = ServedRecord::Kind::Cname;
  out.served.target = core::canonicalName(cname.targets.front());
  out.served.ttl = static_cast<std::uint32_t>(cname.ttl);
  return out;
}

ReplaceRequest webhookCanonical(ReplaceRequest request) {
  request.record.name = core::canonicalName(request.record.name);
  request.new_target = core::canonicalName(request.new_target);
  if (request.expected_target) {
    request.expected_target = core::canonicalName(*request.expected_target);
  }
  return request;
}

// The same endpoint in external-dns' sense (endpoint.EndpointKey: name, type, set identifier).
bool sameWebhookKey(const WebhookEndpoint& endpoint, const std::string& name,
                    const std::string& type, const std::string& set_identifier) {
  return endpoint.dns_name == name && endpoint.record_type == type &&
         endpoint.set_identifier == set_identifier;
}

}  // namespace

struct WebhookProvider::Write {
  std::size_t index = 0;  // the caller's result it fills
  std::string name;       // canonical
  std::string type;       // "CNAME" or "TXT"
  std::string set_identifier;
  std::string wanted;  // canonical target (CNAME) or the text (TXT)
  std::uint32_t ttl = 0;
  json endpoint;            // what to create, or the UpdateNew
  std::optional<json> old;  // the UpdateOld; nullopt: a create
};

WebhookAddress webhookAddressOf(const std::string& url) {
  WebhookAddress address;
  address.shown = url;
  if (url.rfind("unix:", 0) == 0) {
    std::string path = url.substr(5);
    if (path.empty() || path.front() != '/') {
      throw std::invalid_argument("webhook url \"" + url +
                                  "\": a unix socket is named by an absolute path (unix:/path)");
    }
    address.unix_socket = path;
    address.base = "http://localhost";  // the Host header; the socket decides where it goes
    return address;
  }
  std::string why;
  std::optional<net::HttpUrl> parsed = net::parseHttpUrl(url, why);
  if (!parsed) {
    throw std::invalid_argument("webhook url \"" + net::redactUrl(url) + "\": " + why);
  }
  if (parsed->scheme != "http") {
    throw std::invalid_argument("webhook url \"" + net::redactUrl(url) +
                                "\": the provider runs beside planbd, on http:// over loopback "
                                "or on a unix socket (unix:/path)");
  }
  if (parsed->host != "localhost" && !net::isLoopbackHost(parsed->host)) {
    throw std::invalid_argument("webhook url \"" + net::redactUrl(url) + "\": host " +
                                parsed->host +
                                " is not a loopback address: run the webhook provider beside "
                                "planbd (docs/tutorials/webhook-provider.md: on localhost only)");
  }
  std::string target = parsed->target;
  if (target.find('?') != std::string::npos) {
    throw std::invalid_argument("webhook url \"" + net::redactUrl(url) + "\": has a query");
  }
  while (!target.empty() && target.back() == '/') {
    target.pop_back();
  }
  address.base = parsed->scheme + "://" + parsed->authority() + target;
  return address;
}

net::HttpOptions webhookHttpOptions(const std::string& url) {
  net::HttpOptions options;
  options.unix_socket = webhookAddressOf(url).unix_socket;
  options.max_body = kWebhookMaxBody;
  return options;
}

WebhookProvider::WebhookProvider(std::string name, const std::string& url,
                                 std::shared_ptr<net::HttpTransport> transport,
                                 std::shared_ptr<RequestCeiling> ceiling)
    : name_(std::move(name)),
      transport_(behindCeiling(std::move(transport), std::move(ceiling), kWebhookCeiling)) {
  try {
    address_ = webhookAddressOf(url);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("provider \"" + name_ + "\": " + e.what());
  }
  if (!transport_) {
    throw std::invalid_argument("provider \"" + name_ + "\": no HTTP transport");
  }
}

ProviderError WebhookProvider::failure(const std::string& what, ErrorKind kind) const {
  return ProviderError{
      kind, "webhook provider \"" + name_ + "\" at " + net::redactUrl(address_.shown) + ": " + what,
      std::nullopt};
}

Result<net::HttpResponse> WebhookProvider::call(const std::string& method, const std::string& path,
                                                std::string body) {
  net::HttpRequest request;
  request.method = method;
  // external-dns GETs the configured URL itself to negotiate, and joins the routes to it.
  request.url =
      address_.base + (path.empty() && address_.base.find('/', 7) != std::string::npos ? ""
                       : path.empty()                                                  ? "/"
                                                                                       : path);
  const std::string what = method + " " + (path.empty() ? "/" : path);
  // As external-dns' client does: Accept on what answers JSON, Content-Type on what sends it.
  if (method == "GET" || path == "/adjustendpoints") {
    request.headers.emplace_back("Accept", std::string(kWebhookMediaType));
  }
  if (method == "POST") {
    request.headers.emplace_back("Content-Type", std::string(kWebhookMediaType));
  }
  request.body = std::move(body);
  Result<net::HttpResponse> sent = transport_->send(request);
  if (auto* error = errorIn(sent)) {
    {
      std::lock_guard lock(mutex_);
      filter_.reset();  // down or restarted: negotiate again once it answers
    }
    return failure(what + ": " + error->message, error->kind);
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  if (response.status >= 200 && response.status < 300) {
    return sent;
  }
  const std::string status = " (HTTP " + std::to_string(response.status) + ")";
  std::string text = net::quoteServerText(response.body);
  const std::string detail = response.body.empty() ? "" : ": " + text;
  if (webhookRetryable(response.status)) {
    {
      std::lock_guard lock(mutex_);
      filter_.reset();
    }
    ProviderError error = failure("failed " + what + status + detail, ErrorKind::Transient);
    error.retry_after = net::retryAfterOf(response);
    return error;
  }
  if (response.status == 429) {
    ProviderError error = failure("is rate limiting " + what + status, ErrorKind::RateLimited);
    error.retry_after = net::retryAfterOf(response);
    return error;
  }
  if (response.status == 401 || response.status == 403) {
    return failure("refused " + what + status + detail +
                       ": check the webhook provider's own "
                       "credentials for its DNS API",
                   ErrorKind::Auth);
  }
  if (response.status >= 300 && response.status < 400) {
    return failure("redirected " + what + status +
                       ": redirects are not followed (external-dns treats them as a failure)",
                   ErrorKind::Permanent);
  }
  return failure("refused " + what + status + detail, ErrorKind::Permanent);
}

Result<Unit> WebhookProvider::negotiated(const std::string& zone,
                                         const std::vector<std::string>& names) {
  std::optional<WebhookDomainFilter> filter;
  {
    std::lock_guard lock(mutex_);
    filter = filter_;
  }
  if (!filter) {
    Result<net::HttpResponse> got = call("GET", "");
    if (auto* error = errorIn(got)) {
      return std::move(*error);
    }
    const net::HttpResponse& response = std::get<net::HttpResponse>(got);
    std::string type = response.header("content-type").value_or("");
    if (type != kWebhookMediaType) {
      return failure("negotiation (GET /) answered Content-Type \"" + net::quoteServerText(type) +
                         "\", not " + std::string(kWebhookMediaType) +
                         ": not an external-dns webhook provider speaking version 1 of the "
                         "protocol",
                     ErrorKind::Permanent);
    }
    auto parsed = parseWebhookDomainFilter(response.body);
    if (auto* wrong = std::get_if<std::string>(&parsed)) {
      return failure("negotiation (GET /) sent a malformed domain filter: " + *wrong,
                     ErrorKind::Permanent);
    }
    filter = std::get<WebhookDomainFilter>(parsed);
    std::lock_guard lock(mutex_);
    filter_ = filter;
  }
  for (const std::string& name : names) {
    if (!filter->matches(name)) {
      return failure("does not manage " + core::canonicalName(name) + " of zone " +
                         core::canonicalName(zone) + ": its domain filter is " +
                         filter->describe() + " (the webhook provider's --domain-filter)",
                     ErrorKind::NotFound);
    }
  }
  return Unit{};
}

Result<std::vector<WebhookEndpoint>> WebhookProvider::list(const std::string& zone,
                                                           const std::vector<std::string>& names) {
  Result<Unit> ready = negotiated(zone, names);
  if (auto* error = errorIn(ready)) {
    return std::move(*error);
  }
  Result<net::HttpResponse> got = call("GET", "/records");
  if (auto* error = errorIn(got)) {
    return std::move(*error);
  }
  auto parsed = parseWebhookEndpoints(std::get<net::HttpResponse>(got).body);
  if (auto* wrong = std::get_if<std::string>(&parsed)) {
    return failure("sent a malformed reply to GET /records: " + *wrong, ErrorKind::Permanent);
  }
  return std::move(std::get<std::vector<WebhookEndpoint>>(parsed));
}

std::vector<Result<ServedRecord>> WebhookProvider::readBatch(
    const std::string& zone, const std::vector<std::string>& names) {
  if (names.empty()) {
    return {};
  }
  std::vector<std::string> canonical;
  canonical.reserve(names.size());
  for (const std::string& name : names) {
    canonical.push_back(core::canonicalName(name));
  }
  Result<std::vector<WebhookEndpoint>> listed = list(zone, canonical);
  if (auto* error = errorIn(listed)) {
    return std::vector<Result<ServedRecord>>(names.size(), *error);
  }
  const auto& endpoints = std::get<std::vector<WebhookEndpoint>>(listed);
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  for (const std::string& name : canonical) {
    WebhookServed at = webhookServedAt(endpoints, name);
    if (!at.wrong.empty()) {
      results.emplace_back(failure("GET /records: " + at.wrong, ErrorKind::Permanent));
    } else {
      results.emplace_back(std::move(at.served));
    }
  }
  return results;
}

Result<ServedRecord> WebhookProvider::read(const RecordRef& record) {
  return std::move(readBatch(record.zone, {record.name}).front());
}

Result<Unit> WebhookProvider::replace(const ReplaceRequest& request) {
  Result<Written> written = std::move(replaceBatch({request}).front());
  if (auto* error = errorIn(written)) {
    return std::move(*error);
  }
  return Unit{};
}

std::vector<Result<Written>> WebhookProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  std::vector<Result<Written>> results(changes.size(), Written{});
  if (changes.empty()) {
    return results;
  }
  std::vector<ReplaceRequest> requests;
  std::vector<std::string> names;
  for (const ReplaceRequest& change : changes) {
    requests.push_back(webhookCanonical(change));
    names.push_back(requests.back().record.name);
  }
  // Compare: the read just before the write (the protocol has no compare-and-swap).
  Result<std::vector<WebhookEndpoint>> listed = list(changes.front().record.zone, names);
  if (auto* error = errorIn(listed)) {
    return std::vector<Result<Written>>(changes.size(), *error);
  }
  const auto& endpoints = std::get<std::vector<WebhookEndpoint>>(listed);
  std::vector<Write> writes;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const ReplaceRequest& request = requests[i];
    WebhookServed at = webhookServedAt(endpoints, request.record.name);
    if (!at.wrong.empty()) {
      results[i] = failure("GET /records: " + at.wrong, ErrorKind::Permanent);
      continue;
    }
    Result<WriteNeed> need = compareBeforeWrite(at.served, request);
    if (auto* error = errorIn(need)) {
      results[i] = std::move(*error);
      continue;
    }
    if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
      continue;
    }
    Write write;
    write.index = i;
    write.name = request.record.name;
    write.type = "CNAME";
    write.wanted = request.new_target;
    write.ttl = request.ttl;
    const std::vector<std::string> targets{webhookCnameTarget(request.new_target)};
    if (at.cname != nullptr) {
      write.set_identifier = at.cname->set_identifier;
      write.old = at.cname->raw;
      write.endpoint = webhookUpdated(at.cname->raw, targets, request.ttl);
    } else {
      write.endpoint = webhookEndpoint(request.record.name, "CNAME", targets, request.ttl);
    }
    writes.push_back(std::move(write));
  }
  std::vector<Result<Written>> applied = apply(writes, {});
  for (std::size_t k = 0; k < writes.size(); ++k) {
    results[writes[k].index] = std::move(applied[k]);
  }
  return results;
}

std::vector<Result<Written>> WebhookProvider::apply(std::vector<Write>& writes,
                                                    WebhookChanges changes) {
  std::vector<Result<Written>> results(writes.size(), Written{});
  std::vector<bool> sending(writes.size(), true);
  if (!writes.empty()) {
    // What the provider will make of them: the endpoints it answers are the ones written.
    json sent = json::array();
    for (const Write& write : writes) {
      sent.push_back(write.endpoint);
    }
    Result<net::HttpResponse> adjusted = call("POST", "/adjustendpoints", sent.dump());
    if (auto* error = errorIn(adjusted)) {
      return std::vector<Result<Written>>(writes.size(), *error);
    }
    auto parsed = parseWebhookEndpoints(std::get<net::HttpResponse>(adjusted).body);
    if (auto* wrong = std::get_if<std::string>(&parsed)) {
      return std::vector<Result<Written>>(
          writes.size(), failure("sent a malformed reply to POST /adjustendpoints: " + *wrong,
                                 ErrorKind::Permanent));
    }
    const auto& answered = std::get<std::vector<WebhookEndpoint>>(parsed);
    for (std::size_t k = 0; k < writes.size(); ++k) {
      Write& write = writes[k];
      auto found = std::find_if(answered.begin(), answered.end(), [&](const WebhookEndpoint& e) {
        return sameWebhookKey(e, write.name, write.type, write.set_identifier);
      });
      const std::string which = write.type + " endpoint " + write.name;
      if (found == answered.end()) {
        results[k] = failure(
            "POST /adjustendpoints dropped the " + which + ": the provider will not write it",
            ErrorKind::Permanent);
        sending[k] = false;
        continue;
      }
      bool same_target = found->targets.size() == 1;
      if (same_target && write.type == "CNAME") {
        same_target = core::canonicalName(found->targets.front()) == write.wanted;
      } else if (same_target) {
        same_target = webhookTxtValue(found->targets.front()) == write.wanted;
      }
      if (!same_target) {
        results[k] = failure("POST /adjustendpoints changed the targets of the " + which +
                                 ": planb writes only the target it chose",
                             ErrorKind::Permanent);
        sending[k] = false;
        continue;
      }
      Written written;
      if (found->ttl > static_cast<std::int64_t>(write.ttl)) {
        written.raised_ttl = static_cast<std::uint32_t>(found->ttl);  // the provider's minimum
      }
      results[k] = written;
      write.endpoint = found->raw;
    }
  }
  bool any = false;
  for (std::size_t k = 0; k < writes.size(); ++k) {
    if (!sending[k]) {
      continue;
    }
    any = true;
    if (writes[k].old) {
      changes.update_old.push_back(*writes[k].old);
      changes.update_new.push_back(writes[k].endpoint);
    } else {
      changes.create.push_back(writes[k].endpoint);
    }
  }
  if ((!writes.empty() && !any) || changes.empty()) {
    return results;  // nothing left to send
  }
  Result<net::HttpResponse> posted = call("POST", "/records", webhookChangesBody(changes));
  if (auto* error = errorIn(posted)) {
    for (std::size_t k = 0; k < writes.size(); ++k) {
      if (sending[k]) {
        results[k] = *error;
      }
    }
    if (writes.empty()) {
      results.emplace_back(std::move(*error));  // the caller's only change failed
    }
  }
  return results;
}

Result<std::vector<std::string>> WebhookProvider::readTxt(const RecordRef& record) {
  const std::string name = core::canonicalName(record.name);
  Result<std::vector<WebhookEndpoint>> listed = list(record.zone, {name});
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  std::vector<std::string> values;
  for (const WebhookEndpoint* endpoint :
       webhookEndpointsAt(std::get<std::vector<WebhookEndpoint>>(listed), name)) {
    if (endpoint->record_type != "TXT") {
      continue;
    }
    for (const std::string& target : endpoint->targets) {
      std::optional<std::string> value = webhookTxtValue(target);
      if (!value) {
        return failure("GET /records: a TXT target of " + name + " is not zone-file text",
                       ErrorKind::Permanent);
      }
      values.push_back(std::move(*value));
    }
  }
  return values;
}

Result<Written> WebhookProvider::writeTxt(const TxtWrite& write) {
  if (write.value.size() > kMaxTxtValue) {
    return failure("TXT value of " + std::to_string(write.value.size()) +
                       " bytes: one character-string holds at most 255",
                   ErrorKind::Permanent);
  }
  const std::string name = core::canonicalName(write.record.name);
  Result<std::vector<WebhookEndpoint>> listed = list(write.record.zone, {name});
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  std::vector<const WebhookEndpoint*> txts;
  for (const WebhookEndpoint* endpoint :
       webhookEndpointsAt(std::get<std::vector<WebhookEndpoint>>(listed), name)) {
    if (endpoint->record_type == "TXT") {
      txts.push_back(endpoint);
    }
  }
  const std::vector<std::string> targets{webhookTxtTarget(write.value)};
  WebhookChanges changes;
  std::vector<Write> writes(1);
  Write& txt = writes.front();
  txt.name = name;
  txt.type = "TXT";
  txt.wanted = write.value;
  txt.ttl = write.ttl;
  if (txts.empty()) {
    txt.endpoint = webhookEndpoint(name, "TXT", targets, write.ttl);
  } else {
    const WebhookEndpoint& first = *txts.front();
    if (txts.size() == 1 && first.targets.size() == 1 &&
        webhookTxtValue(first.targets.front()) == write.value) {
      return Written{};  // a resent write that got through
    }
    txt.set_identifier = first.set_identifier;
    txt.old = first.raw;
    txt.endpoint = webhookUpdated(first.raw, targets, write.ttl);
    for (std::size_t i = 1; i < txts.size(); ++i) {
      changes.remove.push_back(txts[i]->raw);
    }
  }
  return std::move(apply(writes, std::move(changes)).front());
}

Result<Written> WebhookProvider::deleteTxt(const RecordRef& record) {
  const std::string name = core::canonicalName(record.name);
  Result<std::vector<WebhookEndpoint>> listed = list(record.zone, {name});
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  WebhookChanges changes;
  for (const WebhookEndpoint* endpoint :
       webhookEndpointsAt(std::get<std::vector<WebhookEndpoint>>(listed), name)) {
    if (endpoint->record_type == "TXT") {
      changes.remove.push_back(endpoint->raw);
    }
  }
  if (changes.empty()) {
    return Written{};
  }
  std::vector<Write> none;
  std::vector<Result<Written>> done = apply(none, std::move(changes));
  if (!done.empty()) {
    return std::move(done.front());
  }
  return Written{};
}

Result<std::vector<std::string>> WebhookProvider::nameServers(const std::string& zone) {
  const std::string apex = core::canonicalName(zone);
  // No name to check against the domain filter: a filter of ".example.com" covers the zone's
  // names, not its apex, and the apex' NS endpoints are only listed where there are some.
  Result<std::vector<WebhookEndpoint>> listed = list(zone, {});
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  std::vector<std::string> hosts;
  for (const WebhookEndpoint* endpoint :
       webhookEndpointsAt(std::get<std::vector<WebhookEndpoint>>(listed), apex)) {
    if (endpoint->record_type == "NS") {
      for (const std::string& target : endpoint->targets) {
        hosts.push_back(core::canonicalName(target));
      }
    }
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

}  // namespace planb::providers
