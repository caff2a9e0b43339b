#pragma once
// Huawei Cloud DNS, API v2 (provider-apis.md §11): REST calls to
// https://dns.{region}.myhuaweicloud.com signed with SDK-HMAC-SHA256 (net/huawei_signer.hpp).
// Zones and record sets are addressed by id; names are FQDNs with a trailing dot. The API has no
// compare-and-swap (no ETag, no version), so a write reads just before it and refuses (Conflict)
// when the served value is not the one the caller expects.
//
// Only one record shape is planb's: one CNAME record set with one value, on the default line,
// not paused. Anything else at the name (another type, a second CNAME record set of a
// resolution line or weight, a paused or frozen record set) is reported as a Conflict.
//
// Writes are accepted, then applied: a record set goes PENDING_CREATE / PENDING_UPDATE ->
// ACTIVE (ListRecordSets' status field). A write whose reply is still PENDING_* is reported
// propagating (Written::propagating_change "<zone id>/<record set id>"); pollChange reads the
// record set until it is ACTIVE.
//
// Attributes planb does not manage are left as they are: the update (PUT
// /v2/zones/{zone_id}/recordsets/{recordset_id}) sends name, type, ttl and records only; an
// omitted description "keeps its value" (UpdateRecordSetReq in huaweicloud-sdk-go-v3), and tags,
// weight and line are not fields of a v2 update at all.
//
// The minimum TTL is 1: CreateRecordSetRequestBody and UpdateRecordSetReq document ttl
// "1~2147483647" (huaweicloud-sdk-go-v3 services/dns/v2/model). The v2.1 batch update
// (PUT /v2.1/zones/{zone_id}/recordsets) documents "300-2147483647" (BatchUpdateRecordSet), so
// it cannot carry a failover's short TTL: replaceBatch writes record sets in parallel instead.

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/dns_provider.hpp"
#include "providers/huaweicloud_credentials.hpp"
#include "providers/huaweicloud_reply.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// Huawei Cloud DNS throttles with DNS.0014 "Request forbidden by flow control." (403) and the API
// gateway with APIGW.0308 (429), but publishes no per-API number for DNS
// (https://support.huaweicloud.com/intl/en-us/api-dns/ErrorCode.html). 10 requests a second is
// a conservative share of an account's API traffic, still ten failovers a second.
inline constexpr CeilingRate kHuaweiCloudCeiling{10, 1};

// Requests replaceBatch keeps in flight (its transport and three more), all behind the ceiling.
inline constexpr std::size_t kHuaweiCloudBatchLanes = 4;

struct HuaweiCloudOptions {
  // Every request draws from it; kHuaweiCloudCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  int page_size = 500;  // ListRecordSets' limit: "0~500", default 500
  int max_pages = 100;  // a longer listing is refused as malformed, never looped on
  // More transports for replaceBatch's parallel writes, each behind the same ceiling.
  std::vector<std::shared_ptr<net::HttpTransport>> batch_transports;
};

using HuaweiCloudConfig = ApiProviderConfig<HuaweiCloudSettings>;

// What one look-up of a name found.
struct HuaweiCloudLookup {
  ServedRecord served;
  std::string zone_id;
  std::optional<std::string> recordset_id;  // of the CNAME, when served
};

class HuaweiCloudProvider final : public LookupThenWrite<HuaweiCloudLookup> {
 public:
  // https://dns.{region}.myhuaweicloud.com (huaweicloud-sdk-go-v3 services/dns/v2/region).
  static std::string defaultEndpoint(const std::string& region);

  // Reads the credential files now, so a missing or unsafe one stops planbd at start; each is
  // read again when it changes. Uses config.name, config.settings and config.endpoint (default
  // defaultEndpoint(region)). The clock gives X-Sdk-Date. Throws CredentialError, or
  // std::invalid_argument without a transport or clock, or for an unusable endpoint.
  HuaweiCloudProvider(const HuaweiCloudConfig& config,
                      std::shared_ptr<net::HttpTransport> transport,
                      std::shared_ptr<const core::Clock> clock, HuaweiCloudOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "huaweicloud"; }
  Capabilities capabilities() const noexcept override { return {1, false}; }

  // read(): the zone's id (GET /v2/zones?type=public&name=…&search_mode=equal, once per zone),
  // then every record set at the name (GET /v2/zones/{id}/recordsets?name=…&search_mode=equal,
  // every page): the CNAME, a Conflict (see above), or Absent.
  // replace(): that read, the compare, then PUT of the CNAME's record set, or POST of a new one
  // when the name holds nothing. Nothing is sent when the wanted CNAME and TTL are served.

  // More than one name: one listing of the zone (every page) answers them all.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One listing of the zone for every compare, then the writes as parallel requests, one per
  // transport (options.batch_transports and the main one). Each write stands alone.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record set (product.md §11). readTxt: the TXT record sets at the name,
  // their texts unquoted. writeTxt: the one holding exactly the value is kept, else the first is
  // updated (PUT), else one is created (POST); every other TXT record set at the name is then
  // deleted. deleteTxt: DELETE of every TXT record set at the name; one gone meanwhile counts as
  // deleted. Other types are never touched.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // GET /v2/zones/{zone_id}/nameservers: the hostnames Huawei serves the zone from.
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

  // GET /v2/zones/{zone_id}/recordsets/{recordset_id}: Applied once ACTIVE (or gone).
  Result<Propagation> pollChange(const std::string& change_id) override;

 private:
  struct Reply;
  using Query = std::vector<std::pair<std::string, std::string>>;

  // One signed request; `lane` is the transport to send on, the main one when null.
  Reply call(const std::string& method, const std::string& path, const Query& query,
             const nlohmann::json* body, const std::string& subject,
             net::HttpTransport* lane = nullptr);
  Result<std::string> zoneId(const std::string& zone);
  // Every record set of the zone matching `filter` (name, type), every page.
  Result<std::vector<HuaweiRecordset>> listRecordsets(const std::string& zone_id,
                                                      const Query& filter,
                                                      const std::string& subject);
  Result<HuaweiCloudLookup> lookup(const RecordRef& record) override;
  Result<Unit> write(const ReplaceRequest& request, const HuaweiCloudLookup& current) override;
  Result<Written> writeOn(net::HttpTransport* lane, const ReplaceRequest& request,
                          const HuaweiCloudLookup& current);
  // The zone's record sets by canonical name.
  Result<std::map<std::string, std::vector<HuaweiRecordset>>> listZone(const std::string& zone,
                                                                       std::string& zone_id);
  // The TXT record sets at the name; `zone_id` is set.
  Result<std::vector<HuaweiRecordset>> listTxt(const RecordRef& record, std::string& zone_id);
  std::optional<ProviderError> deleteRecordset(const std::string& zone_id, const std::string& id,
                                               const std::string& subject);
  // What an Auth refusal asks the operator to check (which file), never a value.
  std::string authAdvice(std::string_view code) const;
  static std::string scrub(std::string text, const HuaweiCloudKeys& keys);

  std::string name_;
  std::string host_;       // the Host header, signed
  std::string base_url_;   // scheme://host[:port][/base path]
  std::string base_path_;  // signed before every API path; empty for the vendor's endpoint
  std::string project_id_;
  std::unique_ptr<HuaweiCloudCredentials> credentials_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  HuaweiCloudOptions options_;
  std::vector<std::shared_ptr<net::HttpTransport>> lanes_;  // the main transport first
  std::mutex zones_mutex_;
  std::map<std::string, std::string> zone_ids_;  // canonical zone name -> id, once found
};

}  // namespace planb::providers
