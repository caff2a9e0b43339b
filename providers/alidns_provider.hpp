#pragma once
// Alibaba Cloud DNS, API 2015-01-09 (provider-apis.md §5): RPC calls POSTed as signed forms
// (signature V1, alibaba_signer.hpp) with Format=JSON. Records are addressed by host label (RR,
// "@" for the apex) within a domain. The API is last-writer-wins on a single record, so a write
// reads first and refuses (Conflict) when the served value is not the one the caller expects.
//
// Only one record shape is planb's: an enabled CNAME on the "default" line. Anything else at the
// name (another type, a CNAME for an ISP line, a disabled record) is reported as a Conflict,
// since planb must neither overwrite it nor pretend the name fails over while it is there.
// Every request carries a fresh SignatureNonce: Alibaba refuses a reused one.
//
// The zone's minimum TTL depends on its Alibaba Cloud DNS edition (free and personal 600,
// enterprise standard 60, enterprise ultimate 1:
// https://www.alibabacloud.com/help/doc-detail/29806.htm) and DescribeDomainInfo tells it (MinTtl,
// with NeedDetailAttributes=true:
// https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomaininfo). It is learned
// once per zone, before the zone's first write, and again after a QuotaExceeded.TTL refusal; a
// write below it goes out with the minimum instead (Written::raised_ttl says so), so a learned
// minimum never stops a failover.
//
// Attributes planb does not manage are left as they are: UpdateDomainRecord sends the record's own
// Line (an omitted Line is "default"), and takes no Weight, Status, Remark or Priority for a CNAME,
// so those stay.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/alibaba_signer.hpp"
#include "net/http_client.hpp"
#include "net/secret.hpp"
#include "providers/alidns_credentials.hpp"
#include "providers/alidns_reply.hpp"
#include "providers/dns_provider.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// A unique SignatureNonce per call.
using NonceGenerator = std::function<std::string()>;

// A random (version 4) UUID from OpenSSL's generator.
std::string randomUuid();

// Alibaba Cloud DNS limits each API per account and region: DescribeSubDomainRecords 300/s,
// AddDomainRecord and UpdateDomainRecord 60/s
// (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-quota). One bucket covers
// every call, so it takes the lowest of the calls planbd makes, 60 per second, less a margin: a
// bucket of rate r lets r + 1 go within one second, and parallel requests arrive with jitter, so
// at 60 a strict per-second count saw 61 (Throttling.User); 55 leaves room for both.
inline constexpr CeilingRate kAlidnsCeiling{55, 1};

// Requests replaceBatch keeps in flight (its transport and three more): the ceiling's rate is
// reached at up to 70 ms a request, and the ceiling holds them to it whatever the latency.
inline constexpr std::size_t kAlidnsBatchLanes = 4;

struct AlidnsOptions {
  // Every request draws from it; kAlidnsCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  int page_size = 100;  // the API's maximum for DescribeSubDomainRecords
  int max_pages = 100;  // a longer listing is refused as malformed, never looped on
  // DescribeDomainRecords' page, for the one listing of a batch: at most 500
  // (https://help.aliyun.com/zh/dns/api-alidns-2015-01-09-describedomainrecords, PageSize).
  int domain_page_size = 500;
  // More transports for replaceBatch's parallel writes, each behind the same ceiling: a request
  // goes out on each of them and on the main one at once. Empty: one request at a time.
  std::vector<std::shared_ptr<net::HttpTransport>> batch_transports;
};

using AlidnsConfig = ApiProviderConfig<AlidnsSettings>;

// What one look-up of a name found.
struct AlidnsLookup {
  ServedRecord served;
  std::optional<std::string> record_id;  // of the CNAME, when served
  std::string rr;                        // the name relative to the zone
  std::string line = "default";          // the CNAME's line, sent back with an update
};

class AlidnsProvider final : public LookupThenWrite<AlidnsLookup> {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://alidns.aliyuncs.com/";

  // Reads the credential files now (readSecretFile), so a missing or unsafe one stops planbd
  // at start; each is read again when it changes (AlidnsCredentials). Uses config.name,
  // config.settings and config.endpoint (default kDefaultEndpoint). The clock gives the Timestamp
  // parameter. Throws CredentialError, or std::invalid_argument without a transport, clock or nonce
  // generator.
  AlidnsProvider(const AlidnsConfig& config, std::shared_ptr<net::HttpTransport> transport,
                 std::shared_ptr<const core::Clock> clock, NonceGenerator nonce = randomUuid,
                 AlidnsOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "alidns"; }
  Capabilities capabilities() const noexcept override { return {1, false}; }

  // DescribeSubDomainRecords (every page): the CNAME, a Conflict (see above), or Absent.
  // (read() is LookupThenWrite's: this lookup.)

