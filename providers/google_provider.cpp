#include "providers/google_provider.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/percent_encoding.hpp"
#include "net/server_text.hpp"
#include "net/url.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/compare_before_write.hpp"
#include "providers/txt_update.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

std::string googleEncode(std::string_view text) {
  return net::percentEncode(text);
}

// The sets of a listing at one canonical name.
std::vector<const GoogleRrset*> googleAt(const std::vector<GoogleRrset>& sets) {
  std::vector<const GoogleRrset*> at;
  at.reserve(sets.size());
  for (const GoogleRrset& set : sets) {
    at.push_back(&set);
  }
  return at;
}

std::string googleCnameAddition(const std::string& name, const std::string& target,
                                std::uint32_t ttl) {
  return Json{{"kind", "dns#resourceRecordSet"},
              {"name", name},
              {"type", "CNAME"},
              {"ttl", ttl},
              {"rrdatas", Json::array({target})}}
      .dump();
}

}  // namespace

struct GoogleProvider::Reply {
  std::optional<ProviderError> error;
  std::vector<std::string> reasons;  // of an error reply
  std::string message;               // an error reply's own message, unquoted
  Json body;                         // a successful reply's
};

// One change of a batch: what it deletes and adds once planned, and its result once decided.
struct GoogleProvider::Entry {
  const ReplaceRequest* request = nullptr;
  std::optional<Result<Written>> result;  // decided
  std::optional<std::string> deletion;    // the current CNAME, exactly as served
  std::string addition;
  std::size_t bytes = 0;  // rrdata bytes it puts in a change
};

GoogleProvider::GoogleProvider(const GoogleConfig& config,
                               std::shared_ptr<net::HttpTransport> transport,
                               std::shared_ptr<const core::Clock> clock, GoogleOptions options)
    : name_(config.name),
      project_(config.settings.project),
      configured_zone_(config.settings.managed_zone),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (!transport || !clock_) {
    throw std::invalid_argument("google provider \"" + name_ +
                                "\" needs an HTTP transport and a clock");
  }
  if (project_.empty()) {
    throw std::invalid_argument("google provider \"" + name_ + "\" needs a project");
  }
  std::string endpoint = config.endpoint.value_or(std::string(kDefaultEndpoint));
  std::string why;
  std::optional<net::HttpUrl> url = net::parseHttpUrl(endpoint, why);
  const std::string bad =
      "google provider \"" + name_ + "\": endpoint \"" + net::redactUrl(endpoint) + "\" ";
  if (!url) {
    throw std::invalid_argument(bad + "is not a usable http(s):// URL: " + why);
  }
  if (!url->tls() && !net::isLoopbackHost(url->host)) {
    throw std::invalid_argument(bad + "uses plain http:// to a non-loopback address; use https://");
  }
  base_ = url->str();
  while (!base_.empty() && base_.back() == '/') {
    base_.pop_back();
  }
  if (!options_.ceiling) {
    options_.ceiling = systemCeiling(kGoogleCeiling, net::HttpOptions{}.total_timeout);
  }
  transport_ = behindCeiling(std::move(transport), options_.ceiling, kGoogleCeiling);
  credentials_ = std::make_shared<GoogleCredentials>(config.settings.credentials_file);
  tokens_ = std::make_unique<GoogleTokenSource>(credentials_, transport_, clock_);
  options_.max_pages = std::max(1, options_.max_pages);
  options_.max_batch_rounds = std::max(1, options_.max_batch_rounds);
}

