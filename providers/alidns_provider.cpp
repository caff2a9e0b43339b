#include "providers/alidns_provider.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/credential_file.hpp"
#include "net/server_text.hpp"
#include "providers/alidns_reply.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/parallel_lanes.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kVersion = "2015-01-09";
constexpr std::string_view kDuplicate = "DomainRecordDuplicate";
constexpr std::string_view kTtlRefused = "QuotaExceeded.TTL";

// The highest minimum TTL of any Alibaba Cloud DNS edition (free and personal:
// https://www.alibabacloud.com/help/doc-detail/29806.htm): a write refused as below the minimum
// goes through with it when the service says no more.
constexpr std::uint32_t kHighestEditionFloor = 600;

using AliRecord = AlidnsRecord;

std::vector<AliRecord> parseRecords(const Json& raw) {
  return parseAlidnsRecords(raw);
}

// What the records at `rr` make of the name: planb's CNAME, a Conflict, or Absent.
AlidnsLookup lookupFrom(const std::string& rr, const std::vector<AliRecord>& records) {
  AlidnsLookup found;
  found.rr = rr;
  const AliRecord* cname = nullptr;
  const AliRecord* other = nullptr;
  for (const AliRecord& r : records) {
    // DomainName pins how SubDomain is split, but a record for another label is never ours.
    if (core::asciiLower(r.rr) != rr) {
      continue;
    }
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
    found.served.target = core::canonicalName(cname->value);
    found.served.ttl = cname->ttl;
    found.record_id = cname->id;
    if (!cname->line.empty()) {
      found.line = cname->line;
    }
  }
  return found;
}

}  // namespace

std::string randomUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    throw std::runtime_error("RAND_bytes failed");  // only without an entropy source
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return text;
}

// A call that did not give a usable result: the error to report and Alibaba's Code, so callers
// can tell DomainRecordDuplicate from other refusals.
struct AlidnsProvider::RpcFailure {
  ProviderError error;
  std::string code;
  std::string message;  // the reply's Message, for QuotaExceeded.TTL's range
};

struct AlidnsProvider::RpcReply {
  std::optional<RpcFailure> failure;
  Json body;  // when it succeeded
};

AlidnsProvider::AlidnsProvider(const AlidnsConfig& config,
                               std::shared_ptr<net::HttpTransport> transport,
                               std::shared_ptr<const core::Clock> clock, NonceGenerator nonce,
                               AlidnsOptions options)
    : name_(config.name),
      endpoint_(config.endpoint.value_or(std::string(kDefaultEndpoint))),
      credentials_(std::make_unique<AlidnsCredentials>(config.settings.access_key_id_file,
                                                       config.settings.access_key_secret_file,
                                                       config.settings.security_token_file)),
      clock_(std::move(clock)),
      nonce_(std::move(nonce)),
      options_(std::move(options)) {
  if (!options_.ceiling) {
    // One ceiling for the main transport and every batch lane.
    options_.ceiling = systemCeiling(kAlidnsCeiling, net::HttpOptions{}.total_timeout);
  }
  transport_ = behindCeiling(std::move(transport), options_.ceiling, kAlidnsCeiling);
  if (!transport_ || !clock_ || !nonce_) {
    throw std::invalid_argument("alidns provider \"" + name_ +
                                "\" needs an HTTP transport, a clock and a nonce generator");
  }
  lanes_.push_back(transport_);
  for (auto& extra : options_.batch_transports) {
    if (extra) {
      lanes_.push_back(behindCeiling(extra, options_.ceiling, kAlidnsCeiling));
    }
  }
  options_.domain_page_size = std::clamp(options_.domain_page_size, 1, 500);
  // RPC calls go to the root path; the signature covers "/" whatever the endpoint.
  if (endpoint_.empty() || endpoint_.back() != '/') {
    endpoint_ += '/';
  }
  options_.page_size = std::clamp(options_.page_size, 1, 100);
  options_.max_pages = std::max(1, options_.max_pages);
}

std::string AlidnsProvider::scrub(std::string text, const AlidnsKeys& keys) {
  // Belt and braces: a reply quoting our own credentials loses them here.
  const net::Secret none;
  for (const net::Secret* secret : {&keys.access_key_id, &keys.access_key_secret,
                                    keys.security_token ? &*keys.security_token : &none}) {
    const std::string& value = secret->reveal();
    for (auto at = text.find(value); !value.empty() && at != std::string::npos;
         at = text.find(value, at)) {
      text.replace(at, value.size(), "***");
    }
  }
  return text;
}

