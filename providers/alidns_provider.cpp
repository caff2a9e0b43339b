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
#include "providers/ceiling_transport.hpp"
#include "providers/reply_text.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kVersion = "2015-01-09";
constexpr std::string_view kDefaultLine = "default";
constexpr std::string_view kDuplicate = "DomainRecordDuplicate";

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Auth errors say nothing more than their code: SignatureDoesNotMatch, for one, quotes the
// string to sign, which holds the AccessKeyId.
bool isAuthCode(std::string_view code) {
  return code == "SignatureDoesNotMatch" || startsWith(code, "InvalidAccessKeyId") ||
         code == "IncorrectDomainUser" || startsWith(code, "Forbidden") ||
         startsWith(code, "InvalidTimeStamp") || startsWith(code, "InvalidSecurityToken");
}

ErrorKind kindOf(std::string_view code, long status) {
  if (startsWith(code, "Throttling") || status == 429) {
    return ErrorKind::RateLimited;
  }
  if (isAuthCode(code)) {
    return ErrorKind::Auth;  // InvalidTimeStamp too: the signed request is refused (clock skew)
  }
  if (code == "InvalidDomainName.NoExist") {
    return ErrorKind::NotFound;
  }
  // DomainRecordConflict: another record at the name appeared; DomainRecordNotBelongToUser: the
  // RecordId just read is gone. Both ask for a new read and a new decision.
  if (code == "DomainRecordConflict" || code == "DomainRecordNotBelongToUser") {
    return ErrorKind::Conflict;
  }
  // A reused nonce cannot come from us twice; a new request gets a new one.
  if (code == "SignatureNonceUsed" || code == "ServiceUnavailable" || code == "InternalError" ||
      status >= 500) {
    return ErrorKind::Transient;
  }
  return ErrorKind::Permanent;
}

// RecordId is documented as a string; some replies carry a number.
std::string idOf(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::to_string(value.get<std::uint64_t>());
}

struct AliRecord {
  std::string id;
  std::string rr;
  std::string type;
  std::string value;
  std::uint32_t ttl = 0;
  std::string line;
  std::string status;
  bool isPlanbs() const {
    return type == "CNAME" && (line.empty() || line == kDefaultLine) && status != "DISABLE";
  }
  std::string describe() const {
    std::string out = type;
    if (!line.empty() && line != kDefaultLine) {
      out += " (line " + line + ")";
    }
    if (status == "DISABLE") {
      out += " (disabled)";
    }
    return out;
  }
};

// The records of a Describe* listing (raw JSON); throws Json::exception when malformed.
std::vector<AliRecord> parseRecords(const Json& raw) {
  std::vector<AliRecord> records;
  for (const Json& r : raw) {
    AliRecord a;
    a.id = idOf(r.at("RecordId"));
    a.rr = r.at("RR").get<std::string>();
    a.type = r.at("Type").get<std::string>();
    a.value = r.at("Value").get<std::string>();
    a.ttl = r.contains("TTL") ? r.at("TTL").get<std::uint32_t>() : 0;
    a.line = r.contains("Line") ? r.at("Line").get<std::string>() : std::string();
    a.status = r.contains("Status") ? r.at("Status").get<std::string>() : std::string();
    records.push_back(std::move(a));
  }
  return records;
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
      access_key_id_(
          net::readSecretFile(config.settings.access_key_id_file, "Alibaba AccessKeyId file")),
      access_key_secret_(net::readSecretFile(config.settings.access_key_secret_file,
                                             "Alibaba AccessKeySecret file")),
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

std::string AlidnsProvider::scrub(std::string text) const {
  // Belt and braces: a reply quoting our own credentials loses them here.
  for (const net::Secret* secret : {&access_key_id_, &access_key_secret_}) {
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
  net::RpcParams signed_params = net::withV1CommonParams(std::move(params), access_key_id_.reveal(),
                                                         clock_->wallNow(), std::move(nonce));
  net::HttpRequest request;
  request.method = "POST";  // a form body keeps the signature and the key id out of URLs
  request.url = endpoint_;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = net::alibabaSignedQuery("POST", signed_params, access_key_secret_.reveal());

  std::string what = action + " " + subject;
  Result<net::HttpResponse> sent = (lane != nullptr ? lane : transport_.get())->send(request);
  if (auto* failed = errorIn(sent)) {
    ProviderError e = error(failed->kind, what + ": " + failed->message);
    e.retry_after = failed->retry_after;  // the ceiling's wait, when it held the request back
    return RpcReply{RpcFailure{std::move(e), {}}, {}};
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
        RpcFailure{error(kind, what + ": " + status + ": the reply is not a JSON object"), {}}, {}};
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
  if (!isAuthCode(code)) {
    if (auto m = body.find("Message"); m != body.end() && m->is_string()) {
      message += ": " + net::quoteServerText(m->get<std::string>());
    }
  }
  if (auto id = body.find("RequestId"); id != body.end() && id->is_string()) {
    message += " (RequestId " + net::quoteServerText(id->get<std::string>()) + ")";
  }
  return RpcReply{RpcFailure{error(kindOf(code, response.status), scrub(message)), code}, {}};
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

Result<Unit> AlidnsProvider::write(const ReplaceRequest& request, const AlidnsLookup& current) {
  return writeOn(nullptr, request, current);
}

Result<Unit> AlidnsProvider::writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                                     const AlidnsLookup& current) {
  const ServedRecord& served = current.served;
  const std::string& name = request.record.name;

  net::RpcParams params{{"RR", current.rr},
                        {"Type", "CNAME"},
                        {"Value", withoutDot(request.new_target)},
                        {"TTL", std::to_string(request.ttl)}};
  std::string action;
  if (served.kind == ServedRecord::Kind::Cname) {
    action = "UpdateDomainRecord";
    params["RecordId"] = *current.record_id;
  } else {
    action = "AddDomainRecord";
    params["DomainName"] = withoutDot(request.record.zone);
  }
  RpcReply reply = call(action, std::move(params), name, lane);
  if (reply.failure) {
    if (reply.failure->code == kDuplicate) {
      return confirmWritten(request, action + " " + name + ": DomainRecordDuplicate");
    }
    return std::move(reply.failure->error);
  }
  return Unit{};
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
  if (changes.size() <= 1) {
    return DnsProvider::replaceBatch(changes);
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

  // Each lane takes the next write until none is left: at most one request in flight per lane.
  std::atomic<std::size_t> next{0};
  auto work = [&](net::HttpTransport* lane) {
    for (std::size_t k = next++; k < writes.size(); k = next++) {
      const Write& w = writes[k];
      Result<Unit> done = writeOn(lane, changes[w.index], w.current);
      if (auto* e = errorIn(done)) {
        results[w.index] = std::move(*e);
      }
    }
  };
  std::size_t extra = std::min(lanes_.size(), writes.size());
  std::vector<std::thread> threads;
  for (std::size_t l = 1; l < extra; ++l) {
    threads.emplace_back(work, lanes_[l].get());
  }
  work(lanes_.front().get());
  for (std::thread& t : threads) {
    t.join();
  }
  return results;
}

}  // namespace planb::providers