GoogleProvider::Reply GoogleProvider::call(const std::string& method, const std::string& path,
                                           const std::string& body, const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    Result<net::Secret> token = tokens_->token();
    if (auto* e = errorIn(token)) {
      e->message = what + ": " + e->message;
      return Reply{std::move(*e), {}, {}, {}};
    }
    net::HttpRequest request;
    request.method = method;
    request.url = base_ + "/projects/" + googleEncode(project_) + path;
    request.headers.emplace_back("Authorization",
                                 "Bearer " + std::get<net::Secret>(token).reveal());
    request.headers.emplace_back("Accept", "application/json");
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body;
    }
    Result<net::HttpResponse> sent = transport_->send(request);
    net::wipeString(request.headers.front().second);
    if (auto* failed = errorIn(sent)) {
      return Reply{ProviderError{failed->kind, what + ": " + failed->message, failed->retry_after},
                   {},
                   {},
                   {}};
    }
    const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
    if (response.status == 401 && attempt == 0) {
      tokens_->invalidate();  // expired or revoked early: one more try with a new token
      continue;
    }
    Json json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    std::string status = "HTTP " + std::to_string(response.status);
    if (response.status >= 200 && response.status < 300) {
      if (!json.is_object()) {
        return Reply{
            ProviderError{ErrorKind::Permanent,
                          what + ": " + status + ": the reply is not a JSON object", std::nullopt},
            {},
            {},
            {}};
      }
      return Reply{std::nullopt, {}, {}, std::move(json)};
    }
    std::optional<GoogleErrorBody> error = parseGoogleError(json);
    Reply reply;
    std::string message = what + ": " + status;
    if (error) {
      reply.reasons = error->reasons;
      reply.message = error->message;
      if (!error->reasons.empty()) {
        message += " " + net::quoteServerText(error->reasons.front());
      }
      if (!error->message.empty()) {
        message += ": " + net::quoteServerText(error->message);
      }
    } else {
      message += ": the reply is not a Google error object";
    }
    ErrorKind kind = googleErrorKind(response.status, reply.reasons);
    if (kind == ErrorKind::Auth) {
      message += "; check that the service account in credentials_file " + credentials_->path() +
                 " may use Cloud DNS in project " + project_ + " (roles/dns.admin)";
    }
    std::optional<std::chrono::milliseconds> retry = net::retryAfterOf(response);
    reply.error = ProviderError{kind, std::move(message), retry};
    return reply;
  }
}

Result<std::string> GoogleProvider::zoneName(const std::string& zone) {
  if (configured_zone_) {
    return *configured_zone_;
  }
  if (auto known = zone_names_.find(zone); known != zone_names_.end()) {
    return known->second;
  }
  std::vector<GoogleZone> found;
  std::string token;
  for (int page = 0;; ++page) {
    if (page >= options_.max_pages) {
      return ProviderError{ErrorKind::Permanent,
                           "managedZones.list " + zone + ": more than " +
                               std::to_string(options_.max_pages) + " pages",
                           std::nullopt};
    }
    std::string path = "/managedZones?dnsName=" + googleEncode(zone);
    if (!token.empty()) {
      path += "&pageToken=" + googleEncode(token);
    }
    Reply reply = call("GET", path, "", "managedZones.list " + zone);
    if (reply.error) {
      return std::move(*reply.error);
    }
    GoogleZonePage zones;
    try {
      zones = parseGoogleZonePage(reply.body);
    } catch (const Json::exception&) {
      return ProviderError{ErrorKind::Permanent, "managedZones.list " + zone + ": malformed reply",
                           std::nullopt};
    }
    for (GoogleZone& z : zones.zones) {
      if (core::canonicalName(z.dns_name) == zone) {
        found.push_back(std::move(z));
      }
    }
    token = zones.next_page_token;
    if (token.empty()) {
      break;
    }
  }
  // A private zone may share the public one's name (split horizon); planb writes what the
  // internet is served.
  auto chosen = std::find_if(found.begin(), found.end(),
                             [](const GoogleZone& z) { return z.visibility != "private"; });
  if (chosen == found.end()) {
    return ProviderError{ErrorKind::NotFound,
                         "no public managed zone with dnsName " + zone + " in project " + project_ +
                             "; set managed_zone to its name",
                         std::nullopt};
  }
  if (std::count_if(found.begin(), found.end(),
                    [](const GoogleZone& z) { return z.visibility != "private"; }) > 1) {
    return ProviderError{ErrorKind::Permanent,
                         "more than one public managed zone has dnsName " + zone + " in project " +
                             project_ + "; set managed_zone to the one to use",
                         std::nullopt};
  }
  zone_names_[zone] = chosen->name;
  return chosen->name;
}