AlidnsProvider::RpcReply AlidnsProvider::call(const std::string& action, net::RpcParams params,
                                              const std::string& subject,
                                              net::HttpTransport* lane) {
  params["Action"] = action;
  params["Version"] = std::string(kVersion);
  params["Format"] = "JSON";
  std::string nonce;
  {
    std::lock_guard lock(nonce_mutex_);
    nonce = nonce_();
  }
  AlidnsKeys keys = credentials_->current();
  net::RpcParams signed_params = net::withV1CommonParams(
      std::move(params), keys.access_key_id.reveal(), clock_->wallNow(), std::move(nonce));
  if (keys.security_token) {
    // STS: SecurityToken is one more common parameter, signed like every other
    // (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
    signed_params["SecurityToken"] = keys.security_token->reveal();
  }
  net::HttpRequest request;
  request.method = "POST";  // a form body keeps the signature and the key id out of URLs
  request.url = endpoint_;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = net::alibabaSignedQuery("POST", signed_params, keys.access_key_secret.reveal());

  std::string what = action + " " + subject;
  Result<net::HttpResponse> sent = (lane != nullptr ? lane : transport_.get())->send(request);
  if (auto* failed = errorIn(sent)) {
    ProviderError e = error(failed->kind, what + ": " + failed->message);
    e.retry_after = failed->retry_after;  // the ceiling's wait, when it held the request back
    return RpcReply{RpcFailure{std::move(e), {}, {}}, {}};
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  std::string status = "HTTP " + std::to_string(response.status);
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  bool ok = response.status >= 200 && response.status < 300;

  if (!body.is_object()) {
    ErrorKind kind = response.status >= 500   ? ErrorKind::Transient
                     : response.status == 429 ? ErrorKind::RateLimited
                                              : ErrorKind::Permanent;
    return RpcReply{
        RpcFailure{error(kind, what + ": " + status + ": the reply is not a JSON object"), {}, {}},
        {}};
  }
  auto code_field = body.find("Code");
  if (ok && code_field == body.end()) {
    return RpcReply{std::nullopt, std::move(body)};
  }
  std::string code = code_field != body.end() && code_field->is_string()
                         ? code_field->get<std::string>()
                         : std::string();
  std::string message =
      what + ": " + status + (code.empty() ? "" : " " + net::quoteServerText(code));
  std::string server_message;
  if (auto m = body.find("Message"); m != body.end() && m->is_string()) {
    server_message = m->get<std::string>();
  }
  ErrorKind kind = alidnsErrorKind(code, response.status);
  if (isAlidnsAuthCode(code)) {
    message += ": " + authAdvice(code);
  } else if (!server_message.empty()) {
    message += ": " + net::quoteServerText(server_message);
  }
  if (auto id = body.find("RequestId"); id != body.end() && id->is_string()) {
    message += " (RequestId " + net::quoteServerText(id->get<std::string>()) + ")";
  }
  return RpcReply{
      RpcFailure{error(kind, scrub(message, keys)), code, scrub(std::move(server_message), keys)},
      {}};
}

Result<std::string> AlidnsProvider::rrOf(const RecordRef& record) const {
  if (record.name == record.zone) {
    return std::string("@");
  }
  if (core::isWithinZone(record.name, record.zone)) {
    return record.name.substr(0, record.name.size() - record.zone.size() - 1);
  }
  return error(ErrorKind::Permanent, record.name + " is not within zone " + record.zone);
}

Result<Json> AlidnsProvider::describeAll(const std::string& action, const net::RpcParams& params,
                                         const std::string& subject, int page_size) {
  Json all = Json::array();
  std::size_t total = 0;
  std::size_t seen = 0;
  for (int page = 1;; ++page) {
    if (page > options_.max_pages) {
      return error(ErrorKind::Permanent, action + " " + subject + ": more than " +
                                             std::to_string(options_.max_pages) + " pages");
    }
    net::RpcParams paged = params;
    paged["PageNumber"] = std::to_string(page);
    paged["PageSize"] = std::to_string(page_size);
    RpcReply reply = call(action, std::move(paged), subject);
    if (reply.failure) {
      return std::move(reply.failure->error);
    }
    std::size_t on_page = 0;
    try {
      total = reply.body.at("TotalCount").get<std::size_t>();
      for (Json& r : reply.body.at("DomainRecords").at("Record")) {
        all.push_back(std::move(r));
        ++on_page;
      }
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent, action + " " + subject + ": malformed reply");
    }
    seen += on_page;
    // Counting what arrived, not PageNumber * PageSize: a server may serve smaller pages.
    if (on_page == 0 || seen >= total) {
      return all;
    }
  }
}

