#include "providers/huaweicloud_provider.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/huawei_signer.hpp"
#include "net/server_text.hpp"
#include "net/url.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/parallel_lanes.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

// The path as sent: each segment escaped as the signature escapes it, no trailing '/' added (the
// signature adds one to its canonical URI only).
std::string huaweiWirePath(const std::string& path) {
  std::string uri = net::huaweiCanonicalUri(path);
  if (!path.empty() && path.back() != '/' && !uri.empty() && uri.back() == '/') {
    uri.pop_back();
  }
  return uri;
}

// What the record sets at one name make of it: planb's CNAME, a Conflict, or Absent.
HuaweiCloudLookup huaweiLookupFrom(const std::string& zone_id,
                                   const std::vector<HuaweiRecordset>& sets) {
  HuaweiCloudLookup found;
  found.zone_id = zone_id;
  const HuaweiRecordset* cname = nullptr;
  const HuaweiRecordset* other = nullptr;
  for (const HuaweiRecordset& r : sets) {
    if (r.isPlanbs() && cname == nullptr) {
      cname = &r;
    } else if (other == nullptr) {
      other = &r;
    }
  }
  if (other != nullptr) {
    found.served.kind = ServedRecord::Kind::Conflict;
    found.served.conflict_type = other->describe();
  } else if (cname != nullptr) {
    found.served.kind = ServedRecord::Kind::Cname;
    found.served.target = core::canonicalName(cname->records.front());
    found.served.ttl = cname->ttl;
    found.recordset_id = cname->id;
  }
  return found;
}

std::string huaweiRecordsetsPath(const std::string& zone_id) {
  return "/v2/zones/" + zone_id + "/recordsets";
}

}  // namespace

struct HuaweiCloudProvider::Reply {
  std::optional<ProviderError> failure;
  std::string code;  // the error reply's code (DNS.xxxx, APIGW.xxxx), when it failed
  Json body;         // when it succeeded: a JSON object
};

std::string HuaweiCloudProvider::defaultEndpoint(const std::string& region) {
  return "https://dns." + region + ".myhuaweicloud.com";
}

HuaweiCloudProvider::HuaweiCloudProvider(const HuaweiCloudConfig& config,
                                         std::shared_ptr<net::HttpTransport> transport,
                                         std::shared_ptr<const core::Clock> clock,
                                         HuaweiCloudOptions options)
    : name_(config.name),
      project_id_(config.settings.project_id),
      credentials_(std::make_unique<HuaweiCloudCredentials>(config.settings.access_key_id_file,
                                                            config.settings.secret_access_key_file,
                                                            config.settings.security_token_file)),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (!options_.ceiling) {
    options_.ceiling = systemCeiling(kHuaweiCloudCeiling, net::HttpOptions{}.total_timeout);
  }
  transport_ = behindCeiling(std::move(transport), options_.ceiling, kHuaweiCloudCeiling);
  if (!transport_ || !clock_) {
    throw std::invalid_argument("huaweicloud provider \"" + name_ +
                                "\" needs an HTTP transport and a clock");
  }
  lanes_.push_back(transport_);
  for (auto& extra : options_.batch_transports) {
    if (extra) {
      lanes_.push_back(behindCeiling(extra, options_.ceiling, kHuaweiCloudCeiling));
    }
  }
  options_.page_size = std::clamp(options_.page_size, 1, 500);
  options_.max_pages = std::max(1, options_.max_pages);

  const std::string endpoint = config.endpoint.value_or(defaultEndpoint(config.settings.region));
  const std::string bad = "huaweicloud provider \"" + name_ + "\": endpoint ";
  std::string why;
  std::optional<net::HttpUrl> url = net::parseHttpUrl(endpoint, why);
  if (!url) {
    throw std::invalid_argument(bad + "is not a usable http(s):// URL: " + why);
  }
  host_ = url->authority();
  base_path_ = url->target;
  while (!base_path_.empty() && base_path_.back() == '/') {
    base_path_.pop_back();
  }
  // The base path is signed as given, so it must need no encoding.
  if (endpoint.find('#') != std::string::npos ||
      !std::all_of(base_path_.begin(), base_path_.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
      })) {
    throw std::invalid_argument(bad + "has a query, fragment or unusual character in its path");
  }
  if (!url->tls() && !net::isLoopbackHost(url->host)) {
    throw std::invalid_argument(bad + "uses plain http:// to a non-loopback address; use https://");
  }
  base_url_ = url->scheme + "://" + host_ + base_path_;
}

