#pragma once
// Tencent Cloud DNSPod, API 3.0 version 2021-03-23 (provider-apis.md §6): JSON bodies POSTed to
// "/" and signed with TC3-HMAC-SHA256 (net/tc3_signer.hpp); the action in X-TC-Action. Records
// are addressed by host label (SubDomain, "@" for the apex) within a domain and written by
// RecordId. The API has no compare-and-swap, so a write reads first and refuses (Conflict) when
// the served value is not the one the caller expects. Errors arrive as HTTP 200 with
// Response.Error{Code,Message}.
//
// Only one record shape is planb's: an enabled CNAME on the default line (LineId "0", "默认").
// Anything else at the name (another type, a CNAME for an ISP line, a disabled record) is a
// Conflict, since planb must neither overwrite it nor pretend the name fails over while it is
// there.
//
// The domain's minimum TTL depends on its DNSPod plan (free 600, paid plans lower) and
// DescribeDomainPurview tells it (PurviewList "记录TTL最低" / "Min TTL value":
// https://www.tencentcloud.com/document/api/1157/53852). It is learned once per zone, before the
// zone's first write, and again after a LimitExceeded.RecordTtlLimit refusal; a write below it goes
// out with the minimum instead (Written::raised_ttl says so), so a learned minimum never stops a
// failover.
//
// Attributes planb does not manage are left as they are: ModifyRecord sends the record's own
// RecordLine and RecordLineId, Weight (an omitted Weight clears it), Status, Remark and MX as read
// (https://www.tencentcloud.com/document/api/1157/49034).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/dns_provider.hpp"
#include "providers/dnspod_credentials.hpp"
#include "providers/dnspod_reply.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// DNSPod limits each action per account: DescribeRecordList 100/s, CreateRecord, ModifyRecord and
// DeleteRecord 500/s (https://www.tencentcloud.com/document/api/1157/49025, "Request frequency
// limits"). One bucket covers every call, so it takes the lowest of the calls planbd makes on
// every round, 100 per second, less a margin for the jitter of parallel requests (a bucket of
// rate r lets r + 1 go within one second). DescribeDomain and DescribeDomainPurview (20/s) are
// asked once per zone, not per round.
inline constexpr CeilingRate kDnspodCeiling{90, 1};

// Requests replaceBatch keeps in flight (its transport and three more).
inline constexpr std::size_t kDnspodBatchLanes = 4;

struct DnspodOptions {
  // Every request draws from it; kDnspodCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  // DescribeRecordList's Limit: at most 3000, 100 when not sent
  // (https://www.tencentcloud.com/document/api/1157/51290).
  int page_size = 3000;
  int max_pages = 100;  // a longer listing is refused as malformed, never looped on
  // More transports for replaceBatch's parallel writes, each behind the same ceiling.
  std::vector<std::shared_ptr<net::HttpTransport>> batch_transports;
};

using DnspodConfig = ApiProviderConfig<DnspodSettings>;

// What one look-up of a name found.
struct DnspodLookup {
  ServedRecord served;
  std::optional<DnspodRecord> cname;  // planb's CNAME, when served
  std::string sub_domain;             // the name relative to the zone, "@" for the apex
};

class DnspodProvider final : public LookupThenWrite<DnspodLookup> {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://dnspod.tencentcloudapi.com/";
  static constexpr std::string_view kService = "dnspod";
  static constexpr std::string_view kVersion = "2021-03-23";

  // Reads the credential files now, so a missing or unsafe one stops planbd at start; each is
  // read again when it changes. Uses config.name, config.settings and config.endpoint (default
  // kDefaultEndpoint; the international site is https://dnspod.intl.tencentcloudapi.com/). The
  // clock gives X-TC-Timestamp. Throws CredentialError, net::UrlError for a bad endpoint, or
  // std::invalid_argument without a transport or clock.
  DnspodProvider(const DnspodConfig& config, std::shared_ptr<net::HttpTransport> transport,
                 std::shared_ptr<const core::Clock> clock, DnspodOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "dnspod"; }
  Capabilities capabilities() const noexcept override { return {1, false}; }