Result<AlidnsLookup> AlidnsProvider::lookup(const RecordRef& record) {
  Result<std::string> rr = rrOf(record);
  if (auto* e = errorIn(rr)) {
    return std::move(*e);
  }
  Result<Json> raw =
      describeAll("DescribeSubDomainRecords",
                  {{"SubDomain", withoutDot(record.name)}, {"DomainName", withoutDot(record.zone)}},
                  record.name, options_.page_size);
  if (auto* e = errorIn(raw)) {
    return std::move(*e);
  }
  try {
    return lookupFrom(std::get<std::string>(rr), parseRecords(std::get<Json>(raw)));
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent,
                 "DescribeSubDomainRecords " + record.name + ": malformed reply");
  }
}

Result<std::map<std::string, Json>> AlidnsProvider::listDomain(const std::string& zone) {
  Result<Json> raw = describeAll("DescribeDomainRecords", {{"DomainName", withoutDot(zone)}}, zone,
                                 options_.domain_page_size);
  if (auto* e = errorIn(raw)) {
    return std::move(*e);
  }
  std::map<std::string, Json> by_rr;
  try {
    for (Json& r : std::get<Json>(raw)) {
      std::string rr = core::asciiLower(r.at("RR").get<std::string>());
      by_rr.try_emplace(rr, Json::array()).first->second.push_back(std::move(r));
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "DescribeDomainRecords " + zone + ": malformed reply");
  }
  return by_rr;
}

std::string AlidnsProvider::authAdvice(std::string_view code) const {
  const std::string& token_file = credentials_->securityTokenFile();
  if (code.substr(0, 20) == "InvalidSecurityToken" || code == "MissingSecurityToken") {
    if (token_file.empty()) {
      return "the AccessKey is a temporary (STS) one: set security_token_file to the file its "
             "SecurityToken is written to";
    }
    return "the STS SecurityToken was refused (expired or not of this AccessKey): check "
           "security_token_file " +
           token_file + " and that whatever renews it still runs";
  }
  if (code.substr(0, 18) == "InvalidAccessKeyId") {
    return "the AccessKeyId is unknown or disabled: check access_key_id_file " +
           credentials_->keyIdFile();
  }
  if (code == "SignatureDoesNotMatch") {
    return "the signature does not match: check that access_key_secret_file " +
           credentials_->keySecretFile() + " holds the secret of the key in access_key_id_file " +
           credentials_->keyIdFile();
  }
  if (code.substr(0, 16) == "InvalidTimeStamp") {
    return "the request's time was refused: check this host's clock";
  }
  return "the key may not do this: check the RAM policy of the key in access_key_id_file " +
         credentials_->keyIdFile();
}

std::optional<std::uint32_t> AlidnsProvider::describeMinTtl(const std::string& zone,
                                                            net::HttpTransport* lane) {
  RpcReply reply =
      call("DescribeDomainInfo",
           {{"DomainName", withoutDot(zone)}, {"NeedDetailAttributes", "true"}}, zone, lane);
  if (reply.failure) {
    return std::nullopt;  // unknown (a RAM policy without DescribeDomainInfo): never a stop
  }
  return alidnsMinTtl(reply.body);
}

std::uint32_t AlidnsProvider::minTtl(const std::string& zone, net::HttpTransport* lane) {
  {
    std::lock_guard lock(floors_mutex_);
    if (auto known = floors_.find(zone); known != floors_.end()) {
      return known->second.value_or(0);
    }
  }
  // Two lanes may both ask the first time; the answers agree.
  std::optional<std::uint32_t> learned = describeMinTtl(zone, lane);
  std::lock_guard lock(floors_mutex_);
  floors_[zone] = learned;
  return learned.value_or(0);
}

