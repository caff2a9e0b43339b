#include "providers/dnspod_provider.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <stdexcept>
#include <thread>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/server_text.hpp"
#include "net/tc3_signer.hpp"
#include "net/url.hpp"
#include "providers/ceiling_transport.hpp"
#include "providers/parallel_lanes.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

// The highest minimum TTL of any DNSPod plan (the free plan's 600: DNSPod's plan comparison,
// https://docs.dnspod.cn/dns/dns-purchase-guide/ "TTL 最低"): a write refused as below the
// minimum goes through with it when the service says no more.
constexpr std::uint32_t kDnspodHighestPlanFloor = 600;

// RecordId is an Integer in requests.
Json dnspodRecordId(const std::string& id) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), number);
  if (ec == std::errc() && end == id.data() + id.size() && !id.empty()) {
    return number;
  }
  return id;
}

// What the records at `sub_domain` make of the name: planb's CNAME, a Conflict, or Absent.
DnspodLookup dnspodLookupFrom(const std::string& sub_domain,
                              const std::vector<DnspodRecord>& records) {
  DnspodLookup found;
  found.sub_domain = sub_domain;
  const DnspodRecord* cname = nullptr;
  const DnspodRecord* other = nullptr;
  for (const DnspodRecord& r : records) {
    // The Subdomain filter is the API's; a record of another label is never ours.
    if (core::asciiLower(r.name) != sub_domain) {
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
    found.cname = *cname;
  }
  return found;
}

}  // namespace

DnspodProvider::DnspodProvider(const DnspodConfig& config,
                               std::shared_ptr<net::HttpTransport> transport,
                               std::shared_ptr<const core::Clock> clock, DnspodOptions options)
    : name_(config.name),
      endpoint_(config.endpoint.value_or(std::string(kDefaultEndpoint))),
      credentials_(std::make_unique<DnspodCredentials>(config.settings.secret_id_file,
                                                       config.settings.secret_key_file,
                                                       config.settings.token_file)),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (!options_.ceiling) {
    options_.ceiling = systemCeiling(kDnspodCeiling, net::HttpOptions{}.total_timeout);
  }
  transport_ = behindCeiling(std::move(transport), options_.ceiling, kDnspodCeiling);
  if (!transport_ || !clock_) {
    throw std::invalid_argument("dnspod provider \"" + name_ +
                                "\" needs an HTTP transport and a clock");
  }
  lanes_.push_back(transport_);
  for (auto& extra : options_.batch_transports) {
    if (extra) {
      lanes_.push_back(behindCeiling(extra, options_.ceiling, kDnspodCeiling));
    }
  }
  // Every call goes to "/", and the signature covers "/" and the Host header.
  net::HttpUrl url = net::parseHttpUrl(endpoint_);
  host_ = url.authority();
  endpoint_ = url.scheme + "://" + host_ + "/";
  options_.page_size = std::clamp(options_.page_size, 1, 3000);
  options_.max_pages = std::max(1, options_.max_pages);
}

std::string DnspodProvider::scrub(std::string text, const DnspodKeys& keys) {
  // Belt and braces: a reply quoting our own credentials loses them here.
  const net::Secret none;
  for (const net::Secret* secret :
       {&keys.secret_id, &keys.secret_key, keys.token ? &*keys.token : &none}) {
    const std::string& value = secret->reveal();
    for (auto at = text.find(value); !value.empty() && at != std::string::npos;
         at = text.find(value, at)) {
      text.replace(at, value.size(), "***");
    }
  }
  return text;
}