  // Reads, then UpdateDomainRecord on the CNAME's RecordId, or AddDomainRecord when the name
  // holds nothing. Conflict when the name holds something else or serves another value than
  // `expected_target` (nullopt: any CNAME). Nothing is sent when the wanted CNAME and TTL are
  // already served. DomainRecordDuplicate is a success only once a re-read shows the wanted
  // target with the TTL written; the same target with another TTL is a Conflict.
  // (replace() is LookupThenWrite's: lookup, compare, then this write.)

  // More than one name: one listing of the domain (DescribeDomainRecords, every page) answers
  // them all.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One change: a look-up of its name, then the write. More than one: one listing of the domain
  // for every compare (compareBeforeWrite, per record), then the writes as parallel requests, one
  // per transport (options.batch_transports and the main one), every one drawing from the ceiling.
  // Each write stands alone: one that fails fails only its own change. A change written with the
  // zone's minimum TTL instead of its own reports it in raised_ttl.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record (product.md §11), through the same keys and ceiling as a
  // failover. readTxt: DescribeSubDomainRecords with Type=TXT (every page), the enabled ones'
  // values. writeTxt: the enabled default-line TXT already holding the value is kept, else the
  // first is rewritten by UpdateDomainRecord, else one is added by AddDomainRecord; every other
  // TXT at the name (disabled, on another line, another value) is then deleted by
  // DeleteDomainRecord. The TTL is raised to the zone's minimum as a failover's is (raised_ttl),
  // and DomainRecordDuplicate is a success once a new read shows the value. deleteTxt:
  // DeleteDomainRecord of every TXT at the name; one gone meanwhile
  // (DomainRecordNotBelongToUser) counts as deleted. Other types are never touched.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // DescribeDomainInfo's DnsServers.DnsServer, the name servers Alibaba assigned the domain
  // (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomaininfo). Asked
  // with NeedDetailAttributes=true, so the zone's MinTtl is learned by the same call.
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

 private:
  struct RpcFailure;
  struct RpcReply;

  // `lane`: the transport to send on; the main one when null.
  RpcReply call(const std::string& action, net::RpcParams params, const std::string& subject,
                net::HttpTransport* lane = nullptr);
  // Every record (raw, a JSON array) of a paged Describe* listing.
  Result<nlohmann::json> describeAll(const std::string& action, const net::RpcParams& params,
                                     const std::string& subject, int page_size);
  Result<std::string> rrOf(const RecordRef& record) const;
  Result<AlidnsLookup> lookup(const RecordRef& record) override;
  Result<Unit> write(const ReplaceRequest& request, const AlidnsLookup& current) override;
  Result<Written> writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                          const AlidnsLookup& current);
  // One UpdateDomainRecord or AddDomainRecord with `ttl`.
  RpcReply send(net::HttpTransport* lane, const ReplaceRequest& request,
                const AlidnsLookup& current, std::uint32_t ttl);
  // The zone's minimum TTL as learned (0: not known), asking DescribeDomainInfo the first time.
  std::uint32_t minTtl(const std::string& zone, net::HttpTransport* lane);
  // The minimum after a QuotaExceeded.TTL refusal of `refused_ttl`: asked again, else the range in
  // the refusal's `message`, else the highest minimum of any edition.
  std::uint32_t relearnMinTtl(const std::string& zone, net::HttpTransport* lane,
                              std::uint32_t refused_ttl, const std::string& message);
  std::optional<std::uint32_t> describeMinTtl(const std::string& zone, net::HttpTransport* lane);
  // What an Auth refusal with `code` asks the operator to check (which file), never a value.
  std::string authAdvice(std::string_view code) const;
  // The domain's records (raw JSON arrays) by lower-case RR.
  Result<std::map<std::string, nlohmann::json>> listDomain(const std::string& zone);
  static std::string scrub(std::string text, const AlidnsKeys& keys);
  // Every TXT record at `record.name` (DescribeSubDomainRecords, Type=TXT); `rr` is set to the
  // name relative to the zone.
  Result<std::vector<AlidnsRecord>> listTxt(const RecordRef& record, std::string& rr);
  // DeleteDomainRecord of one record; one already gone is a success.
  std::optional<ProviderError> deleteRecord(const std::string& id, const std::string& subject);

  std::string name_;
  std::string endpoint_;
  std::unique_ptr<AlidnsCredentials> credentials_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  NonceGenerator nonce_;
  std::mutex nonce_mutex_;  // a generator need not be thread-safe; batches call it from lanes
  AlidnsOptions options_;
  std::vector<std::shared_ptr<net::HttpTransport>> lanes_;  // the main transport first
  std::mutex floors_mutex_;
  std::map<std::string, std::optional<std::uint32_t>> floors_;  // zone -> MinTtl, once asked
};

}  // namespace planb::providers