std::uint32_t AlidnsProvider::relearnMinTtl(const std::string& zone, net::HttpTransport* lane,
                                            std::uint32_t refused_ttl, const std::string& message) {
  std::optional<std::uint32_t> learned = describeMinTtl(zone, lane);
  if (!learned || *learned <= refused_ttl) {
    learned = alidnsTtlFloorIn(message);
  }
  if (!learned || *learned <= refused_ttl) {
    learned = std::max(refused_ttl, kHighestEditionFloor);
  }
  std::lock_guard lock(floors_mutex_);
  floors_[zone] = learned;
  return *learned;
}

Result<Unit> AlidnsProvider::write(const ReplaceRequest& request, const AlidnsLookup& current) {
  Result<Written> done = writeOn(nullptr, request, current);
  if (auto* e = errorIn(done)) {
    return std::move(*e);
  }
  return Unit{};
}

AlidnsProvider::RpcReply AlidnsProvider::send(net::HttpTransport* lane,
                                              const ReplaceRequest& request,
                                              const AlidnsLookup& current, std::uint32_t ttl) {
  net::RpcParams params{{"RR", current.rr},
                        {"Type", "CNAME"},
                        {"Value", withoutDot(request.new_target)},
                        {"TTL", std::to_string(ttl)}};
  std::string action;
  if (current.served.kind == ServedRecord::Kind::Cname) {
    action = "UpdateDomainRecord";
    params["RecordId"] = *current.record_id;
    // An omitted Line is "default" (UpdateDomainRecord's reference): the record keeps its own.
    params["Line"] = current.line;
  } else {
    action = "AddDomainRecord";
    params["DomainName"] = withoutDot(request.record.zone);
  }
  return call(action, std::move(params), request.record.name, lane);
}

Result<Written> AlidnsProvider::writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                                        const AlidnsLookup& current) {
  const ServedRecord& served = current.served;
  const std::string& zone = request.record.zone;
  std::uint32_t ttl = std::max(request.ttl, minTtl(zone, lane));
  auto written = [&request](std::uint32_t sent) {
    Written w;
    w.raised_ttl = sent > request.ttl ? sent : 0;
    return w;
  };
  if (served.kind == ServedRecord::Kind::Cname && served.target == request.new_target &&
      served.ttl == ttl) {
    return written(ttl);  // already there, with the zone's minimum
  }
  RpcReply reply = send(lane, request, current, ttl);
  if (reply.failure && reply.failure->code == kTtlRefused) {
    // The minimum was not known yet, or it rose (another edition): once more, at once, with it.
    std::uint32_t floor = relearnMinTtl(zone, lane, ttl, reply.failure->message);
    if (floor > ttl) {
      ttl = floor;
      reply = send(lane, request, current, ttl);
    }
  }
  if (reply.failure) {
    if (reply.failure->code == kDuplicate) {
      return confirmDuplicate(
          request, ttl,
          (served.kind == ServedRecord::Kind::Cname ? "UpdateDomainRecord " : "AddDomainRecord ") +
              request.record.name + ": DomainRecordDuplicate");
    }
    return std::move(reply.failure->error);
  }
  return written(ttl);
}

std::vector<Result<ServedRecord>> AlidnsProvider::readBatch(const std::string& zone,
                                                            const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  Result<std::map<std::string, Json>> listing = listDomain(zone);
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const auto& by_rr = std::get<std::map<std::string, Json>>(listing);
  for (const std::string& name : names) {
    Result<std::string> rr = rrOf({zone, name});
    if (auto* e = errorIn(rr)) {
      results.emplace_back(std::move(*e));
      continue;
    }
    auto at = by_rr.find(std::get<std::string>(rr));
    try {
      results.emplace_back(lookupFrom(std::get<std::string>(rr), at == by_rr.end()
                                                                     ? std::vector<AliRecord>{}
                                                                     : parseRecords(at->second))
                               .served);
    } catch (const Json::exception&) {
      results.emplace_back(error(
          ErrorKind::Permanent, "DescribeDomainRecords " + zone + ": malformed record at " + name));
    }
  }
  return results;
}

