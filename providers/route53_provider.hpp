#pragma once
// AWS Route 53 (REST-XML API 2013-04-01, SigV4 service route53 in the region of the endpoint's
// partition, or signing_region) as a DnsProvider (shared/reference/provider-apis.md §4, §13).
//
// - read(): lists the record sets starting at the name (name is a start position, not a filter)
//   and follows the pages while they stay at that name, so a CNAME, an absent name and another
//   type at the name (a conflict) are told apart whatever types sort before CNAME.
// - readBatch(): one listing of the hosted zone (all its pages) answers every name, unless an
//   earlier listing of that zone took more pages than there are names: then one start-positioned
//   listing per name, as read() does. Whichever costs fewer requests.
// - replaceBatch(): every change of the zone in one all-or-nothing ChangeBatch, split only by
//   Route 53's documented limits (Route53BatchLimits). Compare-and-swap per record: with
//   expected_target, DELETE of the current set exactly as served (value and TTL, read first) +
//   CREATE of the new one, so a record changed meanwhile makes Route 53 refuse the batch. Without
//   expected_target: CREATE, which fails when the name already holds a CNAME. A refused batch is
//   re-read: the records it names that no longer match get Conflict alone, the others are sent
//   again as one batch (a bounded number of rounds). replace() is a batch of one.
// - Writes never wait for INSYNC: a change Route 53 answers PENDING is Written{change id}, and
//   pollChange() asks GetChange once whether it is applied.
// - The rehearsal's TXT record (readTxt, writeTxt, deleteTxt): listed from the name and type TXT;
//   written as one UPSERT of the one quoted value; deleted by a DELETE that repeats the set as
//   read (Route 53 refuses any other), read once more when the set changed in between.
//   nameServers(): GetHostedZone's DelegationSet (none for a private zone).
// - Every request goes through the injected HttpTransport; signing time comes from an injected
//   clock, so tests neither sleep nor depend on the date.
// - Attributes planb does not manage are kept: a CNAME's HealthCheckId is repeated in the DELETE
//   (which must match the set exactly) and kept in the CREATE.
// - One call at a time (planbd drives each provider from one worker thread); not thread-safe,
//   except credentialsExpireAt().
// - Credentials: the key files (read at construction and again whenever one changes, so an agent
//   rotating STS credentials needs no restart; a session token file adds X-Amz-Security-Token), or
//   credential_process, run again before its credentials expire. They appear in no message.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/aws_credential_process.hpp"
#include "net/http_client.hpp"
#include "net/sigv4.hpp"
#include "net/watched_secret_file.hpp"
#include "providers/dns_provider.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

namespace route53 {
struct RecordSet;
struct Change;
}  // namespace route53

inline constexpr std::string_view kRoute53DefaultEndpoint = "https://route53.amazonaws.com";
inline constexpr std::string_view kRoute53Namespace =
    "https://route53.amazonaws.com/doc/2013-04-01/";

// ChangeBatch Comment: "Length Constraints: Maximum length of 256." (Route 53 API Reference,
// API_ChangeBatch, https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeBatch.html).
inline constexpr std::size_t kRoute53MaxComment = 256;

// Route 53 throttles above five API requests per second per AWS account
// (https://repost.aws/knowledge-center/route-53-avoid-throttling-errors). AWS's newer throttling
// page (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html)
// raises the account's bucket to 10/s with a burst of 50; five, never six within one second,
// stays within both.
inline constexpr CeilingRate kRoute53Ceiling{5, 1};

// What one ChangeResourceRecordSets request may hold, from the Route 53 Developer Guide, "Quotas",
// Maximums on API requests
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-changeresourcerecordsets):
// at most 1,000 ResourceRecord elements and 32,000 characters (spaces included) in all Value
// elements, each counted twice in an UPSERT. Route 53 answers InvalidChangeBatch "Number of
// records limit of 1000 exceeded." / "RDATA character limit of 32000 exceeded." beyond them.
// Changes per request: the quotas page sets no number of its own since 2016 (the 100 Change
// elements of older pages are gone; the service has been seen refusing "more than 4000 changes in
// a batch", github.com/kubernetes-sigs/external-dns/issues/368); each change here holds one
// ResourceRecord, so the 1,000 bound the changes too.
struct Route53BatchLimits {
  unsigned resource_records = 1000;
  unsigned value_characters = 32'000;
  unsigned changes = 1000;
};

struct Route53Options {
  // Every request (reads, ChangeBatches, GetChange polls, zone look-ups) draws from it;
  // kRoute53Ceiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  // The signing time; the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> clock;
  // maxitems of each ListResourceRecordSets page. Ten covers every type a name can hold in one
  // request; tests lower it to exercise paging.
  unsigned list_page_size = 10;
  // maxitems of each page of a whole-zone listing (readBatch): Route 53 returns at most 300.
  unsigned zone_page_size = 300;
  Route53BatchLimits batch_limits;
  // How many times a batch Route 53 refused is re-read and sent again without the records it
  // named; what is still refused then gets the refusal as its result.
  int max_batch_rounds = 3;
  // How credential_process is run (clock, runner, timeout); tests inject a runner and a clock.
  net::CredentialProcessOptions credential_process;
};