std::string HuaweiCloudProvider::scrub(std::string text, const HuaweiCloudKeys& keys) {
  // Belt and braces: a reply quoting our own credentials loses them here.
  const net::Secret none;
  for (const net::Secret* secret : {&keys.access_key_id, &keys.secret_access_key,
                                    keys.security_token ? &*keys.security_token : &none}) {
    const std::string& value = secret->reveal();
    for (auto at = text.find(value); !value.empty() && at != std::string::npos;
         at = text.find(value, at)) {
      text.replace(at, value.size(), "***");
    }
  }
  return text;
}

std::string HuaweiCloudProvider::authAdvice(std::string_view code) const {
  const std::string& token_file = credentials_->securityTokenFile();
  if (code == "DNS.0013") {
    return "the key may not do this: check the IAM permissions (DNS) of the user of the key in "
           "access_key_id_file " +
           credentials_->keyIdFile() +
           (project_id_.empty() ? std::string() : " in project_id " + project_id_);
  }
  std::string advice = "the AK/SK signature was refused: check that secret_access_key_file " +
                       credentials_->secretKeyFile() +
                       " holds the secret of the key in access_key_id_file " +
                       credentials_->keyIdFile();
  if (!token_file.empty()) {
    advice += ", that security_token_file " + token_file +
              " holds a current security token (temporary credentials expire) and that "
              "whatever renews it still runs";
  }
  return advice + ", and this host's clock (X-Sdk-Date is refused 15 minutes off)";
}

