#pragma once
// Google Cloud DNS, API v1 (provider-apis.md §7), as a DnsProvider.
//
// - Auth: the service-account key file (credentials_file) signs a JWT that its token_uri trades
//   for an OAuth 2.0 access token (google_token.hpp), sent as "Authorization: Bearer". A 401
//   drops the token and the request goes once more with a new one.
// - read(): resourceRecordSets.list with name= (every type at the name, every page): a plain
//   CNAME, Absent, or a Conflict (another type, or a CNAME with a routingPolicy: it answers by
//   policy, not with its rrdatas, so planb must not swap it as if it were plain).
// - readBatch(): one listing of the whole managed zone (every page) answers every name.
// - replaceBatch(): changes.create with `deletions` (the current CNAME exactly as read: "Must
//   match existing data exactly", changes reference) and `additions` (the new CNAME). A change is
//   atomic (https://cloud.google.com/dns/docs/reference/rest/v1/changes/create: "Atomically
//   updates the ResourceRecordSet collection"), so it is the compare-and-swap: a record changed
//   since the read makes Cloud DNS refuse it with 412 conditionNotMet (a deletion that no longer
//   matches) or 409 alreadyExists (an addition where a CNAME appeared). Every change of a zone
//   goes in one changes.create, split only by the documented limits (GoogleBatchLimits). A
//   refused change is re-read: records whose name no longer serves what was expected get Conflict
//   alone, the others go again (a bounded number of rounds).
// - Writes never wait for propagation: a change answered "pending" is Written{zone/id}, and
//   pollChange() asks changes.get once whether it is "done" (sent to every authoritative server).
// - The rehearsal's TXT (readTxt, writeTxt, deleteTxt): the TXT rrset at the name, replaced or
//   deleted by a change whose deletion repeats it as read.
// - nameServers(): managedZones.get's nameServers.
// - The managed zone: managed_zone when set, else the one managedZones.list?dnsName=ZONE names
//   (the public one when a private zone has the same name), looked up once.
// - Attributes planb does not manage are left alone: only the CNAME rrset at a managed name is
//   deleted and added, and only when it has no routingPolicy; other types at the name, and every
//   other name, are never in a change.
// - One call at a time (planbd drives each provider from one worker thread).

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/http_client.hpp"
#include "providers/dns_provider.hpp"
#include "providers/google_credentials.hpp"
#include "providers/google_reply.hpp"
#include "providers/google_token.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// Cloud DNS limits API requests per project and minute ("Read limit for a minute for a region",
// https://cloud.google.com/dns/quotas), a value the quotas page leaves to each project's console
// rather than publishing it. Five per second (300 a minute), never six within one second, is
// planb's conservative default; max_requests_per_second sets the project's own.
inline constexpr CeilingRate kGoogleCeiling{5, 1};

// What one changes.create may hold (https://cloud.google.com/dns/quotas, "Limits"): 1,000
// additions and 1,000 deletions per change, 100,000 bytes of rrdata per change.
struct GoogleBatchLimits {
  std::size_t additions = 1000;
  std::size_t deletions = 1000;
  std::size_t rrdata_bytes = 100'000;
};

struct GoogleOptions {
  // Every request (token, listings, changes, polls, zone look-ups) draws from it; kGoogleCeiling
  // on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  // maxResults of each listing page; 0 lets the server decide. Tests lower it to page.
  int page_size = 0;
  int max_pages = 1000;  // a longer listing is refused as malformed, never looped on
  GoogleBatchLimits batch_limits;
  // Sends of a change Cloud DNS refused, the first included.
  int max_batch_rounds = 3;
};

using GoogleConfig = ApiProviderConfig<GoogleSettings>;

class GoogleProvider final : public DnsProvider {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://dns.googleapis.com/dns/v1";

  // Reads and checks the credentials file now (throws net::CredentialError) and the endpoint
  // (throws std::invalid_argument: not http(s), or plain http:// to anything but loopback).
  // Throws std::invalid_argument without a transport or clock, or an empty project.
  GoogleProvider(const GoogleConfig& config, std::shared_ptr<net::HttpTransport> transport,
                 std::shared_ptr<const core::Clock> clock, GoogleOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "google"; }
  // Cloud DNS takes any TTL a resolver may cache (ResourceRecordSet.ttl: "Number of seconds that
  // this ResourceRecordSet can be cached by resolvers"), the 1 planb may ask included.
  Capabilities capabilities() const noexcept override { return {1, true}; }

  Result<ServedRecord> read(const RecordRef& record) override;
  Result<Unit> replace(const ReplaceRequest& request) override;
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;
  // change_id: "MANAGED_ZONE/ID", as replaceBatch reports it.
  Result<Propagation> pollChange(const std::string& change_id) override;

  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

 private:
  struct Reply;  // a successful reply's JSON, or the error
  struct Entry;  // one change of a batch on its way

  // One API request (PATH under /projects/PROJECT), with the token; a 401 gets one more try with
  // a new token.
  Reply call(const std::string& method, const std::string& path, const std::string& body,
             const std::string& what);
  Result<std::string> zoneName(const std::string& zone);
  // Every rrset of the zone's listing (NAME and TYPE filter it when not empty), every page.
  Result<std::vector<GoogleRrset>> listRrsets(const std::string& zone_name, const std::string& name,
                                              const std::string& type, const std::string& what);
  // The sets by canonical name: one listing of the name (one name) or of the zone.
  Result<std::map<std::string, std::vector<GoogleRrset>>> inspect(
      const std::string& zone_name, const std::vector<std::string>& names, const std::string& what);
  // Decides what the entry needs from the sets now served at its name.
  void plan(Entry& entry, const std::vector<GoogleRrset>& at_name);
  // Sends the entries (every one undecided) in as few changes as the limits allow.
  void sendChanges(const std::string& zone_name, std::vector<Entry*>& entries, int round);
  // One changes.create; Written (propagating when pending) or the error.
  Reply postChange(const std::string& zone_name, const std::vector<std::string>& deletions,
                   const std::vector<std::string>& additions, const std::string& what);
  Result<Written> writtenOf(const std::string& zone_name, const Reply& reply);
  // The TXT rrset at the name, as served; nullopt when there is none.
  Result<std::optional<GoogleRrset>> txtSet(const std::string& zone_name, const std::string& name);

  std::string name_;
  std::string project_;
  std::optional<std::string> configured_zone_;
  std::string base_;  // endpoint without a trailing slash
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  GoogleOptions options_;
  std::shared_ptr<GoogleCredentials> credentials_;
  std::unique_ptr<GoogleTokenSource> tokens_;
  std::map<std::string, std::string> zone_names_;  // zone -> managed zone name, looked up once
};

}  // namespace planb::providers
