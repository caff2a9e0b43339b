#pragma once
// Cloudflare API v4 (provider-apis.md §3): a zone's CNAMEs through /zones/{id}/dns_records with a
// bearer token. The API has no compare-and-swap, so a write reads first and refuses (Conflict)
// when the served value is not the one the caller expects; the window between that read and the
// write is the API's last-writer-wins. Every request spends from a local budget (1,200 per 5
// minutes per token by default): going over Cloudflare's limit blocks the token for 5 minutes, so
// planbd refuses locally (RateLimited, with the wait) before it gets there.
//
// Names go to the API without the trailing dot and come back canonical (lower case, dot).
// Calls are blocking; caches (zone ids, record ids) are guarded, so calls may come from any
// thread, though planbd makes them from the provider's one worker.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"
#include "providers/cloudflare_listing.hpp"
#include "providers/dns_provider.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_budget.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// Cloudflare allows 1,200 requests per 5 minutes per user/token
// (https://developers.cloudflare.com/fundamentals/api/reference/limits/): 4 per second on
// average, and the whole 1,200 at once, which is what a failover of many records needs. The
// budget below still stops planbd before the 1,201st within any 5 minutes.
inline constexpr CeilingRate kCloudflareCeiling{1200.0 / 300.0, 1200};

// Records one batch request may change, by the zone's plan
// (https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/):
// 200 on Free, 3,500 on Pro, Business and Enterprise.
inline constexpr std::size_t kCloudflareBatchLimitFree = 200;
inline constexpr std::size_t kCloudflareBatchLimitPaid = 3500;

struct CloudflareOptions {
  // Every request draws from it; kCloudflareCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  // Cloudflare counts dashboard and other API use of the same token too: lower this when the
  // token is shared.
  std::size_t budget_requests = 1200;
  std::chrono::milliseconds budget_window = std::chrono::minutes(5);
  int per_page = 100;   // records per listing page asked for
  int max_pages = 100;  // a listing longer than this is refused as malformed, never looped on
  // Records per page when a batch lists the whole zone. The API allows up to 5,000,000
  // (dns-records_per_page in Cloudflare's OpenAPI schema); 5,000 lists a zone at the paid plans'
  // 3,500-record limit in one request.
  int zone_per_page = 5000;
  // Changes per batch request; 0: the zone's plan says (kCloudflareBatchLimitFree when it cannot
  // be read).
  std::size_t batch_limit = 0;
};

using CloudflareConfig = ApiProviderConfig<CloudflareSettings>;

// What one look-up of a name found.
struct CloudflareLookup {
  std::string zone_id;
  ServedRecord served;
  std::optional<std::string> record_id;  // of the CNAME, when served
  CloudflareAttributes attributes;       // of the CNAME, when served
};

class CloudflareProvider final : public LookupThenWrite<CloudflareLookup> {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://api.cloudflare.com/client/v4";

  // Reads the API token file now (readSecretFile: private, one line), so a missing or unsafe
  // token stops planbd at start; every request takes the file's token as it is then (a file
  // rewritten with a new token is read again; one half-written or unsafe keeps the last good
  // token, and auth errors say why). Uses config.name, config.settings and config.endpoint
  // (default kDefaultEndpoint). With cloudflare.zone_id set, that id serves every zone of this
  // provider; otherwise each zone's id is looked up by name once and cached. Throws
  // CredentialError, or std::invalid_argument without a transport or clock.
  CloudflareProvider(const CloudflareConfig& config, std::shared_ptr<net::HttpTransport> transport,
                     std::shared_ptr<const core::Clock> clock, CloudflareOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "cloudflare"; }
  Capabilities capabilities() const noexcept override { return {60, false}; }

  // The CNAME at the name (a listing filtered by type and exact name), else any other record
  // there (Conflict; conflict_type lists the types, e.g. "A,TXT"), else Absent. Listings are
  // read page by page. A TTL of 1 ("auto") reads as 300, which is what Cloudflare serves.
  // (read() is LookupThenWrite's: this lookup.)

  // Reads, then PATCHes the CNAME in place by id ({"type","name","content","ttl"}: one atomic
  // record update that leaves proxied, comment, tags and settings as they are; no "ttl" for a
  // proxied record, whose TTL Cloudflare keeps at Auto), or POSTs it, DNS-only, when the name
  // holds nothing. Conflict when the name holds another type, or serves something other than
  // `expected_target` (with nullopt: any CNAME). Nothing is sent when the wanted CNAME and TTL
  // (any TTL, when proxied) are already served. "Already exists" (81057/81058) is a success once
  // a re-read shows the wanted target.
  // (replace() is LookupThenWrite's: lookup, compare, then this write.)

  // The attributes planb keeps, of the CNAME at `name` (canonical) as last read; nullopt when
  // no read found one.
  std::optional<CloudflareAttributes> attributesAt(const std::string& name) const;