HuaweiCloudProvider::Reply HuaweiCloudProvider::call(const std::string& method,
                                                     const std::string& path, const Query& query,
                                                     const Json* body, const std::string& subject,
                                                     net::HttpTransport* lane) {
  HuaweiCloudKeys keys = credentials_->current();
  const std::string date = net::huaweiSdkDate(clock_->wallNow());
  net::HuaweiSigningInput input;
  input.method = method;
  input.path = base_path_ + path;
  input.query = query;
  // Every header sent is signed: the SDK signs all of its headers
  // (huaweicloud-sdk-go-v3 core/auth/signer/signer.go SignedHeaders).
  input.headers = {{"Host", host_}, {"X-Sdk-Date", date}, {"Content-Type", "application/json"}};
  if (!project_id_.empty()) {
    input.headers.emplace_back("X-Project-Id", project_id_);
  }
  if (keys.security_token) {
    input.headers.emplace_back("X-Security-Token", keys.security_token->reveal());
  }
  if (body != nullptr) {
    input.body = body->dump();
  }
  net::HttpRequest request;
  request.method = method;
  request.url = base_url_ + huaweiWirePath(path);
  if (std::string q = net::huaweiCanonicalQuery(query); !q.empty()) {
    request.url += "?" + q;
  }
  request.headers = input.headers;
  request.headers.emplace_back("Authorization",
                               net::huaweiAuthorization(input, date, keys.access_key_id.reveal(),
                                                        keys.secret_access_key.reveal()));
  request.body = input.body;

  const std::string what = method + " " + path + " (" + subject + ")";
  Result<net::HttpResponse> sent = (lane != nullptr ? lane : transport_.get())->send(request);
  if (auto* failed = errorIn(sent)) {
    ProviderError e = error(failed->kind, what + ": " + scrub(failed->message, keys));
    e.retry_after = failed->retry_after;  // the ceiling's wait, when it held the request back
    return Reply{std::move(e), {}, {}};
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  const std::string status = "HTTP " + std::to_string(response.status);
  const bool ok = response.status >= 200 && response.status < 300;
  Json parsed = response.body.empty() && ok
                    ? Json::object()
                    : Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (ok) {
    if (!parsed.is_object()) {
      return Reply{
          error(ErrorKind::Permanent, what + ": " + status + ": the reply is not a JSON object"),
          {},
          {}};
    }
    return Reply{std::nullopt, {}, std::move(parsed)};
  }
  HuaweiErrorBody refusal = huaweiErrorBody(parsed);
  ErrorKind kind = huaweiErrorKind(refusal.code, response.status);
  std::string message = what + ": " + status;
  if (!refusal.code.empty()) {
    message += " " + net::quoteServerText(refusal.code);
  }
  if (kind == ErrorKind::Auth) {
    message += ": " + authAdvice(refusal.code);
  }
  if (!refusal.message.empty()) {
    message += ": " + net::quoteServerText(refusal.message);
  } else if (!parsed.is_object()) {
    message += ": the reply is not a JSON object";
  }
  if (!refusal.request_id.empty()) {
    message += " (request_id " + net::quoteServerText(refusal.request_id) + ")";
  }
  ProviderError e = error(kind, scrub(message, keys));
  if (kind == ErrorKind::RateLimited) {
    e.retry_after = net::retryAfterOf(response);
  }
  return Reply{std::move(e), refusal.code, {}};
}

Result<std::string> HuaweiCloudProvider::zoneId(const std::string& zone) {
  {
    std::lock_guard lock(zones_mutex_);
    if (auto known = zone_ids_.find(zone); known != zone_ids_.end()) {
      return known->second;
    }
  }
  // ListPublicZones: name with search_mode=equal is an exact match, not the default fuzzy one
  // (ListPublicZonesRequest in huaweicloud-sdk-go-v3).
  Reply reply = call("GET", "/v2/zones",
                     {{"type", "public"}, {"name", zone}, {"search_mode", "equal"}}, nullptr, zone);
  if (reply.failure) {
    return std::move(*reply.failure);
  }
  try {
    for (const Json& z : reply.body.at("zones").get_ref<const Json::array_t&>()) {
      if (core::canonicalName(z.at("name").get<std::string>()) == zone) {
        std::string id = z.at("id").get<std::string>();
        std::lock_guard lock(zones_mutex_);
        zone_ids_[zone] = id;
        return id;
      }
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "GET /v2/zones (" + zone + "): malformed reply");
  }
  return error(ErrorKind::NotFound,
               "GET /v2/zones: no public zone " + zone + " in this account's project");
}

Result<std::vector<HuaweiRecordset>> HuaweiCloudProvider::listRecordsets(
    const std::string& zone_id, const Query& filter, const std::string& subject) {
  std::vector<HuaweiRecordset> all;
  const std::string path = huaweiRecordsetsPath(zone_id);
  std::size_t seen = 0;
  for (int page = 0;; ++page) {
    if (page >= options_.max_pages) {
      return error(ErrorKind::Permanent, "GET " + path + " (" + subject + "): more than " +
                                             std::to_string(options_.max_pages) + " pages");
    }
    Query query = filter;
    query.emplace_back("limit", std::to_string(options_.page_size));
    query.emplace_back("offset", std::to_string(seen));
    Reply reply = call("GET", path, query, nullptr, subject);
    if (reply.failure) {
      return std::move(*reply.failure);
    }
    std::size_t total = 0;
    std::size_t on_page = 0;
    try {
      total = huaweiTotalCount(reply.body);
      for (HuaweiRecordset& r : parseHuaweiRecordsets(reply.body)) {
        all.push_back(std::move(r));
        ++on_page;
      }
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent, "GET " + path + " (" + subject + "): malformed reply");
    }
    seen += on_page;
    // Counting what arrived: a server may serve smaller pages than asked.
    if (on_page == 0 || seen >= total) {
      return all;
    }
  }
}