std::vector<Result<Written>> AlidnsProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.empty()) {
    return {};
  }
  if (changes.size() == 1) {
    return replaceOnly(changes.front(), [&](const AlidnsLookup& current) {
      return writeOn(nullptr, changes.front(), current);
    });
  }
  std::vector<Result<Written>> results(changes.size(), Written{});
  const std::string& zone = changes.front().record.zone;
  Result<std::map<std::string, Json>> listing = listDomain(zone);
  if (auto* e = errorIn(listing)) {
    std::fill(results.begin(), results.end(), Result<Written>(*e));
    return results;
  }
  const auto& by_rr = std::get<std::map<std::string, Json>>(listing);

  struct Write {
    std::size_t index;
    AlidnsLookup current;
  };
  std::vector<Write> writes;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    Result<std::string> rr = rrOf(changes[i].record);
    if (auto* e = errorIn(rr)) {
      results[i] = std::move(*e);
      continue;
    }
    auto at = by_rr.find(std::get<std::string>(rr));
    AlidnsLookup found;
    try {
      found = lookupFrom(std::get<std::string>(rr),
                         at == by_rr.end() ? std::vector<AliRecord>{} : parseRecords(at->second));
    } catch (const Json::exception&) {
      results[i] =
          error(ErrorKind::Permanent, "DescribeDomainRecords " + zone + ": malformed record at " +
                                          changes[i].record.name);
      continue;
    }
    Result<WriteNeed> need = compareBeforeWrite(found.served, changes[i]);
    if (auto* e = errorIn(need)) {
      results[i] = std::move(*e);
    } else if (std::get<WriteNeed>(need) == WriteNeed::Write) {
      writes.push_back({i, std::move(found)});
    }
  }

  if (!writes.empty()) {
    minTtl(zone, nullptr);  // learned once here, not by every lane at once
  }
  writeOnLanes(lanes_, writes.size(), [&](net::HttpTransport* lane, std::size_t k) {
    const Write& w = writes[k];
    results[w.index] = writeOn(lane, changes[w.index], w.current);
  });
  return results;
}

Result<std::vector<AlidnsRecord>> AlidnsProvider::listTxt(const RecordRef& record,
                                                          std::string& rr) {
  Result<std::string> relative = rrOf(record);
  if (auto* e = errorIn(relative)) {
    return std::move(*e);
  }
  rr = std::get<std::string>(relative);
  Result<Json> raw = describeAll("DescribeSubDomainRecords",
                                 {{"SubDomain", withoutDot(record.name)},
                                  {"DomainName", withoutDot(record.zone)},
                                  {"Type", "TXT"}},
                                 record.name, options_.page_size);
  if (auto* e = errorIn(raw)) {
    return std::move(*e);
  }
  std::vector<AlidnsRecord> txts;
  try {
    for (AlidnsRecord& r : parseAlidnsRecords(std::get<Json>(raw))) {
      // The filters are the API's; only a TXT at this very label is the rehearsal's.
      if (r.type == "TXT" && core::asciiLower(r.rr) == rr) {
        txts.push_back(std::move(r));
      }
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent,
                 "DescribeSubDomainRecords " + record.name + ": malformed reply");
  }
  return txts;
}

