#pragma once
// Azure DNS through Azure Resource Manager, api-version 2018-05-01 (Azure/azure-rest-api-specs
// specification/dns/resource-manager/Microsoft.Network/stable/2018-05-01/dns.json). A record set
// is a resource:
//
//   {endpoint}/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/
//     Microsoft.Network/dnsZones/{zone without the dot}/{type}/{name relative to it, "@": apex}
//
// with a bearer token from Microsoft Entra ID (azure_token.hpp). Every record set has an etag,
// and a PUT with If-Match: <etag> is refused with 412 PreconditionFailed when it changed
// meanwhile, If-None-Match: * when one was created meanwhile (dns.json's RecordSets_CreateOrUpdate;
// https://learn.microsoft.com/en-us/azure/dns/dns-zones-records#etags): planb's compare-and-swap.
//
// A write PUTs the record set as read, with only CNAMERecord.cname and TTL replaced, so its
// metadata and anything else planb does not manage stay (a PATCH would too, but ARM's PATCH of a
// record set merges only top-level properties: the record set read is the safer base). An alias
// record set (targetResource) or a record set of another type at the name is a Conflict: Azure
// DNS refuses a CNAME beside another type (409 Conflict, "The CNAME record could not be created
// because another record with the same name already exists in this zone.":
// https://github.com/rcl-letsencrypt-auto-ssl/Lets-Encrypt-Auto/issues/26).

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/azure_token.hpp"
#include "providers/dns_provider.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

struct AzureRecordSet;

// ARM limits each subscription and service principal by token buckets per region: writes and
// deletes a bucket of 200 refilled at 10 per second, reads 250 at 25 per second
// (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling,
// "Regional throttling and token bucket algorithm"). One ceiling covers every request, so it
// takes the write refill rate, with a burst of 10 that leaves the bucket's depth to whatever
// else acts as the same principal.
inline constexpr CeilingRate kAzureCeiling{10, 10};

// Requests replaceBatch keeps in flight (its transport and three more): Azure DNS has no batch
// API, one PUT per record set.
inline constexpr std::size_t kAzureBatchLanes = 4;

// Azure DNS documents no minimum TTL: RecordSet.properties.TTL is an int64 without one in
// dns.json, and no run-time floor is reported, so any TTL from 1 second goes as asked.
inline constexpr std::uint32_t kAzureMinTtl = 1;

inline constexpr std::string_view kAzureApiVersion = "2018-05-01";

struct AzureOptions {
  // Every request (the token's too) draws from it; kAzureCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  // $top of the zone listing: ARM's default page, 100 record sets (dns.json).
  int page_size = 100;
  int max_pages = 1000;  // a longer listing is refused as malformed, never looped on
  // More transports for replaceBatch's parallel writes, each behind the same ceiling.
  std::vector<std::shared_ptr<net::HttpTransport>> batch_transports;
};

using AzureConfig = ApiProviderConfig<AzureSettings>;

class AzureProvider final : public DnsProvider {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://management.azure.com";

  // Reads the client secret file now (a missing or unsafe one throws net::CredentialError); it
  // is read again when it changes. config.endpoint overrides the ARM base, and the token's scope
  // follows it; settings.login_endpoint the Entra ID authority. Throws std::invalid_argument
  // without a transport or a clock.
  AzureProvider(const AzureConfig& config, std::shared_ptr<net::HttpTransport> transport,
                std::shared_ptr<const core::Clock> clock, AzureOptions options = {});
  ~AzureProvider() override;

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "azure"; }
  Capabilities capabilities() const noexcept override { return {kAzureMinTtl, true}; }

  // GET of the CNAME record set; when there is none, the zone's listing says whether another
  // type holds the name (Conflict) or nothing does (Absent).
  Result<ServedRecord> read(const RecordRef& record) override;

  // Read, compare with expected_target, then PUT with If-Match (If-None-Match: * when the name
  // held no CNAME): a change meanwhile is a Conflict (412), and so is another type at the name.
  Result<Unit> replace(const ReplaceRequest& request) override;

  // One listing of the zone (every record set, paged by nextLink) answers every name.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One listing for every compare, then the PUTs in parallel (one per transport), each with the
  // etag the listing gave: each change stands or falls alone.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The TXT record set at the name: GET, PUT (If-Match / If-None-Match: *), DELETE.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // The zone's properties.nameServers (GET of the zone).
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

 private:
  struct Reply;
  struct Lookup;

  Reply call(const std::string& method, const std::string& url, const std::string* body,
             const std::vector<std::pair<std::string, std::string>>& conditions,
             const std::string& what, net::HttpTransport* lane = nullptr);
  std::string zoneUrl(const std::string& zone) const;
  std::string recordUrl(const std::string& zone, const std::string& type,
                        const std::string& relative) const;
  Result<std::string> relativeOf(const RecordRef& record) const;
  Result<Lookup> lookup(const RecordRef& record);
  // What the zone's listing says of each name that holds something, by lower-case relative name.
  Result<std::map<std::string, Lookup>> listZone(const std::string& zone);
  Result<Written> write(const ReplaceRequest& request, const Lookup& current,
                        net::HttpTransport* lane);
  // What one more record set at a name makes of the look-up.
  static void addTo(Lookup& found, const AzureRecordSet& set);
  ProviderError error(ErrorKind kind, const std::string& message) const;
  std::string scrub(std::string text);

  std::string name_;
  std::string endpoint_;  // the ARM base, without a trailing '/'
  std::string origin_;    // its scheme://authority: a nextLink elsewhere is refused
  AzureSettings settings_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  AzureOptions options_;
  std::unique_ptr<AzureTokenSource> tokens_;
  std::vector<std::shared_ptr<net::HttpTransport>> lanes_;  // the main transport first
};

}  // namespace planb::providers