Result<HuaweiCloudLookup> HuaweiCloudProvider::lookup(const RecordRef& record) {
  if (!core::isWithinZone(record.name, record.zone)) {
    return error(ErrorKind::Permanent, record.name + " is not within zone " + record.zone);
  }
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* e = errorIn(zone_id)) {
    return std::move(*e);
  }
  const std::string& id = std::get<std::string>(zone_id);
  // Every type at the name, so that another type there is seen as a Conflict.
  Result<std::vector<HuaweiRecordset>> listed =
      listRecordsets(id, {{"name", record.name}, {"search_mode", "equal"}}, record.name);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<HuaweiRecordset> at_name;
  for (HuaweiRecordset& r : std::get<std::vector<HuaweiRecordset>>(listed)) {
    if (r.name == record.name) {  // the filter is the API's; only this very name is ours
      at_name.push_back(std::move(r));
    }
  }
  return huaweiLookupFrom(id, at_name);
}

Result<Unit> HuaweiCloudProvider::write(const ReplaceRequest& request,
                                        const HuaweiCloudLookup& current) {
  Result<Written> done = writeOn(nullptr, request, current);
  if (auto* e = errorIn(done)) {
    return std::move(*e);
  }
  return Unit{};
}

Result<Written> HuaweiCloudProvider::writeOn(net::HttpTransport* lane,
                                             const ReplaceRequest& request,
                                             const HuaweiCloudLookup& current) {
  const Json body = {{"name", request.record.name},
                     {"type", "CNAME"},
                     {"ttl", request.ttl},
                     {"records", Json::array({request.new_target})}};
  const bool update = current.served.kind == ServedRecord::Kind::Cname;
  const std::string path = update
                               ? huaweiRecordsetsPath(current.zone_id) + "/" + *current.recordset_id
                               : huaweiRecordsetsPath(current.zone_id);
  Reply reply = call(update ? "PUT" : "POST", path, {}, &body, request.record.name, lane);
  if (reply.failure) {
    if (!update && reply.failure->kind == ErrorKind::Conflict) {
      // A resent create that had got through is refused as existing: a new read tells.
      Result<Unit> confirmed = confirmWritten(request, reply.failure->message);
      if (auto* e = errorIn(confirmed)) {
        return std::move(*e);
      }
      return Written{};
    }
    return std::move(*reply.failure);
  }
  Written written;
  try {
    HuaweiRecordset accepted = parseHuaweiRecordset(reply.body);
    if (accepted.pending()) {
      written.propagating_change = current.zone_id + "/" + accepted.id;
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, (update ? "PUT " : "POST ") + path + " (" +
                                           request.record.name +
                                           "): malformed reply (no record set id)");
  }
  return written;
}

Result<std::map<std::string, std::vector<HuaweiRecordset>>> HuaweiCloudProvider::listZone(
    const std::string& zone, std::string& zone_id) {
  Result<std::string> id = zoneId(zone);
  if (auto* e = errorIn(id)) {
    return std::move(*e);
  }
  zone_id = std::get<std::string>(id);
  Result<std::vector<HuaweiRecordset>> listed = listRecordsets(zone_id, {}, zone);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::map<std::string, std::vector<HuaweiRecordset>> by_name;
  for (HuaweiRecordset& r : std::get<std::vector<HuaweiRecordset>>(listed)) {
    by_name[r.name].push_back(std::move(r));
  }
  return by_name;
}

std::vector<Result<ServedRecord>> HuaweiCloudProvider::readBatch(
    const std::string& zone, const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  std::string zone_id;
  auto listing = listZone(zone, zone_id);
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, std::vector<HuaweiRecordset>>>(listing);
  for (const std::string& name : names) {
    auto at = by_name.find(name);
    results.emplace_back(
        huaweiLookupFrom(zone_id, at == by_name.end() ? std::vector<HuaweiRecordset>{} : at->second)
            .served);
  }
  return results;
}