  // More than one name: one listing of the whole zone (every page) answers them all.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // More than one change: one listing of the zone for every compare (compareBeforeWrite, per
  // record: a Conflict fails alone, AlreadyServed sends nothing), then the writes as PATCHes by id
  // (POSTs for absent names) through POST /zones/{id}/dns_records/batch, split by the plan's
  // limit. Cloudflare applies a batch all or nothing: a refused one is listed and compared again
  // and resent without what now conflicts, and one refused twice goes one record at a time. Where
  // the API has no batch endpoint (404 "No route", 405), every change goes one by one, from then
  // on. A change to a proxied record is reported Written::proxied: Cloudflare answers its name
  // with the proxy's addresses, so no DNS answer can show it.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record (product.md §11), through the same token, budget and ceiling as
  // a failover. readTxt: a listing by type and exact name (every page), each content read as
  // cloudflare_txt.hpp says. writeTxt: the record already holding the value is kept, else the
  // first TXT at the name is PATCHed ({"type","name","content","ttl"}), else one is POSTed,
  // never proxied (a TXT cannot be); every other TXT there is then DELETEd. Content goes quoted,
  // as the API reference asks; a TTL under 60 goes as 60 (Written::raised_ttl). "Already exists"
  // (81057, 81058) is a success once a new listing shows the value. deleteTxt: DELETE of every
  // TXT at the name; one gone meanwhile (404) counts as deleted. Other types are never touched.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // The zone's assigned name servers: GET /zones/{id}, its "name_servers"
  // (https://developers.cloudflare.com/api/resources/zones/methods/get/).
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

  // For tests and status: requests spent within the current budget window.
  std::size_t budgetUsed() const { return budget_.used(); }
  // Whether the API answered that it has no batch endpoint (then changes go one by one).
  bool batchUnavailable() const;

 private:
  using Record = CloudflareRecord;
  struct ApiFailure;
  struct ApiReply;
  // Every record of a zone, by canonical name.
  struct ZoneListing {
    std::string zone_id;
    std::map<std::string, std::vector<Record>> by_name;
  };
  enum class BatchVerdict { Applied, Refused, Unavailable, Failed };
  struct BatchOutcome;

  ApiReply call(const std::string& method, const std::string& path_and_query,
                const std::string& body = {});
  Result<std::string> zoneId(const std::string& zone);
  // Every page of a filtered listing (an empty filter: the whole zone).
  Result<std::vector<Record>> listRecords(const std::string& zone_id, const std::string& filter,
                                          int per_page);
  std::vector<Result<Written>> writeChanges(const std::vector<ReplaceRequest>& changes);
  Result<ZoneListing> listZone(const std::string& zone);
  // What `records` (all at `name`) make of it: the first CNAME, else a Conflict, else Absent.
  CloudflareLookup lookupFrom(const std::string& zone_id, const std::string& name,
                              const std::vector<Record>& records);
  std::size_t batchLimit(const std::string& zone_id);
  void rememberPlan(const std::string& zone_id, const nlohmann::json& zone);
  BatchOutcome sendBatch(const std::string& zone_id, const std::vector<ReplaceRequest>& changes,
                         const std::vector<CloudflareLookup>& current);
  // The body of a write over `current`'s CNAME: a PATCH by id naming type, name, content and,
  // unless the record is proxied, ttl. For the batch endpoint's "patches", "id" is added.
  static nlohmann::json patchBody(const ReplaceRequest& request, const CloudflareLookup& current);
  // Whether `current` already serves what `request` wants, as far as Cloudflare lets planb set
  // it: a proxied record's TTL is Cloudflare's, so only its target counts.
  static bool servesWanted(const ReplaceRequest& request, const CloudflareLookup& current);
  Result<CloudflareLookup> lookup(const RecordRef& record) override;
  Result<Unit> write(const ReplaceRequest& request, const CloudflareLookup& current) override;
  void forgetZone(const std::string& zone);
  // The TXT records at `record.name` (every page); `zone_id` is set to the zone's id.
  Result<std::vector<Record>> listTxt(const RecordRef& record, std::string& zone_id);
  // DELETE of one record by id; one already gone (404) is a success.
  std::optional<ProviderError> deleteRecord(const std::string& zone_id, const std::string& id);

  std::string name_;
  std::string endpoint_;  // without a trailing '/'
  // Re-read when it changes: a rotated token is used from the next request on, without a restart.
  // Its path is named in every auth error, so the operator knows what to check.
  net::WatchedSecretFile token_;
  std::optional<std::string> configured_zone_id_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  CloudflareOptions options_;
  RequestBudget budget_;
  mutable std::mutex mutex_;                                // guards the caches below
  std::map<std::string, std::string> zone_ids_;             // canonical zone -> id
  std::map<std::string, std::string> record_ids_;           // canonical name -> id of its CNAME
  std::map<std::string, CloudflareAttributes> attributes_;  // canonical name -> its CNAME's
  std::map<std::string, std::size_t> batch_limits_;         // zone id -> changes per batch request
  bool batch_unavailable_ = false;
};

}  // namespace planb::providers