  // read(): DescribeRecordList with Subdomain (every page, every type, so another type at the
  // name is seen): the CNAME, a Conflict (see above), or Absent.
  // replace(): that look-up, the compare, then ModifyRecord on the CNAME's RecordId or
  // CreateRecord when the name holds nothing. InvalidParameter.DomainRecordExist is a success
  // only once a re-read shows the wanted target with the TTL written.

  // More than one name: one listing of the domain (DescribeRecordList, every page) answers all.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One change: a look-up of its name, then the write. More than one: one listing of the domain
  // for every compare, then the writes as parallel requests, one per transport, every one drawing
  // from the ceiling. Each write stands alone. ModifyRecordBatch is not used: it sets every record
  // to one value and runs as an asynchronous job (JobId, then DescribeBatchTask), limited to 20/s
  // (https://www.tencentcloud.com/document/api/1157/49025).
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record: DescribeRecordList with Subdomain and RecordType=TXT. writeTxt
  // keeps an enabled default-line TXT already holding the value, else rewrites the first by
  // ModifyRecord, else creates one; every other TXT at the name is deleted (DeleteRecord).
  // deleteTxt deletes every TXT at the name; one gone meanwhile counts as deleted.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // DescribeDomain's DomainInfo.DnspodNsList, the name servers DNSPod assigned the domain (the
  // API reference's example: TencentCloud/tencentcloud-cli
  // tccli/examples/dnspod/v20210323/DescribeDomain.md).
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

 private:
  struct CallFailure {
    ProviderError error;
    std::string code;  // Response.Error.Code, empty for a transport or HTTP failure
  };
  struct CallReply {
    std::optional<CallFailure> failure;
    nlohmann::json response;  // Response, when it succeeded
  };

  CallReply call(const std::string& action, const nlohmann::json& params,
                 const std::string& subject, net::HttpTransport* lane = nullptr);
  // Every record of a DescribeRecordList with `params`, every page; none on NoDataOfRecord.
  Result<std::vector<DnspodRecord>> listRecords(const nlohmann::json& params,
                                                const std::string& subject);
  Result<std::string> subDomainOf(const RecordRef& record) const;
  Result<DnspodLookup> lookup(const RecordRef& record) override;
  Result<Unit> write(const ReplaceRequest& request, const DnspodLookup& current) override;
  Result<Written> writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                          const DnspodLookup& current);
  CallReply send(net::HttpTransport* lane, const ReplaceRequest& request,
                 const DnspodLookup& current, std::uint32_t ttl);
  std::uint32_t minTtl(const std::string& zone, net::HttpTransport* lane);
  std::uint32_t relearnMinTtl(const std::string& zone, net::HttpTransport* lane,
                              std::uint32_t refused_ttl);
  std::optional<std::uint32_t> describeMinTtl(const std::string& zone, net::HttpTransport* lane);
  std::string authAdvice(std::string_view code) const;
  Result<std::map<std::string, std::vector<DnspodRecord>>> listDomain(const std::string& zone);
  Result<std::vector<DnspodRecord>> listTxt(const RecordRef& record, std::string& sub_domain);
  std::optional<ProviderError> deleteRecord(const std::string& zone, const std::string& id,
                                            const std::string& subject);
  static std::string scrub(std::string text, const DnspodKeys& keys);

  std::string name_;
  std::string endpoint_;
  std::string host_;  // the Host header, signed
  std::unique_ptr<DnspodCredentials> credentials_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  DnspodOptions options_;
  std::vector<std::shared_ptr<net::HttpTransport>> lanes_;  // the main transport first
  std::mutex floors_mutex_;
  std::map<std::string, std::optional<std::uint32_t>> floors_;  // zone -> minimum TTL, once asked
};

}  // namespace planb::providers