std::vector<Result<Written>> HuaweiCloudProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.empty()) {
    return {};
  }
  if (changes.size() == 1) {
    return replaceOnly(changes.front(), [&](const HuaweiCloudLookup& current) {
      return writeOn(nullptr, changes.front(), current);
    });
  }
  std::vector<Result<Written>> results(changes.size(), Written{});
  const std::string& zone = changes.front().record.zone;
  std::string zone_id;
  auto listing = listZone(zone, zone_id);
  if (auto* e = errorIn(listing)) {
    std::fill(results.begin(), results.end(), Result<Written>(*e));
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, std::vector<HuaweiRecordset>>>(listing);

  struct Write {
    std::size_t index;
    HuaweiCloudLookup current;
  };
  std::vector<Write> writes;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const RecordRef& record = changes[i].record;
    if (record.zone != zone || !core::isWithinZone(record.name, zone)) {
      results[i] = error(ErrorKind::Permanent, record.name + " is not within zone " + zone);
      continue;
    }
    auto at = by_name.find(record.name);
    HuaweiCloudLookup found = huaweiLookupFrom(
        zone_id, at == by_name.end() ? std::vector<HuaweiRecordset>{} : at->second);
    Result<WriteNeed> need = compareBeforeWrite(found.served, changes[i]);
    if (auto* e = errorIn(need)) {
      results[i] = std::move(*e);
    } else if (std::get<WriteNeed>(need) == WriteNeed::Write) {
      writes.push_back({i, std::move(found)});
    }
  }
  writeOnLanes(lanes_, writes.size(), [&](net::HttpTransport* lane, std::size_t k) {
    const Write& w = writes[k];
    results[w.index] = writeOn(lane, changes[w.index], w.current);
  });
  return results;
}

Result<std::vector<HuaweiRecordset>> HuaweiCloudProvider::listTxt(const RecordRef& record,
                                                                  std::string& zone_id) {
  if (!core::isWithinZone(record.name, record.zone)) {
    return error(ErrorKind::Permanent, record.name + " is not within zone " + record.zone);
  }
  Result<std::string> id = zoneId(record.zone);
  if (auto* e = errorIn(id)) {
    return std::move(*e);
  }
  zone_id = std::get<std::string>(id);
  Result<std::vector<HuaweiRecordset>> listed = listRecordsets(
      zone_id, {{"name", record.name}, {"type", "TXT"}, {"search_mode", "equal"}}, record.name);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<HuaweiRecordset> txts;
  for (HuaweiRecordset& r : std::get<std::vector<HuaweiRecordset>>(listed)) {
    if (r.type == "TXT" && r.name == record.name) {
      txts.push_back(std::move(r));
    }
  }
  return txts;
}