using Route53Config = ApiProviderConfig<Route53Settings>;

class Route53Provider final : public DnsProvider {
 public:
  // Reads the credential files now (throws CredentialError) and checks config.endpoint (throws
  // std::invalid_argument: not http(s), or http:// to anything but a loopback address).
  // The CA bundle of the endpoint is the transport's business, not this class's.
  Route53Provider(const Route53Config& config, std::shared_ptr<net::HttpTransport> transport,
                  Route53Options options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "route53"; }
  Capabilities capabilities() const noexcept override { return {1, true}; }

  Result<ServedRecord> read(const RecordRef& record) override;
  Result<Unit> replace(const ReplaceRequest& request) override;
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;
  Result<Propagation> pollChange(const std::string& change_id) override;

  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

  // When the credentials in use expire (credential_process's Expiration); nullopt for long-lived
  // key files. Thread-safe and cheap.
  std::optional<std::chrono::system_clock::time_point> credentialsExpireAt() const override;

  // The SigV4 region requests are signed for.
  const std::string& signingRegion() const noexcept { return scope_.region; }

 private:
  struct Current;  // what the name holds, with the raw Name/Value/TTL a DELETE must repeat
  struct Entry;    // one change of a batch on its way
  using Currents = std::map<std::string, Current>;  // canonical name → what it holds

  // Signs and sends one request; a reply of any status is a response.
  Result<net::HttpResponse> exchange(const std::string& method, const std::string& path,
                                     const std::vector<std::pair<std::string, std::string>>& query,
                                     const std::string& body, const std::string& what);
  // exchange(), with a non-2xx reply turned into its error.
  Result<net::HttpResponse> call(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& query,
                                 const std::string& body, const std::string& what);
  // The error a non-2xx reply stands for, without the credentials in anything the server said.
  ProviderError errorOf(const net::HttpResponse& response, const std::string& what) const;
  Result<std::string> zoneId(const std::string& zone);
  // Follows the pages of ListResourceRecordSets from START (the zone's first set when empty),
  // handing every set to VISIT until it answers false or the listing ends, or the next page would
  // start at a name GOES_ON_AT refuses. The pages it took, or the error.
  // START_TYPE, with START, starts the listing at that type of the name.
  Result<int> listRecordSets(const std::string& zone_id, std::optional<std::string> start,
                             unsigned page_size, int max_pages, const std::string& what,
                             const std::function<bool(route53::RecordSet&)>& visit,
                             const std::function<bool(const std::string&)>& goes_on_at,
                             std::optional<std::string> start_type = std::nullopt);
  // The plain TXT set at NAME (no routing policy), as served; nullopt when there is none.
  Result<std::optional<route53::RecordSet>> txtSet(const std::string& zone_id,
                                                   const std::string& name);
  // Sends CHANGES as one ChangeBatch: Written as replaceBatch reports it, or the error (a refused
  // batch is the refusal, kind of its status).
  Result<Written> sendChanges(const std::string& zone_id,
                              const std::vector<route53::Change>& changes, const std::string& what,
                              const std::string& comment);
  Result<Current> inspect(const std::string& zone_id, const std::string& name);
  // What the record sets at one name amount to for planb.
  static Current currentOf(const std::vector<route53::RecordSet>& at_name);
  // What each of NAMES holds: one listing of the whole zone, or one per name when that is fewer
  // requests.
  Result<Currents> inspectAll(const std::string& zone_id, const std::vector<std::string>& names);
  Result<Currents> listZone(const std::string& zone_id, const std::vector<std::string>& names);
  // Sends ENTRIES (none decided yet) as few ChangeBatches as the limits allow; fills their results,
  // or marks them to be read and sent again.
  void sendBatches(const std::string& zone_id, std::vector<Entry*>& entries);
  void forgetZoneId(const std::string& zone);

  std::string name_;
  std::shared_ptr<net::HttpTransport> transport_;
  Route53Options options_;
  net::SigV4Scope scope_;
  // Key files: fixed credentials. credential_process: the process, and the credentials last used
  // (scrubbed from every message).
  net::SigV4Credentials credentials_;
  std::shared_ptr<net::AwsCredentialProcess> process_;
  std::unique_ptr<net::WatchedSecretFile> access_key_id_file_;
  std::unique_ptr<net::WatchedSecretFile> secret_access_key_file_;
  std::unique_ptr<net::WatchedSecretFile> session_token_file_;
  std::string credential_source_;  // what an operator checks on an auth error
  std::string base_url_;           // scheme://authority, plus a base path when the endpoint has one
  std::string base_path_;          // "" or "/prefix", part of the signed path
  std::string host_;               // the Host header: the endpoint's authority
  std::optional<std::string> configured_zone_id_;
  std::map<std::string, std::string> zone_ids_;  // zone → hosted zone id, looked up once
  std::map<std::string, int> zone_pages_;  // hosted zone id → pages its last full listing took
};

// ---- The XML codec, exposed for unit tests ----