Result<std::vector<GoogleRrset>> GoogleProvider::listRrsets(const std::string& zone_name,
                                                            const std::string& name,
                                                            const std::string& type,
                                                            const std::string& what) {
  std::vector<GoogleRrset> all;
  std::string token;
  for (int page = 0;; ++page) {
    if (page >= options_.max_pages) {
      return ProviderError{ErrorKind::Permanent,
                           what + ": more than " + std::to_string(options_.max_pages) + " pages",
                           std::nullopt};
    }
    std::string query;
    auto add = [&query](const std::string& key, const std::string& value) {
      query += (query.empty() ? "?" : "&") + key + "=" + googleEncode(value);
    };
    if (!name.empty()) {
      add("name", name);
    }
    if (!type.empty()) {
      add("type", type);
    }
    if (options_.page_size > 0) {
      add("maxResults", std::to_string(options_.page_size));
    }
    if (!token.empty()) {
      add("pageToken", token);
    }
    Reply reply =
        call("GET", "/managedZones/" + googleEncode(zone_name) + "/rrsets" + query, "", what);
    if (reply.error) {
      return std::move(*reply.error);
    }
    GoogleRrsetPage parsed;
    try {
      parsed = parseGoogleRrsetPage(reply.body);
    } catch (const Json::exception&) {
      return ProviderError{ErrorKind::Permanent, what + ": malformed rrsets", std::nullopt};
    }
    for (GoogleRrset& set : parsed.rrsets) {
      all.push_back(std::move(set));
    }
    token = parsed.next_page_token;
    if (token.empty()) {
      return all;
    }
  }
}

Result<std::map<std::string, std::vector<GoogleRrset>>> GoogleProvider::inspect(
    const std::string& zone_name, const std::vector<std::string>& names, const std::string& what) {
  Result<std::vector<GoogleRrset>> sets =
      listRrsets(zone_name, names.size() == 1 ? names.front() : std::string(), "", what);
  if (auto* e = errorIn(sets)) {
    return std::move(*e);
  }
  std::map<std::string, std::vector<GoogleRrset>> by_name;
  for (GoogleRrset& set : std::get<std::vector<GoogleRrset>>(sets)) {
    std::string at = core::canonicalName(set.name);
    by_name[at].push_back(std::move(set));
  }
  return by_name;
}

Result<ServedRecord> GoogleProvider::read(const RecordRef& record) {
  std::vector<Result<ServedRecord>> one = readBatch(record.zone, {record.name});
  return std::move(one.front());
}

std::vector<Result<ServedRecord>> GoogleProvider::readBatch(const std::string& zone,
                                                            const std::vector<std::string>& names) {
  std::vector<Result<ServedRecord>> results;
  if (names.empty()) {
    return results;
  }
  Result<std::string> zone_name = zoneName(zone);
  if (auto* e = errorIn(zone_name)) {
    results.assign(names.size(), *e);
    return results;
  }
  auto listing = inspect(std::get<std::string>(zone_name), names,
                         "rrsets.list " + (names.size() == 1 ? names.front() : zone));
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, std::vector<GoogleRrset>>>(listing);
  for (const std::string& name : names) {
    auto at = by_name.find(name);
    results.emplace_back(at == by_name.end() ? ServedRecord{}
                                             : googleServedAt(googleAt(at->second)));
  }
  return results;
}

Result<Unit> GoogleProvider::replace(const ReplaceRequest& request) {
  std::vector<Result<Written>> done = replaceBatch({request});
  if (auto* e = errorIn(done.front())) {
    return std::move(*e);
  }
  return Unit{};
}

void GoogleProvider::plan(Entry& entry, const std::vector<GoogleRrset>& at_name) {
  const ReplaceRequest& request = *entry.request;
  ServedRecord served = googleServedAt(googleAt(at_name));
  Result<WriteNeed> need = compareBeforeWrite(served, request);
  if (auto* e = errorIn(need)) {
    entry.result = std::move(*e);
    return;
  }
  if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
    entry.result = Written{};
    return;
  }
  entry.deletion.reset();
  entry.bytes = request.new_target.size();
  for (const GoogleRrset& set : at_name) {
    if (set.type == "CNAME") {
      entry.deletion = set.raw;
      entry.bytes += set.rrdatas.front().size();
    }
  }
  entry.addition = googleCnameAddition(request.record.name, request.new_target, request.ttl);
}