std::optional<ProviderError> HuaweiCloudProvider::deleteRecordset(const std::string& zone_id,
                                                                  const std::string& id,
                                                                  const std::string& subject) {
  Reply reply = call("DELETE", huaweiRecordsetsPath(zone_id) + "/" + id, {}, nullptr, subject);
  // DNS.0004 "No record sets found." (404): gone already.
  if (reply.failure && reply.failure->kind != ErrorKind::NotFound) {
    return std::move(reply.failure);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> HuaweiCloudProvider::readTxt(const RecordRef& record) {
  std::string zone_id;
  Result<std::vector<HuaweiRecordset>> listed = listTxt(record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<std::string> values;
  for (const HuaweiRecordset& r : std::get<std::vector<HuaweiRecordset>>(listed)) {
    for (const std::string& text : r.records) {
      values.push_back(huaweiTxtText(text));
    }
  }
  return values;
}

Result<Written> HuaweiCloudProvider::writeTxt(const TxtWrite& write) {
  if (auto bad = txtValueError(write.value)) {
    return std::move(*bad);
  }
  std::string zone_id;
  Result<std::vector<HuaweiRecordset>> listed = listTxt(write.record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  const auto& sets = std::get<std::vector<HuaweiRecordset>>(listed);
  std::vector<ListedTxt> usable;
  for (const HuaweiRecordset& r : sets) {
    // A record set of several texts never holds exactly the value: longer than any value.
    usable.push_back({r.id,
                      r.records.size() == 1 ? huaweiTxtText(r.records.front())
                                            : std::string(kMaxTxtValue + 1, '\0'),
                      r.ttl});
  }
  TxtWritePlan plan = planTxtWrite(usable, write.value);
  const Json body = {{"name", write.record.name},
                     {"type", "TXT"},
                     {"ttl", write.ttl},
                     {"records", Json::array({huaweiTxtRecord(write.value)})}};
  Written written;
  std::optional<Reply> reply;
  const std::string path = huaweiRecordsetsPath(zone_id);
  if (plan.step == TxtWritePlan::Step::Update) {
    reply = call("PUT", path + "/" + usable[plan.index].id, {}, &body, write.record.name);
    if (reply->failure && reply->failure->kind == ErrorKind::NotFound) {
      reply = call("POST", path, {}, &body, write.record.name);  // deleted meanwhile
    }
  } else if (plan.step == TxtWritePlan::Step::Create) {
    reply = call("POST", path, {}, &body, write.record.name);
  }
  if (reply) {
    if (reply->failure) {
      return std::move(*reply->failure);
    }
    try {
      HuaweiRecordset accepted = parseHuaweiRecordset(reply->body);
      if (accepted.pending()) {
        written.propagating_change = zone_id + "/" + accepted.id;
      }
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent,
                   "TXT " + write.record.name + ": malformed reply (no record set id)");
    }
  }
  for (std::size_t k : plan.deletes) {
    if (auto e = deleteRecordset(zone_id, usable[k].id, write.record.name)) {
      return std::move(*e);
    }
  }
  return written;
}

Result<Written> HuaweiCloudProvider::deleteTxt(const RecordRef& record) {
  std::string zone_id;
  Result<std::vector<HuaweiRecordset>> listed = listTxt(record, zone_id);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  for (const HuaweiRecordset& r : std::get<std::vector<HuaweiRecordset>>(listed)) {
    if (auto e = deleteRecordset(zone_id, r.id, record.name)) {
      return std::move(*e);
    }
  }
  return Written{};
}

Result<std::vector<std::string>> HuaweiCloudProvider::nameServers(const std::string& zone) {
  Result<std::string> id = zoneId(zone);
  if (auto* e = errorIn(id)) {
    return std::move(*e);
  }
  const std::string path = "/v2/zones/" + std::get<std::string>(id) + "/nameservers";
  Reply reply = call("GET", path, {}, nullptr, zone);
  if (reply.failure) {
    return std::move(*reply.failure);
  }
  std::vector<std::string> servers;
  try {
    for (const std::string& server : huaweiNameServers(reply.body)) {
      servers.push_back(core::canonicalName(server));
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "GET " + path + " (" + zone + "): malformed nameservers");
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

Result<Propagation> HuaweiCloudProvider::pollChange(const std::string& change_id) {
  const std::size_t slash = change_id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= change_id.size() ||
      change_id.find('/', slash + 1) != std::string::npos) {
    return error(ErrorKind::Permanent, "change " + change_id + " is not <zone id>/<record set id>");
  }
  const std::string path =
      huaweiRecordsetsPath(change_id.substr(0, slash)) + "/" + change_id.substr(slash + 1);
  Reply reply = call("GET", path, {}, nullptr, "change " + change_id);
  if (reply.failure) {
    if (reply.failure->kind == ErrorKind::NotFound) {
      return Propagation::Applied;  // a deletion done, or the record set replaced since
    }
    return std::move(*reply.failure);
  }
  try {
    HuaweiRecordset r = parseHuaweiRecordset(reply.body);
    if (r.pending()) {
      return Propagation::Pending;
    }
    if (r.status == "ERROR") {
      return error(ErrorKind::Permanent, "GET " + path + ": the record set's status is ERROR");
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "GET " + path + ": malformed reply");
  }
  return Propagation::Applied;
}

}  // namespace planb::providers
