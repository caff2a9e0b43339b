#pragma once
// A DNS provider that is a PowerDNS Authoritative server (4.7+) driven through its HTTP API
// (shared/reference/provider-apis.md §2): reads with the 4.7 rrset filters, writes with one
// PATCH REPLACE of the CNAME RRset, which PowerDNS applies in one backend transaction, so the
// name never lacks its CNAME.
//
// The API has no compare-and-swap. replace() therefore reads first and refuses with Conflict
// when the served value is not the one the caller expects; a change made by someone else between
// that read and the PATCH (a window of one round trip) is overwritten. The periodic resync and
// the post-write verification report such a race; they cannot prevent it.
//
// Not thread-safe on its own: the transport is used by one thread at a time (CurlTransport
// serialises its calls).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.hpp"
#include "net/watched_secret_file.hpp"
#include "providers/dns_provider.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// planb's own choice, PowerDNS documents no API rate limit: generous for a server the operator
// runs, yet no flood.
inline constexpr CeilingRate kPowerDnsCeiling{100, 1};

// The most a PATCH body may hold: PowerDNS's webserver-max-bodysize defaults to 2 (megabytes,
// https://doc.powerdns.com/authoritative/settings.html#webserver-max-bodysize); 2,000,000 bytes
// stays within it whether a megabyte is 10^6 or 2^20 bytes.
inline constexpr std::size_t kPowerDnsMaxBodyBytes = 2'000'000;

class PowerDnsProvider final : public DnsProvider {
 public:
  // planbd's constructor: a CurlTransport with these timeouts and, when given, CA_FILE as the
  // CA bundle for an https:// api_url. Reads the API key file now, so a missing, unsafe or empty
  // key stops the daemon at start; the file is read again whenever it changes (a rotated key
  // takes effect on the next request, without a restart). Throws CredentialError (key file) or
  // std::invalid_argument (api_url not http:// or https://, empty server_id).
  PowerDnsProvider(std::string name, const PowerDnsSettings& settings,
                   std::optional<std::string> ca_file, std::chrono::milliseconds connect_timeout,
                   std::chrono::milliseconds total_timeout);

  // The same over any transport (tests, or a transport shared with other providers). Every
  // request draws from `ceiling` (kPowerDnsCeiling on the system clock when null).
  PowerDnsProvider(std::string name, const PowerDnsSettings& settings,
                   std::shared_ptr<net::HttpTransport> transport,
                   std::shared_ptr<RequestCeiling> ceiling = nullptr);

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "powerdns"; }
  Capabilities capabilities() const noexcept override { return {1, false}; }

  // GET zones/<zone>?rrset_name=<name>&rrset_type=CNAME; without a CNAME, a second GET with
  // rrset_name only tells Conflict (another type, the lowest-numbered) from Absent. Disabled
  // records are ignored: PowerDNS does not serve them.
  Result<ServedRecord> read(const RecordRef& record) override;

  // read(), then one PATCH zones/<zone> REPLACE of the CNAME RRset. Refuses with Conflict when
  // the name holds another type, or when the served CNAME is neither `expected_target` (nullopt:
  // no CNAME) nor already `new_target`. Already served with the same TTL: success, no PATCH.
  Result<Unit> replace(const ReplaceRequest& request) override;

  // One GET of the whole zone answers every name (one name: read(), whose filtered GET moves
  // less). A zone too large for the transport's reply limit is read name by name. PowerDNS itself
  // limits request bodies only (webserver-max-bodysize sets the request parser's
  // max_request_size: https://github.com/PowerDNS/pdns/pull/7550).
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One GET of the zone, compareBeforeWrite for each change (Conflict alone, already served:
  // no write), then ONE PATCH REPLACE with every rrset to change, split only where its body would
  // pass kPowerDnsMaxBodyBytes. PowerDNS applies a PATCH in one transaction; when it refuses one
  // because another type appeared at a name since the read ("Conflicts with pre-existing RRset")
  // the zone is read again and the PATCH rebuilt, so that only that name fails (kMaxBatchRounds
  // reads at most). One change: replace().
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;
  static constexpr int kMaxBatchRounds = 3;

  // The rehearsal's TXT record. readTxt: GET zones/<zone>?rrset_name=<name>&rrset_type=TXT,
  // each enabled record's text unquoted (txt_zone_text.hpp). writeTxt: one PATCH REPLACE of the
  // name's TXT rrset with the value as one quoted string (PowerDNS takes TXT content in zone-file
  // form), no "comments" member so the rrset's comments stay, as replace() keeps them. deleteTxt:
  // one PATCH DELETE of the TXT rrset; PowerDNS answers 204 whether or not it existed. Only TXT
  // is named in either PATCH: another type at the name is left alone. A value longer than one
  // character-string is refused (Permanent) before anything is sent.
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // The zone's apex NS rrset from the API (GET zones/<zone>?rrset_name=<zone>&rrset_type=NS),
  // enabled records only, canonical, sorted, without repeats.
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

  // "https://host:8081/api/v1/servers/localhost", for tests and messages.
  const std::string& baseUrl() const noexcept { return base_url_; }

 private:
  Result<net::HttpResponse> call(const std::string& method, const std::string& url,
                                 const std::string& zone, std::string body = {});
  Result<ServedRecord> fetch(const RecordRef& record, bool cname_only);
  // One GET of URL, a view of ZONE, read for each of NAMES (canonical): a failed GET or a
  // malformed reply is the result of every name.
  std::vector<Result<ServedRecord>> readZone(const std::string& url, const std::string& zone,
                                             const std::vector<std::string>& names);
  Result<Unit> patch(const std::string& zone, std::string body);
  // One GET of URL (a view of ZONE): its body, or the error a failed GET or a status other than
  // 200 makes.
  Result<std::string> getZone(const std::string& url, const std::string& zone);
  // The contents of NAME's enabled records of TYPE (one filtered GET).
  Result<std::vector<std::string>> rrsetContents(const std::string& zone, const std::string& name,
                                                 const std::string& type);
  ProviderError malformedReply(const std::string& zone, const std::string& what) const;

  std::string name_;
  std::string api_url_;  // as configured, without a trailing slash: for messages
  std::string server_id_;
  std::string base_url_;
  std::unique_ptr<net::WatchedSecretFile> api_key_;  // a pointer: the provider stays movable
  std::shared_ptr<net::HttpTransport> transport_;
};

// The zone id PowerDNS uses in URLs: the absolute name, characters other than letters, digits,
// '.' and '-' written as =XX (upper-case hex); the root zone is "=2E".
std::string powerDnsZoneId(std::string_view zone);

}  // namespace planb::providers