GoogleProvider::Reply GoogleProvider::postChange(const std::string& zone_name,
                                                 const std::vector<std::string>& deletions,
                                                 const std::vector<std::string>& additions,
                                                 const std::string& what) {
  Json change{{"kind", "dns#change"}, {"additions", Json::array()}, {"deletions", Json::array()}};
  for (const std::string& d : deletions) {
    change["deletions"].push_back(Json::parse(d));
  }
  for (const std::string& a : additions) {
    change["additions"].push_back(Json::parse(a));
  }
  return call("POST", "/managedZones/" + googleEncode(zone_name) + "/changes", change.dump(), what);
}

Result<Written> GoogleProvider::writtenOf(const std::string& zone_name, const Reply& reply) {
  try {
    GoogleChange change = parseGoogleChange(reply.body);
    // "done": sent to the authoritative servers; "pending": not yet, pollChange tells when.
    return Written{change.status == "done" ? std::string() : zone_name + "/" + change.id};
  } catch (const Json::exception&) {
    return ProviderError{ErrorKind::Permanent, "changes.create: malformed change", std::nullopt};
  }
}

void GoogleProvider::sendChanges(const std::string& zone_name, std::vector<Entry*>& entries,
                                 int round) {
  const GoogleBatchLimits& limits = options_.batch_limits;
  std::size_t start = 0;
  while (start < entries.size()) {
    // The next run of entries within the limits; one too large alone still goes (and is refused).
    std::size_t end = start;
    std::size_t adds = 0;
    std::size_t dels = 0;
    std::size_t bytes = 0;
    while (end < entries.size()) {
      const Entry& e = *entries[end];
      std::size_t d = e.deletion ? 1 : 0;
      if (end > start && (adds + 1 > limits.additions || dels + d > limits.deletions ||
                          bytes + e.bytes > limits.rrdata_bytes)) {
        break;
      }
      adds += 1;
      dels += d;
      bytes += e.bytes;
      ++end;
    }
    std::vector<std::string> deletions;
    std::vector<std::string> additions;
    std::vector<Entry*> by_deletion;
    for (std::size_t k = start; k < end; ++k) {
      if (entries[k]->deletion) {
        deletions.push_back(*entries[k]->deletion);
        by_deletion.push_back(entries[k]);
      }
      additions.push_back(entries[k]->addition);
    }
    std::string what =
        "changes.create " + entries[start]->request->record.name +
        (end - start > 1 ? " and " + std::to_string(end - start - 1) + " more" : std::string());
    Reply reply = postChange(zone_name, deletions, additions, what);
    if (!reply.error) {
      Result<Written> written = writtenOf(zone_name, reply);
      for (std::size_t k = start; k < end; ++k) {
        entries[k]->result = written;
      }
    } else if (reply.error->kind == ErrorKind::Conflict && round < options_.max_batch_rounds) {
      // The entry the refusal names, when it names one, is the lost race; the others are re-read
      // below and go again.
      Entry* named = nullptr;
      auto find = [&](std::string_view list, const std::vector<Entry*>& among) -> Entry* {
        std::optional<std::string> ref = googleChangeRefIn(reply.message, list);
        if (!ref) {
          return nullptr;
        }
        if (std::all_of(ref->begin(), ref->end(), [](char c) { return c >= '0' && c <= '9'; })) {
          std::size_t i = ref->size() > 9 ? among.size() : std::stoul(*ref);
          return i < among.size() ? among[i] : nullptr;
        }
        std::string name = core::canonicalName(*ref);
        for (Entry* e : among) {
          if (e->request->record.name == name) {
            return e;
          }
        }
        return nullptr;
      };
      std::vector<Entry*> by_addition(entries.begin() + static_cast<std::ptrdiff_t>(start),
                                      entries.begin() + static_cast<std::ptrdiff_t>(end));
      named = find("deletions", by_deletion);
      if (named == nullptr) {
        named = find("additions", by_addition);
      }
      if (named != nullptr) {
        named->result = *reply.error;
      }
    } else {
      for (std::size_t k = start; k < end; ++k) {
        entries[k]->result = *reply.error;
      }
    }
    start = end;
  }
}