std::optional<ProviderError> AlidnsProvider::deleteRecord(const std::string& id,
                                                          const std::string& subject) {
  RpcReply reply = call("DeleteDomainRecord", {{"RecordId", id}}, subject);
  // DomainRecordNotBelongToUser: no such record (any more) in this account.
  if (reply.failure && reply.failure->code != "DomainRecordNotBelongToUser") {
    return std::move(reply.failure->error);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> AlidnsProvider::readTxt(const RecordRef& record) {
  std::string rr;
  Result<std::vector<AlidnsRecord>> listed = listTxt(record, rr);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<std::string> values;
  for (const AlidnsRecord& r : std::get<std::vector<AlidnsRecord>>(listed)) {
    if (r.status != "DISABLE") {
      values.push_back(r.value);
    }
  }
  return values;
}

Result<Written> AlidnsProvider::writeTxt(const TxtWrite& write) {
  if (auto bad = txtValueError(write.value)) {
    return std::move(*bad);
  }
  std::string rr;
  Result<std::vector<AlidnsRecord>> listed = listTxt(write.record, rr);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  const std::vector<AlidnsRecord>& records = std::get<std::vector<AlidnsRecord>>(listed);
  // Only an enabled TXT on the default line may be kept or rewritten (an update leaves Status as
  // it is). Any other goes first: one holding the value would make the write a duplicate.
  std::vector<ListedTxt> usable;
  for (const AlidnsRecord& r : records) {
    if (r.status != "DISABLE" && (r.line.empty() || r.line == "default")) {
      usable.push_back({r.id, r.value, r.ttl});
    } else if (auto e = deleteRecord(r.id, write.record.name)) {
      return std::move(*e);
    }
  }
  TxtWritePlan plan = planTxtWrite(usable, write.value);

  const std::string& zone = write.record.zone;
  // The minimum is asked for only when something is written.
  std::uint32_t ttl = plan.step == TxtWritePlan::Step::Keep
                          ? write.ttl
                          : std::max(write.ttl, minTtl(zone, nullptr));
  auto send = [&](bool update) {
    net::RpcParams params{
        {"RR", rr}, {"Type", "TXT"}, {"Value", write.value}, {"TTL", std::to_string(ttl)}};
    if (update) {
      params["RecordId"] = usable[plan.index].id;
      params["Line"] = "default";
      return call("UpdateDomainRecord", std::move(params), write.record.name);
    }
    params["DomainName"] = withoutDot(zone);
    return call("AddDomainRecord", std::move(params), write.record.name);
  };
  auto sendAtFloor = [&](bool update) {
    RpcReply reply = send(update);
    if (reply.failure && reply.failure->code == kTtlRefused) {
      std::uint32_t floor = relearnMinTtl(zone, nullptr, ttl, reply.failure->message);
      if (floor > ttl) {
        ttl = floor;
        reply = send(update);
      }
    }
    return reply;
  };

  std::optional<RpcReply> reply;
  if (plan.step == TxtWritePlan::Step::Update) {
    reply = sendAtFloor(true);
    if (reply->failure && reply->failure->code == "DomainRecordNotBelongToUser") {
      reply = sendAtFloor(false);  // deleted between the read and the update
    }
  } else if (plan.step == TxtWritePlan::Step::Create) {
    reply = sendAtFloor(false);
  }
  if (reply && reply->failure) {
    if (reply->failure->code != kDuplicate) {
      return std::move(reply->failure->error);
    }
    // A resent write that had got through: the value is there if a new read shows it.
    std::string again_rr;
    Result<std::vector<AlidnsRecord>> again = listTxt(write.record, again_rr);
    if (auto* e = errorIn(again)) {
      return std::move(*e);
    }
    const auto& now = std::get<std::vector<AlidnsRecord>>(again);
    if (std::none_of(now.begin(), now.end(), [&](const AlidnsRecord& r) {
          return r.value == write.value && r.status != "DISABLE";
        })) {
      return error(ErrorKind::Conflict, "TXT " + write.record.name +
                                            ": DomainRecordDuplicate, yet the name does not "
                                            "hold the value");
    }
  }
  for (std::size_t k : plan.deletes) {
    if (auto e = deleteRecord(usable[k].id, write.record.name)) {
      return std::move(*e);
    }
  }
  Written written;
  if (plan.step != TxtWritePlan::Step::Keep && ttl > write.ttl) {
    written.raised_ttl = ttl;
  }
  return written;
}

Result<Written> AlidnsProvider::deleteTxt(const RecordRef& record) {
  std::string rr;
  Result<std::vector<AlidnsRecord>> listed = listTxt(record, rr);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  for (const AlidnsRecord& r : std::get<std::vector<AlidnsRecord>>(listed)) {
    if (auto e = deleteRecord(r.id, record.name)) {
      return std::move(*e);
    }
  }
  return Written{};
}

Result<std::vector<std::string>> AlidnsProvider::nameServers(const std::string& zone) {
  RpcReply reply = call("DescribeDomainInfo",
                        {{"DomainName", withoutDot(zone)}, {"NeedDetailAttributes", "true"}}, zone);
  if (reply.failure) {
    return std::move(reply.failure->error);
  }
  std::vector<std::string> servers;
  try {
    for (const std::string& server : alidnsDnsServers(reply.body)) {
      servers.push_back(core::canonicalName(server));
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent, "DescribeDomainInfo " + zone + ": malformed DnsServers");
  }
  if (std::optional<std::uint32_t> floor = alidnsMinTtl(reply.body)) {
    std::lock_guard lock(floors_mutex_);
    floors_[zone] = floor;
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

}  // namespace planb::providers