namespace route53 {

struct RecordSet {
  std::string name;  // as served: may hold octal escapes and upper case
  std::string type;
  std::optional<std::uint32_t> ttl;
  std::vector<std::string> values;
  std::optional<std::string> set_identifier;
  bool alias = false;
  std::optional<std::string> health_check_id;
  // Created by a traffic policy instance: Route 53 manages it, planb does not write it.
  std::optional<std::string> traffic_policy_instance_id;
};

struct RecordPage {
  std::vector<RecordSet> sets;
  bool truncated = false;
  std::optional<std::string> next_name;
  std::optional<std::string> next_type;
  std::optional<std::string> next_identifier;
};

struct HostedZone {
  std::string id;  // without "/hostedzone/"
  std::string name;
  bool private_zone = false;
};

struct ZonePage {
  std::vector<HostedZone> zones;
  bool truncated = false;
  std::optional<std::string> next_dns_name;
  std::optional<std::string> next_zone_id;
};

struct ChangeInfo {
  std::string id;      // without "/change/"
  std::string status;  // "PENDING" or "INSYNC"
};

// GetHostedZone's answer: the zone and the name servers of its delegation set, canonical and
// sorted (none for a private zone, whose reply has VPCs instead).
struct HostedZoneDetail {
  HostedZone zone;
  std::vector<std::string> name_servers;
};

// An error body of any shape Route 53 has used: <ErrorResponse><Error><Type/><Code/><Message/>
// </Error>, <Response><Errors><Error><Code/><Message/>…, or the pre-2024
// <InvalidChangeBatch><Messages><Message/>… (code "InvalidChangeBatch", the messages joined with
// "; ").
struct ErrorBody {
  std::string code;
  std::string message;
};

struct Change {
  std::string action;  // CREATE, DELETE, UPSERT
  std::string name;
  std::string type;
  std::uint32_t ttl = 0;
  std::vector<std::string> values;
  std::optional<std::string> health_check_id = std::nullopt;  // kept as served
};

// What a change costs against Route53BatchLimits: its ResourceRecord elements and the characters
// of its values, doubled for UPSERT.
struct ChangeCost {
  unsigned resource_records = 0;
  unsigned value_characters = 0;
};
ChangeCost costOf(const Change& change);

// Splits CHANGES, grouped in units that must stay in one batch (a record's DELETE and CREATE),
// into batches within LIMITS, in order. A unit larger than the limits alone is a batch of its own
// (Route 53 refuses it, as it would).
std::vector<std::vector<std::size_t>> splitByLimits(const std::vector<std::vector<Change>>& units,
                                                    const Route53BatchLimits& limits);

// The canonical names a Route 53 refusal message names ("[name='www.example.com.', ...]",
// "DNS name www.example.com."), in order, without repeats.
std::vector<std::string> namesInRefusal(std::string_view message);

// A name as Route 53 prints it, in planb's canonical form: octal escapes (\052) decoded, lower
// case, trailing dot.
std::string canonicalName(std::string_view served);

// "/hostedzone/Z1" → "Z1" (everything after the last '/', as botocore does).
std::string stripIdPrefix(std::string_view id);

// TEXT as one TXT value in Route 53's format (Developer Guide, "Supported DNS record types", TXT):
// in double quotes, a quote or backslash preceded by a backslash, bytes outside printable ASCII
// as \ooo octal codes.
std::string quoteTxt(std::string_view text);

// A TXT value as Route 53 serves it ("one" "two", escapes as quoteTxt writes them) back to its
// text: the character-strings decoded and joined. Unquoted words are taken as they are.
std::string unquoteTxt(std::string_view value);

// The ChangeResourceRecordSetsRequest body, elements in schema order. COMMENT is cut to
// kRoute53MaxComment characters (see batchComment).
std::string changeBatchXml(const std::vector<Change>& changes, std::string_view comment);

// COMMENT cut to at most kRoute53MaxComment characters, never inside a UTF-8 sequence, ending
// with "..." when cut.
std::string batchComment(std::string_view comment);

// The SigV4 region of a Route 53 endpoint's partition, from its host: route53.amazonaws.com.cn
// cn-northwest-1, route53.us-gov.amazonaws.com us-gov-west-1, route53.c2s.ic.gov us-iso-east-1,
// route53.sc2s.sgov.gov us-isob-east-1; anything else (the aws partition, a gateway, a test
// server) us-east-1.
std::string signingRegionOf(std::string_view host);

// Parsers of successful replies; a malformed body gives a Permanent error naming the problem.
Result<RecordPage> parseRecordPage(const std::string& body);
Result<ZonePage> parseZonePage(const std::string& body);
Result<ChangeInfo> parseChangeInfo(const std::string& body);
Result<HostedZoneDetail> parseHostedZone(const std::string& body);
std::optional<ErrorBody> parseErrorBody(const std::string& body);

// The error a non-2xx reply stands for. WHAT names the operation for the message. Never throws;
// a body that is not XML still yields an error of the status's kind.
ProviderError classifyError(const net::HttpResponse& response, std::string_view what);

}  // namespace route53

}  // namespace planb::providers