std::vector<Result<Written>> GoogleProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.empty()) {
    return {};
  }
  std::vector<Entry> entries(changes.size());
  const std::string& zone = changes.front().record.zone;
  auto finish = [&entries]() {
    std::vector<Result<Written>> results;
    results.reserve(entries.size());
    for (Entry& e : entries) {
      results.push_back(std::move(*e.result));
    }
    return results;
  };
  Result<std::string> zone_name = zoneName(zone);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    entries[i].request = &changes[i];
    if (auto* e = errorIn(zone_name)) {
      entries[i].result = *e;
    } else if (changes[i].record.zone != zone) {
      entries[i].result =
          ProviderError{ErrorKind::Permanent,
                        changes[i].record.name + ": a batch holds one zone, " + zone, std::nullopt};
    }
  }
  for (int round = 1; round <= options_.max_batch_rounds; ++round) {
    std::vector<std::string> names;
    for (Entry& e : entries) {
      if (!e.result) {
        names.push_back(e.request->record.name);
      }
    }
    if (names.empty()) {
      break;
    }
    const std::string& zname = std::get<std::string>(zone_name);
    auto listing =
        inspect(zname, names, "rrsets.list " + (names.size() == 1 ? names.front() : zone));
    if (auto* err = errorIn(listing)) {
      for (Entry& e : entries) {
        if (!e.result) {
          e.result = *err;
        }
      }
      break;
    }
    const auto& by_name = std::get<std::map<std::string, std::vector<GoogleRrset>>>(listing);
    static const std::vector<GoogleRrset> kNone;
    std::vector<Entry*> pending;
    for (Entry& e : entries) {
      if (e.result) {
        continue;
      }
      auto at = by_name.find(e.request->record.name);
      plan(e, at == by_name.end() ? kNone : at->second);
      if (!e.result) {
        pending.push_back(&e);
      }
    }
    if (pending.empty()) {
      break;
    }
    sendChanges(zname, pending, round);
  }
  for (Entry& e : entries) {
    if (!e.result) {
      // Refused in every round: named by no refusal, but never through either.
      e.result = ProviderError{ErrorKind::Conflict,
                               "changes.create " + e.request->record.name +
                                   ": refused as a failed precondition in every one of " +
                                   std::to_string(options_.max_batch_rounds) + " rounds",
                               std::nullopt};
    }
  }
  return finish();
}

Result<Propagation> GoogleProvider::pollChange(const std::string& change_id) {
  auto slash = change_id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == change_id.size()) {
    return ProviderError{ErrorKind::Permanent, "not a Cloud DNS change: " + change_id,
                         std::nullopt};
  }
  std::string zone_name = change_id.substr(0, slash);
  std::string id = change_id.substr(slash + 1);
  Reply reply =
      call("GET", "/managedZones/" + googleEncode(zone_name) + "/changes/" + googleEncode(id), "",
           "changes.get " + change_id);
  if (reply.error) {
    return std::move(*reply.error);
  }
  try {
    return parseGoogleChange(reply.body).status == "done" ? Propagation::Applied
                                                          : Propagation::Pending;
  } catch (const Json::exception&) {
    return ProviderError{ErrorKind::Permanent, "changes.get " + change_id + ": malformed change",
                         std::nullopt};
  }
}

Result<std::optional<GoogleRrset>> GoogleProvider::txtSet(const std::string& zone_name,
                                                          const std::string& name) {
  Result<std::vector<GoogleRrset>> sets =
      listRrsets(zone_name, name, "TXT", "rrsets.list " + name + " TXT");
  if (auto* e = errorIn(sets)) {
    return std::move(*e);
  }
  for (GoogleRrset& set : std::get<std::vector<GoogleRrset>>(sets)) {
    if (set.type == "TXT" && core::canonicalName(set.name) == name) {
      return std::optional<GoogleRrset>(std::move(set));
    }
  }
  return std::optional<GoogleRrset>();
}