DnspodProvider::CallReply DnspodProvider::call(const std::string& action, const Json& params,
                                               const std::string& subject,
                                               net::HttpTransport* lane) {
  DnspodKeys keys = credentials_->current();
  std::string body = params.dump();
  std::int64_t timestamp = net::tc3Timestamp(clock_->wallNow());
  net::Tc3Signature signature =
      net::signTc3(keys.secret_id.reveal(), keys.secret_key.reveal(), kService, host_,
                   net::kTc3ContentType, body, timestamp);
  net::HttpRequest request;
  request.method = "POST";
  request.url = endpoint_;
  request.headers.emplace_back("Host", host_);
  request.headers.emplace_back("Content-Type", std::string(net::kTc3ContentType));
  request.headers.emplace_back("X-TC-Action", action);
  request.headers.emplace_back("X-TC-Version", std::string(kVersion));
  request.headers.emplace_back("X-TC-Timestamp", std::to_string(timestamp));
  request.headers.emplace_back("Authorization", std::move(signature.authorization));
  if (keys.token) {
    // Temporary credentials: the token rides along, unsigned (Signature v3's common headers).
    request.headers.emplace_back("X-TC-Token", keys.token->reveal());
  }
  request.body = std::move(body);

  std::string what = action + " " + subject;
  Result<net::HttpResponse> sent = (lane != nullptr ? lane : transport_.get())->send(request);
  if (auto* failed = errorIn(sent)) {
    ProviderError e = error(failed->kind, what + ": " + failed->message);
    e.retry_after = failed->retry_after;  // the ceiling's wait, when it held the request back
    return CallReply{CallFailure{std::move(e), {}}, {}};
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  std::string status = "HTTP " + std::to_string(response.status);
  Json reply = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const Json* inner = nullptr;
  if (reply.is_object()) {
    if (auto r = reply.find("Response"); r != reply.end() && r->is_object()) {
      inner = &*r;
    }
  }
  if (inner == nullptr) {
    ErrorKind kind = response.status >= 500   ? ErrorKind::Transient
                     : response.status == 429 ? ErrorKind::RateLimited
                                              : ErrorKind::Permanent;
    return CallReply{
        CallFailure{error(kind, what + ": " + status + ": the reply has no Response object"), {}},
        {}};
  }
  std::optional<DnspodError> refused = dnspodErrorIn(*inner);
  bool ok = response.status >= 200 && response.status < 300;
  if (ok && !refused) {
    return CallReply{std::nullopt, *inner};
  }
  std::string code = refused ? refused->code : std::string();
  std::string message =
      what + ": " + status + (code.empty() ? "" : " " + net::quoteServerText(code));
  ErrorKind kind = code.empty() ? (response.status >= 500   ? ErrorKind::Transient
                                   : response.status == 429 ? ErrorKind::RateLimited
                                                            : ErrorKind::Permanent)
                                : dnspodErrorKind(code);
  if (isDnspodAuthCode(code)) {
    message += ": " + authAdvice(code);
  } else if (refused && !refused->message.empty()) {
    message += ": " + net::quoteServerText(refused->message);
  }
  if (auto id = inner->find("RequestId"); id != inner->end() && id->is_string()) {
    message += " (RequestId " + net::quoteServerText(id->get<std::string>()) + ")";
  }
  return CallReply{CallFailure{error(kind, scrub(message, keys)), code}, {}};
}

Result<std::string> DnspodProvider::subDomainOf(const RecordRef& record) const {
  if (record.name == record.zone) {
    return std::string("@");
  }
  if (core::isWithinZone(record.name, record.zone)) {
    return record.name.substr(0, record.name.size() - record.zone.size() - 1);
  }
  return error(ErrorKind::Permanent, record.name + " is not within zone " + record.zone);
}

Result<std::vector<DnspodRecord>> DnspodProvider::listRecords(const Json& params,
                                                              const std::string& subject) {
  std::vector<DnspodRecord> all;
  for (int page = 0;; ++page) {
    if (page >= options_.max_pages) {
      return error(ErrorKind::Permanent, "DescribeRecordList " + subject + ": more than " +
                                             std::to_string(options_.max_pages) + " pages");
    }
    Json paged = params;
    paged["Offset"] = all.size();
    paged["Limit"] = options_.page_size;
    CallReply reply = call("DescribeRecordList", paged, subject);
    if (reply.failure) {
      if (reply.failure->code == kDnspodNoRecords) {
        return all;  // "empty record list": nothing (more) matches
      }
      return std::move(reply.failure->error);
    }
    DnspodPage got;
    try {
      got = parseDnspodPage(reply.response);
    } catch (const Json::exception&) {
      return error(ErrorKind::Permanent, "DescribeRecordList " + subject +
                                             ": malformed reply (RecordCountInfo, RecordList)");
    }
    bool empty = got.records.empty();
    for (DnspodRecord& r : got.records) {
      all.push_back(std::move(r));
    }
    // Counting what arrived, not Offset + Limit: a server may serve smaller pages.
    if (empty || all.size() >= got.total) {
      return all;
    }
  }
}

Result<DnspodLookup> DnspodProvider::lookup(const RecordRef& record) {
  Result<std::string> sub = subDomainOf(record);
  if (auto* e = errorIn(sub)) {
    return std::move(*e);
  }
  const std::string& sub_domain = std::get<std::string>(sub);
  Result<std::vector<DnspodRecord>> listed =
      listRecords({{"Domain", withoutDot(record.zone)}, {"Subdomain", sub_domain}}, record.name);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  return dnspodLookupFrom(sub_domain, std::get<std::vector<DnspodRecord>>(listed));
}

Result<std::map<std::string, std::vector<DnspodRecord>>> DnspodProvider::listDomain(
    const std::string& zone) {
  Result<std::vector<DnspodRecord>> listed = listRecords({{"Domain", withoutDot(zone)}}, zone);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::map<std::string, std::vector<DnspodRecord>> by_name;
  for (DnspodRecord& r : std::get<std::vector<DnspodRecord>>(listed)) {
    by_name[core::asciiLower(r.name)].push_back(std::move(r));
  }
  return by_name;
}

std::string DnspodProvider::authAdvice(std::string_view code) const {
  const std::string& token_file = credentials_->tokenFile();
  if (code == "AuthFailure.TokenFailure") {
    if (token_file.empty()) {
      return "the key is a temporary one: set token_file to the file its token is written to";
    }
    return "the token was refused (expired or not of this SecretId): check token_file " +
           token_file + " and that whatever renews it still runs";
  }
  if (code == "AuthFailure.SecretIdNotFound" || code == "AuthFailure.InvalidSecretId") {
    return "the SecretId is unknown, disabled or not an API key: check secret_id_file " +
           credentials_->secretIdFile();
  }
  if (code == "AuthFailure.SignatureFailure" || code == "AuthFailure.InvalidAuthorization") {
    return "the signature does not match: check that secret_key_file " +
           credentials_->secretKeyFile() + " holds the SecretKey of the SecretId in " +
           "secret_id_file " + credentials_->secretIdFile();
  }
  if (code == "AuthFailure.SignatureExpire") {
    return "the request's time was refused (more than 5 minutes off): check this host's clock";
  }
  return "the key may not do this: check the CAM policy of the SecretId in secret_id_file " +
         credentials_->secretIdFile();
}

std::optional<std::uint32_t> DnspodProvider::describeMinTtl(const std::string& zone,
                                                            net::HttpTransport* lane) {
  CallReply reply = call("DescribeDomainPurview", {{"Domain", withoutDot(zone)}}, zone, lane);
  if (reply.failure) {
    return std::nullopt;  // unknown (a CAM policy without it): never a stop
  }
  return dnspodMinTtl(reply.response);
}

std::uint32_t DnspodProvider::minTtl(const std::string& zone, net::HttpTransport* lane) {
  {
    std::lock_guard lock(floors_mutex_);
    if (auto known = floors_.find(zone); known != floors_.end()) {
      return known->second.value_or(0);
    }
  }
  std::optional<std::uint32_t> learned = describeMinTtl(zone, lane);
  std::lock_guard lock(floors_mutex_);
  floors_[zone] = learned;
  return learned.value_or(0);
}

std::uint32_t DnspodProvider::relearnMinTtl(const std::string& zone, net::HttpTransport* lane,
                                            std::uint32_t refused_ttl) {
  std::optional<std::uint32_t> learned = describeMinTtl(zone, lane);
  if (!learned || *learned <= refused_ttl) {
    learned = std::max(refused_ttl, kDnspodHighestPlanFloor);
  }
  std::lock_guard lock(floors_mutex_);
  floors_[zone] = learned;
  return *learned;
}

Result<Unit> DnspodProvider::write(const ReplaceRequest& request, const DnspodLookup& current) {
  Result<Written> done = writeOn(nullptr, request, current);
  if (auto* e = errorIn(done)) {
    return std::move(*e);
  }
  return Unit{};
}

DnspodProvider::CallReply DnspodProvider::send(net::HttpTransport* lane,
                                               const ReplaceRequest& request,
                                               const DnspodLookup& current, std::uint32_t ttl) {
  Json params{{"Domain", withoutDot(request.record.zone)},
              {"SubDomain", current.sub_domain},  // omitted, it would be "@"
              {"RecordType", "CNAME"},
              {"Value", request.new_target},
              {"TTL", ttl}};
  if (current.cname) {
    const DnspodRecord& r = *current.cname;
    params["RecordId"] = dnspodRecordId(r.id);
    // The record's own line, weight, status, remark and MX, as read: ModifyRecord sets what it
    // is given, and an omitted Weight is no weight.
    params["RecordLine"] = r.line.empty() ? std::string(kDnspodDefaultLine) : r.line;
    if (!r.line_id.empty()) {
      params["RecordLineId"] = r.line_id;
    }
    if (r.weight) {
      params["Weight"] = *r.weight;
    }
    if (!r.status.empty()) {
      params["Status"] = r.status;
    }
    if (!r.remark.empty()) {
      params["Remark"] = r.remark;
    }
    if (r.mx != 0) {
      params["MX"] = r.mx;
    }
    return call("ModifyRecord", params, request.record.name, lane);
  }
  // LineId "0" wins over the line's name, which differs between the China and international
  // sites.
  params["RecordLine"] = std::string(kDnspodDefaultLine);
  params["RecordLineId"] = std::string(kDnspodDefaultLineId);
  return call("CreateRecord", params, request.record.name, lane);
}

Result<Written> DnspodProvider::writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                                        const DnspodLookup& current) {
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
  CallReply reply = send(lane, request, current, ttl);
  if (reply.failure && reply.failure->code == kDnspodTtlRefused) {
    // The minimum was not known yet, or it rose (another plan): once more, at once, with it.
    std::uint32_t floor = relearnMinTtl(zone, lane, ttl);
    if (floor > ttl) {
      ttl = floor;
      reply = send(lane, request, current, ttl);
    }
  }
  if (reply.failure) {
    if (reply.failure->code == kDnspodRecordExists) {
      return confirmDuplicate(request, ttl,
                              (current.cname ? "ModifyRecord " : "CreateRecord ") +
                                  request.record.name + ": " + std::string(kDnspodRecordExists));
    }
    return std::move(reply.failure->error);
  }
  return written(ttl);
}

