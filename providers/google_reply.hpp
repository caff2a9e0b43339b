#pragma once
// What Google Cloud DNS v1 replies mean, as pure functions over the reply bodies, so that every
// recorded reply of tests/conformance/google/ is parsed by the code the provider runs. Shapes from
// the API reference (https://cloud.google.com/dns/docs/reference/rest/v1): ResourceRecordSet
// {kind,name,type,ttl,rrdatas[],signatureRrdatas[],routingPolicy}, Change {kind,id,status,
// additions[],deletions[],startTime,isServing}, ManagedZone {name,dnsName,nameServers[],
// visibility,...}, list replies with nextPageToken. Google's JSON omits an empty list, so an
// absent array is an empty one.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/error.hpp"
#include "providers/dns_provider.hpp"

namespace planb::providers {

struct GoogleRrset {
  std::string name;  // as served: absolute, with the trailing dot
  std::string type;
  std::uint32_t ttl = 0;
  std::vector<std::string> rrdatas;
  // A routing policy (weighted round robin, geolocation, failover) serves other data than
  // rrdatas, by policy: not a plain CNAME planb may swap.
  bool routing_policy = false;
  // The rrset exactly as served, JSON text: a deletion must repeat it (changes.create: "deletions
  // ... Must match existing data exactly").
  std::string raw;
};

struct GoogleRrsetPage {
  std::vector<GoogleRrset> rrsets;
  std::string next_page_token;  // empty on the last page
};

struct GoogleChange {
  std::string id;
  std::string status;  // "pending" or "done"
};

struct GoogleZone {
  std::string name;        // the managed zone's own name, its id in URLs
  std::string dns_name;    // "example.com."
  std::string visibility;  // "public" or "private"; empty when not said
  std::vector<std::string> name_servers;
};

struct GoogleZonePage {
  std::vector<GoogleZone> zones;
  std::string next_page_token;
};

// The parsers throw nlohmann::json::exception when a reply is malformed.
GoogleRrsetPage parseGoogleRrsetPage(const nlohmann::json& reply);
GoogleChange parseGoogleChange(const nlohmann::json& reply);
GoogleZone parseGoogleZone(const nlohmann::json& zone);
GoogleZonePage parseGoogleZonePage(const nlohmann::json& reply);

// Google's error body {"error":{"code","message","errors":[{"domain","reason","message"}],
// "status"}} (https://cloud.google.com/apis/design/errors, the v1 error format).
struct GoogleErrorBody {
  std::string message;
  std::vector<std::string> reasons;  // errors[].reason, in order
  std::string status;                // "FAILED_PRECONDITION", ...
};
std::optional<GoogleErrorBody> parseGoogleError(const nlohmann::json& reply);

// The kind of an error reply, from its HTTP status and reasons: 412 conditionNotMet and 409
// alreadyExists Conflict (a lost compare-and-swap); 429 and rateLimitExceeded /
// userRateLimitExceeded RateLimited (github.com/kubernetes-sigs/external-dns/issues/1710: "Error
// 429: Resource has been exhausted (e.g. check quota)., rateLimitExceeded"); quotaExceeded
// Permanent, since Cloud DNS answers it for a change over its limits, which no wait cures ("Error
// 403: The change would exceed quota for additions per change", external-dns issue 1028); 401 and
// any other 403 Auth; 404 NotFound; 5xx Transient; the rest Permanent.
ErrorKind googleErrorKind(long status, const std::vector<std::string>& reasons);

// What a refusal names as the failing element of a change: the text between the brackets of
// "entity.change.deletions[...]" (LIST "deletions") or "entity.change.additions[...]". Cloud DNS
// has used an index ("Precondition not met for 'entity.change.deletions[76]'",
// github.com/kubernetes-sigs/external-dns/issues/3311) and, since, the name and type ("The
// resource 'entity.change.additions[_atproto.example.][TXT]' named '... (TXT)' already exists",
// github.com/snarfed/bridgy-fed/issues/1072). nullopt when it names none.
std::optional<std::string> googleChangeRefIn(std::string_view message, std::string_view list);

// What the rrsets at one name (all of them, any type) are to planb: a plain CNAME, a Conflict
// (another type, or a CNAME with a routing policy), or Absent.
ServedRecord googleServedAt(const std::vector<const GoogleRrset*>& at_name);

// TEXT as one TXT rrdata, as Cloud DNS takes and serves it: one quoted character-string, a quote
// or backslash escaped with a backslash.
std::string googleQuoteTxt(std::string_view text);

// A served TXT rrdata back to its text: the quoted character-strings decoded and joined; an
// unquoted word is taken as it is.
std::string googleUnquoteTxt(std::string_view rrdata);

}  // namespace planb::providers