Result<std::vector<std::string>> GoogleProvider::readTxt(const RecordRef& record) {
  Result<std::string> zone_name = zoneName(record.zone);
  if (auto* e = errorIn(zone_name)) {
    return std::move(*e);
  }
  Result<std::optional<GoogleRrset>> set = txtSet(std::get<std::string>(zone_name), record.name);
  if (auto* e = errorIn(set)) {
    return std::move(*e);
  }
  std::vector<std::string> values;
  if (const auto& found = std::get<std::optional<GoogleRrset>>(set)) {
    for (const std::string& rrdata : found->rrdatas) {
      values.push_back(googleUnquoteTxt(rrdata));
    }
  }
  return values;
}

Result<Written> GoogleProvider::writeTxt(const TxtWrite& write) {
  if (auto bad = txtValueError(write.value)) {
    return std::move(*bad);
  }
  Result<std::string> zone_name = zoneName(write.record.zone);
  if (auto* e = errorIn(zone_name)) {
    return std::move(*e);
  }
  const std::string& zname = std::get<std::string>(zone_name);
  std::string addition = Json{{"kind", "dns#resourceRecordSet"},
                              {"name", write.record.name},
                              {"type", "TXT"},
                              {"ttl", write.ttl},
                              {"rrdatas", Json::array({googleQuoteTxt(write.value)})}}
                             .dump();
  // Twice at most: a set changed between the read and the change is read once more.
  for (int attempt = 0;; ++attempt) {
    Result<std::optional<GoogleRrset>> set = txtSet(zname, write.record.name);
    if (auto* e = errorIn(set)) {
      return std::move(*e);
    }
    const auto& current = std::get<std::optional<GoogleRrset>>(set);
    if (current && current->ttl == write.ttl && current->rrdatas.size() == 1 &&
        googleUnquoteTxt(current->rrdatas.front()) == write.value) {
      return Written{};
    }
    std::vector<std::string> deletions;
    if (current) {
      deletions.push_back(current->raw);
    }
    Reply reply =
        postChange(zname, deletions, {addition}, "changes.create " + write.record.name + " TXT");
    if (!reply.error) {
      return writtenOf(zname, reply);
    }
    if (reply.error->kind != ErrorKind::Conflict || attempt == 1) {
      return std::move(*reply.error);
    }
  }
}

Result<Written> GoogleProvider::deleteTxt(const RecordRef& record) {
  Result<std::string> zone_name = zoneName(record.zone);
  if (auto* e = errorIn(zone_name)) {
    return std::move(*e);
  }
  const std::string& zname = std::get<std::string>(zone_name);
  for (int attempt = 0;; ++attempt) {
    Result<std::optional<GoogleRrset>> set = txtSet(zname, record.name);
    if (auto* e = errorIn(set)) {
      return std::move(*e);
    }
    const auto& current = std::get<std::optional<GoogleRrset>>(set);
    if (!current) {
      return Written{};  // none: a clean-up that runs twice
    }
    Reply reply =
        postChange(zname, {current->raw}, {}, "changes.create " + record.name + " TXT (delete)");
    if (!reply.error) {
      return writtenOf(zname, reply);
    }
    // Changed or deleted meanwhile (412, or 404 for a set already gone): read once more.
    bool again =
        reply.error->kind == ErrorKind::Conflict || reply.error->kind == ErrorKind::NotFound;
    if (!again || attempt == 1) {
      return std::move(*reply.error);
    }
  }
}

Result<std::vector<std::string>> GoogleProvider::nameServers(const std::string& zone) {
  Result<std::string> zone_name = zoneName(zone);
  if (auto* e = errorIn(zone_name)) {
    return std::move(*e);
  }
  const std::string& zname = std::get<std::string>(zone_name);
  Reply reply =
      call("GET", "/managedZones/" + googleEncode(zname), "", "managedZones.get " + zname);
  if (reply.error) {
    return std::move(*reply.error);
  }
  std::vector<std::string> servers;
  try {
    for (const std::string& ns : parseGoogleZone(reply.body).name_servers) {
      servers.push_back(core::canonicalName(ns));
    }
  } catch (const Json::exception&) {
    return ProviderError{ErrorKind::Permanent, "managedZones.get " + zname + ": malformed zone",
                         std::nullopt};
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

}  // namespace planb::providers