std::vector<Result<ServedRecord>> DnspodProvider::readBatch(const std::string& zone,
                                                            const std::vector<std::string>& names) {
  if (names.size() <= 1) {
    return DnsProvider::readBatch(zone, names);
  }
  std::vector<Result<ServedRecord>> results;
  results.reserve(names.size());
  auto listing = listDomain(zone);
  if (auto* e = errorIn(listing)) {
    results.assign(names.size(), *e);
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, std::vector<DnspodRecord>>>(listing);
  for (const std::string& name : names) {
    Result<std::string> sub = subDomainOf({zone, name});
    if (auto* e = errorIn(sub)) {
      results.emplace_back(std::move(*e));
      continue;
    }
    const std::string& sub_domain = std::get<std::string>(sub);
    auto at = by_name.find(sub_domain);
    results.emplace_back(
        dnspodLookupFrom(sub_domain, at == by_name.end() ? std::vector<DnspodRecord>{} : at->second)
            .served);
  }
  return results;
}

std::vector<Result<Written>> DnspodProvider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  if (changes.empty()) {
    return {};
  }
  if (changes.size() == 1) {
    return replaceOnly(changes.front(), [&](const DnspodLookup& current) {
      return writeOn(nullptr, changes.front(), current);
    });
  }
  std::vector<Result<Written>> results(changes.size(), Written{});
  const std::string& zone = changes.front().record.zone;
  auto listing = listDomain(zone);
  if (auto* e = errorIn(listing)) {
    std::fill(results.begin(), results.end(), Result<Written>(*e));
    return results;
  }
  const auto& by_name = std::get<std::map<std::string, std::vector<DnspodRecord>>>(listing);

  struct DnspodWrite {
    std::size_t index;
    DnspodLookup current;
  };
  std::vector<DnspodWrite> writes;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    Result<std::string> sub = subDomainOf(changes[i].record);
    if (auto* e = errorIn(sub)) {
      results[i] = std::move(*e);
      continue;
    }
    const std::string& sub_domain = std::get<std::string>(sub);
    auto at = by_name.find(sub_domain);
    DnspodLookup found = dnspodLookupFrom(
        sub_domain, at == by_name.end() ? std::vector<DnspodRecord>{} : at->second);
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
    const DnspodWrite& w = writes[k];
    results[w.index] = writeOn(lane, changes[w.index], w.current);
  });
  return results;
}

Result<std::vector<DnspodRecord>> DnspodProvider::listTxt(const RecordRef& record,
                                                          std::string& sub_domain) {
  Result<std::string> sub = subDomainOf(record);
  if (auto* e = errorIn(sub)) {
    return std::move(*e);
  }
  sub_domain = std::get<std::string>(sub);
  Result<std::vector<DnspodRecord>> listed = listRecords(
      {{"Domain", withoutDot(record.zone)}, {"Subdomain", sub_domain}, {"RecordType", "TXT"}},
      record.name);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<DnspodRecord> txts;
  for (DnspodRecord& r : std::get<std::vector<DnspodRecord>>(listed)) {
    // The filters are the API's; only a TXT at this very label is the rehearsal's.
    if (r.type == "TXT" && core::asciiLower(r.name) == sub_domain) {
      txts.push_back(std::move(r));
    }
  }
  return txts;
}

std::optional<ProviderError> DnspodProvider::deleteRecord(const std::string& zone,
                                                          const std::string& id,
                                                          const std::string& subject) {
  CallReply reply = call("DeleteRecord",
                         {{"Domain", withoutDot(zone)}, {"RecordId", dnspodRecordId(id)}}, subject);
  // RecordIdInvalid: no such record (any more) in this domain.
  if (reply.failure && reply.failure->code != kDnspodNoSuchRecord) {
    return std::move(reply.failure->error);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> DnspodProvider::readTxt(const RecordRef& record) {
  std::string sub_domain;
  Result<std::vector<DnspodRecord>> listed = listTxt(record, sub_domain);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  std::vector<std::string> values;
  for (const DnspodRecord& r : std::get<std::vector<DnspodRecord>>(listed)) {
    if (r.status != "DISABLE") {
      values.push_back(r.value);
    }
  }
  return values;
}

Result<Written> DnspodProvider::writeTxt(const TxtWrite& write) {
  if (auto bad = txtValueError(write.value)) {
    return std::move(*bad);
  }
  std::string sub_domain;
  Result<std::vector<DnspodRecord>> listed = listTxt(write.record, sub_domain);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  const std::vector<DnspodRecord>& records = std::get<std::vector<DnspodRecord>>(listed);
  const std::string& zone = write.record.zone;
  // Only an enabled TXT on the default line may be kept or rewritten. Any other goes first: one
  // holding the value would make the write a duplicate.
  std::vector<ListedTxt> usable;
  for (const DnspodRecord& r : records) {
    if (r.status != "DISABLE" && r.onDefaultLine()) {
      usable.push_back({r.id, r.value, r.ttl});
    } else if (auto e = deleteRecord(zone, r.id, write.record.name)) {
      return std::move(*e);
    }
  }
  TxtWritePlan plan = planTxtWrite(usable, write.value);

  std::uint32_t ttl = plan.step == TxtWritePlan::Step::Keep
                          ? write.ttl
                          : std::max(write.ttl, minTtl(zone, nullptr));
  auto send = [&](bool update) {
    Json params{{"Domain", withoutDot(zone)},
                {"SubDomain", sub_domain},
                {"RecordType", "TXT"},
                {"RecordLine", std::string(kDnspodDefaultLine)},
                {"RecordLineId", std::string(kDnspodDefaultLineId)},
                {"Value", write.value},
                {"TTL", ttl}};
    if (update) {
      params["RecordId"] = dnspodRecordId(usable[plan.index].id);
      return call("ModifyRecord", params, write.record.name);
    }
    return call("CreateRecord", params, write.record.name);
  };
  auto sendAtFloor = [&](bool update) {
    CallReply reply = send(update);
    if (reply.failure && reply.failure->code == kDnspodTtlRefused) {
      std::uint32_t floor = relearnMinTtl(zone, nullptr, ttl);
      if (floor > ttl) {
        ttl = floor;
        reply = send(update);
      }
    }
    return reply;
  };

  std::optional<CallReply> reply;
  if (plan.step == TxtWritePlan::Step::Update) {
    reply = sendAtFloor(true);
    if (reply->failure && reply->failure->code == kDnspodNoSuchRecord) {
      reply = sendAtFloor(false);  // deleted between the read and the update
    }
  } else if (plan.step == TxtWritePlan::Step::Create) {
    reply = sendAtFloor(false);
  }
  if (reply && reply->failure) {
    if (reply->failure->code != kDnspodRecordExists) {
      return std::move(reply->failure->error);
    }
    // A resent write that had got through: the value is there if a new read shows it.
    std::string again_sub;
    Result<std::vector<DnspodRecord>> again = listTxt(write.record, again_sub);
    if (auto* e = errorIn(again)) {
      return std::move(*e);
    }
    const auto& now = std::get<std::vector<DnspodRecord>>(again);
    if (std::none_of(now.begin(), now.end(), [&](const DnspodRecord& r) {
          return r.value == write.value && r.status != "DISABLE";
        })) {
      return error(ErrorKind::Conflict, "TXT " + write.record.name + ": " +
                                            std::string(kDnspodRecordExists) +
                                            ", yet the name does not hold the value");
    }
  }
  for (std::size_t k : plan.deletes) {
    if (auto e = deleteRecord(zone, usable[k].id, write.record.name)) {
      return std::move(*e);
    }
  }
  Written written;
  if (plan.step != TxtWritePlan::Step::Keep && ttl > write.ttl) {
    written.raised_ttl = ttl;
  }
  return written;
}

Result<Written> DnspodProvider::deleteTxt(const RecordRef& record) {
  std::string sub_domain;
  Result<std::vector<DnspodRecord>> listed = listTxt(record, sub_domain);
  if (auto* e = errorIn(listed)) {
    return std::move(*e);
  }
  for (const DnspodRecord& r : std::get<std::vector<DnspodRecord>>(listed)) {
    if (auto e = deleteRecord(record.zone, r.id, record.name)) {
      return std::move(*e);
    }
  }
  return Written{};
}

Result<std::vector<std::string>> DnspodProvider::nameServers(const std::string& zone) {
  CallReply reply = call("DescribeDomain", {{"Domain", withoutDot(zone)}}, zone);
  if (reply.failure) {
    return std::move(reply.failure->error);
  }
  std::vector<std::string> servers;
  try {
    for (const std::string& server : dnspodNameServers(reply.response)) {
      servers.push_back(core::canonicalName(server));
    }
  } catch (const Json::exception&) {
    return error(ErrorKind::Permanent,
                 "DescribeDomain " + zone + ": malformed DomainInfo.DnspodNsList");
  }
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  return servers;
}

}  // namespace planb::providers
